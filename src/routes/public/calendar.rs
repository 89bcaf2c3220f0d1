//! Calendar downloads: the registrant's own invite, the public event, and
//! the subscribable feed of upcoming public events.
use crate::domain::event::{EventStatus, RegistrationStatus};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::calendar::{self, CalendarMethod, Invite};
use crate::db::events;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::registration::manage;

fn ics_response(body: String, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The public URL of an event page.
pub fn event_url(state: &AppState, slug: &str) -> String {
    state
        .settings
        .server
        .base_url
        .join(&format!("events/{slug}"))
        .map(String::from)
        .unwrap_or_default()
}

/// `GET /events/{slug}/event.ics`: PUBLISH, without attendees.
pub async fn event_ics(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let event = events::find_public_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let host = calendar::uid_host(&state.settings.server.base_url);
    let body = calendar::publish(&event, &host, event_url(&state, &slug), Utc::now());
    Ok(ics_response(body, &format!("{slug}.ics")))
}

/// `GET /calendar.ics`: every upcoming public event, refreshed hourly.
pub async fn feed(State(state): State<AppState>, locale: Locale) -> Result<Response, AppError> {
    let upcoming = events::list_upcoming_public(&state.db, Utc::now()).await?;
    let with_urls: Vec<_> = upcoming
        .into_iter()
        .map(|event| {
            let url = event_url(&state, &event.slug);
            (event, url)
        })
        .collect();
    let host = calendar::uid_host(&state.settings.server.base_url);
    let body = calendar::feed(&locale.t("site.name"), &with_urls, &host, Utc::now());
    Ok(ics_response(body, "anmalan.ics"))
}

/// `GET /r/{token}/invite.ics`: the registrant's own invite at its current
/// SEQUENCE, the same UID as in the emails; a CANCEL once cancelled.
pub async fn invite_ics(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let managed = manage::open(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let method = match managed.registration.status {
        RegistrationStatus::Confirmed if managed.event.status != EventStatus::Cancelled => {
            CalendarMethod::Request
        }
        RegistrationStatus::Waitlisted => return Err(AppError::NotFound),
        _ => CalendarMethod::Cancel,
    };
    let locale = Locale::parse(&managed.registration.locale).unwrap_or_default();
    let manage_url = state
        .settings
        .server
        .base_url
        .join(&format!("r/{token}"))
        .map(String::from)
        .unwrap_or_default();
    let host = calendar::uid_host(&state.settings.server.base_url);
    let invite = Invite {
        event: &managed.event,
        registration: &managed.registration,
        method,
        sequence: managed.registration.calendar_sequence,
        uid_host: &host,
        event_url: event_url(&state, &managed.event.slug),
        description: format!(
            "{}\n\n{}: {manage_url}",
            managed.event.summary,
            locale.t("mail.manage_link")
        ),
    };
    Ok(ics_response(
        calendar::invite(&invite, Utc::now()),
        "invite.ics",
    ))
}
