//! The one page layout.
use maud::{DOCTYPE, Markup, html};

use crate::i18n::Locale;

/// Page-level options beyond the title and content.
#[derive(Default, Clone, Copy)]
pub struct PageOptions {
    /// Keep the page out of search engines (pages reached by a secret link);
    /// its links then carry `rel="noreferrer"` too, so the secret in the
    /// address never travels in a `Referer`, whatever the browser's policy.
    pub noindex: bool,
}

/// Wraps `content` in the site layout: skip link, header with the language
/// switch, main landmark, footer with the privacy notice.
pub fn page(
    locale: Locale,
    title: &str,
    path: &str,
    options: PageOptions,
    content: Markup,
) -> Markup {
    let rel = options.noindex.then_some("noreferrer");
    let nav = html! { li { a href="/" rel=[rel] { (locale.t("nav.home")) } } };
    page_with_nav(locale, title, path, options, nav, content)
}

/// The layout with the given menu items before the language switch.
pub fn page_with_nav(
    locale: Locale,
    title: &str,
    path: &str,
    options: PageOptions,
    nav_items: Markup,
    content: Markup,
) -> Markup {
    let other = locale.other();
    let rel = options.noindex.then_some("noreferrer");
    html! {
        (DOCTYPE)
        html lang=(locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if options.noindex {
                    meta name="robots" content="noindex, nofollow";
                }
                title { (title) " – " (locale.t("site.name")) }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                a class="skip-link" href="#main" { (locale.t("nav.skip")) }
                header class="site-header" {
                    a class="site-name" href="/" rel=[rel] { (locale.t("site.name")) }
                    nav aria-label=(locale.t("nav.label")) {
                        ul {
                            (nav_items)
                            li {
                                a href={ (path) "?lang=" (other.as_str()) } lang=(other.as_str()) hreflang=(other.as_str()) rel=[rel] {
                                    (other.t("nav.switch_to_this"))
                                }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    (content)
                }
                footer class="site-footer" {
                    p { (locale.t("site.footer")) }
                    ul class="footer-links" {
                        li { a href="/privacy" rel=[rel] { (locale.t("nav.privacy")) } }
                        li { a href="/tillganglighet" rel=[rel] { (locale.t("nav.accessibility")) } }
                    }
                }
            }
        }
    }
}
