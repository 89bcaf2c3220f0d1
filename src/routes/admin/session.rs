//! Who is logged in: the session cookie, read on every admin request, and
//! the role check each handler makes.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use crate::app::AppState;
use crate::db::entities::organiser;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::services::accounts::{self, SessionLimits};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "anmalan_session";

/// The logged-in organiser.
#[derive(Debug, Clone)]
pub struct CurrentOrganiser {
    pub account: organiser::Model,
    pub role: Role,
}

impl CurrentOrganiser {
    /// Refuses with 403 unless the role allows `needed`. Every admin handler
    /// calls this first, so access is decided on the server for each route.
    pub fn require(&self, needed: Role) -> Result<(), AppError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Reads a cookie by name.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// The `Set-Cookie` value for a session: HttpOnly, SameSite=Lax, and Secure
/// when the service is served over https.
pub fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> String {
    let secure = state.settings.server.base_url.scheme() == "https";
    format!(
        "{SESSION_COOKIE}={value}; Path=/admin; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

impl FromRequestParts<AppState> for CurrentOrganiser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
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
        let account = accounts::session_account(&state.db, token, limits, Utc::now())
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
