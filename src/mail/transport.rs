//! Where messages go: an SMTP server (pooled), or `.eml` files in a folder
//! (the embedded default, so a new user sees every email without a server).
use std::path::PathBuf;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailSettings, redacted_url};

/// A configured transport.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why a send failed, as the outbox needs to know it.
#[derive(Debug)]
pub enum SendError {
    /// Worth retrying: connection refused, timeout, a 4xx reply.
    Temporary(String),
    /// Not worth retrying: a 5xx reply.
    Permanent(String),
}

/// Whether the envelope holds an address that is not ASCII.
fn has_non_ascii_address(message: &Message) -> bool {
    let envelope = message.envelope();
    envelope
        .to()
        .iter()
        .chain(envelope.from())
        .any(|address| !AsRef::<str>::as_ref(address).is_ascii())
}

impl Transport {
    /// Builds the transport the settings ask for, and logs which one it is.
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => {
                let transport =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())?
                        .timeout(Some(settings.timeout))
                        .pool_config(PoolConfig::new().max_size(settings.pool_size))
                        .build();
                tracing::info!(smtp = %redacted_url(url), pool = settings.pool_size, "mail transport: SMTP");
                Ok(Transport::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&settings.outbox_dir)?;
                tracing::info!(folder = %settings.outbox_dir.display(), "mail transport: .eml files");
                Ok(Transport::Files(settings.outbox_dir.clone()))
            }
        }
    }

    /// Sends one message. The file transport writes `<file_stem>.eml`
    /// atomically (temporary file, then rename), so a repeated send of the
    /// same row replaces its file instead of adding a second one.
    pub async fn send(&self, message: &Message, file_stem: &str) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message.clone()).await.map(|_| ()).map_err(|err| {
                if err.is_permanent() {
                    SendError::Permanent(err.to_string())
                } else if err.is_client() && has_non_ascii_address(message) {
                    // Domains are already punycode (compose.rs), so this is
                    // a local part like "åsa@": lettre refuses it before
                    // sending when the server lacks SMTPUTF8 (RFC 6531),
                    // and retrying the same server cannot help.
                    SendError::Permanent(format!(
                        "the address has characters outside ASCII before the @, and the SMTP \
                         server does not support SMTPUTF8 ({err})"
                    ))
                } else {
                    SendError::Temporary(err.to_string())
                }
            }),
            Transport::Files(dir) => {
                let path = dir.join(format!("{file_stem}.eml"));
                let partial = dir.join(format!(".{file_stem}.eml.partial"));
                let bytes = message.formatted();
                async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&partial, &bytes).await?;
                    tokio::fs::rename(&partial, &path).await
                }
                .await
                .map_err(|e| SendError::Temporary(format!("{}: {e}", path.display())))
            }
        }
    }
}
