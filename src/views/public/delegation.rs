//! `/events/{slug}/delegation`: the form a contact registers several
//! colleagues with; `/d/{token}`: the delegation's own page, reached by the
//! contact's secret link.
use maud::{Markup, html};

use crate::db::entities::{event, municipality, programme_item};
use crate::domain::delegation::{
    DelegationError, DelegationForm, MAX_MEMBERS, Part, Place, error_at, member_choice,
    member_field,
};
use crate::domain::event::RegistrationStatus;
use crate::domain::registration::{BOX_TICKED, CONSENT_GIVEN, Field};
use crate::i18n::{Locale, format};
use crate::services::registration::delegation::{
    DelegationPage, MemberOutcome, MemberResult, MemberView, Missing,
};
use crate::views::choices::item_time;
use crate::views::components::{InputKind, input_field};
use crate::views::layout::{PageOptions, page};
use crate::views::public::event_page::municipality_field;

/// An error's message as shown by its field.
fn message(error: &DelegationError, locale: Locale) -> String {
    locale.t(&error.message_key())
}

/// An error's message in the summary: a row's names its row.
fn summary_message(error: &DelegationError, locale: Locale) -> String {
    match error.row() {
        Some(row) => format!("{}: {}", row_legend(row, locale), message(error, locale)),
        None => message(error, locale),
    }
}

fn row_legend(row: usize, locale: Locale) -> String {
    locale
        .t("delegation.member_legend")
        .replace("%{n}", &row.to_string())
}

/// The error summary at the top of a delegation form.
fn summary(errors: &[DelegationError], locale: Locale) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary" autofocus {
                h2 id="error-summary-title" { (locale.t("form.error_summary")) }
                ul {
                    @for error in errors {
                        li { a href={ "#" (error.field_id()) } { (summary_message(error, locale)) } }
                    }
                }
            }
        }
    }
}

/// The colleagues' rows: name, address, role and a box per choosable item
/// each, with each row's errors by its fields.
fn member_rows(
    form: &DelegationForm,
    errors: &[DelegationError],
    programme: &[programme_item::Model],
    tz: chrono_tz::Tz,
    locale: Locale,
) -> Markup {
    let offered: Vec<&programme_item::Model> = programme.iter().filter(|i| i.choosable).collect();
    let rows = form.row_count();
    let at = |row, part| error_at(errors, Place::Member(row, part)).map(|e| message(e, locale));
    html! {
        input type="hidden" name="rows" value=(rows);
        @for row in 1..=rows {
            fieldset class="field delegation-member" id={ "m" (row) } {
                legend { (row_legend(row, locale)) }
                (input_field(&member_field(row, Part::Name), &locale.t("delegation.member_name"), None, form.value(row, Part::Name), true, InputKind::Text { autocomplete: "off" }, at(row, Part::Name).as_deref(), locale))
                (input_field(&member_field(row, Part::Email), &locale.t("delegation.member_email"), None, form.value(row, Part::Email), true, InputKind::Email, at(row, Part::Email).as_deref(), locale))
                (input_field(&member_field(row, Part::Role), &locale.t("field.role_title"), None, form.value(row, Part::Role), true, InputKind::Text { autocomplete: "off" }, at(row, Part::Role).as_deref(), locale))
                @if !offered.is_empty() {
                    @let choices_error = at(row, Part::Choices);
                    @let choices_id = member_field(row, Part::Choices);
                    fieldset id=(choices_id) class={ "choices" @if choices_error.is_some() { " field-error" } } aria-describedby=[choices_error.as_ref().map(|_| format!("{choices_id}-error"))] {
                        legend { (locale.t("field.choices")) }
                        @if let Some(error) = &choices_error {
                            p class="error-message" id={ (choices_id) "-error" } { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
                        }
                        @for item in &offered {
                            @let name = member_choice(row, item.id);
                            @let ticked = form.fields.get(&name).map(String::as_str) == Some(BOX_TICKED);
                            div class="choice" {
                                input type="checkbox" id=(name) name=(name) value=(BOX_TICKED) checked[ticked];
                                label for=(name) { span class="choice-title" { (item.title) } " " span class="choice-time" { (item_time(item, tz, locale)) } }
                            }
                        }
                    }
                }
            }
        }
        @if rows < MAX_MEMBERS {
            p {
                button type="submit" name="more" value="1" class="button-secondary" formnovalidate {
                    (locale.t("delegation.more_rows"))
                }
            }
        } @else {
            p class="hint" { (locale.t("delegation.max_rows").replace("%{count}", &MAX_MEMBERS.to_string())) }
        }
    }
}

/// What the delegation form page needs.
pub struct FormView<'a> {
    pub event: &'a event::Model,
    pub programme: &'a [programme_item::Model],
    pub members: &'a [municipality::Model],
    pub form: &'a DelegationForm,
    pub errors: &'a [DelegationError],
    pub submission_key: &'a str,
    /// Registration is open (else the page says why not, without a form).
    pub open: bool,
}

