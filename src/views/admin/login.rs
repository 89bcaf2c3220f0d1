//! Login and first-run setup pages.
use maud::{Markup, html};

use crate::i18n::Locale;
use crate::views::admin::layout::admin_page;

/// The login form. `error` is a general message (never which field was wrong).
pub fn login(locale: Locale, email: &str, next: &str, error: Option<&str>) -> Markup {
    let title = locale.t("admin.login.title");
    admin_page(
        locale,
        None,
        &title,
        "/admin/login",
        html! {
            h1 { (title) }
            @if let Some(error) = error {
                div class="error-summary" role="alert" id="error-summary" tabindex="-1" {
                    h2 { (locale.t("form.error_summary")) }
                    p { (error) }
                }
            }
            form method="post" action="/admin/login" {
                input type="hidden" name="next" value=(next);
                div class="field" {
                    label for="email" { (locale.t("field.email")) }
                    input type="email" id="email" name="email" value=(email) autocomplete="username" required;
                }
                div class="field" {
                    label for="password" { (locale.t("admin.field.password")) }
                    input type="password" id="password" name="password" autocomplete="current-password" required;
                }
                button type="submit" { (locale.t("admin.login.submit")) }
            }
        },
    )
}

/// The first-run form that creates the first admin.
pub fn setup(locale: Locale, token: &str, name: &str, email: &str, error: Option<&str>) -> Markup {
    let title = locale.t("admin.setup.title");
    admin_page(
        locale,
        None,
        &title,
        &format!("/admin/setup/{token}"),
        html! {
            h1 { (title) }
            p { (locale.t("admin.setup.lead")) }
            @if let Some(error) = error {
                div class="error-summary" role="alert" id="error-summary" tabindex="-1" {
                    h2 { (locale.t("form.error_summary")) }
                    p { (error) }
                }
            }
            form method="post" action={ "/admin/setup/" (token) } {
                div class="field" {
                    label for="name" { (locale.t("field.name")) }
                    input type="text" id="name" name="name" value=(name) autocomplete="name" required;
                }
                div class="field" {
                    label for="email" { (locale.t("field.email")) }
                    input type="email" id="email" name="email" value=(email) autocomplete="username" required;
                }
                div class="field" {
                    label for="password" { (locale.t("admin.field.password")) }
                    p class="hint" id="password-hint" { (locale.t("admin.field.password_hint")) }
                    input type="password" id="password" name="password" autocomplete="new-password" aria-describedby="password-hint" required;
                }
                button type="submit" { (locale.t("admin.setup.submit")) }
            }
        },
    )
}
