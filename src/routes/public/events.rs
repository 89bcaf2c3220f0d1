//! `/` and `/events/{slug}`.
use axum::extract::{Path, State};
use chrono::Utc;
use maud::Markup;

use crate::app::AppState;
use crate::db::events;
use crate::domain::registration::RegistrationForm;
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::services::register::window_of;
use crate::views::components::FormErrors;
use crate::views::public::{event_page, events as events_view};

/// `GET /`: upcoming public events.
pub async fn upcoming(State(state): State<AppState>, locale: Locale) -> Result<Markup, AppError> {
    let list = events::list_upcoming_public(&state.db, Utc::now()).await?;
    Ok(events_view::upcoming(&list, locale))
}

/// `GET /events/{slug}`: the event page with an empty form.
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let key = SubmissionKey::generate();
    render_event(
        &state,
        &slug,
        &RegistrationForm::default(),
        &FormErrors::default(),
        key.as_str(),
        locale,
    )
    .await
}

/// Renders the event page with a form in the given state (empty, or as
/// submitted with its errors).
pub async fn render_event(
    state: &AppState,
    slug: &str,
    form: &RegistrationForm,
    errors: &FormErrors,
    submission_key: &str,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = events::find_public_by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = format!("/events/{slug}/register");
    render_event_page(
        state,
        &event,
        form,
        errors,
        submission_key,
        action,
        None,
        locale,
    )
    .await
}

/// Renders an event page for a known event, posting to `form_action`.
#[allow(clippy::too_many_arguments)]
pub async fn render_event_page(
    state: &AppState,
    event: &crate::db::entities::event::Model,
    form: &RegistrationForm,
    errors: &FormErrors,
    submission_key: &str,
    form_action: String,
    invitation: Option<event_page::InvitationView>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = event.clone();
    let programme = events::programme(&state.db, event.id).await?;
    let members = &state.members;
    let host = event
        .host_municipality_code
        .as_deref()
        .and_then(|code| members.iter().find(|m| m.code == code))
        .map(|m| m.name.as_str());
    let view = event_page::EventPage {
        event: &event,
        programme: &programme,
        host,
        members,
        window: window_of(&event, Utc::now()),
        form,
        errors,
        submission_key,
        base_url: &state.settings.server.base_url,
        form_action,
        invitation,
    };
    Ok(event_page::render(&view, locale))
}
