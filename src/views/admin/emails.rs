//! The email log of an event, and the audit log.
use crate::domain::status::OutboxStatus;
use maud::{Markup, html};

use crate::db::entities::{audit_entry, event, outbox};
use crate::i18n::Locale;
use crate::i18n::format;
use crate::services::accounts::CurrentOrganiser;
use crate::views::admin::layout::admin_page;

/// The email log of an event.
pub fn render(
    who: &CurrentOrganiser,
    event: &event::Model,
    rows: &[outbox::Model],
    locale: Locale,
) -> Markup {
    let base = format!("/admin/events/{}", event.slug);
    let title = locale.t("admin.emails");
    let tz = format::zone(&event.time_zone);
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/emails"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            h1 { (title) }
            // `stacked`: one labelled block per email on a phone (app.css).
            table class="data stacked" {
                thead { tr {
                    th scope="col" { (locale.t("admin.mail.created")) }
                    th scope="col" { (locale.t("admin.mail.kind")) }
                    th scope="col" { (locale.t("admin.mail.recipient")) }
                    th scope="col" { (locale.t("admin.status")) }
                    th scope="col" { (locale.t("admin.mail.error")) }
                } }
                tbody { @for row in rows {
                    tr {
                        td data-label=(locale.t("admin.mail.created")) { (format::date_time(row.created_at, tz, locale)) }
                        td data-label=(locale.t("admin.mail.kind")) { (locale.t(&format!("admin.mail.kinds.{}", row.kind))) }
                        td class="email" data-label=(locale.t("admin.mail.recipient")) { bdi { (row.recipient) } }
                        td data-label=(locale.t("admin.status")) { (locale.t(&format!("admin.mail.status.{}", row.status))) " (" (row.attempts) ")" }
                        td data-label=(locale.t("admin.mail.error")) {
                            @if let Some(error) = &row.last_error { (error) }
                            @if row.status == OutboxStatus::Failed {
                                form method="post" action={ (base) "/emails/" (row.id) "/retry" } class="inline-form" {
                                    button type="submit" class="link-button" { (locale.t("admin.mail.retry")) }
                                }
                            }
                        }
                    }
                } }
            }
        },
    )
}

/// The audit log (admins only).
pub fn audit(who: &CurrentOrganiser, rows: &[audit_entry::Model], locale: Locale) -> Markup {
    let title = locale.t("admin.nav.audit");
    let tz = chrono_tz::Europe::Stockholm;
    admin_page(
        locale,
        Some(who),
        &title,
        "/admin/audit",
        html! {
            h1 { (title) }
            table class="data stacked" {
                thead { tr {
                    th scope="col" { (locale.t("admin.audit.when")) }
                    th scope="col" { (locale.t("admin.audit.who")) }
                    th scope="col" { (locale.t("admin.audit.what")) }
                    th scope="col" { (locale.t("admin.audit.target")) }
                    th scope="col" { (locale.t("admin.audit.details")) }
                } }
                tbody { @for row in rows {
                    tr {
                        td data-label=(locale.t("admin.audit.when")) { (format::date_time(row.at, tz, locale)) }
                        td data-label=(locale.t("admin.audit.who")) { bdi { (row.organiser_email) } }
                        td data-label=(locale.t("admin.audit.what")) { code { (row.action) } }
                        td data-label=(locale.t("admin.audit.target")) { bdi { (row.target) } }
                        td data-label=(locale.t("admin.audit.details")) { bdi { (row.details) } }
                    }
                } }
            }
        },
    )
}
