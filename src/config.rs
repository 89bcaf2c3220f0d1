//! Typed settings: `config/default.toml` (compiled in, so the binary runs from
//! any directory), then `config/default.toml` and `config/<APP_ENV>.toml` on
//! disk, then `ANMALAN__SECTION__KEY` variables, then the conventional
//! `DATABASE_URL`, `SMTP_URL`, `BASE_URL` and `BIND`.
//!
//! Secrets (database and SMTP URLs, which may hold passwords) are wrapped in
//! [`SecretString`], so neither `Debug` nor the logs can print them.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// A configuration value that cannot be used; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

impl ConfigError {
    fn key(key: &str, problem: impl std::fmt::Display) -> Self {
        Self(format!("`{key}` {problem}"))
    }
}

/// Every setting the service reads, already checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub mail: MailSettings,
    pub admin: AdminSettings,
    pub privacy: PrivacySettings,
    pub metrics: MetricsSettings,
    pub rate_limit: RateLimitSettings,
    pub log: LogSettings,
}

/// Per-address request limits.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub registrations_per_minute: u32,
    pub logins_per_minute: u32,
    pub api_per_minute: u32,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Who may read `/metrics`.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    pub allow: Vec<std::net::IpAddr>,
    pub token: Option<SecretString>,
}

/// How long personal data is kept after an event ends.
#[derive(Debug, Clone, Copy)]
pub struct PrivacySettings {
    pub erase_needs_after_days: u32,
    pub anonymise_after_days: u32,
    /// Answers to questions marked sensitive are erased this long after the
    /// event ends (their own period, apart from the diet's).
    pub erase_sensitive_answers_after_days: u32,
}

#[derive(Debug, Clone)]
pub struct AdminSettings {
    pub session_idle: chrono::Duration,
    pub session_absolute: chrono::Duration,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub bind: SocketAddr,
    /// Public base URL without a trailing slash, e.g. `https://anmalan.example.org`.
    pub base_url: Url,
    pub request_timeout: std::time::Duration,
    pub body_limit_bytes: usize,
    /// How long a public event page is reused (0: not at all).
    pub page_cache: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: Option<SecretString>,
    pub outbox_dir: PathBuf,
    pub from: lettre::message::Mailbox,
    pub pool_size: u32,
    pub timeout: std::time::Duration,
    pub poll_interval: std::time::Duration,
    pub retry_base: std::time::Duration,
    pub give_up_after: chrono::Duration,
    pub lease: chrono::Duration,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub json: bool,
    pub level: String,
}

#[derive(Deserialize)]
struct RawSettings {
    server: RawServer,
    database: RawDatabase,
    mail: RawMail,
    admin: RawAdmin,
    privacy: RawPrivacy,
    metrics: RawMetrics,
    rate_limit: RawRateLimit,
    log: RawLog,
}

#[derive(Deserialize)]
struct RawRateLimit {
    registrations_per_minute: u32,
    logins_per_minute: u32,
    api_per_minute: u32,
    trusted_proxies: String,
}

#[derive(Deserialize)]
struct RawMetrics {
    allow: String,
    token: SecretString,
}

#[derive(Deserialize)]
struct RawPrivacy {
    erase_needs_after_days: u32,
    anonymise_after_days: u32,
    erase_sensitive_answers_after_days: u32,
}

#[derive(Deserialize)]
struct RawAdmin {
    session_idle_minutes: u32,
    session_absolute_hours: u32,
}

#[derive(Deserialize)]
struct RawServer {
    bind: String,
    base_url: String,
    request_timeout_secs: u64,
    body_limit_bytes: usize,
    page_cache_ms: u64,
}

#[derive(Deserialize)]
struct RawDatabase {
    url: SecretString,
    max_connections: u32,
    acquire_timeout_secs: u64,
}

#[derive(Deserialize)]
struct RawMail {
    smtp_url: SecretString,
    outbox_dir: PathBuf,
    from: String,
    pool_size: u32,
    timeout_secs: u64,
    poll_interval_ms: u64,
    retry_base_secs: u64,
    give_up_after_hours: u32,
    lease_secs: u32,
}

#[derive(Deserialize)]
struct RawLog {
    format: String,
    level: String,
}

