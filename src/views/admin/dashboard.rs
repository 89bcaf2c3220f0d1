//! `/admin`: upcoming and past events at a glance.
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use crate::db::entities::event;
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::i18n::format;
use crate::services::accounts::CurrentOrganiser;
use crate::services::attendees::StatusCounts;
use crate::views::admin::layout::admin_page;

/// One event's line on the dashboard.
pub struct EventLine {
    pub event: event::Model,
    pub counts: StatusCounts,
    pub mail_pending: usize,
    pub mail_failed: usize,
}

/// The events table; `door` staff (the check-in role) see where to check
/// people in, not the counts.
fn table(lines: &[&EventLine], door: bool, locale: Locale) -> Markup {
    html! {
        table class="data" {
            thead { tr {
                th scope="col" { (locale.t("admin.event.title")) }
                th scope="col" { (locale.t("event.when")) }
                th scope="col" { (locale.t("admin.status")) }
                @if !door {
                    th scope="col" class="num" { (locale.t("admin.count.confirmed")) }
                    th scope="col" class="num" { (locale.t("admin.count.waitlisted")) }
                    th scope="col" class="num" { (locale.t("admin.count.cancelled")) }
                    th scope="col" class="num" { (locale.t("admin.count.left")) }
                    th scope="col" { (locale.t("admin.emails")) }
                }
            } }
            tbody {
                @for line in lines {
                    @let e = &line.event;
                    tr {
                        td { a href={ "/admin/events/" (e.slug) @if door { "/checkin" } } { (e.title) } }
                        td { (format::date_time(e.starts_at, format::zone(&e.time_zone), locale)) }
                        td { (locale.t(&format!("admin.event_status.{}", e.status))) }
                        @if !door {
                            td class="num" { (line.counts.confirmed) }
                            td class="num" { (line.counts.waitlisted) }
                            td class="num" { (line.counts.cancelled) }
                            td class="num" { @match e.capacity { Some(c) => ((c - e.confirmed_count).max(0)), None => "–" } }
                            td {
                                @if line.mail_pending > 0 { (locale.t("admin.mail.pending").replace("%{count}", &line.mail_pending.to_string())) " " }
                                @if line.mail_failed > 0 { strong class="error-text" { (locale.t("admin.mail.failed").replace("%{count}", &line.mail_failed.to_string())) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The dashboard.
pub fn render(
    who: &CurrentOrganiser,
    lines: &[EventLine],
    now: DateTime<Utc>,
    locale: Locale,
) -> Markup {
    let title = locale.t("admin.dashboard.title");
    let door = !who.role.allows(Role::Organiser);
    let upcoming: Vec<&EventLine> = lines.iter().filter(|l| l.event.ends_at >= now).collect();
    let past: Vec<&EventLine> = lines
        .iter()
        .filter(|l| l.event.ends_at < now)
        .rev()
        .collect();
    admin_page(
        locale,
        Some(who),
        &title,
        "/admin",
        html! {
            h1 { (title) }
            @if !door { p { a class="button" href="/admin/events/new" { (locale.t("admin.event.new")) } } }
            h2 { (locale.t("admin.dashboard.upcoming")) }
            @if upcoming.is_empty() { p { (locale.t("admin.dashboard.none")) } } @else { (table(&upcoming, door, locale)) }
            h2 { (locale.t("admin.dashboard.past")) }
            @if past.is_empty() { p { (locale.t("admin.dashboard.none")) } } @else { (table(&past, door, locale)) }
        },
    )
}
