//! The back-office layout: the site layout with the organiser's menu.
use maud::{Markup, html};

use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::views::layout::{PageOptions, page_with_nav};

/// A back-office page. Every back-office page is `noindex`.
pub fn admin_page(
    locale: Locale,
    who: Option<&CurrentOrganiser>,
    title: &str,
    path: &str,
    content: Markup,
) -> Markup {
    let nav = html! {
        @if let Some(who) = who {
            @if who.role.allows(Role::Organiser) {
                li { a href="/admin" { (locale.t("admin.nav.dashboard")) } }
            }
            @if who.role.allows(Role::Admin) {
                li { a href="/admin/accounts" { (locale.t("admin.nav.accounts")) } }
                li { a href="/admin/api-tokens" { (locale.t("admin.nav.api_tokens")) } }
                li { a href="/admin/audit" { (locale.t("admin.nav.audit")) } }
            }
            li {
                form method="post" action="/admin/logout" class="inline-form" {
                    button type="submit" class="link-button" {
                        (locale.t("admin.nav.logout")) " (" (who.account.name) ")"
                    }
                }
            }
        }
    };
    page_with_nav(
        locale,
        title,
        path,
        PageOptions { noindex: true },
        nav,
        content,
    )
}

/// A small table of label/number pairs, as used on dashboards.
pub fn counts(items: &[(String, String)]) -> Markup {
    html! {
        dl class="counts" {
            @for (label, value) in items {
                div { dt { (label) } dd { (value) } }
            }
        }
    }
}
