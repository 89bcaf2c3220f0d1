//! The database goes away under a running service (PostgreSQL restarting,
//! a network cut) and comes back: requests fail fast with 503 and a page
//! that says to try again, the service recovers by itself, and nothing is
//! half-written. The cut is a TCP proxy between the service and PostgreSQL
//! that the test closes and reopens, so other tests are not disturbed.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anmalan::db::entities::{event, outbox, registration};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::common::*;

/// A TCP proxy to PostgreSQL that can be cut and restored on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let mut proxy = Self {
            port,
            upstream,
            accept: None,
            connections: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let connections = self.connections.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                connections.lock().unwrap().push(task);
            }
        }));
    }

    /// Closes every connection and refuses new ones.
    fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Accepts connections again, on the same port.
    async fn restore(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("rebinding the proxy: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("cannot rebind the proxy: {err}"),
            }
        };
        self.serve(listener);
    }
}

/// A fresh PostgreSQL database, its direct URL, and a proxy to it with the
/// URL through the proxy; None on SQLite.
async fn behind_a_proxy(dir: &tempfile::TempDir) -> Option<(String, Proxy, url::Url)> {
    let direct = fresh_database(dir).await;
    if !direct.starts_with("postgres") {
        return None;
    }
    let mut url = url::Url::parse(&direct).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = Proxy::start(upstream).await;
    url.set_port(Some(proxy.port)).unwrap();
    Some((direct, proxy, url))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_database_goes_away_requests_get_503_and_the_service_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let Some((direct, mut proxy, url)) = behind_a_proxy(&dir).await else {
        println!("SKIPPED on SQLite: an embedded file cannot be cut off; runs on PostgreSQL");
        return;
    };
    let app = TestApp::spawn_on_url(
        url.as_str(),
        &[("ANMALAN__DATABASE__ACQUIRE_TIMEOUT_SECS", "2")],
    )
    .await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    assert_eq!(
        app.register("almedalen", "Anna Berg", "anna@example.org")
            .await
            .status,
        303
    );

    proxy.cut();
    // The page, a registration and the API all fail fast with 503.
    let started = Instant::now();
    let response = app
        .client
        .get(app.url("/events/almedalen"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("an answer, not a hang");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let page = response.text().await.unwrap();
    assert!(page.contains("Tillfälligt otillgänglig"), "{page}");
    let posted = app.register("almedalen", "Bo Ek", "bo@example.org").await;
    assert_eq!(posted.status, 503);
    let api = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth("anm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let (status, _) = app.get("/readyz").await;
    assert_eq!(status, 503, "not ready while the database is away");
    println!("answers while cut off took {:?} in all", started.elapsed());

    proxy.restore().await;
    // The pool reconnects by itself.
    let deadline = Instant::now() + Duration::from_secs(30);
    let posted = loop {
        let posted = app.register("almedalen", "Bo Ek", "bo@example.org").await;
        if posted.status == 303 || Instant::now() > deadline {
            break posted;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(posted.status, 303, "the service recovered");
    assert_eq!(app.get("/readyz").await.0, 200);

    // Nothing half-written: two registrations, each with its email, and the
    // event's seat counter agrees with the rows.
    let db = sea_orm::Database::connect(&direct).await.unwrap();
    let rows = registration::Entity::find().all(&db).await.unwrap();
    let mut emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, ["anna@example.org", "bo@example.org"]);
    for row in &rows {
        let queued = outbox::Entity::find()
            .filter(outbox::Column::RegistrationId.eq(row.id))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(queued, 1, "one confirmation for {}", row.email);
    }
    let event = event::Entity::find().one(&db).await.unwrap().unwrap();
    assert_eq!(event.confirmed_count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_the_server_accepted_during_an_outage_is_recorded_once_the_database_is_back() {
    use crate::common::mail::*;
    let dir = tempfile::tempdir().unwrap();
    let Some((direct, mut proxy, url)) = behind_a_proxy(&dir).await else {
        println!("SKIPPED on SQLite: an embedded file cannot be cut off; runs on PostgreSQL");
        return;
    };
    // The SMTP server takes 3 s to accept; the lease is 4 s.
    let maildir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _smtp = SmtpServer::start(port, maildir.path(), &["--delay-ms", "3000"]).await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_on_url(
        url.as_str(),
        &[
            ("SMTP_URL", smtp_url.as_str()),
            ("ANMALAN__DATABASE__ACQUIRE_TIMEOUT_SECS", "1"),
            ("ANMALAN__MAIL__POLL_INTERVAL_MS", "100"),
            ("ANMALAN__MAIL__TIMEOUT_SECS", "3"),
            ("ANMALAN__MAIL__LEASE_SECS", "4"),
        ],
    )
    .await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    assert_eq!(
        app.register("almedalen", "Anna", "anna@example.org")
            .await
            .status,
        303
    );

    // The database goes away while the message is with the SMTP server, and
    // stays away until the lease has run out.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    proxy.cut();
    wait_for_messages(maildir.path(), 1, 20).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    proxy.restore().await;

    let db = sea_orm::Database::connect(&direct).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = outbox::Entity::find().one(&db).await.unwrap().unwrap();
        if row.status == OutboxStatus::Sent {
            break;
        }
        assert!(Instant::now() < deadline, "never recorded: {row:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Long enough for a second send to have arrived, had there been one.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(received(maildir.path()).len(), 1, "sent once, not again");
}
