//! Small pieces that pages share: form fields with their label, hint and
//! error tied together by `aria-describedby`, and the error summary.
use maud::{Markup, html};

use crate::domain::question::Question;
use crate::domain::registration::{Field, FieldError};
use crate::i18n::Locale;

/// The errors of a submitted form, in field order.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// The message for a field, if it has an error.
    pub fn for_field(&self, field: Field, locale: Locale) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| locale.t(&e.message_key()))
    }

    /// The message for one of the organiser's questions, naming it.
    pub fn for_question(&self, question: &Question, locale: Locale) -> Option<String> {
        self.for_field(Field::Question(question.id), locale)
            .map(|m| m.replace("%{label}", crate::i18n::questions::label(question, locale)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The box at the top of a form that lists every error and links to its
/// field. It takes focus-worthy role="alert" so screen readers announce it.
pub fn error_summary(errors: &FormErrors, locale: Locale) -> Markup {
    error_summary_with(errors, &[], locale)
}

/// [`error_summary`] for a form with the organiser's questions, whose
/// messages name the question.
pub fn error_summary_with(errors: &FormErrors, questions: &[Question], locale: Locale) -> Markup {
    let message = |error: &FieldError| {
        let text = locale.t(&error.message_key());
        match error.field {
            Field::Question(id) => match questions.iter().find(|q| q.id == id) {
                Some(q) => text.replace("%{label}", crate::i18n::questions::label(q, locale)),
                None => text.replace("%{label}", ""),
            },
            _ => text,
        }
    };
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary" autofocus {
                h2 id="error-summary-title" { (locale.t("form.error_summary")) }
                ul {
                    @for error in &errors.0 {
                        li { a href={ "#" (error.field.id()) } { (message(error)) } }
                    }
                }
            }
        }
    }
}

/// How a text field is drawn.
#[derive(Clone, Copy)]
pub enum InputKind {
    Text {
        autocomplete: &'static str,
    },
    Email,
    Tel,
    TextArea,
    DateTime,
    Number,
    LongText,
    /// A decimal number, typed as text (`inputmode="decimal"`), so the
    /// browser neither rounds it nor refuses a decimal comma.
    Decimal,
    /// A calendar date (`YYYY-MM-DD`).
    Date,
}

/// A labelled input with an optional hint and its error.
#[allow(clippy::too_many_arguments)]
pub fn text_field(
    field: Field,
    label: &str,
    hint: Option<&str>,
    value: &str,
    required: bool,
    kind: InputKind,
    errors: &FormErrors,
    locale: Locale,
) -> Markup {
    let error = errors.for_field(field, locale);
    input_field(
        &field.id(),
        label,
        hint,
        value,
        required,
        kind,
        error.as_deref(),
        locale,
    )
}

/// How any input is drawn: label, hint, error and the control, tied
/// together with `aria-describedby`; used by the public and admin forms.
#[allow(clippy::too_many_arguments)]
pub fn input_field(
    id: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    required: bool,
    kind: InputKind,
    error: Option<&str>,
    locale: Locale,
) -> Markup {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let mut described = Vec::new();
    if hint.is_some() {
        described.push(hint_id.clone());
    }
    if error.is_some() {
        described.push(error_id.clone());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = error.is_some().then_some("true");
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            label for=(id) {
                (label)
                @if !required { " " span class="optional" { (locale.t("form.optional")) } }
            }
            @if let Some(hint) = hint { p class="hint" id=(hint_id) { (hint) } }
            @if let Some(error) = error {
                p class="error-message" id=(error_id) { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
            }
            @match kind {
                InputKind::Text { autocomplete } => input type="text" id=(id) name=(id) value=(value) autocomplete=(autocomplete) required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];,
                InputKind::Email => input type="email" id=(id) name=(id) value=(value) autocomplete="email" spellcheck="false" required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];,
                InputKind::Tel => input type="tel" id=(id) name=(id) value=(value) autocomplete="tel" required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];,
                InputKind::TextArea => textarea id=(id) name=(id) rows="3" required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid] { (value) },
                InputKind::DateTime => input type="datetime-local" id=(id) name=(id) value=(value) required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];,
                InputKind::Number => input type="number" min="1" inputmode="numeric" id=(id) name=(id) value=(value) required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];,
                InputKind::Decimal => input type="text" inputmode="decimal" autocomplete="off" id=(id) name=(id) value=(value) required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];,
                InputKind::Date => input type="date" id=(id) name=(id) value=(value) required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid];,
                InputKind::LongText => textarea id=(id) name=(id) rows="8" required[required] aria-describedby=[described.as_deref()] aria-invalid=[invalid] { (value) },
            }
        }
    }
}

/// A labelled select of (value, label) options.
pub fn select_field(
    id: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    error: Option<&str>,
    locale: Locale,
) -> Markup {
    let error_id = format!("{id}-error");
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            label for=(id) { (label) }
            @if let Some(error) = error {
                p class="error-message" id=(error_id) { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
            }
            select id=(id) name=(id) aria-describedby=[error.map(|_| error_id.as_str())] aria-invalid=[error.map(|_| "true")] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
        }
    }
}

/// "Add to calendar": the .ics download and Google and Outlook web links.
pub fn calendar_links(
    event: &crate::db::entities::event::Model,
    ics_href: &str,
    base_url: &url::Url,
    locale: Locale,
) -> Markup {
    let page = base_url
        .join(&format!("events/{}", event.slug))
        .map(String::from)
        .unwrap_or_default();
    let location = format!("{}, {}", event.venue_name, event.venue_address);
    let details = format!("{}\n\n{page}", event.summary);
    let mut google = url::Url::parse("https://calendar.google.com/calendar/render").ok();
    if let Some(url) = google.as_mut() {
        url.query_pairs_mut()
            .append_pair("action", "TEMPLATE")
            .append_pair("text", &event.title)
            .append_pair(
                "dates",
                &format!(
                    "{}/{}",
                    crate::calendar::utc(event.starts_at),
                    crate::calendar::utc(event.ends_at)
                ),
            )
            .append_pair("details", &details)
            .append_pair("location", &location);
    }
    let mut outlook =
        url::Url::parse("https://outlook.office.com/calendar/0/deeplink/compose").ok();
    if let Some(url) = outlook.as_mut() {
        url.query_pairs_mut()
            .append_pair("path", "/calendar/action/compose")
            .append_pair("rru", "addevent")
            .append_pair("subject", &event.title)
            .append_pair(
                "startdt",
                &event
                    .starts_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )
            .append_pair(
                "enddt",
                &event
                    .ends_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )
            .append_pair("body", &details)
            .append_pair("location", &location);
    }
    html! {
        ul class="calendar-links" aria-label=(locale.t("calendar.label")) {
            // noreferrer: the manage page, reached by a secret link, shows these too.
            li { a href=(ics_href) download rel="noreferrer" { (locale.t("calendar.download")) } }
            @if let Some(url) = google { li { a href=(url.as_str()) rel="noopener noreferrer" { (locale.t("calendar.google")) } } }
            @if let Some(url) = outlook { li { a href=(url.as_str()) rel="noopener noreferrer" { (locale.t("calendar.outlook")) } } }
        }
    }
}