/// The delegation form.
pub fn form_page(view: &FormView<'_>, locale: Locale) -> Markup {
    let event = view.event;
    let form = view.form;
    let errors = view.errors;
    let tz = format::zone(&event.time_zone);
    let title = locale
        .t("delegation.form_title")
        .replace("%{event}", &event.title);
    let contact = |field| error_at(errors, Place::Contact(field)).map(|e| message(e, locale));
    let consent_error = contact(Field::Consent);
    let path = format!("/events/{}/delegation", event.slug);
    page(
        locale,
        &title,
        &path,
        PageOptions::default(),
        html! {
            (summary(errors, locale))
            h1 { (title) }
            p class="lead" { (locale.t("delegation.form_lead")) }
            p { (format::span(event.starts_at, event.ends_at, tz, locale)) ", " (event.venue_name) }
            @if !view.open {
                p class="notice" { (locale.t("delegation.not_open")) }
                p { a href={ "/events/" (event.slug) } { (locale.t("already.back")) } }
            } @else {
                p { (locale.t("delegation.form_seats")) }
                p { (locale.t("register.required_note")) }
                form method="post" action=(path) novalidate {
                    input type="hidden" name="submission_key" value=(view.submission_key);
                    fieldset class="field" {
                        legend { (locale.t("delegation.contact_legend")) }
                        p class="hint" { (locale.t("delegation.contact_hint")) }
                        (input_field("contact_name", &locale.t("delegation.contact_name"), None, &form.contact_name, true, InputKind::Text { autocomplete: "name" }, contact(Field::Name).as_deref(), locale))
                        (input_field("contact_email", &locale.t("delegation.contact_email"), Some(&locale.t("delegation.contact_email_hint")), &form.contact_email, true, InputKind::Email, contact(Field::Email).as_deref(), locale))
                        (municipality_field(view.members, &form.municipality, contact(Field::Municipality).as_deref(), locale))
                        div class="organisation-field" {
                            (input_field("organisation", &locale.t("field.organisation"), Some(&locale.t("field.organisation_hint")), &form.organisation, false, InputKind::Text { autocomplete: "organization" }, contact(Field::Organisation).as_deref(), locale))
                        }
                    }
                    h2 { (locale.t("delegation.members_title")) }
                    p class="hint" { (locale.t("delegation.members_hint")) }
                    (member_rows(form, errors, view.programme, tz, locale))
                    div class={ "field field-checkbox" @if consent_error.is_some() { " field-error" } } {
                        @if let Some(error) = &consent_error {
                            p class="error-message" id="consent-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
                        }
                        input type="checkbox" id="consent" name="consent" value=(CONSENT_GIVEN) checked[form.consent.as_deref() == Some(CONSENT_GIVEN)] required
                            aria-describedby={ "consent-hint" @if consent_error.is_some() { " consent-error" } }
                            aria-invalid=[consent_error.as_ref().map(|_| "true")];
                        label for="consent" { (locale.t("delegation.consent")) }
                        p class="hint" id="consent-hint" { a href="/privacy" { (locale.t("field.consent_link")) } }
                    }
                    button type="submit" { (locale.t("delegation.submit")) }
                }
            }
        },
    )
}

/// Where a colleague stands, in words.
fn status_text(member: &MemberView, locale: Locale) -> String {
    match member.registration.status {
        RegistrationStatus::Confirmed => locale.t("delegation.status.confirmed"),
        RegistrationStatus::Waitlisted => locale.t("delegation.status.waitlisted_at").replace(
            "%{position}",
            &member.waitlist_position.unwrap_or(0).to_string(),
        ),
        RegistrationStatus::Cancelled => locale.t("delegation.status.cancelled"),
    }
}

