//! The door: a phone-friendly list to check people in. Works without
//! JavaScript: the search is a form, each tap a small POST.
use maud::{Markup, html};

use crate::db::entities::{event, registration};
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::views::admin::layout::admin_page;

/// One person at the door, and whether they have arrived (at the event, or
/// at the item checked in to).
pub struct DoorRow {
    pub registration: registration::Model,
    pub arrived: bool,
    /// Answers to the event's questions that are not sensitive, as
    /// (question, answer): sensitive ones never reach the door.
    pub answers: Vec<(String, String)>,
}

/// What the check-in page shows.
pub struct DoorPage<'a> {
    pub event: &'a event::Model,
    pub q: &'a str,
    pub rows: &'a [DoorRow],
    pub arrived: u64,
    pub expected: u64,
    /// The choosable items, to check in to one of them.
    pub items: &'a [(i32, String)],
    /// The item checked in to; the whole event when `None`.
    pub item: Option<i32>,
}

/// The check-in page.
pub fn render(who: &CurrentOrganiser, page: &DoorPage<'_>, locale: Locale) -> Markup {
    let event = page.event;
    let q = page.q;
    let base = format!("/admin/events/{}", event.slug);
    let title = locale.t("admin.checkin.title");
    let item_title = page
        .item
        .and_then(|id| page.items.iter().find(|(i, _)| *i == id))
        .map(|(_, title)| title.as_str());
    let tap = |row: &registration::Model, arrived: bool| -> String {
        let action = if arrived { "undo-checkin" } else { "checkin" };
        match page.item {
            Some(item) => format!("{base}/items/{item}/registrations/{}/{action}", row.id),
            None => format!("{base}/registrations/{}/{action}", row.id),
        }
    };
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/checkin"),
        html! {
            h1 { (title) ": " (event.title) @if let Some(item) = item_title { " – " (item) } }
            @if !page.items.is_empty() {
                nav aria-label=(locale.t("items.checkin_nav")) class="subnav" {
                    ul {
                        li { a href={ (base) "/checkin" } aria-current=[page.item.is_none().then_some("page")] { (locale.t("items.whole_event")) } }
                        @for (id, item) in page.items {
                            li { a href={ (base) "/checkin?item=" (id) } aria-current=[(page.item == Some(*id)).then_some("page")] { (item) } }
                        }
                    }
                }
            }
            p class="headline" role="status" { strong { (locale.t("admin.checkin.progress").replace("%{arrived}", &page.arrived.to_string()).replace("%{expected}", &page.expected.to_string())) } }
            form method="get" action={ (base) "/checkin" } role="search" class="checkin-search" {
                @if let Some(item) = page.item { input type="hidden" name="item" value=(item); }
                label for="q" { (locale.t("admin.checkin.search")) }
                input type="search" id="q" name="q" value=(q) autocomplete="off" autofocus;
                button type="submit" { (locale.t("admin.checkin.search_button")) }
            }
            ul class="checkin-list" {
                @for door in page.rows {
                    @let row = &door.registration;
                    li {
                        // Each piece of user text in its own <bdi>, so that
                        // right-to-left text cannot reorder what follows it.
                        span class="who" {
                            strong { bdi { (row.name) } } br; span class="hint" { bdi { (row.organisation.clone().or_else(|| row.municipality_code.clone()).unwrap_or_default()) } " · " bdi { (row.role_title) } }
                            @for (question, answer) in &door.answers {
                                br; span class="hint answer" { (question) ": " bdi { (answer) } }
                            }
                        }
                        form method="post" action=(tap(row, door.arrived)) class="inline-form" {
                            input type="hidden" name="q" value=(q);
                            @if door.arrived {
                                button type="submit" class="button-secondary" aria-label={ (locale.t("admin.checkin.undo")) " " (row.name) } { "✓ " (locale.t("admin.checkin.arrived")) }
                            } @else {
                                button type="submit" aria-label={ (locale.t("admin.checkin.check")) " " (row.name) } { (locale.t("admin.checkin.check")) }
                            }
                        }
                    }
                }
            }
            p class="checkin-none" hidden[!page.rows.is_empty()] { (locale.t("admin.checkin.none")) }
        script src="/static/checkin.js" defer {}
        },
    )
}
