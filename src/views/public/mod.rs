//! Pages the public sees.
pub mod delegation;
pub mod event_page;
pub mod events;
pub mod manage;
pub mod participants;
pub mod privacy;
