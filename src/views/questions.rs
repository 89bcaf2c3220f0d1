//! The organiser's questions as form parts, shared by the public form, the
//! invitation form, the manage page and the back-office. Follow-up
//! questions stand inside their parent's group with a written cue ("Om ja:
//! …"), so the form reads right without JavaScript; `questions.js` only
//! hides a follow-up while its condition is unmet. The server decides.
use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::domain::question::{Asker, Question, QuestionKind};
use crate::domain::registration::BOX_TICKED;
use crate::i18n::Locale;
use crate::i18n::questions::{cue, help, label, option_label};
use crate::views::components::{FormErrors, InputKind, input_field};

/// The questions `asker` is asked, in order, with follow-ups inside their
/// parent's group. `values` holds the posted (or stored) form values.
pub fn questions_fieldset(
    questions: &[Question],
    values: &BTreeMap<String, String>,
    errors: &FormErrors,
    asker: Asker,
    locale: Locale,
) -> Markup {
    let mut asked: Vec<&Question> = questions.iter().filter(|q| q.asked_of(asker)).collect();
    asked.sort_by_key(|q| (q.position, q.id));
    let top: Vec<&Question> = asked
        .iter()
        .copied()
        .filter(|q| q.parent_id.is_none())
        .collect();
    let conditional = asked.iter().any(|q| q.parent_id.is_some());
    let parts = Parts {
        asked: &asked,
        values,
        errors,
        locale,
    };
    html! {
        @if !asked.is_empty() {
            div class="questions" data-questions {
                @for question in top { (parts.block(question)) }
            }
            @if conditional { script src="/static/questions.js" defer {} }
        }
    }
}

struct Parts<'a> {
    asked: &'a [&'a Question],
    values: &'a BTreeMap<String, String>,
    errors: &'a FormErrors,
    locale: Locale,
}

impl Parts<'_> {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// The label, after the cue for a follow-up.
    fn label_of(&self, question: &Question) -> String {
        let parent = question
            .parent_id
            .and_then(|p| self.asked.iter().find(|q| q.id == p));
        match parent.and_then(|p| cue(question, p, self.locale)) {
            Some(cue) => format!("{cue} {}", label(question, self.locale)),
            None => label(question, self.locale).to_owned(),
        }
    }

    /// The follow-ups of `parent`, each in a wrapper the script can hide.
    fn follow_ups(&self, parent: &Question) -> Markup {
        html! {
            @for child in self.asked.iter().filter(|q| q.parent_id == Some(parent.id)) {
                div class="follow-up" data-parent=(parent.input_id()) data-kind=(parent.kind.as_str()) data-show-when=(child.show_when.join(" ")) {
                    (self.block(child))
                }
            }
        }
    }

    fn block(&self, question: &Question) -> Markup {
        let locale = self.locale;
        let id = question.input_id();
        let error = self.errors.for_question(question, locale);
        let title = self.label_of(question);
        let help = help(question, locale);
        let text_kind = |kind| {
            input_field(
                &id,
                &title,
                help,
                self.value(&id),
                question.required,
                kind,
                error.as_deref(),
                locale,
            )
        };
        match question.kind {
            QuestionKind::ShortText => text_kind(InputKind::Text {
                autocomplete: "off",
            }),
            QuestionKind::LongText => text_kind(InputKind::TextArea),
            QuestionKind::Number => {
                let hint = help.map_or_else(
                    || locale.t("questions.number_hint"),
                    |h| format!("{h} {}", locale.t("questions.number_hint")),
                );
                input_field(
                    &id,
                    &title,
                    Some(&hint),
                    self.value(&id),
                    question.required,
                    InputKind::Decimal,
                    error.as_deref(),
                    locale,
                )
            }
            QuestionKind::Date => {
                let hint = help.map_or_else(
                    || locale.t("questions.date_hint"),
                    |h| format!("{h} {}", locale.t("questions.date_hint")),
                );
                input_field(
                    &id,
                    &title,
                    Some(&hint),
                    self.value(&id),
                    question.required,
                    InputKind::Date,
                    error.as_deref(),
                    locale,
                )
            }
            QuestionKind::YesNo | QuestionKind::OneChoice | QuestionKind::SeveralChoices => {
                self.group(question, &title, help, error.as_deref())
            }
        }
    }

    /// A yes/no or choice question: a fieldset with a legend, its options,
    /// and its follow-ups inside.
    fn group(
        &self,
        question: &Question,
        title: &str,
        help: Option<&str>,
        error: Option<&str>,
    ) -> Markup {
        let locale = self.locale;
        let id = question.input_id();
        let group_id = match question.kind {
            // The checkbox itself takes the id the error summary links to.
            QuestionKind::YesNo => format!("{id}-group"),
            _ => id.clone(),
        };
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let mut described: Vec<&str> = Vec::new();
        if help.is_some() {
            described.push(&hint_id);
        }
        if error.is_some() {
            described.push(&error_id);
        }
        let described = (!described.is_empty()).then(|| described.join(" "));
        let optional = !question.required && question.kind != QuestionKind::YesNo;
        html! {
            fieldset id=(group_id) class={ "field question" @if error.is_some() { " field-error" } } aria-describedby=[described.as_deref()] {
                legend {
                    (title)
                    @if optional { " " span class="optional" { (locale.t("form.optional")) } }
                }
                @if let Some(help) = help { p class="hint" id=(hint_id) { (help) } }
                @if let Some(error) = error {
                    p class="error-message" id=(error_id) { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
                }
                @match question.kind {
                    QuestionKind::YesNo => div class="choice" {
                        input type="checkbox" id=(id) name=(id) value=(BOX_TICKED) checked[self.value(&id) == BOX_TICKED] aria-invalid=[error.map(|_| "true")];
                        label for=(id) { (locale.t("questions.yes")) }
                    },
                    QuestionKind::OneChoice => {
                        @let chosen = self.value(&id);
                        @if optional {
                            div class="choice" {
                                input type="radio" id={ (id) "-none" } name=(id) value="" checked[chosen.is_empty()];
                                label for={ (id) "-none" } { (locale.t("questions.no_answer")) }
                            }
                        }
                        @for option in question.options.iter().filter(|o| !o.archived || chosen == o.id.to_string()) {
                            @let option_id = question.option_input(option.id);
                            div class="choice" {
                                input type="radio" id=(option_id) name=(id) value=(option.id) checked[chosen == option.id.to_string()];
                                label for=(option_id) { (option_label(option, locale)) }
                            }
                        }
                    },
                    _ => {
                        @for option in &question.options {
                            @let name = question.option_input(option.id);
                            @let ticked = self.value(&name) == BOX_TICKED;
                            @if !option.archived || ticked {
                                div class="choice" {
                                    input type="checkbox" id=(name) name=(name) value=(BOX_TICKED) checked[ticked];
                                    label for=(name) { (option_label(option, locale)) }
                                }
                            }
                        }
                    },
                }
                (self.follow_ups(question))
            }
        }
    }
}

/// The form values that show stored answers.
pub fn answer_values(
    questions: &[Question],
    answers: &crate::domain::question::Answers,
) -> BTreeMap<String, String> {
    answers
        .iter()
        .filter_map(|(id, value)| Some(value.form_values(questions.iter().find(|q| q.id == *id)?)))
        .flatten()
        .collect()
}
