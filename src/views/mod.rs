//! HTML views (maud). Views are plain functions returning `Markup`; pages
//! compose one layout and small components.
pub mod admin;
pub mod choices;
pub mod components;
pub mod errors;
pub mod layout;
pub mod public;
pub mod questions;
pub mod substitute;
