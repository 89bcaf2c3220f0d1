//! The programme choices and the diet, as form parts shared by the public
//! form, the invitation form and the manage page. Plain checkboxes and
//! radio buttons in fieldsets with legends: they work without JavaScript,
//! and each box names its item's time and the seats left.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};

use crate::db::entities::programme_item;
use crate::domain::choice::{Allergen, Diet, open_for_registrant};
use crate::domain::registration::{BOX_TICKED, Field, allergen_box, choice_box};
use crate::i18n::{Locale, format};
use crate::views::components::FormErrors;

/// When an item takes place, as one line: "6 april 13:00–16:00".
pub fn item_time(item: &programme_item::Model, tz: Tz, locale: Locale) -> String {
    format::item_time(item.starts_at, item.ends_at, tz, locale)
}

/// "12 seats left", "Full – you join the queue", or "No seat limit".
pub fn seats_text(item: &programme_item::Model, locale: Locale) -> String {
    match item.capacity {
        None => locale.t("field.seats_unlimited"),
        Some(capacity) if item.confirmed_count >= capacity => locale.t("field.seats_full"),
        Some(capacity) => locale
            .t("field.seats_left")
            .replace("%{count}", &(capacity - item.confirmed_count).to_string()),
    }
}

/// The choosable items as checkboxes. `boxes` holds what is ticked; an item
/// past its deadline is shown but cannot be changed here, unless
/// `by_organiser` (organisers may, and their change is flagged late).
pub fn choices_fieldset(
    programme: &[programme_item::Model],
    boxes: &BTreeMap<String, String>,
    errors: &FormErrors,
    tz: Tz,
    now: DateTime<Utc>,
    by_organiser: bool,
    locale: Locale,
) -> Markup {
    let offered: Vec<&programme_item::Model> =
        programme.iter().filter(|item| item.choosable).collect();
    let error = errors.for_field(Field::Choices, locale);
    let described = if error.is_some() {
        "choices-hint choices-error"
    } else {
        "choices-hint"
    };
    html! {
        @if !offered.is_empty() {
            fieldset id="choices" class={ "field choices" @if error.is_some() { " field-error" } } aria-describedby=(described) {
                legend { (locale.t("field.choices")) }
                p class="hint" id="choices-hint" { (locale.t("field.choices_hint")) }
                @if let Some(error) = &error {
                    p class="error-message" id="choices-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
                }
                @for item in offered {
                    @let name = choice_box(item.id);
                    @let ticked = boxes.get(&name).map(String::as_str) == Some(BOX_TICKED);
                    @let open = open_for_registrant(item.choice_deadline, now);
                    @let changeable = open || by_organiser;
                    @let detail_id = format!("{name}-detail");
                    div class="choice" {
                        input type="checkbox" id=(name) name=(name) value=(BOX_TICKED) checked[ticked] disabled[!changeable] aria-describedby=(detail_id);
                        label for=(name) { span class="choice-title" { (item.title) } " " span class="choice-time" { (item_time(item, tz, locale)) } }
                        p class="hint choice-detail" id=(detail_id) {
                            @if let Some(place) = &item.place { (place) ". " }
                            (seats_text(item, locale)) "."
                            @if let Some(deadline) = item.choice_deadline {
                                @let date = format::date_time(deadline, tz, locale);
                                " "
                                @if open { (locale.t("field.choice_deadline").replace("%{date}", &date)) "." }
                                @else { (locale.t("field.choice_closed").replace("%{date}", &date)) "." }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The structured diet: one kind of meal, and the allergens of Annex II.
pub fn diet_fieldset(
    diet: &str,
    boxes: &BTreeMap<String, String>,
    errors: &FormErrors,
    locale: Locale,
) -> Markup {
    let error = errors.for_field(Field::Diet, locale);
    html! {
        fieldset id="diet" class={ "field diet" @if error.is_some() { " field-error" } } aria-describedby="diet-hint" {
            legend { (locale.t("field.diet")) " " span class="optional" { (locale.t("form.optional")) } }
            p class="hint" id="diet-hint" { (locale.t("field.diet_hint")) }
            @if let Some(error) = &error {
                p class="error-message" id="diet-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
            }
            div class="choice" {
                input type="radio" id="diet-unsaid" name="diet" value="" checked[diet.is_empty()];
                label for="diet-unsaid" { (locale.t("field.diet_unsaid")) }
            }
            @for kind in Diet::ALL {
                @let id = format!("diet-{}", kind.as_str());
                div class="choice" {
                    input type="radio" id=(id) name="diet" value=(kind.as_str()) checked[diet == kind.as_str()];
                    label for=(id) { (locale.t(&kind.label_key())) }
                }
            }
        }
        fieldset id="allergens" class="field allergens" aria-describedby="allergens-hint" {
            legend { (locale.t("field.allergens")) " " span class="optional" { (locale.t("form.optional")) } }
            p class="hint" id="allergens-hint" { (locale.t("field.allergens_hint")) }
            div class="allergen-grid" {
                @for allergen in Allergen::ALL {
                    @let name = allergen_box(*allergen);
                    div class="choice" {
                        input type="checkbox" id=(name) name=(name) value=(BOX_TICKED) checked[boxes.get(&name).map(String::as_str) == Some(BOX_TICKED)];
                        label for=(name) { (locale.t(&allergen.label_key())) }
                    }
                }
            }
        }
    }
}
