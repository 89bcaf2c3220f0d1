//! `/admin/events/{slug}/programme`: the programme items' choice settings,
//! each item's seats, queue and lists, and the cap per municipality.
use std::collections::HashMap;

use maud::{Markup, html};

use crate::db::entities::{event, programme_item};
use crate::i18n::{Locale, format};
use crate::services::accounts::CurrentOrganiser;
use crate::services::items::{ItemRoster, affiliation};
use crate::views::admin::layout::admin_page;

/// What an item's settings form shows: as stored, or as typed with an
/// error.
#[derive(Debug, Clone, Default)]
pub struct ItemFormValues {
    pub choosable: bool,
    pub capacity: String,
    pub meal: bool,
    pub extra_covers: String,
    pub deadline: String,
}

impl ItemFormValues {
    /// The stored settings, with the deadline in the event's local time.
    pub fn from_item(item: &programme_item::Model, tz: chrono_tz::Tz) -> Self {
        Self {
            choosable: item.choosable,
            capacity: item.capacity.map(|c| c.to_string()).unwrap_or_default(),
            meal: item.is_meal,
            extra_covers: item.extra_covers.to_string(),
            deadline: item
                .choice_deadline
                .map(|d| d.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default(),
        }
    }
}

/// An item's form that came back with an error.
pub struct Rejected {
    pub item_id: i32,
    pub values: ItemFormValues,
    /// (field, translated message)
    pub error: (String, String),
}

/// Everything the page shows.
pub struct ProgrammePage<'a> {
    pub event: &'a event::Model,
    pub programme: &'a [programme_item::Model],
    pub rosters: &'a [ItemRoster],
    pub members: &'a HashMap<String, String>,
    pub notice: Option<String>,
    pub rejected: Option<Rejected>,
    /// The cap as typed, with an error, when it was refused.
    pub cap_error: Option<(String, String)>,
}

fn item_form(
    base: &str,
    item: &programme_item::Model,
    values: &ItemFormValues,
    error: Option<&(String, String)>,
    locale: Locale,
) -> Markup {
    let id = |field: &str| format!("item-{}-{field}", item.id);
    let error_for = |field: &str| error.filter(|(f, _)| f == field).map(|(_, m)| m.as_str());
    let number = |field: &str, label: String, hint: String, value: &str, min: &str| {
        let err = error_for(field);
        html! {
            div class={ "field" @if err.is_some() { " field-error" } } {
                label for=(id(field)) { (label) " " span class="optional" { (locale.t("form.optional")) } }
                p class="hint" id={ (id(field)) "-hint" } { (hint) }
                @if let Some(err) = err {
                    p class="error-message" id={ (id(field)) "-error" } { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (err) }
                }
                input type="number" min=(min) inputmode="numeric" id=(id(field)) name=(field) value=(value)
                    aria-describedby={ (id(field)) "-hint" @if err.is_some() { " " (id(field)) "-error" } }
                    aria-invalid=[err.map(|_| "true")];
            }
        }
    };
    let deadline_error = error_for("deadline");
    html! {
        form method="post" action={ (base) "/programme/" (item.id) } class="item-settings" {
            div class="choice" {
                input type="checkbox" id=(id("choosable")) name="choosable" value="yes" checked[values.choosable];
                label for=(id("choosable")) { (locale.t("items.choosable")) }
            }
            (number("capacity", locale.t("items.capacity"), locale.t("admin.event.capacity_hint"), &values.capacity, "0"))
            div class="choice" {
                input type="checkbox" id=(id("meal")) name="meal" value="yes" checked[values.meal];
                label for=(id("meal")) { (locale.t("items.meal")) }
            }
            (number("extra_covers", locale.t("items.extra_covers"), locale.t("items.extra_covers_hint"), &values.extra_covers, "0"))
            div class={ "field" @if deadline_error.is_some() { " field-error" } } {
                label for=(id("deadline")) { (locale.t("items.deadline")) " " span class="optional" { (locale.t("form.optional")) } }
                p class="hint" id={ (id("deadline")) "-hint" } { (locale.t("items.deadline_hint")) }
                @if let Some(err) = deadline_error {
                    p class="error-message" id={ (id("deadline")) "-error" } { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (err) }
                }
                input type="datetime-local" id=(id("deadline")) name="deadline" value=(values.deadline)
                    aria-describedby={ (id("deadline")) "-hint" @if deadline_error.is_some() { " " (id("deadline")) "-error" } }
                    aria-invalid=[deadline_error.map(|_| "true")];
            }
            button type="submit" { (locale.t("items.save")) span class="visually-hidden" { ": " (item.title) } }
        }
    }
}

