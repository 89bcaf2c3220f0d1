//! `/r/{token}`: a registrant's own page, reached by their secret link.
use crate::domain::event::{EventStatus, RegistrationStatus};
use maud::{Markup, html};

use crate::domain::question::Asker;
use crate::domain::registration::{EditForm, Field};
use crate::i18n::Locale;
use crate::i18n::format;
use crate::services::registration::Managed;
use crate::views::choices::{choices_fieldset, diet_fieldset, item_time};
use crate::views::components::{
    FormErrors, InputKind, calendar_links, error_summary_with, text_field,
};
use crate::views::layout::{PageOptions, page};
use crate::views::questions::questions_fieldset;

/// A one-off message at the top of the manage page, after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Registered,
    Saved,
    Cancelled,
    /// An edit arrived for a registration that is cancelled: nothing saved.
    NotSavedCancelled,
    /// Every other link of the registration stopped working.
    LinksRevoked,
    /// The programme choices were saved.
    ChoicesSaved,
    /// The answers to the organiser's questions were saved.
    AnswersSaved,
    /// The registrant now appears on the participant list.
    Listed,
    /// The registrant no longer appears on the participant list.
    Unlisted,
    /// The registration was handed over to a substitute.
    HandedOver,
}

impl Notice {
    /// Parses the `?done=` query value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "registered" => Some(Notice::Registered),
            "saved" => Some(Notice::Saved),
            "cancelled" => Some(Notice::Cancelled),
            "not-saved-cancelled" => Some(Notice::NotSavedCancelled),
            "links-revoked" => Some(Notice::LinksRevoked),
            "choices-saved" => Some(Notice::ChoicesSaved),
            "answers-saved" => Some(Notice::AnswersSaved),
            "listed" => Some(Notice::Listed),
            "unlisted" => Some(Notice::Unlisted),
            "handed-over" => Some(Notice::HandedOver),
            _ => None,
        }
    }

    /// The `?done=` query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::Registered => "registered",
            Notice::Saved => "saved",
            Notice::Cancelled => "cancelled",
            Notice::NotSavedCancelled => "not-saved-cancelled",
            Notice::LinksRevoked => "links-revoked",
            Notice::ChoicesSaved => "choices-saved",
            Notice::AnswersSaved => "answers-saved",
            Notice::Listed => "listed",
            Notice::Unlisted => "unlisted",
            Notice::HandedOver => "handed-over",
        }
    }
}

