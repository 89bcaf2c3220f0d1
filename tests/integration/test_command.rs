//! The test command is honest: a test whose tool is missing fails and names
//! the command that installs it, and a test is skipped only when an
//! environment variable asks, which the run then counts. Each test here runs
//! one other test of this binary as a child process, as a developer would.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

const A_BROWSER_TEST: &str = "browser_journeys::the_language_switch_goes_to_english_and_back";
const A_MAIL_TEST: &str = "mail::confirmation_edit_and_cancellation_keep_one_invite_up_to_date";

/// Runs one test of this binary, with `env` changed, and returns its output.
fn run_one(test: &str, env: &[(&str, Option<&str>)]) -> (Output, String) {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command.args([test, "--exact", "--nocapture"]);
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let output = command.output().expect("the test binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

#[test]
fn a_browser_test_without_chromedriver_fails_and_names_the_install_command() {
    let empty = tempfile::tempdir().expect("temp dir");
    let path = empty.path().display().to_string();
    let (output, text) = run_one(
        A_BROWSER_TEST,
        &[("PATH", Some(&path)), ("ANMALAN_SKIP_BROWSER", None)],
    );
    assert!(!output.status.success(), "the test must fail:\n{text}");
    assert!(text.contains("1 failed"), "{text}");
    assert!(
        text.contains("apt-get install -y chromium chromium-driver"),
        "the failure names the install command:\n{text}"
    );
}

#[test]
fn skipping_the_browser_tests_is_asked_for_and_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("skipped.txt");
    let log_path = log.display().to_string();
    let (output, text) = run_one(
        A_BROWSER_TEST,
        &[
            ("ANMALAN_SKIP_BROWSER", Some("1")),
            ("ANMALAN_SKIPPED_LOG", Some(&log_path)),
        ],
    );
    assert!(output.status.success(), "{text}");
    let line = format!("SKIPPED (ANMALAN_SKIP_BROWSER=1): {A_BROWSER_TEST}");
    assert!(text.contains(&line), "the skip is said on stderr:\n{text}");
    let recorded = std::fs::read_to_string(&log).expect("the skip log is written");
    assert_eq!(recorded.lines().collect::<Vec<_>>(), vec![line.as_str()]);
}

#[test]
fn a_mail_test_without_aiosmtpd_fails_and_names_the_install_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A Python without aiosmtpd: every import fails.
    let python = dir.path().join("python-without-aiosmtpd");
    std::fs::write(&python, "#!/bin/sh\nexit 1\n").expect("stub python");
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let python_path = python.display().to_string();
    let (output, text) = run_one(A_MAIL_TEST, &[("ANMALAN_TEST_PYTHON", Some(&python_path))]);
    assert!(!output.status.success(), "the test must fail:\n{text}");
    assert!(
        text.contains("pip install aiosmtpd"),
        "the failure names the install command:\n{text}"
    );
    assert!(!text.contains("SMTP server did not start"), "{text}");
}
