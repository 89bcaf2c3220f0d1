//! The attendee table: search, filters, sort, paging, exports, actions.
use crate::domain::event::RegistrationStatus;
use maud::{Markup, html};

use crate::db::entities::{event, municipality, registration};
use crate::domain::registration::RegistrationForm;
use crate::i18n::Locale;
use crate::i18n::format;
use crate::services::accounts::CurrentOrganiser;
use crate::services::attendees::{AttendeeFilter, PAGE_SIZE};
use crate::views::admin::layout::admin_page;
use crate::views::components::FormErrors;

/// Everything the table page shows.
pub struct AttendeePage<'a> {
    pub event: &'a event::Model,
    pub rows: &'a [(registration::Model, Option<u64>)],
    pub total: u64,
    pub filter: &'a AttendeeFilter,
    pub members: &'a [municipality::Model],
    pub notice: Option<String>,
    pub add_form: &'a RegistrationForm,
    pub add_errors: &'a FormErrors,
}

fn affiliation(row: &registration::Model, members: &[municipality::Model]) -> String {
    match &row.municipality_code {
        Some(code) => members
            .iter()
            .find(|m| &m.code == code)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| code.clone()),
        None => row.organisation.clone().unwrap_or_default(),
    }
}

/// The attendee page.
pub fn render(who: &CurrentOrganiser, view: &AttendeePage<'_>, locale: Locale) -> Markup {
    let event = view.event;
    let base = format!("/admin/events/{}", event.slug);
    let filter = view.filter;
    let page = filter.page.unwrap_or(1).max(1);
    let pages = view.total.div_ceil(PAGE_SIZE).max(1);
    let query = filter.query();
    let tz = format::zone(&event.time_zone);
    let title = locale.t("admin.attendees.title");
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/attendees"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            h1 { (title) }
            @if let Some(notice) = &view.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            form method="get" action={ (base) "/attendees" } class="filters" role="search" {
                div class="field field-search" {
                    label for="q" { (locale.t("admin.attendees.search")) }
                    input type="search" id="q" name="q" value=(filter.q);
                }
                div class="field" {
                    label for="status" { (locale.t("admin.status")) }
                    select id="status" name="status" {
                        option value="" { (locale.t("admin.all")) }
                        @for s in RegistrationStatus::ALL {
                            option value=(s) selected[filter.status == s.as_str()] { (locale.t(&format!("admin.registration_status.{s}"))) }
                        }
                    }
                }
                div class="field" {
                    label for="municipality" { (locale.t("field.municipality")) }
                    select id="municipality" name="municipality" {
                        option value="" { (locale.t("admin.all")) }
                        @for m in view.members { option value=(m.code) selected[filter.municipality == m.code] { (m.name) } }
                        option value="other" selected[filter.municipality == "other"] { (locale.t("field.municipality_other")) }
                    }
                }
                div class="field" {
                    label for="sort" { (locale.t("admin.attendees.sort")) }
                    select id="sort" name="sort" {
                        @for s in ["name", "registered", "status", "municipality"] {
                            option value=(s) selected[filter.sort == s] { (locale.t(&format!("admin.sort.{s}"))) }
                        }
                    }
                }
                button type="submit" { (locale.t("admin.attendees.apply")) }
            }
            p {
                (locale.t("admin.attendees.count").replace("%{count}", &view.total.to_string())) " · "
                a href={ (base) "/attendees.csv?" (query) } { (locale.t("admin.export.csv")) } " · "
                a href={ (base) "/attendees.xlsx?" (query) } { (locale.t("admin.export.xlsx")) } " · "
                a href={ (base) "/attendees.csv?diet=1&" (query) } { (locale.t("admin.export.csv_diet")) } " · "
                a href={ (base) "/attendees.xlsx?diet=1&" (query) } { (locale.t("admin.export.xlsx_diet")) }
            }
            div class="table-wrap" {
                table class="data stacked" {
                    caption class="visually-hidden" { (title) }
                    thead { tr {
                        th scope="col" { (locale.t("field.name")) }
                        th scope="col" { (locale.t("field.email")) }
                        th scope="col" { (locale.t("manage.affiliation")) }
                        th scope="col" { (locale.t("field.role_title")) }
                        th scope="col" { (locale.t("admin.status")) }
                        th scope="col" { (locale.t("admin.attendees.registered_at")) }
                        th scope="col" { (locale.t("admin.attendees.actions")) }
                    } }
                    tbody {
                        @for (row, position) in view.rows {
                            tr {
                                // User text in <bdi>: right-to-left text cannot reorder the rest.
                                th scope="row" { bdi { (row.name) } }
                                td class="email" data-label=(locale.t("field.email")) { bdi { (row.email) } }
                                td data-label=(locale.t("manage.affiliation")) { bdi { (affiliation(row, view.members)) } }
                                td data-label=(locale.t("field.role_title")) { bdi { (row.role_title) } }
                                td data-label=(locale.t("admin.status")) {
                                    (locale.t(&format!("admin.registration_status.{}", row.status)))
                                    @if let Some(p) = position { " (" (p) ")" }
                                    @if row.checked_in_at.is_some() { " · " (locale.t("admin.checkin.arrived")) }
                                }
                                td data-label=(locale.t("admin.attendees.registered_at")) { (format::date_time(row.created_at, tz, locale)) }
                                td class="row-actions" {
                                    @if row.status != RegistrationStatus::Cancelled {
                                        form method="post" action={ (base) "/registrations/" (row.id) "/resend" } class="inline-form" { button type="submit" class="link-button" { (locale.t("admin.action.resend")) } }
                                        form method="post" action={ (base) "/registrations/" (row.id) "/cancel" } class="inline-form" { button type="submit" class="link-button" { (locale.t("admin.action.cancel")) } }
                                    }
                                    @if row.status == RegistrationStatus::Waitlisted {
                                        form method="post" action={ (base) "/registrations/" (row.id) "/promote" } class="inline-form" { button type="submit" class="link-button" { (locale.t("admin.action.promote")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            nav aria-label=(locale.t("admin.paging")) class="paging" {
                @if page > 1 { a href={ (base) "/attendees?" (query) "&page=" (page - 1) } rel="prev" { "← " (locale.t("admin.previous")) } " " }
                (locale.t("admin.page_of").replace("%{page}", &page.to_string()).replace("%{pages}", &pages.to_string()))
                @if page < pages { " " a href={ (base) "/attendees?" (query) "&page=" (page + 1) } rel="next" { (locale.t("admin.next")) " →" } }
            }
            h2 id="add" { (locale.t("admin.attendees.add")) }
            p { (locale.t("admin.attendees.add_hint")) }
            @if !view.add_errors.is_empty() { (crate::views::components::error_summary(view.add_errors, locale)) }
            form method="post" action={ (base) "/attendees" } novalidate {
                (crate::views::components::text_field(crate::domain::registration::Field::Name, &locale.t("field.name"), None, &view.add_form.name, true, crate::views::components::InputKind::Text { autocomplete: "off" }, view.add_errors, locale))
                (crate::views::components::text_field(crate::domain::registration::Field::Email, &locale.t("field.email"), None, &view.add_form.email, true, crate::views::components::InputKind::Email, view.add_errors, locale))
                div class="field" {
                    label for="add-municipality" { (locale.t("field.municipality")) }
                    select id="add-municipality" name="municipality" {
                        @for m in view.members { option value=(m.code) selected[view.add_form.municipality == m.code] { (m.name) } }
                        option value="other" selected[view.add_form.municipality == "other"] { (locale.t("field.municipality_other")) }
                    }
                }
                (crate::views::components::text_field(crate::domain::registration::Field::Organisation, &locale.t("field.organisation"), Some(&locale.t("field.organisation_hint")), &view.add_form.organisation, false, crate::views::components::InputKind::Text { autocomplete: "off" }, view.add_errors, locale))
                (crate::views::components::text_field(crate::domain::registration::Field::RoleTitle, &locale.t("field.role_title"), None, &view.add_form.role_title, true, crate::views::components::InputKind::Text { autocomplete: "off" }, view.add_errors, locale))
                button type="submit" { (locale.t("admin.attendees.add_submit")) }
            }
        },
    )
}

/// What the edit page shows besides the form: the programme, the person's
/// choices, and a notice after an action.
pub struct EditParts<'a> {
    pub programme: &'a [crate::db::entities::programme_item::Model],
    pub choices: &'a [crate::domain::choice::ChoiceLine],
    pub notice: Option<&'a str>,
    /// The person's answers to the event's questions, as a form.
    pub answers: Markup,
}

/// The organiser's edit page: the person's details and diet, and their
/// programme choices (an organiser may change a choice after its deadline;
/// the change is flagged late).
pub fn edit(
    who: &CurrentOrganiser,
    event: &event::Model,
    row: &registration::Model,
    form: &crate::domain::registration::EditForm,
    errors: &FormErrors,
    parts: &EditParts<'_>,
    locale: Locale,
) -> Markup {
    let (programme, choices) = (parts.programme, parts.choices);
    use crate::domain::registration::Field;
    use crate::views::components::{InputKind, error_summary, text_field};
    let title = locale.t("admin.attendees.edit");
    let action = format!("/admin/events/{}/registrations/{}", event.slug, row.id);
    let tz = crate::i18n::format::zone(&event.time_zone);
    admin_page(
        locale,
        Some(who),
        &title,
        &action,
        html! {
            p { a href={ "/admin/events/" (event.slug) "/attendees" } { "← " (locale.t("admin.attendees.title")) } }
            h1 { (title) ": " bdi { (row.email) } }
            @if let Some(notice) = parts.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            @if !errors.is_empty() { (error_summary(errors, locale)) }
            form method="post" action=(action) novalidate {
                (text_field(Field::Name, &locale.t("field.name"), None, &form.name, true, InputKind::Text { autocomplete: "off" }, errors, locale))
                (text_field(Field::RoleTitle, &locale.t("field.role_title"), None, &form.role_title, true, InputKind::Text { autocomplete: "off" }, errors, locale))
                (text_field(Field::Phone, &locale.t("field.phone"), None, &form.phone, false, InputKind::Tel, errors, locale))
                (text_field(Field::DietaryNeeds, &locale.t("field.dietary_needs"), None, &form.dietary_needs, false, InputKind::TextArea, errors, locale))
                (crate::views::choices::diet_fieldset(&form.diet, &form.boxes, errors, locale))
                (text_field(Field::AccessibilityNeeds, &locale.t("field.accessibility_needs"), None, &form.accessibility_needs, false, InputKind::TextArea, errors, locale))
                button type="submit" { (locale.t("admin.save")) }
            }
            @if row.status == crate::domain::event::RegistrationStatus::Confirmed {
                form method="post" action={ "/admin/events/" (event.slug) "/badges.pdf" } class="inline-form" {
                    input type="hidden" name="registration" value=(row.id);
                    input type="hidden" name="start" value="1";
                    button type="submit" class="button-secondary" { (locale.t("print.reprint")) }
                }
            }
            @if programme.iter().any(|item| item.choosable) {
                h2 id="choices-title" { (locale.t("field.choices")) }
                @if choices.is_empty() {
                    p { (locale.t("choice.none")) }
                } @else {
                    ul class="choice-lines" {
                        @for line in choices {
                            @if let Some(item) = programme.iter().find(|i| i.id == line.item_id) {
                                li { strong { (item.title) } ": " (crate::i18n::format::choice_status(line, locale)) }
                            }
                        }
                    }
                }
                form method="post" action={ (action) "/choices" } novalidate {
                    (crate::views::choices::choices_fieldset(programme, &form.boxes, errors, tz, chrono::Utc::now(), true, locale))
                    p class="hint" { (locale.t("items.organiser_late_hint")) }
                    button type="submit" { (locale.t("choice.change")) }
                }
            }
            (parts.answers)
            @if row.status != RegistrationStatus::Cancelled && event.status != crate::domain::event::EventStatus::Cancelled {
                (crate::views::substitute::hand_over_link(&format!("{action}/substitute"), locale))
            }
        },
    )
}
