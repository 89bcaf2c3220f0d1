//! Errors of the JSON API as `application/problem+json` (RFC 9457), in the
//! caller's language (`Accept-Language`, Swedish by default).
//!
//! Handlers return [`ApiError`]. Anything else that fails under `/api/`
//! (an unknown path, a wrong method, a malformed body or query, the rate
//! limit, the body limit) is turned into a problem by
//! `routes::middleware::error_pages` through [`for_status`].
use crate::error::DbFailure;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::registration::FieldError;
use crate::i18n::Locale;

/// The media type of every API error.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem detail (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says
    /// it all.
    #[serde(rename = "type")]
    #[schema(example = "urn:anmalan:problem:validation")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One entry per invalid field, for `urn:anmalan:problem:validation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// What is wrong with one field of the request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's name in the request body.
    pub field: String,
    /// `missing`, `too_long` or `invalid`.
    pub code: String,
    /// A sentence for a person.
    pub detail: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// The catalogue key of a plain status.
fn status_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 | 415 => "media_type",
        408 => "timeout",
        413 => "too_large",
        422 => "validation",
        429 => "too_many",
        503 => "unavailable",
        _ if status.is_client_error() => "bad_request",
        _ => "server",
    }
}

/// A problem that only has a status. `detail` is what the framework said
/// about a malformed request, when there is something.
pub fn for_status(status: StatusCode, locale: Locale, detail: Option<String>) -> Problem {
    let key = status_key(status);
    Problem {
        kind: "about:blank".to_owned(),
        title: locale.t(&format!("api.problem.{key}.title")),
        status: status.as_u16(),
        detail: detail.or_else(|| Some(locale.t(&format!("api.problem.{key}.detail")))),
        errors: Vec::new(),
    }
}

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A plain status: 401, 403, 404 and the like.
    #[error("{0}")]
    Status(StatusCode),
    /// A problem with its own type and text.
    #[error("{}", .0.title)]
    Problem(Box<Problem>),
    /// The database cannot be reached just now: 503 with `Retry-After`.
    #[error("database unavailable: {0}")]
    Unavailable(sea_orm::DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        match DbFailure::from(err) {
            DbFailure::NotFound => ApiError::not_found(),
            DbFailure::Unavailable(err) => ApiError::Unavailable(err),
            DbFailure::Internal(err) => ApiError::Internal(err.into()),
        }
    }
}

impl ApiError {
    /// 404.
    pub fn not_found() -> Self {
        ApiError::Status(StatusCode::NOT_FOUND)
    }

    /// A problem of a named kind (`urn:anmalan:problem:<name>`), with the
    /// catalogue's `api.problem.<name>` title and detail.
    pub fn named(status: StatusCode, name: &str, locale: Locale) -> Self {
        ApiError::Problem(Box::new(Problem {
            kind: format!("urn:anmalan:problem:{name}"),
            title: locale.t(&format!("api.problem.{name}.title")),
            status: status.as_u16(),
            detail: Some(locale.t(&format!("api.problem.{name}.detail"))),
            errors: Vec::new(),
        }))
    }

    /// 422 with one entry per invalid field.
    pub fn invalid(errors: Vec<FieldProblem>, locale: Locale) -> Self {
        ApiError::Problem(Box::new(Problem {
            kind: "urn:anmalan:problem:validation".to_owned(),
            title: locale.t("api.problem.validation.title"),
            status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
            detail: Some(locale.t("api.problem.validation.detail")),
            errors,
        }))
    }
}

impl FieldProblem {
    /// A registration form's field error; the API's fields have the form's
    /// names.
    pub fn from_form(error: &FieldError, locale: Locale) -> Self {
        Self {
            field: error.field.id(),
            code: error.problem_code().to_owned(),
            detail: locale.t(&error.message_key()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            // The body is filled in by `error_pages`, which knows the language.
            ApiError::Status(status) => status.into_response(),
            ApiError::Problem(problem) => problem.into_response(),
            ApiError::Unavailable(cause) => crate::error::unavailable(&cause),
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, debug = ?cause, "api request failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}
