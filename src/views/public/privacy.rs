//! `/privacy`: what is stored, why, and for how long.
use maud::{Markup, html};

use crate::i18n::Locale;
use crate::views::layout::{PageOptions, page};

pub use crate::domain::registration::NOTICE_VERSION;

/// SHA-256 of the notice's Swedish and English texts at [`NOTICE_VERSION`].
pub const NOTICE_FINGERPRINT: &str =
    "e3df2e04591b6aa2d72a2664e169641fb628138b482bca3a737014a8f613e158";

/// The notice's texts in both languages, in a fixed order.
pub fn notice_text() -> String {
    let keys = [
        "privacy.title",
        "privacy.what_title",
        "privacy.what",
        "privacy.why_title",
        "privacy.why",
        "privacy.how_long_title",
        "privacy.how_long",
        "privacy.rights_title",
        "privacy.rights",
    ];
    [Locale::Sv, Locale::En]
        .iter()
        .flat_map(|locale| keys.iter().map(move |key| locale.t(key)))
        .collect::<Vec<_>>()
        .join("\n")
}

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

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    #[test]
    fn the_notice_version_changes_with_its_text() {
        let fingerprint = hex::encode(Sha256::digest(super::notice_text().as_bytes()));
        assert_eq!(
            fingerprint,
            super::NOTICE_FINGERPRINT,
            "the privacy notice changed: set a new NOTICE_VERSION and this fingerprint"
        );
    }
}
