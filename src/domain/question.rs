//! An organiser's own questions, as pure rules: their types, which are shown
//! (a condition on an earlier question's answers), what a posted answer
//! becomes, and which answers are still missing.
//!
//! Decisions where the issue is silent:
//! - A yes/no question is one checkbox; unticked is "no", so a shown yes/no
//!   question always has an answer and "required" means nothing for it.
//! - Only yes/no and choice questions can be a condition's parent, and the
//!   parent must come earlier (a lower position), so there are no cycles.
//! - Answers to a question that is not shown are dropped, never kept.
//! - A number is any decimal (comma or point), stored as a double.
//! - A date is `YYYY-MM-DD` (what `<input type="date">` sends).
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::sea_query::StringLen;

use super::registration::{BOX_TICKED, Field, FieldError, Problem, has_direction_controls};
use super::stored::stored_enum;

pub use super::question_draft::{OptionDraft, QuestionDraft, QuestionProblem, valid_key};

stored_enum!(
    /// What kind of answer a question takes.
    #[derive(utoipa::ToSchema)]
    QuestionKind {
        /// One line of text.
        ShortText = "short-text",
        /// Several lines of text.
        LongText = "long-text",
        /// A number (decimals allowed).
        Number = "number",
        /// One checkbox; unticked is "no".
        YesNo = "yes-no",
        /// One of the options.
        OneChoice = "one-choice",
        /// Any of the options.
        SeveralChoices = "several-choices",
        /// A calendar date.
        Date = "date",
    }
);

impl QuestionKind {
    /// Whether the question has options.
    pub fn has_options(self) -> bool {
        matches!(self, Self::OneChoice | Self::SeveralChoices)
    }

    /// Whether another question can be shown depending on this one's answer.
    pub fn can_be_parent(self) -> bool {
        matches!(self, Self::YesNo | Self::OneChoice | Self::SeveralChoices)
    }

    /// The catalogue key of its name.
    pub fn label_key(self) -> String {
        format!("questions.kind.{}", self.as_str())
    }
}

stored_enum!(
    /// Who is asked a question.
    #[derive(utoipa::ToSchema)]
    Audience {
        /// On the public form and the registrant's own page.
        Public = "public",
        /// Only organisers see and fill it in.
        Organisers = "organisers",
    }
);

/// Who is filling in the answers: a registrant sees only public questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    Registrant,
    Organiser,
}

/// The value of a yes/no condition that a ticked box meets.
pub const WHEN_YES: &str = "yes";
/// The value of a yes/no condition that an unticked box meets.
pub const WHEN_NO: &str = "no";

/// The longest short-text answer, in characters.
pub const SHORT_TEXT_MAX: usize = 200;
/// The longest long-text answer, in characters.
pub const LONG_TEXT_MAX: usize = 2000;

/// One option of a choice question. Answers point at its id, so a renamed
/// option keeps its answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuestionOption {
    pub id: i32,
    pub label_sv: String,
    pub label_en: String,
    /// No longer offered; kept because someone chose it.
    pub archived: bool,
}

/// A question as the rules and the forms see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: i32,
    /// Stable within the event: exports, the API and imports name it so.
    pub key: String,
    pub kind: QuestionKind,
    pub label_sv: String,
    pub label_en: String,
    pub help_sv: String,
    pub help_en: String,
    pub required: bool,
    pub position: i32,
    pub audience: Audience,
    /// Kept out of default exports and the check-in view, and erased on its
    /// own retention period.
    pub sensitive: bool,
    /// Shown only when this earlier question's answer meets `show_when`.
    pub parent_id: Option<i32>,
    /// Option ids (as text), or [`WHEN_YES`]/[`WHEN_NO`].
    pub show_when: Vec<String>,
    /// Every option, archived ones included, in order.
    pub options: Vec<QuestionOption>,
}

impl Question {
    /// The HTML name and id of its input (or its group, for choices).
    pub fn input_id(&self) -> String {
        format!("q-{}", self.id)
    }

    /// The name of a several-choices option's checkbox (and the id of any
    /// option's input).
    pub fn option_input(&self, option_id: i32) -> String {
        format!("q-{}-{option_id}", self.id)
    }

    /// The option with `id`.
    pub fn option(&self, id: i32) -> Option<&QuestionOption> {
        self.options.iter().find(|o| o.id == id)
    }

    /// Whether `asker` is asked this question at all.
    pub fn asked_of(&self, asker: Asker) -> bool {
        asker == Asker::Organiser || self.audience == Audience::Public
    }
}

/// A typed answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Text(String),
    Number(f64),
    Flag(bool),
    Date(NaiveDate),
    /// Option ids, ascending.
    Options(Vec<i32>),
}

