//! The command line: `serve` (the default), `migrate`, `event`, `demo`,
//! `organiser`, `api-token`, `backup`, `outbox`.
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::app::Application;
use crate::config::{Settings, redacted_url};
use crate::db;
use crate::domain::role::{Role, TokenScope as Scope};
use crate::mail::outbox;
use crate::services::accounts;
use crate::services::events;

/// Event and seminar registration for Nätverket för starka industrikommuner.
#[derive(Debug, Parser)]
#[command(name = "anmalan", version, about)]
pub struct Cli {
    /// Folder holding default.toml and <APP_ENV>.toml.
    #[arg(
        long,
        env = "ANMALAN_CONFIG_DIR",
        default_value = "config",
        global = true
    )]
    pub config_dir: PathBuf,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage events.
    Event {
        #[command(subcommand)]
        command: EventCommand,
    },
    /// Load two example events: a network meeting in Luleå and the Almedalen
    /// seminar in Visby, dated in the future.
    Demo,
    /// Manage organiser accounts.
    Organiser {
        #[command(subcommand)]
        command: OrganiserCommand,
    },
    /// Manage API tokens (see README, "JSON API").
    ApiToken {
        #[command(subcommand)]
        command: ApiTokenCommand,
    },
    /// Copy the SQLite database, consistently and while it is in use, to FILE
    /// (`VACUUM INTO`). For PostgreSQL use pg_dump (see README).
    Backup { file: PathBuf },
    /// List emails not yet sent (pending, sending, failed).
    Outbox {
        /// Make every failed email due again.
        #[arg(long)]
        retry_failed: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrganiserCommand {
    /// Add an account. The password is read from standard input (or asked
    /// for at a prompt), never from the command line.
    Add {
        email: String,
        /// admin, organiser or checkin.
        #[arg(long, default_value_t = Role::Organiser)]
        role: Role,
        /// Display name; defaults to the part of the email before @.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiTokenCommand {
    /// Create a token for an admin account and print its secret (shown only
    /// now; only its hash is stored).
    Create {
        /// The admin account the token acts for.
        #[arg(long)]
        account: String,
        /// Which system uses the token.
        #[arg(long)]
        name: String,
        /// read or read-write.
        #[arg(long, default_value_t = Scope::Read)]
        scope: Scope,
    },
    /// List tokens.
    List,
    /// Revoke a token by id.
    Revoke { id: uuid::Uuid },
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Create or update an event from a TOML file (see config/event.example.toml).
    Import { file: PathBuf },
    /// Erase an event's personal data now: anonymise its registrations,
    /// delete its invitations and emails (counts and times stay).
    Purge { slug: String },
}

/// Reads a password: at a hidden prompt on a terminal, else the first line
/// of standard input (for scripts: `echo "$PW" | anmalan organiser add …`).
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    anyhow::ensure!(!password.is_empty(), "no password given on standard input");
    Ok(password)
}

fn init_tracing(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if settings.log.json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Runs the command line; returns the process exit code.
pub async fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config_dir) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("anmalan: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(&settings);
    match execute(cli.command.unwrap_or(Command::Serve), settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "failed");
            eprintln!("anmalan: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => Application::build(settings).await?.run().await,
        Command::Migrate => {
            tracing::info!(database = %redacted_url(&settings.database.url), "migrating");
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Event {
            command: EventCommand::Import { file },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let spec = events::parse_spec(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let outcome = events::import(&conn, &spec).await?;
            println!(
                "{} event {} ({})",
                outcome,
                spec.slug,
                settings
                    .server
                    .base_url
                    .join(&format!("events/{}", spec.slug))?
            );
            Ok(())
        }
        Command::Organiser {
            command: OrganiserCommand::Add { email, role, name },
        } => {
            let password = read_password()?;
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let account =
                accounts::create(&conn, &email, &name, role, &password, chrono::Utc::now()).await?;
            println!("added {} ({})", account.email, account.role);
            Ok(())
        }
        Command::ApiToken { command } => api_token(command, &settings).await,
        Command::Backup { file } => {
            let conn = db::connect(&settings.database).await?;
            db::backup(&conn, &file).await?;
            println!("backed up to {}", file.display());
            Ok(())
        }
        Command::Outbox { retry_failed } => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            if retry_failed {
                let count = outbox::retry_failed(&conn, chrono::Utc::now()).await?;
                println!("{count} failed email(s) queued again");
            }
            let rows = outbox::unsent(&conn).await?;
            if rows.is_empty() {
                println!("no unsent emails");
            }
            for row in rows {
                println!(
                    "{status:<8} {kind:<16} {to:<32} attempts={attempts} created={created} next={next}{error}",
                    status = row.status,
                    kind = row.kind,
                    to = row.recipient,
                    attempts = row.attempts,
                    created = row.created_at.format("%Y-%m-%d %H:%M:%S"),
                    next = row.next_attempt_at.format("%Y-%m-%d %H:%M:%S"),
                    error = row
                        .last_error
                        .map(|e| format!(" error={e:?}"))
                        .unwrap_or_default(),
                );
            }
            Ok(())
        }
        Command::Event {
            command: EventCommand::Purge { slug },
        } => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let event = crate::db::events::find_by_slug(&conn, &slug)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no event with the slug {slug:?}"))?;
            let report =
                crate::services::retention::purge_event(&conn, event.id, None, chrono::Utc::now())
                    .await?;
            println!(
                "purged {slug}: {} registrations anonymised, {} invitations and {} emails deleted",
                report.anonymised, report.invitations_deleted, report.emails_deleted
            );
            Ok(())
        }
        Command::Demo => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let today = chrono::Utc::now().date_naive();
            for slug in events::load_demo(&conn, today).await? {
                println!(
                    "loaded {}",
                    settings.server.base_url.join(&format!("events/{slug}"))?
                );
            }
            Ok(())
        }
    }
}

async fn api_token(command: ApiTokenCommand, settings: &Settings) -> anyhow::Result<()> {
    use crate::services::api_tokens;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let conn = db::connect(&settings.database).await?;
    db::migrate(&conn).await?;
    let now = chrono::Utc::now();
    match command {
        ApiTokenCommand::Create {
            account,
            name,
            scope,
        } => {
            anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
            let owner = crate::db::entities::organiser::Entity::find()
                .filter(
                    crate::db::entities::organiser::Column::Email
                        .eq(crate::domain::email::lookup_form(&account)),
                )
                .one(&conn)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no account {account:?}"))?;
            anyhow::ensure!(
                owner.role == Role::Admin,
                "API tokens belong to admin accounts; {account} is {}",
                owner.role
            );
            let created = api_tokens::create(&conn, &owner, &name, scope, now).await?;
            println!("{}", created.secret);
        }
        ApiTokenCommand::List => {
            for token in api_tokens::list(&conn).await? {
                println!(
                    "{id} {scope:<10} {state:<8} {name}",
                    id = token.id,
                    scope = token.scope,
                    state = if token.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    },
                    name = token.name,
                );
            }
        }
        ApiTokenCommand::Revoke { id } => {
            let revoked = api_tokens::revoke(&conn, id, None, now)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no active token {id}"))?;
            println!("revoked {}", revoked.name);
        }
    }
    Ok(())
}
