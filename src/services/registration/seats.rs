//! The seat rules: take a seat or a place in the queue, give a seat back,
//! and move the first eligible person in the queue onto a free seat. Each
//! runs inside the caller's transaction, after the event row is locked
//! (`events::lock`), so registrations and cancellations of one event take
//! turns. A member municipality's registrations also count against the
//! event's cap per municipality (`events.municipality_cap`), kept by the same
//! kind of conditional update as the seat itself. A batch of new
//! registrations takes its seats ahead, in one such update per counter for
//! all of them ([`Ahead`]).
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::choices::{self, Ripple};
use crate::db::entities::{event, programme_item, registration};
use crate::db::{self, Together, events, registrations};
use crate::domain::event::RegistrationStatus;

/// Takes a seat if one is free, and, for a member municipality, one of its
/// places under the event's cap (from those the batch took ahead, or else
/// by atomic conditional updates, so neither limit can be passed under any
/// interleaving); or else the next place on the waitlist.
pub async fn take(
    txn: &impl ConnectionTrait,
    ahead: &mut Ahead,
    event: &event::Model,
    municipality: Option<&str>,
) -> Result<(RegistrationStatus, Option<i32>), DbErr> {
    let place = match municipality {
        Some(code) => match ahead.place(txn, event, code).await? {
            Some(place) => Some((code, place)),
            None => return waitlist(txn, event.id).await,
        },
        None => None,
    };
    if ahead.seat(txn, event.id).await? {
        return Ok((RegistrationStatus::Confirmed, None));
    }
    if let Some((code, place)) = place {
        ahead.give_back_place(txn, event.id, code, place).await?;
    }
    waitlist(txn, event.id).await
}

/// The next place on the event's waitlist.
async fn waitlist(
    txn: &impl ConnectionTrait,
    event_id: i32,
) -> Result<(RegistrationStatus, Option<i32>), DbErr> {
    let order = events::next_waitlist_order(txn, event_id).await?;
    Ok((RegistrationStatus::Waitlisted, Some(order)))
}

/// What one registration of a batch may take: a seat of its event, a
/// place of its municipality, a seat of each item it chose.
pub struct Demand<'a> {
    pub event: &'a event::Model,
    pub municipality: Option<&'a str>,
    pub items: &'a [i32],
}

/// Seats a batch of registrations took ahead (`db::seats`): each counter
/// moved once by the whole batch's demand, then handed out to its
/// registrations one by one, in the batch's order. A counter without room
/// for the whole demand is not taken ahead, and its registrations take
/// theirs one by one, as a registration alone does, so the first in the
/// batch get the last seats. What no registration used goes back in
/// [`Ahead::settle`], before the commit. Cloned before each registration
/// run in a savepoint, and put back if it is rolled back (`db::group`).
#[derive(Debug, Clone, Default)]
pub struct Ahead {
    /// The events' caps per municipality, as stored when the batch began
    /// (not as each request read them: an organiser may have just changed
    /// one).
    caps: BTreeMap<i32, Option<i32>>,
    /// Event seats left to hand out, by event id.
    events: BTreeMap<i32, i32>,
    /// Programme item seats left, by item id.
    items: BTreeMap<i32, i32>,
    /// Places under a municipality cap left, by event and code.
    places: BTreeMap<(i32, String), i32>,
    /// Places handed out at events without a cap (nothing to check, only
    /// to count), by event and code: added to their counters when settled.
    counted: BTreeMap<(i32, String), i32>,
}

/// Where a registration's municipality place came from.
#[derive(Debug, Clone, Copy)]
enum Place {
    Ahead,
    Counted,
    Taken,
}

