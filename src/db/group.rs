//! Group commit: one writer task per pool applies the pending jobs of one
//! kind in one write transaction, instead of one transaction each.
//!
//! Callers hand a [`Job`] to [`submit`] and wait for its own outcome. The
//! writer takes whatever is pending (up to [`MAX_BATCH`]), in arrival order
//! (stably sorted by [`Job::lock_order`], so that batches of two instances
//! on PostgreSQL take their row locks in one order), begins one transaction,
//! runs each job, commits once, and only then answers every caller: a job is
//! acknowledged only after its commit, and if the transaction cannot be
//! begun or committed, every caller of the batch gets the error (an
//! unavailable database stays "unavailable", so the caller answers 503).
//!
//! The jobs run one after another on one connection, so each sees the
//! writes of those before it (a capacity rule holds in order inside a
//! batch), and on SQLite writers of this process queue here instead of in
//! SQLite's busy handler. What the jobs of a transaction can do together
//! is done once: [`Job::prepare`] takes it before the first job (locks,
//! seats for the whole batch), each job gets it in turn ([`Job::Shared`]),
//! and [`Job::finish`] settles it before the commit.
//!
//! A batch runs first without savepoints (the common case: every job
//! succeeds, and a job costs only its own statements). If any job fails,
//! that attempt is rolled back and the batch runs again with each job in a
//! `SAVEPOINT`: a failing job is rolled back alone and its caller gets its
//! error, and a job whose error [`Job::retries_on`] is run once more in a
//! fresh savepoint. Nothing of the first attempt was acknowledged, so it is
//! as if it never happened.
//!
//! The writer owns a clone of the pool only while it has work: after
//! [`IDLE`] without a job it leaves, and the next job starts a new one.
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

/// The most jobs in one transaction.
pub const MAX_BATCH: usize = 64;
/// How long a writer waits for work before it leaves.
pub const IDLE: Duration = Duration::from_secs(1);

/// The future a job's run returns.
pub type Run<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 'a>>;

/// One unit of work for the writer, owning everything it needs.
pub trait Job: Send + Sync + 'static {
    /// What the caller gets back.
    type Output: Send + 'static;

    /// What the jobs of one transaction share: made by [`Job::prepare`],
    /// handed to each job in turn, and settled by [`Job::finish`] before
    /// the commit. A job run in a savepoint gets it back as it was before
    /// the job if the job is rolled back.
    type Shared: Clone + Send + Sync + 'static;

    /// Does the work inside `txn` (the batch's transaction or a savepoint
    /// in it), without committing. Must be repeatable: a run whose batch
    /// was rolled back is run again.
    fn run<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        shared: &'a mut Self::Shared,
    ) -> Run<'a, Self::Output>;

    /// Whether a run that failed with `err` is tried once more.
    fn retries_on(&self, _err: &DbErr) -> bool {
        false
    }

    /// Jobs of a batch run in arrival order, stably sorted by this key (on
    /// PostgreSQL: the first row a job locks, so that two batches lock rows
    /// in one order and cannot deadlock).
    fn lock_order(&self) -> i64 {
        0
    }

    /// Called once the job's batch has committed.
    fn committed(&self) {}

    /// Runs once at the start of each transaction of a batch, before its
    /// jobs (and outside their savepoints, so what it takes holds for all
    /// of them): the locks the batch's jobs need, and whatever they can
    /// take together, in a few statements instead of some for each job.
    fn prepare<'a>(txn: &'a DatabaseTransaction, jobs: &'a [&'a Self]) -> Run<'a, Self::Shared>
    where
        Self: Sized;

    /// Runs once after the last job of a transaction, before its commit:
    /// gives back what [`Job::prepare`] took and no job used.
    fn finish(txn: &DatabaseTransaction, shared: Self::Shared) -> Run<'_, ()>
    where
        Self: Sized;
}

struct Envelope<J: Job> {
    job: J,
    reply: oneshot::Sender<Result<J::Output, DbErr>>,
}

/// A writer, by pool and job type.
type Key = (usize, std::any::TypeId);

