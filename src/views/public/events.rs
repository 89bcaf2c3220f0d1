//! The list of upcoming events.
use crate::domain::event::EventStatus;
use maud::{Markup, html};

use crate::db::entities::event;
use crate::i18n::Locale;
use crate::i18n::format;
use crate::views::layout::{PageOptions, page};

/// `/`: upcoming public events, soonest first.
pub fn upcoming(events: &[event::Model], locale: Locale) -> Markup {
    let title = locale.t("home.title");
    page(
        locale,
        &title,
        "/",
        PageOptions::default(),
        html! {
            h1 { (title) }
            p class="lead" { (locale.t("home.lead")) }
        p { a href="/calendar.ics" { (locale.t("calendar.feed")) } }
            @if events.is_empty() {
                p { (locale.t("home.none")) }
            } @else {
                ul class="event-list" {
                    @for event in events {
                        @let tz = format::zone(&event.time_zone);
                        li class="event-card" {
                            p class="kind" { (locale.t(&format!("event.kind.{}", event.kind))) }
                            h2 { a href={ "/events/" (event.slug) } { (event.title) } }
                            p {
                                (format::span(event.starts_at, event.ends_at, tz, locale))
                                br;
                                (event.venue_name)
                            }
                            @if event.status == EventStatus::Cancelled {
                                p class="notice notice-warning" { strong { (locale.t("event.cancelled")) } }
                            }
                            @if !event.summary.is_empty() { p { (event.summary) } }
                        }
                    }
                }
            }
        },
    )
}
