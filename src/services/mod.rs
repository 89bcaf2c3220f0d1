//! Use cases, each in one transaction that keeps a named invariant.
pub mod accounts;
pub mod api_tokens;
pub mod attendees;
pub mod audit;
pub mod events;
pub mod exports;
pub mod invitations;
pub mod items;
pub mod messages;
pub mod participants;
pub mod printing;
pub mod questions;
pub mod registration;
pub mod reminders;
pub mod retention;
