//! What registrants hear when an organiser moves or cancels an event. Runs
//! inside the transaction that changes the event, so the emails exist if and
//! only if the change does.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use crate::db::entities::{event, registration};
use crate::domain::event::RegistrationStatus;
use crate::domain::token::ManageToken;
use crate::mail::enqueue::{InviteKind, MessageKind, Previously, enqueue};

/// How an event changed, as far as registrants are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventChange {
    /// Time or place changed: a REQUEST with a higher SEQUENCE.
    Moved,
    /// The event was cancelled: a CANCEL.
    Cancelled,
}

/// Compares an event before and after an update.
pub fn change_between(before: &event::Model, after: &event::Model) -> Option<EventChange> {
    if after.status == "cancelled" && before.status != "cancelled" {
        return Some(EventChange::Cancelled);
    }
    let moved = before.starts_at != after.starts_at
        || before.ends_at != after.ends_at
        || before.venue_name != after.venue_name
        || before.venue_address != after.venue_address;
    (moved && after.status != "cancelled").then_some(EventChange::Moved)
}

/// Writes the change to every active registration: confirmed ones get a new
/// SEQUENCE and a REQUEST (moved) or CANCEL (cancelled) for their invite;
/// waitlisted ones get the news without an invite. A moved event's email
/// carries a fresh manage link (only hashes are stored).
pub async fn notify(
    txn: &impl ConnectionTrait,
    before: &event::Model,
    change: EventChange,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let active = registration::Entity::find()
        .filter(registration::Column::EventId.eq(before.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled.as_str()))
        .all(txn)
        .await?;
    let previously = Previously {
        starts_at: before.starts_at,
        ends_at: before.ends_at,
        venue: before.venue_name.clone(),
    };
    let count = active.len();
    for current in active {
        let confirmed = current.status == RegistrationStatus::Confirmed.as_str();
        let sequence = current.calendar_sequence + i32::from(confirmed);
        let mut row: registration::ActiveModel = current.into();
        row.calendar_sequence = Set(sequence);
        row.updated_at = Set(now);
        let token = (change == EventChange::Moved).then(ManageToken::generate);
        if let Some(token) = &token {
            row.manage_token_hash = Set(token.hash());
        }
        let saved = row.update(txn).await?;
        let (kind, invite, previously) = match change {
            EventChange::Moved => (
                MessageKind::EventMoved,
                confirmed.then_some(InviteKind::Request),
                Some(previously.clone()),
            ),
            EventChange::Cancelled => (
                MessageKind::EventCancelled,
                confirmed.then_some(InviteKind::Cancel),
                None,
            ),
        };
        enqueue(txn, &saved, kind, token.as_ref(), invite, previously, now).await?;
    }
    Ok(count)
}
