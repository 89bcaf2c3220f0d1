//! Static pages and the stylesheet.
use axum::http::header;
use axum::response::IntoResponse;
use maud::Markup;

use crate::i18n::Locale;
use crate::views::public::privacy;

/// `GET /privacy`.
pub async fn privacy(
    axum::extract::State(state): axum::extract::State<crate::routes::state::AppState>,
    locale: Locale,
) -> Markup {
    privacy::render(locale, state.settings.privacy)
}

/// `GET /tillganglighet`: the accessibility statement.
pub async fn accessibility(locale: Locale) -> Markup {
    privacy::accessibility(locale)
}

/// `GET /static/app.css`: compiled in, so the binary needs no asset folder.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../views/app.css"),
    )
}

/// `GET /static/checkin.js`: search-as-you-type on the check-in page.
pub async fn checkin_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../views/checkin.js"),
    )
}

/// `GET /static/questions.js`: hides follow-up questions whose condition is
/// unmet (the form works without it).
pub async fn questions_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../views/questions.js"),
    )
}
