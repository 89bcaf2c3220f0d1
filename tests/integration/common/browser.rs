//! A real headless Chromium, driven over WebDriver (chromedriver) with
//! fantoccini; axe-core injected for the accessibility audit.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// A browser session with its own chromedriver and profile.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    pub downloads: PathBuf,
}

impl Drop for Browser {
    /// Kills chromedriver and every Chromium process it started: they share
    /// chromedriver's process group, and killing chromedriver alone would
    /// leave the browsers running.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// Whether this browser test runs: yes, unless `ANMALAN_SKIP_BROWSER=1`
/// asks to skip it (then the skip is recorded and counted by `.ci/test`).
/// A missing Chromium or chromedriver fails the test with the command that
/// installs it: a test that passes without running tests nothing.
pub fn available() -> bool {
    if std::env::var("ANMALAN_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        super::record_skip("ANMALAN_SKIP_BROWSER");
        return false;
    }
    for program in ["chromium", "chromedriver"] {
        assert!(
            which(program),
            "{program} is not installed: run `.ci/test` (it installs what the tests need), \
             or `apt-get install -y chromium chromium-driver`; \
             ANMALAN_SKIP_BROWSER=1 skips the browser tests"
        );
    }
    true
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Starts headless Chromium at the given window size, with or without
/// JavaScript.
pub async fn open(width: u32, height: u32, javascript: bool) -> Browser {
    // Two TLS crypto providers are linked in (via different crates); the
    // WebDriver client needs one chosen. Loopback http is all it uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = super::mail::free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("profile dir");
    let downloads = profile.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads dir");
    let mut prefs = json!({
        "download.default_directory": downloads.display().to_string(),
        "download.prompt_for_download": false,
        // A Swedish browser, as the network's users have.
        "intl.accept_languages": "sv-SE,sv",
    });
    if !javascript {
        prefs["profile.managed_default_content_settings.javascript"] = json!(2);
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--disable-quic", "--lang=sv-SE",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={width},{height}"),
            ],
            "prefs": prefs,
        }),
    );
    let client = ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    Browser {
        client,
        driver,
        _profile: profile,
        downloads,
    }
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Text of the element matching a CSS selector.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} exists"))
            .text()
            .await
            .expect("text")
    }

    /// Waits (up to 10 s) until the element's text contains `needle`, as
    /// after a click that navigates; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if text.contains(needle) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never contained {needle:?}; last: {last:?}");
    }

    pub async fn source(&self) -> String {
        self.client.source().await.expect("source")
    }

    /// The id of the focused element.
    pub async fn focused_id(&self) -> String {
        let active = self.client.active_element().await.expect("active element");
        active.attr("id").await.ok().flatten().unwrap_or_default()
    }

    /// Sends keys to the focused element (Tab is "\u{E004}", Enter "\u{E007}").
    pub async fn keys(&self, keys: &str) {
        let active = self.client.active_element().await.expect("active element");
        active.send_keys(keys).await.expect("keys");
    }

    /// Presses Tab until the element with `id` has focus (at most 40 times).
    pub async fn tab_to(&self, id: &str) {
        for _ in 0..40 {
            if self.focused_id().await == id {
                return;
            }
            self.keys("\u{E004}").await;
        }
        panic!("Tab never reached #{id}");
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    /// Whether the page scrolls sideways (content wider than the viewport).
    pub async fn scrolls_sideways(&self) -> bool {
        self.eval("return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;")
            .await
            .as_bool()
            .unwrap_or(true)
    }

    /// Saves a PNG screenshot.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Runs axe-core with the WCAG 2.1 A and AA tags on the current page;
    /// returns (violations, incomplete, rules run).
    pub async fn axe(&self) -> (Vec<Value>, Vec<Value>, usize) {
        let source = axe_source();
        self.client
            .execute(&source, vec![])
            .await
            .expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
                      .then(r => done({ violations: r.violations, incomplete: r.incomplete,
                                        rules: r.passes.length + r.violations.length + r.incomplete.length + r.inapplicable.length }))
                      .catch(e => done({ error: String(e) }));"#,
                vec![],
            )
            .await
            .expect("axe.run");
        assert!(result.get("error").is_none(), "axe failed: {result}");
        let list = |key: &str| result[key].as_array().cloned().unwrap_or_default();
        (
            list("violations"),
            list("incomplete"),
            result["rules"].as_u64().unwrap_or(0) as usize,
        )
    }
}

fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/support/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "axe-core not found at {}: run `.ci/test`, or `npm install --prefix tests/support`",
            path.display()
        )
    })
}

/// Where screenshots for the README go.
pub fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/screenshots")
        .join(format!("{name}.png"))
}
