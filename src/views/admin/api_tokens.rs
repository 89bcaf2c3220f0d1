//! API tokens (admins only): the list, the form to create one, and the
//! secret of a token just created, shown this once.
use crate::domain::role::TokenScope;
use maud::{Markup, html};

use crate::db::entities::api_token;
use crate::i18n::Locale;
use crate::i18n::format;
use crate::services::accounts::CurrentOrganiser;
use crate::views::admin::layout::admin_page;
use crate::views::components::{InputKind, input_field, select_field};

/// What the page shows besides the list.
pub struct TokenPage<'a> {
    pub tokens: &'a [(api_token::Model, String)],
    /// A token just created: its name and secret.
    pub created: Option<(&'a str, &'a str)>,
    pub notice: Option<String>,
    /// The name field's error, with what was typed.
    pub name_error: Option<String>,
    pub name: &'a str,
}

/// The API tokens page.
pub fn render(who: &CurrentOrganiser, page: &TokenPage<'_>, locale: Locale) -> Markup {
    let title = locale.t("admin.nav.api_tokens");
    let scopes: Vec<(String, String)> = TokenScope::ALL
        .iter()
        .map(|s| {
            (
                s.to_string(),
                locale.t(&format!("admin.api_tokens.scope.{s}")),
            )
        })
        .collect();
    let tz = chrono_tz::Europe::Stockholm;
    let when = |at: chrono::DateTime<chrono::Utc>| format::date_time(at, tz, locale);
    admin_page(
        locale,
        Some(who),
        &title,
        "/admin/api-tokens",
        html! {
            h1 { (title) }
            p { (locale.t("admin.api_tokens.intro")) " " a href="/api/v1/openapi.json" { (locale.t("admin.api_tokens.openapi")) } }
            @if let Some((name, secret)) = page.created {
                div class="notice notice-success" role="status" {
                    h2 { (locale.t_with("admin.api_tokens.created", &[("name", name)])) }
                    p { (locale.t("admin.api_tokens.copy_now")) }
                    p { code id="new-token" class="secret" { (secret) } }
                }
            }
            @if let Some(notice) = &page.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            @if page.tokens.is_empty() {
                p { (locale.t("admin.api_tokens.none")) }
            } @else {
                // `stacked`: one labelled block per token on a phone (app.css).
                table class="data stacked" {
                    thead { tr {
                        th scope="col" { (locale.t("admin.api_tokens.name")) }
                        th scope="col" { (locale.t("admin.api_tokens.scope.label")) }
                        th scope="col" { (locale.t("admin.api_tokens.owner")) }
                        th scope="col" { (locale.t("admin.api_tokens.created_at")) }
                        th scope="col" { (locale.t("admin.api_tokens.last_used")) }
                        th scope="col" { span class="visually-hidden" { (locale.t("admin.api_tokens.actions")) } }
                    } }
                    tbody { @for (token, owner) in page.tokens { tr {
                        th scope="row" { bdi { (token.name) } }
                        td data-label=(locale.t("admin.api_tokens.scope.label")) { (locale.t(&format!("admin.api_tokens.scope.{}", token.scope))) }
                        td class="email" data-label=(locale.t("admin.api_tokens.owner")) { bdi { (owner) } }
                        td data-label=(locale.t("admin.api_tokens.created_at")) { (when(token.created_at)) }
                        td data-label=(locale.t("admin.api_tokens.last_used")) { @match token.last_used_at { Some(at) => (when(at)), None => (locale.t("admin.api_tokens.never")) } }
                        td class="row-actions" {
                            @if let Some(at) = token.revoked_at {
                                (locale.t("admin.api_tokens.revoked")) " " (when(at))
                            } @else {
                                form method="post" action={ "/admin/api-tokens/" (token.id) "/revoke" } class="inline-form" {
                                    button type="submit" class="danger" aria-label=(locale.t_with("admin.api_tokens.revoke_named", &[("name", &token.name)])) { (locale.t("admin.api_tokens.revoke")) }
                                }
                            }
                        }
                    } } }
                }
            }
            h2 { (locale.t("admin.api_tokens.add")) }
            @if let Some(error) = &page.name_error {
                div class="error-summary" role="alert" id="error-summary" tabindex="-1" { h2 { (locale.t("form.error_summary")) } ul { li { a href="#name" { (error) } } } }
            }
            form method="post" action="/admin/api-tokens" {
                (input_field("name", &locale.t("admin.api_tokens.name"), Some(&locale.t("admin.api_tokens.name_hint")), page.name, true, InputKind::Text { autocomplete: "off" }, page.name_error.as_deref(), locale))
                (select_field("scope", &locale.t("admin.api_tokens.scope.label"), &scopes, TokenScope::Read.as_str(), None, locale))
                button type="submit" { (locale.t("admin.api_tokens.create")) }
            }
        },
    )
}
