//! The benchmark harness: `cargo bench --bench load [-- WORKLOAD…]`.
//!
//! Builds in release mode (cargo bench does), starts the real `anmalan`
//! binary on a fresh database (SQLite in a temporary folder, or the
//! PostgreSQL database named by `DATABASE_URL`, which it empties first), drives
//! each workload over loopback, stops everything and prints a table. See
//! docs/BENCHMARKS.md for the figures and what they mean.
//!
//! Workloads: `idle`, `export` (more are added as they are measured).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anmalan::config::Settings;
use anmalan::db::entities::registration;
use anmalan::domain::role::Role;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

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
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in extra {
            command.env(k, v);
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
                status: Set("confirmed".into()),
                waitlist_order: Set(None),
                manage_token_hash: Set(format!("{:064x}", i)),
                calendar_sequence: Set(0),
                link_resent_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                cancelled_at: Set(None),
                checked_in_at: Set(None),
                search_text: Set(format!("deltagare nummer {i} {email}")),
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
    for (kind, target) in [("csv", "< 1 s"), ("xlsx", "< 5 s")] {
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

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let all = ["idle", "export"];
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
            "idle" => idle(&database_url, &run_dir, &mut rows),
            "export" => export(&database_url, &run_dir, &mut rows),
            other => eprintln!("unknown workload {other}; known: {all:?}"),
        }
    }
    print_table(backend, &rows);
}
