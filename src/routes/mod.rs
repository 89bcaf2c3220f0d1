//! HTTP only: every route is listed in [`router`]. Handlers extract input,
//! call one service function, and render one view.
pub mod admin;
pub mod api;
pub mod cookies;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod posted_form;
pub mod public;
pub mod rate_limit;
pub mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::routes::state::AppState;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A strict policy: no inline script or style; scripts, styles, images and
/// fetches only from our own origin (the one script is check-in search).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let settings = &state.settings.server;
    let token_pages = Router::new()
        .route(
            "/r/{token}",
            get(public::manage::show).post(public::manage::edit),
        )
        .route("/r/{token}/invite.ics", get(public::calendar::invite_ics))
        .route("/r/{token}/data.json", get(public::manage::data))
        .route(
            "/r/{token}/participants.pdf",
            get(public::manage::participants_pdf),
        )
        .route(
            "/r/{token}/choices",
            axum::routing::post(public::manage::change_choices),
        )
        .route(
            "/r/{token}/answers",
            axum::routing::post(public::manage::save_answers),
        )
        .route(
            "/r/{token}/participant-list",
            axum::routing::post(public::manage::participant_list),
        )
        .route(
            "/r/{token}/links/revoke",
            axum::routing::post(public::manage::revoke_links),
        )
        .route(
            "/r/{token}/delete",
            get(public::manage::confirm_delete).post(public::manage::delete),
        )
        .route(
            "/i/{token}",
            get(public::invitation::show).post(public::invitation::register),
        )
        .route(
            "/i/{token}/decline",
            axum::routing::post(public::invitation::decline),
        )
        .route(
            "/r/{token}/substitute",
            get(public::manage::substitute_page).post(public::manage::substitute),
        )
        .route(
            "/r/{token}/cancel",
            get(public::manage::confirm_cancel).post(public::manage::cancel),
        )
        .route("/d/{token}", get(public::delegation::show))
        .route(
            "/d/{token}/add",
            axum::routing::post(public::delegation::add),
        )
        .route(
            "/d/{token}/cancel/{id}",
            get(public::delegation::confirm_cancel).post(public::delegation::cancel),
        )
        // A secret link must not leak to other sites or into search engines.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex, nofollow"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    Router::new()
        .route("/", get(public::events::upcoming))
        .route("/events/{slug}", get(public::events::show))
        .route("/events/{slug}/event.ics", get(public::calendar::event_ics))
        .route("/calendar.ics", get(public::calendar::feed))
        .route(
            "/events/{slug}/register",
            axum::routing::post(public::register::submit),
        )
        .route(
            "/events/{slug}/delegation",
            get(public::delegation::form).post(public::delegation::submit),
        )
        .route("/privacy", get(public::pages::privacy))
        .route("/tillganglighet", get(public::pages::accessibility))
        .route("/static/app.css", get(public::pages::stylesheet))
        .route("/static/checkin.js", get(public::pages::checkin_script))
        .route("/static/questions.js", get(public::pages::questions_script))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::metrics))
        .route("/readyz", get(health::readyz))
        .merge(token_pages)
        .merge(admin::router(&state))
        .merge(api::router())
        .route_layer(axum::middleware::from_fn(metrics::track))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
        // Router::layer wraps: the last layer added is the outermost.
        .layer(axum::middleware::from_fn(middleware::remember_language))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::refuse_cross_site,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(middleware::error_pages))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(middleware::request_span))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .with_state(state)
}
