//! The substitution form ("my colleague goes instead"): on the registrant's
//! own page and in the back-office. Both ask for the same fields as the
//! registration form, with its labels, errors and autocomplete rules.
use maud::{Markup, html};

use crate::db::entities::{event, municipality, registration};
use crate::domain::event::RegistrationStatus;
use crate::domain::registration::{CONSENT_GIVEN, Field, OTHER_ORGANISATION};
use crate::domain::substitute::SubstituteForm;
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::services::registration::Managed;
use crate::views::admin::layout::admin_page;
use crate::views::components::{FormErrors, InputKind, error_summary, text_field};
use crate::views::layout::{PageOptions, page};

/// Name, email, municipality or organisation, and role of the substitute.
/// `autocomplete` is off: the fields describe someone else, not the user.
fn substitute_fields(
    form: &SubstituteForm,
    members: &[municipality::Model],
    errors: &FormErrors,
    locale: Locale,
) -> Markup {
    let municipality_error = errors.for_field(Field::Municipality, locale);
    let off = InputKind::Text {
        autocomplete: "off",
    };
    html! {
        (text_field(Field::Name, &locale.t("field.name"), None, &form.name, true, off, errors, locale))
        (text_field(Field::Email, &locale.t("field.email"), None, &form.email, true, InputKind::Email, errors, locale))
        div class={ "field" @if municipality_error.is_some() { " field-error" } } {
            label for="municipality" { (locale.t("field.municipality")) }
            @if let Some(error) = &municipality_error {
                p class="error-message" id="municipality-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
            }
            select id="municipality" name="municipality" required
                aria-describedby=[municipality_error.as_ref().map(|_| "municipality-error")]
                aria-invalid=[municipality_error.as_ref().map(|_| "true")] {
                option value="" selected[form.municipality.is_empty()] { (locale.t("field.municipality_choose")) }
                @for member in members {
                    option value=(member.code) selected[form.municipality == member.code] { (member.name) }
                }
                option value=(OTHER_ORGANISATION) selected[form.municipality == OTHER_ORGANISATION] { (locale.t("field.municipality_other")) }
            }
        }
        div class="organisation-field" {
            (text_field(Field::Organisation, &locale.t("field.organisation"), Some(&locale.t("field.organisation_hint")), &form.organisation, false, off, errors, locale))
        }
        (text_field(Field::RoleTitle, &locale.t("field.role_title"), None, &form.role_title, true, off, errors, locale))
    }
}

/// `/r/{token}/substitute`: the registrant names who goes instead.
pub fn registrant_page(
    managed: &Managed,
    token: &str,
    form: &SubstituteForm,
    errors: &FormErrors,
    members: &[municipality::Model],
    locale: Locale,
) -> Markup {
    let title = locale.t("substitute.title");
    let path = format!("/r/{token}");
    let late = managed.programme.iter().any(|item| {
        managed.choices.iter().any(|c| c.item_id == item.id)
            && !crate::domain::choice::open_for_registrant(item.choice_deadline, chrono::Utc::now())
    });
    page(
        locale,
        &title,
        &format!("{path}/substitute"),
        PageOptions { noindex: true },
        html! {
            @if !errors.is_empty() { (error_summary(errors, locale)) }
            h1 { (title) }
            p { (locale.t("substitute.body").replace("%{event}", &managed.event.title)) }
            @if managed.registration.status == RegistrationStatus::Waitlisted {
                p { (locale.t("substitute.waitlisted")) }
            }
            @if late { p class="notice" { (locale.t("substitute.late_dropped")) } }
            form method="post" action={ (path) "/substitute" } novalidate {
                fieldset {
                    legend { (locale.t("substitute.who")) }
                    (substitute_fields(form, members, errors, locale))
                }
                button type="submit" class="button-warning" { (locale.t("substitute.submit")) }
            }
            p { a href=(path) rel="noreferrer" { (locale.t("substitute.keep")) } }
        },
    )
}

/// `/admin/events/{slug}/registrations/{id}/substitute`: an organiser hands
/// a registration to someone else.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one page, each named"
)]
pub fn organiser_page(
    who: &CurrentOrganiser,
    event: &event::Model,
    row: &registration::Model,
    form: &SubstituteForm,
    errors: &FormErrors,
    members: &[municipality::Model],
    has_late_choices: bool,
    locale: Locale,
) -> Markup {
    let title = locale.t("substitute.title");
    let back = format!("/admin/events/{}/registrations/{}", event.slug, row.id);
    let action = format!("{back}/substitute");
    admin_page(
        locale,
        Some(who),
        &title,
        &action,
        html! {
            p { a href=(back) { "← " bdi { (row.name) } } }
            h1 { (title) ": " bdi { (row.name) } " " bdi { "<" (row.email) ">" } }
            @if !errors.is_empty() { (error_summary(errors, locale)) }
            p { (locale.t("substitute.admin_hint")) }
            form method="post" action=(action) novalidate {
                fieldset {
                    legend { (locale.t("substitute.who")) }
                    (substitute_fields(form, members, errors, locale))
                }
                @if has_late_choices {
                    div class="field field-checkbox" {
                        input type="checkbox" id="keep_late_choices" name="keep_late_choices" value=(CONSENT_GIVEN) checked[form.keeps_late_choices()];
                        label for="keep_late_choices" { (locale.t("substitute.keep_late")) }
                    }
                }
                button type="submit" { (locale.t("substitute.submit")) }
            }
        },
    )
}

/// The link to the substitution page, for the registrant's page and the
/// back-office page of an active registration.
pub fn hand_over_link(href: &str, locale: Locale) -> Markup {
    html! {
        h2 { (locale.t("substitute.link")) }
        p { (locale.t("substitute.hint")) }
        p { a class="button button-secondary" href=(href) rel="noreferrer" { (locale.t("substitute.link")) } }
    }
}
