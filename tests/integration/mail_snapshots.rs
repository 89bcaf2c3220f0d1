//! The rendered text of every message kind, in Swedish and English, as
//! snapshots (insta). Ids and dates are fixed by the fixtures; the manage
//! link is a placeholder token.
use anmalan::domain::choice::{ChoiceLine, ChoiceNote, ChoiceStatus, NoteKind};
use anmalan::mail::enqueue::{InviteKind, MessageKind, Payload, Previously};
use anmalan::mail::messages::{MessageContext, render};
use chrono::{Duration, TimeZone, Utc};

use crate::common::fixtures;

fn text_of(kind: MessageKind, status: &str, locale: &str) -> String {
    text_with(kind, status, locale, None)
}

/// [`text_of`], with the counterpart named (the colleague who registered
/// the person, for a confirmation or a waitlist notice).
fn text_with(kind: MessageKind, status: &str, locale: &str, by: Option<&str>) -> String {
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
        delegation_id: None,
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
        reminder_rule: None,
        organiser_message: None,
        counterpart: match kind {
            MessageKind::HandedOver => Some("Kim Kollega".into()),
            MessageKind::TookOver => Some("Per Persson".into()),
            _ => by.map(str::to_owned),
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

/// A reminder rule of the fixture event, to `audience`, with or without
/// the organiser's own words.
fn rule(
    audience: anmalan::domain::reminder::Audience,
    own: bool,
) -> anmalan::db::entities::reminder_rule::Model {
    let at = Utc.with_ymd_and_hms(2027, 6, 1, 8, 0, 0).unwrap();
    anmalan::db::entities::reminder_rule::Model {
        id: 7,
        event_id: 1,
        audience,
        item_id: (audience == anmalan::domain::reminder::Audience::Item).then_some(2),
        timing: anmalan::domain::reminder::TimingKind::BeforeStart,
        days_before: Some(2),
        local_time: Some("09:00".into()),
        hours_before: None,
        fixed_at: None,
        subject_sv: if own {
            "Glöm inte legitimation".into()
        } else {
            String::new()
        },
        subject_en: String::new(),
        body_sv: if own {
            "Ta med legitimation till studiebesöket.\n\nVälkommen!".into()
        } else {
            String::new()
        },
        body_en: String::new(),
        created_at: at,
        confirmed_at: None,
        ran_at: None,
        reached: 0,
    }
}

/// A reminder or an organiser's message as its recipient reads it.
fn notice_text(kind: &str, status: &str, locale: &str) -> String {
    use anmalan::domain::reminder::Audience;
    use anmalan::mail::enqueue::Notice;
    use anmalan::mail::notices::{current_payload, render_message, render_reminder};
    let at = Utc.with_ymd_and_hms(2027, 6, 29, 8, 0, 0).unwrap();
    let event = fixtures::event(at);
    let mut programme = fixtures::programme(&event);
    for item in &mut programme {
        item.choosable = true;
    }
    let mut registration = fixtures::registration(&event, "Åsa Öberg");
    registration.status =
        anmalan::domain::event::RegistrationStatus::parse(status).expect("a stored status");
    registration.locale = locale.into();
    registration.calendar_sequence = 2;
    let notice = if kind == "message" {
        Notice::Message(3)
    } else {
        Notice::Reminder(7)
    };
    let mut payload = notice.preview_payload();
    payload.token = Some("TOKEN".into());
    payload.registration_id = Some(registration.id);
    if status == "waitlisted" {
        payload.invite = None;
    }
    let payload = current_payload(&payload, &registration, &event);
    let choices = [ChoiceLine {
        item_id: 2,
        status: ChoiceStatus::Confirmed,
        position: None,
    }];
    let base_url = url::Url::parse("https://anmalan.example.org").unwrap();
    let context = MessageContext {
        payload: &payload,
        event: &event,
        registration: &registration,
        programme: &programme,
        choices: &choices,
        waitlist_position: (status == "waitlisted").then_some(3),
        affiliation: "Region Gotland".into(),
        base_url: &base_url,
    };
    let rendered = match kind {
        "message" => {
            let message = anmalan::db::entities::organiser_message::Model {
                id: 3,
                event_id: 1,
                submission_key: String::new(),
                subject_sv: "Bussen till datacentret".into(),
                subject_en: "The bus to the data centre".into(),
                body_sv: "Bussen går 08.15 från hotellet.".into(),
                body_en: "The bus leaves at 08.15 from the hotel.".into(),
                audience: String::new(),
                with_invite: true,
                recipients: 1,
                sent_by: "sekretariatet@example.org".into(),
                created_at: at,
            };
            render_message(&context, &message, at)
        }
        "item" => render_reminder(&context, &rule(Audience::Item, true), "Panelsamtal", at),
        _ => render_reminder(&context, &rule(Audience::Confirmed, false), "", at),
    };
    let calendar = rendered
        .calendar
        .map(|(m, ics)| {
            let sequence = ics
                .lines()
                .find(|l| l.starts_with("SEQUENCE:"))
                .unwrap_or_default()
                .to_owned();
            format!("{} {sequence}", m.as_str())
        })
        .unwrap_or_else(|| "none".into());
    format!(
        "Subject: {}\nCalendar: {calendar}\n\n{}",
        rendered.subject, rendered.text
    )
}

#[test]
fn reminders_and_messages_read_well_in_swedish_and_english() {
    insta::assert_snapshot!(
        "sv_reminder_confirmed",
        notice_text("reminder", "confirmed", "sv")
    );
    insta::assert_snapshot!(
        "en_reminder_confirmed",
        notice_text("reminder", "confirmed", "en")
    );
    insta::assert_snapshot!(
        "sv_reminder_waitlisted",
        notice_text("reminder", "waitlisted", "sv")
    );
    insta::assert_snapshot!(
        "en_reminder_waitlisted",
        notice_text("reminder", "waitlisted", "en")
    );
    insta::assert_snapshot!(
        "sv_reminder_item_own_text",
        notice_text("item", "confirmed", "sv")
    );
    insta::assert_snapshot!("sv_message", notice_text("message", "confirmed", "sv"));
    insta::assert_snapshot!("en_message", notice_text("message", "confirmed", "en"));
}

#[test]
fn an_invitees_reminder_reads_well() {
    let at = Utc.with_ymd_and_hms(2027, 6, 29, 8, 0, 0).unwrap();
    let mut event = fixtures::event(at);
    event.registration_closes_at = Some(at - Duration::days(7));
    let invitation = anmalan::db::entities::invitation::Model {
        id: uuid::Uuid::from_u128(9),
        event_id: 1,
        name: "Gustav Nord".into(),
        email: "gustav@example.org".into(),
        email_normalized: "gustav@example.org".into(),
        municipality_code: Some("2580".into()),
        organisation: None,
        token_hash: String::new(),
        status: anmalan::domain::status::InvitationStatus::Sent,
        registration_id: None,
        created_at: at,
        updated_at: at,
        reminded_at: None,
    };
    let mut payload = anmalan::mail::enqueue::Notice::Reminder(7).preview_payload();
    payload.token = Some("TOKEN".into());
    payload.invite = None;
    let base_url = url::Url::parse("https://anmalan.example.org").unwrap();
    let rendered = anmalan::mail::notices::render_invitee_reminder(
        &event,
        &invitation,
        &payload,
        &rule(anmalan::domain::reminder::Audience::Invitees, false),
        &base_url,
    );
    assert!(rendered.calendar.is_none());
    insta::assert_snapshot!(
        "sv_reminder_invitee",
        format!("Subject: {}\n\n{}", rendered.subject, rendered.text)
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

#[test]
fn a_delegation_reads_well_in_swedish_and_english() {
    use anmalan::db::entities::delegation;
    use anmalan::domain::event::RegistrationStatus;
    use anmalan::mail::messages::{DelegationContext, render_delegation};
    let by = Some("Eva Ek (eva.ek@example.org)");
    insta::assert_snapshot!(
        "sv_registered_by",
        text_with(MessageKind::Confirmed, "confirmed", "sv", by)
    );
    insta::assert_snapshot!(
        "en_registered_by_waitlisted",
        text_with(MessageKind::Waitlisted, "waitlisted", "en", by)
    );
    let at = Utc.with_ymd_and_hms(2027, 6, 29, 8, 0, 0).unwrap();
    let event = fixtures::event(at);
    let mut first = fixtures::registration(&event, "Åsa Öberg");
    first.status = RegistrationStatus::Confirmed;
    let mut second = fixtures::registration(&event, "Bo Ek");
    second.status = RegistrationStatus::Waitlisted;
    let base_url = url::Url::parse("https://anmalan.example.org").unwrap();
    for locale in ["sv", "en"] {
        let delegation = delegation::Model {
            id: uuid::Uuid::nil(),
            event_id: event.id,
            contact_name: "Eva Ek".into(),
            contact_email: "eva.ek@example.org".into(),
            contact_email_normalized: "eva.ek@example.org".into(),
            municipality_code: Some("2580".into()),
            organisation: None,
            locale: locale.into(),
            token_hash: String::new(),
            created_at: at,
            updated_at: at,
        };
        let payload = Payload {
            kind: MessageKind::Delegation,
            registration_id: None,
            invitation_id: None,
            delegation_id: Some(delegation.id),
            sequence: 0,
            token: Some("TOKEN".into()),
            invite: None,
            previously: None,
            attendee: None,
            erased: false,
            notes: Vec::new(),
            reminder_rule: None,
            organiser_message: None,
            counterpart: None,
        };
        let rendered = render_delegation(&DelegationContext {
            payload: &payload,
            event: &event,
            delegation: &delegation,
            members: &[first.clone(), second.clone()],
            base_url: &base_url,
        });
        assert!(rendered.calendar.is_none());
        assert!(rendered.html.contains(&format!("<html lang=\"{locale}\">")));
        insta::assert_snapshot!(
            format!("{locale}_delegation"),
            format!("Subject: {}\n\n{}", rendered.subject, rendered.text)
        );
    }
}
