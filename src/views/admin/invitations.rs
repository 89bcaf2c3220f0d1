//! Inviting people: paste lines or upload a CSV; see who answered.
use crate::domain::status::InvitationStatus;
use maud::{Markup, html};

use crate::db::entities::{event, invitation};
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::services::invitations::RejectedLine;
use crate::views::admin::layout::admin_page;

/// Everything the invitations page shows.
pub struct InvitationsPage<'a> {
    pub event: &'a event::Model,
    pub invitations: &'a [invitation::Model],
    pub pasted: &'a str,
    pub rejected: &'a [RejectedLine],
    pub notice: Option<String>,
}

/// The invitations page.
pub fn render(who: &CurrentOrganiser, view: &InvitationsPage<'_>, locale: Locale) -> Markup {
    let event = view.event;
    let base = format!("/admin/events/{}", event.slug);
    let title = locale.t("admin.invite.title");
    let unanswered = view
        .invitations
        .iter()
        .filter(|i| i.status == InvitationStatus::Sent)
        .count();
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/invitations"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            h1 { (title) }
            @if let Some(notice) = &view.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            @if !view.rejected.is_empty() {
                div class="error-summary" role="alert" id="error-summary" tabindex="-1" {
                    h2 { (locale.t("admin.invite.rejected")) }
                    ul { @for r in view.rejected {
                        li {
                            @if r.line > 0 { (locale.t("admin.invite.line").replace("%{line}", &r.line.to_string())) ": " }
                            code { (r.text) } " – " (locale.t(r.reason))
                        }
                    } }
                }
            }
            form method="post" action={ (base) "/invitations" } {
                div class="field" {
                    label for="lines" { (locale.t("admin.invite.paste")) }
                    p class="hint" id="lines-hint" { (locale.t("admin.invite.paste_hint")) }
                    textarea id="lines" name="lines" rows="8" aria-describedby="lines-hint" { (view.pasted) }
                }
                button type="submit" { (locale.t("admin.invite.send")) }
            }
            form method="post" action={ (base) "/invitations/upload" } enctype="multipart/form-data" {
                div class="field" {
                    label for="file" { (locale.t("admin.invite.upload")) }
                    p class="hint" id="file-hint" { (locale.t("admin.invite.upload_hint")) }
                    input type="file" id="file" name="file" accept=".csv,text/csv" aria-describedby="file-hint";
                }
                button type="submit" class="button-secondary" { (locale.t("admin.invite.upload_send")) }
            }
            h2 { (locale.t("admin.invite.sent_title")) }
            @if unanswered > 0 {
                form method="post" action={ (base) "/invitations/remind" } {
                    button type="submit" class="button-secondary" { (locale.t("admin.invite.remind").replace("%{count}", &unanswered.to_string())) }
                }
            }
            // `stacked`: one labelled block per invitation on a phone (app.css).
            table class="data stacked" {
                thead { tr {
                    th scope="col" { (locale.t("field.name")) }
                    th scope="col" { (locale.t("field.email")) }
                    th scope="col" { (locale.t("manage.affiliation")) }
                    th scope="col" { (locale.t("admin.status")) }
                } }
                tbody { @for i in view.invitations {
                    tr {
                        // User text in <bdi>: right-to-left text cannot reorder the rest.
                        th scope="row" { bdi { (i.name) } }
                        td class="email" data-label=(locale.t("field.email")) { bdi { (i.email) } }
                        td data-label=(locale.t("manage.affiliation")) { bdi { (i.municipality_code.clone().or_else(|| i.organisation.clone()).unwrap_or_default()) } }
                        td data-label=(locale.t("admin.status")) { (locale.t(&format!("admin.invite.status.{}", i.status))) }
                    }
                } }
            }
        },
    )
}
