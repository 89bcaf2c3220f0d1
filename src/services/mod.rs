//! Use cases, each in one transaction that keeps a named invariant.
pub mod event_changes;
pub mod events;
pub mod manage;
pub mod register;