impl Settings {
    /// Loads settings from `config_dir` and the process environment.
    pub fn load(config_dir: &Path) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::load_with_env(config_dir, &env)
    }

    /// Loads settings with an explicit environment, so tests need not touch
    /// the process environment.
    pub fn load_with_env(
        config_dir: &Path,
        env: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let app_env = env.get("APP_ENV").map_or("development", String::as_str);
        let mut builder = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .add_source(File::from(config_dir.join("default.toml")).required(false))
            .add_source(File::from(config_dir.join(format!("{app_env}.toml"))).required(false))
            .add_source(
                Environment::with_prefix("ANMALAN")
                    .prefix_separator("__")
                    .separator("__")
                    .source(Some(env.clone().into_iter().collect())),
            );
        for (var, key) in [
            ("DATABASE_URL", "database.url"),
            ("SMTP_URL", "mail.smtp_url"),
            ("BASE_URL", "server.base_url"),
            ("BIND", "server.bind"),
        ] {
            builder = builder
                .set_override_option(key, env.get(var).cloned())
                .map_err(|e| ConfigError::key(key, e))?;
        }
        let raw: RawSettings = builder
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| ConfigError(e.to_string()))?;
        Self::check(raw)
    }

    fn check(raw: RawSettings) -> Result<Self, ConfigError> {
        let bind: SocketAddr = raw.server.bind.trim().parse().map_err(|_| {
            ConfigError::key(
                "server.bind",
                format!(
                    "must be an address and port such as 127.0.0.1:3000, not {:?}",
                    raw.server.bind
                ),
            )
        })?;
        let base_url = if raw.server.base_url.trim().is_empty() {
            Url::parse(&format!("http://{bind}")).map_err(|e| ConfigError::key("server.bind", e))?
        } else {
            parse_base_url(raw.server.base_url.trim())?
        };
        if raw.server.request_timeout_secs == 0 {
            return Err(ConfigError::key(
                "server.request_timeout_secs",
                "must be at least 1 second",
            ));
        }
        if raw.server.body_limit_bytes < 1024 {
            return Err(ConfigError::key(
                "server.body_limit_bytes",
                "must be at least 1024 bytes",
            ));
        }
        let db_url = raw.database.url.expose_secret().trim().to_owned();
        if !(db_url.starts_with("sqlite:")
            || db_url.starts_with("postgres://")
            || db_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::key(
                "database.url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        if raw.database.max_connections == 0 {
            return Err(ConfigError::key(
                "database.max_connections",
                "must be at least 1",
            ));
        }
        let smtp = raw.mail.smtp_url.expose_secret().trim().to_owned();
        let smtp_url = if smtp.is_empty() {
            None
        } else if smtp.starts_with("smtp://") || smtp.starts_with("smtps://") {
            Url::parse(&smtp).map_err(|e| ConfigError::key("mail.smtp_url", e))?;
            Some(SecretString::from(smtp))
        } else {
            return Err(ConfigError::key(
                "mail.smtp_url",
                "must start with smtp:// or smtps://, or be empty",
            ));
        };
        let from: lettre::message::Mailbox = raw.mail.from.parse().map_err(|_| {
            ConfigError::key(
                "mail.from",
                format!(
                    "must be an address like Name <name@example.org>, not {:?}",
                    raw.mail.from
                ),
            )
        })?;
        for (key, value) in [
            ("mail.pool_size", u64::from(raw.mail.pool_size)),
            ("mail.timeout_secs", raw.mail.timeout_secs),
            ("mail.poll_interval_ms", raw.mail.poll_interval_ms),
            ("mail.retry_base_secs", raw.mail.retry_base_secs),
            (
                "mail.give_up_after_hours",
                u64::from(raw.mail.give_up_after_hours),
            ),
            ("mail.lease_secs", u64::from(raw.mail.lease_secs)),
        ] {
            if value == 0 {
                return Err(ConfigError::key(key, "must be at least 1"));
            }
        }
        if u64::from(raw.mail.lease_secs) <= raw.mail.timeout_secs {
            return Err(ConfigError::key(
                "mail.lease_secs",
                "must be longer than mail.timeout_secs, or a slow send would be sent twice",
            ));
        }
        if raw.admin.session_idle_minutes == 0 {
            return Err(ConfigError::key(
                "admin.session_idle_minutes",
                "must be at least 1",
            ));
        }
        if raw.admin.session_absolute_hours == 0 {
            return Err(ConfigError::key(
                "admin.session_absolute_hours",
                "must be at least 1",
            ));
        }
        if raw.privacy.anonymise_after_days < raw.privacy.erase_needs_after_days {
            return Err(ConfigError::key(
                "privacy.anonymise_after_days",
                "must not be shorter than privacy.erase_needs_after_days",
            ));
        }
        if raw.privacy.anonymise_after_days < raw.privacy.erase_sensitive_answers_after_days {
            return Err(ConfigError::key(
                "privacy.anonymise_after_days",
                "must not be shorter than privacy.erase_sensitive_answers_after_days",
            ));
        }
        let mut allow = Vec::new();
        for address in raw
            .metrics
            .allow
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            allow.push(address.parse().map_err(|_| {
                ConfigError::key(
                    "metrics.allow",
                    format!("must be IP addresses separated by commas, not {address:?}"),
                )
            })?);
        }
        let token = raw.metrics.token.expose_secret().trim().to_owned();
        let mut trusted_proxies = Vec::new();
        for address in raw
            .rate_limit
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            trusted_proxies.push(address.parse().map_err(|_| {
                ConfigError::key(
                    "rate_limit.trusted_proxies",
                    format!("must be IP addresses separated by commas, not {address:?}"),
                )
            })?);
        }
        let json = match raw.log.format.as_str() {
            "json" => true,
            "text" => false,
            other => {
                return Err(ConfigError::key(
                    "log.format",
                    format!("must be \"text\" or \"json\", not {other:?}"),
                ));
            }
        };
        Ok(Self {
            server: ServerSettings {
                bind,
                base_url,
                request_timeout: std::time::Duration::from_secs(raw.server.request_timeout_secs),
                body_limit_bytes: raw.server.body_limit_bytes,
                page_cache: std::time::Duration::from_millis(raw.server.page_cache_ms),
            },
            database: DatabaseSettings {
                url: SecretString::from(db_url),
                max_connections: raw.database.max_connections,
                acquire_timeout: std::time::Duration::from_secs(
                    raw.database.acquire_timeout_secs.max(1),
                ),
            },
            mail: MailSettings {
                smtp_url,
                outbox_dir: raw.mail.outbox_dir,
                from,
                pool_size: raw.mail.pool_size,
                timeout: std::time::Duration::from_secs(raw.mail.timeout_secs),
                poll_interval: std::time::Duration::from_millis(raw.mail.poll_interval_ms),
                retry_base: std::time::Duration::from_secs(raw.mail.retry_base_secs),
                give_up_after: chrono::Duration::hours(i64::from(raw.mail.give_up_after_hours)),
                lease: chrono::Duration::seconds(i64::from(raw.mail.lease_secs)),
            },
            admin: AdminSettings {
                session_idle: chrono::Duration::minutes(i64::from(raw.admin.session_idle_minutes)),
                session_absolute: chrono::Duration::hours(i64::from(
                    raw.admin.session_absolute_hours,
                )),
            },
            privacy: PrivacySettings {
                erase_needs_after_days: raw.privacy.erase_needs_after_days,
                anonymise_after_days: raw.privacy.anonymise_after_days,
                erase_sensitive_answers_after_days: raw.privacy.erase_sensitive_answers_after_days,
            },
            metrics: MetricsSettings {
                allow,
                token: (!token.is_empty()).then(|| SecretString::from(token)),
            },
            rate_limit: RateLimitSettings {
                registrations_per_minute: raw.rate_limit.registrations_per_minute,
                logins_per_minute: raw.rate_limit.logins_per_minute,
                api_per_minute: raw.rate_limit.api_per_minute,
                trusted_proxies,
            },
            log: LogSettings {
                json,
                level: raw.log.level,
            },
        })
    }
}

fn parse_base_url(value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| {
        ConfigError::key("server.base_url", format!("is not a URL ({e}): {value:?}"))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::key(
            "server.base_url",
            format!("must be an http:// or https:// URL, not {value:?}"),
        ));
    }
    Ok(url)
}

/// A URL with any password replaced, safe for logs.
pub fn redacted_url(secret: &SecretString) -> String {
    match Url::parse(secret.expose_secret()) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "<unparseable url>".to_owned(),
    }
}
