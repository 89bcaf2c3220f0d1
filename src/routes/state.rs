//! What every handler can reach: settings, the database, and the routes'
//! own shared parts (rate limits, cached pages). Built by `app`.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState(Arc<App>);

/// The shared parts of the application.
pub struct App {
    pub settings: Settings,
    pub db: DatabaseConnection,
    /// The 19 member municipalities: written by a migration and never
    /// changed at run time, so read once at start instead of per request.
    pub members: Vec<crate::db::entities::municipality::Model>,
    /// Per-address request counters (see `rate_limit`).
    pub rate_limiter: super::rate_limit::RateLimiter,
    /// Rendered public event pages, reused briefly (see `public::page_cache`).
    pub event_pages: super::public::page_cache::PageCache,
}

impl AppState {
    /// Shares `app` with every handler.
    pub fn new(app: App) -> Self {
        Self(Arc::new(app))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
