//! Persistence: connecting, migrating, and queries as plain functions taking
//! `&impl ConnectionTrait`, so they run inside or outside a transaction.
pub mod choices;
pub mod delegations;
pub mod entities;
pub mod events;
pub mod group;
pub mod questions;
pub mod registrations;

use std::str::FromStr;
use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{postgres::PgPoolOptions, sqlite::SqlitePoolOptions};
use sea_orm::{
    DatabaseBackend, DatabaseConnection, DbErr, SqlErr, SqlxPostgresConnector, SqlxSqliteConnector,
    TransactionOptions, TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::config::DatabaseSettings;

/// Opens a pool. A SQLite file is created if missing (with its folder), in
/// WAL mode with `synchronous=NORMAL`, a busy timeout and foreign keys on.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.url.expose_secret();
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else {
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect(url)
            .await?;
        Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// Begins a transaction that writes. On SQLite it starts `IMMEDIATE`, taking
/// the write lock at once: a deferred transaction that reads first and then
/// writes fails with SQLITE_BUSY when another writer got in between, instead
/// of waiting for the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether the error means the database cannot be reached right now (the
/// pool timed out, a connection broke, PostgreSQL is restarting), as
/// opposed to a fault in the request: the caller answers 503 and tries
/// nothing else.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e
            .as_ref()
        {
            Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
            // cannot_connect_now: PostgreSQL is stopping or starting.
            Error::Database(db) => db
                .code()
                .is_some_and(|code| matches!(code.as_ref(), "57P01" | "57P02" | "57P03")),
            _ => false,
        },
        _ => false,
    }
}

/// Whether the error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Whether the backend is PostgreSQL (row locks are meaningful there; on
/// SQLite the IMMEDIATE transaction already serialises writers).
pub fn is_postgres(db: &impl sea_orm::ConnectionTrait) -> bool {
    db.get_database_backend() == DatabaseBackend::Postgres
}

/// Writes a consistent copy of a SQLite database to `file` while it is in
/// use (`VACUUM INTO` reads one snapshot). PostgreSQL is backed up with
/// pg_dump instead.
pub async fn backup(db: &DatabaseConnection, file: &std::path::Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        db.get_database_backend() == DatabaseBackend::Sqlite,
        "anmalan backup copies SQLite databases; for PostgreSQL use pg_dump (see README)"
    );
    anyhow::ensure!(
        !file.exists(),
        "{} exists already; choose a new file",
        file.display()
    );
    let path = file
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path is not UTF-8"))?;
    let statement = sea_orm::Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    );
    sea_orm::ConnectionTrait::execute_raw(db, statement).await?;
    Ok(())
}

/// Checks that the database answers, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
