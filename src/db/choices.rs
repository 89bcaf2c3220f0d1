//! Queries for programme choices: the item seat, its queue, and the cap per
//! member municipality. Every seat is one atomic conditional update, the same
//! rule as the event's seat (`events::try_take_seat`), so no interleaving can
//! confirm more than a capacity.
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entities::{municipality_seat, programme_item, registration_choice};
use crate::domain::choice::{ChoiceLine, ChoiceStatus};

/// Locks the given items' rows until the transaction ends (PostgreSQL), in
/// id order. With the event row locked first, every write path takes its
/// locks in one order: the event, then its items by id, so two transactions
/// cannot deadlock.
pub async fn lock_items(db: &impl ConnectionTrait, item_ids: &[i32]) -> Result<(), DbErr> {
    if super::is_postgres(db) && !item_ids.is_empty() {
        programme_item::Entity::find()
            .filter(programme_item::Column::Id.is_in(item_ids.iter().copied()))
            .order_by_asc(programme_item::Column::Id)
            .lock_exclusive()
            .all(db)
            .await?;
    }
    Ok(())
}

/// Takes one seat of an item if one is free.
pub async fn try_take_item_seat(db: &impl ConnectionTrait, item_id: i32) -> Result<bool, DbErr> {
    Ok(!try_take_item_seats(db, &[item_id]).await?.is_empty())
}

/// Takes one seat of each of `item_ids` that has one free, in one
/// statement; returns the ids that got one.
pub async fn try_take_item_seats(
    db: &impl ConnectionTrait,
    item_ids: &[i32],
) -> Result<Vec<i32>, DbErr> {
    if item_ids.is_empty() {
        return Ok(Vec::new());
    }
    let taken = programme_item::Entity::update_many()
        .col_expr(
            programme_item::Column::ConfirmedCount,
            Expr::col(programme_item::Column::ConfirmedCount).add(1),
        )
        .filter(programme_item::Column::Id.is_in(item_ids.iter().copied()))
        .filter(
            programme_item::Column::Capacity
                .is_null()
                .or(Expr::col(programme_item::Column::ConfirmedCount)
                    .lt(Expr::col(programme_item::Column::Capacity))),
        )
        .exec_with_returning(db)
        .await?;
    Ok(taken.into_iter().map(|item| item.id).collect())
}

