//! Questions and answers in the reader's language: labels (English falls
//! back to Swedish), the written cue before a follow-up, and answers as text.
use crate::domain::question::{
    AnswerValue, Question, QuestionKind, QuestionOption, WHEN_NO, WHEN_YES,
};

use super::Locale;

/// The English text, or the Swedish when there is no English.
fn pick<'a>(sv: &'a str, en: &'a str, locale: Locale) -> &'a str {
    match locale {
        Locale::En if !en.trim().is_empty() => en,
        _ => sv,
    }
}

/// A question's label in `locale`.
pub fn label(question: &Question, locale: Locale) -> &str {
    pick(&question.label_sv, &question.label_en, locale)
}

/// A question's help text in `locale`, if any.
pub fn help(question: &Question, locale: Locale) -> Option<&str> {
    Some(pick(&question.help_sv, &question.help_en, locale)).filter(|h| !h.trim().is_empty())
}

/// An option's label in `locale`.
pub fn option_label(option: &QuestionOption, locale: Locale) -> &str {
    pick(&option.label_sv, &option.label_en, locale)
}

/// "label [key]": a question's column heading in exports.
pub fn heading(question: &Question, locale: Locale) -> String {
    format!("{} [{}]", label(question, locale), question.key)
}

/// A number without a needless ".0", with a decimal comma in Swedish.
pub fn number(n: f64, locale: Locale) -> String {
    let text = format!("{n}");
    match locale {
        Locale::Sv => text.replace('.', ","),
        Locale::En => text,
    }
}

/// An answer as one line of text: options by their current label (so a
/// renamed option shows its new name), numbers as the reader writes them.
pub fn answer_text(value: &AnswerValue, question: &Question, locale: Locale) -> String {
    match value {
        AnswerValue::Text(text) => text.clone(),
        AnswerValue::Number(n) => number(*n, locale),
        AnswerValue::Flag(true) => locale.t("questions.yes"),
        AnswerValue::Flag(false) => locale.t("questions.no"),
        AnswerValue::Date(date) => date.format("%Y-%m-%d").to_string(),
        AnswerValue::Options(ids) => ids
            .iter()
            .filter_map(|id| question.option(*id))
            .map(|o| option_label(o, locale).to_owned())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// "Om ja:", "Om nej:" or "Om du svarat ”A” eller ”B”:", the written cue
/// before a follow-up question, so that it reads right without JavaScript.
pub fn cue(question: &Question, parent: &Question, locale: Locale) -> Option<String> {
    question.parent_id?;
    let yes = question.show_when.iter().any(|w| w == WHEN_YES);
    let no = question.show_when.iter().any(|w| w == WHEN_NO);
    Some(match parent.kind {
        QuestionKind::YesNo if yes && !no => locale.t("questions.cue_yes"),
        QuestionKind::YesNo if no && !yes => locale.t("questions.cue_no"),
        QuestionKind::YesNo => return None,
        _ => {
            let labels: Vec<String> = question
                .show_when
                .iter()
                .filter_map(|w| w.parse().ok())
                .filter_map(|id| parent.option(id))
                .map(|o| format!("”{}”", option_label(o, locale)))
                .collect();
            locale
                .t("questions.cue_options")
                .replace("%{options}", &labels.join(&locale.t("questions.or")))
        }
    })
}
