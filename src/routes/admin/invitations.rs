//! Inviting people by pasted lines or an uploaded CSV, and reminders.
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::session::CurrentOrganiser;
use super::{Done, event_by_slug};
use crate::db::entities::event;
use crate::db::events as event_queries;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::invitations::{self, RejectedLine};
use crate::views::admin::invitations as view;

async fn render(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    pasted: &str,
    rejected: &[RejectedLine],
    notice: Option<String>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let list = invitations::list(&state.db, event.id).await?;
    let page = view::InvitationsPage {
        event,
        invitations: &list,
        pasted,
        rejected,
        notice,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/events/{slug}/invitations`.
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    render(&state, &who, &event, "", &[], done.notice(locale), locale).await
}

/// Invites the valid records; shows the invalid ones back with reasons,
/// keeping their text in the box so nothing is lost.
async fn invite_records(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    records: Vec<(usize, Vec<String>, String)>,
    locale: Locale,
) -> Result<Response, AppError> {
    let members = event_queries::member_municipalities(&state.db).await?;
    let (valid, mut rejected) =
        invitations::parse_records(records, |code| members.iter().any(|m| m.code == code));
    let (created, already) =
        invitations::invite(&state.db, event, valid, &who.account, Utc::now()).await?;
    rejected.extend(already);
    if rejected.is_empty() {
        return Ok(Redirect::to(&format!(
            "/admin/events/{}/invitations?done=invited",
            event.slug
        ))
        .into_response());
    }
    let kept: String = rejected
        .iter()
        .filter(|r| r.line > 0)
        .map(|r| r.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let notice = Some(
        locale
            .t("admin.done.invited_some")
            .replace("%{count}", &created.to_string()),
    );
    let page = render(state, who, event, &kept, &rejected, notice, locale).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The pasted lines.
#[derive(Debug, Deserialize)]
pub struct Pasted {
    #[serde(default)]
    lines: String,
}

/// `POST /admin/events/{slug}/invitations`.
pub async fn paste(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<Pasted>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    invite_records(
        &state,
        &who,
        &event,
        invitations::records_from_text(&form.lines),
        locale,
    )
    .await
}

/// `POST /admin/events/{slug}/invitations/upload` (multipart, field `file`).
pub async fn upload(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let mut bytes = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .to_vec();
        }
    }
    invite_records(
        &state,
        &who,
        &event,
        invitations::records_from_csv(&bytes),
        locale,
    )
    .await
}

/// `POST /admin/events/{slug}/invitations/remind`.
pub async fn remind(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    invitations::remind(&state.db, &event, &who.account, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/events/{slug}/invitations?done=reminded")).into_response())
}
