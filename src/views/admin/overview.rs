//! `/admin/events/{slug}`: one event's status, actions and who is coming
//! from which member municipality.
use crate::domain::event::EventStatus;
use maud::{Markup, html};

use crate::db::entities::event;
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::i18n::format;
use crate::services::accounts::CurrentOrganiser;
use crate::services::attendees::{MunicipalityLine, StatusCounts};
use crate::views::admin::layout::{admin_page, counts};

/// Everything the overview shows.
pub struct Overview<'a> {
    pub event: &'a event::Model,
    pub counts: &'a StatusCounts,
    pub municipalities: &'a [MunicipalityLine],
    pub notice: Option<String>,
    /// Registrations (not cancelled) per local day, oldest first.
    pub per_day: &'a [(String, u64)],
    /// The choosable programme items (id, title), a column each.
    pub items: &'a [(i32, String)],
    /// Seats held per member municipality and item.
    pub item_counts: &'a std::collections::HashMap<String, std::collections::BTreeMap<i32, u64>>,
}

fn post_button(action: &str, label: &str, class: &str) -> Markup {
    html! {
        form method="post" action=(action) class="inline-form" {
            button type="submit" class=(class) { (label) }
        }
    }
}

/// The event overview.
pub fn render(who: &CurrentOrganiser, view: &Overview<'_>, locale: Locale) -> Markup {
    let event = view.event;
    let base = format!("/admin/events/{}", event.slug);
    let tz = format::zone(&event.time_zone);
    let represented = view
        .municipalities
        .iter()
        .filter(|m| m.represented())
        .count();
    let missing: Vec<&MunicipalityLine> = view
        .municipalities
        .iter()
        .filter(|m| !m.represented())
        .collect();
    let organiser = who.role.allows(Role::Organiser);
    admin_page(
        locale,
        Some(who),
        &event.title,
        &base,
        html! {
            @if let Some(notice) = &view.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            p class="kind" { (locale.t(&format!("event.kind.{}", event.kind))) " · " (locale.t(&format!("admin.event_status.{}", event.status))) " · " (locale.t(&format!("admin.visibility.{}", event.visibility))) }
            h1 { (event.title) }
            p { (format::span(event.starts_at, event.ends_at, tz, locale)) ", " (event.venue_name) }
            nav aria-label=(locale.t("admin.event.sections")) class="subnav" {
                ul {
                    @if organiser {
                        li { a href={ (base) "/attendees" } { (locale.t("admin.attendees.title")) } }
                        li { a href={ (base) "/invitations" } { (locale.t("admin.invite.title")) } }
                        li { a href={ (base) "/programme" } { (locale.t("items.title")) } }
                        li { a href={ (base) "/print" } { (locale.t("print.title")) } }
                        li { a href={ (base) "/questions" } { (locale.t("questions.title")) } }
                        li { a href={ (base) "/reminders" } { (locale.t("reminders.title")) } }
                        li { a href={ (base) "/messages" } { (locale.t("messages.title")) } }
                        li { a href={ (base) "/participants" } { (locale.t("participants.nav")) } }
                        li { a href={ (base) "/emails" } { (locale.t("admin.emails")) } }
                        li { a href={ (base) "/edit" } { (locale.t("admin.event.edit")) } }
                    }
                    li { a href={ (base) "/checkin" } { (locale.t("admin.checkin.title")) } }
                    li { a href={ "/events/" (event.slug) } { (locale.t("admin.event.public_page")) } }
                }
            }
            @if organiser {
                div class="actions" {
                    @if event.status != EventStatus::Published && event.status != EventStatus::Cancelled { (post_button(&format!("{base}/publish"), &locale.t("admin.event.publish"), "")) }
                    @if event.status == EventStatus::Published { (post_button(&format!("{base}/close"), &locale.t("admin.event.close"), "button-secondary")) }
                    (post_button(&format!("{base}/duplicate"), &locale.t("admin.event.duplicate"), "button-secondary"))
                    @if event.status != EventStatus::Cancelled { a class="button button-warning" href={ (base) "/cancel" } { (locale.t("admin.event.cancel")) } }
                a class="button button-secondary" href={ (base) "/purge" } { (locale.t("admin.event.purge")) }
                }
            }
            (counts(&[
                (locale.t("admin.count.confirmed"), view.counts.confirmed.to_string()),
                (locale.t("admin.count.waitlisted"), view.counts.waitlisted.to_string()),
                (locale.t("admin.count.cancelled"), view.counts.cancelled.to_string()),
                (locale.t("admin.count.left"), event.capacity.map_or_else(|| "–".to_owned(), |c| (c - event.confirmed_count).max(0).to_string())),
                (locale.t("admin.count.checked_in"), view.counts.checked_in.to_string()),
            ]))
            h2 { (locale.t("admin.chart.per_day")) }
        (super::charts::per_day(view.per_day, locale))
        h2 { (locale.t("admin.municipalities.title")) }
            p class="headline" { strong { (locale.t("admin.municipalities.represented").replace("%{count}", &represented.to_string()).replace("%{total}", &view.municipalities.len().to_string())) } }
            @if !missing.is_empty() {
                p { (locale.t("admin.municipalities.missing")) " " (missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")) }
            }
            (super::charts::municipalities(view.municipalities, locale))
            table class="data stacked" {
                thead { tr {
                    th scope="col" { (locale.t("field.municipality")) }
                    th scope="col" class="num" { (locale.t("admin.count.confirmed")) }
                    th scope="col" class="num" { (locale.t("admin.count.waitlisted")) }
                    th scope="col" class="num" { (locale.t("admin.count.invited_unanswered")) }
                    @for (_, title) in view.items {
                        th scope="col" class="num" { (title) }
                    }
                } }
                tbody {
                    @for line in view.municipalities {
                        @let chosen = view.item_counts.get(&line.code);
                        tr {
                            th scope="row" { (line.name) " " span class="code" { "(" (line.code) ")" } }
                            td class="num" data-label=(locale.t("admin.count.confirmed")) { (line.confirmed) }
                            td class="num" data-label=(locale.t("admin.count.waitlisted")) { (line.waitlisted) }
                            td class="num" data-label=(locale.t("admin.count.invited_unanswered")) { (line.invited_unanswered) }
                            @for (id, title) in view.items {
                                td class="num" data-label=(title) { (chosen.and_then(|c| c.get(id)).copied().unwrap_or(0)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The confirmation step before cancelling an event.
pub fn confirm_cancel(
    who: &CurrentOrganiser,
    event: &event::Model,
    affected: u64,
    locale: Locale,
) -> Markup {
    let title = locale.t("admin.event.cancel_title");
    let base = format!("/admin/events/{}", event.slug);
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/cancel"),
        html! {
            h1 { (title) }
            p class="notice notice-warning" { (locale.t("admin.event.cancel_body").replace("%{count}", &affected.to_string())) }
            form method="post" action={ (base) "/cancel" } {
                button type="submit" class="button-warning" { (locale.t("admin.event.cancel_confirm")) }
            }
            p { a href=(base) { (locale.t("admin.back")) } }
        },
    )
}

/// The confirmation step before purging an event's personal data.
pub fn confirm_purge(who: &CurrentOrganiser, event: &event::Model, locale: Locale) -> Markup {
    let title = locale.t("admin.event.purge_title");
    let base = format!("/admin/events/{}", event.slug);
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/purge"),
        html! {
            h1 { (title) }
            p class="notice notice-warning" { (locale.t("admin.event.purge_body")) }
            form method="post" action={ (base) "/purge" } {
                button type="submit" class="button-warning" { (locale.t("admin.event.purge_confirm")) }
            }
            p { a href=(base) { (locale.t("admin.back")) } }
        },
    )
}
