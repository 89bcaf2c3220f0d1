//! `/privacy`: what is stored, why, and for how long.
use maud::{Markup, html};

use crate::i18n::Locale;
use crate::views::layout::{PageOptions, page};

/// The privacy notice, with the retention periods actually configured.
pub fn render(locale: Locale, rules: crate::config::PrivacySettings) -> Markup {
    let title = locale.t("privacy.title");
    page(
        locale,
        &title,
        "/privacy",
        PageOptions::default(),
        html! {
            h1 { (title) }
            h2 { (locale.t("privacy.what_title")) }
            p { (locale.t("privacy.what")) }
            h2 { (locale.t("privacy.why_title")) }
            p { (locale.t("privacy.why")) }
            h2 { (locale.t("privacy.how_long_title")) }
            p {
            (locale.t("privacy.how_long")
                .replace("%{needs_days}", &rules.erase_needs_after_days.to_string())
                .replace("%{anonymise_days}", &rules.anonymise_after_days.to_string()))
        }
            h2 { (locale.t("privacy.rights_title")) }
            p { (locale.t("privacy.rights")) }
        },
    )
}

/// `/tillganglighet`: the accessibility statement (tillgänglighetsredogörelse)
/// that Swedish public bodies must publish.
pub fn accessibility(locale: Locale) -> Markup {
    let title = locale.t("a11y.title");
    page(
        locale,
        &title,
        "/tillganglighet",
        PageOptions::default(),
        html! {
            h1 { (title) }
            p { (locale.t("a11y.intro")) }
            h2 { (locale.t("a11y.status_title")) }
            p { (locale.t("a11y.status")) }
            h2 { (locale.t("a11y.tested_title")) }
            p { (locale.t("a11y.tested")) }
            h2 { (locale.t("a11y.report_title")) }
            p { (locale.t("a11y.report")) }
            h2 { (locale.t("a11y.supervision_title")) }
            p { (locale.t("a11y.supervision")) }
        },
    )
}