impl AnswerValue {
    /// The answer as the form field(s) hold it, for filling a form in.
    pub fn form_values(&self, question: &Question) -> Vec<(String, String)> {
        let name = question.input_id();
        match self {
            AnswerValue::Text(text) => vec![(name, text.clone())],
            AnswerValue::Number(n) => vec![(name, format!("{n}"))],
            AnswerValue::Flag(true) => vec![(name, BOX_TICKED.to_owned())],
            AnswerValue::Flag(false) => Vec::new(),
            AnswerValue::Date(date) => vec![(name, date.format("%Y-%m-%d").to_string())],
            AnswerValue::Options(ids) => match question.kind {
                QuestionKind::OneChoice => ids
                    .first()
                    .map(|id| vec![(name, id.to_string())])
                    .unwrap_or_default(),
                _ => ids
                    .iter()
                    .map(|id| (question.option_input(*id), BOX_TICKED.to_owned()))
                    .collect(),
            },
        }
    }
}

/// The answers a form gave, by question id (only shown questions).
pub type Answers = BTreeMap<i32, AnswerValue>;

/// Whether a parent's answer meets a follow-up's condition. A yes/no
/// without an answer is "no".
fn meets(parent: &Question, answer: Option<&AnswerValue>, show_when: &[String]) -> bool {
    match (parent.kind, answer) {
        (QuestionKind::YesNo, answer) => {
            let yes = matches!(answer, Some(AnswerValue::Flag(true)));
            let wanted = if yes { WHEN_YES } else { WHEN_NO };
            show_when.iter().any(|w| w == wanted)
        }
        (_, Some(AnswerValue::Options(ids))) => ids
            .iter()
            .any(|id| show_when.iter().any(|w| *w == id.to_string())),
        _ => false,
    }
}

/// The questions `asker` is shown, given `answers`, by id. Questions are
/// taken in position order, so a parent is decided before its follow-ups.
pub fn shown(questions: &[Question], answers: &Answers, asker: Asker) -> BTreeSet<i32> {
    let mut ordered: Vec<&Question> = questions.iter().collect();
    ordered.sort_by_key(|q| (q.position, q.id));
    let mut shown = BTreeSet::new();
    for question in ordered {
        if !question.asked_of(asker) {
            continue;
        }
        let visible = match question.parent_id {
            None => true,
            Some(parent_id) => {
                shown.contains(&parent_id)
                    && questions
                        .iter()
                        .find(|q| q.id == parent_id)
                        .is_some_and(|p| meets(p, answers.get(&parent_id), &question.show_when))
            }
        };
        if visible {
            shown.insert(question.id);
        }
    }
    shown
}

/// The required questions shown to `asker` that have no answer: what a
/// registrant from before a question was added (or made required) still
/// has to complete.
pub fn missing(questions: &[Question], answers: &Answers, asker: Asker) -> Vec<i32> {
    let shown = shown(questions, answers, asker);
    questions
        .iter()
        .filter(|q| q.required && q.kind != QuestionKind::YesNo)
        .filter(|q| shown.contains(&q.id) && !answers.contains_key(&q.id))
        .map(|q| q.id)
        .collect()
}

/// Reads one question's value from posted fields; `Ok(None)` is no answer.
fn read(
    question: &Question,
    posted: &BTreeMap<String, String>,
) -> Result<Option<AnswerValue>, Problem> {
    let raw = posted
        .get(&question.input_id())
        .map(|v| v.trim())
        .unwrap_or("");
    match question.kind {
        QuestionKind::ShortText | QuestionKind::LongText => {
            if raw.is_empty() {
                return Ok(None);
            }
            let long = question.kind == QuestionKind::LongText;
            let max = if long { LONG_TEXT_MAX } else { SHORT_TEXT_MAX };
            if raw.chars().count() > max {
                return Err(Problem::TooLong);
            }
            let bad_control = raw
                .chars()
                .any(|c| c.is_control() && !(long && matches!(c, '\n' | '\r' | '\t')));
            if bad_control || has_direction_controls(raw) {
                return Err(Problem::Invalid);
            }
            Ok(Some(AnswerValue::Text(raw.replace("\r\n", "\n"))))
        }
        QuestionKind::Number => {
            if raw.is_empty() {
                return Ok(None);
            }
            let normal: String = raw.replace(',', ".").replace([' ', '\u{a0}'], "");
            match normal.parse::<f64>() {
                Ok(n) if n.is_finite() && normal.len() <= 30 => Ok(Some(AnswerValue::Number(n))),
                _ => Err(Problem::Invalid),
            }
        }
        QuestionKind::YesNo => Ok(Some(AnswerValue::Flag(raw == BOX_TICKED))),
        QuestionKind::Date => {
            if raw.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(|d| Some(AnswerValue::Date(d)))
                .map_err(|_| Problem::Invalid)
        }
        QuestionKind::OneChoice => {
            if raw.is_empty() {
                return Ok(None);
            }
            match raw
                .parse::<i32>()
                .ok()
                .filter(|id| question.option(*id).is_some())
            {
                Some(id) => Ok(Some(AnswerValue::Options(vec![id]))),
                None => Err(Problem::Invalid),
            }
        }
        QuestionKind::SeveralChoices => {
            let ids: Vec<i32> = question
                .options
                .iter()
                .filter(|o| {
                    posted.get(&question.option_input(o.id)).map(String::as_str) == Some(BOX_TICKED)
                })
                .map(|o| o.id)
                .collect();
            Ok((!ids.is_empty()).then_some(AnswerValue::Options(ids)))
        }
    }
}

