//! A short-lived cache of rendered public event pages.
//!
//! When a popular seminar opens, nearly every request is a GET of one event
//! page. The page is the same for everyone in a language except the form's
//! one-time submission key, so it is rendered once with a placeholder where
//! the key goes, kept for `server.page_cache_ms`, and each request only
//! joins the two halves around a fresh key. Seats left and the registration
//! window may therefore lag by that long; registering never uses the cache.
//! Each instance has its own cache, so there is nothing to invalidate
//! across instances: pages simply expire.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::i18n::Locale;

/// What the page is rendered with instead of a submission key.
pub const KEY_PLACEHOLDER: &str = "anmalan-submission-key-placeholder";

/// At most this many pages are kept; beyond it the cache starts over.
const MAX_PAGES: usize = 1000;

/// A rendered page, split where the submission key goes.
#[derive(Debug)]
pub struct SplitPage {
    before: String,
    after: String,
}

impl SplitPage {
    /// Splits a page rendered with [`KEY_PLACEHOLDER`]; None unless the
    /// placeholder occurs exactly once.
    pub fn new(page: &str) -> Option<Self> {
        let (before, after) = page.split_once(KEY_PLACEHOLDER)?;
        (!after.contains(KEY_PLACEHOLDER)).then(|| Self {
            before: before.to_owned(),
            after: after.to_owned(),
        })
    }

    /// The page with `key` in its form.
    pub fn with_key(&self, key: &str) -> String {
        let mut page = String::with_capacity(self.before.len() + key.len() + self.after.len());
        page.push_str(&self.before);
        page.push_str(key);
        page.push_str(&self.after);
        page
    }
}

type Entry = (Instant, Arc<SplitPage>);

/// The pages of one instance, by slug and language.
#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<(String, Locale), Entry>>,
}

impl PageCache {
    /// A page rendered less than `ttl` before `now`.
    pub fn get(
        &self,
        slug: &str,
        locale: Locale,
        ttl: Duration,
        now: Instant,
    ) -> Option<Arc<SplitPage>> {
        let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        let (at, page) = pages.get(&(slug.to_owned(), locale))?;
        (now.duration_since(*at) < ttl).then(|| page.clone())
    }

    /// Keeps a page rendered at `now`.
    pub fn put(&self, slug: &str, locale: Locale, page: Arc<SplitPage>, now: Instant) {
        let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.len() >= MAX_PAGES {
            pages.clear();
        }
        pages.insert((slug.to_owned(), locale), (now, page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_split_around_its_key_and_expires() {
        let page = SplitPage::new(&format!("<input value=\"{KEY_PLACEHOLDER}\">")).unwrap();
        assert_eq!(page.with_key("abc"), "<input value=\"abc\">");
        assert!(SplitPage::new("no key").is_none());
        assert!(SplitPage::new(&KEY_PLACEHOLDER.repeat(2)).is_none());

        let cache = PageCache::default();
        let t = Instant::now();
        let ttl = Duration::from_secs(1);
        cache.put("almedalen", Locale::Sv, Arc::new(page), t);
        assert!(cache.get("almedalen", Locale::Sv, ttl, t).is_some());
        assert!(
            cache.get("almedalen", Locale::En, ttl, t).is_none(),
            "per language"
        );
        assert!(
            cache.get("almedalen", Locale::Sv, ttl, t + ttl).is_none(),
            "expired"
        );
        assert!(
            cache
                .get("almedalen", Locale::Sv, Duration::ZERO, t)
                .is_none(),
            "off"
        );
    }
}
