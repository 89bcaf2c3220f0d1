//! `/admin/events/{slug}/messages`: write to a filtered audience now, see
//! how many it reaches and a preview, send; and the messages sent.
use maud::{Markup, html};

use crate::db::entities::{event, municipality, programme_item};
use crate::domain::event_form::EventFieldError;
use crate::domain::registration::BOX_TICKED;
use crate::i18n::{Locale, format};
use crate::mail::messages::RenderedEmail;
use crate::services::accounts::CurrentOrganiser;
use crate::services::messages::{AudienceFilter, MessageForm, MessageLine};
use crate::views::admin::layout::admin_page;
use crate::views::admin::reminders::{error_for, summary};
use crate::views::components::{InputKind, input_field, select_field};

/// A preview of the message before it is sent.
pub struct Preview {
    /// How many people it reaches now.
    pub count: usize,
    /// The key the send form carries (one send per preview).
    pub submission_key: String,
    /// The name of the person the example is rendered for.
    pub example_name: String,
    pub swedish: Option<RenderedEmail>,
    pub english: Option<RenderedEmail>,
}

/// What the messages page shows.
pub struct MessagesPage<'a> {
    pub event: &'a event::Model,
    pub lines: &'a [MessageLine],
    pub items: &'a [programme_item::Model],
    pub members: &'a [municipality::Model],
    pub form: &'a MessageForm,
    pub errors: &'a [EventFieldError],
    pub notice: Option<String>,
    pub preview: Option<Preview>,
}

fn filter_text(filter: &AudienceFilter, view: &MessagesPage<'_>, locale: Locale) -> String {
    let mut parts = vec![if filter.status.is_empty() {
        locale.t("messages.status_any")
    } else {
        locale.t(&format!("messages.status_{}", filter.status))
    }];
    if let Some(item) = view.items.iter().find(|i| i.id.to_string() == filter.item) {
        parts.push(item.title.clone());
    }
    match filter.municipality.as_str() {
        "" => {}
        "other" => parts.push(locale.t("messages.municipality_other")),
        code => parts.push(
            view.members
                .iter()
                .find(|m| m.code == code)
                .map_or_else(|| code.to_owned(), |m| m.name.clone()),
        ),
    }
    match filter.checked_in.as_str() {
        "yes" => parts.push(locale.t("messages.checked_in_yes")),
        "no" => parts.push(locale.t("messages.checked_in_no")),
        _ => {}
    }
    parts.join(", ")
}

fn shown(email: &RenderedEmail, heading: &str) -> Markup {
    html! {
        section class="preview" aria-label=(heading) {
            h3 { (heading) }
            p { strong { (email.subject) } }
            div class="preview-text" {
                @for line in email.text.lines() {
                    (line) br;
                }
            }
        }
    }
}

