//! Queries for an event's questions and the answers to them. An answer is
//! one row per registration and question (unique on the pair), typed by
//! column; the options a choice answer holds are rows of `answer_options`
//! pointing at the option's id, never at its label.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::entities::{answer, answer_option, question, question_option};
use crate::domain::question::{AnswerValue, Answers, Question, QuestionKind, QuestionOption};

/// A stored question with its options, as the rules see it.
pub fn to_domain(row: &question::Model, options: &[question_option::Model]) -> Question {
    let mut options: Vec<&question_option::Model> =
        options.iter().filter(|o| o.question_id == row.id).collect();
    options.sort_by_key(|o| (o.position, o.id));
    Question {
        id: row.id,
        key: row.question_key.clone(),
        kind: row.kind,
        label_sv: row.label_sv.clone(),
        label_en: row.label_en.clone(),
        help_sv: row.help_sv.clone(),
        help_en: row.help_en.clone(),
        required: row.required,
        position: row.position,
        audience: row.audience,
        sensitive: row.sensitive,
        parent_id: row.parent_id,
        show_when: row
            .show_when
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
        options: options
            .into_iter()
            .map(|o| QuestionOption {
                id: o.id,
                label_sv: o.label_sv.clone(),
                label_en: o.label_en.clone(),
                archived: o.archived,
            })
            .collect(),
    }
}

/// An event's question rows, in position order.
pub async fn rows(db: &impl ConnectionTrait, event_id: i32) -> Result<Vec<question::Model>, DbErr> {
    question::Entity::find()
        .filter(question::Column::EventId.eq(event_id))
        .order_by_asc(question::Column::Position)
        .order_by_asc(question::Column::Id)
        .all(db)
        .await
}

/// An event's questions with their options, in position order (one query:
/// every registration form reads them).
pub async fn for_event(db: &impl ConnectionTrait, event_id: i32) -> Result<Vec<Question>, DbErr> {
    let found = question::Entity::find()
        .filter(question::Column::EventId.eq(event_id))
        .order_by_asc(question::Column::Position)
        .order_by_asc(question::Column::Id)
        .find_with_related(question_option::Entity)
        .all(db)
        .await?;
    Ok(found
        .iter()
        .map(|(row, options)| to_domain(row, options))
        .collect())
}

/// A stored answer as a typed value.
fn value_of(
    kind: QuestionKind,
    row: &answer::Model,
    chosen: &BTreeMap<i32, Vec<i32>>,
) -> Option<AnswerValue> {
    match kind {
        QuestionKind::ShortText | QuestionKind::LongText => {
            row.text_value.clone().map(AnswerValue::Text)
        }
        QuestionKind::Number => row.number_value.map(AnswerValue::Number),
        QuestionKind::YesNo => row.flag_value.map(AnswerValue::Flag),
        QuestionKind::Date => row.date_value.map(AnswerValue::Date),
        QuestionKind::OneChoice | QuestionKind::SeveralChoices => {
            let mut ids = chosen.get(&row.id).cloned().unwrap_or_default();
            ids.sort_unstable();
            (!ids.is_empty()).then_some(AnswerValue::Options(ids))
        }
    }
}

/// The answers of the given registrations (all of an event's when
/// `registrations` is `None`), by registration, then question.
pub async fn answers_of_event(
    db: &impl ConnectionTrait,
    questions: &[Question],
    registrations: Option<&[Uuid]>,
) -> Result<BTreeMap<Uuid, Answers>, DbErr> {
    let mut found: BTreeMap<Uuid, Answers> = BTreeMap::new();
    if questions.is_empty() {
        return Ok(found);
    }
    let mut query = answer::Entity::find()
        .filter(answer::Column::QuestionId.is_in(questions.iter().map(|q| q.id)));
    if let Some(ids) = registrations {
        query = query.filter(answer::Column::RegistrationId.is_in(ids.iter().copied()));
    }
    let rows = query.all(db).await?;
    let answer_ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut chosen: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    // In slices: a parameter list has limits (SQLite's 32766, PostgreSQL's 65535).
    for slice in answer_ids.chunks(5000) {
        for link in answer_option::Entity::find()
            .filter(answer_option::Column::AnswerId.is_in(slice.iter().copied()))
            .all(db)
            .await?
        {
            chosen
                .entry(link.answer_id)
                .or_default()
                .push(link.option_id);
        }
    }
    for row in &rows {
        let Some(question) = questions.iter().find(|q| q.id == row.question_id) else {
            continue;
        };
        if let Some(value) = value_of(question.kind, row, &chosen) {
            found
                .entry(row.registration_id)
                .or_default()
                .insert(row.question_id, value);
        }
    }
    Ok(found)
}

/// One registration's answers.
pub async fn answers_of(
    db: &impl ConnectionTrait,
    questions: &[Question],
    registration_id: Uuid,
) -> Result<Answers, DbErr> {
    Ok(answers_of_event(db, questions, Some(&[registration_id]))
        .await?
        .remove(&registration_id)
        .unwrap_or_default())
}