fn roster_part(
    base: &str,
    roster: &ItemRoster,
    members: &HashMap<String, String>,
    locale: Locale,
) -> Markup {
    let item = &roster.item;
    let seats = match item.capacity {
        Some(capacity) => locale
            .t("items.seats_of")
            .replace("%{taken}", &item.confirmed_count.to_string())
            .replace("%{capacity}", &capacity.to_string()),
        None => locale
            .t("items.seats_unlimited")
            .replace("%{taken}", &item.confirmed_count.to_string()),
    };
    let lists = format!("{base}/programme/{}", item.id);
    html! {
        p class="headline" {
            strong { (seats) }
            " · " (locale.t("items.queued").replace("%{count}", &roster.queued.len().to_string()))
            " · " (locale.t("items.pending").replace("%{count}", &roster.pending.to_string()))
            " · " (locale.t("items.checked_in").replace("%{count}", &roster.checked_in.to_string()))
        }
        @if roster.over_capacity() {
            p class="notice notice-warning" { (locale.t("items.over_capacity")) }
        }
        ul class="downloads" {
            li { a href={ (lists) "/visitors.csv" } { (locale.t("items.visitors_csv")) span class="visually-hidden" { ": " (item.title) } } }
            li { a href={ (lists) "/visitors.xlsx" } { (locale.t("items.visitors_xlsx")) span class="visually-hidden" { ": " (item.title) } } }
            li { a href={ (lists) "/visitors.pdf" } { (locale.t("items.visitors_pdf")) span class="visually-hidden" { ": " (item.title) } } }
            @if item.is_meal {
                li { a href={ (lists) "/caterer.csv" } { (locale.t("items.caterer_csv")) span class="visually-hidden" { ": " (item.title) } } }
                li { a href={ (lists) "/caterer.xlsx" } { (locale.t("items.caterer_xlsx")) span class="visually-hidden" { ": " (item.title) } } }
                li { a href={ (lists) "/caterer.pdf" } { (locale.t("items.caterer_pdf")) span class="visually-hidden" { ": " (item.title) } } }
            }
        }
        @if !roster.queued.is_empty() {
            table class="data stacked" {
                caption { (locale.t("items.queue")) ": " (item.title) }
                thead { tr {
                    th scope="col" class="num" { (locale.t("admin.export.position")) }
                    th scope="col" { (locale.t("field.name")) }
                    th scope="col" { (locale.t("manage.affiliation")) }
                    th scope="col" { (locale.t("admin.attendees.actions")) }
                } }
                tbody {
                    @for person in &roster.queued {
                        tr {
                            td class="num" data-label=(locale.t("admin.export.position")) { (person.position.unwrap_or(0)) }
                            th scope="row" { bdi { (person.registration.name) } }
                            td data-label=(locale.t("manage.affiliation")) { bdi { (affiliation(&person.registration, members)) } }
                            td data-label=(locale.t("admin.attendees.actions")) {
                                a href={ (base) "/registrations/" (person.registration.id) } { (locale.t("items.move")) span class="visually-hidden" { ": " (person.registration.name) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page.
pub fn render(who: &CurrentOrganiser, page: &ProgrammePage<'_>, locale: Locale) -> Markup {
    let event = page.event;
    let base = format!("/admin/events/{}", event.slug);
    let tz = format::zone(&event.time_zone);
    let title = locale.t("items.title");
    let cap_value = page.cap_error.as_ref().map_or_else(
        || {
            event
                .municipality_cap
                .map(|c| c.to_string())
                .unwrap_or_default()
        },
        |(typed, _)| typed.clone(),
    );
    let cap_error = page.cap_error.as_ref().map(|(_, message)| message.as_str());
    admin_page(
        locale,
        Some(who),
        &format!("{title}: {}", event.title),
        &format!("{base}/programme"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            h1 { (title) }
            @if let Some(notice) = &page.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            @if page.rejected.is_some() || page.cap_error.is_some() {
                div class="error-summary" role="alert" tabindex="-1" {
                    h2 { (locale.t("form.error_summary")) }
                }
            }
            p { (locale.t("items.lead")) }
            section aria-labelledby="cap-title" {
                h2 id="cap-title" { (locale.t("items.cap_title")) }
                form method="post" action={ (base) "/municipality-cap" } {
                    div class={ "field" @if cap_error.is_some() { " field-error" } } {
                        label for="municipality_cap" { (locale.t("items.cap")) " " span class="optional" { (locale.t("form.optional")) } }
                        p class="hint" id="municipality_cap-hint" { (locale.t("items.cap_hint")) }
                        @if let Some(err) = cap_error {
                            p class="error-message" id="municipality_cap-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (err) }
                        }
                        input type="number" min="1" inputmode="numeric" id="municipality_cap" name="municipality_cap" value=(cap_value)
                            aria-describedby={ "municipality_cap-hint" @if cap_error.is_some() { " municipality_cap-error" } }
                            aria-invalid=[cap_error.map(|_| "true")];
                    }
                    button type="submit" { (locale.t("items.cap_save")) }
                }
            }
            @if page.programme.is_empty() {
                p { (locale.t("items.none")) }
            }
            @for item in page.programme {
                @let rejected = page.rejected.as_ref().filter(|r| r.item_id == item.id);
                @let values = rejected.map_or_else(|| ItemFormValues::from_item(item, tz), |r| r.values.clone());
                section class="programme-item" aria-labelledby={ "item-" (item.id) "-title" } {
                    h2 id={ "item-" (item.id) "-title" } { (item.title) }
                    p class="hint" { (format::item_time(item.starts_at, item.ends_at, tz, locale)) @if let Some(place) = &item.place { ", " (place) } }
                    @if let Some(roster) = page.rosters.iter().find(|r| r.item.id == item.id) {
                        (roster_part(&base, roster, page.members, locale))
                    }
                    details open[rejected.is_some()] {
                        summary { (locale.t("items.settings")) span class="visually-hidden" { ": " (item.title) } }
                        (item_form(&base, item, &values, rejected.map(|r| &r.error), locale))
                    }
                }
            }
        },
    )
}
