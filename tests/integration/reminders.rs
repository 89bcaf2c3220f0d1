//! Reminder rules through HTTP and the real SMTP server, with a moved
//! clock: each rule sends once to each person in its audience, never twice
//! across two instances running the scheduler at once and a restart; its
//! due time follows the event across a daylight-saving change; a missed rule
//! sends nothing until confirmed; the skipped are skipped; a confirmed
//! registrant's reminder carries the invite with the same UID and SEQUENCE,
//! and a waitlisted one's carries the position and no invite.
use anmalan::db::entities::{event, invitation, outbox, registration};
use anmalan::domain::role::Role;
use anmalan::services::reminders::{self, RuleLine};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::mail::*;
use crate::common::*;

/// An organiser's logged-in client.
pub(crate) async fn organiser(app: &TestApp) -> reqwest::Client {
    app.add_account("sekretariatet@example.org", Role::Organiser)
        .await;
    app.login("sekretariatet@example.org").await
}

/// The event row.
pub(crate) async fn event_row(app: &TestApp, slug: &str) -> event::Model {
    event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the event")
}

/// Makes every registration and invitation of the event `days` old, as if
/// made earlier (the 24-hour rule is tested on its own).
pub(crate) async fn age(app: &TestApp, slug: &str, days: i64) {
    let event = event_row(app, slug).await;
    let then = Utc::now() - Duration::days(days);
    registration::Entity::update_many()
        .col_expr(registration::Column::CreatedAt, Expr::value(then))
        .filter(registration::Column::EventId.eq(event.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    invitation::Entity::update_many()
        .col_expr(invitation::Column::CreatedAt, Expr::value(then))
        .filter(invitation::Column::EventId.eq(event.id))
        .exec(&app.state.db)
        .await
        .unwrap();
}

/// Creates a rule through the back-office form; returns the redirect.
pub(crate) async fn create_rule(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    fields: &[(&str, &str)],
) -> Posted {
    app.post_with(client, &format!("/admin/events/{slug}/reminders"), fields)
        .await
}

/// The event's rules as the back-office lists them, at `now`.
pub(crate) async fn rules(app: &TestApp, slug: &str, now: DateTime<Utc>) -> Vec<RuleLine> {
    let event = event_row(app, slug).await;
    reminders::overview(&app.state.db, &event, now)
        .await
        .unwrap()
}

/// The outbox rows of reminder rules.
pub(crate) async fn reminder_rows(app: &TestApp) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(MessageKind::Reminder))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// The messages received for one address.
fn to<'a>(mails: &'a [Email], address: &str) -> Vec<&'a Email> {
    mails.iter().filter(|m| m.to == address).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_reminder_goes_once_per_person_with_two_schedulers_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let first = TestApp::spawn_with_smtp(&smtp.url()).await;
    let second = first.another_instance_with_smtp(&smtp.url()).await;
    let mut spec = seminar("natverksmote", Some(2));
    spec.venue_address = "Kungsgatan 12, Luleå".into();
    first.create_event(&spec).await;
    for (name, email) in [
        ("Anna Berg", "anna@example.org"),
        ("Bo Ek", "bo@example.org"),
        ("Cecilia Lind", "cecilia@example.org"),
        ("David Åberg", "david@example.org"),
        ("Erik Öst", "erik@example.org"),
    ] {
        assert_eq!(
            first.register("natverksmote", name, email).await.status,
            303
        );
    }
    let erik = crate::choices::registration_by_email(&first, "erik@example.org").await;
    let erik_page = {
        // Erik cancels through his own page (the link from his email).
        let mails = wait_for_messages(dir.path(), 5, 20).await;
        let mail = to(&mails, "erik@example.org")[0].clone();
        let start = mail.text.find("/r/").expect("a manage link");
        let token: String = mail.text[start + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        format!("/r/{token}")
    };
    assert_eq!(
        first
            .post_form(&format!("{erik_page}/cancel"), &[])
            .await
            .status,
        303
    );
    let before = wait_for_messages(dir.path(), 6, 20).await;
    assert_eq!(before.len(), 6, "5 registrations and Erik's cancellation");
    assert_eq!(
        registration::Entity::find_by_id(erik.id)
            .one(&first.state.db)
            .await
            .unwrap()
            .unwrap()
            .status,
        RegistrationStatus::Cancelled
    );
    age(&first, "natverksmote", 5).await;

    let client = organiser(&first).await;
    for fields in [
        [
            ("audience", "confirmed"),
            ("timing", "before-start"),
            ("days_before", "2"),
            ("local_time", "09.00"),
        ],
        [
            ("audience", "waitlisted"),
            ("timing", "before-start"),
            ("days_before", "3"),
            ("local_time", "10:00"),
        ],
    ] {
        let posted = create_rule(&first, &client, "natverksmote", &fields).await;
        assert_eq!(posted.status, 303, "{}", posted.body);
        assert!(
            posted
                .location
                .as_deref()
                .is_some_and(|l| l.ends_with("done=created"))
        );
    }
    let (status, page) = first
        .get_with(&client, "/admin/events/natverksmote/reminders")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&page, "table.reminders td.reach"),
        vec!["2", "2"],
        "each rule reaches two people"
    );
    assert!(
        page.contains("kl. 09.00") || page.contains("09.00"),
        "{page}"
    );

    let lines = rules(&first, "natverksmote", Utc::now()).await;
    let waitlist_due = lines[0].due_at.unwrap();
    let confirmed_due = lines[1].due_at.unwrap();
    assert!(waitlist_due < confirmed_due);

    // Both instances run the scheduler at once, at each rule's time.
    for at in [
        waitlist_due + Duration::minutes(1),
        confirmed_due + Duration::minutes(1),
    ] {
        let (a, b) = tokio::join!(
            reminders::run_due(&first.state.db, at),
            reminders::run_due(&second.state.db, at)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 2, "two emails per rule in all");
    }
    // A restart: a new instance looks again, and again later.
    drop(second);
    let third = first.another_instance_with_smtp(&smtp.url()).await;
    for later in [5, 30] {
        let at = confirmed_due + Duration::minutes(later);
        assert_eq!(reminders::run_due(&third.state.db, at).await.unwrap(), 0);
    }

    let mails = wait_for_messages(dir.path(), 10, 30).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mails = if mails.len() == 10 {
        wait_for_messages(dir.path(), 11, 0).await
    } else {
        mails
    };
    assert_eq!(mails.len(), 10, "6 before, and 4 reminders: no more");
    assert_eq!(reminder_rows(&first).await.len(), 4);

    for address in ["anna@example.org", "bo@example.org"] {
        let theirs = to(&mails, address);
        assert_eq!(theirs.len(), 2, "{address}: confirmation and one reminder");
        let confirmation = theirs
            .iter()
            .find(|m| m.subject.starts_with("Bekräftelse"))
            .unwrap();
        let reminder = theirs
            .iter()
            .find(|m| m.subject.starts_with("Kontrollera dina uppgifter inför"))
            .unwrap();
        let sent = read_invite(confirmation.calendar.as_deref().unwrap());
        let attached = read_invite(reminder.calendar.as_deref().expect("an invite"));
        assert_eq!(reminder.mime_method.as_deref(), Some("REQUEST"));
        assert_eq!(attached.method, "REQUEST");
        assert_eq!(attached.uid, sent.uid, "the same UID");
        assert_eq!(attached.sequences, sent.sequences, "the same SEQUENCE");
        assert_eq!(reminder.attachment, reminder.calendar, "invite.ics too");
        for fact in [
            "Kungsgatan 12, Luleå",
            "Vegetarisk",
            "ersättare",
            "/r/",
            "Kommunstyrelsens ordförande",
        ] {
            assert!(reminder.text.contains(fact), "{fact} in {}", reminder.text);
        }
        assert!(!reminder.subject.contains("Påminnelse"));
    }
    for (address, position) in [("cecilia@example.org", 1), ("david@example.org", 2)] {
        let theirs = to(&mails, address);
        assert_eq!(
            theirs.len(),
            2,
            "{address}: waitlist notice and one reminder"
        );
        let reminder = theirs
            .iter()
            .find(|m| m.subject.contains("lämna kön"))
            .expect("a waitlist reminder");
        assert!(reminder.subject.contains(&format!("nummer {position}")));
        assert!(reminder.text.contains(&format!("nummer {position} i kön")));
        assert_eq!(reminder.calendar, None, "no invite on the waitlist");
        assert_eq!(reminder.attachment, None);
        assert!(!reminder.layout.iter().any(|t| t.contains("calendar")));
    }
    assert_eq!(to(&mails, "erik@example.org").len(), 2, "Erik: nothing new");

    // The link in a reminder opens the person's page.
    let reminder = to(&mails, "anna@example.org")
        .into_iter()
        .find(|m| m.subject.starts_with("Kontrollera"))
        .unwrap();
    // (Each instance's links name its own port: take the path.)
    let start = reminder.text.find("/r/").unwrap();
    let path: String = reminder.text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert_eq!(first.get(&path).await.0, 200);

    // The back-office shows each rule sent, with what it reached.
    let (_, page) = first
        .get_with(&client, "/admin/events/natverksmote/reminders")
        .await;
    assert_eq!(texts(&page, "table.reminders td.sent"), vec!["2", "2"]);
    assert_eq!(texts(&page, "tr.rule-sent").len(), 2);
    let (_, log) = first
        .get_with(&client, "/admin/events/natverksmote/emails")
        .await;
    assert_eq!(log.matches("Påminnelse (regel)").count(), 4);
}