/// The messages page, with a preview once asked for.
pub fn render(who: &CurrentOrganiser, view: &MessagesPage<'_>, locale: Locale) -> Markup {
    let event = view.event;
    let base = format!("/admin/events/{}", event.slug);
    let tz = format::zone(&event.time_zone);
    let title = locale.t("messages.title");
    let form = view.form;
    let e = |field: &str| error_for(view.errors, field, locale);
    let statuses: Vec<(String, String)> = ["", "confirmed", "waitlisted", "cancelled"]
        .iter()
        .map(|s| {
            let key = if s.is_empty() {
                "messages.status_any".to_owned()
            } else {
                format!("messages.status_{s}")
            };
            ((*s).to_owned(), locale.t(&key))
        })
        .collect();
    let mut items = vec![(String::new(), locale.t("messages.item_any"))];
    items.extend(
        view.items
            .iter()
            .map(|i| (i.id.to_string(), i.title.clone())),
    );
    let mut municipalities = vec![(String::new(), locale.t("messages.municipality_any"))];
    municipalities.extend(
        view.members
            .iter()
            .map(|m| (m.code.clone(), m.name.clone())),
    );
    municipalities.push(("other".to_owned(), locale.t("messages.municipality_other")));
    let checked: Vec<(String, String)> = [("", "any"), ("yes", "yes"), ("no", "no")]
        .iter()
        .map(|(v, k)| {
            (
                (*v).to_owned(),
                locale.t(&format!("messages.checked_in_{k}")),
            )
        })
        .collect();
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/messages"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            @if let Some(notice) = &view.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            (summary(view.errors, locale))
            h1 { (title) }
            p { (locale.t("messages.intro")) }
            @if let Some(preview) = &view.preview {
                section class="message-preview" aria-labelledby="preview-title" {
                    h2 id="preview-title" { (locale.t("messages.preview_title")) }
                    p class="headline" role="status" {
                        strong {
                            @if preview.count == 0 { (locale.t("messages.nobody")) }
                            @else { (locale.t_with("messages.reaches", &[("count", &preview.count.to_string())])) }
                        }
                    }
                    @if preview.count > 0 {
                        p { (locale.t_with("messages.preview_to", &[("name", &preview.example_name)])) }
                        @if let Some(email) = &preview.swedish { (shown(email, &locale.t("messages.preview_sv"))) }
                        @if let Some(email) = &preview.english { (shown(email, &locale.t("messages.preview_en"))) }
                        form method="post" action={ (base) "/messages" } {
                            input type="hidden" name="submission_key" value=(preview.submission_key);
                            @for (name, value) in [
                                ("subject_sv", &form.subject_sv), ("subject_en", &form.subject_en),
                                ("body_sv", &form.body_sv), ("body_en", &form.body_en),
                                ("with_invite", &form.with_invite),
                                ("status", &form.audience.status), ("item", &form.audience.item),
                                ("municipality", &form.audience.municipality), ("checked_in", &form.audience.checked_in),
                            ] {
                                input type="hidden" name=(name) value=(value);
                            }
                            button type="submit" { (locale.t_with("messages.send_button", &[("count", &preview.count.to_string())])) }
                        }
                    }
                }
            }
            h2 { (locale.t("messages.compose_title")) }
            form method="post" action={ (base) "/messages/preview" } novalidate {
                fieldset {
                    legend { (locale.t("messages.filter_legend")) }
                    (select_field("status", &locale.t("messages.status"), &statuses, &form.audience.status, e("status").as_deref(), locale))
                    @if !view.items.is_empty() {
                        (select_field("item", &locale.t("messages.item"), &items, &form.audience.item, e("item").as_deref(), locale))
                    }
                    (select_field("municipality", &locale.t("messages.municipality"), &municipalities, &form.audience.municipality, None, locale))
                    (select_field("checked_in", &locale.t("messages.checked_in"), &checked, &form.audience.checked_in, e("checked_in").as_deref(), locale))
                }
                fieldset {
                    legend { (locale.t("messages.words_legend")) }
                    (input_field("subject_sv", &locale.t("messages.subject_sv"), None, &form.subject_sv, true, InputKind::Text { autocomplete: "off" }, e("subject_sv").as_deref(), locale))
                    (input_field("body_sv", &locale.t("messages.body_sv"), None, &form.body_sv, true, InputKind::LongText, e("body_sv").as_deref(), locale))
                    (input_field("subject_en", &locale.t("messages.subject_en"), Some(&locale.t("messages.en_hint")), &form.subject_en, false, InputKind::Text { autocomplete: "off" }, e("subject_en").as_deref(), locale))
                    (input_field("body_en", &locale.t("messages.body_en"), Some(&locale.t("messages.en_hint")), &form.body_en, false, InputKind::LongText, e("body_en").as_deref(), locale))
                    div class="field field-checkbox" {
                        input type="checkbox" id="with_invite" name="with_invite" value=(BOX_TICKED) checked[form.with_invite()];
                        label for="with_invite" { (locale.t("messages.with_invite")) }
                    }
                }
                button type="submit" { (locale.t("messages.preview_button")) }
            }
            h2 { (locale.t("messages.sent_title")) }
            @if view.lines.is_empty() {
                p { (locale.t("messages.none")) }
            } @else {
                table class="data stacked" {
                    thead { tr {
                        th scope="col" { (locale.t("messages.col.at")) }
                        th scope="col" { (locale.t("messages.col.subject")) }
                        th scope="col" { (locale.t("messages.col.audience")) }
                        th scope="col" class="num" { (locale.t("messages.col.recipients")) }
                        th scope="col" class="num" { (locale.t("messages.col.sent")) }
                        th scope="col" { (locale.t("messages.col.by")) }
                    } }
                    tbody { @for line in view.lines {
                        tr {
                            td data-label=(locale.t("messages.col.at")) { (format::date_time(line.message.created_at, tz, locale)) }
                            td data-label=(locale.t("messages.col.subject")) { bdi { (line.message.subject_sv) } }
                            td data-label=(locale.t("messages.col.audience")) { (filter_text(&line.filter, view, locale)) }
                            td class="num" data-label=(locale.t("messages.col.recipients")) { (line.message.recipients) }
                            td class="num" data-label=(locale.t("messages.col.sent")) { (line.sent) }
                            td data-label=(locale.t("messages.col.by")) { bdi { (line.message.sent_by) } }
                        }
                    } }
                }
            }
            p { a href={ (base) "/emails" } { (locale.t("reminders.email_log")) } }
        },
    )
}
