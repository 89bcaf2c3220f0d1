//! The seat rules: take a seat or a place in the queue, give a seat back,
//! and move the first in the queue onto a free seat. Each runs inside the
//! caller's transaction, after the event row is locked (`events::lock`), so
//! registrations and cancellations of one event take turns.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::announce::{Change, Link, announce};
use crate::db::entities::registration;
use crate::db::{events, registrations};
use crate::domain::event::RegistrationStatus;

/// Takes a seat if one is free (one atomic conditional update, so capacity
/// holds under any interleaving), or else the next place on the waitlist.
pub async fn take(
    txn: &impl ConnectionTrait,
    event_id: i32,
) -> Result<(RegistrationStatus, Option<i32>), DbErr> {
    if events::try_take_seat(txn, event_id).await? {
        Ok((RegistrationStatus::Confirmed, None))
    } else {
        let order = events::next_waitlist_order(txn, event_id).await?;
        Ok((RegistrationStatus::Waitlisted, Some(order)))
    }
}

/// Gives back the seat of a registration just cancelled: the first on the
/// waitlist gets it (the seat moves, so the confirmed count stays), or it
/// returns to the event when nobody waits.
pub async fn release(
    txn: &impl ConnectionTrait,
    event_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for waiting in registrations::waitlist(txn, event_id).await? {
        if promote(txn, &waiting, now).await? {
            return Ok(());
        }
    }
    events::release_seat(txn, event_id).await
}

/// Moves a waitlisted registration onto a seat the caller already holds for
/// it, and tells them (with the invite and a fresh link). The one way off a
/// waitlist. Conditional, so a concurrent promotion of the same person
/// cannot hand out the seat twice; returns whether it moved.
pub async fn promote(
    txn: &impl ConnectionTrait,
    waiting: &registration::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let moved = registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Confirmed),
        )
        .col_expr(
            registration::Column::WaitlistOrder,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::Id.eq(waiting.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    let promoted = registration::Entity::find_by_id(waiting.id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(waiting.id.to_string()))?;
    announce(txn, promoted, Change::Promoted, Link::Fresh, now).await?;
    Ok(true)
}
