//! The rendered text of every message kind, in Swedish and English, as
//! snapshots (insta). Ids and dates are fixed by the fixtures; the manage
//! link is a placeholder token.
use anmalan::domain::choice::{ChoiceLine, ChoiceNote, ChoiceStatus, NoteKind};
use anmalan::mail::enqueue::{InviteKind, MessageKind, Payload, Previously};
use anmalan::mail::messages::{MessageContext, render};
use chrono::{Duration, TimeZone, Utc};

use crate::common::fixtures;

fn text_of(kind: MessageKind, status: &str, locale: &str) -> String {
    let at = Utc.with_ymd_and_hms(2027, 6, 29, 8, 0, 0).unwrap();
    let mut event = fixtures::event(at);
    if kind == MessageKind::EventCancelled {
        event.status = anmalan::domain::event::EventStatus::Cancelled;
    }
    let programme = fixtures::programme(&event);
    let mut registration = fixtures::registration(&event, "Åsa Öberg");
    registration.status =
        anmalan::domain::event::RegistrationStatus::parse(status).expect("a stored status");
    registration.locale = locale.into();
    let with_link = matches!(
        kind,
        MessageKind::Confirmed
            | MessageKind::Waitlisted
            | MessageKind::Promoted
            | MessageKind::Edited
            | MessageKind::EventMoved
            | MessageKind::LinkAgain
            | MessageKind::ChoicesChanged
            | MessageKind::TookOver
    );
    let invite = match kind {
        MessageKind::Confirmed
        | MessageKind::Promoted
        | MessageKind::EventMoved
        | MessageKind::ChoicesChanged => Some(InviteKind::Request),
        MessageKind::TookOver if status == "confirmed" => Some(InviteKind::Request),
        MessageKind::Cancelled | MessageKind::EventCancelled | MessageKind::HandedOver => {
            Some(InviteKind::Cancel)
        }
        _ => None,
    };
    let payload = Payload {
        kind,
        registration_id: Some(registration.id),
        invitation_id: None,
        sequence: 1,
        token: with_link.then(|| "TOKEN".to_owned()),
        invite,
        previously: (kind == MessageKind::EventMoved).then(|| Previously {
            starts_at: at - Duration::days(1),
            ends_at: at - Duration::days(1) + Duration::hours(2),
            venue: "Almedalsbiblioteket".into(),
        }),
        attendee: None,
        erased: false,
        notes: if kind == MessageKind::ChoicesChanged {
            vec![ChoiceNote {
                item: "Panelsamtal".into(),
                what: NoteKind::GotSeat,
            }]
        } else {
            Vec::new()
        },
        counterpart: match kind {
            MessageKind::HandedOver => Some("Kim Kollega".into()),
            MessageKind::TookOver => Some("Per Persson".into()),
            _ => None,
        },
    };
    // Both items choosable: a seat on the first, the second from its queue.
    let mut programme = programme;
    for item in &mut programme {
        item.choosable = true;
    }
    let choices = [
        ChoiceLine {
            item_id: 1,
            status: ChoiceStatus::Waitlisted,
            position: Some(2),
        },
        ChoiceLine {
            item_id: 2,
            status: ChoiceStatus::Confirmed,
            position: None,
        },
    ];
    let base_url = url::Url::parse("https://anmalan.example.org").unwrap();
    let context = MessageContext {
        payload: &payload,
        event: &event,
        registration: &registration,
        programme: &programme,
        choices: if status == "cancelled" { &[] } else { &choices },
        waitlist_position: (status == "waitlisted").then_some(3),
        affiliation: "Region Gotland".into(),
        base_url: &base_url,
    };
    let rendered = render(&context, at);
    let method = rendered.calendar.map(|(m, _)| m.as_str()).unwrap_or("none");
    format!(
        "Subject: {}\nCalendar: {method}\n\n{}",
        rendered.subject, rendered.text
    )
}

#[test]
fn every_message_kind_reads_well_in_swedish() {
    for (name, kind, status) in [
        ("confirmed", MessageKind::Confirmed, "confirmed"),
        ("waitlisted", MessageKind::Waitlisted, "waitlisted"),
        ("promoted", MessageKind::Promoted, "confirmed"),
        ("edited", MessageKind::Edited, "confirmed"),
        ("cancelled", MessageKind::Cancelled, "cancelled"),
        ("event_moved", MessageKind::EventMoved, "confirmed"),
        ("event_cancelled", MessageKind::EventCancelled, "confirmed"),
        ("link_again", MessageKind::LinkAgain, "confirmed"),
        ("choices_changed", MessageKind::ChoicesChanged, "confirmed"),
        ("handed_over", MessageKind::HandedOver, "cancelled"),
        ("took_over", MessageKind::TookOver, "confirmed"),
        ("took_over_waitlisted", MessageKind::TookOver, "waitlisted"),
    ] {
        insta::assert_snapshot!(format!("sv_{name}"), text_of(kind, status, "sv"));
    }
}

#[test]
fn confirmation_and_waitlist_read_well_in_english() {
    insta::assert_snapshot!(
        "en_confirmed",
        text_of(MessageKind::Confirmed, "confirmed", "en")
    );
    insta::assert_snapshot!(
        "en_waitlisted",
        text_of(MessageKind::Waitlisted, "waitlisted", "en")
    );
}

#[test]
fn a_substitution_reads_well_in_english() {
    insta::assert_snapshot!(
        "en_handed_over",
        text_of(MessageKind::HandedOver, "cancelled", "en")
    );
    insta::assert_snapshot!(
        "en_took_over",
        text_of(MessageKind::TookOver, "confirmed", "en")
    );
}
