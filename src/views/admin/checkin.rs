//! The door: a phone-friendly list to check people in. Works without
//! JavaScript: the search is a form, each tap a small POST.
use maud::{Markup, html};

use crate::db::entities::{event, registration};
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::views::admin::layout::admin_page;

/// The check-in page.
pub fn render(
    who: &CurrentOrganiser,
    event: &event::Model,
    q: &str,
    rows: &[registration::Model],
    arrived: u64,
    expected: u64,
    locale: Locale,
) -> Markup {
    let base = format!("/admin/events/{}", event.slug);
    let title = locale.t("admin.checkin.title");
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/checkin"),
        html! {
            h1 { (title) ": " (event.title) }
            p class="headline" role="status" { strong { (locale.t("admin.checkin.progress").replace("%{arrived}", &arrived.to_string()).replace("%{expected}", &expected.to_string())) } }
            form method="get" action={ (base) "/checkin" } role="search" class="checkin-search" {
                label for="q" { (locale.t("admin.checkin.search")) }
                input type="search" id="q" name="q" value=(q) autocomplete="off" autofocus;
                button type="submit" { (locale.t("admin.checkin.search_button")) }
            }
            ul class="checkin-list" {
                @for row in rows {
                    li {
                        // Each piece of user text in its own <bdi>, so that
                        // right-to-left text cannot reorder what follows it.
                        span class="who" { strong { bdi { (row.name) } } br; span class="hint" { bdi { (row.organisation.clone().or_else(|| row.municipality_code.clone()).unwrap_or_default()) } " · " bdi { (row.role_title) } } }
                        form method="post" action={ (base) "/registrations/" (row.id) (if row.checked_in_at.is_some() { "/undo-checkin" } else { "/checkin" }) } class="inline-form" {
                            input type="hidden" name="q" value=(q);
                            @if row.checked_in_at.is_some() {
                                button type="submit" class="button-secondary" aria-label={ (locale.t("admin.checkin.undo")) " " (row.name) } { "✓ " (locale.t("admin.checkin.arrived")) }
                            } @else {
                                button type="submit" aria-label={ (locale.t("admin.checkin.check")) " " (row.name) } { (locale.t("admin.checkin.check")) }
                            }
                        }
                    }
                }
            }
            p class="checkin-none" hidden[!rows.is_empty()] { (locale.t("admin.checkin.none")) }
        script src="/static/checkin.js" defer {}
        },
    )
}
