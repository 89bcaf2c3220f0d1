//! Calm error pages. They never show causes; those go to the log.
use axum::http::StatusCode;
use maud::{Markup, html};

use crate::i18n::Locale;
use crate::views::layout::{PageOptions, page};

/// The catalogue prefix for a status's page.
fn key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => "error_page.forbidden",
        404 => "error_page.not_found",
        408 => "error_page.timeout",
        413 => "error_page.too_large",
        429 => "error_page.too_many",
        503 => "error_page.unavailable",
        400..=499 => "error_page.bad_request",
        _ => "error_page.server",
    }
}

/// The page for an error status.
pub fn render(status: StatusCode, locale: Locale) -> Markup {
    let prefix = key(status);
    let title = locale.t(&format!("{prefix}.title"));
    page(
        locale,
        &title,
        "/",
        PageOptions { noindex: true },
        html! {
            h1 { (title) }
            p { (locale.t(&format!("{prefix}.body"))) }
            p { a href="/" { (locale.t("error_page.home")) } }
        },
    )
}
