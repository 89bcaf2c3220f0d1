//! Login, logout, and the first-run setup link.
use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::session::{SESSION_COOKIE, cookie, session_cookie};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::accounts::{self, AccountError, LoginOutcome};
use crate::views::admin::login;

/// `?next=` after login.
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: String,
}

/// Only local back-office paths are followed after login.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin") && !next.starts_with("//") && !next.contains("://") {
        next
    } else {
        "/admin"
    }
}

/// `GET /admin/login`.
pub async fn login_page(Query(next): Query<Next>, locale: Locale) -> impl IntoResponse {
    login::login(locale, "", &next.next, None)
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn with_session(state: &AppState, target: &str, token: &str) -> Response {
    let max_age = state.settings.admin.session_absolute.num_seconds();
    (
        [(header::SET_COOKIE, session_cookie(state, token, max_age))],
        Redirect::to(target),
    )
        .into_response()
}

/// `POST /admin/login`.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    locale: Locale,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    // The same client address as the rate limits: through a trusted proxy,
    // the forwarded one.
    let client = crate::routes::rate_limit::client_address(
        peer.ip(),
        &headers,
        &state.settings.rate_limit.trusted_proxies,
    );
    let outcome = accounts::login(
        &state.db,
        &form.email,
        &form.password,
        &client.to_string(),
        Utc::now(),
    )
    .await?;
    match outcome {
        LoginOutcome::LoggedIn(token) => Ok(with_session(
            &state,
            safe_next(&form.next),
            &token.as_link_part(),
        )),
        LoginOutcome::Refused => {
            let page = login::login(
                locale,
                &form.email,
                &form.next,
                Some(&locale.t("admin.login.refused")),
            );
            Ok((StatusCode::UNAUTHORIZED, page).into_response())
        }
        LoginOutcome::Throttled => {
            let page = login::login(
                locale,
                &form.email,
                &form.next,
                Some(&locale.t("admin.login.throttled")),
            );
            Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response())
        }
    }
}

/// `POST /admin/logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        accounts::logout(&state.db, &token).await?;
    }
    Ok((
        [(header::SET_COOKIE, session_cookie(&state, "", 0))],
        Redirect::to("/admin/login"),
    )
        .into_response())
}

/// `GET /admin/setup/{token}`.
pub async fn setup_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    if !accounts::setup_link_valid(&state.db, &token, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    Ok(login::setup(locale, &token, "", "", None).into_response())
}

/// The setup form.
#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/setup/{token}`: creates the first admin and logs in.
pub async fn setup(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    match accounts::complete_setup(
        &state.db,
        &token,
        &form.email,
        &form.name,
        &form.password,
        Utc::now(),
    )
    .await
    {
        Ok(Some(session)) => Ok(with_session(&state, "/admin", &session.as_link_part())),
        Ok(None) => Err(AppError::NotFound),
        Err(AccountError::Db(err)) => Err(err.into()),
        Err(err) => {
            let message = account_error_message(&err, locale);
            let page = login::setup(locale, &token, &form.name, &form.email, Some(&message));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The translated message for an account error.
pub fn account_error_message(err: &AccountError, locale: Locale) -> String {
    let key = match err {
        AccountError::InvalidEmail => "error.email.invalid",
        AccountError::MissingName => "error.name.missing",
        AccountError::WeakPassword => "admin.error.password",
        AccountError::Exists => "admin.error.account_exists",
        AccountError::Db(_) | AccountError::Hashing(_) => "error_page.server.body",
    };
    locale.t(key)
}
