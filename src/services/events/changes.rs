//! What registrants hear when an organiser moves or cancels an event. Runs
//! inside the transaction that changes the event, so the emails exist if and
//! only if the change does.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use crate::db::entities::{event, registration};
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::mail::enqueue::Previously;
use crate::services::registration::announce::{Change, Link, announce};

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
    if after.status == EventStatus::Cancelled && before.status != EventStatus::Cancelled {
        return Some(EventChange::Cancelled);
    }
    let moved = before.starts_at != after.starts_at
        || before.ends_at != after.ends_at
        || before.venue_name != after.venue_name
        || before.venue_address != after.venue_address;
    (moved && after.status != EventStatus::Cancelled).then_some(EventChange::Moved)
}

/// Records a change of the event itself, in the transaction that saved
/// `after`: if its time, place or status changed in a way registrants hear
/// about, the event's SEQUENCE (its public `event.ics`) rises and every
/// active registration is told. The one place an event's SEQUENCE rises, for
/// the back-office and the import alike. Returns the event as saved, the
/// change, and how many registrations were told.
pub async fn apply(
    txn: &impl ConnectionTrait,
    before: &event::Model,
    after: event::Model,
    now: DateTime<Utc>,
) -> Result<(event::Model, Option<EventChange>, usize), DbErr> {
    let Some(change) = change_between(before, &after) else {
        return Ok((after, None, 0));
    };
    let sequence = after.calendar_sequence + 1;
    let mut row: event::ActiveModel = after.into();
    row.calendar_sequence = Set(sequence);
    let saved = row.update(txn).await?;
    let notified = notify(txn, before, change, now).await?;
    Ok((saved, Some(change), notified))
}

/// Tells every active registration of the change, through the one rule for
/// what a change sends: confirmed ones get a new SEQUENCE and a REQUEST
/// (moved) or CANCEL (cancelled) for their invite; waitlisted ones get the
/// news without an invite. A moved event's email carries a fresh link.
async fn notify(
    txn: &impl ConnectionTrait,
    before: &event::Model,
    change: EventChange,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let active = registration::Entity::find()
        .filter(registration::Column::EventId.eq(before.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .all(txn)
        .await?;
    let count = active.len();
    for current in active {
        let (change, link) = match change {
            EventChange::Moved => (
                Change::EventMoved(Previously {
                    starts_at: before.starts_at,
                    ends_at: before.ends_at,
                    venue: before.venue_name.clone(),
                }),
                Link::Fresh,
            ),
            EventChange::Cancelled => (Change::EventCancelled, Link::None),
        };
        announce(txn, current, change, link, now).await?;
    }
    Ok(count)
}
