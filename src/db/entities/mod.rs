//! sea-orm entities, one per table, in the generated style. Behaviour lives in
//! `crate::db` and `crate::services`, not here.
pub mod answer;
pub mod answer_option;
pub mod api_token;
pub mod audit_entry;
pub mod badge_print;
pub mod delegation;
pub mod event;
pub mod form_submission;
pub mod invitation;
pub mod login_attempt;
pub mod manage_link;
pub mod municipality;
pub mod municipality_seat;
pub mod organiser;
pub mod organiser_message;
pub mod organiser_session;
pub mod outbox;
pub mod programme_item;
pub mod question;
pub mod question_option;
pub mod registration;
pub mod registration_choice;
pub mod reminder_rule;
pub mod setup_token;
pub mod sheet_download;
