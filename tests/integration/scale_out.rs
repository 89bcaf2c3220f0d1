//! Several real `anmalan` processes on one database: capacity, and every
//! programme item's capacity, holds across them, and a process killed with SIGKILL mid-delivery loses no committed
//! registration; the survivor delivers its emails once the lease runs out.
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anmalan::db::entities::{outbox, programme_item, registration, registration_choice};
use anmalan::domain::choice::ChoiceStatus;
use futures::future::join_all;
use sea_orm::EntityTrait;
use sea_orm::{ColumnTrait, QueryFilter};

use crate::common::mail::*;
use crate::common::*;

/// A real server process.
struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(database_url: &str, dir: &Path, smtp_url: &str) -> Process {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_anmalan"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("SMTP_URL", smtp_url)
        .env("ANMALAN_CONFIG_DIR", config_dir())
        .env("ANMALAN__MAIL__OUTBOX_DIR", dir.join("outbox"))
        .env("ANMALAN__MAIL__RETRY_BASE_SECS", "1")
        .env("ANMALAN__MAIL__POLL_INTERVAL_MS", "100")
        .env("ANMALAN__MAIL__TIMEOUT_SECS", "2")
        .env("ANMALAN__MAIL__LEASE_SECS", "4")
        .env("ANMALAN__LOG__LEVEL", "warn")
        .env("ANMALAN__RATE_LIMIT__REGISTRATIONS_PER_MINUTE", "0")
        .env("ANMALAN__RATE_LIMIT__API_PER_MINUTE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("anmalan starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = reqwest::get(format!("{base}/readyz")).await
            && response.status().is_success()
        {
            break;
        }
        assert!(Instant::now() < deadline, "anmalan did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Process { child, base }
}

async fn register(
    client: &reqwest::Client,
    base: &str,
    slug: &str,
    i: usize,
    boxes: &[String],
) -> u16 {
    let key = new_key();
    let email = format!("p{i}@example.org");
    let mut form = registration_form(&key, "P", &email);
    form.extend(boxes.iter().map(|name| (name.as_str(), "yes")));
    client
        .post(format!("{base}/events/{slug}/register"))
        .form(&form)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_keep_capacity_and_a_killed_one_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("smtp");
    // A slow SMTP server, so that sends are in flight when a process dies.
    let _smtp = SmtpServer::start(free_port(), &maildir, &["--delay-ms", "400"]).await;
    let smtp_url = _smtp.url();
    let database_url = fresh_database(&dir).await;
    // Migrate and create the event before the processes start.
    let seed = TestApp::spawn_with_smtp(&smtp_url).await;
    drop(seed);
    let first = start(&database_url, dir.path(), &smtp_url).await;
    let db = anmalan::db::connect(&settings_for(&database_url, &dir, &[]).database)
        .await
        .unwrap();
    // 30 seats, a study visit of 10 and a dinner of 12: everyone chooses
    // both.
    anmalan::services::events::import(&db, &crate::choices::meeting("platser", Some(30), 10, 12))
        .await
        .unwrap();
    let items = programme_item::Entity::find().all(&db).await.unwrap();
    let item = |title: &str| items.iter().find(|i| i.title == title).unwrap().id;
    let (visit, dinner) = (item("Studiebesök på datacenter"), item("Nätverksmiddag"));
    let boxes = vec![format!("choice-{visit}"), format!("choice-{dinner}")];
    let mut others = vec![
        start(&database_url, dir.path(), &smtp_url).await,
        start(&database_url, dir.path(), &smtp_url).await,
    ];
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // 60 people for 30 seats, spread over the three processes.
    let bases: Vec<String> = [&first]
        .iter()
        .map(|p| p.base.clone())
        .chain(others.iter().map(|p| p.base.clone()))
        .collect();
    let attempts = (0..60).map(|i| {
        let client = client.clone();
        let base = bases[i % 3].clone();
        let boxes = boxes.clone();
        async move { register(&client, &base, "platser", i, &boxes).await }
    });
    let statuses = join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");

    // Kill the first process while its emails are being sent.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut first = first;
    let _ = first.child.kill(); // SIGKILL
    let _ = first.child.wait();

    let rows = registration::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.len(), 60, "every committed registration is there");
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .count(),
        30,
        "capacity held across processes"
    );
    // Every item's capacity held too, and its queue is in order.
    for (item_id, capacity) in [(visit, 10), (dinner, 12)] {
        let chosen = registration_choice::Entity::find()
            .filter(registration_choice::Column::ItemId.eq(item_id))
            .all(&db)
            .await
            .unwrap();
        let confirmed = chosen
            .iter()
            .filter(|c| c.status == ChoiceStatus::Confirmed)
            .count();
        assert_eq!(confirmed, capacity, "item {item_id} held its capacity");
        let stored = programme_item::Entity::find_by_id(item_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.confirmed_count as usize, capacity);
        let mut queue: Vec<i32> = chosen
            .iter()
            .filter(|c| c.status == ChoiceStatus::Waitlisted)
            .filter_map(|c| c.waitlist_order)
            .collect();
        assert_eq!(queue.len(), 30 - capacity, "the rest of the seated queue");
        queue.sort_unstable();
        queue.dedup();
        assert_eq!(queue.len(), 30 - capacity, "queue places are unique");
        assert_eq!(
            chosen
                .iter()
                .filter(|c| c.status == ChoiceStatus::Pending)
                .count(),
            30,
            "the event's waitlist holds its choices pending"
        );
    }

    // The survivors deliver every email, the killed one's after its lease:
    // wait until the outbox is empty, then count what arrived.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let unsent = outbox::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.status != OutboxStatus::Sent)
            .count();
        if unsent == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{unsent} emails never sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = received(&maildir);
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for raw in &all {
        let email = Email::parse(raw);
        *per_id
            .entry(email.message_id.unwrap_or_default())
            .or_default() += 1;
    }
    assert_eq!(
        per_id.len(),
        60,
        "every confirmation and waitlist email arrived"
    );
    let duplicates = all.len() - per_id.len();
    // Only what the killed process held when it died goes out twice: each
    // duplicate is a row claimed again after its lease ran out (a claim
    // counts an attempt), and that is at most one batch.
    let reclaimed = outbox::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.attempts > 1)
        .count();
    assert!(
        duplicates <= reclaimed && reclaimed <= 64,
        "at most the killed process's in-flight batch twice: {duplicates} duplicates, {reclaimed} rows claimed again"
    );
    println!(
        "SIGKILL mid-delivery: {} emails, {duplicates} sent twice",
        all.len()
    );
    others.clear();
}
