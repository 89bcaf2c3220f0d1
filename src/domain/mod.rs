//! Pure types and rules, no I/O: what a valid registration is, what an event's
//! state allows, and how secrets in links are made.
pub mod choice;
pub mod delegation;
pub mod email;
pub mod event;
pub mod event_form;
pub mod question;
pub mod question_draft;
pub mod registration;
pub mod reminder;
pub mod reminder_form;
pub mod role;
pub mod status;
pub mod stored;
pub mod substitute;
pub mod token;
