//! `/events/{slug}`: the event, its programme, and the registration form.
use crate::domain::status::InvitationStatus;
use maud::{Markup, html};

use crate::db::entities::{event, municipality, programme_item};
use crate::domain::event::RegistrationWindow;
use crate::domain::question::Asker;
use crate::domain::registration::{CONSENT_GIVEN, Field, OTHER_ORGANISATION, RegistrationForm};
use crate::i18n::Locale;
use crate::i18n::format;
use crate::views::choices::{choices_fieldset, diet_fieldset};
use crate::views::components::{
    FormErrors, InputKind, calendar_links, error_summary_with, text_field,
};
use crate::views::layout::{PageOptions, page};
use crate::views::questions::questions_fieldset;

/// Everything the event page shows.
pub struct EventPage<'a> {
    pub event: &'a event::Model,
    pub programme: &'a [programme_item::Model],
    /// The event's own questions (the form shows the public ones).
    pub questions: &'a [crate::domain::question::Question],
    pub host: Option<&'a str>,
    pub members: &'a [municipality::Model],
    pub window: RegistrationWindow,
    pub form: &'a RegistrationForm,
    pub errors: &'a FormErrors,
    pub submission_key: &'a str,
    pub base_url: &'a url::Url,
    /// Where the form posts: the public form, or a personal invitation.
    pub form_action: String,
    /// A personal invitation: the email is fixed and there is a decline button.
    pub invitation: Option<InvitationView>,
}

/// What the page needs to know about a personal invitation.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub decline_action: String,
    pub status: InvitationStatus,
}

/// Seats left, if the event has a capacity.
fn seats_left(event: &event::Model) -> Option<i32> {
    event.capacity.map(|c| (c - event.confirmed_count).max(0))
}

/// The event page.
pub fn render(view: &EventPage<'_>, locale: Locale) -> Markup {
    let event = view.event;
    let tz = format::zone(&event.time_zone);
    let path = format!("/events/{}", event.slug);
    page(
        locale,
        &event.title,
        &path,
        // An invitation's page is reached by its secret link.
        PageOptions {
            noindex: view.invitation.is_some(),
        },
        html! {
            @if !view.errors.is_empty() { (error_summary_with(view.errors, view.questions, locale)) }
            p class="kind" { (locale.t(&format!("event.kind.{}", event.kind))) }
            h1 { (event.title) }
            @if !event.summary.is_empty() { p class="lead" { (event.summary) } }
            dl class="facts" {
                dt { (locale.t("event.when")) }
                dd { (format::span(event.starts_at, event.ends_at, tz, locale)) }
                dt { (locale.t("event.where")) }
                dd { (event.venue_name) @if !event.venue_address.is_empty() { br; (event.venue_address) } }
                @if let Some(host) = view.host {
                    dt { (locale.t("event.host")) }
                    dd { (host) }
                }
                @if !event.themes.is_empty() {
                    dt { (locale.t("event.themes")) }
                    dd { (event.themes.split('\n').collect::<Vec<_>>().join(", ")) }
                }
                @if let Some(left) = seats_left(event) {
                    dt { (locale.t("event.seats")) }
                    dd {
                        @if left > 0 {
                            (locale.t("event.seats_left").replace("%{count}", &left.to_string()))
                        } @else {
                            (locale.t("event.full_waitlist"))
                        }
                    }
                }
            }
            (calendar_links(event, &format!("/events/{}/event.ics", event.slug), view.base_url, locale))
        @for paragraph in event.description.split("\n\n").filter(|p| !p.trim().is_empty()) {
                p { (paragraph) }
            }
            @if !view.programme.is_empty() {
                h2 { (locale.t("event.programme")) }
                ol class="programme" {
                    @for item in view.programme {
                        li {
                            span class="programme-time" {
                                (format::day(item.starts_at, tz, locale)) " "
                                (format::time(item.starts_at, tz, locale))
                                @if let Some(end) = item.ends_at { "–" (format::time(end, tz, locale)) }
                            }
                            " "
                            span class="programme-title" { (item.title) }
                            @if let Some(place) = &item.place { ", " span class="programme-place" { (place) } }
                        }
                    }
                }
            }
            section aria-labelledby="register-title" class="register" {
                h2 id="register-title" { (locale.t("register.title")) }
                @match view.window {
                    RegistrationWindow::Open => (registration_form(view, locale)),
                    RegistrationWindow::NotYetOpen(at) => p class="notice" {
                        (locale.t("register.not_yet_open").replace("%{when}", &format::date_time(at, tz, locale)))
                    },
                    RegistrationWindow::Closed => p class="notice" { (locale.t("register.closed")) },
                    RegistrationWindow::Cancelled => p class="notice notice-warning" { strong { (locale.t("event.cancelled")) } " " (locale.t("register.cancelled")) },
                }
            }
        },
    )
}

