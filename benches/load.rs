//! The benchmark harness: `cargo bench --bench load [-- WORKLOAD…]`.
//!
//! Builds in release mode (cargo bench does), starts the real `anmalan`
//! binary on a fresh database (SQLite in a temporary folder, or the
//! PostgreSQL database named by `DATABASE_URL`, which it empties first), drives
//! each workload over loopback, stops everything and prints a table. See
//! docs/BENCHMARKS.md for the figures and what they mean.
//!
//! Workloads: `limits` (raw commits, hello world), `register` (through the
//! form, with the email delivery figures), `register-api` (through the JSON
//! API), `page`, `export`, `idle`; on PostgreSQL also `scale-out` (three
//! instances, one killed) and `pg-restart` (the local cluster stopped and
//! started under load), which run only when named. `BENCH_SECONDS` and
//! `BENCH_WARMUP` shorten a run (defaults 20 and 5).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anmalan::config::Settings;
use anmalan::db::entities::registration;
use anmalan::domain::event::RegistrationStatus;
use anmalan::domain::role::Role;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

/// The messages an SMTP sink accepted: recipient and time.
type AcceptLog = std::sync::Arc<std::sync::Mutex<Vec<(String, chrono::DateTime<Utc>)>>>;

/// A running `anmalan serve`.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the release binary and waits for /healthz; returns the time
    /// from spawn to the first healthy answer.
    fn start(database_url: &str, dir: &Path, extra: &[(&str, &str)]) -> (Self, Duration) {
        let port = free_port();
        let started = Instant::now();
        let mut command = Command::new(env!("CARGO_BIN_EXE_anmalan"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env(
                "ANMALAN_CONFIG_DIR",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("config"),
            )
            .env("ANMALAN__MAIL__OUTBOX_DIR", dir.join("outbox"))
            .env("ANMALAN__LOG__LEVEL", "warn")
            // The load comes from one address on purpose.
            .env("ANMALAN__RATE_LIMIT__REGISTRATIONS_PER_MINUTE", "0")
            .env("ANMALAN__RATE_LIMIT__LOGINS_PER_MINUTE", "0")
            .env("ANMALAN__RATE_LIMIT__API_PER_MINUTE", "0")
            // The local SMTP sink takes any number of connections. lettre
            // 0.11.23 leaves Nagle's algorithm on, so each email waits up
            // to 40 ms for the sink's delayed ACK: at most `pool_size`
            // emails are sent at once, and it takes 256 of them to keep
            // up with the register load on 2 cores (64 delivered about
            // 1,050 emails/s against 1,780 registrations/s; the default
            // of 4 suits a real relay's limit).
            .env("ANMALAN__MAIL__POOL_SIZE", "256")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in extra {
            command.env(k, v);
        }
        // BENCH_SERVER_ENV="KEY=VALUE,KEY=VALUE" passes settings through, for
        // experiments (e.g. ANMALAN__DATABASE__MAX_CONNECTIONS=1).
        if let Ok(pairs) = std::env::var("BENCH_SERVER_ENV") {
            for pair in pairs.split(',').filter(|p| !p.is_empty()) {
                if let Some((k, v)) = pair.split_once('=') {
                    command.env(k, v);
                }
            }
        }
        let child = command.spawn().expect("start anmalan");
        let base = format!("http://127.0.0.1:{port}");
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && ureq_get(&format!("{base}/healthz")).is_some()
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let elapsed = started.elapsed();
        (Self { child, base }, elapsed)
    }

    /// Resident set size in KiB, from /proc.
    fn rss_kib(&self) -> u64 {
        proc_status(self.child.id(), "VmRSS:")
    }

    /// The CPU time the server process has used so far (user + system),
    /// in seconds, from /proc/{pid}/stat.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // The fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of stat(5): 12 and 13 here.
        (ticks(11) + ticks(12)) / clock_ticks_per_second()
    }
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`, nearly always
/// 100).
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn proc_status(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A minimal blocking GET for readiness checks (status 200 → body).
fn ureq_get(url: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    rt.block_on(async {
        let response = reqwest::get(url).await.ok()?;
        response.status().is_success().then_some(())?;
        response.text().await.ok()
    })
}

/// The database the run uses: `DATABASE_URL`, emptied, or a new SQLite file.
fn database(dir: &Path) -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let db = sea_orm::Database::connect(&url)
                    .await
                    .expect("connect to DATABASE_URL");
                db.execute_unprepared("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                    .await
                    .expect("empty the benchmark database");
            });
            url
        }
        _ => format!("sqlite://{}", dir.join("bench.sqlite").display()),
    }
}

fn settings(database_url: &str) -> Settings {
    let env = [("DATABASE_URL".to_owned(), database_url.to_owned())]
        .into_iter()
        .collect();
    Settings::load_with_env(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config"), &env)
        .expect("settings")
}

/// One line of the result table.
struct Row {
    workload: String,
    figure: String,
    target: String,
    limit: String,
}

fn print_table(backend: &str, rows: &[Row]) {
    println!("\n### {backend}\n");
    println!("| workload | measured | target | limit / ratio |");
    println!("|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} |",
            row.workload, row.figure, row.target, row.limit
        );
    }
}

/// Idle: start-up time on an existing database and RSS after start.
fn idle(database_url: &str, dir: &Path, rows: &mut Vec<Row>) {
    // The first start creates and migrates the database; the second is the
    // one measured ("an existing database").
    let (first, cold) = Server::start(database_url, dir, &[]);
    drop(first);
    let (server, warm) = Server::start(database_url, dir, &[]);
    std::thread::sleep(Duration::from_millis(500));
    let rss = server.rss_kib();
    rows.push(Row {
        workload: "idle: start-up, new database (migrations)".into(),
        figure: format!("{:.0} ms", cold.as_secs_f64() * 1000.0),
        target: "–".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "idle: start-up, existing database".into(),
        figure: format!("{:.0} ms", warm.as_secs_f64() * 1000.0),
        target: "< 300 ms".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "idle: RSS after start".into(),
        figure: format!("{:.1} MiB", rss as f64 / 1024.0),
        target: "< 30 MiB".into(),
        limit: "–".into(),
    });
}

/// Inserts `count` confirmed registrations for event `event_id` in batches.
async fn seed_registrations(db: &sea_orm::DatabaseConnection, event_id: i32, count: usize) {
    let now = Utc::now();
    let codes = ["1784", "2081", "0562", "2580", "0882", "1496"];
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|i| {
            let email = format!("deltagare{i}@example.org");
            registration::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                event_id: Set(event_id),
                name: Set(format!("Deltagare Nummer {i}")),
                email: Set(email.clone()),
                email_normalized: Set(email.clone()),
                municipality_code: Set(Some(codes[i % codes.len()].to_owned())),
                organisation: Set(None),
                role_title: Set("Näringslivschef".into()),
                phone: Set(Some("070-123 45 67".into())),
                dietary_needs: Set((i % 7 == 0).then(|| "Vegetarisk".to_owned())),
                accessibility_needs: Set(None),
                locale: Set("sv".into()),
                consented_at: Set(now),
                status: Set(RegistrationStatus::Confirmed),
                waitlist_order: Set(None),
                manage_token_hash: Set(format!("{:064x}", i)),
                calendar_sequence: Set(0),
                link_resent_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                cancelled_at: Set(None),
                checked_in_at: Set(None),
                search_text: Set(format!("deltagare nummer {i} {email}")),
                consent_version: Set(anmalan::views::public::privacy::NOTICE_VERSION.to_owned()),
                diet: Set(None),
                allergens: Set(String::new()),
                participant_list_consented_at: Set(None),
                replaced_by: Set(None),
                delegation_id: Set(None),
            }
        });
        registration::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .expect("seed");
    }
}

/// Export: 100,000 registrations as CSV and XLSX; time and server RSS growth.
fn export(database_url: &str, dir: &Path, rows: &mut Vec<Row>) {
    const COUNT: usize = 100_000;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (server, _) = Server::start(database_url, dir, &[]);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let seeded = Instant::now();
    rt.block_on(async {
        let settings = settings(database_url);
        let db = anmalan::db::connect(&settings.database).await.expect("db");
        let mut spec = anmalan::services::events::demo_specs(Utc::now().date_naive()).remove(1);
        spec.slug = "export".into();
        spec.capacity = None;
        anmalan::services::events::import(&db, &spec)
            .await
            .expect("event");
        let event = anmalan::db::events::find_by_slug(&db, "export")
            .await
            .expect("q")
            .expect("event");
        seed_registrations(&db, event.id, COUNT).await;
        anmalan::services::accounts::create(
            &db,
            "bench@example.org",
            "Bench",
            Role::Organiser,
            "benchmark-password",
            Utc::now(),
        )
        .await
        .expect("account");
        let login = client
            .post(format!("{}/admin/login", server.base))
            .form(&[
                ("email", "bench@example.org"),
                ("password", "benchmark-password"),
            ])
            .send()
            .await
            .expect("login");
        assert!(login.status().is_success() || login.status().is_redirection());
    });
    println!(
        "seeded {COUNT} registrations in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    for (kind, target) in [("csv", "< 0.5 s"), ("xlsx", "< 2 s")] {
        let before = server.rss_kib();
        let pid = server.child.id();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut peak = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    peak = peak.max(proc_status(pid, "VmRSS:"));
                    std::thread::sleep(Duration::from_millis(5));
                }
                peak
            })
        };
        let started = Instant::now();
        let bytes = rt.block_on(async {
            let response = client
                .get(format!(
                    "{}/admin/events/export/attendees.{kind}",
                    server.base
                ))
                .send()
                .await
                .expect("export");
            assert!(
                response.status().is_success(),
                "export {kind}: {}",
                response.status()
            );
            response.bytes().await.expect("body").len()
        });
        let elapsed = started.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let peak = sampler.join().unwrap_or(0);
        rows.push(Row {
            workload: format!("export: {COUNT} rows as {}", kind.to_uppercase()),
            figure: format!(
                "{:.2} s, {:.1} MiB file",
                elapsed.as_secs_f64(),
                bytes as f64 / 1_048_576.0
            ),
            target: target.into(),
            limit: "–".into(),
        });
        rows.push(Row {
            workload: format!("export {}: server RSS growth", kind.to_uppercase()),
            figure: format!(
                "{:.1} MiB (peak {:.1} MiB)",
                peak.saturating_sub(before) as f64 / 1024.0,
                peak as f64 / 1024.0
            ),
            target: "< 64 MiB".into(),
            limit: "–".into(),
        });
    }
}

/// Load settings: 16 connections, 20 s after a 5 s warm-up (overridable).
struct Load {
    connections: usize,
    warmup: Duration,
    duration: Duration,
}

impl Load {
    fn from_env() -> Self {
        let secs = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            connections: 16,
            warmup: Duration::from_secs(secs("BENCH_WARMUP", 5)),
            duration: Duration::from_secs(secs("BENCH_SECONDS", 20)),
        }
    }
}

/// What one load run measured.
#[derive(Default)]
struct Measured {
    /// Successes in the measured window.
    ok: u64,
    /// Successes including the warm-up (for the database check).
    ok_all: u64,
    errors: u64,
    latencies_us: Vec<u64>,
    seconds: f64,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds
    }
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index] as f64 / 1000.0
    }
}

/// Runs `connections` workers calling `request` in a loop; requests during
/// the warm-up are made but not counted. `request` returns Ok(()) for a 2xx
/// (or the expected redirect) and Err for anything else.
async fn drive<F, Fut>(load: &Load, request: F) -> Measured
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let request = std::sync::Arc::new(request);
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + load.warmup;
    let end = measure_from + load.duration;
    let mut workers = Vec::new();
    for _ in 0..load.connections {
        let request = request.clone();
        let counter = counter.clone();
        workers.push(tokio::spawn(async move {
            let mut m = Measured::default();
            let mut first_error = None;
            while Instant::now() < end {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let sent = Instant::now();
                let result = request(n).await;
                if result.is_ok() {
                    m.ok_all += 1;
                }
                if sent >= measure_from {
                    match result {
                        Ok(()) => {
                            m.ok += 1;
                            m.latencies_us.push(sent.elapsed().as_micros() as u64);
                        }
                        Err(e) => {
                            m.errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
            }
            (m, first_error)
        }));
    }
    let mut total = Measured {
        seconds: load.duration.as_secs_f64(),
        ..Default::default()
    };
    for worker in workers {
        if let Ok((m, error)) = worker.await {
            total.ok += m.ok;
            total.ok_all += m.ok_all;
            total.errors += m.errors;
            total.latencies_us.extend(m.latencies_us);
            if let Some(error) = error {
                eprintln!("first error of a worker: {error}");
            }
        }
    }
    total
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .expect("client")
}

/// Limits: single-row commits through the same connection settings, and
/// the cheapest route of the same server (`/healthz`, which passes the whole
/// middleware stack). Returns (commits/s, hello req/s).
fn limits(database_url: &str, dir: &Path, load: &Load, rows: &mut Vec<Row>) -> (f64, f64) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let commits = rt.block_on(async {
        let settings = settings(database_url);
        let db = anmalan::db::connect(&settings.database).await.expect("db");
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS bench_commits (id BIGINT PRIMARY KEY, note TEXT NOT NULL)",
        )
        .await
        .expect("table");
        let backend = db.get_database_backend();
        let db = std::sync::Arc::new(db);
        let measured = drive(load, move |n| {
            let db = db.clone();
            async move {
                let txn = anmalan::db::begin_write(&db)
                    .await
                    .map_err(|e| e.to_string())?;
                let sql = sea_orm::Statement::from_sql_and_values(
                    backend,
                    match backend {
                        sea_orm::DatabaseBackend::Postgres => {
                            "INSERT INTO bench_commits (id, note) VALUES ($1, $2)"
                        }
                        _ => "INSERT INTO bench_commits (id, note) VALUES (?, ?)",
                    },
                    [(n as i64).into(), "commit".into()],
                );
                txn.execute_raw(sql).await.map_err(|e| e.to_string())?;
                sea_orm::TransactionSession::commit(txn)
                    .await
                    .map_err(|e| e.to_string())
            }
        })
        .await;
        measured.rate()
    });
    rows.push(Row {
        workload: "limit: single-row commits (16 writers, same pool settings)".into(),
        figure: format!("{commits:.0}/s"),
        target: "–".into(),
        limit: "–".into(),
    });
    let (server, _) = Server::start(database_url, dir, &[]);
    let hello = rt.block_on(async {
        let client = client();
        let url = format!("{}/healthz", server.base);
        let measured = drive(load, move |_| {
            let client = client.clone();
            let url = url.clone();
            async move {
                let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
                response
                    .status()
                    .is_success()
                    .then_some(())
                    .ok_or_else(|| response.status().to_string())
            }
        })
        .await;
        measured.rate()
    });
    rows.push(Row {
        workload: "limit: hello world (`/healthz` on the same server)".into(),
        figure: format!("{hello:.0} req/s"),
        target: "–".into(),
        limit: "–".into(),
    });
    (commits, hello)
}

/// A big public event for the load; for [`CHOICES_EVENT`], the form fields
/// that answer its two questions.
async fn create_event(database_url: &str, slug: &str) -> Vec<(String, String)> {
    let settings = settings(database_url);
    let db = anmalan::db::connect(&settings.database).await.expect("db");
    anmalan::db::migrate(&db).await.expect("migrations");
    let mut spec = anmalan::services::events::demo_specs(Utc::now().date_naive()).remove(1);
    spec.slug = slug.into();
    spec.capacity = Some(1_000_000);
    if slug == CHOICES_EVENT {
        // Three choosable items one after the other (no overlap), each with
        // its own (large) seat count, one of them a meal.
        spec.programme = (0..3)
            .map(|i| anmalan::services::events::ProgrammeSpec {
                starts_at: spec.starts_at + chrono::Duration::minutes(30 * i),
                ends_at: Some(spec.starts_at + chrono::Duration::minutes(30 * i + 25)),
                title: format!("Programpunkt {}", i + 1),
                place: None,
                key: None,
                choice: Some(anmalan::services::events::ChoiceSpec {
                    capacity: Some(1_000_000),
                    meal: i == 2,
                    extra_covers: 0,
                    deadline: None,
                }),
            })
            .collect();
        // And two questions of the organiser's: a required choice and a
        // free text.
        let question = |key: &str, kind, label: &str, options: &[&str]| {
            anmalan::services::events::QuestionSpec {
                key: key.into(),
                kind,
                label_sv: label.into(),
                label_en: label.into(),
                help_sv: String::new(),
                help_en: String::new(),
                required: true,
                audience: anmalan::domain::question::Audience::Public,
                sensitive: false,
                show_if: None,
                show_when: Vec::new(),
                options: options
                    .iter()
                    .map(|sv| anmalan::services::events::OptionSpec {
                        sv: (*sv).into(),
                        en: (*sv).into(),
                    })
                    .collect(),
            }
        };
        use anmalan::domain::question::QuestionKind;
        spec.questions = vec![
            question(
                "buss",
                QuestionKind::OneChoice,
                "Vilken buss tar du till studiebesöket?",
                &["Från stationen", "Från hotellet", "Ingen buss"],
            ),
            question(
                "amne",
                QuestionKind::ShortText,
                "Vad vill du prata om i nätverket?",
                &[],
            ),
        ];
    }
    anmalan::services::events::import(&db, &spec)
        .await
        .expect("event");
    let event = anmalan::db::events::find_by_slug(&db, slug)
        .await
        .expect("event")
        .expect("event");
    anmalan::db::questions::for_event(&db, event.id)
        .await
        .expect("questions")
        .iter()
        .map(|question| match question.options.get(1) {
            Some(option) => (question.input_id(), option.id.to_string()),
            None => (
                question.input_id(),
                "Kompetensförsörjning i industrin".into(),
            ),
        })
        .collect()
}

/// The SMTP server of the email workload: an in-tree tokio server that
/// accepts every message and notes, by Message-ID, when it accepted it. It
/// keeps nothing on disk, so the figure measures anmalan's delivery and not
/// the sink (aiosmtpd, the tests' server, tops out near 230 messages/s on
/// this machine even without fsync; see docs/BENCHMARKS.md).
struct Sink {
    port: u16,
    accepted: AcceptLog,
}

impl Sink {
    fn start(rt: &tokio::runtime::Runtime) -> Self {
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("sink listens");
        let port = listener.local_addr().expect("address").port();
        let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = accepted.clone();
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = sink_session(stream, log).await;
                });
            }
        });
        Self { port, accepted }
    }

    fn count(&self) -> usize {
        self.accepted.lock().expect("lock").len()
    }
}

/// One SMTP session: EHLO, then MAIL / RCPT / DATA as often as the client
/// likes (lettre's pool reuses connections), RSET / NOOP, QUIT.
async fn sink_session(stream: tokio::net::TcpStream, log: AcceptLog) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut message_id = String::new();
            loop {
                line.clear();
                if read.read_until(b'\n', &mut line).await? == 0 {
                    return Ok(());
                }
                if line == b".\r\n" {
                    break;
                }
                if message_id.is_empty() && line.starts_with(b"Message-ID: <") {
                    let text = String::from_utf8_lossy(&line[13..]);
                    message_id = text.split('@').next().unwrap_or_default().to_owned();
                }
            }
            log.lock().expect("lock").push((message_id, Utc::now()));
            b"250 2.0.0 accepted\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The event of the register-choices workload.
const CHOICES_EVENT: &str = "val";

/// How the register workload registers.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    /// GET the event page for its one-time key, POST the form.
    Form,
    /// The same, ticking the event's three programme items.
    FormWithChoices,
    /// POST JSON to `/api/v1/events/{slug}/registrations` with a token.
    Api,
}

/// An admin account and a read-write API token, straight in the database.
async fn api_token(database_url: &str) -> String {
    let settings = settings(database_url);
    let db = anmalan::db::connect(&settings.database).await.expect("db");
    let admin = anmalan::services::accounts::create(
        &db,
        "bench@example.org",
        "Bench",
        Role::Admin,
        "bench-password-long-enough",
        Utc::now(),
    )
    .await
    .expect("account");
    anmalan::services::api_tokens::create(
        &db,
        &admin,
        "bench",
        anmalan::services::api_tokens::Scope::ReadWrite,
        Utc::now(),
    )
    .await
    .expect("token")
    .secret
}

/// Register: every request a new address, through the form (GET for the
/// one-time key, then POST) or through the JSON API. Also measures the
/// emails of the run against a local SMTP server: emails/s and the time
/// from commit to SMTP acceptance.
/// Returns the registrations per second.
fn register(
    database_url: &str,
    dir: &Path,
    load: &Load,
    commit_limit: f64,
    plain_rate: f64,
    via: Via,
    rows: &mut Vec<Row>,
) -> f64 {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sink = Sink::start(&rt);
    let slug = if via == Via::FormWithChoices {
        CHOICES_EVENT
    } else {
        "rusning"
    };
    let answers = rt.block_on(create_event(database_url, slug));
    let token = match via {
        Via::Api => rt.block_on(api_token(database_url)),
        Via::Form | Via::FormWithChoices => String::new(),
    };
    let smtp_url = format!("smtp://127.0.0.1:{}", sink.port);
    let (server, _) = Server::start(database_url, dir, &[("SMTP_URL", smtp_url.as_str())]);
    let base = server.base.clone();
    let cpu_before = server.cpu_seconds();
    let measured = rt.block_on(async {
        let client = client();
        drive(load, move |n| {
            let client = client.clone();
            let base = base.clone();
            let token = token.clone();
            let answers = answers.clone();
            async move {
                if via == Via::Api {
                    let email = format!("person{n}@example.org");
                    let response = client
                        .post(format!("{base}/api/v1/events/rusning/registrations"))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(format!(
                            r#"{{"name":"Belastning Testsson","email":"{email}","municipality":"2580","role_title":"Näringslivschef"}}"#
                        ))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let status = response.status();
                    response.bytes().await.map_err(|e| e.to_string())?;
                    return (status == 201).then_some(()).ok_or_else(|| status.to_string());
                }
                register_once(&client, &base, slug, n, via == Via::FormWithChoices, &answers)
                    .await
            }
        })
        .await
    });
    let run_end = Instant::now();
    let cpu_used = server.cpu_seconds() - cpu_before;
    // Every registration committed, counted in the database.
    let (stored, created): (u64, Vec<(String, chrono::DateTime<Utc>)>) = rt.block_on(async {
        let settings = settings(database_url);
        let db = anmalan::db::connect(&settings.database).await.expect("db");
        let count = sea_orm::PaginatorTrait::count(registration::Entity::find(), &db)
            .await
            .expect("count");
        let outbox: Vec<(String, chrono::DateTime<Utc>)> =
            anmalan::db::entities::outbox::Entity::find()
                .all(&db)
                .await
                .expect("outbox")
                .into_iter()
                .map(|row| (row.message_id, row.created_at))
                .collect();
        (count, outbox)
    });
    // Wait for the emails: every one within 5 s after the run?
    let expected = created.len();
    let mut delivered_at_end = 0;
    while run_end.elapsed() < Duration::from_secs(60) {
        delivered_at_end = sink.count();
        if delivered_at_end >= expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let drained = run_end.elapsed();
    let by_id: std::collections::HashMap<&str, chrono::DateTime<Utc>> =
        created.iter().map(|(id, at)| (id.as_str(), *at)).collect();
    let accepted = sink.accepted.lock().expect("lock").clone();
    let mut duplicates = 0;
    let mut seen = std::collections::HashSet::new();
    let commit_to_smtp_us: Vec<u64> = accepted
        .iter()
        .filter(|(id, _)| {
            let first = seen.insert(id.clone());
            duplicates += u64::from(!first);
            first
        })
        .filter_map(|(id, at)| by_id.get(id.as_str()).map(|created| (at, created)))
        .map(|(at, created)| (*at - *created).num_microseconds().unwrap_or(0).max(0) as u64)
        .collect();
    let emails = Measured {
        ok: commit_to_smtp_us.len() as u64,
        latencies_us: commit_to_smtp_us,
        seconds: (load.warmup + load.duration + drained).as_secs_f64(),
        ..Default::default()
    };
    let name = match via {
        Via::Form => "register (GET form + POST, 16 connections)",
        Via::FormWithChoices => {
            "register with three programme choices and two questions (GET form + POST, 16 connections)"
        }
        Via::Api => "register through the JSON API (POST, 16 connections)",
    };
    let (target, limit) = if via == Via::FormWithChoices {
        (
            "loses < 20% against the plain form".to_owned(),
            format!(
                "{:.0}% of the plain form's {plain_rate:.0}/s; {:.0}% of {commit_limit:.0} commits/s",
                100.0 * measured.rate() / plain_rate,
                100.0 * measured.rate() / commit_limit
            ),
        )
    } else {
        (
            "≥ 50% of the commit limit (stretch: > 100%), p99 < 25 ms".to_owned(),
            format!(
                "{:.0}% of {commit_limit:.0} commits/s",
                100.0 * measured.rate() / commit_limit
            ),
        )
    };
    rows.push(Row {
        workload: name.into(),
        figure: format!(
            "{:.0}/s, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, {} errors",
            measured.rate(),
            measured.percentile_ms(0.5),
            measured.percentile_ms(0.9),
            measured.percentile_ms(0.99),
            measured.errors
        ),
        target,
        limit,
    });
    rows.push(Row {
        workload: format!("{name}: server CPU per registration"),
        figure: format!(
            "{:.2} ms ({cpu_used:.1} s of CPU for {} registrations, emails included)",
            1000.0 * cpu_used / measured.ok_all.max(1) as f64,
            measured.ok_all
        ),
        target: "≤ 0.3 ms".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "register: rows in the database = successful requests (incl. warm-up)".into(),
        figure: format!(
            "{stored} rows for {} successful requests, {} emails queued",
            measured.ok_all,
            created.len()
        ),
        target: "equal".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "email: commit → SMTP acceptance during the run".into(),
        figure: format!(
            "{} delivered ({duplicates} twice), {:.0} emails/s overall, p50 {:.0} ms, p99 {:.0} ms",
            emails.ok,
            emails.ok as f64 / emails.seconds,
            emails.percentile_ms(0.5),
            emails.percentile_ms(0.99)
        ),
        target: "p99 < 1 s".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "email: all delivered after the run within".into(),
        figure: format!(
            "{:.1} s ({delivered_at_end} of {expected})",
            drained.as_secs_f64()
        ),
        target: "< 1 s".into(),
        limit: "–".into(),
    });
    measured.rate()
}

/// A registration through the form at `base`, ticking every programme item
/// the form offers when `choose`, with the given answers; Ok for the
/// redirect, else the status (or the connection error).
async fn register_once(
    client: &reqwest::Client,
    base: &str,
    slug: &str,
    n: u64,
    choose: bool,
    answers: &[(String, String)],
) -> Result<(), String> {
    let page = client
        .get(format!("{base}/events/{slug}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !page.status().is_success() {
        return Err(page.status().to_string());
    }
    let html = page.text().await.map_err(|e| e.to_string())?;
    let key = html
        .split("name=\"submission_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no submission key on the page")?
        .to_owned();
    let email = format!("person{n}@example.org");
    let boxes: Vec<String> = if choose {
        html.split("type=\"checkbox\" id=\"choice-")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(|id| format!("choice-{id}"))
            .collect()
    } else {
        Vec::new()
    };
    let mut form = vec![
        ("submission_key", key.as_str()),
        ("name", "Belastning Testsson"),
        ("email", email.as_str()),
        ("municipality", "2580"),
        ("role_title", "Näringslivschef"),
        ("consent", "yes"),
    ];
    form.extend(boxes.iter().map(|name| (name.as_str(), "yes")));
    form.extend(
        answers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let response = client
        .post(format!("{base}/events/{slug}/register"))
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    (response.status() == 303)
        .then_some(())
        .ok_or_else(|| response.status().to_string())
}

/// Waits until the sink has `expected` distinct messages (at most `limit`);
/// returns (distinct, duplicates, time waited).
fn wait_for_sink(sink: &Sink, expected: usize, limit: Duration) -> (usize, usize, Duration) {
    let start = Instant::now();
    let count = || {
        let accepted = sink.accepted.lock().expect("lock");
        let distinct: std::collections::HashSet<&str> =
            accepted.iter().map(|(id, _)| id.as_str()).collect();
        (distinct.len(), accepted.len() - distinct.len())
    };
    loop {
        let (distinct, duplicates) = count();
        if distinct >= expected || start.elapsed() > limit {
            return (distinct, duplicates, start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Scale-out (PostgreSQL): three instances on one database share the
/// register load; the third is killed with SIGKILL half-way. Checks that an
/// event of 500 seats gets exactly 500 confirmed, that every successful
/// answer is a row, and that every email arrives exactly once (the
/// survivors take over the killed instance's claimed emails when their
/// lease runs out).
fn scale_out(database_url: &str, dir: &Path, load: &Load, rows: &mut Vec<Row>) {
    assert!(
        database_url.starts_with("postgres"),
        "scale-out needs DATABASE_URL=postgres://…"
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sink = Sink::start(&rt);
    rt.block_on(async {
        create_event(database_url, "skala").await;
        let settings = settings(database_url);
        let db = anmalan::db::connect(&settings.database).await.expect("db");
        db.execute_unprepared("UPDATE events SET capacity = 500 WHERE slug = 'skala'")
            .await
            .expect("capacity");
    });
    let smtp_url = format!("smtp://127.0.0.1:{}", sink.port);
    let env = [
        ("SMTP_URL", smtp_url.as_str()),
        ("ANMALAN__MAIL__POOL_SIZE", "8"),
        ("ANMALAN__MAIL__LEASE_SECS", "5"),
        ("ANMALAN__MAIL__TIMEOUT_SECS", "3"),
        ("ANMALAN__MAIL__POLL_INTERVAL_MS", "200"),
    ];
    let servers: Vec<Server> = (0..3)
        .map(|i| Server::start(database_url, &dir.join(format!("i{i}")), &env).0)
        .collect();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let victim = servers[2].child.id();
    let killed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let kill_after = load.warmup + load.duration / 2;
    let killer = {
        let killed = killed.clone();
        std::thread::spawn(move || {
            std::thread::sleep(kill_after);
            let _ = Command::new("kill")
                .args(["-9", &victim.to_string()])
                .status();
            killed.store(true, std::sync::atomic::Ordering::SeqCst);
        })
    };
    let measured = rt.block_on(async {
        let client = client();
        drive(load, move |n| {
            let client = client.clone();
            // A load balancer stops sending to the dead instance.
            let alive = if killed.load(std::sync::atomic::Ordering::SeqCst) {
                2
            } else {
                3
            };
            let base = bases[(n % alive) as usize].clone();
            async move { register_once(&client, &base, "skala", n, false, &[]).await }
        })
        .await
    });
    let _ = killer.join();
    let run_end = Instant::now();
    let (stored, confirmed, waitlisted, positions_ok, queued) = rt.block_on(async {
        use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
        let settings = settings(database_url);
        let db = anmalan::db::connect(&settings.database).await.expect("db");
        let all = registration::Entity::find().all(&db).await.expect("rows");
        let confirmed = all
            .iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .count();
        let mut orders: Vec<i32> = all
            .iter()
            .filter(|r| r.status == RegistrationStatus::Waitlisted)
            .filter_map(|r| r.waitlist_order)
            .collect();
        let waitlisted = orders.len();
        orders.sort_unstable();
        orders.dedup();
        let queued = anmalan::db::entities::outbox::Entity::find()
            .filter(anmalan::db::entities::outbox::Column::RegistrationId.is_not_null())
            .count(&db)
            .await
            .expect("outbox");
        (
            all.len(),
            confirmed,
            waitlisted,
            orders.len() == waitlisted,
            queued as usize,
        )
    });
    let (delivered, duplicates, _) = wait_for_sink(&sink, queued, Duration::from_secs(60));
    let drained = run_end.elapsed();
    drop(servers);
    rows.push(Row {
        workload:
            "scale-out: 3 instances, one killed with SIGKILL half-way (register, 16 connections)"
                .into(),
        figure: format!(
            "{:.0}/s combined, p99 {:.1} ms, {} failed requests (in flight to the killed instance)",
            measured.rate(),
            measured.percentile_ms(0.99),
            measured.errors
        ),
        target: "–".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "scale-out: capacity 500 across instances".into(),
        figure: format!(
            "{confirmed} confirmed, {waitlisted} waitlisted, waitlist places unique: {positions_ok}"
        ),
        target: "exactly 500 confirmed".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "scale-out: no committed registration lost".into(),
        figure: format!("{stored} rows for {} successful answers", measured.ok_all),
        target: "rows ≥ successful answers".into(),
        limit: "–".into(),
    });
    rows.push(Row {
        workload: "scale-out: every email exactly once".into(),
        figure: format!(
            "{delivered} of {queued} delivered, {duplicates} duplicates, the last {:.1} s after the run (lease 5 s)",
            drained.as_secs_f64()
        ),
        target: "all, no duplicates".into(),
        limit: "–".into(),
    });
}

/// PostgreSQL restart under load: the local cluster is stopped (fast
/// shutdown) a third into the run and started 3 s later. Requests in the
/// gap should fail fast with 503, the service should recover by itself, and
/// nothing should be half-written.
fn pg_restart(database_url: &str, dir: &Path, load: &Load, rows: &mut Vec<Row>) {
    assert!(
        database_url.starts_with("postgres"),
        "pg-restart needs DATABASE_URL=postgres://… of the local cluster"
    );
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a local PostgreSQL cluster under /etc/postgresql")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .max()
        .expect("a cluster version");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(create_event(database_url, "omstart"));
    let (server, _) = Server::start(database_url, dir, &[]);
    let base = server.base.clone();
    let outcomes = std::sync::Arc::new(std::sync::Mutex::new(
        Vec::<(Instant, String, Duration)>::new(),
    ));
    let stop_at = load.warmup + load.duration / 3;
    let restart = std::thread::spawn(move || {
        std::thread::sleep(stop_at);
        let pg = |action: &str| {
            Command::new("pg_ctlcluster")
                .args(["--skip-systemctl-redirect", &version, "main", action])
                .args(if action == "stop" {
                    vec!["-m", "fast"]
                } else {
                    vec![]
                })
                .status()
                .expect("pg_ctlcluster")
        };
        let down = Instant::now();
        pg("stop");
        std::thread::sleep(Duration::from_secs(3));
        pg("start");
        (down, Instant::now())
    });
    let log = outcomes.clone();
    let measured = rt.block_on(async {
        let client = client();
        drive(load, move |n| {
            let client = client.clone();
            let base = base.clone();
            let log = log.clone();
            async move {
                let sent = Instant::now();
                let result = register_once(&client, &base, "omstart", n, false, &[]).await;
                let label = match &result {
                    Ok(()) => "ok".to_owned(),
                    Err(e) => e.clone(),
                };
                log.lock()
                    .expect("lock")
                    .push((sent, label, sent.elapsed()));
                result
            }
        })
        .await
    });
    let (down, up) = restart.join().expect("restart thread");
    let outcomes = outcomes.lock().expect("lock").clone();
    let failed: Vec<&(Instant, String, Duration)> = outcomes
        .iter()
        .filter(|(_, label, _)| label != "ok")
        .collect();
    let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
    for (_, label, _) in &failed {
        *kinds.entry(label.as_str()).or_default() += 1;
    }
    let slowest_failure = failed.iter().map(|(_, _, t)| *t).max().unwrap_or_default();
    let recovered_after = outcomes
        .iter()
        .filter(|(sent, label, _)| *sent > up && label == "ok")
        .map(|(sent, _, _)| *sent - up)
        .min();
    let consistency = rt.block_on(async {
        let settings = settings(database_url);
        let db = anmalan::db::connect(&settings.database).await.expect("db");
        let rows = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT \
                   (SELECT count(*) FROM registrations) AS registrations, \
                   (SELECT count(*) FROM registrations r WHERE NOT EXISTS \
                      (SELECT 1 FROM outbox o WHERE o.registration_id = r.id)) AS without_email, \
                   (SELECT confirmed_count FROM events WHERE slug = 'omstart') AS counter, \
                   (SELECT count(*) FROM registrations WHERE status = 'confirmed') AS confirmed",
            ))
            .await
            .expect("query")
            .expect("a row");
        let n = |c: &str| rows.try_get::<i64>("", c).unwrap_or(-1);
        let counter = rows
            .try_get::<i32>("", "counter")
            .map(i64::from)
            .unwrap_or(-1);
        (
            n("registrations"),
            n("without_email"),
            counter,
            n("confirmed"),
        )
    });
    drop(server);
    rows.push(Row {
        workload: "PostgreSQL stopped for 3 s during register load".into(),
        figure: format!(
            "{} failed of {} ({kinds:?}); slowest failure {:.1} s; first success {} after the restart; database down {:.1} s",
            failed.len(),
            outcomes.len(),
            slowest_failure.as_secs_f64(),
            recovered_after.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
            (up - down).as_secs_f64()
        ),
        target: "fail fast with 503, recover by itself".into(),
        limit: format!("{:.0} registrations/s over the run", measured.rate()),
    });
    rows.push(Row {
        workload: "PostgreSQL restart: nothing half-written".into(),
        figure: format!(
            "{} registrations, {} without their email, seat counter {} for {} confirmed",
            consistency.0, consistency.1, consistency.2, consistency.3
        ),
        target: "0 without email; counter = confirmed".into(),
        limit: "–".into(),
    });
}

/// Event page: GET of the public event page.
fn page(database_url: &str, dir: &Path, load: &Load, hello: f64, rows: &mut Vec<Row>) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(create_event(database_url, "sida"));
    let (server, _) = Server::start(database_url, dir, &[]);
    let url = format!("{}/events/sida", server.base);
    let measured = rt.block_on(async {
        let client = client();
        drive(load, move |_| {
            let client = client.clone();
            let url = url.clone();
            async move {
                let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
                let ok = response.status().is_success();
                response.bytes().await.map_err(|e| e.to_string())?;
                ok.then_some(()).ok_or_else(|| "status".to_owned())
            }
        })
        .await
    });
    rows.push(Row {
        workload: "event page (GET)".into(),
        figure: format!(
            "{:.0} req/s, p99 {:.1} ms, {} errors",
            measured.rate(),
            measured.percentile_ms(0.99),
            measured.errors
        ),
        target: "≥ 50% of hello world".into(),
        limit: format!(
            "{:.0}% of {hello:.0} req/s",
            100.0 * measured.rate() / hello
        ),
    });
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let all = [
        "limits",
        "register",
        "register-choices",
        "register-api",
        "page",
        "export",
        "idle",
    ];
    // Run only when named, with DATABASE_URL=postgres://…
    let extra = ["scale-out", "pg-restart"];
    let load = Load::from_env();
    let mut commit_limit = f64::NAN;
    let mut hello_limit = f64::NAN;
    let mut plain_rate = f64::NAN;
    let chosen: Vec<&str> = if args.is_empty() {
        all.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = database(dir.path());
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let mut rows = Vec::new();
    for workload in chosen {
        let run_dir: PathBuf = dir.path().join(workload);
        std::fs::create_dir_all(&run_dir).expect("dir");
        let database_url = if backend == "SQLite" {
            format!("sqlite://{}", run_dir.join("bench.sqlite").display())
        } else {
            database(dir.path())
        };
        match workload {
            "limits" => {
                (commit_limit, hello_limit) = limits(&database_url, &run_dir, &load, &mut rows)
            }
            "register" => {
                plain_rate = register(
                    &database_url,
                    &run_dir,
                    &load,
                    commit_limit,
                    f64::NAN,
                    Via::Form,
                    &mut rows,
                )
            }
            "register-choices" => {
                register(
                    &database_url,
                    &run_dir,
                    &load,
                    commit_limit,
                    plain_rate,
                    Via::FormWithChoices,
                    &mut rows,
                );
            }
            "register-api" => {
                register(
                    &database_url,
                    &run_dir,
                    &load,
                    commit_limit,
                    f64::NAN,
                    Via::Api,
                    &mut rows,
                );
            }
            "page" => page(&database_url, &run_dir, &load, hello_limit, &mut rows),
            "idle" => idle(&database_url, &run_dir, &mut rows),
            "export" => export(&database_url, &run_dir, &mut rows),
            "scale-out" => scale_out(&database_url, &run_dir, &load, &mut rows),
            "pg-restart" => pg_restart(&database_url, &run_dir, &load, &mut rows),
            other => eprintln!("unknown workload {other}; known: {all:?} and {extra:?}"),
        }
    }
    print_table(backend, &rows);
}
