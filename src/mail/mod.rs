//! Email: rows in the outbox table, written in the same transaction as the
//! change that causes them, and delivered later by a worker.
pub mod compose;
pub mod enqueue;
pub mod messages;
pub mod notices;
pub mod outbox;
pub mod transport;
pub mod wake;
pub mod worker;
