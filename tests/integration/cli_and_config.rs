//! The configuration loader and the command line.
use std::collections::HashMap;
use std::process::Command;

use anmalan::config::Settings;
use secrecy::ExposeSecret;

use crate::common::config_dir;

fn load(pairs: &[(&str, &str)]) -> Result<Settings, String> {
    let env: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::load_with_env(&config_dir(), &env).map_err(|e| e.to_string())
}

#[test]
fn the_defaults_are_the_embedded_ones() {
    let settings = load(&[]).unwrap();
    assert_eq!(settings.server.bind.to_string(), "127.0.0.1:3000");
    assert_eq!(settings.server.base_url.as_str(), "http://127.0.0.1:3000/");
    assert_eq!(
        settings.database.url.expose_secret(),
        "sqlite://data/anmalan.sqlite"
    );
    assert!(settings.mail.smtp_url.is_none());
}

#[test]
fn conventional_and_prefixed_variables_override_the_files() {
    let settings = load(&[
        ("BIND", "0.0.0.0:8080"),
        ("BASE_URL", "https://anmalan.example.org"),
        ("DATABASE_URL", "postgres://app:hemligt@db/anmalan"),
        ("ANMALAN__SERVER__BODY_LIMIT_BYTES", "20000"),
    ])
    .unwrap();
    assert_eq!(settings.server.bind.to_string(), "0.0.0.0:8080");
    assert_eq!(
        settings.server.base_url.as_str(),
        "https://anmalan.example.org/"
    );
    assert_eq!(settings.server.body_limit_bytes, 20000);
    let debug = format!("{settings:?}");
    assert!(
        !debug.contains("hemligt"),
        "secrets never show in Debug: {debug}"
    );
}

#[test]
fn a_bad_value_names_its_key_and_what_is_wrong() {
    let cases = [
        (
            ("BIND", "not-an-address"),
            "`server.bind` must be an address and port",
        ),
        (
            ("BASE_URL", "ftp://x"),
            "`server.base_url` must be an http:// or https:// URL",
        ),
        (
            ("DATABASE_URL", "mysql://x"),
            "`database.url` must start with sqlite:, postgres://",
        ),
        (
            ("SMTP_URL", "mail.example.org"),
            "`mail.smtp_url` must start with smtp://",
        ),
        (
            ("ANMALAN__LOG__FORMAT", "xml"),
            "`log.format` must be \"text\" or \"json\"",
        ),
        (
            ("ANMALAN__SERVER__REQUEST_TIMEOUT_SECS", "soon"),
            "server.request_timeout_secs",
        ),
    ];
    for ((key, value), expected) in cases {
        let err = load(&[(key, value)]).unwrap_err();
        assert!(err.contains(expected), "{key}={value}: {err}");
    }
}

#[test]
fn the_binary_stops_at_start_up_on_a_bad_value() {
    let output = Command::new(env!("CARGO_BIN_EXE_anmalan"))
        .arg("migrate")
        .env("BIND", "nonsense")
        .env("ANMALAN_CONFIG_DIR", config_dir())
        .output()
        .expect("run anmalan");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`server.bind`"), "{stderr}");
}

#[tokio::test]
async fn demo_and_import_create_upcoming_events() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = crate::common::fresh_database(&dir).await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_anmalan"))
            .args(args)
            .env("DATABASE_URL", &database_url)
            .env("ANMALAN_CONFIG_DIR", config_dir())
            .output()
            .expect("run anmalan")
    };
    let demo = run(&["demo"]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let out = String::from_utf8_lossy(&demo.stdout);
    assert!(
        out.contains("/events/natverksmote-lulea-") && out.contains("/events/almedalen-"),
        "{out}"
    );
    let example = config_dir().join("event.example.toml");
    let import = run(&["event", "import", example.to_str().unwrap()]);
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    assert!(String::from_utf8_lossy(&import.stdout).contains("Created event almedalen-exempel"));
    let again = run(&["event", "import", example.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("Updated event almedalen-exempel"));
}

#[tokio::test]
async fn a_backup_restores_to_a_working_service() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        // PostgreSQL is backed up with pg_dump (README); the command refuses.
        return;
    }
    let app = crate::common::TestApp::spawn().await;
    app.create_event(&crate::common::seminar("almedalen", Some(10)))
        .await;
    let manage = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.sqlite");
    let output = Command::new(env!("CARGO_BIN_EXE_anmalan"))
        .args(["backup", copy.to_str().unwrap()])
        .env("DATABASE_URL", &app.database_url)
        .env("ANMALAN_CONFIG_DIR", config_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Restoring is pointing a service at the copy.
    let restored_dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let settings =
        crate::common::settings_for(&format!("sqlite://{}", copy.display()), &restored_dir, &[]);
    let restored = anmalan::app::Application::build(settings).await.unwrap();
    let port = restored.port();
    tokio::spawn(restored.run_until(std::future::pending()));
    let page = reqwest::get(format!("http://127.0.0.1:{port}{manage}"))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().contains("Anna Berg"),
        "the registration survived the backup"
    );
}