impl Ahead {
    /// Takes ahead, for a batch, a seat of each registration's event and
    /// of each item it chose, and a place under its municipality's cap
    /// (`caps`: each event's, read under the batch's lock). The events and
    /// items must be locked already (PostgreSQL), in that order.
    pub async fn take<'a>(
        txn: &impl ConnectionTrait,
        caps: BTreeMap<i32, Option<i32>>,
        demand: impl IntoIterator<Item = Demand<'a>>,
    ) -> Result<Self, DbErr> {
        let mut events = BTreeMap::new();
        let mut items = BTreeMap::new();
        let mut places: BTreeMap<(i32, String), (i32, i32)> = BTreeMap::new();
        for one in demand {
            *events.entry(one.event.id).or_insert(0) += 1;
            let chosen: BTreeSet<i32> = one.items.iter().copied().collect();
            for item in chosen {
                *items.entry(item).or_insert(0) += 1;
            }
            let cap = caps.get(&one.event.id).copied().flatten();
            if let (Some(code), Some(cap)) = (one.municipality, cap) {
                let (n, lowest) = places
                    .entry((one.event.id, code.to_owned()))
                    .or_insert((0, cap));
                *n += 1;
                *lowest = (*lowest).min(cap);
            }
        }
        let mut ahead = Self {
            caps,
            events: taken::<event::Entity>(txn, events).await?,
            items: taken::<programme_item::Entity>(txn, items).await?,
            ..Self::default()
        };
        for ((event_id, code), (n, cap)) in places {
            if db::seats::take_places(txn, event_id, &code, n, cap).await? {
                ahead.places.insert((event_id, code), n);
            }
        }
        Ok(ahead)
    }

    /// An event seat: one taken ahead, or else one taken now.
    async fn seat(&mut self, txn: &impl ConnectionTrait, event_id: i32) -> Result<bool, DbErr> {
        if hand_out(&mut self.events, &event_id) {
            return Ok(true);
        }
        events::try_take_seat(txn, event_id).await
    }

    /// A place of `code` under the event's cap (None: the municipality has
    /// none left).
    async fn place(
        &mut self,
        txn: &impl ConnectionTrait,
        event: &event::Model,
        code: &str,
    ) -> Result<Option<Place>, DbErr> {
        let key = (event.id, code.to_owned());
        if hand_out(&mut self.places, &key) {
            return Ok(Some(Place::Ahead));
        }
        let stored = self.caps.get(&event.id).copied();
        let Some(cap) = stored.unwrap_or(event.municipality_cap) else {
            *self.counted.entry(key).or_insert(0) += 1;
            return Ok(Some(Place::Counted));
        };
        let taken = db::choices::try_take_municipality_seat(txn, event.id, code, cap).await?;
        Ok(taken.then_some(Place::Taken))
    }

    /// Gives back a place a registration did not get to use.
    async fn give_back_place(
        &mut self,
        txn: &impl ConnectionTrait,
        event_id: i32,
        code: &str,
        place: Place,
    ) -> Result<(), DbErr> {
        let key = (event_id, code.to_owned());
        match place {
            Place::Ahead => *self.places.entry(key).or_insert(0) += 1,
            Place::Counted => *self.counted.entry(key).or_insert(0) -= 1,
            Place::Taken => db::choices::release_municipality_seat(txn, event_id, code).await?,
        }
        Ok(())
    }

    /// A seat of each of `items` that has one (taken ahead, or else in one
    /// statement now); returns the ids that got one.
    pub async fn item_seats(
        &mut self,
        txn: &impl ConnectionTrait,
        items: &[i32],
    ) -> Result<Vec<i32>, DbErr> {
        let (mut seated, rest): (Vec<i32>, Vec<i32>) = items
            .iter()
            .copied()
            .partition(|item| hand_out(&mut self.items, item));
        seated.extend(db::choices::try_take_item_seats(txn, &rest).await?);
        Ok(seated)
    }

    /// Gives back what no registration used and counts the places handed
    /// out without a cap, in one round trip.
    pub async fn settle(self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let mut together = Together::new(txn);
        for (&id, &left) in self.events.iter().filter(|(_, left)| **left > 0) {
            together.push(&db::seats::give_back::<event::Entity>(id, left));
        }
        for (&id, &left) in self.items.iter().filter(|(_, left)| **left > 0) {
            together.push(&db::seats::give_back::<programme_item::Entity>(id, left));
        }
        // One statement per counter row (PostgreSQL runs them as one).
        let mut places: BTreeMap<(i32, String), i32> = self.counted;
        for (key, left) in self.places {
            *places.entry(key).or_insert(0) -= left;
        }
        for ((event_id, code), more) in places {
            if more > 0 {
                together.push(&db::seats::count_places(event_id, &code, more));
            } else if more < 0 {
                together.push(&db::seats::give_back_places(event_id, &code, -more));
            }
        }
        together.run(txn).await
    }
}

/// Takes ahead the seats of each row in `wants` (id → demand) that has
/// room for all of them: what each row has to hand out.
async fn taken<E: db::seats::Seated>(
    txn: &impl ConnectionTrait,
    wants: BTreeMap<i32, i32>,
) -> Result<BTreeMap<i32, i32>, DbErr> {
    let wants: Vec<(i32, i32)> = wants.into_iter().collect();
    let taken = db::seats::take_ahead::<E>(txn, &wants).await?;
    Ok(wants
        .into_iter()
        .filter(|(id, _)| taken.contains(id))
        .collect())
}

/// Hands out one of what `key` has left; false when nothing is left.
fn hand_out<K: Ord>(left: &mut BTreeMap<K, i32>, key: &K) -> bool {
    match left.get_mut(key) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    }
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