/// Replaces a registration's answers to the questions in `scope` with
/// `answers` (a question in scope without an answer loses its row).
pub async fn replace_answers(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
    scope: &BTreeSet<i32>,
    answers: &Answers,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if scope.is_empty() {
        return Ok(());
    }
    answer::Entity::delete_many()
        .filter(answer::Column::RegistrationId.eq(registration_id))
        .filter(answer::Column::QuestionId.is_in(scope.iter().copied()))
        .exec(db)
        .await?;
    for (question_id, value) in answers.iter().filter(|(id, _)| scope.contains(id)) {
        let (row, options) = answer_row(registration_id, *question_id, value, now);
        let saved = answer::Entity::insert(row).exec(db).await?;
        for option_id in options {
            answer_option::Entity::insert(answer_option::ActiveModel {
                answer_id: Set(saved.last_insert_id),
                option_id: Set(option_id),
            })
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

/// The row of one answer, and the options it chose.
fn answer_row(
    registration_id: Uuid,
    question_id: i32,
    value: &AnswerValue,
    now: DateTime<Utc>,
) -> (answer::ActiveModel, Vec<i32>) {
    let mut row = answer::ActiveModel {
        registration_id: Set(registration_id),
        question_id: Set(question_id),
        text_value: Set(None),
        number_value: Set(None),
        flag_value: Set(None),
        date_value: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut options = Vec::new();
    match value {
        AnswerValue::Text(text) => row.text_value = Set(Some(text.clone())),
        AnswerValue::Number(n) => row.number_value = Set(Some(*n)),
        AnswerValue::Flag(flag) => row.flag_value = Set(Some(*flag)),
        AnswerValue::Date(date) => row.date_value = Set(Some(*date)),
        AnswerValue::Options(ids) => options.clone_from(ids),
    }
    (row, options)
}

/// The answers of a registration about to be made (it has none yet), as
/// statements for [`super::Together`], without a round trip each: all the
/// answer rows in one `INSERT` (after the registration's row), and, when
/// some answers chose options, one `INSERT … SELECT` of the chosen options
/// that finds their answers' ids by the options' questions. That one reads
/// the answer rows, so it runs after them, apart (on PostgreSQL the parts
/// of one statement do not see each other's rows).
pub fn first_answers(
    registration_id: Uuid,
    answers: &Answers,
    now: DateTime<Utc>,
) -> Result<FirstAnswers, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut rows = Vec::with_capacity(answers.len());
    let mut chosen = Vec::new();
    for (question_id, value) in answers {
        let (row, options) = answer_row(registration_id, *question_id, value, now);
        rows.push(row);
        chosen.extend(options);
    }
    if rows.is_empty() {
        return Ok((None, None));
    }
    let options = if chosen.is_empty() {
        None
    } else {
        let pairs = Query::select()
            .column((answer::Entity, answer::Column::Id))
            .column((question_option::Entity, question_option::Column::Id))
            .from(answer::Entity)
            .inner_join(
                question_option::Entity,
                Expr::col((question_option::Entity, question_option::Column::QuestionId))
                    .equals((answer::Entity, answer::Column::QuestionId)),
            )
            .and_where(
                Expr::col((answer::Entity, answer::Column::RegistrationId)).eq(registration_id),
            )
            .and_where(
                Expr::col((question_option::Entity, question_option::Column::Id)).is_in(chosen),
            )
            .to_owned();
        let mut insert = Query::insert();
        insert.into_table(answer_option::Entity).columns([
            answer_option::Column::AnswerId,
            answer_option::Column::OptionId,
        ]);
        // Refused only if the columns and the selected values differed in
        // number; they are two and two.
        insert
            .select_from(pairs)
            .map_err(|err| DbErr::Custom(format!("the chosen options: {err}")))?;
        Some(insert)
    };
    Ok((Some(answer::Entity::insert_many(rows)), options))
}

/// The statements of a new registration's answers ([`first_answers`]).
pub type FirstAnswers = (
    Option<sea_orm::InsertMany<answer::ActiveModel>>,
    Option<sea_orm::sea_query::InsertStatement>,
);

/// How many answers a question has.
pub async fn answer_count(db: &impl ConnectionTrait, question_id: i32) -> Result<u64, DbErr> {
    answer::Entity::find()
        .filter(answer::Column::QuestionId.eq(question_id))
        .count(db)
        .await
}

/// Whether some answer chose the option.
pub async fn option_used(db: &impl ConnectionTrait, option_id: i32) -> Result<bool, DbErr> {
    Ok(answer_option::Entity::find()
        .filter(answer_option::Column::OptionId.eq(option_id))
        .count(db)
        .await?
        > 0)
}

/// Deletes every answer of a registration (erasure on request).
pub async fn erase_answers_of(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
) -> Result<u64, DbErr> {
    Ok(answer::Entity::delete_many()
        .filter(answer::Column::RegistrationId.eq(registration_id))
        .exec(db)
        .await?
        .rows_affected)
}
