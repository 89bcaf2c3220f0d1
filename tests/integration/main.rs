//! Integration tests: the real server on port 0, each test with its own
//! database (a temporary SQLite file, or a fresh PostgreSQL database when
//! TEST_DATABASE_URL is set).
mod common;

mod accessibility;
mod admin_access;
mod admin_events;
mod admin_exports;
mod admin_flow;
mod api;
mod browser_journeys;
mod calendar_downloads;
mod choices;
mod choices_admin;
mod choices_browser;
mod cli_and_config;
mod concurrency;
mod database_outage;
mod delegations;
mod delegations_browser;
mod event_week_pages;
mod layout;
mod mail;
mod mail_addresses;
mod mail_faults;
mod mail_injection;
mod mail_snapshots;
mod messages;
mod metrics;
mod participants;
mod printing;
mod privacy;
mod public_flow;
mod questions;
mod questions_browser;
mod questions_exports;
mod register_batch;
mod reminders;
mod safety;
mod scale_out;
mod substitutes;
mod substitutes_browser;
mod test_command;
mod validation;
mod writes;
