//! `/admin/events/{slug}/participants`: the participant list and its
//! exports.
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;

use super::attendees::download;
use super::event_by_slug;
use super::session::CurrentOrganiser;
use crate::error::AppError;
use crate::export::{table_csv, table_xlsx};
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::participants;
use crate::views::admin::participants as view;

/// `GET /admin/events/{slug}/participants`.
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let listed = participants::list(&state.db, event.id, &state.members).await?;
    Ok(view::render(&who, &event, &listed, locale))
}

async fn export(
    who: &CurrentOrganiser,
    state: &AppState,
    slug: &str,
    locale: Locale,
    xlsx: bool,
) -> Result<Response, AppError> {
    let event = event_by_slug(state, slug).await?;
    let listed =
        participants::for_export(&state.db, &event, &state.members, &who.account, Utc::now())
            .await?;
    let rows = view::rows(&listed, locale);
    let name = format!(
        "{slug}-{}",
        crate::domain::event_form::slugify(&locale.t("participants.title"))
    );
    if xlsx {
        let bytes = table_xlsx(&locale.t("participants.title"), &view::WIDTHS, &rows)
            .map_err(AppError::Internal)?;
        Ok(download(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{name}.xlsx"),
            Body::from(bytes),
        ))
    } else {
        let bytes = table_csv(&rows).map_err(AppError::Internal)?;
        Ok(download(
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
            Body::from(bytes),
        ))
    }
}

/// `GET /admin/events/{slug}/participants.csv`.
pub async fn export_csv(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    export(&who, &state, &slug, locale, false).await
}

/// `GET /admin/events/{slug}/participants.xlsx`.
pub async fn export_xlsx(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    export(&who, &state, &slug, locale, true).await
}

/// `GET /admin/events/{slug}/participants.pdf`.
pub async fn export_pdf(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let listed =
        participants::for_export(&state.db, &event, &state.members, &who.account, Utc::now())
            .await?;
    let list = crate::views::admin::printing::participants(&event, &listed, locale);
    let pdf = crate::pdf::lists::render(list)
        .await
        .map_err(AppError::Internal)?;
    Ok(download(
        "application/pdf",
        &format!("{slug}-deltagarlista.pdf"),
        Body::from(pdf),
    ))
}