fn missing_text(missing: &[Missing], locale: Locale) -> String {
    if missing.is_empty() {
        return locale.t("delegation.missing.none");
    }
    missing
        .iter()
        .map(|m| match m {
            Missing::Diet => locale.t("delegation.missing.diet"),
            Missing::Answers(count) => locale
                .t("delegation.missing.answers")
                .replace("%{count}", &count.to_string()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row's result of the form just sent.
fn result_text(result: &MemberResult, locale: Locale) -> String {
    match &result.outcome {
        MemberOutcome::Registered {
            status: RegistrationStatus::Confirmed,
            ..
        } => locale.t("delegation.result.confirmed"),
        MemberOutcome::Registered {
            status: RegistrationStatus::Waitlisted,
            waitlist_position,
            ..
        } => locale
            .t("delegation.result.waitlisted")
            .replace("%{position}", &waitlist_position.unwrap_or(0).to_string()),
        MemberOutcome::Registered { .. } => locale.t("delegation.status.cancelled"),
        MemberOutcome::AlreadyRegistered => locale.t("delegation.result.already"),
        MemberOutcome::Refused(_) => locale.t("delegation.result.refused"),
        MemberOutcome::NotOpen => locale.t("delegation.result.not_open"),
    }
}

/// What the delegation's page shows besides the delegation itself.
pub struct PageView<'a> {
    pub page: &'a DelegationPage,
    pub token: &'a str,
    /// The results of the form just sent, in the order listed.
    pub results: Option<&'a [MemberResult]>,
    /// A colleague was cancelled just now.
    pub cancelled: Option<&'a str>,
    /// The form to add colleagues, as posted (with its errors).
    pub form: &'a DelegationForm,
    pub errors: &'a [DelegationError],
    pub submission_key: &'a str,
    pub open: bool,
}

/// The delegation's page: who is confirmed, waiting or missing details,
/// and a form to add colleagues; each colleague can be cancelled.
pub fn page_of(view: &PageView<'_>, locale: Locale) -> Markup {
    let page_data = view.page;
    let event = &page_data.event;
    let tz = format::zone(&event.time_zone);
    let path = format!("/d/{}", view.token);
    let title = locale
        .t("delegation.page_title")
        .replace("%{event}", &event.title);
    let active = page_data
        .members
        .iter()
        .filter(|m| m.registration.status != RegistrationStatus::Cancelled)
        .count();
    page(
        locale,
        &title,
        &path,
        PageOptions { noindex: true },
        html! {
            (summary(view.errors, locale))
            @if let Some(results) = view.results {
                div class="notice notice-success" role="status" {
                    h2 { (locale.t("delegation.results_title")) }
                    ol class="delegation-results" {
                        @for result in results {
                            li { bdi { (result.name) } " (" bdi { (result.email) } "): " (result_text(result, locale)) }
                        }
                    }
                    p { (locale.t("delegation.results_emails")) }
                }
            }
            @if let Some(name) = view.cancelled {
                div class="notice notice-success" role="status" {
                    p { (locale.t("delegation.cancelled_notice").replace("%{name}", name)) }
                }
            }
            h1 { (title) }
            p { (format::span(event.starts_at, event.ends_at, tz, locale)) ", " (event.venue_name) }
            p { (locale.t("delegation.keep_link")) }
            p { (locale.t("delegation.contact_is").replace("%{name}", &page_data.delegation.contact_name).replace("%{email}", &page_data.delegation.contact_email)) }
            h2 id="members-title" { (locale.t("delegation.members_title")) " (" (active) ")" }
            @if page_data.members.is_empty() {
                p { (locale.t("delegation.no_members")) }
            } @else {
                table class="data stacked" aria-labelledby="members-title" {
                    thead {
                        tr {
                            th scope="col" { (locale.t("field.name")) }
                            th scope="col" { (locale.t("field.email")) }
                            th scope="col" { (locale.t("field.role_title")) }
                            th scope="col" { (locale.t("manage.status")) }
                            th scope="col" { (locale.t("delegation.missing_title")) }
                            th scope="col" { span class="visually-hidden" { (locale.t("delegation.actions")) } }
                        }
                    }
                    tbody {
                        @for member in &page_data.members {
                            @let r = &member.registration;
                            tr {
                                td data-label=(locale.t("field.name")) { bdi { (r.name) } }
                                td class="email" data-label=(locale.t("field.email")) { bdi { (r.email) } }
                                td data-label=(locale.t("field.role_title")) { bdi { (r.role_title) } }
                                td data-label=(locale.t("manage.status")) { (status_text(member, locale)) }
                                td data-label=(locale.t("delegation.missing_title")) { (missing_text(&member.missing, locale)) }
                                td data-label=(locale.t("delegation.actions")) {
                                    @if r.status != RegistrationStatus::Cancelled {
                                        a href={ (path) "/cancel/" (r.id) } rel="noreferrer" {
                                            (locale.t("delegation.cancel_link")) span class="visually-hidden" { " " (r.name) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p class="hint" { (locale.t("delegation.missing_hint")) }
            }
            section aria-labelledby="add-title" {
                h2 id="add-title" { (locale.t("delegation.add_title")) }
                @if view.open {
                    p class="hint" { (locale.t("delegation.members_hint")) }
                    form method="post" action={ (path) "/add" } novalidate {
                        input type="hidden" name="submission_key" value=(view.submission_key);
                        (member_rows(view.form, view.errors, &page_data.programme, tz, locale))
                        button type="submit" { (locale.t("delegation.add_submit")) }
                    }
                } @else {
                    p class="notice" { (locale.t("delegation.not_open")) }
                }
            }
        },
    )
}

/// The confirmation step before cancelling a colleague.
pub fn confirm_cancel(
    page_data: &DelegationPage,
    member: &MemberView,
    token: &str,
    locale: Locale,
) -> Markup {
    let r = &member.registration;
    let title = locale
        .t("delegation.cancel_title")
        .replace("%{name}", &r.name);
    let path = format!("/d/{token}");
    page(
        locale,
        &title,
        &format!("{path}/cancel/{}", r.id),
        PageOptions { noindex: true },
        html! {
            h1 { (title) }
            p { (locale.t("delegation.cancel_body").replace("%{name}", &r.name).replace("%{event}", &page_data.event.title)) }
            @if r.status == RegistrationStatus::Confirmed {
                p { (locale.t("cancel.seat_passes_on")) }
            }
            form method="post" action={ (path) "/cancel/" (r.id) } {
                button type="submit" class="button-warning" { (locale.t("delegation.cancel_confirm").replace("%{name}", &r.name)) }
            }
            p { a href=(path) rel="noreferrer" { (locale.t("delegation.cancel_keep")) } }
        },
    )
}