/// Gives an item seat back.
pub async fn release_item_seat(db: &impl ConnectionTrait, item_id: i32) -> Result<(), DbErr> {
    programme_item::Entity::update_many()
        .col_expr(
            programme_item::Column::ConfirmedCount,
            Expr::col(programme_item::Column::ConfirmedCount).sub(1),
        )
        .filter(programme_item::Column::Id.eq(item_id))
        .filter(programme_item::Column::ConfirmedCount.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Issues the next number in the queue of each of `item_ids` (unique and
/// increasing per item, as the event's), in one statement, by item id.
pub async fn next_item_waitlist_orders(
    db: &impl ConnectionTrait,
    item_ids: &[i32],
) -> Result<std::collections::HashMap<i32, i32>, DbErr> {
    if item_ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let counted = programme_item::Entity::update_many()
        .col_expr(
            programme_item::Column::WaitlistCounter,
            Expr::col(programme_item::Column::WaitlistCounter).add(1),
        )
        .filter(programme_item::Column::Id.is_in(item_ids.iter().copied()))
        .exec_with_returning(db)
        .await?;
    Ok(counted
        .into_iter()
        .map(|item| (item.id, item.waitlist_counter))
        .collect())
}

/// The choices of one registration that are still chosen, by item id.
pub async fn of_registration(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
) -> Result<Vec<registration_choice::Model>, DbErr> {
    registration_choice::Entity::find()
        .filter(registration_choice::Column::RegistrationId.eq(registration_id))
        .filter(registration_choice::Column::Status.ne(ChoiceStatus::Dropped))
        .order_by_asc(registration_choice::Column::ItemId)
        .all(db)
        .await
}

/// An item's queue, first in line first.
pub async fn item_waitlist(
    db: &impl ConnectionTrait,
    item_id: i32,
) -> Result<Vec<registration_choice::Model>, DbErr> {
    registration_choice::Entity::find()
        .filter(registration_choice::Column::ItemId.eq(item_id))
        .filter(registration_choice::Column::Status.eq(ChoiceStatus::Waitlisted))
        .order_by_asc(registration_choice::Column::WaitlistOrder)
        .all(db)
        .await
}

/// The 1-based place of a queued choice in its item's queue.
pub async fn item_waitlist_position(
    db: &impl ConnectionTrait,
    choice: &registration_choice::Model,
) -> Result<Option<u64>, DbErr> {
    let (ChoiceStatus::Waitlisted, Some(order)) = (choice.status, choice.waitlist_order) else {
        return Ok(None);
    };
    let ahead = registration_choice::Entity::find()
        .filter(registration_choice::Column::ItemId.eq(choice.item_id))
        .filter(registration_choice::Column::Status.eq(ChoiceStatus::Waitlisted))
        .filter(registration_choice::Column::WaitlistOrder.lt(order))
        .count(db)
        .await?;
    Ok(Some(ahead + 1))
}

/// Sets a choice's state (and its place in the queue) in one update,
/// conditional on the state it was read in, so a concurrent change of the
/// same choice cannot apply twice. Returns whether it changed.
pub async fn set_status(
    db: &impl ConnectionTrait,
    choice: &registration_choice::Model,
    status: ChoiceStatus,
    waitlist_order: Option<i32>,
    late: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, DbErr> {
    let result = registration_choice::Entity::update_many()
        .col_expr(registration_choice::Column::Status, Expr::value(status))
        .col_expr(
            registration_choice::Column::WaitlistOrder,
            Expr::value(waitlist_order),
        )
        .col_expr(
            registration_choice::Column::Late,
            Expr::value(choice.late || late),
        )
        .col_expr(registration_choice::Column::UpdatedAt, Expr::value(now))
        .filter(registration_choice::Column::Id.eq(choice.id))
        .filter(registration_choice::Column::Status.eq(choice.status))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Takes a seat under the event's cap per municipality, if the
/// municipality has one left (`seats::take_places`, for one).
pub async fn try_take_municipality_seat(
    db: &impl ConnectionTrait,
    event_id: i32,
    code: &str,
    cap: i32,
) -> Result<bool, DbErr> {
    super::seats::take_places(db, event_id, code, 1, cap).await
}

/// Counts a confirmed member registration (without a cap to keep), so that
/// the counter is right if a cap is set later.
pub async fn count_municipality_seat(
    db: &impl ConnectionTrait,
    event_id: i32,
    code: &str,
) -> Result<(), DbErr> {
    try_take_municipality_seat(db, event_id, code, i32::MAX).await?;
    Ok(())
}

/// Gives a municipality's seat back.
pub async fn release_municipality_seat(
    db: &impl ConnectionTrait,
    event_id: i32,
    code: &str,
) -> Result<(), DbErr> {
    municipality_seat::Entity::update_many()
        .col_expr(
            municipality_seat::Column::ConfirmedCount,
            Expr::col(municipality_seat::Column::ConfirmedCount).sub(1),
        )
        .filter(municipality_seat::Column::EventId.eq(event_id))
        .filter(municipality_seat::Column::MunicipalityCode.eq(code))
        .filter(municipality_seat::Column::ConfirmedCount.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// How many confirmed registrations a municipality has at an event.
pub async fn municipality_count(
    db: &impl ConnectionTrait,
    event_id: i32,
    code: &str,
) -> Result<i32, DbErr> {
    Ok(
        municipality_seat::Entity::find_by_id((event_id, code.to_owned()))
            .one(db)
            .await?
            .map_or(0, |row| row.confirmed_count),
    )
}

/// A registration's choices as they stand.
pub async fn lines(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
) -> Result<Vec<ChoiceLine>, DbErr> {
    Ok(lines_of_many(db, &[registration_id])
        .await?
        .remove(&registration_id)
        .unwrap_or_default())
}

/// The choices of several registrations as they stand, read in one query
/// (and one count for each queued choice): for a batch of emails.
pub async fn lines_of_many(
    db: &impl ConnectionTrait,
    registration_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<ChoiceLine>>, DbErr> {
    let mut lines: std::collections::HashMap<Uuid, Vec<ChoiceLine>> = Default::default();
    if registration_ids.is_empty() {
        return Ok(lines);
    }
    let rows = registration_choice::Entity::find()
        .filter(registration_choice::Column::RegistrationId.is_in(registration_ids.iter().copied()))
        .filter(registration_choice::Column::Status.ne(ChoiceStatus::Dropped))
        .order_by_asc(registration_choice::Column::RegistrationId)
        .order_by_asc(registration_choice::Column::ItemId)
        .all(db)
        .await?;
    for choice in rows {
        let position = item_waitlist_position(db, &choice).await?;
        lines
            .entry(choice.registration_id)
            .or_default()
            .push(ChoiceLine {
                item_id: choice.item_id,
                status: choice.status,
                position,
            });
    }
    Ok(lines)
}

/// Every registration's choices at an event, in one query, with the places
/// in each item's queue: for lists and exports of many registrations.
pub async fn lines_of_event(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<std::collections::HashMap<Uuid, Vec<ChoiceLine>>, DbErr> {
    let items = sea_orm::sea_query::Query::select()
        .column(programme_item::Column::Id)
        .from(programme_item::Entity)
        .and_where(programme_item::Column::EventId.eq(event_id))
        .to_owned();
    let rows = registration_choice::Entity::find()
        .filter(registration_choice::Column::ItemId.in_subquery(items))
        .filter(registration_choice::Column::Status.ne(ChoiceStatus::Dropped))
        .order_by_asc(registration_choice::Column::ItemId)
        .order_by_asc(registration_choice::Column::WaitlistOrder)
        .all(db)
        .await?;
    let mut lines: std::collections::HashMap<Uuid, Vec<ChoiceLine>> = Default::default();
    let mut place: std::collections::HashMap<i32, u64> = Default::default();
    for row in rows {
        let position = (row.status == ChoiceStatus::Waitlisted).then(|| {
            let next = place.entry(row.item_id).or_default();
            *next += 1;
            *next
        });
        lines
            .entry(row.registration_id)
            .or_default()
            .push(ChoiceLine {
                item_id: row.item_id,
                status: row.status,
                position,
            });
    }
    Ok(lines)
}

/// How many are queued for each item of an event.
pub async fn queue_lengths(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<std::collections::HashMap<i32, u64>, DbErr> {
    let mut lengths = std::collections::HashMap::new();
    for line in lines_of_event(db, event_id).await?.into_values().flatten() {
        if line.status == ChoiceStatus::Waitlisted {
            *lengths.entry(line.item_id).or_insert(0) += 1;
        }
    }
    Ok(lengths)
}
