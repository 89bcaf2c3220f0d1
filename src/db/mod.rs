//! Persistence: connecting, migrating, and queries as plain functions taking
//! `&impl ConnectionTrait`, so they run inside or outside a transaction.
pub mod choices;
pub mod delegations;
pub mod entities;
pub mod events;
pub mod group;
pub mod questions;
pub mod registrations;
pub mod seats;
pub mod writers;

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
        sqlite_without_memory_statistics();
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
            .after_connect(|conn, _| Box::pin(plans_ignore_bound_values(conn)))
            .connect_with(options.clone())
            .await?;
        let db = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        // An in-memory database is one per connection: no second pool.
        if !options.get_filename().as_os_str().is_empty() && !url.contains(":memory:") {
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .acquire_timeout(WRITE_QUEUE_TIMEOUT.max(settings.acquire_timeout))
                .idle_timeout(Some(Duration::from_secs(60)))
                .after_connect(|conn, _| Box::pin(plans_ignore_bound_values(conn)))
                .connect_lazy_with(options);
            writers::register(&db, SqlxSqliteConnector::from_sqlx_sqlite_pool(writer));
        }
        Ok(db)
    } else {
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect(url)
            .await?;
        Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
    }
}

/// Turns off SQLite's memory statistics, once, before the first SQLite
/// connection of the process opens (SQLite's own advice,
/// `SQLITE_DEFAULT_MEMSTATUS=0`). With them on, every allocation and free of
/// SQLite's takes one process-wide mutex, and sqlx frees each row's values
/// on a tokio worker while the connection's thread allocates the next row's:
/// the export of 100,000 rows spent a fifth of its time waiting for that
/// mutex. Nothing here reads the statistics. If SQLite was already in use
/// (a test that opened it otherwise first), the call is refused and the
/// statistics stay on; only speed depends on it.
fn sqlite_without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` may be called from any thread before
        // SQLite initialises; `Once` makes this the only call, and after
        // initialisation SQLite refuses it with SQLITE_MISUSE and changes
        // nothing. MEMSTATUS takes one int.
        let code = unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                std::ffi::c_int::from(0u8),
            )
        };
        if code != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(code, "SQLite memory statistics stay on");
        }
    });
}

/// Makes a SQLite connection plan its statements without looking at the
/// values bound to them (`SQLITE_DBCONFIG_ENABLE_QPSG`, the query planner
/// stability guarantee). Otherwise SQLite reads a bound `LIMIT` (sea-orm's
/// `one()` binds `LIMIT 1`) or a bound value compared with a partial
/// index's condition while it plans, and then has to plan the statement
/// again every time it is run with values bound anew, which sqlx does on
/// every run: a profile of the register load had 5% of the server's time
/// in `sqlite3Reprepare`. The one partial index (active addresses) is
/// matched by a condition written into the query's text instead
/// (`registrations::find_active_by_email`).
async fn plans_ignore_bound_values(
    conn: &mut sea_orm::sqlx::SqliteConnection,
) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    // SAFETY: the handle is this connection's, locked for us; QPSG takes
    // an int (1: on) and an optional int pointer for the new setting.
    let code = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            handle.as_raw_handle().as_ptr(),
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            std::ffi::c_int::from(1u8),
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if code != libsqlite3_sys::SQLITE_OK {
        tracing::debug!(code, "SQLite plans with bound values");
    }
    Ok(())
}

/// How long a SQLite writer may wait for its turn on the write connection:
/// as long as it used to wait in SQLite's busy handler.
const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// Begins a transaction that writes. On SQLite it starts `IMMEDIATE`, taking
/// the write lock at once: a deferred transaction that reads first and then
/// writes fails with SQLITE_BUSY when another writer got in between, instead
/// of waiting for the busy timeout.
///
/// On SQLite the transaction runs on the pool's one write connection (see
/// [`writers`]): the writers of this process queue for it in order, in the
/// process, instead of sleeping in SQLite's busy handler.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    let writer = writers::of(db);
    writer
        .as_ref()
        .unwrap_or(db)
        .begin_with_options(TransactionOptions {
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

/// Writes whose results nobody reads, sent to the database together, in
/// one round trip:
///
/// - on SQLite as one text of several statements, which sqlx runs in one
///   command to the connection's worker thread (binding the `?`
///   parameters in order), in order, stopping at the first error;
/// - on PostgreSQL as one statement, all but the last in a `WITH` (its
///   extended protocol takes one statement per command). The parts run in
///   one snapshot, in no set order, and fail or succeed together; foreign
///   keys are checked at the end of the statement, so a row may refer to
///   one inserted beside it. Only independent writes belong together.
///
/// Either way they run in the caller's transaction.
pub struct Together {
    backend: DatabaseBackend,
    statements: Vec<sea_orm::Statement>,
    /// Statements that read rows the others write.
    after: Vec<sea_orm::Statement>,
}

impl Together {
    pub fn new(db: &impl sea_orm::ConnectionTrait) -> Self {
        Self {
            backend: db.get_database_backend(),
            statements: Vec::new(),
            after: Vec::new(),
        }
    }

    /// Adds a statement (an insert, update or delete) to run later.
    pub fn push(&mut self, query: &impl sea_orm::QueryTrait) {
        self.statements.push(query.build(self.backend));
    }

    /// Adds a statement that reads rows the others write (an `INSERT …
    /// SELECT`, say): on SQLite it runs after them in the same text; on
    /// PostgreSQL, where the parts of one statement do not see each
    /// other's rows, in one more round trip after them.
    pub fn push_after(&mut self, statement: &impl sea_orm::StatementBuilder) {
        self.after.push(statement.build(&self.backend));
    }

    /// Runs every statement added.
    pub async fn run(self, db: &impl sea_orm::ConnectionTrait) -> Result<(), DbErr> {
        let backend = self.backend;
        let mut statements = self.statements;
        let after = self.after;
        if backend == DatabaseBackend::Postgres {
            Self::run_statements(db, backend, statements).await?;
            return Self::run_statements(db, backend, after).await;
        }
        statements.extend(after);
        Self::run_statements(db, backend, statements).await
    }

    /// Runs `statements` in one round trip.
    async fn run_statements(
        db: &impl sea_orm::ConnectionTrait,
        backend: DatabaseBackend,
        mut statements: Vec<sea_orm::Statement>,
    ) -> Result<(), DbErr> {
        let Some(last) = statements.pop() else {
            return Ok(());
        };
        if statements.is_empty() {
            db.execute_raw(last).await?;
            return Ok(());
        }
        let mut sql = String::new();
        let mut values = Vec::new();
        if backend == DatabaseBackend::Postgres {
            sql.push_str("WITH ");
            for (i, statement) in statements.into_iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("part{i} AS ("));
                renumber_into(&mut sql, statement.sql.trim(), values.len());
                sql.push(')');
                values.extend(statement.values.map(|v| v.0).unwrap_or_default());
            }
            sql.push(' ');
            renumber_into(&mut sql, last.sql.trim(), values.len());
            values.extend(last.values.map(|v| v.0).unwrap_or_default());
        } else {
            for statement in statements.into_iter().chain([last]) {
                sql.push_str(statement.sql.trim_end().trim_end_matches(';'));
                sql.push_str(";\n");
                values.extend(statement.values.map(|v| v.0).unwrap_or_default());
            }
        }
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend, sql, values,
        ))
        .await?;
        Ok(())
    }
}

