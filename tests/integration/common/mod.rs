//! Shared setup: spawn the app with its own database, make events, read pages.
#![allow(dead_code)]

pub mod browser;
pub mod fixtures;
pub mod mail;

/// The stored states, for assertions on rows.
#[allow(unused_imports)]
pub use anmalan::domain::event::{EventKind, EventStatus, RegistrationStatus, Visibility};
#[allow(unused_imports)]
pub use anmalan::domain::status::{InvitationStatus, MessageKind, OutboxStatus};

use std::collections::HashMap;
use std::path::PathBuf;

use anmalan::app::Application;
use anmalan::config::Settings;
use anmalan::routes::state::AppState;
use anmalan::services::events::{EventSpec, demo_specs, import};
use chrono::{Duration, NaiveDateTime, Utc};
use scraper::{Html, Selector};
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::oneshot;

/// A running instance of the service.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub database_url: String,
    /// The one-time setup link logged at start (no organiser yet).
    pub setup_link: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("anmalan_t_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        _ => format!("sqlite://{}", dir.path().join("test.sqlite").display()),
    }
}

/// The settings a test app runs with: the real loader, with the database,
/// an ephemeral port and a temporary outbox folder.
pub fn settings_for(
    database_url: &str,
    dir: &tempfile::TempDir,
    extra: &[(&str, &str)],
) -> Settings {
    let mut env = HashMap::new();
    env.insert("DATABASE_URL".to_owned(), database_url.to_owned());
    env.insert("BIND".to_owned(), "127.0.0.1:0".to_owned());
    env.insert(
        "ANMALAN__MAIL__OUTBOX_DIR".to_owned(),
        dir.path().join("outbox").display().to_string(),
    );
    // Tests drive many requests from one address; the limits are switched
    // off here and tested on their own (safety.rs).
    env.insert(
        "ANMALAN__RATE_LIMIT__REGISTRATIONS_PER_MINUTE".to_owned(),
        "0".to_owned(),
    );
    env.insert(
        "ANMALAN__RATE_LIMIT__LOGINS_PER_MINUTE".to_owned(),
        "0".to_owned(),
    );
    env.insert(
        "ANMALAN__RATE_LIMIT__API_PER_MINUTE".to_owned(),
        "0".to_owned(),
    );
    // Tests look at seats left right after each change; the page cache is
    // tested on its own (public_flow.rs).
    env.insert("ANMALAN__SERVER__PAGE_CACHE_MS".to_owned(), "0".to_owned());
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    Settings::load_with_env(&config_dir(), &env).expect("test settings are valid")
}

/// Records that the running test is skipped at the request of the
/// environment variable `variable`: a line on stderr, and one in the file
/// named by `ANMALAN_SKIPPED_LOG`, which `.ci/test` counts at the end.
pub fn record_skip(variable: &str) {
    use std::io::Write;
    let current = std::thread::current();
    let line = format!(
        "SKIPPED ({variable}=1): {}",
        current.name().unwrap_or("a test")
    );
    eprintln!("{line}");
    if let Some(log) = std::env::var_os("ANMALAN_SKIPPED_LOG") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("the skip log opens");
        writeln!(file, "{line}").expect("the skip log is written");
    }
}

pub fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

impl TestApp {
    /// Starts the service on its own fresh database.
    pub async fn spawn() -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let database_url = fresh_database(&dir).await;
        Self::spawn_on(&database_url, dir).await
    }

    /// Starts the service sending through `smtp_url`, with short retry
    /// intervals so fault tests finish quickly.
    pub async fn spawn_with_smtp(smtp_url: &str) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let database_url = fresh_database(&dir).await;
        Self::spawn_configured(&database_url, dir, &fast_mail(smtp_url)).await
    }

    /// Starts the service with extra settings (environment-style pairs).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let database_url = fresh_database(&dir).await;
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self::spawn_configured(&database_url, dir, &extra).await
    }

    /// Starts the service on a given database URL (for example through a
    /// proxy that a test can cut).
    pub async fn spawn_on_url(database_url: &str, extra: &[(&str, &str)]) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self::spawn_configured(database_url, dir, &extra).await
    }

    /// Starts another instance on the same database (scale-out tests).
    pub async fn another_instance(&self) -> Self {
        Self::spawn_on(&self.database_url, self._dir.clone()).await
    }

    /// Another instance on the same database, sending through `smtp_url`.
    pub async fn another_instance_with_smtp(&self, smtp_url: &str) -> Self {
        Self::spawn_configured(&self.database_url, self._dir.clone(), &fast_mail(smtp_url)).await
    }

    /// The folder the file transport writes `.eml` files into.
    pub fn outbox_dir(&self) -> PathBuf {
        self.state.settings.mail.outbox_dir.clone()
    }

    async fn spawn_on(database_url: &str, dir: std::sync::Arc<tempfile::TempDir>) -> Self {
        Self::spawn_configured(database_url, dir, &[]).await
    }

    async fn spawn_configured(
        database_url: &str,
        dir: std::sync::Arc<tempfile::TempDir>,
        extra: &[(String, String)],
    ) -> Self {
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let settings = settings_for(database_url, &dir, &extra);
        let app = Application::build(settings).await.expect("app builds");
        let base_url = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let setup_link = app.setup_link().map(str::to_owned);
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            base_url,
            client,
            state,
            database_url: database_url.to_owned(),
            setup_link,
            shutdown: Some(tx),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The kind of every row in the outbox, oldest first.
    pub async fn outbox_kinds(&self) -> Vec<MessageKind> {
        use sea_orm::{EntityTrait, QueryOrder};
        anmalan::db::entities::outbox::Entity::find()
            .order_by_asc(anmalan::db::entities::outbox::Column::CreatedAt)
            .all(&self.state.db)
            .await
            .expect("the outbox")
            .into_iter()
            .map(|row| row.kind)
            .collect()
    }

    /// Creates an event from a spec.
    pub async fn create_event(&self, spec: &EventSpec) {
        import(&self.state.db, spec).await.expect("event imports");
    }

    /// GET, returning status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// POST a form, returning status, Location header and body.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Posted {
        let response = self
            .client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST");
        Posted::from(response).await
    }

    /// Registers `name <email>` for `slug` with a fresh submission key.
    pub async fn register(&self, slug: &str, name: &str, email: &str) -> Posted {
        let key = new_key();
        self.post_form(
            &format!("/events/{slug}/register"),
            &registration_form(&key, name, email),
        )
        .await
    }

    /// [`TestApp::register`] as a person under a burst does it: a 503
    /// ("try again": the pool's wait ran out) is answered by sending the
    /// same submission (the same key) again, a few times, which must
    /// register once. Bursts test capacity and duplicates, not the pool.
    pub async fn register_patiently(&self, slug: &str, name: &str, email: &str) -> Posted {
        let key = new_key();
        let form = registration_form(&key, name, email);
        let mut tries = 0;
        loop {
            let posted = self
                .post_form(&format!("/events/{slug}/register"), &form)
                .await;
            tries += 1;
            if posted.status != 503 || tries == 5 {
                if tries > 1 {
                    eprintln!("{email}: sent {tries} times after 503");
                }
                return posted;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200 * tries)).await;
        }
    }
}

