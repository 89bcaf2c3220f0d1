//! Who is logged in: the session cookie, read on every admin request, and
//! the role check each handler makes.
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use crate::domain::role::Role;
use crate::error::AppError;
use crate::routes::state::AppState;
use crate::services::accounts::{self, SessionLimits};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "anmalan_session";

pub use crate::services::accounts::CurrentOrganiser;

/// Lets the requests of `routes` through only for a logged-in organiser
/// whose role allows `needed`: others get 403, and the anonymous the login
/// page. Access is decided on the server, once per route group, and the
/// handlers find the organiser already read.
pub fn require(state: &AppState, needed: Role, routes: Router<AppState>) -> Router<AppState> {
    routes.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        move |who: CurrentOrganiser, mut request: Request, next: Next| async move {
            if !who.role.allows(needed) {
                return AppError::Forbidden.into_response();
            }
            request.extensions_mut().insert(who);
            next.run(request).await
        },
    ))
}

/// Reads a cookie by name.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    crate::routes::cookies::read(headers, name)
}

/// The `Set-Cookie` value for a session: HttpOnly, SameSite=Lax, and Secure
/// when the service is served over https.
pub fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> String {
    let secure = state.settings.server.base_url.scheme() == "https";
    crate::routes::cookies::set(SESSION_COOKIE, value, "/admin", max_age_secs, secure)
}

impl FromRequestParts<AppState> for CurrentOrganiser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(known) = parts.extensions.get::<CurrentOrganiser>() {
            return Ok(known.clone());
        }
        let to_login = || {
            let next = parts.uri.path();
            Redirect::to(&format!(
                "/admin/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let limits = SessionLimits {
            idle: state.settings.admin.session_idle,
            absolute: state.settings.admin.session_absolute,
        };
        let account = accounts::session_account(&state.db, &token, limits, Utc::now())
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        match account {
            Some(account) => {
                let role = account.role;
                Ok(Self { account, role })
            }
            None => Err(to_login()),
        }
    }
}