/// The manage page.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one page, each named"
)]
pub fn render(
    managed: &Managed,
    token: &str,
    notice: Option<Notice>,
    form: &EditForm,
    answer_values: &std::collections::BTreeMap<String, String>,
    errors: &FormErrors,
    member_name: Option<&str>,
    base_url: &url::Url,
    participants: Option<&[crate::services::participants::Listed]>,
    locale: Locale,
) -> Markup {
    let registration = &managed.registration;
    let event = &managed.event;
    let tz = format::zone(&event.time_zone);
    let title = locale.t("manage.title");
    let path = format!("/r/{token}");
    let cancelled = registration.status == RegistrationStatus::Cancelled;
    let missing = managed.missing_answers();
    let has_questions = managed
        .questions
        .iter()
        .any(|q| q.asked_of(Asker::Registrant));
    page(
        locale,
        &title,
        &path,
        PageOptions { noindex: true },
        html! {
            @if !errors.is_empty() { (error_summary_with(errors, &managed.questions, locale)) }
            @match notice {
                Some(Notice::Registered) => div class="notice notice-success" role="status" {
                    @if let Some(position) = managed.waitlist_position {
                        p { strong { (locale.t("manage.waitlisted_thanks").replace("%{position}", &position.to_string())) } }
                    } @else {
                        p { strong { (locale.t("manage.thanks")) } }
                    }
                    p { (locale.t("manage.keep_link")) }
                },
                Some(Notice::Saved) => div class="notice notice-success" role="status" { p { (locale.t("manage.saved")) } },
                Some(Notice::Cancelled) => div class="notice notice-success" role="status" { p { (locale.t("manage.cancelled_notice")) } },
                Some(Notice::LinksRevoked) => div class="notice notice-success" role="status" { p { (locale.t("manage.links_revoked")) } },
                Some(Notice::ChoicesSaved) => div class="notice notice-success" role="status" { p { (locale.t("choice.saved")) } },
                Some(Notice::AnswersSaved) => div class="notice notice-success" role="status" { p { (locale.t("questions.manage.saved")) } },
                Some(Notice::Listed) => div class="notice notice-success" role="status" { p { (locale.t("participants.notice_listed")) } },
                Some(Notice::Unlisted) => div class="notice notice-success" role="status" { p { (locale.t("participants.notice_unlisted")) } },
                Some(Notice::HandedOver) => div class="notice notice-success" role="status" {
                    p { (locale.t("substitute.done").replace("%{name}", managed.replaced_by_name.as_deref().unwrap_or_default())) }
                },
                Some(Notice::NotSavedCancelled) => div class="notice notice-warning" role="alert" { p { strong { (locale.t("manage.not_saved_cancelled")) } } },
                None => {},
            }
            h1 { (title) }
            p {
                a href={ "/events/" (event.slug) } rel="noreferrer" { (event.title) }
                br;
                (format::span(event.starts_at, event.ends_at, tz, locale)) ", " (event.venue_name)
            }
            @if event.status == EventStatus::Cancelled {
                p class="notice notice-warning" { strong { (locale.t("event.cancelled")) } }
            }
            @if !cancelled && !missing.is_empty() {
                div class="notice notice-warning" id="complete-answers" {
                    p { strong { (locale.t("questions.manage.complete")) } }
                    p { a href="#answers-title" { (locale.t("questions.manage.complete_link")) } }
                }
            }
            h2 { (locale.t("manage.status")) }
            p class="status" {
                @match registration.status {
                    RegistrationStatus::Confirmed => strong { (locale.t("status.confirmed")) },
                    RegistrationStatus::Waitlisted => strong {
                        (locale.t("status.waitlisted").replace("%{position}", &managed.waitlist_position.unwrap_or(0).to_string()))
                    },
                    RegistrationStatus::Cancelled => strong { (locale.t("status.cancelled")) },
                }
                @if let Some(name) = &managed.replaced_by_name {
                    " " (locale.t("substitute.replaced_by").replace("%{name}", name))
                }
            }
            dl class="facts" {
                // User text in <bdi>: right-to-left text cannot reorder the rest.
                dt { (locale.t("field.email")) } dd { bdi { (registration.email) } }
                dt { (locale.t("manage.affiliation")) }
                dd { bdi { (member_name.or(registration.organisation.as_deref()).unwrap_or("")) } }
            }
            @if managed.programme.iter().any(|item| item.choosable) {
                h2 { (locale.t("mail.choices")) }
                (chosen_list(managed, tz, locale))
            }
            @if registration.status == RegistrationStatus::Confirmed && event.status != EventStatus::Cancelled {
                h2 { (locale.t("calendar.label")) }
                (calendar_links(event, &format!("{path}/invite.ics"), base_url, locale))
            }
            @if !cancelled {
                h2 { (locale.t("manage.edit_title")) }
                form method="post" action=(path) novalidate {
                    (text_field(Field::Name, &locale.t("field.name"), None, &form.name, true, InputKind::Text { autocomplete: "name" }, errors, locale))
                    (text_field(Field::RoleTitle, &locale.t("field.role_title"), None, &form.role_title, true, InputKind::Text { autocomplete: "organization-title" }, errors, locale))
                    (text_field(Field::Phone, &locale.t("field.phone"), None, &form.phone, false, InputKind::Tel, errors, locale))
                    (diet_fieldset(&form.diet, &form.boxes, errors, locale))
                    (text_field(Field::DietaryNeeds, &locale.t("field.dietary_needs"), Some(&locale.t("field.needs_hint")), &form.dietary_needs, false, InputKind::TextArea, errors, locale))
                    (text_field(Field::AccessibilityNeeds, &locale.t("field.accessibility_needs"), Some(&locale.t("field.needs_hint")), &form.accessibility_needs, false, InputKind::TextArea, errors, locale))
                    button type="submit" { (locale.t("manage.save")) }
                }
                @if managed.programme.iter().any(|item| item.choosable) {
                    form method="post" action={ (path) "/choices" } novalidate {
                        (choices_fieldset(&managed.programme, &form.boxes, errors, tz, chrono::Utc::now(), false, locale))
                        button type="submit" { (locale.t("choice.change")) }
                    }
                }
                @if has_questions {
                    h2 id="answers-title" { (locale.t("questions.manage.title")) }
                    p { (locale.t("questions.manage.intro")) }
                    form method="post" action={ (path) "/answers" } novalidate {
                        (questions_fieldset(&managed.questions, answer_values, errors, Asker::Registrant, locale))
                        button type="submit" { (locale.t("questions.manage.save")) }
                    }
                }
                (super::participants::section(&path, registration.participant_list_consented_at.is_some(), participants, locale))
                @if event.status != EventStatus::Cancelled && chrono::Utc::now() < event.starts_at {
                    (crate::views::substitute::hand_over_link(&format!("{path}/substitute"), locale))
                }
                h2 { (locale.t("manage.cancel_title")) }
            p { a class="button button-secondary" href={ (path) "/cancel" } rel="noreferrer" { (locale.t("manage.cancel_link")) } }
        }
        h2 { (locale.t("manage.data_title")) }
        p { (locale.t("manage.data_body")) }
        ul {
            li { a href={ (path) "/data.json" } download rel="noreferrer" { (locale.t("manage.data_download")) } }
            li { a href={ (path) "/delete" } rel="noreferrer" { (locale.t("manage.delete_link")) } }
        }
        @if !cancelled {
            h2 { (locale.t("manage.links_title")) }
            p { (locale.t("manage.links_body")) }
            form method="post" action={ (path) "/links/revoke" } {
                button type="submit" class="button-secondary" { (locale.t("manage.links_revoke")) }
            }
        }
        },
    )
}

