//! The JSON API under `/api/v1`, for organisers' other systems. Every call
//! carries an organiser API token (`Authorization: Bearer anm_…`), created by
//! an admin in the back-office; read-only tokens may only GET. Errors are
//! `application/problem+json`. The OpenAPI document at
//! `/api/v1/openapi.json` is generated from the handlers below.
pub mod events;
pub mod model;
pub mod problem;
pub mod registrations;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::entities::event;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::api_tokens::{self, ApiCaller, Scope};
use problem::ApiError;

/// Every API route, each declared once: `routes!` takes the path and the
/// method from the handler's `#[utoipa::path]`, and the OpenAPI document is
/// collected from the same declarations.
pub fn router() -> Router<AppState> {
    let (routes, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(events::list))
        .routes(routes!(events::get))
        .routes(routes!(events::municipalities))
        .routes(routes!(registrations::list, registrations::create))
        .routes(routes!(registrations::export_csv))
        .routes(routes!(registrations::get))
        .routes(routes!(registrations::cancel))
        .routes(routes!(registrations::substitute))
        .split_for_parts();
    let document = std::sync::Arc::new(document);
    routes.route(
        "/api/v1/openapi.json",
        get(move |state| openapi_json(state, document.clone())),
    )
}

/// The OpenAPI 3.1 document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "anmalan API",
        description = "Events and registrations of anmalan, for organisers' other systems. \
            Create a token in the back-office under API tokens (admins only) and send it as \
            `Authorization: Bearer anm_…`. Errors are RFC 9457 problem details in the \
            language of `Accept-Language` (Swedish by default)."
    ),
    components(schemas(model::SortKey, model::RegistrationState, model::Language)),
    modifiers(&BearerAuth),
    tags(
        (name = "events", description = "Events and their counts"),
        (name = "registrations", description = "Who is coming"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `GET /api/v1/openapi.json`: public, so tools can read it before they
/// have a token. The member municipalities' codes are added to the
/// document as the values `municipality` takes.
async fn openapi_json(
    axum::extract::State(state): axum::extract::State<AppState>,
    document: std::sync::Arc<utoipa::openapi::OpenApi>,
) -> Response {
    let mut doc = match serde_json::to_value(document.as_ref()) {
        Ok(doc) => doc,
        Err(err) => return ApiError::Internal(err.into()).into_response(),
    };
    let codes: Vec<serde_json::Value> = state
        .members
        .iter()
        .map(|m| m.code.as_str())
        .chain([crate::domain::registration::OTHER_ORGANISATION])
        .map(Into::into)
        .collect();
    if let Some(field) =
        doc.pointer_mut("/components/schemas/NewRegistration/properties/municipality")
    {
        field["enum"] = serde_json::Value::Array(codes);
    }
    Json(doc).into_response()
}

/// The caller of an API route, from its bearer token.
#[derive(Debug, Clone)]
pub struct ApiAuth(pub ApiCaller);

impl ApiAuth {
    /// Refuses with 403 unless the token may write.
    pub fn require_write(&self, locale: Locale) -> Result<(), ApiError> {
        if self.0.scope == Scope::ReadWrite {
            Ok(())
        } else {
            Err(ApiError::named(StatusCode::FORBIDDEN, "read_only", locale))
        }
    }
}

/// The bearer credentials of a request.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
}

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let unauthorized = || {
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"anmalan\""),
            );
            response
        };
        let Some(secret) = bearer(parts) else {
            return Err(unauthorized());
        };
        match api_tokens::authenticate(&state.db, secret, Utc::now()).await {
            Ok(Some(caller)) => Ok(ApiAuth(caller)),
            Ok(None) => Err(unauthorized()),
            Err(err) => Err(ApiError::from(err).into_response()),
        }
    }
}

/// Any event by slug: the API, like the back-office, sees drafts too.
async fn event_by_slug(state: &AppState, slug: &str) -> Result<event::Model, ApiError> {
    crate::db::events::find_by_slug(&state.db, slug)
        .await?
        .ok_or_else(ApiError::not_found)
}
