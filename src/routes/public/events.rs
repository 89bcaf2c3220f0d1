//! `/` and `/events/{slug}`.
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::response::Html;
use chrono::Utc;
use maud::Markup;

use crate::db::events;
use crate::domain::registration::RegistrationForm;
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::registration::window_of;
use crate::views::components::FormErrors;
use crate::views::public::{event_page, events as events_view};

use super::page_cache::{KEY_PLACEHOLDER, SplitPage};

/// `GET /`: upcoming public events.
pub async fn upcoming(State(state): State<AppState>, locale: Locale) -> Result<Markup, AppError> {
    let list = events::list_upcoming_public(&state.db, Utc::now()).await?;
    Ok(events_view::upcoming(&list, locale))
}

/// `GET /events/{slug}`: the event page with an empty form, from the page
/// cache when it was rendered moments ago (see `page_cache`).
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Html<String>, AppError> {
    let key = SubmissionKey::generate();
    let empty = (&RegistrationForm::default(), &FormErrors::default());
    let ttl = state.settings.server.page_cache;
    if !ttl.is_zero() {
        let now = Instant::now();
        if let Some(page) = state.event_pages.get(&slug, locale, ttl, now) {
            return Ok(Html(page.with_key(key.as_str())));
        }
        let page = render_event(&state, &slug, empty.0, empty.1, KEY_PLACEHOLDER, locale).await?;
        if let Some(split) = SplitPage::new(&page.into_string()) {
            let split = Arc::new(split);
            state.event_pages.put(&slug, locale, split.clone(), now);
            return Ok(Html(split.with_key(key.as_str())));
        }
        // Not expected: render the page for this request alone.
    }
    let page = render_event(&state, &slug, empty.0, empty.1, key.as_str(), locale).await?;
    Ok(Html(page.into_string()))
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
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    let members = &state.members;
    let host = event
        .host_municipality_code
        .as_deref()
        .and_then(|code| members.iter().find(|m| m.code == code))
        .map(|m| m.name.as_str());
    let view = event_page::EventPage {
        event: &event,
        programme: &programme,
        questions: &questions,
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