fn registration_form(view: &EventPage<'_>, locale: Locale) -> Markup {
    let form = view.form;
    let errors = view.errors;
    let full = seats_left(view.event) == Some(0);
    let municipality_error = errors.for_field(Field::Municipality, locale);
    let consent_error = errors.for_field(Field::Consent, locale);
    let tz = format::zone(&view.event.time_zone);
    html! {
        @if full { p class="notice" { (locale.t("register.full_notice")) } }
        p { (locale.t("register.required_note")) }
        @if let Some(invitation) = &view.invitation {
            p class="notice" { (locale.t(&format!("invitation.status.{}", invitation.status))) }
        } @else {
            p class="delegation-link" {
                (locale.t("delegation.from_event")) " "
                a href={ "/events/" (view.event.slug) "/delegation" } { (locale.t("delegation.from_event_link")) }
            }
        }
        form method="post" action=(view.form_action) novalidate {
            input type="hidden" name="submission_key" value=(view.submission_key);
            (text_field(Field::Name, &locale.t("field.name"), None, &form.name, true, InputKind::Text { autocomplete: "name" }, errors, locale))
            @if view.invitation.is_some() {
                div class="field" {
                    label for="email" { (locale.t("field.email")) }
                    p class="hint" id="email-hint" { (locale.t("invitation.email_locked")) }
                    input type="email" id="email" name="email" value=(form.email) readonly aria-describedby="email-hint";
                }
            } @else {
                (text_field(Field::Email, &locale.t("field.email"), Some(&locale.t("field.email_hint")), &form.email, true, InputKind::Email, errors, locale))
            }
            (municipality_field(view.members, &form.municipality, municipality_error.as_deref(), locale))
            div class="organisation-field" {
                (text_field(Field::Organisation, &locale.t("field.organisation"), Some(&locale.t("field.organisation_hint")), &form.organisation, false, InputKind::Text { autocomplete: "organization" }, errors, locale))
            }
            (text_field(Field::RoleTitle, &locale.t("field.role_title"), Some(&locale.t("field.role_title_hint")), &form.role_title, true, InputKind::Text { autocomplete: "organization-title" }, errors, locale))
            (text_field(Field::Phone, &locale.t("field.phone"), None, &form.phone, false, InputKind::Tel, errors, locale))
            (choices_fieldset(view.programme, &form.boxes, errors, tz, chrono::Utc::now(), false, locale))
            (diet_fieldset(&form.diet, &form.boxes, errors, locale))
            (text_field(Field::DietaryNeeds, &locale.t("field.dietary_needs"), Some(&locale.t("field.needs_hint")), &form.dietary_needs, false, InputKind::TextArea, errors, locale))
            (text_field(Field::AccessibilityNeeds, &locale.t("field.accessibility_needs"), Some(&locale.t("field.needs_hint")), &form.accessibility_needs, false, InputKind::TextArea, errors, locale))
            (questions_fieldset(view.questions, &form.boxes, errors, Asker::Registrant, locale))
            (crate::views::public::participants::consent_box(&form.boxes, locale))
            div class={ "field field-checkbox" @if consent_error.is_some() { " field-error" } } {
                @if let Some(error) = &consent_error {
                    p class="error-message" id="consent-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
                }
                input type="checkbox" id="consent" name="consent" value=(CONSENT_GIVEN) checked[form.consent.as_deref() == Some(CONSENT_GIVEN)] required
                    aria-describedby={ "consent-hint" @if consent_error.is_some() { " consent-error" } }
                    aria-invalid=[consent_error.as_ref().map(|_| "true")];
                label for="consent" { (locale.t("field.consent")) }
                p class="hint" id="consent-hint" { a href="/privacy" rel=[view.invitation.is_some().then_some("noreferrer")] { (locale.t("field.consent_link")) } }
            }
            button type="submit" {
                @if full { (locale.t("register.submit_waitlist")) } @else { (locale.t("register.submit")) }
            }
        }
        @if let Some(invitation) = &view.invitation {
            form method="post" action=(invitation.decline_action) {
                button type="submit" class="button-secondary" { (locale.t("invitation.decline")) }
            }
        }
    }
}

/// The member municipality select, with "another organisation" last
/// (which shows the organisation field after it).
pub fn municipality_field(
    members: &[municipality::Model],
    selected: &str,
    error: Option<&str>,
    locale: Locale,
) -> Markup {
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            label for="municipality" { (locale.t("field.municipality")) }
            @if let Some(error) = error {
                p class="error-message" id="municipality-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
            }
            select id="municipality" name="municipality" required
                aria-describedby=[error.map(|_| "municipality-error")]
                aria-invalid=[error.map(|_| "true")] {
                option value="" selected[selected.is_empty()] { (locale.t("field.municipality_choose")) }
                @for member in members {
                    option value=(member.code) selected[selected == member.code] { (member.name) }
                }
                option value=(OTHER_ORGANISATION) selected[selected == OTHER_ORGANISATION] { (locale.t("field.municipality_other")) }
            }
        }
    }
}

/// Shown when the address typed is already registered for the event. It
/// never shows the registration's link: that goes to the address by email.
pub fn already_registered(event: &event::Model, email: &str, locale: Locale) -> Markup {
    let title = locale.t("already.title");
    page(
        locale,
        &title,
        &format!("/events/{}", event.slug),
        PageOptions { noindex: true },
        html! {
            h1 { (title) }
            p { (locale.t("already.body").replace("%{email}", email).replace("%{event}", &event.title)) }
            p { a href={ "/events/" (event.slug) } rel="noreferrer" { (locale.t("already.back")) } }
        },
    )
}
