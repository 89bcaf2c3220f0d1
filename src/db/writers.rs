//! SQLite's one write connection per pool.
//!
//! SQLite lets one transaction write at a time. When every connection of a
//! pool may write, the writers that lose the race sleep in SQLite's busy
//! handler, in growing steps, and one that keeps coming back (the group
//! writer of [`super::group`] under load) can starve the others (the mail
//! worker's claims and receipts waited seconds). So [`super::connect`] opens
//! a second pool of one connection beside a SQLite file's pool, and
//! [`super::begin_write`] begins every write transaction on it: the writers
//! of this process queue for that connection in the order they came (sqlx's
//! pool hands connections out first come, first served), and reads go on
//! in parallel on the main pool (WAL). Other processes on the same file
//! (the CLI) still meet the busy handler, as before.
//!
//! The registry holds a weak reference to the main pool's connect options,
//! which live as long as the main pool: a write pool whose main pool is
//! gone is dropped at the next registration.
use std::sync::{Arc, LazyLock, Mutex, Weak};

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::sqlite::SqliteConnectOptions;

struct Entry {
    main: Weak<SqliteConnectOptions>,
    writer: DatabaseConnection,
}

static WRITERS: LazyLock<Mutex<Vec<Entry>>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// The main pool's connect options, which identify it while it lives.
fn options_of(db: &DatabaseConnection) -> Option<Arc<SqliteConnectOptions>> {
    match &db.inner {
        sea_orm::DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            Some(db.get_sqlite_connection_pool().connect_options())
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Makes `writer` the write connection of `main`, and forgets the write
/// pools of main pools that are gone.
pub fn register(main: &DatabaseConnection, writer: DatabaseConnection) {
    let Some(options) = options_of(main) else {
        return;
    };
    let mut writers = WRITERS.lock().unwrap_or_else(|e| e.into_inner());
    writers.retain(|entry| entry.main.strong_count() > 0);
    writers.push(Entry {
        main: Arc::downgrade(&options),
        writer,
    });
}

/// The write connection of `db`'s pool, if it has one (a SQLite file).
pub fn of(db: &DatabaseConnection) -> Option<DatabaseConnection> {
    let options = options_of(db)?;
    let writers = WRITERS.lock().unwrap_or_else(|e| e.into_inner());
    writers
        .iter()
        .find(|entry| std::ptr::eq(entry.main.as_ptr(), Arc::as_ptr(&options)))
        .map(|entry| entry.writer.clone())
}
