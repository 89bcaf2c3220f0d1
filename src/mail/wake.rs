//! Waking the mail worker when a transaction that wrote to the outbox has
//! committed, so a message leaves at once instead of at the next poll.
//! Every worker of this process watches the same counter; workers of other
//! instances find the rows at their next poll.
use std::sync::LazyLock;

use sea_orm::{DatabaseTransaction, DbErr};
use tokio::sync::watch;

static WAKE: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// Commits a transaction that wrote outbox rows, then wakes the workers.
/// (Waking before the commit would let a worker look before the rows exist.)
pub async fn commit(txn: DatabaseTransaction) -> Result<(), DbErr> {
    txn.commit().await?;
    wake();
    Ok(())
}

/// Wakes the workers of this process.
pub fn wake() {
    WAKE.send_modify(|n| *n = n.wrapping_add(1));
}

/// What a worker waits on: it changes on every [`wake`].
pub fn subscribe() -> watch::Receiver<u64> {
    WAKE.subscribe()
}
