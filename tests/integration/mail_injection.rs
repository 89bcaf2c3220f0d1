//! A hostile name cannot inject headers, calendar properties or markup.
use anmalan::calendar::CalendarMethod;
use anmalan::mail::compose::{Envelope, compose};
use anmalan::mail::enqueue::{InviteKind, MessageKind, Payload};
use anmalan::mail::messages::{MessageContext, render};
use chrono::{TimeZone, Utc};

use crate::common::fixtures;
use crate::common::mail::*;
use crate::common::*;

const HOSTILE: &str = "Åsa \"Test\", Jr; <x>\r\nBcc: evil@example.org";

#[tokio::test]
async fn the_form_refuses_a_name_with_a_line_break() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let posted = app.register("almedalen", HOSTILE, "asa@example.org").await;
    assert_eq!(posted.status, 422);
    assert!(
        posted
            .body
            .contains("Namnet får inte innehålla radbrytningar")
    );
}

#[test]
fn a_hostile_name_is_escaped_in_the_invite_harmless_in_headers_and_text_in_html() {
    let at = Utc.with_ymd_and_hms(2027, 6, 29, 8, 0, 0).unwrap();
    let mut event = fixtures::event(at);
    event.title = "Seminarium; om energi, industri: och <b>framtid</b>".into();
    let registration = fixtures::registration(&event, HOSTILE);
    let payload = Payload {
        kind: MessageKind::Confirmed,
        registration_id: Some(registration.id),
        invitation_id: None,
        delegation_id: None,
        sequence: 0,
        token: Some("A".repeat(43)),
        invite: Some(InviteKind::Request),
        previously: None,
        attendee: None,
        erased: false,
        notes: Vec::new(),
        reminder_rule: None,
        organiser_message: None,
        counterpart: None,
    };
    let base_url = url::Url::parse("https://anmalan.example.org").unwrap();
    let context = MessageContext {
        payload: &payload,
        event: &event,
        registration: &registration,
        programme: &[],
        choices: &[],
        waitlist_position: None,
        affiliation: "Org".into(),
        base_url: &base_url,
    };
    let rendered = render(&context, at);
    assert_eq!(
        rendered.calendar.as_ref().map(|c| c.0),
        Some(CalendarMethod::Request)
    );
    let from = "Nätverket <anmalan@example.org>".parse().unwrap();
    let message = compose(
        &Envelope {
            message_id: "fixed",
            from: &from,
            reply_to: "sekretariatet@example.org",
            to_name: &registration.name,
            to_email: &registration.email,
            domain: "example.org",
        },
        &rendered,
    )
    .unwrap();
    let email = Email::parse(&message.formatted());

    // Headers: no injected Bcc, the name stays inside To.
    assert!(email.header("Bcc").is_none(), "{:?}", email.headers);
    let header_block = email.raw.split("\r\n\r\n").next().unwrap();
    assert!(
        !header_block.lines().any(|l| l.starts_with("Bcc:")),
        "{header_block}"
    );
    assert_eq!(email.to, "asa@example.org");
    let parsed = mail_parser::MessageParser::default()
        .parse(email.raw.as_bytes())
        .unwrap();
    let to_name = parsed
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.name())
        .unwrap()
        .to_owned();
    assert!(
        to_name.contains("Åsa")
            && to_name.contains("Bcc: evil@example.org")
            && !to_name.contains('\n')
    );

    // HTML: the name is text, not markup.
    assert!(
        email.html.contains("Åsa &quot;Test&quot;, Jr; &lt;x&gt;"),
        "{}",
        email.html
    );
    assert!(!email.html.contains("<x>") && !email.html.contains("<b>framtid"));

    // Calendar: CN quoted without DQUOTE or line breaks; TEXT escaped.
    let calendar = email.calendar.as_deref().unwrap();
    let invite = read_invite(calendar);
    assert_eq!(invite.attendee_cn, "Åsa Test, Jr; <x>Bcc: evil@example.org");
    assert!(calendar.contains("CN=\"Åsa Test, Jr; <x>Bcc: evil@example.org\""));
    assert!(!calendar.contains("\r\nBcc"));
    assert!(calendar.contains("SUMMARY:Seminarium\\; om energi\\, industri: och <b>framtid</b>"));
    assert_eq!(
        invite.summary, event.title,
        "the parser reads back the exact title"
    );
}
