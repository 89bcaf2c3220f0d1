//! Every change to a registration reaches the person by email over real
//! SMTP, and the calendar invite follows it: REQUEST, update, CANCEL.
use anmalan::db::entities::outbox;
use anmalan::services::events::import;
use chrono::Duration;
use sea_orm::EntityTrait;

use crate::common::mail::*;
use crate::common::*;

/// Checks what every invite email must satisfy, and returns its invite.
fn check_invite_email(email: &Email, expected_method: &str) -> Invite {
    assert!(
        email
            .message_id
            .as_deref()
            .is_some_and(|id| id.contains('@')),
        "Message-ID"
    );
    assert_eq!(
        email.layout,
        vec![
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
            "application/ics"
        ],
        "multipart/mixed of alternative(text, html, calendar) and invite.ics"
    );
    assert!(email.raw.contains("Content-Type: multipart/mixed"));
    assert!(email.raw.contains("Content-Type: multipart/alternative"));
    assert!(email.raw.contains("filename=\"invite.ics\""));
    assert_eq!(
        email.mime_method.as_deref(),
        Some(expected_method),
        "MIME method"
    );
    let calendar = email.calendar.as_deref().expect("inline calendar");
    assert_eq!(
        email.attachment.as_deref(),
        Some(calendar),
        "attachment equals the inline part"
    );
    let invite = read_invite(calendar);
    assert_eq!(
        invite.method, expected_method,
        "METHOD equals the MIME method"
    );
    assert!(invite.method_before_vevent);
    assert_eq!(invite.sequences.len(), 1, "exactly one SEQUENCE");
    for stamp in [&invite.dtstamp, &invite.dtstart, &invite.dtend] {
        assert!(stamp.ends_with('Z') && stamp.len() == 16, "UTC: {stamp}");
    }
    assert!(invite.organizer.starts_with("mailto:"));
    assert_eq!(
        invite.attendee,
        format!("mailto:{}", email.to),
        "ATTENDEE is the recipient"
    );
    assert!(
        invite
            .attendee_params
            .contains(&("PARTSTAT".into(), "ACCEPTED".into()))
    );
    assert!(
        invite
            .attendee_params
            .contains(&("RSVP".into(), "FALSE".into()))
    );
    assert!(invite.uid.ends_with("@127.0.0.1"));
    assert_eq!(email.header("Auto-Submitted"), Some("auto-generated"));
    assert!(
        email
            .header("Reply-To")
            .is_some_and(|r| r.contains("sekretariatet@example.org"))
    );
    invite
}

