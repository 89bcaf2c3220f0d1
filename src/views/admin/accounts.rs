//! Organiser accounts (admins only).
use crate::domain::role::Role;
use maud::{Markup, html};

use crate::db::entities::organiser;
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::views::admin::layout::admin_page;
use crate::views::components::{InputKind, input_field, select_field};

/// The account list and the form to add one.
pub fn render(
    who: &CurrentOrganiser,
    accounts: &[organiser::Model],
    error: Option<&str>,
    notice: Option<&str>,
    locale: Locale,
) -> Markup {
    let title = locale.t("admin.nav.accounts");
    let roles: Vec<(String, String)> = [Role::Organiser, Role::Checkin, Role::Admin]
        .iter()
        .map(|r| (r.to_string(), locale.t(&format!("admin.role.{r}"))))
        .collect();
    admin_page(
        locale,
        Some(who),
        &title,
        "/admin/accounts",
        html! {
            h1 { (title) }
            @if let Some(notice) = notice { div class="notice notice-success" role="status" { p { (notice) } } }
            // `stacked`: one labelled block per account on a phone (app.css).
            table class="data stacked" {
                thead { tr {
                    th scope="col" { (locale.t("field.name")) }
                    th scope="col" { (locale.t("field.email")) }
                    th scope="col" { (locale.t("admin.role.label")) }
                } }
                tbody { @for a in accounts {
                    tr {
                        th scope="row" { bdi { (a.name) } }
                        td class="email" data-label=(locale.t("field.email")) { bdi { (a.email) } }
                        td data-label=(locale.t("admin.role.label")) { (locale.t(&format!("admin.role.{}", a.role))) }
                    }
                } }
            }
            h2 { (locale.t("admin.accounts.add")) }
            @if let Some(error) = error {
                div class="error-summary" role="alert" id="error-summary" tabindex="-1" { h2 { (locale.t("form.error_summary")) } p { (error) } }
            }
            form method="post" action="/admin/accounts" {
                (input_field("name", &locale.t("field.name"), None, "", true, InputKind::Text { autocomplete: "off" }, None, locale))
                (input_field("email", &locale.t("field.email"), None, "", true, InputKind::Email, None, locale))
                (select_field("role", &locale.t("admin.role.label"), &roles, Role::Organiser.as_str(), None, locale))
                div class="field" {
                    label for="password" { (locale.t("admin.field.password")) }
                    p class="hint" id="password-hint" { (locale.t("admin.field.password_hint")) }
                    input type="password" id="password" name="password" autocomplete="new-password" aria-describedby="password-hint" required;
                }
                button type="submit" { (locale.t("admin.accounts.create")) }
            }
        },
    )
}
