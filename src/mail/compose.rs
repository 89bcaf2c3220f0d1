//! Turns a rendered email into MIME (RFC 5322 bytes) with lettre.
//!
//! Layout (DESIGN.md "Calendar lifecycle"): `multipart/mixed` holding a
//! `multipart/alternative` of text/plain, text/html and, for invites,
//! `text/calendar; charset=UTF-8; method=…`, followed by the same calendar as
//! an `invite.ics` attachment. The MIME `method` always equals METHOD.
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};

use super::messages::RenderedEmail;
use crate::domain::email::ascii_domain;

/// `Auto-Submitted: auto-generated` (RFC 3834), so that auto-responders
/// stay quiet.
#[derive(Clone)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// Removes every control character (CR and LF above all), so nothing a user
/// typed can start a new header line.
pub fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Who the message is from and to.
pub struct Envelope<'a> {
    pub message_id: &'a str,
    pub from: &'a Mailbox,
    pub reply_to: &'a str,
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub domain: &'a str,
}

/// An address for the envelope and the headers: the domain in its IDNA
/// (punycode) form, which every server takes, with or without SMTPUTF8.
fn deliverable(address: &str) -> anyhow::Result<lettre::Address> {
    let ascii = ascii_domain(address.trim())
        .ok_or_else(|| anyhow::anyhow!("not a deliverable address: {address:?}"))?;
    Ok(ascii.parse()?)
}

/// Builds the message.
pub fn compose(envelope: &Envelope<'_>, email: &RenderedEmail) -> anyhow::Result<Message> {
    let to = Mailbox::new(
        Some(header_safe(envelope.to_name)),
        deliverable(envelope.to_email)?,
    );
    let from = Mailbox::new(
        envelope.from.name.as_deref().map(header_safe),
        envelope.from.email.clone(),
    );
    let builder = Message::builder()
        .message_id(Some(format!(
            "<{}@{}>",
            envelope.message_id, envelope.domain
        )))
        .from(from)
        .reply_to(Mailbox::new(None, deliverable(envelope.reply_to)?))
        .to(to)
        .subject(header_safe(&email.subject))
        .header(AutoSubmitted);
    let mut alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(email.text.clone()))
        .singlepart(SinglePart::html(email.html.clone()));
    let message = match &email.calendar {
        None => builder.multipart(MultiPart::mixed().multipart(alternative))?,
        Some((method, ics)) => {
            let inline = ContentType::parse(&format!(
                "text/calendar; charset=UTF-8; method={}",
                method.as_str()
            ))?;
            // Base64 keeps the calendar's CRLF line endings and folding
            // byte-exact through every relay.
            let encoded = || {
                Body::new_with_encoding(ics.clone(), ContentTransferEncoding::Base64)
                    .map_err(|_| anyhow::anyhow!("calendar cannot be base64 encoded"))
            };
            alternative =
                alternative.singlepart(SinglePart::builder().header(inline).body(encoded()?));
            let attachment = Attachment::new("invite.ics".to_owned()).body(
                encoded()?,
                ContentType::parse("application/ics; name=\"invite.ics\"")?,
            );
            builder.multipart(
                MultiPart::mixed()
                    .multipart(alternative)
                    .singlepart(attachment),
            )?
        }
    };
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn no_cr_or_lf_ever_reaches_a_header(name in "\\PC*[\\r\\n]?\\PC*", subject in ".*[\\r\\n]?.*") {
            let email = RenderedEmail { subject, text: "t".into(), html: "<p>h</p>".into(), calendar: None };
            let from = "Nätverket <anmalan@example.org>".parse().unwrap();
            let envelope = Envelope {
                message_id: "id", from: &from, reply_to: "org@example.org",
                to_name: &format!("{name}\r\nBcc: evil@example.org"), to_email: "a@example.org", domain: "example.org",
            };
            let message = compose(&envelope, &email).unwrap();
            let formatted = String::from_utf8_lossy(&message.formatted()).into_owned();
            let headers = formatted.split("\r\n\r\n").next().unwrap();
            let allowed = ["Message-ID", "From", "Reply-To", "To", "Subject", "Auto-Submitted", "MIME-Version", "Date", "Content-Type"];
            for line in headers.split("\r\n") {
                if line.starts_with(' ') || line.starts_with('\t') {
                    continue;
                }
                let field = line.split(':').next().unwrap_or_default();
                proptest::prop_assert!(allowed.contains(&field), "unexpected header line {line:?}");
            }
            proptest::prop_assert!(!headers.contains("\nBcc"));
        }
    }
}
