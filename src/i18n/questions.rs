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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::question::{Audience, QuestionOption};

    fn question(id: i32, kind: QuestionKind, parent: Option<i32>, when: &[&str]) -> Question {
        Question {
            id,
            key: format!("q{id}"),
            kind,
            label_sv: format!("Fråga {id}"),
            label_en: String::new(),
            help_sv: String::new(),
            help_en: String::new(),
            required: false,
            position: id,
            audience: Audience::Public,
            sensitive: false,
            parent_id: parent,
            show_when: when.iter().map(|w| (*w).to_owned()).collect(),
            options: vec![
                QuestionOption {
                    id: 7,
                    label_sv: "Flygbussen".into(),
                    label_en: "The airport bus".into(),
                    archived: false,
                },
                QuestionOption {
                    id: 8,
                    label_sv: "Taxi".into(),
                    label_en: String::new(),
                    archived: false,
                },
            ],
        }
    }

    #[test]
    fn a_follow_up_reads_with_its_cue_in_either_language() {
        let yes_no = question(1, QuestionKind::YesNo, None, &[]);
        let choice = question(2, QuestionKind::OneChoice, None, &[]);
        let after_yes = question(3, QuestionKind::ShortText, Some(1), &[WHEN_YES]);
        let after_no = question(4, QuestionKind::ShortText, Some(1), &[WHEN_NO]);
        let after_option = question(5, QuestionKind::ShortText, Some(2), &["7", "8"]);
        assert_eq!(
            cue(&after_yes, &yes_no, Locale::Sv).as_deref(),
            Some("Om ja:")
        );
        assert_eq!(
            cue(&after_no, &yes_no, Locale::En).as_deref(),
            Some("If no:")
        );
        assert_eq!(
            cue(&after_option, &choice, Locale::Sv).as_deref(),
            Some("Om du svarat ”Flygbussen” eller ”Taxi”:")
        );
        assert_eq!(
            cue(&after_option, &choice, Locale::En).as_deref(),
            Some("If you answered ”The airport bus” or ”Taxi”:"),
            "English falls back to the Swedish label"
        );
        assert_eq!(cue(&yes_no, &choice, Locale::Sv), None, "not a follow-up");
    }

    #[test]
    fn answers_read_in_the_readers_language() {
        let choice = question(2, QuestionKind::SeveralChoices, None, &[]);
        let both = AnswerValue::Options(vec![7, 8]);
        assert_eq!(answer_text(&both, &choice, Locale::Sv), "Flygbussen, Taxi");
        assert_eq!(
            answer_text(&both, &choice, Locale::En),
            "The airport bus, Taxi"
        );
        assert_eq!(
            answer_text(&AnswerValue::Number(2.5), &choice, Locale::Sv),
            "2,5"
        );
        assert_eq!(
            answer_text(&AnswerValue::Flag(false), &choice, Locale::En),
            "No"
        );
        assert_eq!(heading(&choice, Locale::Sv), "Fråga 2 [q2]");
    }
}
