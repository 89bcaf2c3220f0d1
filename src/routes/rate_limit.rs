//! Per-address limits on registration, login and the API: a fixed one-minute window
//! per (limit, client) in this instance's memory. Over the limit the answer
//! is 429 with `Retry-After` and a translated page. Behind a reverse proxy
//! the client is read from `X-Forwarded-For`, but only when the connection
//! comes from a configured trusted proxy.
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::routes::state::AppState;

const WINDOW: Duration = Duration::from_secs(60);

/// Per bucket and address: when the current window began, and the count.
type Windows = HashMap<(&'static str, IpAddr), (Instant, u32)>;

/// The counters of one instance.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts one request; `Err(seconds)` when over `limit` this minute.
    fn check(
        &self,
        bucket: &'static str,
        client: IpAddr,
        limit: u32,
        now: Instant,
    ) -> Result<(), u64> {
        if limit == 0 {
            return Ok(());
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry((bucket, client)).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            Err((WINDOW - now.duration_since(entry.0)).as_secs().max(1))
        } else {
            Ok(())
        }
    }
}

/// The client address: the TCP peer, or, when the peer is a trusted proxy,
/// the last address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// Applies the registration and login limits to their POST routes.
pub async fn limit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let settings = &state.settings.rate_limit;
    let post = request.method() == Method::POST;
    let (bucket, limit) = if path.starts_with("/api/") {
        ("api", settings.api_per_minute)
    } else if !post {
        return next.run(request).await;
    } else if path.starts_with("/events/")
        && (path.ends_with("/register") || path.ends_with("/delegation"))
        || path.starts_with("/i/")
        || path.starts_with("/d/") && path.ends_with("/add")
    {
        ("register", settings.registrations_per_minute)
    } else if path == "/admin/login" {
        ("login", settings.logins_per_minute)
    } else {
        return next.run(request).await;
    };
    let client = client_address(peer.ip(), request.headers(), &settings.trusted_proxies);
    match state
        .rate_limiter
        .check(bucket, client, limit, Instant::now())
    {
        Ok(()) => next.run(request).await,
        Err(retry_after) => {
            tracing::warn!(%client, bucket, "rate limited");
            let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_counts_per_client_and_resets() {
        let limiter = RateLimiter::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t = Instant::now();
        assert!(limiter.check("register", a, 2, t).is_ok());
        assert!(limiter.check("register", a, 2, t).is_ok());
        assert!(limiter.check("register", a, 2, t).is_err());
        assert!(limiter.check("register", b, 2, t).is_ok(), "per client");
        assert!(
            limiter.check("register", a, 2, t + WINDOW).is_ok(),
            "a new minute"
        );
        assert!(limiter.check("register", a, 0, t).is_ok(), "0 is off");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 203.0.113.7"),
        );
        assert_eq!(
            client_address(proxy, &headers, &[proxy]),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            client_address(stranger, &headers, &[proxy]),
            stranger,
            "spoofed header ignored"
        );
    }
}
