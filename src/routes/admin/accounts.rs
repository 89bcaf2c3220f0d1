//! Accounts and the audit log (admins only).
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;

use super::Done;
use super::auth::account_error_message;
use super::session::CurrentOrganiser;
use crate::db::entities::organiser;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::{accounts, audit};
use crate::views::admin::{accounts as view, emails};

/// `GET /admin/accounts`.
pub async fn list(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<Response, AppError> {
    let all = organiser::Entity::find()
        .order_by_asc(organiser::Column::Email)
        .all(&state.db)
        .await?;
    Ok(view::render(&who, &all, None, done.notice(locale).as_deref(), locale).into_response())
}

/// The new-account form.
#[derive(Debug, Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/accounts`.
pub async fn create(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    locale: Locale,
    Form(form): Form<NewAccount>,
) -> Result<Response, AppError> {
    let role = Role::parse(&form.role).unwrap_or(Role::Organiser);
    match accounts::create_by(
        &state.db,
        Some(&who.account),
        &form.email,
        &form.name,
        role,
        &form.password,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/accounts?done=account_created").into_response()),
        Err(accounts::AccountError::Db(err)) => Err(err.into()),
        Err(err) => {
            let all = organiser::Entity::find()
                .order_by_asc(organiser::Column::Email)
                .all(&state.db)
                .await?;
            let page = view::render(
                &who,
                &all,
                Some(&account_error_message(&err, locale)),
                None,
                locale,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `GET /admin/audit`.
pub async fn audit(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    locale: Locale,
) -> Result<Response, AppError> {
    let rows = audit::recent(&state.db, 500).await?;
    Ok(emails::audit(&who, &rows, locale).into_response())
}
