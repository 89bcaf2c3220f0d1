//! A question as an organiser writes it, and the checks that need nothing
//! but the draft (the rest need the event's questions and answers:
//! `services::questions::save`).
use super::question::{Audience, QuestionKind};

/// A question as an organiser writes it, before it is saved.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionDraft {
    pub key: String,
    pub kind: QuestionKind,
    pub label_sv: String,
    pub label_en: String,
    pub help_sv: String,
    pub help_en: String,
    pub required: bool,
    pub position: i32,
    pub audience: Audience,
    pub sensitive: bool,
    /// The earlier question and the answers of it that show this one.
    pub condition: Option<(i32, Vec<String>)>,
    /// The options, in order: existing ones by id (renamed in place, so
    /// their answers follow), new ones without.
    pub options: Vec<OptionDraft>,
}

/// One option as an organiser writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionDraft {
    /// An existing option's id; `None` for a new one.
    pub id: Option<i32>,
    pub label_sv: String,
    pub label_en: String,
    /// Taken off the list: deleted if nobody chose it, else archived.
    pub remove: bool,
}

/// Why a question cannot be saved (or deleted) as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionProblem {
    /// The key is empty or has other characters than a-z, 0-9, `_`, `-`.
    KeyInvalid,
    /// Another question of the event has the key.
    KeyTaken,
    /// The Swedish label is missing (or a text is too long).
    LabelMissing,
    /// A choice question needs at least one option with a Swedish label.
    OptionsMissing,
    /// People have answered: the type cannot change.
    TypeChangeAnswered,
    /// The condition's question does not come earlier, or cannot be one.
    ConditionInvalid,
    /// The position is not a whole number.
    PositionInvalid,
    /// A follow-up would come before the question it depends on.
    FollowUpsBefore,
    /// People have answered: delete is refused (make it optional instead).
    DeleteAnswered,
    /// Other questions depend on it.
    HasFollowUps,
}

impl QuestionProblem {
    /// The catalogue key of the message.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::KeyInvalid => "questions.problem.key_invalid",
            Self::KeyTaken => "questions.problem.key_taken",
            Self::LabelMissing => "questions.problem.label_missing",
            Self::OptionsMissing => "questions.problem.options_missing",
            Self::TypeChangeAnswered => "questions.problem.type_change_answered",
            Self::ConditionInvalid => "questions.problem.condition_invalid",
            Self::PositionInvalid => "questions.problem.position_invalid",
            Self::FollowUpsBefore => "questions.problem.follow_ups_before",
            Self::DeleteAnswered => "questions.problem.delete_answered",
            Self::HasFollowUps => "questions.problem.has_follow_ups",
        }
    }

    /// The form field the message stands beside.
    pub fn field(self) -> &'static str {
        match self {
            Self::KeyInvalid | Self::KeyTaken => "key",
            Self::LabelMissing => "label_sv",
            Self::OptionsMissing => "options",
            Self::TypeChangeAnswered => "kind",
            Self::ConditionInvalid => "condition",
            Self::PositionInvalid | Self::FollowUpsBefore => "position",
            Self::DeleteAnswered | Self::HasFollowUps => "delete",
        }
    }
}

impl QuestionDraft {
    /// The checks that need nothing but the draft.
    pub fn check(&self) -> Result<(), QuestionProblem> {
        if !valid_key(&self.key) {
            return Err(QuestionProblem::KeyInvalid);
        }
        let too_long = [&self.label_sv, &self.label_en]
            .iter()
            .any(|t| t.chars().count() > 300)
            || [&self.help_sv, &self.help_en]
                .iter()
                .any(|t| t.chars().count() > 1000);
        if self.label_sv.trim().is_empty() || too_long {
            return Err(QuestionProblem::LabelMissing);
        }
        if self.kind.has_options()
            && !self
                .options
                .iter()
                .any(|o| !o.remove && !o.label_sv.trim().is_empty())
        {
            return Err(QuestionProblem::OptionsMissing);
        }
        Ok(())
    }
}

/// A question key: 1–40 of `a-z`, `0-9`, `_` and `-`, starting with a letter.
pub fn valid_key(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_and_plain() {
        assert!(valid_key("buss_fran_flygplatsen"));
        assert!(!valid_key("Buss"));
        assert!(!valid_key("1buss"));
        assert!(!valid_key(""));
    }
}