/// Appends PostgreSQL's `sql` to `out` with its placeholders `$n` moved by
/// `offset` (the values of the statements before it). Values are always
/// bound, never written into the text, so every `$` and digits in a
/// statement built by sea-query is a placeholder.
fn renumber_into(out: &mut String, sql: &str, offset: usize) {
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_move_by_the_values_before_them() {
        let mut out = String::new();
        super::renumber_into(&mut out, "INSERT INTO t (a, b) VALUES ($1, $2) -- $", 3);
        assert_eq!(out, "INSERT INTO t (a, b) VALUES ($4, $5) -- $");
    }

    /// A pool on a new SQLite file in `dir`, through `connect`.
    async fn sqlite_in(dir: &tempfile::TempDir) -> sea_orm::DatabaseConnection {
        let settings = crate::config::DatabaseSettings {
            url: format!("sqlite:{}", dir.path().join("t.db").display()).into(),
            max_connections: 2,
            acquire_timeout: std::time::Duration::from_secs(5),
        };
        super::connect(&settings).await.unwrap()
    }

    /// Every SQLite connection of the process goes through `connect`, which
    /// turns the statistics off first: SQLite then counts no memory at all.
    #[tokio::test]
    async fn sqlite_counts_no_memory_so_its_allocations_take_no_lock() {
        use sea_orm::ConnectionTrait;
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(&dir).await;
        db.execute_unprepared("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x');")
            .await
            .unwrap();
        // SAFETY: reads a counter; callable at any time.
        let used = unsafe { libsqlite3_sys::sqlite3_memory_used() };
        assert_eq!(used, 0, "SQLite's memory statistics are on");
    }

    /// Every connection of a SQLite pool plans without bound values.
    #[tokio::test]
    async fn sqlite_plans_without_bound_values() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite_in(&dir).await;
        let mut conn = db.get_sqlite_connection_pool().acquire().await.unwrap();
        let mut handle = conn.lock_handle().await.unwrap();
        let mut on: std::ffi::c_int = -1;
        // SAFETY: reads the setting (-1: leave it) into `on`.
        let code = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                handle.as_raw_handle().as_ptr(),
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1 as std::ffi::c_int,
                &mut on as *mut std::ffi::c_int,
            )
        };
        assert_eq!(code, libsqlite3_sys::SQLITE_OK);
        assert_eq!(on, 1, "QPSG is off");
    }
}