struct Entry {
    generation: u64,
    /// An `mpsc::UnboundedSender<Envelope<J>>` for the key's job type.
    sender: Box<dyn std::any::Any + Send>,
}

struct Registry {
    next_generation: u64,
    writers: HashMap<Key, Entry>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| {
    Mutex::new(Registry {
        next_generation: 0,
        writers: HashMap::new(),
    })
});

/// Identifies a pool while it lives (its shared connect options), or None
/// for a connection that is not a pool (a mock), which gets no writer.
fn pool_key(db: &DatabaseConnection) -> Option<usize> {
    use sea_orm::DatabaseConnectionType as Type;
    match &db.inner {
        Type::SqlxSqlitePoolConnection(_) => Some(std::sync::Arc::as_ptr(
            &db.get_sqlite_connection_pool().connect_options(),
        ) as usize),
        Type::SqlxPostgresPoolConnection(_) => Some(std::sync::Arc::as_ptr(
            &db.get_postgres_connection_pool().connect_options(),
        ) as usize),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Runs `job` in the pool's next batch and returns its outcome once the
/// batch has committed (or the error that stopped it).
pub async fn submit<J: Job>(db: &DatabaseConnection, job: J) -> Result<J::Output, DbErr> {
    let Some(pool) = pool_key(db) else {
        return apply_alone(db, job).await;
    };
    let (reply, answer) = oneshot::channel();
    let mut envelope = Envelope { job, reply };
    {
        let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        let key = (pool, std::any::TypeId::of::<J>());
        if let Some(entry) = registry.writers.get(&key)
            && let Some(sender) = entry
                .sender
                .downcast_ref::<mpsc::UnboundedSender<Envelope<J>>>()
        {
            match sender.send(envelope) {
                Ok(()) => {}
                // The writer is gone (its runtime ended): start another.
                Err(mpsc::error::SendError(back)) => {
                    envelope = back;
                    start(&mut registry, key, db, envelope);
                }
            }
        } else {
            start(&mut registry, key, db, envelope);
        }
    }
    answer.await.unwrap_or_else(|_| {
        Err(DbErr::Conn(RuntimeErr::Internal(
            "the writer stopped".into(),
        )))
    })
}

/// Starts a writer for `key` with `first` as its first job.
fn start<J: Job>(registry: &mut Registry, key: Key, db: &DatabaseConnection, first: Envelope<J>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    // Cannot fail: the receiver is right here.
    let _ = sender.send(first);
    registry.next_generation += 1;
    let generation = registry.next_generation;
    registry.writers.insert(
        key,
        Entry {
            generation,
            sender: Box::new(sender),
        },
    );
    tokio::spawn(write(db.clone(), key, generation, receiver));
}

/// The writer: batches until idle.
async fn write<J: Job>(
    db: DatabaseConnection,
    key: Key,
    generation: u64,
    mut receiver: mpsc::UnboundedReceiver<Envelope<J>>,
) {
    loop {
        let first = match tokio::time::timeout(IDLE, receiver.recv()).await {
            Ok(Some(envelope)) => envelope,
            Ok(None) => return,
            Err(_) => {
                // Idle: leave, unless a job came in meanwhile (jobs are sent
                // under the registry's lock, so none can slip in between).
                let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
                if receiver.is_empty() {
                    if registry
                        .writers
                        .get(&key)
                        .is_some_and(|entry| entry.generation == generation)
                    {
                        registry.writers.remove(&key);
                    }
                    return;
                }
                continue;
            }
        };
        let mut batch = Vec::with_capacity(MAX_BATCH.min(receiver.len() + 1));
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(envelope) => batch.push(envelope),
                Err(_) => break,
            }
        }
        run_batch(&db, batch).await;
    }
}

