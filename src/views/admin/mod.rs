//! Back-office pages under /admin.
pub mod accounts;
pub mod api_tokens;
pub mod attendees;
pub mod charts;
pub mod checkin;
pub mod dashboard;
pub mod emails;
pub mod event_form;
pub mod invitations;
pub mod layout;
pub mod login;
pub mod messages;
pub mod overview;
pub mod participants;
pub mod programme;
pub mod reminders;
pub mod sheets;
