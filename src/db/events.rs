//! Event queries.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entities::{event, municipality, programme_item};
use crate::domain::event::{EventStatus, Visibility};

/// A published, public event by slug: what the public may see.
pub async fn find_public_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .filter(event::Column::Visibility.eq(Visibility::Public))
        .filter(event::Column::Status.ne(EventStatus::Draft))
        .one(db)
        .await
}

/// Any event by slug, whatever its state.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// An event by id.
pub async fn find_by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find_by_id(id).one(db).await
}

/// Published and cancelled public events that have not ended, soonest first.
pub async fn list_upcoming_public(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find()
        .filter(event::Column::Visibility.eq(Visibility::Public))
        .filter(event::Column::Status.ne(EventStatus::Draft))
        .filter(event::Column::EndsAt.gt(now))
        .order_by_asc(event::Column::StartsAt)
        .all(db)
        .await
}

/// The programme of an event, in order.
pub async fn programme(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<Vec<programme_item::Model>, DbErr> {
    programme_item::Entity::find()
        .filter(programme_item::Column::EventId.eq(event_id))
        .order_by_asc(programme_item::Column::Position)
        .all(db)
        .await
}

/// The network's member municipalities, by name.
pub async fn member_municipalities(
    db: &impl ConnectionTrait,
) -> Result<Vec<municipality::Model>, DbErr> {
    municipality::Entity::find()
        .filter(municipality::Column::IsMember.eq(true))
        .order_by_asc(municipality::Column::Name)
        .all(db)
        .await
}

/// Takes one seat if one is free: the capacity invariant in one atomic
/// conditional update, so that no interleaving can confirm more than
/// `capacity` (DESIGN.md "Capacity"). Returns whether a seat was taken.
pub async fn try_take_seat(db: &impl ConnectionTrait, event_id: i32) -> Result<bool, DbErr> {
    let result =
        event::Entity::update_many()
            .col_expr(
                event::Column::ConfirmedCount,
                Expr::col(event::Column::ConfirmedCount).add(1),
            )
            .filter(event::Column::Id.eq(event_id))
            .filter(event::Column::Capacity.is_null().or(
                Expr::col(event::Column::ConfirmedCount).lt(Expr::col(event::Column::Capacity)),
            ))
            .exec(db)
            .await?;
    Ok(result.rows_affected == 1)
}

/// Gives a seat back.
pub async fn release_seat(db: &impl ConnectionTrait, event_id: i32) -> Result<(), DbErr> {
    event::Entity::update_many()
        .col_expr(
            event::Column::ConfirmedCount,
            Expr::col(event::Column::ConfirmedCount).sub(1),
        )
        .filter(event::Column::Id.eq(event_id))
        .filter(event::Column::ConfirmedCount.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Issues the next waitlist number for an event, in one statement (an
/// `UPDATE … RETURNING`). The increment locks the event row (PostgreSQL) or
/// runs under the write lock (SQLite), so numbers are unique and increasing.
pub async fn next_waitlist_order(db: &impl ConnectionTrait, event_id: i32) -> Result<i32, DbErr> {
    let counter = Expr::col(event::Column::WaitlistCounter);
    let update = sea_orm::sea_query::Query::update()
        .table(event::Entity)
        .value(event::Column::WaitlistCounter, counter.add(1))
        .and_where(Expr::col(event::Column::Id).eq(event_id))
        .returning_col(event::Column::WaitlistCounter)
        .to_owned();
    db.query_one(&update)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("event {event_id}")))?
        .try_get_by_index(0)
}

/// Locks the event row until the transaction ends (PostgreSQL), so that a
/// cancellation and a registration of the same event take turns.
pub async fn lock(db: &impl ConnectionTrait, event_id: i32) -> Result<(), DbErr> {
    lock_many(db, &[event_id]).await
}

/// Each event's cap per member municipality, as stored now, read in one
/// statement that also locks the rows, in id order, on PostgreSQL (as
/// [`lock_many`]; on SQLite the write transaction already holds the only
/// write lock).
pub async fn lock_with_caps(
    db: &impl ConnectionTrait,
    event_ids: &[i32],
) -> Result<std::collections::BTreeMap<i32, Option<i32>>, DbErr> {
    if event_ids.is_empty() {
        return Ok(Default::default());
    }
    let mut query = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .column(event::Column::MunicipalityCap)
        .filter(event::Column::Id.is_in(event_ids.iter().copied()))
        .order_by_asc(event::Column::Id);
    if super::is_postgres(db) {
        query = query.lock_exclusive();
    }
    Ok(query
        .into_tuple::<(i32, Option<i32>)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Locks several event rows in one statement, in id order (so that two
/// transactions locking overlapping sets cannot deadlock); PostgreSQL only,
/// like [`lock`].
pub async fn lock_many(db: &impl ConnectionTrait, event_ids: &[i32]) -> Result<(), DbErr> {
    if super::is_postgres(db) {
        lock_with_caps(db, event_ids).await?;
    }
    Ok(())
}
