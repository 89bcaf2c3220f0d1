//! The one error type at the HTTP edge. A missing record becomes a 404 page;
//! a database that cannot be reached becomes 503 with `Retry-After`;
//! anything else is logged with its cause and shown as a calm 500 page. The
//! page itself is drawn by `routes::middleware::error_pages`, which knows the
//! visitor's language.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;

/// An error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The database cannot be reached just now: 503 with `Retry-After`.
    #[error("database unavailable: {0}")]
    Unavailable(DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a database error means for a request: the one classification the
/// HTML pages ([`AppError`]) and the JSON API (`routes::api::problem`) share.
#[derive(Debug)]
pub enum DbFailure {
    /// The record asked for does not exist: 404.
    NotFound,
    /// The database cannot be reached just now: 503 with `Retry-After`.
    Unavailable(DbErr),
    /// Anything else: logged, 500.
    Internal(DbErr),
}

impl From<DbErr> for DbFailure {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::RecordNotFound(_) => DbFailure::NotFound,
            other if crate::db::is_unavailable(&other) => DbFailure::Unavailable(other),
            other => DbFailure::Internal(other),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match DbFailure::from(err) {
            DbFailure::NotFound => AppError::NotFound,
            DbFailure::Unavailable(err) => AppError::Unavailable(err),
            DbFailure::Internal(err) => AppError::Internal(err.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND.into_response(),
            AppError::Forbidden => StatusCode::FORBIDDEN.into_response(),
            AppError::Unavailable(cause) => unavailable(&cause),
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, debug = ?cause, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// 503 with `Retry-After`: the page (or problem) says to try again shortly.
pub fn unavailable(cause: &DbErr) -> Response {
    tracing::warn!(error = %cause, "database unavailable");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "5")],
    )
        .into_response()
}