/// A date in March and one in April of next year: before and after the
/// change to summer time (the last Sunday of March).
fn winter_and_summer() -> (NaiveDate, NaiveDate) {
    let year = Utc::now().year() + 1;
    (
        NaiveDate::from_ymd_opt(year, 3, 20).unwrap(),
        NaiveDate::from_ymd_opt(year, 4, 8).unwrap(),
    )
}

#[tokio::test]
async fn moving_the_event_moves_the_due_time_across_daylight_saving() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let (winter, summer) = winter_and_summer();
    let mut spec = seminar("flyttas", Some(10));
    spec.starts_at = winter.and_hms_opt(10, 0, 0).unwrap();
    spec.ends_at = winter.and_hms_opt(16, 0, 0).unwrap();
    app.create_event(&spec).await;
    app.register("flyttas", "Anna Berg", "anna@example.org")
        .await;
    age(&app, "flyttas", 3).await;
    let client = organiser(&app).await;
    let posted = create_rule(
        &app,
        &client,
        "flyttas",
        &[
            ("audience", "confirmed"),
            ("timing", "before-start"),
            ("days_before", "2"),
            ("local_time", "09:00"),
        ],
    )
    .await;
    assert_eq!(posted.status, 303);
    let now = Utc::now();
    let winter_due = rules(&app, "flyttas", now).await[0].due_at.unwrap();
    // 09.00 in Stockholm in winter (CET, UTC+1).
    assert_eq!(
        winter_due,
        (winter - Duration::days(2))
            .and_hms_opt(8, 0, 0)
            .unwrap()
            .and_utc()
    );
    let (_, page) = app
        .get_with(&client, "/admin/events/flyttas/reminders")
        .await;
    assert!(page.contains("09.00"), "the page shows local time");

    // The event moves into summer time (as an import or the back-office
    // does it): the rule's time moves with it, still 09.00 local.
    spec.starts_at = summer.and_hms_opt(10, 0, 0).unwrap();
    spec.ends_at = summer.and_hms_opt(16, 0, 0).unwrap();
    app.create_event(&spec).await;
    let summer_due = rules(&app, "flyttas", now).await[0].due_at.unwrap();
    assert_eq!(
        summer_due,
        (summer - Duration::days(2))
            .and_hms_opt(7, 0, 0)
            .unwrap()
            .and_utc(),
        "09.00 CEST is 07.00 UTC"
    );
    let (_, page) = app
        .get_with(&client, "/admin/events/flyttas/reminders")
        .await;
    assert!(page.contains("09.00"), "still 09.00 local");

    // At the old time nothing is sent; at the new one, it is.
    let db = &app.state.db;
    assert_eq!(
        reminders::run_due(db, winter_due + Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        reminders::run_due(db, summer_due - Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        reminders::run_due(db, summer_due + Duration::minutes(1))
            .await
            .unwrap(),
        1
    );
    // The moved event's REQUEST (SEQUENCE 1) was the last invite sent: the
    // reminder carries the same.
    let mails = wait_for_messages(dir.path(), 3, 20).await;
    let moved = mails
        .iter()
        .find(|m| {
            m.calendar.is_some()
                && !m.subject.starts_with("Bekräftelse")
                && !m.subject.starts_with("Kontrollera")
        })
        .expect("the moved event's update");
    let reminder = mails
        .iter()
        .find(|m| m.subject.starts_with("Kontrollera"))
        .expect("the reminder");
    let moved = read_invite(moved.calendar.as_deref().unwrap());
    let attached = read_invite(reminder.calendar.as_deref().unwrap());
    assert_eq!(attached.uid, moved.uid);
    assert_eq!(attached.sequences, vec!["1"]);
    assert_eq!(attached.sequences, moved.sequences);
    assert_eq!(attached.dtstart, moved.dtstart, "the new time");
}

#[tokio::test]
async fn a_missed_rule_sends_nothing_until_an_organiser_confirms_it() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("sent-regel", Some(10))).await;
    app.register("sent-regel", "Anna Berg", "anna@example.org")
        .await;
    app.register("sent-regel", "Bo Ek", "bo@example.org").await;
    wait_for_messages(dir.path(), 2, 20).await;
    age(&app, "sent-regel", 3).await;
    let client = organiser(&app).await;
    let yesterday = (Utc::now() - Duration::days(1))
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let posted = create_rule(
        &app,
        &client,
        "sent-regel",
        &[
            ("audience", "confirmed"),
            ("timing", "fixed"),
            ("fixed_at", &yesterday),
        ],
    )
    .await;
    assert_eq!(posted.status, 303);
    assert!(
        posted
            .location
            .as_deref()
            .is_some_and(|l| l.ends_with("done=created_missed")),
        "{:?}",
        posted.location
    );
    let (_, page) = app
        .get_with(
            &client,
            "/admin/events/sent-regel/reminders?done=created_missed",
        )
        .await;
    assert!(page.contains("Missad – behöver bekräftas"));
    assert!(page.contains("bekräftar"), "the notice says it waits");

    // The scheduler, now and later, sends nothing.
    for later in [0, 1, 48] {
        let at = Utc::now() + Duration::hours(later);
        assert_eq!(reminders::run_due(&app.state.db, at).await.unwrap(), 0);
    }
    assert!(reminder_rows(&app).await.is_empty());

    let id = rules(&app, "sent-regel", Utc::now()).await[0].rule.id;
    let confirm = format!("/admin/events/sent-regel/reminders/{id}/confirm");
    let (status, page) = app.get_with(&client, &confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("Antal mottagare: 2."), "{page}");
    let posted = app.post_with(&client, &confirm, &[]).await;
    assert_eq!(
        posted.location.as_deref(),
        Some("/admin/events/sent-regel/reminders?done=confirmed&count=2")
    );
    // Confirming again, or the scheduler, sends no second copy.
    app.post_with(&client, &confirm, &[]).await;
    assert_eq!(
        reminders::run_due(&app.state.db, Utc::now() + Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    let mails = wait_for_messages(dir.path(), 4, 20).await;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(
        received(dir.path()).len(),
        4,
        "two confirmations, two reminders"
    );
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.starts_with("Kontrollera"))
            .count(),
        2
    );
}

