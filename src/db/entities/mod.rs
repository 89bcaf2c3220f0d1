//! sea-orm entities, one per table, in the generated style. Behaviour lives in
//! `crate::db` and `crate::services`, not here.
pub mod event;
pub mod form_submission;
pub mod municipality;
pub mod outbox;
pub mod programme_item;
pub mod registration;
