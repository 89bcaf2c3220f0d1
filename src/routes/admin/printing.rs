//! Printing: name badges and the attendance list as PDF.
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use super::attendees::download;
use super::event_by_slug;
use super::programme::member_names;
use super::session::CurrentOrganiser;
use crate::db::entities::event;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::pdf::badges::{self, Layout};
use crate::routes::state::AppState;
use crate::services::printing::{self, BadgeSelection};
use crate::services::registration::Organiser;
use crate::views::admin::printing as view;

async fn render(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    start_error: Option<(String, String)>,
    notice: Option<String>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let members = member_names(state).await?;
    let all = printing::plan(&state.db, event, &members, &BadgeSelection::default()).await?;
    let new_or_changed = printing::new_or_changed(&state.db, event, &members).await?;
    let page = view::PrintPage {
        event,
        confirmed: all.len(),
        new_or_changed,
        start_error,
        notice,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/events/{slug}/print`.
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    render(&state, &who, &event, None, None, locale).await
}

/// The badge form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct BadgeForm {
    #[serde(default)]
    layout: String,
    #[serde(default)]
    which: String,
    #[serde(default)]
    per_municipality: Option<String>,
    #[serde(default)]
    start: String,
    /// One registration's badge, printed again.
    #[serde(default)]
    registration: Option<uuid::Uuid>,
}

/// `POST /admin/events/{slug}/badges.pdf`: the badges as a PDF to print,
/// and a record of what was printed (so "only new or changed" knows).
pub async fn badges_pdf(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<BadgeForm>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let layout = Layout::parse(&form.layout).unwrap_or_default();
    let start = match form.start.trim() {
        "" => 1,
        text => match text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=layout.per_sheet()).contains(n))
        {
            Some(n) => n,
            None => {
                let message = locale
                    .t("print.error.start")
                    .replace("%{max}", &layout.per_sheet().to_string());
                let page = render(
                    &state,
                    &who,
                    &event,
                    Some((form.start.clone(), message)),
                    None,
                    locale,
                )
                .await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
    };
    let selection = BadgeSelection {
        only_new_or_changed: form.which == "new",
        registration: form.registration,
    };
    let members = member_names(&state).await?;
    let planned = printing::plan(&state.db, &event, &members, &selection).await?;
    if planned.is_empty() {
        let notice = Some(locale.t("print.nothing_new"));
        return Ok(render(&state, &who, &event, None, notice, locale)
            .await?
            .into_response());
    }
    let sheets = badges::sheets(
        planned.iter().map(|p| p.badge.clone()).collect(),
        layout,
        start,
        form.per_municipality.as_deref() == Some("yes"),
    );
    let title = format!("{}: {}", locale.t("print.badges"), event.title);
    let pdf = badges::render(title, locale.as_str(), layout, sheets)
        .await
        .map_err(AppError::Internal)?;
    let by = Organiser::in_back_office(&who.account);
    printing::record(&state.db, &event, &planned, by, Utc::now()).await?;
    Ok(download(
        "application/pdf",
        &format!("{slug}-namnbrickor.pdf"),
        Body::from(pdf),
    ))
}

/// `GET /admin/events/{slug}/attendance.pdf`: a list per day to sign.
pub async fn attendance_pdf(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let members = member_names(&state).await?;
    let groups = printing::attendance(&state.db, &event, &members).await?;
    let days = printing::days(&event);
    let list = view::attendance(&event, &days, &groups, locale);
    let by = Organiser::in_back_office(&who.account);
    crate::services::audit::record(
        &state.db,
        by.account,
        "print.attendance",
        &event.slug,
        &by.details(""),
        Utc::now(),
    )
    .await?;
    let pdf = crate::pdf::lists::render(list)
        .await
        .map_err(AppError::Internal)?;
    Ok(download(
        "application/pdf",
        &format!("{slug}-narvarolista.pdf"),
        Body::from(pdf),
    ))
}
