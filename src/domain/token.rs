//! Secrets carried in links and forms.
//!
//! A manage token is 256 random bits, written base64url without padding (43
//! characters). The database keeps only its SHA-256, so a leaked database
//! does not leak working links.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

const TOKEN_BYTES: usize = 32;

/// A secret that grants access to one registration.
#[derive(Clone, PartialEq, Eq)]
pub struct ManageToken([u8; TOKEN_BYTES]);

impl std::fmt::Debug for ManageToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ManageToken(***)")
    }
}

impl ManageToken {
    /// A fresh random token from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Parses the base64url form found in a link.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 43 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The base64url form for links.
    pub fn as_link_part(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// The SHA-256, hex encoded: the only form that is stored.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0))
    }

    /// Seals this token with a form submission key, so that the submission
    /// table can give the same token back to whoever repeats the submission
    /// (a double click) without storing the token itself: the row holds the
    /// token XOR SHA-256("seal" ‖ key), and the key is stored only hashed.
    /// Each key is used once, so this is a one-time pad.
    pub fn seal(&self, key: &SubmissionKey) -> String {
        let pad = key.pad();
        let sealed: Vec<u8> = self.0.iter().zip(pad).map(|(t, p)| t ^ p).collect();
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// Opens what [`ManageToken::seal`] produced with the same key.
    pub fn unseal(sealed: &str, key: &SubmissionKey) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let pad = key.pad();
        let opened: Vec<u8> = bytes.iter().zip(pad).map(|(s, p)| s ^ p).collect();
        Some(Self(opened.try_into().ok()?))
    }
}

/// The one-time key every registration form carries, so that submitting the
/// same form twice gives one registration.
#[derive(Clone, PartialEq, Eq)]
pub struct SubmissionKey(String);

impl std::fmt::Debug for SubmissionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubmissionKey(***)")
    }
}

impl SubmissionKey {
    /// A fresh key for a form about to be rendered.
    pub fn generate() -> Self {
        Self(ManageToken::generate().as_link_part())
    }

    /// Accepts the base64url keys this service hands out (and, harmlessly,
    /// any other of similar shape: a made-up key only deduplicates itself).
    pub fn parse(text: &str) -> Option<Self> {
        let ok = (22..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(text.to_owned()))
    }

    /// The key behind a caller's own retry key (the API's `Idempotency-Key`),
    /// scoped so that the same text from two callers is two keys: the
    /// SHA-256 of scope and text, hex encoded. Always a valid key.
    pub fn derive(scope: &[u8], text: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(scope);
        hasher.update(text.as_bytes());
        Self(hex::encode(hasher.finalize()))
    }

    /// The value for the hidden form field.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored form of the key.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    fn pad(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"seal");
        hasher.update(self.0.as_bytes());
        hasher.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_through_its_link_form_and_hashes_stably() {
        let token = ManageToken::generate();
        let link = token.as_link_part();
        assert_eq!(link.len(), 43);
        let parsed = ManageToken::parse(&link).unwrap();
        assert_eq!(parsed.hash(), token.hash());
        assert_eq!(token.hash().len(), 64);
        assert_ne!(token.hash(), ManageToken::generate().hash());
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        assert!(ManageToken::parse("").is_none());
        assert!(ManageToken::parse("short").is_none());
        assert!(ManageToken::parse(&"!".repeat(43)).is_none());
    }

    #[test]
    fn a_sealed_token_opens_only_with_its_key() {
        let token = ManageToken::generate();
        let key = SubmissionKey::generate();
        let sealed = token.seal(&key);
        assert_ne!(sealed, token.as_link_part());
        assert_eq!(ManageToken::unseal(&sealed, &key).unwrap(), token);
        let other = SubmissionKey::generate();
        assert_ne!(ManageToken::unseal(&sealed, &other).unwrap(), token);
    }

    #[test]
    fn a_derived_key_is_valid_stable_and_scoped() {
        let key = SubmissionKey::derive(b"token-1", "crm-4711");
        assert_eq!(SubmissionKey::parse(key.as_str()), Some(key.clone()));
        assert_eq!(key, SubmissionKey::derive(b"token-1", "crm-4711"));
        assert_ne!(key, SubmissionKey::derive(b"token-2", "crm-4711"));
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let token = ManageToken::generate();
        assert!(!format!("{token:?}").contains(&token.as_link_part()));
    }
}