#[tokio::test]
async fn confirmation_edit_and_cancellation_keep_one_invite_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;

    let posted = app
        .register("almedalen", "Anna Berg", "anna.berg@example.org")
        .await;
    let manage = posted.manage_path();
    let mails = wait_for_messages(dir.path(), 1, 20).await;
    assert_eq!(mails.len(), 1);
    let confirmation = &mails[0];
    assert_eq!(confirmation.to, "anna.berg@example.org");
    assert!(confirmation.subject.starts_with("Bekräftelse: "));
    assert!(
        confirmation
            .text
            .contains(&format!("{}{manage}", app.base_url)),
        "the manage link"
    );
    let first = check_invite_email(confirmation, "REQUEST");
    assert_eq!(first.status, "CONFIRMED");
    assert_eq!(first.sequences, vec!["0"]);
    assert_eq!(first.attendee_cn, "Anna Berg");
    assert!(
        first.description.contains(&manage),
        "DESCRIPTION holds the manage link"
    );

    // Changing the name changes the invite: a REQUEST with SEQUENCE 1.
    app.post_form(
        &manage,
        &[("name", "Anna Berg-Lind"), ("role_title", "KSO")],
    )
    .await;
    let mails = wait_for_messages(dir.path(), 2, 20).await;
    let edited = mails
        .iter()
        .find(|m| m.subject.starts_with("Ändrad anmälan"))
        .expect("edit email");
    let second = check_invite_email(edited, "REQUEST");
    assert_eq!(second.uid, first.uid, "same UID");
    assert_eq!(second.sequences, vec!["1"]);
    assert_eq!(second.attendee_cn, "Anna Berg-Lind");

    // A change that does not touch the invite sends the summary only.
    app.post_form(
        &manage,
        &[
            ("name", "Anna Berg-Lind"),
            ("role_title", "KSO"),
            ("dietary_needs", "Vegan"),
        ],
    )
    .await;
    let mails = wait_for_messages(dir.path(), 3, 20).await;
    let plain = mails
        .iter()
        .filter(|m| m.subject.starts_with("Ändrad anmälan"))
        .find(|m| m.calendar.is_none())
        .expect("edit without invite");
    assert!(plain.text.contains("Vegan"));

    app.post_form(&format!("{manage}/cancel"), &[]).await;
    let mails = wait_for_messages(dir.path(), 4, 20).await;
    let cancel = mails
        .iter()
        .find(|m| m.subject.starts_with("Avbokad"))
        .expect("cancel email");
    let third = check_invite_email(cancel, "CANCEL");
    assert_eq!(third.uid, first.uid);
    assert_eq!(third.status, "CANCELLED");
    assert_eq!(third.sequences, vec!["2"], "SEQUENCE strictly increases");

    let ids: std::collections::HashSet<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 4, "each message has its own Message-ID");
    // Sent rows no longer hold the manage link.
    for row in outbox::Entity::find().all(&app.state.db).await.unwrap() {
        assert_eq!(row.status, OutboxStatus::Sent);
        assert!(!row.payload.contains("token"), "{}", row.payload);
    }
}

#[tokio::test]
async fn waitlist_promotion_link_again_and_english_messages() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("litet", Some(1))).await;

    let first = app.register("litet", "Först", "forst@example.org").await;
    let key = new_key();
    app.post_form(
        "/events/litet/register?lang=en",
        &registration_form(&key, "Second", "second@example.org"),
    )
    .await;
    let mails = wait_for_messages(dir.path(), 2, 20).await;
    let waitlisted = mails
        .iter()
        .find(|m| m.to == "second@example.org")
        .expect("waitlist email");
    assert!(
        waitlisted.subject.starts_with("Waitlist: "),
        "{}",
        waitlisted.subject
    );
    assert!(waitlisted.text.contains("number 1 on the waitlist"));
    assert!(waitlisted.calendar.is_none(), "no invite while waiting");
    assert_eq!(
        waitlisted.layout,
        vec![
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html"
        ]
    );

    app.post_form(&format!("{}/cancel", first.manage_path()), &[])
        .await;
    let mails = wait_for_messages(dir.path(), 4, 20).await;
    let promoted = mails
        .iter()
        .find(|m| m.subject.starts_with("You have a seat"))
        .expect("promotion email");
    let invite = check_invite_email(promoted, "REQUEST");
    assert_eq!(invite.status, "CONFIRMED");
    let link = promoted
        .text
        .lines()
        .find(|l| l.contains("/r/"))
        .expect("a manage link")
        .trim()
        .to_owned();
    let (status, page) = app.get(link.trim_start_matches(&app.base_url)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Confirmed") || page.contains("Bekräftad"));

    // Someone types the promoted address again: the link goes to that inbox.
    app.register("litet", "Someone", "SECOND@example.org").await;
    let mails = wait_for_messages(dir.path(), 5, 20).await;
    let again = mails
        .iter()
        .find(|m| m.subject.starts_with("Your registration link"))
        .expect("link-again email");
    assert_eq!(again.to, "second@example.org");
    let new_link = again
        .text
        .lines()
        .find(|l| l.contains("/r/"))
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(
        app.get(new_link.trim_start_matches(&app.base_url)).await.0,
        200
    );
}

