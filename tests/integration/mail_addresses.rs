//! Addresses beyond ASCII: a non-ASCII domain is sent in its IDNA (punycode)
//! form and is one address with it; a non-ASCII local part that the server
//! cannot take fails at once, with its reason in the email log.
use anmalan::db::entities::outbox;
use anmalan::domain::role::Role;
use sea_orm::EntityTrait;

use crate::common::mail::*;
use crate::common::*;

#[tokio::test]
async fn a_non_ascii_domain_is_delivered_as_punycode_and_is_one_address_with_it() {
    let dir = tempfile::tempdir().unwrap();
    // The test server offers no SMTPUTF8, like many real ones.
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let posted = app
        .register("almedalen", "Kommunen", "kommun@östhammar.se")
        .await;
    assert_eq!(posted.status, 303);

    let mails = wait_for_messages(dir.path(), 1, 20).await;
    assert_eq!(mails.len(), 1, "delivered, not left pending");
    assert_eq!(mails[0].to, "kommun@xn--sthammar-m4a.se", "the To header");
    assert_eq!(
        envelope_recipients(dir.path()),
        vec!["kommun@xn--sthammar-m4a.se"],
        "the envelope"
    );
    // The page still shows the address as typed.
    let (_, manage) = app.get(&posted.manage_path()).await;
    assert!(manage.contains("kommun@östhammar.se"));

    // The punycode form, or other capitals, are the same address.
    for same in ["kommun@xn--sthammar-m4a.se", "Kommun@ÖSTHAMMAR.se"] {
        let again = app.register("almedalen", "Kommunen", same).await;
        assert_eq!(again.status, 200, "{same}");
        assert!(again.body.contains("Du är redan anmäld"), "{same}");
    }
    let registrations = anmalan::db::entities::registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(registrations.len(), 1, "one registration");
}

#[tokio::test]
async fn a_non_ascii_local_part_fails_at_once_with_its_reason_when_the_server_lacks_smtputf8() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    assert_eq!(
        app.register("almedalen", "Åsa", "åsa@example.org")
            .await
            .status,
        303
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let row = loop {
        let row = outbox::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        if !matches!(row.status.as_str(), "pending" | "sending")
            || std::time::Instant::now() > deadline
        {
            break row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        row.status,
        OutboxStatus::Failed,
        "permanent, not retried: {row:?}"
    );
    assert_eq!(row.attempts, 1);
    let error = row.last_error.clone().unwrap_or_default();
    assert!(error.contains("SMTPUTF8"), "{error}");

    // The organiser sees it in the email log at once.
    app.add_account("org@example.org", Role::Organiser).await;
    let organiser = app.login("org@example.org").await;
    let (status, log) = app
        .get_with(&organiser, "/admin/events/almedalen/emails")
        .await;
    assert_eq!(status, 200);
    assert!(
        log.contains("does not support SMTPUTF8") && log.contains("åsa@example.org"),
        "{log}"
    );
    assert!(received(dir.path()).is_empty());
}

#[tokio::test]
async fn a_non_ascii_local_part_is_delivered_by_a_server_with_smtputf8() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &["--smtputf8"]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Åsa", "åsa@östhammar.se").await;
    let mails = wait_for_messages(dir.path(), 1, 20).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        envelope_recipients(dir.path()),
        vec!["åsa@xn--sthammar-m4a.se"]
    );
}