#[tokio::test]
async fn the_recently_registered_the_cancelled_and_cancelled_events_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let spec = crate::choices::meeting("veckan", Some(20), 10, 10);
    app.create_event(&spec).await;
    let items = crate::choices::items(&app).await;
    let visit = items["Studiebesök på datacenter"].id;
    crate::choices::register_choosing(
        &app,
        "veckan",
        "Anna Berg",
        "anna@example.org",
        "2580",
        &[visit],
    )
    .await;
    crate::choices::register_choosing(&app, "veckan", "Bo Ek", "bo@example.org", "0882", &[]).await;
    let cancelled = app
        .register("veckan", "Cecilia Lind", "cecilia@example.org")
        .await;
    app.post_form(&format!("{}/cancel", cancelled.manage_path()), &[])
        .await;
    let client = organiser(&app).await;
    app.post_with(
        &client,
        "/admin/events/veckan/invitations",
        &[(
            "lines",
            "Gustav Nord, gustav@example.org, 2580\nHanna Syd, hanna@example.org, 0882",
        )],
    )
    .await;
    // Hanna declines; Gustav does not answer.
    let hanna = invitation::Entity::find()
        .filter(invitation::Column::Email.eq("hanna@example.org"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    anmalan::services::invitations::decline(&app.state.db, &hanna, Utc::now())
        .await
        .unwrap();
    age(&app, "veckan", 3).await;
    // David registers now: within the last 24 hours of the run.
    app.register("veckan", "David Åberg", "david@example.org")
        .await;
    wait_for_messages(dir.path(), 7, 20).await;

    // Rules due in two hours.
    let soon = (Utc::now() + Duration::hours(2))
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    for (audience, item) in [
        ("confirmed", ""),
        ("item", visit.to_string().as_str()),
        ("invitees", ""),
    ] {
        let posted = create_rule(
            &app,
            &client,
            "veckan",
            &[
                ("audience", audience),
                ("item", item),
                ("timing", "fixed"),
                ("fixed_at", &soon),
            ],
        )
        .await;
        assert_eq!(posted.status, 303, "{}", posted.body);
    }
    let reach: Vec<u64> = rules(&app, "veckan", Utc::now())
        .await
        .iter()
        .map(|l| l.reach)
        .collect();
    assert_eq!(reach, vec![2, 1, 1], "Anna and Bo; Anna; Gustav");
    let due = rules(&app, "veckan", Utc::now()).await[0].due_at.unwrap();
    assert_eq!(
        reminders::run_due(&app.state.db, due + Duration::minutes(2))
            .await
            .unwrap(),
        4
    );
    let rows = reminder_rows(&app).await;
    let mut recipients: Vec<&str> = rows.iter().map(|r| r.recipient.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        vec![
            "anna@example.org",
            "anna@example.org",
            "bo@example.org",
            "gustav@example.org"
        ],
        "not Cecilia (cancelled), David (new) or Hanna (declined)"
    );
    let mails = wait_for_messages(dir.path(), 11, 20).await;
    let gustav = to(&mails, "gustav@example.org");
    let reminder = gustav
        .iter()
        .find(|m| m.subject.starts_with("Svara på inbjudan"))
        .expect("the invitee's reminder");
    assert!(reminder.text.contains("/i/"), "the invitation link");
    assert_eq!(reminder.calendar, None);
    let visit_reminder = to(&mails, "anna@example.org")
        .into_iter()
        .find(|m| m.subject.contains("Studiebesök på datacenter"))
        .expect("the item's reminder");
    assert!(visit_reminder.text.contains("Studiebesök på datacenter"));

    // A cancelled event sends nothing, and its rules say so.
    let mut other = seminar("installt", Some(10));
    app.create_event(&other).await;
    app.register("installt", "Anna Berg", "anna@example.org")
        .await;
    age(&app, "installt", 3).await;
    create_rule(
        &app,
        &client,
        "installt",
        &[
            ("audience", "confirmed"),
            ("timing", "before-start"),
            ("days_before", "1"),
            ("local_time", "08:00"),
        ],
    )
    .await;
    other.status = EventStatus::Cancelled;
    app.create_event(&other).await;
    let line = &rules(&app, "installt", Utc::now()).await[0];
    assert_eq!(line.state, anmalan::domain::reminder::RuleState::Stopped);
    let due = line.due_at.unwrap();
    assert_eq!(
        reminders::run_due(&app.state.db, due + Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_rule_form_with_errors_names_each_field_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("fel", Some(10))).await;
    let client = organiser(&app).await;
    let posted = create_rule(
        &app,
        &client,
        "fel",
        &[
            ("audience", "item"),
            ("timing", "before-start"),
            ("days_before", "två"),
            ("local_time", "25.00"),
            ("subject_sv", "Glöm inte bussen"),
        ],
    )
    .await;
    assert_eq!(posted.status, 422);
    let summary = texts(&posted.body, "#error-summary li");
    assert_eq!(summary.len(), 3, "{summary:?}");
    assert_eq!(
        attr(&posted.body, "#subject_sv", "value").as_deref(),
        Some("Glöm inte bussen")
    );
    assert!(rules(&app, "fel", Utc::now()).await.is_empty());
}

#[tokio::test]
async fn a_reminder_is_written_once_per_rule_and_person_and_withdrawn_on_cancelling() {
    use anmalan::domain::token::ManageToken;
    use anmalan::mail::enqueue::{Notice, enqueue_notice};
    // The server answers 4xx for now: queued emails wait for their retry.
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &["--tempfail", "1000"]).await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &smtp.url())]).await;
    app.create_event(&seminar("dubbel", Some(10))).await;
    let manage = app
        .register("dubbel", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    let anna = crate::choices::registration_by_email(&app, "anna@example.org").await;
    let client = organiser(&app).await;
    create_rule(
        &app,
        &client,
        "dubbel",
        &[
            ("audience", "confirmed"),
            ("timing", "before-start"),
            ("days_before", "1"),
            ("local_time", "08:00"),
        ],
    )
    .await;
    let rule = rules(&app, "dubbel", Utc::now()).await[0].rule.id;
    let db = &app.state.db;
    // The same rule and person, written twice (as two schedulers could):
    // one row; the second write is a no-op, not an error.
    for expected in [true, false] {
        let written = enqueue_notice(
            db,
            &anna,
            Notice::Reminder(rule),
            &ManageToken::generate(),
            true,
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(written, expected);
    }
    assert_eq!(reminder_rows(&app).await.len(), 1);
    // Wait until the first try failed and the reminder waits for its retry.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !reminder_rows(&app)
        .await
        .iter()
        .all(|r| r.status == OutboxStatus::Pending && r.attempts >= 1)
    {
        assert!(std::time::Instant::now() < deadline, "a first try");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Anna cancels before it is sent: the queued reminder goes with it.
    app.post_form(&format!("{manage}/cancel"), &[]).await;
    assert!(reminder_rows(&app).await.is_empty());
}

#[tokio::test]
async fn a_reminder_queued_for_someone_who_has_cancelled_is_dropped_unsent() {
    use anmalan::domain::token::ManageToken;
    use anmalan::mail::enqueue::{Notice, enqueue_notice};
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("sent-avbokad", Some(10))).await;
    let manage = app
        .register("sent-avbokad", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    app.post_form(&format!("{manage}/cancel"), &[]).await;
    wait_for_messages(dir.path(), 2, 20).await;
    let client = organiser(&app).await;
    create_rule(
        &app,
        &client,
        "sent-avbokad",
        &[
            ("audience", "confirmed"),
            ("timing", "before-start"),
            ("days_before", "1"),
            ("local_time", "08:00"),
        ],
    )
    .await;
    let rule = rules(&app, "sent-avbokad", Utc::now()).await[0].rule.id;
    let anna = crate::choices::registration_by_email(&app, "anna@example.org").await;
    // As if queued a moment before the cancellation committed.
    enqueue_notice(
        &app.state.db,
        &anna,
        Notice::Reminder(rule),
        &ManageToken::generate(),
        true,
        Utc::now(),
    )
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !reminder_rows(&app).await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the worker drops it");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        received(dir.path()).len(),
        2,
        "confirmation and cancellation only"
    );
}
