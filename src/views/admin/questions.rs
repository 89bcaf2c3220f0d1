//! `/admin/events/{slug}/questions`: the event's own questions in order,
//! the form that adds or edits one, and who still has to answer.
use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::db::entities::event;
use crate::domain::question::{Audience, Question, QuestionKind, WHEN_NO, WHEN_YES};
use crate::i18n::Locale;
use crate::i18n::questions::{label, option_label};
use crate::services::accounts::CurrentOrganiser;
use crate::views::admin::layout::admin_page;
use crate::views::components::{InputKind, input_field, select_field};

/// The ticked value of the page's checkboxes.
pub const TICKED: &str = "yes";

/// Everything the page shows.
pub struct QuestionsPage<'a> {
    pub event: &'a event::Model,
    pub questions: &'a [Question],
    /// Answers per question id.
    pub answer_counts: &'a BTreeMap<i32, u64>,
    /// Active registrations still missing a required answer.
    pub outstanding: usize,
    /// The question being edited; `None` for a new one.
    pub editing: Option<&'a Question>,
    /// The form's values (as posted, or from the edited question).
    pub values: &'a BTreeMap<String, String>,
    /// A rejected save: the field's id and the message.
    pub error: Option<(String, String)>,
    pub notice: Option<String>,
    /// Days after the event that sensitive answers are kept.
    pub sensitive_days: u32,
}

/// The form's values for a stored question.
pub fn values_of(question: &Question) -> BTreeMap<String, String> {
    let mut values = BTreeMap::from([
        ("key".to_owned(), question.key.clone()),
        ("kind".to_owned(), question.kind.as_str().to_owned()),
        ("label_sv".to_owned(), question.label_sv.clone()),
        ("label_en".to_owned(), question.label_en.clone()),
        ("help_sv".to_owned(), question.help_sv.clone()),
        ("help_en".to_owned(), question.help_en.clone()),
        ("position".to_owned(), question.position.to_string()),
        ("audience".to_owned(), question.audience.as_str().to_owned()),
    ]);
    if question.required {
        values.insert("required".into(), TICKED.into());
    }
    if question.sensitive {
        values.insert("sensitive".into(), TICKED.into());
    }
    if let (Some(parent), Some(when)) = (question.parent_id, question.show_when.first()) {
        values.insert("condition".into(), format!("{parent}:{when}"));
    }
    for option in &question.options {
        values.insert(format!("option-{}-sv", option.id), option.label_sv.clone());
        values.insert(format!("option-{}-en", option.id), option.label_en.clone());
        if option.archived {
            values.insert(format!("option-{}-remove", option.id), TICKED.into());
        }
    }
    values
}

/// The form's values for a new question: after the last one.
pub fn new_values(questions: &[Question]) -> BTreeMap<String, String> {
    let next = questions
        .iter()
        .map(|q| q.position)
        .max()
        .map_or(1, |p| p + 1);
    BTreeMap::from([
        (
            "kind".to_owned(),
            QuestionKind::ShortText.as_str().to_owned(),
        ),
        ("position".to_owned(), next.to_string()),
        ("audience".to_owned(), Audience::Public.as_str().to_owned()),
    ])
}

/// "Fråga: Ja" and the like: what a condition reads as.
fn condition_choices(
    questions: &[Question],
    editing: Option<&Question>,
    locale: Locale,
) -> Vec<(String, String)> {
    let mut choices = vec![(String::new(), locale.t("questions.admin.always"))];
    for parent in questions.iter().filter(|q| q.kind.can_be_parent()) {
        if editing.is_some_and(|e| e.id == parent.id) {
            continue;
        }
        let name = label(parent, locale);
        if parent.kind == QuestionKind::YesNo {
            choices.push((
                format!("{}:{WHEN_YES}", parent.id),
                format!("{name}: {}", locale.t("questions.yes")),
            ));
            choices.push((
                format!("{}:{WHEN_NO}", parent.id),
                format!("{name}: {}", locale.t("questions.no")),
            ));
        } else {
            for option in parent.options.iter().filter(|o| !o.archived) {
                choices.push((
                    format!("{}:{}", parent.id, option.id),
                    format!("{name}: {}", option_label(option, locale)),
                ));
            }
        }
    }
    choices
}

