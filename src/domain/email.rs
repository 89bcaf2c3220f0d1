//! Email addresses as people type them, plus the form used for uniqueness.

/// The longest address accepted (RFC 5321 allows 254 octets).
pub const MAX_LENGTH: usize = 254;

/// A syntactically valid email address. `typed` keeps what the person wrote
/// (trimmed); `normalized` is the lower-cased form, with the domain in its
/// IDNA (punycode) form, used to find duplicates: `kommun@östhammar.se` and
/// `kommun@xn--sthammar-m4a.se` are one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    typed: String,
    normalized: String,
}

impl EmailAddress {
    /// Parses an address. Rejects anything `email_address` rejects, addresses
    /// with display names or whitespace, and anything longer than RFC 5321's
    /// 254 octets.
    pub fn parse(input: &str) -> Option<Self> {
        let typed = input.trim();
        if typed.is_empty()
            || typed.len() > MAX_LENGTH
            || typed
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        {
            return None;
        }
        let parsed = email_address::EmailAddress::parse_with_options(
            typed,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .ok()?;
        // A dot in the domain: "name@localhost" is valid per RFC but never a
        // real recipient of a municipal invitation.
        if !parsed.domain().contains('.') {
            return None;
        }
        let deliverable = ascii_domain(typed)?;
        Some(Self {
            typed: typed.to_owned(),
            normalized: deliverable.to_lowercase(),
        })
    }

    /// The address as typed.
    pub fn as_str(&self) -> &str {
        &self.typed
    }

    /// The lower-cased address used for the one-registration-per-address rule.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// The form an address is looked up by: [`EmailAddress::normalized`] when
/// it is valid, else just trimmed and lower-cased (a login with a typo
/// finds nothing either way).
pub fn lookup_form(input: &str) -> String {
    EmailAddress::parse(input).map_or_else(
        || input.trim().to_lowercase(),
        |email| email.normalized().to_owned(),
    )
}

/// The address with its domain in IDNA (punycode) form, as the SMTP
/// envelope and the headers need it (RFC 5890): `kommun@östhammar.se`
/// becomes `kommun@xn--sthammar-m4a.se`. The local part stays as it is; only
/// a server with SMTPUTF8 (RFC 6531) takes one that is not ASCII. `None`
/// when there is no `@` or the domain is not a valid IDNA name.
pub fn ascii_domain(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let domain = idna::domain_to_ascii(domain).ok()?;
    (!local.is_empty() && !domain.is_empty()).then(|| format!("{local}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::{EmailAddress, ascii_domain};

    #[test]
    fn a_non_ascii_domain_is_one_address_with_its_punycode_form() {
        let unicode = EmailAddress::parse("kommun@Östhammar.se").unwrap();
        let punycode = EmailAddress::parse("Kommun@xn--sthammar-m4a.se").unwrap();
        assert_eq!(unicode.as_str(), "kommun@Östhammar.se", "shown as typed");
        assert_eq!(unicode.normalized(), "kommun@xn--sthammar-m4a.se");
        assert_eq!(unicode.normalized(), punycode.normalized());
        assert_eq!(
            ascii_domain("Åsa@östhammar.se").as_deref(),
            Some("Åsa@xn--sthammar-m4a.se"),
            "the local part is left alone"
        );
        assert_eq!(
            ascii_domain("anna@example.org").as_deref(),
            Some("anna@example.org")
        );
    }

    #[test]
    fn keeps_the_typed_form_and_lowercases_for_uniqueness() {
        let email = EmailAddress::parse("  Anna.Berg@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "Anna.Berg@Example.ORG");
        assert_eq!(email.normalized(), "anna.berg@example.org");
    }

    #[test]
    fn rejects_what_cannot_receive_mail_or_could_inject_headers() {
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.org",
            "anna@localhost",
            "Anna <anna@example.org>",
            "anna@example.org\r\nBcc: evil@example.org",
            "an na@example.org",
        ] {
            assert!(EmailAddress::parse(bad).is_none(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_none());
    }
}
