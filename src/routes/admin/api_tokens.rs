//! API tokens (admins only): list, create, revoke. Every change is audited.
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::Done;
use super::session::CurrentOrganiser;
use crate::db::entities::organiser;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::api_tokens::{self, Scope};
use crate::views::admin::api_tokens::{self as view, TokenPage};

/// The longest token name.
const NAME_MAX: usize = 100;

async fn render(
    state: &AppState,
    who: &CurrentOrganiser,
    created: Option<(&str, &str)>,
    notice: Option<String>,
    name_error: Option<String>,
    name: &str,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let owners: std::collections::HashMap<_, _> = organiser::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.email))
        .collect();
    let tokens: Vec<_> = api_tokens::list(&state.db)
        .await?
        .into_iter()
        .map(|t| {
            let owner = owners.get(&t.organiser_id).cloned().unwrap_or_default();
            (t, owner)
        })
        .collect();
    let page = TokenPage {
        tokens: &tokens,
        created,
        notice,
        name_error,
        name,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/api-tokens`.
pub async fn list(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<Response, AppError> {
    let page = render(&state, &who, None, done.notice(locale), None, "", locale).await?;
    Ok(page.into_response())
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

/// `POST /admin/api-tokens`: the answer shows the secret this one time
/// (and is not cached); only its hash is kept.
pub async fn create(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    locale: Locale,
    Form(form): Form<NewToken>,
) -> Result<Response, AppError> {
    let name = form.name.trim();
    let error = if name.is_empty() {
        Some("admin.api_tokens.error.missing")
    } else if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        Some("admin.api_tokens.error.invalid")
    } else {
        None
    };
    if let Some(key) = error {
        let page = render(
            &state,
            &who,
            None,
            None,
            Some(locale.t(key)),
            &form.name,
            locale,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let scope = Scope::parse(&form.scope).unwrap_or(Scope::Read);
    let now = Utc::now();
    let created = api_tokens::create(&state.db, &who.account, name, scope, now).await?;
    let page = render(
        &state,
        &who,
        Some((name, &created.secret)),
        None,
        None,
        "",
        locale,
    )
    .await?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], page).into_response())
}

/// `POST /admin/api-tokens/{id}/revoke`.
pub async fn revoke(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(id): Path<uuid::Uuid>,
) -> Result<Response, AppError> {
    let now = Utc::now();
    api_tokens::revoke(&state.db, id, Some(&who.account), now)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to("/admin/api-tokens?done=token_revoked").into_response())
}
