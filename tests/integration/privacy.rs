//! A registrant's rights: download everything stored about them, and delete
//! it (the registration is cancelled with a CANCEL invite, then anonymised).
use anmalan::db::entities::{outbox, registration};
use sea_orm::EntityTrait;

use crate::common::mail::*;
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registrant_downloads_their_data_and_then_deletes_it() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), maildir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(1))).await;
    let manage = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    app.register("almedalen", "Bo Ek", "bo@example.org").await; // waiting
    wait_for_messages(maildir.path(), 2, 20).await;

    let response = app
        .client
        .get(app.url(&format!("{manage}/data.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let data: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(data["registration"]["name"], "Anna Berg");
    assert_eq!(data["registration"]["email"], "anna@example.org");
    assert_eq!(data["registration"]["dietary_needs"], "Vegetarisk");
    assert_eq!(data["registration"]["affiliation"], "Luleå");
    assert_eq!(data["event"]["slug"], "almedalen");
    assert_eq!(
        data["registration"]["privacy_notice_version"],
        anmalan::views::public::privacy::NOTICE_VERSION,
        "the consent records which notice was agreed to"
    );
    assert_eq!(data["emails"][0]["kind"], "confirmed");

    let (status, confirm) = app.get(&format!("{manage}/delete")).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Radera din anmälan?"));
    let deleted = app.post_form(&format!("{manage}/delete"), &[]).await;
    assert_eq!(deleted.status, 200);
    assert!(deleted.body.contains("Dina uppgifter är raderade"));
    assert_eq!(
        app.get(&manage).await.0,
        404,
        "the link opens nothing any more"
    );

    let mails = wait_for_messages(maildir.path(), 4, 20).await;
    let cancel = mails
        .iter()
        .find(|m| m.to == "anna@example.org" && m.subject.starts_with("Avbokad"))
        .expect("the CANCEL still reaches the calendar");
    let invite = read_invite(cancel.calendar.as_deref().unwrap());
    assert_eq!(invite.method, "CANCEL");
    assert_eq!(invite.attendee, "mailto:anna@example.org");
    assert!(
        mails
            .iter()
            .any(|m| m.to == "bo@example.org" && m.subject.starts_with("Du har fått en plats"))
    );

    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let rows = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let erased = rows
        .iter()
        .find(|r| r.email.is_empty())
        .expect("anonymised row");
    assert_eq!(erased.status, RegistrationStatus::Cancelled);
    assert_eq!(erased.name, "");
    assert_eq!(erased.dietary_needs, None);
    assert_eq!(
        erased.municipality_code.as_deref(),
        Some("2580"),
        "statistics survive"
    );
    for message in outbox::Entity::find().all(&app.state.db).await.unwrap() {
        if message.registration_id == Some(erased.id) {
            assert_eq!(message.status, OutboxStatus::Sent);
            assert_eq!(message.recipient, "", "no address kept");
            assert!(!message.payload.contains("anna"), "{}", message.payload);
        }
    }
}

#[tokio::test]
async fn retention_erases_needs_then_anonymises_as_the_clock_moves() {
    use anmalan::db::entities::{audit_entry, invitation};
    use anmalan::services::retention::run;
    use chrono::{Duration, Utc};
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Anna Berg", "anna@example.org")
        .await;
    app.register("almedalen", "Bo Ek", "bo@example.org").await;
    let (_, notice) = app.get("/privacy").await;
    assert!(
        notice.contains("raderas automatiskt 7 dagar") && notice.contains("automatiskt 90 dagar"),
        "the notice shows the rules"
    );
    let event = anmalan::db::events::find_by_slug(&app.state.db, "almedalen")
        .await
        .unwrap()
        .unwrap();
    let rules = app.state.settings.privacy;
    // An invitation too, which goes with the anonymisation.
    app.add_account("org@example.org", anmalan::domain::role::Role::Organiser)
        .await;
    let org = <anmalan::db::entities::organiser::Entity as EntityTrait>::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let (invitees, _) = anmalan::services::invitations::parse_records(
        anmalan::services::invitations::records_from_text("Cecilia, cecilia@example.org, 2580"),
        |_| true,
    );
    anmalan::services::invitations::invite(&app.state.db, &event, invitees, &org, Utc::now())
        .await
        .unwrap();

    // Before the event ends nothing changes.
    let early = run(&app.state.db, rules, event.ends_at - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(early.needs_erased + early.anonymised, 0);

    // 8 days after: the needs are gone, the rest stays.
    let week = run(&app.state.db, rules, event.ends_at + Duration::days(8))
        .await
        .unwrap();
    assert_eq!(week.needs_erased, 2);
    assert_eq!(week.anonymised, 0);
    let rows = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| r.dietary_needs.is_none() && !r.email.is_empty())
    );

    // 91 days after: anonymised, statistics kept, invitations and emails gone.
    let later = run(&app.state.db, rules, event.ends_at + Duration::days(91))
        .await
        .unwrap();
    assert_eq!(later.anonymised, 2);
    assert_eq!(later.invitations_deleted, 1);
    let rows = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    for row in &rows {
        assert_eq!(
            (
                row.name.as_str(),
                row.email.as_str(),
                row.role_title.as_str()
            ),
            ("", "", "")
        );
        assert_eq!(row.municipality_code.as_deref(), Some("2580"));
        assert_eq!(
            row.status,
            RegistrationStatus::Confirmed,
            "status and times survive for statistics"
        );
    }
    assert_eq!(
        invitation::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        0
    );
    let again = run(&app.state.db, rules, event.ends_at + Duration::days(92))
        .await
        .unwrap();
    assert_eq!(
        again.anonymised + again.needs_erased,
        0,
        "running twice is harmless"
    );
    let runs = audit_entry::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "retention.run")
        .count();
    assert!(runs >= 4, "every run is in the audit log");
    let (status, _) = app.get("/admin/events/almedalen").await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn an_organiser_purges_an_event_from_the_back_office_and_the_command_line() {
    use anmalan::domain::role::Role;
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.create_event(&seminar("annat", Some(10))).await;
    app.register("almedalen", "Anna Berg", "anna@example.org")
        .await;
    app.register("annat", "Bo Ek", "bo@example.org").await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let (_, confirm) = app.get_with(&client, "/admin/events/almedalen/purge").await;
    assert!(confirm.contains("Radera evenemangets personuppgifter nu?"));
    let purged = app
        .post_with(&client, "/admin/events/almedalen/purge", &[])
        .await;
    assert_eq!(
        purged.location.as_deref(),
        Some("/admin/events/almedalen?done=purged")
    );
    let rows = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        rows.iter().any(|r| r.email.is_empty()),
        "almedalen anonymised"
    );
    assert!(
        rows.iter().any(|r| r.email == "bo@example.org"),
        "the other event untouched"
    );
    let audit: Vec<String> = <anmalan::db::entities::audit_entry::Entity as EntityTrait>::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(audit.contains(&"event.purge".to_owned()));

    // Awaited, not blocking: the test's runtime also runs the app's mail
    // worker, which may hold a claim on the outbox rows that the purge
    // deletes; a blocked runtime never commits it, and the purge would wait
    // for that lock for ever (seen on PostgreSQL).
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_anmalan"))
        .args(["event", "purge", "annat"])
        .env("DATABASE_URL", &app.database_url)
        .env("ANMALAN_CONFIG_DIR", config_dir())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("purged annat: 1 registrations anonymised")
    );
    let rows = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.email.is_empty()));
}
