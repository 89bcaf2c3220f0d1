//! Email addresses as people type them, plus the form used for uniqueness.

/// A syntactically valid email address. `typed` keeps what the person wrote
/// (trimmed); `normalized` is the lower-cased form used to find duplicates.
/// The longest address accepted (RFC 5321 allows 254 octets).
pub const MAX_LENGTH: usize = 254;

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
        Some(Self {
            typed: typed.to_owned(),
            normalized: typed.to_lowercase(),
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

#[cfg(test)]
mod tests {
    use super::EmailAddress;

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