/// What a question's condition reads as in the table.
fn condition_text(question: &Question, questions: &[Question], locale: Locale) -> String {
    let Some(parent) = question
        .parent_id
        .and_then(|p| questions.iter().find(|q| q.id == p))
    else {
        return locale.t("questions.admin.always");
    };
    let when: Vec<String> = question
        .show_when
        .iter()
        .map(|w| match w.as_str() {
            WHEN_YES => locale.t("questions.yes"),
            WHEN_NO => locale.t("questions.no"),
            id => id
                .parse()
                .ok()
                .and_then(|id| parent.option(id))
                .map(|o| option_label(o, locale).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    format!("{}: {}", label(parent, locale), when.join(", "))
}

/// The page.
pub fn render(who: &CurrentOrganiser, page: &QuestionsPage<'_>, locale: Locale) -> Markup {
    let event = page.event;
    let base = format!("/admin/events/{}", event.slug);
    let title = locale.t("questions.title");
    let yes_no = |b: bool| locale.t(if b { "questions.yes" } else { "questions.no" });
    admin_page(
        locale,
        Some(who),
        &format!("{title}: {}", event.title),
        &format!("{base}/questions"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            h1 { (title) }
            @if let Some(notice) = &page.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            @if let Some((field, message)) = &page.error {
                div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary" {
                    h2 id="error-summary-title" { (locale.t("form.error_summary")) }
                    ul { li { a href={ "#" (field) } { (message) } } }
                }
            }
            p { (locale.t("questions.admin.intro").replace("%{days}", &page.sensitive_days.to_string())) }
            section aria-labelledby="outstanding-title" {
                h2 id="outstanding-title" { (locale.t("questions.admin.outstanding_title")) }
                @if page.outstanding == 0 {
                    p { (locale.t("questions.admin.outstanding_none")) }
                } @else {
                    p id="outstanding-count" { strong { (locale.t("questions.admin.outstanding").replace("%{count}", &page.outstanding.to_string())) } }
                    p class="hint" id="remind-hint" { (locale.t("questions.admin.remind_hint")) }
                    form method="post" action={ (base) "/questions/remind" } {
                        button type="submit" aria-describedby="remind-hint" { (locale.t("questions.admin.remind")) }
                    }
                }
            }
            @if page.questions.is_empty() {
                p { (locale.t("questions.admin.none")) }
            } @else {
                div class="table-scroll" {
                    table class="responsive" {
                        caption { (locale.t("questions.admin.list_caption")) }
                        thead { tr {
                            th scope="col" class="num" { (locale.t("questions.admin.position")) }
                            th scope="col" { (locale.t("questions.admin.label")) }
                            th scope="col" { (locale.t("questions.admin.key")) }
                            th scope="col" { (locale.t("questions.admin.kind")) }
                            th scope="col" { (locale.t("questions.admin.required")) }
                            th scope="col" { (locale.t("questions.admin.audience")) }
                            th scope="col" { (locale.t("questions.admin.sensitive")) }
                            th scope="col" { (locale.t("questions.admin.condition")) }
                            th scope="col" class="num" { (locale.t("questions.admin.answers")) }
                            th scope="col" { (locale.t("questions.admin.actions")) }
                        } }
                        tbody {
                            @for question in page.questions {
                                tr id={ "question-" (question.id) } {
                                    td class="num" data-label=(locale.t("questions.admin.position")) { (question.position) }
                                    th scope="row" { bdi { (label(question, locale)) } }
                                    td data-label=(locale.t("questions.admin.key")) { code { (question.key) } }
                                    td data-label=(locale.t("questions.admin.kind")) { (locale.t(&question.kind.label_key())) }
                                    td data-label=(locale.t("questions.admin.required")) { (yes_no(question.required)) }
                                    td data-label=(locale.t("questions.admin.audience")) { (locale.t(&format!("questions.admin.audience_{}", question.audience))) }
                                    td data-label=(locale.t("questions.admin.sensitive")) { (yes_no(question.sensitive)) }
                                    td data-label=(locale.t("questions.admin.condition")) { (condition_text(question, page.questions, locale)) }
                                    td class="num" data-label=(locale.t("questions.admin.answers")) { (page.answer_counts.get(&question.id).copied().unwrap_or(0)) }
                                    td data-label=(locale.t("questions.admin.actions")) {
                                        a href={ (base) "/questions?edit=" (question.id) "#question-form-title" } aria-label=(locale.t("questions.admin.edit_named").replace("%{label}", label(question, locale))) { (locale.t("questions.admin.edit")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if page.questions.iter().any(|q| q.sensitive) {
                section aria-labelledby="sensitive-export-title" {
                    h2 id="sensitive-export-title" { (locale.t("questions.admin.sensitive_export_title")) }
                    p { (locale.t("questions.admin.sensitive_export_hint")) }
                    ul {
                        li { a href={ (base) "/attendees.csv?sensitive=1" } { (locale.t("questions.admin.sensitive_csv")) } }
                        li { a href={ (base) "/attendees.xlsx?sensitive=1" } { (locale.t("questions.admin.sensitive_xlsx")) } }
                    }
                }
            }
            (question_form(&base, page, locale))
        },
    )
}

fn question_form(base: &str, page: &QuestionsPage<'_>, locale: Locale) -> Markup {
    let values = page.values;
    let value = |name: &str| values.get(name).map_or("", String::as_str);
    let ticked = |name: &str| value(name) == TICKED;
    let error = |field: &str| {
        page.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    };
    let action = match page.editing {
        Some(question) => format!("{base}/questions/{}", question.id),
        None => format!("{base}/questions"),
    };
    let kinds: Vec<(String, String)> = QuestionKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), locale.t(&k.label_key())))
        .collect();
    let conditions = condition_choices(page.questions, page.editing, locale);
    let options = page.editing.map_or(&[][..], |q| q.options.as_slice());
    let options_error = error("options");
    html! {
        section aria-labelledby="question-form-title" {
            h2 id="question-form-title" {
                @if page.editing.is_some() { (locale.t("questions.admin.edit_title")) } @else { (locale.t("questions.admin.new_title")) }
            }
            form method="post" action=(action) novalidate {
                (input_field("key", &locale.t("questions.admin.key"), Some(&locale.t("questions.admin.key_hint")), value("key"), true, InputKind::Text { autocomplete: "off" }, error("key"), locale))
                (select_field("kind", &locale.t("questions.admin.kind"), &kinds, value("kind"), error("kind"), locale))
                (input_field("label_sv", &locale.t("questions.admin.label_sv"), None, value("label_sv"), true, InputKind::Text { autocomplete: "off" }, error("label_sv"), locale))
                (input_field("label_en", &locale.t("questions.admin.label_en"), Some(&locale.t("questions.admin.label_en_hint")), value("label_en"), false, InputKind::Text { autocomplete: "off" }, None, locale))
                (input_field("help_sv", &locale.t("questions.admin.help_sv"), None, value("help_sv"), false, InputKind::TextArea, None, locale))
                (input_field("help_en", &locale.t("questions.admin.help_en"), None, value("help_en"), false, InputKind::TextArea, None, locale))
                div class="field field-checkbox" {
                    input type="checkbox" id="required" name="required" value=(TICKED) checked[ticked("required")];
                    label for="required" { (locale.t("questions.admin.required_box")) }
                }
                (input_field("position", &locale.t("questions.admin.position"), Some(&locale.t("questions.admin.position_hint")), value("position"), true, InputKind::Number, error("position"), locale))
                fieldset class="field" {
                    legend { (locale.t("questions.admin.audience")) }
                    @for audience in Audience::ALL {
                        @let id = format!("audience-{}", audience.as_str());
                        div class="choice" {
                            input type="radio" id=(id) name="audience" value=(audience.as_str()) checked[value("audience") == audience.as_str()];
                            label for=(id) { (locale.t(&format!("questions.admin.audience_{}", audience.as_str()))) }
                        }
                    }
                }
                div class="field field-checkbox" {
                    input type="checkbox" id="sensitive" name="sensitive" value=(TICKED) checked[ticked("sensitive")];
                    label for="sensitive" { (locale.t("questions.admin.sensitive_box")) }
                }
                div class={ "field" @if error("condition").is_some() { " field-error" } } {
                    label for="condition" { (locale.t("questions.admin.condition")) }
                    p class="hint" id="condition-hint" { (locale.t("questions.admin.condition_hint")) }
                    @if let Some(message) = error("condition") {
                        p class="error-message" id="condition-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (message) }
                    }
                    select id="condition" name="condition" aria-describedby={ "condition-hint" @if error("condition").is_some() { " condition-error" } } aria-invalid=[error("condition").map(|_| "true")] {
                        @for (choice, text) in &conditions {
                            option value=(choice) selected[value("condition") == choice] { (text) }
                        }
                    }
                }
                fieldset id="options" class={ "field" @if options_error.is_some() { " field-error" } } aria-describedby="options-hint" {
                    legend { (locale.t("questions.admin.options")) }
                    p class="hint" id="options-hint" { (locale.t("questions.admin.options_hint")) }
                    @if let Some(message) = options_error {
                        p class="error-message" id="options-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (message) }
                    }
                    @for (index, option) in options.iter().enumerate() {
                        @let n = (index + 1).to_string();
                        @let sv = format!("option-{}-sv", option.id);
                        @let en = format!("option-{}-en", option.id);
                        @let remove = format!("option-{}-remove", option.id);
                        div class="option-row" {
                            (input_field(&sv, &locale.t("questions.admin.option_sv").replace("%{n}", &n), None, value(&sv), false, InputKind::Text { autocomplete: "off" }, None, locale))
                            (input_field(&en, &locale.t("questions.admin.option_en").replace("%{n}", &n), None, value(&en), false, InputKind::Text { autocomplete: "off" }, None, locale))
                            div class="field field-checkbox" {
                                input type="checkbox" id=(remove) name=(remove) value=(TICKED) checked[ticked(&remove)];
                                label for=(remove) {
                                    @if option.archived { (locale.t("questions.admin.option_archived")) }
                                    @else { (locale.t("questions.admin.option_remove").replace("%{n}", &n)) }
                                }
                            }
                        }
                    }
                    (input_field("new_options", &locale.t("questions.admin.new_options"), None, value("new_options"), false, InputKind::TextArea, None, locale))
                    (input_field("new_options_en", &locale.t("questions.admin.new_options_en"), None, value("new_options_en"), false, InputKind::TextArea, None, locale))
                }
                button type="submit" {
                    @if page.editing.is_some() { (locale.t("questions.admin.save")) } @else { (locale.t("questions.admin.create")) }
                }
            }
            @if let Some(question) = page.editing {
                form method="post" action={ (base) "/questions/" (question.id) "/delete" } {
                    @if let Some(message) = error("delete") {
                        p class="error-message" id="delete-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (message) }
                    }
                    p class="hint" id="delete-hint" { (locale.t("questions.admin.delete_hint")) }
                    button type="submit" id="delete" class="button-warning" aria-describedby="delete-hint" { (locale.t("questions.admin.delete")) }
                }
                p { a href={ (base) "/questions" } { (locale.t("questions.admin.cancel_edit")) } }
            }
        }
    }
}

/// The organiser's form of one person's answers on their edit page: every
/// question, the organisers' own included.
pub fn answers_form(
    action: &str,
    questions: &[Question],
    values: &BTreeMap<String, String>,
    errors: &crate::views::components::FormErrors,
    locale: Locale,
) -> Markup {
    use crate::domain::question::Asker;
    html! {
        @if !questions.is_empty() {
            h2 id="answers-title" { (locale.t("questions.admin.answers_title")) }
            form method="post" action=(action) novalidate {
                (crate::views::questions::questions_fieldset(questions, values, errors, Asker::Organiser, locale))
                button type="submit" { (locale.t("questions.admin.answers_save")) }
            }
        }
    }
}
