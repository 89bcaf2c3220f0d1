//! Seats taken ahead for a batch of registrations (`db::group`): each
//! counter (an event's seats, a programme item's, a member municipality's
//! places) is moved by the batch's whole demand in one atomic conditional
//! update, the capacity rule of DESIGN.md for several seats at once; the
//! batch hands them out one by one and gives back, before its commit, what
//! no registration used. Nothing taken ahead is ever seen by another
//! transaction: only the settled counts commit.
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::entities::{event, municipality_seat, programme_item};

/// A table with seats: its id, its count of confirmed seats, and its
/// capacity (none: unlimited).
pub trait Seated: EntityTrait {
    const COLUMNS: [Self::Column; 3];
}

impl Seated for event::Entity {
    const COLUMNS: [event::Column; 3] = [
        event::Column::Id,
        event::Column::ConfirmedCount,
        event::Column::Capacity,
    ];
}

impl Seated for programme_item::Entity {
    const COLUMNS: [programme_item::Column; 3] = [
        programme_item::Column::Id,
        programme_item::Column::ConfirmedCount,
        programme_item::Column::Capacity,
    ];
}

/// Takes `n` seats of each row in `wants` (`(id, n)`, ids unique) that has
/// `n` free, all in one statement (`confirmed_count + n <= capacity`);
/// returns the ids of the rows whose seats were taken. On PostgreSQL the
/// rows should be locked already, in id order (`events::lock_many`,
/// `lock_items`).
pub async fn take_ahead<E: Seated>(
    db: &impl ConnectionTrait,
    wants: &[(i32, i32)],
) -> Result<Vec<i32>, DbErr> {
    let [id, count, capacity] = E::COLUMNS;
    let Some((&(first, n), rest)) = wants.split_first() else {
        return Ok(Vec::new());
    };
    let mut demand = Expr::case(Expr::col(id).eq(first), n);
    for &(row, n) in rest {
        demand = demand.case(Expr::col(id).eq(row), n);
    }
    let demand: Expr = demand.finally(0).into();
    let update = Query::update()
        .table(E::default())
        .value(count, Expr::col(count).add(demand.clone()))
        .and_where(Expr::col(id).is_in(wants.iter().map(|&(row, _)| row)))
        .and_where(
            Expr::col(capacity)
                .is_null()
                .or(Expr::col(count).add(demand).lte(Expr::col(capacity))),
        )
        .returning_col(id)
        .to_owned();
    db.query_all(&update)
        .await?
        .iter()
        .map(|row| row.try_get_by_index(0))
        .collect()
}

/// Gives back `n` seats of a row taken ahead and not used.
pub fn give_back<E: Seated>(row: i32, n: i32) -> sea_orm::UpdateMany<E> {
    let [id, count, _] = E::COLUMNS;
    E::update_many()
        .col_expr(count, Expr::col(count).sub(n))
        .filter(id.eq(row))
}

/// Takes `n` places under the event's cap for a member municipality, if it
/// has `n` left: one statement that creates the counter row with them, or
/// else adds them to it if they fit (`INSERT … ON CONFLICT DO UPDATE …
/// WHERE`, atomic like an update). Returns whether they were taken.
pub async fn take_places(
    db: &impl ConnectionTrait,
    event_id: i32,
    code: &str,
    n: i32,
    cap: i32,
) -> Result<bool, DbErr> {
    use municipality_seat::Column;
    if n > cap {
        // They cannot fit; the counter row still exists afterwards.
        municipality_seat::Entity::insert(municipality_seat::ActiveModel {
            event_id: Set(event_id),
            municipality_code: Set(code.to_owned()),
            confirmed_count: Set(0),
        })
        .on_conflict_do_nothing_on([Column::EventId, Column::MunicipalityCode])
        .exec_without_returning(db)
        .await?;
        return Ok(false);
    }
    let counter = Expr::col((municipality_seat::Entity, Column::ConfirmedCount));
    let take = Query::insert()
        .into_table(municipality_seat::Entity)
        .columns([
            Column::EventId,
            Column::MunicipalityCode,
            Column::ConfirmedCount,
        ])
        .values_panic([event_id.into(), code.into(), n.into()])
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([Column::EventId, Column::MunicipalityCode])
                .value(Column::ConfirmedCount, counter.clone().add(n))
                .action_and_where(counter.add(n).lte(cap))
                .to_owned(),
        )
        .to_owned();
    Ok(db.execute(&take).await?.rows_affected() == 1)
}

/// Counts `n` places of a municipality at an event without a cap (one
/// statement: the counter row is created with them or they are added).
pub fn count_places(
    event_id: i32,
    code: &str,
    n: i32,
) -> sea_orm::Insert<municipality_seat::ActiveModel> {
    use municipality_seat::Column;
    municipality_seat::Entity::insert(municipality_seat::ActiveModel {
        event_id: Set(event_id),
        municipality_code: Set(code.to_owned()),
        confirmed_count: Set(n),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([Column::EventId, Column::MunicipalityCode])
            .value(
                Column::ConfirmedCount,
                Expr::col((municipality_seat::Entity, Column::ConfirmedCount)).add(n),
            )
            .to_owned(),
    )
}

/// Gives back `n` places of a municipality taken ahead and not used.
pub fn give_back_places(
    event_id: i32,
    code: &str,
    n: i32,
) -> sea_orm::UpdateMany<municipality_seat::Entity> {
    use municipality_seat::Column;
    municipality_seat::Entity::update_many()
        .col_expr(
            Column::ConfirmedCount,
            Expr::col(Column::ConfirmedCount).sub(n),
        )
        .filter(Column::EventId.eq(event_id))
        .filter(Column::MunicipalityCode.eq(code))
}
