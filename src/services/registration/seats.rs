//! The seat rules: take a seat or a place in the queue, give a seat back,
//! and move the first eligible person in the queue onto a free seat. Each
//! runs inside the caller's transaction, after the event row is locked
//! (`events::lock`), so registrations and cancellations of one event take
//! turns. A member municipality's registrations also count against the
//! event's cap per municipality (`events.municipality_cap`), kept by the same
//! kind of conditional update as the seat itself.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::choices::{self, Ripple};
use crate::db::entities::{event, registration};
use crate::db::{self, events, registrations};
use crate::domain::event::RegistrationStatus;

/// Takes a seat if one is free, and, for a member municipality, one of its
/// places under the event's cap (both atomic conditional updates, so neither
/// limit can be passed under any interleaving); or else the next place on
/// the waitlist.
pub async fn take(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    municipality: Option<&str>,
) -> Result<(RegistrationStatus, Option<i32>), DbErr> {
    let capped = match municipality {
        Some(code) => {
            let cap = event.municipality_cap.unwrap_or(i32::MAX);
            !db::choices::try_take_municipality_seat(txn, event.id, code, cap).await?
        }
        None => false,
    };
    if !capped {
        if events::try_take_seat(txn, event.id).await? {
            return Ok((RegistrationStatus::Confirmed, None));
        }
        if let Some(code) = municipality {
            db::choices::release_municipality_seat(txn, event.id, code).await?;
        }
    }
    let order = events::next_waitlist_order(txn, event.id).await?;
    Ok((RegistrationStatus::Waitlisted, Some(order)))
}

/// Gives back the seat of a confirmed registration just cancelled (of
/// `municipality`, if a member): the first on the waitlist whose
/// municipality is under the cap gets it (the seat moves, so the confirmed
/// count stays), or it returns to the event when nobody eligible waits.
pub async fn release(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    municipality: Option<&str>,
    ripple: &mut Ripple,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Some(code) = municipality {
        db::choices::release_municipality_seat(txn, event.id, code).await?;
    }
    for waiting in registrations::waitlist(txn, event.id).await? {
        let eligible = match waiting.municipality_code.as_deref() {
            Some(code) => {
                let cap = event.municipality_cap.unwrap_or(i32::MAX);
                db::choices::try_take_municipality_seat(txn, event.id, code, cap).await?
            }
            None => true,
        };
        if !eligible {
            continue;
        }
        if promote(txn, &waiting, ripple, now).await? {
            return Ok(());
        }
        if let Some(code) = waiting.municipality_code.as_deref() {
            db::choices::release_municipality_seat(txn, event.id, code).await?;
        }
    }
    events::release_seat(txn, event.id).await
}

/// Moves a waitlisted registration onto a seat (and municipality place) the
/// caller already holds for it; its choices then take item seats or queue
/// for them. The one way off a waitlist. Conditional, so a concurrent
/// promotion of the same person cannot hand out the seat twice; returns
/// whether it moved. The promoted person is told through `ripple`.
pub async fn promote(
    txn: &impl ConnectionTrait,
    waiting: &registration::Model,
    ripple: &mut Ripple,
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
    choices::seat_pending(txn, waiting.id, now).await?;
    ripple.promoted(waiting.id);
    Ok(true)
}

/// Fills the event's free seats from its waitlist, first eligible first
/// (after the cap per municipality was raised or removed); returns how many
/// moved. Each promoted person is told through `ripple`.
pub async fn fill(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    ripple: &mut Ripple,
    now: DateTime<Utc>,
) -> Result<u32, DbErr> {
    let cap = event.municipality_cap.unwrap_or(i32::MAX);
    let mut moved = 0;
    for waiting in registrations::waitlist(txn, event.id).await? {
        if !events::try_take_seat(txn, event.id).await? {
            break;
        }
        let eligible = match waiting.municipality_code.as_deref() {
            Some(code) => db::choices::try_take_municipality_seat(txn, event.id, code, cap).await?,
            None => true,
        };
        if eligible && promote(txn, &waiting, ripple, now).await? {
            moved += 1;
            continue;
        }
        if eligible && let Some(code) = waiting.municipality_code.as_deref() {
            db::choices::release_municipality_seat(txn, event.id, code).await?;
        }
        events::release_seat(txn, event.id).await?;
    }
    Ok(moved)
}
