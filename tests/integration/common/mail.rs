//! A real SMTP server (aiosmtpd, started as a child process) and what the
//! tests check in the messages it received, with independent parsers:
//! mail-parser for MIME and the icalendar crate for the calendar parts.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};

/// A running SMTP server.
pub struct SmtpServer {
    child: Option<Child>,
    pub port: u16,
    pub maildir: PathBuf,
}

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The Python that runs the test SMTP server: `ANMALAN_TEST_PYTHON`, else
/// the venv `.ci/test` makes in tests/support/.venv, else `python3`. Fails
/// the test, with the command that installs it, when it lacks aiosmtpd.
fn smtp_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/.venv/bin/python");
        let python = std::env::var_os("ANMALAN_TEST_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                if venv.is_file() {
                    venv
                } else {
                    PathBuf::from("python3")
                }
            });
        let has_aiosmtpd = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        assert!(
            has_aiosmtpd,
            "the test SMTP server needs Python with aiosmtpd, and {} has none: run `.ci/test` \
             (it installs what the tests need), or `python3 -m venv tests/support/.venv && \
             tests/support/.venv/bin/pip install aiosmtpd==1.4.6`",
            python.display()
        );
        python
    })
}

impl SmtpServer {
    /// Starts the server on `port`, writing into `maildir`, with fault
    /// options (`--tempfail N`, `--reject`, `--delay-ms MS`, `--smtputf8`).
    pub async fn start(port: u16, maildir: &Path, options: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let child = Command::new(smtp_python())
            .arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--maildir")
            .arg(maildir)
            .args(options)
            .stdout(Stdio::null())
            .spawn()
            .expect("the test SMTP server starts");
        let deadline = Instant::now() + Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "SMTP server did not start on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self {
            child: Some(child),
            port,
            maildir: maildir.to_owned(),
        }
    }

    /// The `SMTP_URL` for the app.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The files of a maildir with extension `ext`, sorted by name.
fn files_with(maildir: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(maildir)
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == ext));
    files.sort();
    files
}

/// Every message in a maildir, raw.
pub fn received(maildir: &Path) -> Vec<Vec<u8>> {
    files_with(maildir, "eml")
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

/// The envelope recipients (RCPT TO) of every message in a maildir.
pub fn envelope_recipients(maildir: &Path) -> Vec<String> {
    let mut recipients: Vec<String> = files_with(maildir, "rcpt")
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|text| text.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    recipients.sort();
    recipients
}

/// How many SMTP connections carried the messages in a maildir (the
/// client ports the server saw).
pub fn smtp_connections(maildir: &Path) -> usize {
    files_with(maildir, "peer")
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|port| port.trim().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// Waits until at least `count` messages arrived (at most `seconds`).
pub async fn wait_for_messages(maildir: &Path, count: usize, seconds: u64) -> Vec<Email> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let raw = received(maildir);
        if raw.len() >= count || Instant::now() > deadline {
            return raw.iter().map(|r| Email::parse(r)).collect();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a test needs from one received message.
#[derive(Debug, Clone)]
pub struct Email {
    pub raw: String,
    pub message_id: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The `method` parameter of the inline text/calendar part.
    pub mime_method: Option<String>,
    /// The inline text/calendar part, decoded.
    pub calendar: Option<String>,
    /// The invite.ics attachment, decoded.
    pub attachment: Option<String>,
    /// Content types of the leaf parts, in order.
    pub layout: Vec<String>,
    pub headers: Vec<(String, String)>,
}

impl Email {
    /// Parses with mail-parser.
    pub fn parse(raw: &[u8]) -> Self {
        let message = MessageParser::default().parse(raw).expect("a MIME message");
        let mut email = Email {
            raw: String::from_utf8_lossy(raw).into_owned(),
            message_id: message.message_id().map(str::to_owned),
            to: message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned(),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            mime_method: None,
            calendar: None,
            attachment: None,
            layout: Vec::new(),
            headers: message
                .headers_raw()
                .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
                .collect(),
        };
        for part in &message.parts {
            let Some(ct) = part.content_type() else {
                continue;
            };
            let full = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default());
            email.layout.push(full.clone());
            match full.as_str() {
                "text/calendar" => {
                    email.mime_method = ct.attribute("method").map(str::to_owned);
                    email.calendar = Some(String::from_utf8_lossy(part.contents()).into_owned());
                }
                "application/ics" => {
                    email.attachment = Some(String::from_utf8_lossy(part.contents()).into_owned());
                }
                _ => {}
            }
        }
        email
    }

    /// A header's raw value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The facts a test checks in a calendar object, read by the icalendar
/// crate's parser.
#[derive(Debug, Clone, Default)]
pub struct Invite {
    pub method: String,
    pub uid: String,
    pub sequences: Vec<String>,
    pub dtstamp: String,
    pub dtstart: String,
    pub dtend: String,
    pub status: String,
    pub organizer: String,
    pub attendee: String,
    pub attendee_cn: String,
    pub attendee_params: Vec<(String, String)>,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub url: String,
    pub method_before_vevent: bool,
}

/// Parses a calendar object and checks its line structure on the way.
pub fn read_invite(ics: &str) -> Invite {
    for line in ics.split_terminator("\r\n") {
        assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
    }
    assert!(ics.ends_with("\r\n"), "CRLF line endings");
    assert_eq!(
        ics.matches('\n').count(),
        ics.matches("\r\n").count(),
        "only CRLF"
    );
    let unfolded = icalendar::parser::unfold(ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("valid iCalendar");
    let method = calendar
        .properties
        .iter()
        .find(|p| p.name == "METHOD")
        .map(|p| p.val.as_str().to_owned())
        .unwrap_or_default();
    let event = calendar
        .components
        .iter()
        .find(|c| c.name == "VEVENT")
        .expect("a VEVENT");
    let prop = |name: &str| {
        event
            .find_prop(name)
            .map(|p| p.val.as_str().to_owned())
            .unwrap_or_default()
    };
    let attendee = event.find_prop("ATTENDEE");
    let attendee_params: Vec<(String, String)> = attendee
        .map(|a| {
            a.params
                .iter()
                .map(|p| {
                    let value = p
                        .val
                        .as_ref()
                        .map(|v| v.as_str().trim_matches('"').to_owned());
                    (p.key.as_str().to_owned(), value.unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    let method_at = ics.find("METHOD:").unwrap_or(usize::MAX);
    let vevent_at = ics.find("BEGIN:VEVENT").unwrap_or(0);
    Invite {
        method,
        uid: prop("UID"),
        sequences: event
            .properties
            .iter()
            .filter(|p| p.name == "SEQUENCE")
            .map(|p| p.val.as_str().to_owned())
            .collect(),
        dtstamp: prop("DTSTAMP"),
        dtstart: prop("DTSTART"),
        dtend: prop("DTEND"),
        status: prop("STATUS"),
        organizer: prop("ORGANIZER"),
        attendee: attendee
            .map(|a| a.val.as_str().to_owned())
            .unwrap_or_default(),
        attendee_cn: attendee_params
            .iter()
            .find(|(k, _)| k == "CN")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        attendee_params,
        summary: prop("SUMMARY"),
        description: prop("DESCRIPTION"),
        location: prop("LOCATION"),
        url: prop("URL"),
        method_before_vevent: method_at < vevent_at,
    }
}
