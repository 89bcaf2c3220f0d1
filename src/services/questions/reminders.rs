//! Registrants who still miss an answer to a required question (added, or
//! made required, after they registered), and the reminder they get.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::entities::{organiser, outbox, registration};
use crate::db::{self, events, questions as queries};
use crate::domain::event::RegistrationStatus;
use crate::domain::question::{Asker, missing};
use crate::domain::status::MessageKind;
use crate::services::audit;
use crate::services::registration::announce::{Change, Link, announce};

/// The active registrations of an event that still miss an answer to a
/// required question they are shown, with the questions each misses.
pub async fn outstanding(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<Vec<(registration::Model, Vec<i32>)>, DbErr> {
    let questions = queries::for_event(db, event_id).await?;
    if !questions.iter().any(|q| q.required) {
        return Ok(Vec::new());
    }
    let active = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .filter(registration::Column::Email.ne(""))
        .all(db)
        .await?;
    let answers = queries::answers_of_event(db, &questions, None).await?;
    let empty = Default::default();
    Ok(active
        .into_iter()
        .filter_map(|r| {
            let own = answers.get(&r.id).unwrap_or(&empty);
            let missing = missing(&questions, own, Asker::Registrant);
            (!missing.is_empty()).then_some((r, missing))
        })
        .collect())
}

/// Emails each registrant who still misses a required answer a reminder
/// with a link to their page: one per person, and none to a person already
/// reminded since the questions they miss became required (pressing the
/// button twice sends nothing more). Returns how many were written.
pub async fn remind(
    db: &DatabaseConnection,
    event_id: i32,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let txn = db::begin_write(db).await?;
    // Two organisers pressing at once take turns here.
    events::lock(&txn, event_id).await?;
    let rows = queries::rows(&txn, event_id).await?;
    let since = |ids: &[i32]| {
        rows.iter()
            .filter(|q| ids.contains(&q.id))
            .filter_map(|q| q.required_since.or(Some(q.created_at)))
            .max()
    };
    let mut sent = 0;
    let outstanding = outstanding(&txn, event_id).await?;
    let ids: BTreeSet<Uuid> = outstanding.iter().map(|(r, _)| r.id).collect();
    let reminded: Vec<outbox::Model> = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(MessageKind::AnswersReminder))
        .filter(outbox::Column::RegistrationId.is_in(ids.iter().copied()))
        .all(&txn)
        .await?;
    for (registration, missing) in outstanding {
        let Some(stamp) = since(&missing) else {
            continue;
        };
        let done_already = reminded
            .iter()
            .any(|row| row.registration_id == Some(registration.id) && row.created_at >= stamp);
        if done_already {
            continue;
        }
        announce(&txn, registration, Change::AnswersMissing, Link::Fresh, now).await?;
        sent += 1;
    }
    audit::record(
        &txn,
        who,
        "questions.remind",
        &event_id.to_string(),
        &format!("reminders written: {sent}"),
        now,
    )
    .await?;
    crate::mail::wake::commit(txn).await?;
    Ok(sent)
}
