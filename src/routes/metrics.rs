//! `/metrics` in Prometheus format: HTTP requests by route and status with
//! latency, registrations by outcome, and the outbox (depth, sends,
//! failures, delivery latency). Readable only from configured addresses or
//! with a bearer token.
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::ExposeSecret;

use crate::db::entities::outbox;
use crate::routes::state::AppState;

/// The process-wide recorder (a recorder can be installed once per process;
/// several app instances in one test process share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .install_recorder()
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle())
    })
}

/// Counts every request by its route pattern (not its path, which would
/// put tokens into labels) and status, and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

fn allowed(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    if state.settings.metrics.allow.contains(&peer.ip()) {
        return true;
    }
    let Some(token) = &state.settings.metrics.token else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| given.as_bytes() == token.expose_secret().as_bytes())
}

/// `GET /metrics`.
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&state, peer, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    // The outbox depth is read from the database at scrape time: every
    // instance writes to the same outbox.
    use crate::domain::status::OutboxStatus;
    for status in [
        OutboxStatus::Pending,
        OutboxStatus::Sending,
        OutboxStatus::Failed,
    ] {
        if let Ok(depth) = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(status))
            .count(&state.db)
            .await
        {
            metrics::gauge!("outbox_messages", "status" => status.as_str()).set(depth as f64);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}
