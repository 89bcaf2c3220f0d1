//! The back-office under /admin. Routes are grouped by the least role they
//! need, and a layer on each group checks it; handlers take the
//! [`session::CurrentOrganiser`] the layer has read.
pub mod accounts;
pub mod api_tokens;
pub mod attendees;
pub mod auth;
pub mod checkin;
pub mod events;
pub mod invitations;
pub mod messages;
pub mod participants;
pub mod printing;
pub mod programme;
pub mod questions;
pub mod reminders;
pub mod session;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::db::entities::event;
use crate::db::events as event_queries;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::routes::state::AppState;

/// Every admin route, grouped by the least role it needs; each group's
/// layer checks the role (see [`session::require`]).
pub fn router(state: &AppState) -> Router<AppState> {
    let open = Router::new()
        .route("/admin/login", get(auth::login_page).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route(
            "/admin/setup/{token}",
            get(auth::setup_page).post(auth::setup),
        );
    let door = Router::new()
        // Door staff land on the events they can check in to.
        .route("/admin", get(events::dashboard))
        .route("/admin/events/{slug}/checkin", get(checkin::page))
        .route(
            "/admin/events/{slug}/registrations/{id}/checkin",
            post(attendees::check_in),
        )
        .route(
            "/admin/events/{slug}/registrations/{id}/undo-checkin",
            post(attendees::undo_check_in),
        )
        .route(
            "/admin/events/{slug}/items/{item}/registrations/{id}/{action}",
            post(programme::check_in),
        );
    let organiser = Router::new()
        .route("/admin/events/new", get(events::new_page))
        .route("/admin/events", post(events::create))
        .route("/admin/events/{slug}", get(events::overview))
        .route(
            "/admin/events/{slug}/edit",
            get(events::edit_page).post(events::edit),
        )
        .route("/admin/events/{slug}/publish", post(events::publish))
        .route("/admin/events/{slug}/close", post(events::close))
        .route(
            "/admin/events/{slug}/cancel",
            get(events::cancel_page).post(events::cancel),
        )
        .route("/admin/events/{slug}/duplicate", post(events::duplicate))
        .route("/admin/events/{slug}/emails", get(events::emails))
        .route("/admin/events/{slug}/programme", get(programme::page))
        .route("/admin/events/{slug}/print", get(printing::page))
        .route(
            "/admin/events/{slug}/badges.pdf",
            post(printing::badges_pdf),
        )
        .route(
            "/admin/events/{slug}/attendance.pdf",
            get(printing::attendance_pdf),
        )
        .route(
            "/admin/events/{slug}/questions",
            get(questions::page).post(questions::create),
        )
        .route(
            "/admin/events/{slug}/questions/remind",
            post(questions::remind),
        )
        .route(
            "/admin/events/{slug}/questions/{id}",
            post(questions::update),
        )
        .route(
            "/admin/events/{slug}/questions/{id}/delete",
            post(questions::delete),
        )
        .route(
            "/admin/events/{slug}/programme/{item}",
            post(programme::save_item),
        )
        .route(
            "/admin/events/{slug}/programme/{item}/{file}",
            get(programme::list),
        )
        .route(
            "/admin/events/{slug}/municipality-cap",
            post(programme::save_cap),
        )
        .route(
            "/admin/events/{slug}/registrations/{id}/substitute",
            get(attendees::substitute_page).post(attendees::substitute),
        )
        .route(
            "/admin/events/{slug}/registrations/{id}/choices",
            post(attendees::change_choices),
        )
        .route(
            "/admin/events/{slug}/registrations/{id}/answers",
            post(attendees::save_answers),
        )
        .route(
            "/admin/events/{slug}/purge",
            get(events::purge_page).post(events::purge),
        )
        .route(
            "/admin/events/{slug}/emails/{id}/retry",
            post(events::retry_email),
        )
        .route(
            "/admin/events/{slug}/attendees",
            get(attendees::table).post(attendees::add),
        )
        .route(
            "/admin/events/{slug}/attendees.csv",
            get(attendees::export_csv),
        )
        .route(
            "/admin/events/{slug}/attendees.xlsx",
            get(attendees::export_xlsx),
        )
        .route(
            "/admin/events/{slug}/registrations/{id}",
            get(attendees::edit_page).post(attendees::edit),
        )
        .route(
            "/admin/events/{slug}/registrations/{id}/{action}",
            post(attendees::act),
        )
        .route(
            "/admin/events/{slug}/invitations",
            get(invitations::page).post(invitations::paste),
        )
        .route(
            "/admin/events/{slug}/invitations/upload",
            post(invitations::upload),
        )
        .route(
            "/admin/events/{slug}/invitations/remind",
            post(invitations::remind),
        )
        .route(
            "/admin/events/{slug}/reminders",
            get(reminders::page).post(reminders::create),
        )
        .route(
            "/admin/events/{slug}/reminders/{id}/delete",
            post(reminders::delete),
        )
        .route(
            "/admin/events/{slug}/reminders/{id}/confirm",
            get(reminders::confirm_page).post(reminders::confirm),
        )
        .route(
            "/admin/events/{slug}/messages",
            get(messages::page).post(messages::send),
        )
        .route(
            "/admin/events/{slug}/messages/preview",
            post(messages::preview),
        )
        .route("/admin/events/{slug}/participants", get(participants::page))
        .route(
            "/admin/events/{slug}/participants.csv",
            get(participants::export_csv),
        )
        .route(
            "/admin/events/{slug}/participants.xlsx",
            get(participants::export_xlsx),
        )
        .route(
            "/admin/events/{slug}/participants.pdf",
            get(participants::export_pdf),
        );
    let admin = Router::new()
        .route(
            "/admin/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route("/admin/audit", get(accounts::audit))
        .route(
            "/admin/api-tokens",
            get(api_tokens::list).post(api_tokens::create),
        )
        .route("/admin/api-tokens/{id}/revoke", post(api_tokens::revoke));
    open.merge(session::require(state, Role::Checkin, door))
        .merge(session::require(state, Role::Organiser, organiser))
        .merge(session::require(state, Role::Admin, admin))
}

/// Any event by slug (the back-office sees drafts and invite-only events).
pub async fn event_by_slug(state: &AppState, slug: &str) -> Result<event::Model, AppError> {
    event_queries::find_by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)
}

/// `?done=` after an action: a catalogue key under `admin.done.`.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

impl Done {
    /// The notice text, if the key is one of ours.
    pub fn notice(&self, locale: crate::i18n::Locale) -> Option<String> {
        let key = self.done.as_deref()?;
        key.bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_')
            .then(|| locale.t(&format!("admin.done.{key}")))
    }
}
