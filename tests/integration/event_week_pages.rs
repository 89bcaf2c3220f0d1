//! The event week's pages in headless Chromium: the reminders page (with a
//! scheduled and a missed rule, and with errors), the confirmation of a
//! missed rule, the messages page (empty, with errors, with a preview), the
//! participant list in the back-office, and the manage page with the
//! participant list, in Swedish and English: zero axe violations, no
//! sideways scrolling at 320 px. Screenshots for the README.
use anmalan::domain::role::Role;
use chrono::{Duration, Utc};
use fantoccini::Locator;

use crate::accessibility::{audit, submit};
use crate::common::browser::{self, screenshot_path};
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_week_pages_have_zero_axe_violations() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn().await;
    let spec = crate::choices::meeting("natverksmote", Some(2), 10, 10);
    app.create_event(&spec).await;
    let visit = crate::choices::items(&app).await["Studiebesök på datacenter"].id;
    let key = new_key();
    let visit_box = format!("choice-{visit}");
    let mut form = registration_form(&key, "Anna Berg", "anna@example.org");
    form.push(("participant_list", "yes"));
    form.push((&visit_box, "yes"));
    let anna = app
        .post_form("/events/natverksmote/register", &form)
        .await
        .manage_path();
    app.register("natverksmote", "Bo Ek", "bo@example.org")
        .await;
    let waiting = app
        .register("natverksmote", "Cecilia Lind", "cecilia@example.org")
        .await
        .manage_path();
    crate::reminders::age(&app, "natverksmote", 3).await;
    let organiser = crate::reminders::organiser(&app).await;
    let yesterday = (Utc::now() - Duration::days(1))
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let visit_id = visit.to_string();
    for fields in [
        vec![
            ("audience", "confirmed"),
            ("timing", "before-start"),
            ("days_before", "2"),
            ("local_time", "09:00"),
        ],
        vec![
            ("audience", "item"),
            ("item", visit_id.as_str()),
            ("timing", "before-start"),
            ("days_before", "1"),
            ("local_time", "18:00"),
            ("subject_sv", "Ta med legitimation"),
        ],
        vec![
            ("audience", "waitlisted"),
            ("timing", "fixed"),
            ("fixed_at", &yesterday),
        ],
    ] {
        let posted = crate::reminders::create_rule(&app, &organiser, "natverksmote", &fields).await;
        assert_eq!(posted.status, 303, "{}", posted.body);
    }
    let missed = crate::reminders::rules(&app, "natverksmote", Utc::now())
        .await
        .into_iter()
        .find(|l| l.state == anmalan::domain::reminder::RuleState::Missed)
        .expect("a missed rule")
        .rule
        .id;
    app.add_account("admin@example.org", Role::Admin).await;

    let b = browser::open(1280, 1000, true).await;
    let mut problems = Vec::new();
    let mut check = |line: (String, Vec<String>)| {
        println!("{}", line.0);
        problems.extend(line.1);
    };
    for (name, path) in [
        ("manage page with the participant list", anna.clone()),
        ("manage page, listed notice", format!("{anna}?done=listed")),
        ("manage page, waitlisted, no list", waiting.clone()),
        (
            "manage page with the list in English",
            format!("{anna}?lang=en"),
        ),
        (
            "event page with the consent box",
            "/events/natverksmote?lang=sv".to_owned(),
        ),
    ] {
        b.goto(&app.url(&path)).await;
        check(audit(&b, name).await);
    }

    b.goto(&app.url("/admin/login")).await;
    for (id, value) in [("email", "admin@example.org"), ("password", PASSWORD)] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    submit(&b, "form[action='/admin/login'] button").await;
    let base = "/admin/events/natverksmote";
    b.goto(&app.url(&format!("{base}/reminders"))).await;
    b.screenshot(&screenshot_path("admin-reminders")).await;
    for (name, path) in [
        ("admin reminders", format!("{base}/reminders")),
        (
            "admin reminders, created missed",
            format!("{base}/reminders?done=created_missed"),
        ),
        (
            "admin confirm a missed reminder",
            format!("{base}/reminders/{missed}/confirm"),
        ),
        ("admin messages", format!("{base}/messages")),
        ("admin participant list", format!("{base}/participants")),
        ("admin event overview with new sections", base.to_owned()),
        (
            "admin reminders in English",
            format!("{base}/reminders?lang=en"),
        ),
        ("admin messages in English", format!("{base}/messages")),
    ] {
        b.goto(&app.url(&path)).await;
        check(audit(&b, name).await);
    }
    b.goto(&app.url(&format!("{base}/reminders?lang=sv"))).await;
    b.client
        .find(Locator::Id("audience-item"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&b, "form[action$='/reminders'] button[type=submit]").await;
    b.wait_text("main", "Välj en programpunkt").await;
    check(audit(&b, "admin reminders, form with errors").await);

    b.goto(&app.url(&format!("{base}/messages"))).await;
    submit(&b, "form[action$='/messages/preview'] button[type=submit]").await;
    b.wait_text("main", "Skriv en ämnesrad på svenska").await;
    check(audit(&b, "admin messages, form with errors").await);
    for (id, value) in [
        ("subject_sv", "Bussen till datacentret"),
        ("body_sv", "Bussen går 08.15 från hotellet."),
    ] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    submit(&b, "form[action$='/messages/preview'] button[type=submit]").await;
    b.wait_text("main", "Antal mottagare").await;
    b.screenshot(&screenshot_path("admin-message-preview"))
        .await;
    check(audit(&b, "admin messages, preview").await);

    for width in [320, 640] {
        let narrow = browser::open(width, 900, true).await;
        for path in [anna.as_str(), "/events/natverksmote"] {
            narrow.goto(&app.url(path)).await;
            assert!(
                !narrow.scrolls_sideways().await,
                "{path} scrolls sideways at {width} px"
            );
        }
    }
    assert!(
        problems.is_empty(),
        "axe violations:\n{}",
        problems.join("\n")
    );
}
