//! anmalan: event and seminar registration for Nätverket för starka
//! industrikommuner. See README.md for the layout.
pub mod app;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod i18n;
pub mod mail;
pub mod pdf;
pub mod routes;
pub mod services;
pub mod views;

rust_i18n::i18n!("src/i18n", fallback = "sv");
