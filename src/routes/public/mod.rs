//! Public pages: events, registration, the manage link, static pages.
pub mod calendar;
pub mod events;
pub mod manage;
pub mod pages;
pub mod register;
