//! A registration's life, in one place: it is made ([`register`]), edited,
//! cancelled and erased by the registrant ([`manage`]) or acted on by an
//! organiser ([`organiser`]). The seat rules ([`seats`]) and what each change
//! sends ([`announce`]) are each written once, here, and every caller (the
//! public form, the personal link, the back-office, the API, a change of the
//! event) goes through them.
//!
//! Each function that changes a registration runs in one transaction that
//! also writes its outbox row and, for an organiser's change, its audit
//! entry. Reading lists of registrations is `services::attendees`.
pub mod announce;
pub mod choices;
pub mod delegation;
pub mod manage;
pub mod organiser;
pub mod register;
pub mod seats;
pub mod substitute;

pub use crate::domain::choice::ChoiceLine;
pub use announce::{Change, Link};
pub use manage::{ChoicesChanged, Edited, Managed};
pub use organiser::{Action, ActionRefused, Organiser};
pub use register::{
    Delegated, RegisterOptions, RegisterOutcome, register, register_with, window_of,
};
pub use substitute::{HandedBy, Substituted, hand_over};
