//! Use cases, each in one transaction that keeps a named invariant.
pub mod events;
pub mod manage;
pub mod register;
