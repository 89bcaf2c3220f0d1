//! Request-wide behaviour: the visitor's language, the cross-site check,
//! request spans, and translated error pages.
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::i18n::Locale;
use crate::routes::state::AppState;

const LANGUAGE_COOKIE: &str = "lang";

fn query_language(query: Option<&str>) -> Option<Locale> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Locale::parse(&v))
}

fn cookie_language(headers: &HeaderMap) -> Option<Locale> {
    Locale::parse(&super::cookies::read(headers, LANGUAGE_COOKIE)?)
}

/// The visitor's language: `?lang=`, then the `lang` cookie set by the
/// language switch, then `Accept-Language`, then Swedish.
pub fn language_of(uri: &axum::http::Uri, headers: &HeaderMap) -> Locale {
    query_language(uri.query())
        .or_else(|| cookie_language(headers))
        .unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map_or(Locale::Sv, Locale::from_accept_language)
        })
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(language_of(&parts.uri, &parts.headers))
    }
}

/// Remembers a language chosen with `?lang=` in a cookie, so the choice
/// holds on the next pages and over form posts.
pub async fn remember_language(request: Request, next: Next) -> Response {
    let chosen = query_language(request.uri().query());
    let secure = request.uri().scheme_str() == Some("https");
    let mut response = next.run(request).await;
    if let Some(locale) = chosen {
        let year = 365 * 24 * 3600;
        let cookie = super::cookies::set(LANGUAGE_COOKIE, locale.as_str(), "/", year, secure);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Refuses state-changing requests from other sites (DESIGN.md "Cross-site
/// requests"). Browsers send `Sec-Fetch-Site` and `Origin` on form posts;
/// either one that points elsewhere is refused with 403. A request with
/// neither (curl, old clients) cannot have come from a page on another site.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers(), &state.settings.server.base_url) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            fetch_site = ?request.headers().get("sec-fetch-site"),
            "refused a cross-site request"
        );
        return StatusCode::FORBIDDEN.into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap, base_url: &url::Url) -> bool {
    // Sec-Fetch-Site is set by the browser itself and cannot be forged by a
    // page, so when present it decides. Origin is checked only for older
    // browsers that lack it: pages sent with Referrer-Policy: no-referrer
    // (our manage pages) make Chromium post "Origin: null" even to itself.
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let ours = base_url.origin().ascii_serialization();
    if origin == ours {
        return false;
    }
    // The same host the browser asked for (e.g. localhost vs 127.0.0.1 when
    // base_url names the other) is still the same origin.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (url::Url::parse(origin), host) {
        (Ok(origin), Some(host)) => {
            let origin_host = match origin.port() {
                Some(port) => format!("{}:{port}", origin.host_str().unwrap_or_default()),
                None => origin.host_str().unwrap_or_default().to_owned(),
            };
            origin_host != host
        }
        _ => true,
    }
}

/// Replaces the body of any error response that is not already a page with
/// a translated, calm error page (404, 413, 500, …); under `/api/` with a
/// translated `application/problem+json` instead.
pub async fn error_pages(request: Request, next: Next) -> Response {
    let locale = language_of(request.uri(), request.headers());
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if api {
        if content_type.starts_with(super::api::problem::PROBLEM_JSON) {
            return response;
        }
        let plain = content_type.starts_with("text/plain");
        let (mut parts, body) = response.into_parts();
        // The framework explains a malformed query or body in plain text;
        // that explanation is the problem's detail.
        let detail = if plain && status.is_client_error() {
            axum::body::to_bytes(body, 4096)
                .await
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .filter(|d| !d.is_empty())
        } else {
            None
        };
        let problem = super::api::problem::for_status(status, locale, detail).into_response();
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(super::api::problem::PROBLEM_JSON),
        );
        return Response::from_parts(parts, problem.into_body());
    }
    if content_type.starts_with("text/html") {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let page = crate::views::errors::render(status, locale).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, page.into_body())
}

/// The tracing span of a request, carrying its request id.
pub fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn cross_site_posts_are_recognised() {
        let base = url::Url::parse("https://anmalan.example.org").unwrap();
        assert!(!is_cross_site(&headers(&[]), &base));
        assert!(!is_cross_site(
            &headers(&[("origin", "https://anmalan.example.org")]),
            &base
        ));
        assert!(!is_cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &base
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &base
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            &base
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "https://evil.example")]),
            &base
        ));
        assert!(is_cross_site(&headers(&[("origin", "null")]), &base));
        assert!(!is_cross_site(
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("host", "localhost:3000")
            ]),
            &base
        ));
    }
}