/// Parses the answers in posted fields: the questions `asker` is shown
/// (decided by the server from these same answers), each value checked by
/// its type, a required shown question answered. Answers to questions not
/// shown are dropped. Errors name the question (`Field::Question`).
pub fn parse_answers(
    questions: &[Question],
    posted: &BTreeMap<String, String>,
    asker: Asker,
) -> Result<Answers, Vec<FieldError>> {
    let mut ordered: Vec<&Question> = questions.iter().collect();
    ordered.sort_by_key(|q| (q.position, q.id));
    let mut read_answers = Answers::new();
    let mut problems = BTreeMap::new();
    for question in &ordered {
        match read(question, posted) {
            Ok(Some(value)) => {
                read_answers.insert(question.id, value);
            }
            Ok(None) => {}
            Err(problem) => {
                problems.insert(question.id, problem);
            }
        }
    }
    let shown = shown(questions, &read_answers, asker);
    read_answers.retain(|id, _| shown.contains(id));
    let mut errors = Vec::new();
    for question in ordered.iter().filter(|q| shown.contains(&q.id)) {
        let problem = match problems.get(&question.id) {
            Some(problem) => Some(*problem),
            None if question.required
                && asker == Asker::Registrant
                && !read_answers.contains_key(&question.id) =>
            {
                Some(Problem::Missing)
            }
            None => None,
        };
        if let Some(problem) = problem {
            errors.push(FieldError {
                field: Field::Question(question.id),
                problem,
            });
        }
    }
    if errors.is_empty() {
        Ok(read_answers)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: i32, kind: QuestionKind, required: bool) -> Question {
        Question {
            id,
            key: format!("q{id}"),
            kind,
            label_sv: format!("Fråga {id}"),
            label_en: String::new(),
            help_sv: String::new(),
            help_en: String::new(),
            required,
            position: id,
            audience: Audience::Public,
            sensitive: false,
            parent_id: None,
            show_when: Vec::new(),
            options: vec![
                QuestionOption {
                    id: 10,
                    label_sv: "A".into(),
                    label_en: "A".into(),
                    archived: false,
                },
                QuestionOption {
                    id: 11,
                    label_sv: "B".into(),
                    label_en: "B".into(),
                    archived: false,
                },
            ],
        }
    }

    fn panel() -> Vec<Question> {
        let parent = question(1, QuestionKind::YesNo, false);
        let mut follow = question(2, QuestionKind::ShortText, true);
        follow.parent_id = Some(1);
        follow.show_when = vec![WHEN_YES.into()];
        vec![parent, follow]
    }

    fn posted(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn a_follow_up_is_required_only_when_shown() {
        let questions = panel();
        let none = parse_answers(&questions, &posted(&[]), Asker::Registrant).unwrap();
        assert_eq!(
            none.get(&1),
            Some(&AnswerValue::Flag(false)),
            "unticked is no"
        );
        assert!(!none.contains_key(&2));
        let errors =
            parse_answers(&questions, &posted(&[("q-1", "yes")]), Asker::Registrant).unwrap_err();
        assert_eq!(errors[0].field, Field::Question(2));
        assert_eq!(errors[0].problem, Problem::Missing);
    }

    #[test]
    fn answers_to_hidden_questions_are_dropped() {
        let answers = parse_answers(
            &panel(),
            &posted(&[("q-2", "Om energi")]),
            Asker::Registrant,
        )
        .unwrap();
        assert!(!answers.contains_key(&2));
    }

    #[test]
    fn typed_values_are_checked() {
        let questions = vec![
            question(1, QuestionKind::Number, false),
            question(2, QuestionKind::Date, false),
            question(3, QuestionKind::OneChoice, false),
            question(4, QuestionKind::SeveralChoices, false),
        ];
        let answers = parse_answers(
            &questions,
            &posted(&[
                ("q-1", "2,5"),
                ("q-2", "2027-04-06"),
                ("q-3", "11"),
                ("q-4-10", "yes"),
            ]),
            Asker::Registrant,
        )
        .unwrap();
        assert_eq!(answers[&1], AnswerValue::Number(2.5));
        assert_eq!(answers[&3], AnswerValue::Options(vec![11]));
        assert_eq!(answers[&4], AnswerValue::Options(vec![10]));
        let errors = parse_answers(
            &questions,
            &posted(&[("q-1", "två"), ("q-2", "6 april"), ("q-3", "99")]),
            Asker::Registrant,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn organiser_questions_are_not_asked_of_registrants() {
        let mut questions = panel();
        questions[0].audience = Audience::Organisers;
        let answers =
            parse_answers(&questions, &posted(&[("q-1", "yes")]), Asker::Registrant).unwrap();
        assert!(answers.is_empty());
        assert!(missing(&questions, &answers, Asker::Registrant).is_empty());
    }
}