/// Mail settings for fault tests: retry after about a second, poll often,
/// and give up on a dead connection quickly.
fn fast_mail(smtp_url: &str) -> Vec<(String, String)> {
    [
        ("SMTP_URL", smtp_url),
        ("ANMALAN__MAIL__RETRY_BASE_SECS", "1"),
        ("ANMALAN__MAIL__POLL_INTERVAL_MS", "100"),
        ("ANMALAN__MAIL__TIMEOUT_SECS", "3"),
        ("ANMALAN__MAIL__LEASE_SECS", "6"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// A browser-like client that keeps cookies (for the back-office).
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client")
}

impl TestApp {
    /// Creates an account directly (the CLI and the accounts page do the same).
    pub async fn add_account(&self, email: &str, role: anmalan::domain::role::Role) {
        anmalan::services::accounts::create(
            &self.state.db,
            email,
            "Test Person",
            role,
            PASSWORD,
            Utc::now(),
        )
        .await
        .expect("account created");
    }

    /// Logs in and returns a client holding the session cookie.
    pub async fn login(&self, email: &str) -> reqwest::Client {
        let client = cookie_client();
        let response = client
            .post(self.url("/admin/login"))
            .form(&[("email", email), ("password", PASSWORD), ("next", "/admin")])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 303, "login of {email} succeeds");
        client
    }

    /// GET with a given client.
    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let response = client.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// POST a form with a given client.
    pub async fn post_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> Posted {
        let response = client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST");
        Posted::from(response).await
    }
}

/// The password of every test account.
pub const PASSWORD: &str = "korrekt-häst-batteri-häftstift";

/// The answer to a POST.
pub struct Posted {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Posted {
    async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        Self {
            status,
            location,
            body,
        }
    }

    /// The manage path this POST redirected to, without the query.
    pub fn manage_path(&self) -> String {
        let location = self.location.as_deref().expect("redirected");
        location.split('?').next().unwrap_or_default().to_owned()
    }
}

/// A fresh one-time submission key, as the form would carry.
pub fn new_key() -> String {
    anmalan::domain::token::SubmissionKey::generate()
        .as_str()
        .to_owned()
}

/// A complete, valid registration form.
pub fn registration_form<'a>(
    key: &'a str,
    name: &'a str,
    email: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("submission_key", key),
        ("name", name),
        ("email", email),
        ("municipality", "2580"),
        ("role_title", "Kommunstyrelsens ordförande"),
        ("phone", ""),
        ("dietary_needs", "Vegetarisk"),
        ("accessibility_needs", ""),
        ("consent", "yes"),
    ]
}

fn local(offset: Duration) -> NaiveDateTime {
    (Utc::now() + offset).naive_utc()
}

/// A public, open seminar with the given capacity, starting in 30 days.
pub fn seminar(slug: &str, capacity: Option<u32>) -> EventSpec {
    let mut spec = demo_specs(Utc::now().date_naive())
        .into_iter()
        .nth(1)
        .expect("two demo events");
    spec.slug = slug.to_owned();
    spec.capacity = capacity;
    spec.starts_at = local(Duration::days(30));
    spec.ends_at = local(Duration::days(30) + Duration::hours(2));
    spec.registration_opens_at = None;
    spec.registration_closes_at = None;
    spec.programme.clear();
    spec.status = EventStatus::Published;
    spec.visibility = Visibility::Public;
    spec
}

/// Reads an HTML document.
pub fn html(body: &str) -> Html {
    Html::parse_document(body)
}

/// The text of every element matching `selector`.
pub fn texts(body: &str, selector: &str) -> Vec<String> {
    let doc = html(body);
    let sel = Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The value of an attribute on the first element matching `selector`.
pub fn attr(body: &str, selector: &str, name: &str) -> Option<String> {
    let doc = html(body);
    let sel = Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}