/// The registration's choices and where each stands.
fn chosen_list(managed: &Managed, tz: chrono_tz::Tz, locale: Locale) -> Markup {
    html! {
        @if managed.choices.is_empty() {
            p { (locale.t("choice.none")) }
        } @else {
            ul class="chosen" {
                @for line in &managed.choices {
                    @if let Some(item) = managed.programme.iter().find(|i| i.id == line.item_id) {
                        li {
                            strong { (item.title) } ", " (item_time(item, tz, locale)) ": "
                            (format::choice_status(line, locale))
                        }
                    }
                }
            }
        }
    }
}

/// The confirmation step before cancelling.
pub fn confirm_cancel(managed: &Managed, token: &str, locale: Locale) -> Markup {
    let title = locale.t("cancel.title");
    let path = format!("/r/{token}");
    page(
        locale,
        &title,
        &format!("{path}/cancel"),
        PageOptions { noindex: true },
        html! {
            h1 { (title) }
            p { (locale.t("cancel.body").replace("%{event}", &managed.event.title)) }
            @if managed.registration.status == RegistrationStatus::Confirmed {
                p { (locale.t("cancel.seat_passes_on")) }
            }
            form method="post" action={ (path) "/cancel" } {
                button type="submit" class="button-warning" { (locale.t("cancel.confirm")) }
            }
            p { a href=(path) rel="noreferrer" { (locale.t("cancel.keep")) } }
        },
    )
}

/// The confirmation step before deleting one's data.
pub fn confirm_delete(managed: &Managed, token: &str, locale: Locale) -> Markup {
    let title = locale.t("delete.title");
    let path = format!("/r/{token}");
    page(
        locale,
        &title,
        &format!("{path}/delete"),
        PageOptions { noindex: true },
        html! {
            h1 { (title) }
            p { (locale.t("delete.body").replace("%{event}", &managed.event.title)) }
            form method="post" action={ (path) "/delete" } {
                button type="submit" class="button-warning" { (locale.t("delete.confirm")) }
            }
            p { a href=(path) rel="noreferrer" { (locale.t("delete.keep")) } }
        },
    )
}

/// Shown once the data is deleted; the old link no longer opens anything.
pub fn deleted(locale: Locale) -> Markup {
    let title = locale.t("delete.done_title");
    page(
        locale,
        &title,
        "/",
        PageOptions { noindex: true },
        html! {
            h1 { (title) }
            p { (locale.t("delete.done_body")) }
            p { a href="/" rel="noreferrer" { (locale.t("error_page.home")) } }
        },
    )
}
