//! No email is lost or sent twice when SMTP is down, refuses, fails for
//! good, dies mid-send, or when two instances deliver at once.
use std::collections::{HashMap, HashSet};
use std::process::Command;

use anmalan::db::entities::outbox;
use futures::future::join_all;
use sea_orm::EntityTrait;

use crate::common::mail::*;
use crate::common::*;

fn message_ids(mails: &[Email]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for mail in mails {
        *counts
            .entry(mail.message_id.clone().expect("Message-ID"))
            .or_insert(0) += 1;
    }
    counts
}

async fn register_many(app: &TestApp, slug: &str, count: usize) {
    let attempts = (0..count).map(|i| async move {
        app.register(slug, &format!("Person {i}"), &format!("p{i}@example.org"))
            .await
            .status
    });
    assert!(join_all(attempts).await.iter().all(|s| *s == 303));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_registrations_while_smtp_is_down_are_all_delivered_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let app = TestApp::spawn_with_smtp(&format!("smtp://127.0.0.1:{port}")).await;
    app.create_event(&seminar("almedalen", Some(100))).await;
    register_many(&app, "almedalen", 50).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(received(dir.path()).is_empty());
    let pending = outbox::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(pending.len(), 50);
    assert!(pending.iter().all(|r| r.status != OutboxStatus::Sent));
    assert!(
        pending.iter().any(|r| r.last_error.is_some()),
        "the failure is recorded"
    );

    let _smtp = SmtpServer::start(port, dir.path(), &[]).await;
    let mails = wait_for_messages(dir.path(), 50, 60).await;
    let ids = message_ids(&mails);
    assert_eq!(mails.len(), 50, "all 50 arrived");
    assert_eq!(ids.len(), 50, "none twice");
}

#[tokio::test]
async fn a_451_is_retried_and_the_message_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &["--tempfail", "1"]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Anna", "anna@example.org").await;
    let mails = wait_for_messages(dir.path(), 1, 30).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(received(dir.path()).len(), 1, "exactly once");
    assert_eq!(mails[0].to, "anna@example.org");
    let row = outbox::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Sent);
    assert_eq!(row.attempts, 2, "refused once, then accepted");
}

#[tokio::test]
async fn a_550_marks_the_message_failed_and_the_outbox_command_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &["--reject"]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Anna", "anna@example.org").await;
    let mut row = None;
    for _ in 0..100 {
        row = outbox::Entity::find().one(&app.state.db).await.unwrap();
        if row
            .as_ref()
            .is_some_and(|r| r.status == OutboxStatus::Failed)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let row = row.unwrap();
    assert_eq!(row.status, OutboxStatus::Failed);
    assert_eq!(row.attempts, 1, "a permanent failure is not retried");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("550")
    );

    let output = Command::new(env!("CARGO_BIN_EXE_anmalan"))
        .arg("outbox")
        .env("DATABASE_URL", &app.database_url)
        .env("ANMALAN_CONFIG_DIR", config_dir())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        listing.contains("failed")
            && listing.contains("anna@example.org")
            && listing.contains("550"),
        "{listing}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_anmalan"))
        .args(["outbox", "--retry-failed"])
        .env("DATABASE_URL", &app.database_url)
        .env("ANMALAN_CONFIG_DIR", config_dir())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 failed email(s) queued again"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_send_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut smtp = SmtpServer::start(port, dir.path(), &["--delay-ms", "150"]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(100))).await;
    register_many(&app, "almedalen", 30).await;
    // Let some arrive, then kill the server while others are in flight.
    wait_for_messages(dir.path(), 3, 30).await;
    smtp.kill();
    let before_restart = received(dir.path()).len();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let _smtp = SmtpServer::start(port, dir.path(), &[]).await;
    let mails = wait_for_messages(dir.path(), 30, 60).await;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let mails = if received(dir.path()).len() > mails.len() {
        wait_for_messages(dir.path(), 0, 1).await
    } else {
        mails
    };
    let ids = message_ids(&mails);
    assert_eq!(
        ids.len(),
        30,
        "every message arrived ({before_restart} before the crash)"
    );
    let duplicates = mails.len() - ids.len();
    assert!(
        duplicates <= 16,
        "at most the in-flight batch twice, got {duplicates}"
    );
    println!(
        "killed mid-send: {before_restart} before, {} after, {duplicates} duplicates",
        mails.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_deliver_two_hundred_messages_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let first = TestApp::spawn_with_smtp(&smtp.url()).await;
    let second = first.another_instance_with_smtp(&smtp.url()).await;
    first.create_event(&seminar("almedalen", None)).await;
    let attempts = (0..200).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        async move {
            app.register_patiently("almedalen", "P", &format!("p{i}@example.org"))
                .await
                .status
        }
    });
    assert!(join_all(attempts).await.iter().all(|s| *s == 303));
    let mails = wait_for_messages(dir.path(), 200, 90).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let all = received(dir.path());
    let ids = message_ids(&mails);
    assert_eq!(ids.len(), 200);
    assert_eq!(all.len(), 200, "no duplicates");
    let recipients: HashSet<String> = mails.iter().map(|m| m.to.clone()).collect();
    assert_eq!(recipients.len(), 200);
}

/// A child process that is killed when the test ends, pass or fail.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_temporary_delivery_failure_is_logged_as_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(&dir).await;
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = free_port();
    // Nothing listens here: the SMTP server is down.
    let smtp_port = free_port();
    let _server = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_anmalan"))
            .arg("serve")
            .env("DATABASE_URL", &database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("ANMALAN_CONFIG_DIR", config_dir())
            .env("ANMALAN__MAIL__OUTBOX_DIR", dir.path().join("outbox"))
            .env("ANMALAN__MAIL__RETRY_BASE_SECS", "1")
            .env("ANMALAN__MAIL__POLL_INTERVAL_MS", "100")
            .env("ANMALAN__MAIL__TIMEOUT_SECS", "2")
            // Warnings and errors only: a failure logged at INFO is not seen.
            .env("ANMALAN__LOG__LEVEL", "warn")
            .env_remove("RUST_LOG")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("anmalan starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !reqwest::get(format!("{base}/readyz"))
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(std::time::Instant::now() < deadline, "anmalan became ready");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let db = sea_orm::Database::connect(&database_url).await.unwrap();
    anmalan::services::events::import(&db, &seminar("almedalen", Some(10)))
        .await
        .unwrap();
    let key = new_key();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/events/almedalen/register"))
        .form(&registration_form(&key, "Anna", "anna@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let line = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("email will be retried")) {
            break line.to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no warning that the email will be retried in the log:\n{text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(line.contains("WARN"), "{line}");
}
