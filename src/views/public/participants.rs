//! The participant list on a registrant's own page, and the consent box
//! on the registration form.
use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::domain::registration::{BOX_TICKED, PARTICIPANT_LIST_BOX};
use crate::i18n::Locale;
use crate::services::participants::Listed;

/// The form's box "show me on the participant list" (off by default).
pub fn consent_box(boxes: &BTreeMap<String, String>, locale: Locale) -> Markup {
    let ticked = boxes.get(PARTICIPANT_LIST_BOX).map(String::as_str) == Some(BOX_TICKED);
    html! {
        div class="field field-checkbox" {
            input type="checkbox" id=(PARTICIPANT_LIST_BOX) name=(PARTICIPANT_LIST_BOX) value=(BOX_TICKED) checked[ticked]
                aria-describedby="participant_list-hint";
            label for=(PARTICIPANT_LIST_BOX) { (locale.t("participants.consent_label")) }
            p class="hint" id="participant_list-hint" { (locale.t("participants.consent_hint")) }
        }
    }
}

/// The manage page's section: the consent, changeable, and for a confirmed
/// registrant the list itself.
pub fn section(
    path: &str,
    listed: bool,
    participants: Option<&[Listed]>,
    locale: Locale,
) -> Markup {
    html! {
        section aria-labelledby="participants-title" {
            h2 id="participants-title" { (locale.t("participants.title")) }
            p { (locale.t("participants.manage_intro")) }
            p class="status" {
                @if listed { (locale.t("participants.you_are_listed")) } @else { (locale.t("participants.you_are_not_listed")) }
            }
            form method="post" action={ (path) "/participant-list" } {
                @if listed {
                    input type="hidden" name="listed" value="no";
                    button type="submit" class="button-secondary" { (locale.t("participants.withdraw")) }
                } @else {
                    input type="hidden" name="listed" value=(BOX_TICKED);
                    button type="submit" class="button-secondary" { (locale.t("participants.agree")) }
                }
            }
            @if let Some(participants) = participants {
                (table(participants, locale))
                @if !participants.is_empty() {
                    p { a href={ (path) "/participants.pdf" } rel="noreferrer" { (locale.t("participants.pdf")) } }
                }
            }
        }
    }
}

/// The list as a table.
pub fn table(participants: &[Listed], locale: Locale) -> Markup {
    html! {
        @if participants.is_empty() {
            p { (locale.t("participants.empty")) }
        } @else {
            table class="data stacked participants" {
                caption { (locale.t("participants.caption").replace("%{count}", &participants.len().to_string())) }
                thead { tr {
                    th scope="col" { (locale.t("participants.name")) }
                    th scope="col" { (locale.t("participants.role")) }
                    th scope="col" { (locale.t("participants.affiliation")) }
                } }
                tbody { @for person in participants {
                    tr {
                        th scope="row" data-label=(locale.t("participants.name")) { bdi { (person.name) } }
                        td data-label=(locale.t("participants.role")) { bdi { (person.role_title) } }
                        td data-label=(locale.t("participants.affiliation")) { bdi { (person.affiliation) } }
                    }
                } }
            }
        }
    }
}
