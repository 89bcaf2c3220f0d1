//! Public pages: events, registration, the manage link, static pages.
pub mod calendar;
pub mod delegation;
pub mod events;
pub mod invitation;
pub mod manage;
pub mod page_cache;
pub mod pages;
pub mod register;