#[tokio::test]
async fn moving_or_cancelling_the_event_updates_every_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let mut spec = seminar("flytt", Some(1));
    app.create_event(&spec).await;
    app.register("flytt", "Anna", "anna@example.org").await;
    app.register("flytt", "Bo", "bo@example.org").await;
    let before = wait_for_messages(dir.path(), 2, 20).await;
    let original = before.iter().find(|m| m.to == "anna@example.org").unwrap();
    let original = read_invite(original.calendar.as_deref().unwrap());

    spec.starts_at += Duration::hours(2);
    spec.ends_at += Duration::hours(2);
    spec.venue_name = "Almedalsbiblioteket".into();
    import(&app.state.db, &spec).await.unwrap();
    anmalan::mail::wake::wake();
    let mails = wait_for_messages(dir.path(), 4, 20).await;
    let moved = mails
        .iter()
        .find(|m| m.to == "anna@example.org" && m.subject.starts_with("Ny tid eller plats"))
        .expect("moved email");
    let update = check_invite_email(moved, "REQUEST");
    assert_eq!(update.uid, original.uid);
    assert_eq!(update.sequences, vec!["1"]);
    assert_ne!(update.dtstart, original.dtstart);
    assert!(update.location.contains("Almedalsbiblioteket"));
    assert!(moved.text.contains("Tidigare: "), "says what changed");
    let waiting = mails
        .iter()
        .find(|m| m.to == "bo@example.org" && m.subject.starts_with("Ny tid eller plats"))
        .expect("the waitlisted person hears too");
    assert!(waiting.calendar.is_none());

    spec.status = anmalan::domain::event::EventStatus::Cancelled;
    import(&app.state.db, &spec).await.unwrap();
    anmalan::mail::wake::wake();
    let mails = wait_for_messages(dir.path(), 6, 20).await;
    let cancelled = mails
        .iter()
        .find(|m| m.to == "anna@example.org" && m.subject.starts_with("Inställt"))
        .expect("event cancelled email");
    let cancel = check_invite_email(cancelled, "CANCEL");
    assert_eq!(cancel.uid, original.uid);
    assert_eq!(cancel.status, "CANCELLED");
    assert_eq!(cancel.sequences, vec!["2"]);
}

#[tokio::test]
async fn without_smtp_each_email_is_an_eml_file_with_a_working_invite() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Anna", "anna@example.org").await;
    let mails = wait_for_messages(&app.outbox_dir(), 1, 20).await;
    assert_eq!(mails.len(), 1);
    let invite = check_invite_email(&mails[0], "REQUEST");
    assert_eq!(
        invite.summary,
        "Industrikommunerna – Sveriges tillväxtmotor"
    );
}

/// A burst of emails goes out over at most `mail.pool_size` SMTP
/// connections, reused from one email to the next: the worker sends at
/// most that many at once, instead of opening (and then closing) a
/// connection for every email of a batch.
#[tokio::test]
async fn a_burst_of_emails_uses_at_most_the_pooled_connections() {
    let dir = tempfile::tempdir().unwrap();
    // Each DATA takes a while, so the registrations committed meanwhile
    // are claimed together and would all be sent at once.
    let smtp = SmtpServer::start(free_port(), dir.path(), &["--delay-ms", "300"]).await;
    let url = smtp.url();
    let app = TestApp::spawn_with(&[
        ("SMTP_URL", url.as_str()),
        ("ANMALAN__MAIL__POOL_SIZE", "2"),
        ("ANMALAN__MAIL__POLL_INTERVAL_MS", "100"),
        ("ANMALAN__MAIL__TIMEOUT_SECS", "10"),
    ])
    .await;
    app.create_event(&seminar("skur", Some(100))).await;

    let people: Vec<(String, String)> = (0..12)
        .map(|i| (format!("Person {i}"), format!("person{i}@example.org")))
        .collect();
    let posts = people
        .iter()
        .map(|(name, email)| app.register("skur", name, email));
    for posted in futures::future::join_all(posts).await {
        assert_eq!(posted.status, 303, "{}", posted.body);
    }
    let mails = wait_for_messages(dir.path(), 12, 60).await;
    assert_eq!(mails.len(), 12);
    let connections = smtp_connections(dir.path());
    assert!(
        (1..=2).contains(&connections),
        "12 emails over {connections} SMTP connections, with a pool of 2"
    );
}