/// Applies one batch and answers its callers.
async fn run_batch<J: Job>(db: &DatabaseConnection, batch: Vec<Envelope<J>>) {
    let jobs: Vec<&J> = batch.iter().map(|envelope| &envelope.job).collect();
    let results = together(db, &jobs).await.unwrap_or_else(|err| {
        tracing::warn!(error = %err, jobs = jobs.len(), "a batch of writes was not written");
        jobs.iter().map(|_| Err(replicate(&err))).collect()
    });
    drop(jobs);
    for (envelope, result) in batch.into_iter().zip(results) {
        // The caller may have gone; its job stands.
        let _ = envelope.reply.send(result);
    }
}

/// Runs `jobs` as one batch, in order (stably sorted by their lock order),
/// in one transaction: each job's own result, in the given order, once the
/// transaction has committed; or the transaction's error, and nothing was
/// written. What the writer does with the jobs pending at one moment.
pub async fn together<J: Job>(
    db: &DatabaseConnection,
    jobs: &[&J],
) -> Result<Vec<Result<J::Output, DbErr>>, DbErr> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| jobs[i].lock_order());
    let sorted: Vec<&J> = order.iter().map(|&i| jobs[i]).collect();
    let results = apply(db, &sorted).await?;
    for job in &sorted {
        job.committed();
    }
    let mut slots: Vec<Option<Result<J::Output, DbErr>>> = jobs.iter().map(|_| None).collect();
    for (i, result) in order.into_iter().zip(results) {
        slots[i] = Some(result);
    }
    Ok(slots
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err(DbErr::Custom("a job was not run".into()))))
        .collect())
}

/// Runs the jobs in one transaction and commits it; the outer error is the
/// transaction's (nothing committed), the inner ones the jobs' own.
async fn apply<J: Job>(
    db: &DatabaseConnection,
    jobs: &[&J],
) -> Result<Vec<Result<J::Output, DbErr>>, DbErr> {
    let txn = super::begin_write(db).await?;
    let mut shared = J::prepare(&txn, jobs).await?;
    let mut outputs = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job.run(&txn, &mut shared).await {
            Ok(output) => outputs.push(Ok(output)),
            Err(_) => break,
        }
    }
    if outputs.len() == jobs.len() {
        J::finish(&txn, shared).await?;
        txn.commit().await?;
        return Ok(outputs);
    }
    // A job failed: forget this attempt and take each job on its own.
    txn.rollback().await?;
    drop(outputs);
    let txn = super::begin_write(db).await?;
    let mut shared = J::prepare(&txn, jobs).await?;
    let mut outputs = Vec::with_capacity(jobs.len());
    for job in jobs {
        outputs.push(in_savepoint(&txn, *job, &mut shared).await?);
    }
    J::finish(&txn, shared).await?;
    txn.commit().await?;
    Ok(outputs)
}

/// Runs one job in a savepoint of `txn`: rolled back alone if it fails
/// (with what it changed of `shared`), and once more if its error calls
/// for it.
async fn in_savepoint<J: Job>(
    txn: &DatabaseTransaction,
    job: &J,
    shared: &mut J::Shared,
) -> Result<Result<J::Output, DbErr>, DbErr> {
    let mut tried = false;
    loop {
        let savepoint = txn.begin().await?;
        let before = shared.clone();
        match job.run(&savepoint, shared).await {
            Ok(output) => {
                savepoint.commit().await?;
                return Ok(Ok(output));
            }
            Err(err) => {
                savepoint.rollback().await?;
                *shared = before;
                if !tried && job.retries_on(&err) {
                    tried = true;
                    continue;
                }
                return Ok(Err(err));
            }
        }
    }
}

/// A job on a connection that is not a pool: a batch of its own.
async fn apply_alone<J: Job>(db: &DatabaseConnection, job: J) -> Result<J::Output, DbErr> {
    together(db, &[&job])
        .await?
        .pop()
        .unwrap_or_else(|| Err(DbErr::Custom("the job was not run".into())))
}

/// The error of a whole batch, for each of its callers. The transaction
/// could not be begun, rolled back to a savepoint or committed: the
/// database did not take the writes, so every caller is told it is
/// unavailable (503 with Retry-After); nothing of the batch was kept.
fn replicate(err: &DbErr) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(format!(
        "the batch was not written: {err}"
    )))
}
