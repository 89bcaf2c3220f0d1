//! An event's own questions, for organisers: define and edit them (a type
//! cannot change once answered; a used option is archived, never deleted;
//! renaming keeps an option's identity; every change is in the audit log),
//! from the back-office or an import file ([`import`]); see who still has
//! to answer a required question, and remind them ([`reminders`]).
pub mod import;
pub mod reminders;

use chrono::{DateTime, Utc};
pub use import::apply_specs;
pub use reminders::{outstanding, remind};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter,
};

use crate::db::entities::{organiser, question, question_option};
use crate::db::{self, questions as queries};
use crate::domain::question::{Question, QuestionDraft, QuestionProblem, WHEN_NO, WHEN_YES};
use crate::services::audit;

/// Saves a new question (`id` is `None`) or changes one, keeping the rules
/// of editing after people have answered, with its audit entry in the same
/// transaction. Returns the question's id, or why it cannot be saved.
pub async fn save(
    db: &DatabaseConnection,
    event_id: i32,
    id: Option<i32>,
    draft: &QuestionDraft,
    who: Option<&organiser::Model>,
    now: DateTime<Utc>,
) -> Result<Result<i32, QuestionProblem>, DbErr> {
    if let Err(problem) = draft.check() {
        return Ok(Err(problem));
    }
    let txn = db::begin_write(db).await?;
    let all = queries::for_event(&txn, event_id).await?;
    let current = match id {
        Some(id) => match all.iter().find(|q| q.id == id) {
            Some(found) => Some(found.clone()),
            None => return Err(DbErr::RecordNotFound(format!("question {id}"))),
        },
        None => None,
    };
    if let Err(problem) = check_against(&txn, &all, current.as_ref(), draft).await? {
        return Ok(Err(problem));
    }
    let condition = draft.condition.clone();
    let show_when = condition
        .as_ref()
        .map(|(_, when)| when.join(","))
        .unwrap_or_default();
    let mut changes = Vec::new();
    let saved = match &current {
        None => {
            changes.push(format!("created {} ({})", draft.key, draft.kind));
            question::Entity::insert(question::ActiveModel {
                event_id: Set(event_id),
                question_key: Set(draft.key.clone()),
                kind: Set(draft.kind),
                label_sv: Set(draft.label_sv.trim().to_owned()),
                label_en: Set(draft.label_en.trim().to_owned()),
                help_sv: Set(draft.help_sv.trim().to_owned()),
                help_en: Set(draft.help_en.trim().to_owned()),
                required: Set(draft.required),
                position: Set(draft.position),
                audience: Set(draft.audience),
                sensitive: Set(draft.sensitive),
                parent_id: Set(condition.as_ref().map(|(p, _)| *p)),
                show_when: Set(show_when),
                required_since: Set(draft.required.then_some(now)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec_with_returning(&txn)
            .await?
        }
        Some(old) => {
            let row = question::Entity::find_by_id(old.id)
                .one(&txn)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("question {}", old.id)))?;
            describe_changes(old, draft, &mut changes);
            let became_required = draft.required && !row.required;
            let mut active: question::ActiveModel = row.into();
            active.question_key = Set(draft.key.clone());
            active.kind = Set(draft.kind);
            active.label_sv = Set(draft.label_sv.trim().to_owned());
            active.label_en = Set(draft.label_en.trim().to_owned());
            active.help_sv = Set(draft.help_sv.trim().to_owned());
            active.help_en = Set(draft.help_en.trim().to_owned());
            active.required = Set(draft.required);
            active.position = Set(draft.position);
            active.audience = Set(draft.audience);
            active.sensitive = Set(draft.sensitive);
            active.parent_id = Set(condition.as_ref().map(|(p, _)| *p));
            active.show_when = Set(show_when);
            if became_required {
                active.required_since = Set(Some(now));
            }
            active.updated_at = Set(now);
            active.update(&txn).await?
        }
    };
    save_options(&txn, &saved, current.as_ref(), draft, &mut changes).await?;
    let action = if current.is_some() {
        "question.update"
    } else {
        "question.create"
    };
    let target = format!("{}/{}", event_id, saved.question_key);
    let details = changes.join("; ");
    match who {
        Some(who) => audit::record(&txn, who, action, &target, &details, now).await?,
        // An import from the command line.
        None => audit::record_system(&txn, action, &format!("{target}: {details}"), now).await?,
    }
    txn.commit().await?;
    Ok(Ok(saved.id))
}

/// The checks that need the event's other questions and the answers.
async fn check_against(
    db: &impl ConnectionTrait,
    all: &[Question],
    current: Option<&Question>,
    draft: &QuestionDraft,
) -> Result<Result<(), QuestionProblem>, DbErr> {
    let own_id = current.map(|q| q.id);
    if all
        .iter()
        .any(|q| q.key == draft.key && Some(q.id) != own_id)
    {
        return Ok(Err(QuestionProblem::KeyTaken));
    }
    if let Some(old) = current
        && old.kind != draft.kind
        && queries::answer_count(db, old.id).await? > 0
    {
        return Ok(Err(QuestionProblem::TypeChangeAnswered));
    }
    if let Some((parent_id, when)) = &draft.condition {
        let Some(parent) = all.iter().find(|q| q.id == *parent_id) else {
            return Ok(Err(QuestionProblem::ConditionInvalid));
        };
        let earlier = (parent.position, parent.id) < (draft.position, own_id.unwrap_or(i32::MAX));
        let values_fit = !when.is_empty()
            && when.iter().all(|w| {
                if parent.kind == crate::domain::question::QuestionKind::YesNo {
                    w == WHEN_YES || w == WHEN_NO
                } else {
                    w.parse().ok().and_then(|id| parent.option(id)).is_some()
                }
            });
        if Some(parent.id) == own_id || !earlier || !parent.kind.can_be_parent() || !values_fit {
            return Ok(Err(QuestionProblem::ConditionInvalid));
        }
    }
    if let Some(own_id) = own_id {
        let follow_ups: Vec<&Question> =
            all.iter().filter(|q| q.parent_id == Some(own_id)).collect();
        if !follow_ups.is_empty() && !draft.kind.can_be_parent() {
            return Ok(Err(QuestionProblem::HasFollowUps));
        }
        if follow_ups
            .iter()
            .any(|f| (f.position, f.id) <= (draft.position, own_id))
        {
            return Ok(Err(QuestionProblem::FollowUpsBefore));
        }
    }
    Ok(Ok(()))
}

/// Words for the audit log: what changed.
fn describe_changes(old: &Question, draft: &QuestionDraft, changes: &mut Vec<String>) {
    if old.key != draft.key {
        changes.push(format!("key {} -> {}", old.key, draft.key));
    }
    if old.kind != draft.kind {
        changes.push(format!("type {} -> {}", old.kind, draft.kind));
    }
    if old.label_sv != draft.label_sv.trim() || old.label_en != draft.label_en.trim() {
        changes.push(format!(
            "label {:?} -> {:?}",
            old.label_sv,
            draft.label_sv.trim()
        ));
    }
    if old.required != draft.required {
        changes.push(format!("required {} -> {}", old.required, draft.required));
    }
    if old.audience != draft.audience {
        changes.push(format!("audience {} -> {}", old.audience, draft.audience));
    }
    if old.sensitive != draft.sensitive {
        changes.push(format!(
            "sensitive {} -> {}",
            old.sensitive, draft.sensitive
        ));
    }
    if old.position != draft.position {
        changes.push(format!("position {} -> {}", old.position, draft.position));
    }
    let old_condition = old.parent_id.map(|p| (p, old.show_when.clone()));
    if old_condition != draft.condition {
        changes.push(format!(
            "condition {:?} -> {:?}",
            old_condition, draft.condition
        ));
    }
    if changes.is_empty() {
        changes.push(format!("saved {}", draft.key));
    }
}

/// Writes the options: an existing one keeps its id (a rename shows on
/// every old answer); one taken off is deleted if nobody chose it, else
/// archived; a question without options loses any it had (its type could
/// change only because nobody had answered).
async fn save_options(
    db: &impl ConnectionTrait,
    saved: &question::Model,
    current: Option<&Question>,
    draft: &QuestionDraft,
    changes: &mut Vec<String>,
) -> Result<(), DbErr> {
    let existing = current.map(|q| q.options.clone()).unwrap_or_default();
    if !draft.kind.has_options() {
        question_option::Entity::delete_many()
            .filter(question_option::Column::QuestionId.eq(saved.id))
            .exec(db)
            .await?;
        return Ok(());
    }
    for (position, option) in draft.options.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let label_sv = option.label_sv.trim().to_owned();
        let label_en = option.label_en.trim().to_owned();
        match option
            .id
            .and_then(|id| existing.iter().find(|o| o.id == id))
        {
            Some(old) if option.remove => {
                if queries::option_used(db, old.id).await? {
                    if !old.archived {
                        changes.push(format!("option {:?} archived", old.label_sv));
                        question_option::Entity::update_many()
                            .col_expr(
                                question_option::Column::Archived,
                                sea_orm::sea_query::Expr::value(true),
                            )
                            .filter(question_option::Column::Id.eq(old.id))
                            .exec(db)
                            .await?;
                    }
                } else {
                    changes.push(format!("option {:?} deleted", old.label_sv));
                    question_option::Entity::delete_by_id(old.id)
                        .exec(db)
                        .await?;
                }
            }
            Some(old) => {
                if old.label_sv != label_sv || old.label_en != label_en {
                    changes.push(format!("option {:?} renamed {:?}", old.label_sv, label_sv));
                }
                if old.archived {
                    changes.push(format!("option {:?} restored", label_sv));
                }
                let label_sv = if label_sv.is_empty() {
                    old.label_sv.clone()
                } else {
                    label_sv
                };
                question_option::ActiveModel {
                    id: Set(old.id),
                    question_id: Set(saved.id),
                    label_sv: Set(label_sv),
                    label_en: Set(label_en),
                    position: Set(position),
                    archived: Set(false),
                }
                .update(db)
                .await?;
            }
            None if option.remove || label_sv.is_empty() => {}
            None => {
                changes.push(format!("option {label_sv:?} added"));
                question_option::Entity::insert(question_option::ActiveModel {
                    question_id: Set(saved.id),
                    label_sv: Set(label_sv),
                    label_en: Set(label_en),
                    position: Set(position),
                    archived: Set(false),
                    ..Default::default()
                })
                .exec(db)
                .await?;
            }
        }
    }
    Ok(())
}

/// Deletes a question nobody has answered and no other depends on.
pub async fn delete(
    db: &DatabaseConnection,
    event_id: i32,
    id: i32,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<Result<(), QuestionProblem>, DbErr> {
    let txn = db::begin_write(db).await?;
    let all = queries::for_event(&txn, event_id).await?;
    let Some(found) = all.iter().find(|q| q.id == id) else {
        return Err(DbErr::RecordNotFound(format!("question {id}")));
    };
    if queries::answer_count(&txn, id).await? > 0 {
        return Ok(Err(QuestionProblem::DeleteAnswered));
    }
    if all.iter().any(|q| q.parent_id == Some(id)) {
        return Ok(Err(QuestionProblem::HasFollowUps));
    }
    question::Entity::delete_by_id(id).exec(&txn).await?;
    let target = format!("{event_id}/{}", found.key);
    audit::record(&txn, who, "question.delete", &target, &found.label_sv, now).await?;
    txn.commit().await?;
    Ok(Ok(()))
}
