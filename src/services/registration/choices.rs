//! Programme choices: what a registrant chose, each with its own seat or
//! place in the item's queue, kept by the same rules as the event's seat.
//!
//! Locks are taken in one order on every path: the event row
//! (`events::lock`), then the items by id (`choices::lock_items`). Every
//! consequence of a change (a freed seat, the first eligible person in each
//! queue moving up) happens in the caller's transaction, and each person
//! other than the one making the change hears of it once, through
//! [`Ripple::announce`].
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::announce::{Change, Link, announce};
use super::seats::Ahead;
use crate::db::choices as db;
use crate::db::entities::{programme_item, registration, registration_choice};
use crate::domain::choice::{
    ChoiceNote, ChoiceStatus, NoteKind, Offer, Span, check, open_for_registrant,
};
use crate::domain::event::RegistrationStatus;
use crate::domain::registration::Problem;

/// The people a change affected besides the one who made it, and what
/// happened to each; told once per person at the end of the transaction.
#[derive(Debug, Default)]
pub struct Ripple {
    promoted: BTreeSet<Uuid>,
    notes: BTreeMap<Uuid, Vec<ChoiceNote>>,
}

impl Ripple {
    /// `id` moved from the event's waitlist onto a seat.
    pub fn promoted(&mut self, id: Uuid) {
        self.promoted.insert(id);
    }

    /// Something happened to one of `id`'s choices.
    pub fn note(&mut self, id: Uuid, item: &str, what: NoteKind) {
        self.notes.entry(id).or_default().push(ChoiceNote {
            item: item.to_owned(),
            what,
        });
    }

    /// Leaves out the person who made the change (their own email says it).
    pub fn without(mut self, id: Uuid) -> Self {
        self.promoted.remove(&id);
        self.notes.remove(&id);
        self
    }

    /// Writes one email per affected person to the outbox: "you have a seat"
    /// for a promotion (with every choice as it now stands), or "your
    /// choices changed" with what happened. Each carries a fresh link.
    pub async fn announce(
        self,
        txn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let mut people: BTreeSet<Uuid> = self.promoted.clone();
        people.extend(self.notes.keys().copied());
        let mut notes = self.notes;
        for id in people {
            let Some(current) = registration::Entity::find_by_id(id).one(txn).await? else {
                continue;
            };
            let notes = notes.remove(&id).unwrap_or_default();
            let change = if self.promoted.contains(&id) {
                Change::Promoted(notes)
            } else {
                Change::Choices(notes)
            };
            announce(txn, current, change, Link::Fresh, now).await?;
        }
        Ok(())
    }
}

/// The choosable items of an event, as the rules see them.
pub async fn offers(txn: &impl ConnectionTrait, event_id: i32) -> Result<Vec<Offer>, DbErr> {
    Ok(crate::db::events::programme(txn, event_id)
        .await?
        .into_iter()
        .filter(|item| item.choosable)
        .map(|item| Offer {
            id: item.id,
            span: Span {
                starts_at: item.starts_at,
                ends_at: item.ends_at,
            },
            deadline: item.choice_deadline,
        })
        .collect())
}

/// Where new choices of `items` start for a registration in `status`, in
/// the order of `items`: a seat or the item's queue when it holds an event
/// seat (all seats in one statement, then the queue places of the full
/// items in one more), pending while it waits for one. The seats come from
/// those a batch took `ahead` when there is one. The items must be locked
/// already.
async fn start(
    txn: &impl ConnectionTrait,
    status: RegistrationStatus,
    items: &[i32],
    ahead: Option<&mut Ahead>,
) -> Result<Vec<(ChoiceStatus, Option<i32>)>, DbErr> {
    if status != RegistrationStatus::Confirmed {
        return Ok(items
            .iter()
            .map(|_| (ChoiceStatus::Pending, None))
            .collect());
    }
    let seated = match ahead {
        Some(ahead) => ahead.item_seats(txn, items).await?,
        None => db::try_take_item_seats(txn, items).await?,
    };
    let full: Vec<i32> = items
        .iter()
        .copied()
        .filter(|id| !seated.contains(id))
        .collect();
    let mut queued = db::next_item_waitlist_orders(txn, &full).await?;
    items
        .iter()
        .map(|item_id| {
            if seated.contains(item_id) {
                Ok((ChoiceStatus::Confirmed, None))
            } else {
                let order = queued
                    .remove(item_id)
                    .ok_or_else(|| DbErr::RecordNotFound(format!("programme item {item_id}")))?;
                Ok((ChoiceStatus::Waitlisted, Some(order)))
            }
        })
        .collect()
}

/// Records new choices of `items` (ids of the registration's event, checked
/// by the caller) for a registration, in item id order after locking them.
/// The event row must be locked already.
pub async fn add(
    txn: &impl ConnectionTrait,
    registration: &registration::Model,
    items: &[i32],
    late: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if items.is_empty() {
        return Ok(());
    }
    let mut items = items.to_vec();
    items.sort_unstable();
    items.dedup();
    db::lock_items(txn, &items).await?;
    let existing = registration_choice::Entity::find()
        .filter(registration_choice::Column::RegistrationId.eq(registration.id))
        .all(txn)
        .await?;
    let starts = start(txn, registration.status, &items, None).await?;
    for (item_id, (status, order)) in items.into_iter().zip(starts) {
        match existing.iter().find(|c| c.item_id == item_id) {
            Some(row) if row.status.chosen() => {}
            Some(row) => {
                db::set_status(txn, row, status, order, late, now).await?;
            }
            None => {
                registration_choice::Entity::insert(registration_choice::ActiveModel {
                    registration_id: Set(registration.id),
                    item_id: Set(item_id),
                    status: Set(status),
                    waitlist_order: Set(order),
                    late: Set(late),
                    checked_in_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .exec_without_returning(txn)
                .await?;
            }
        }
    }
    Ok(())
}

/// The first choices of a registration about to be made (it has no choice
/// rows yet): each takes a seat or a place in its item's queue. Returns the
/// one `INSERT` of all the rows (None without choices), for the caller to
/// run after the registration's own row ([`crate::db::Together`]). The
/// event row and the items must be locked already (the group writer locks
/// a batch's items before its first registration, and takes their seats
/// `ahead`).
pub async fn first(
    txn: &impl ConnectionTrait,
    ahead: &mut Ahead,
    registration_id: Uuid,
    registration_status: RegistrationStatus,
    items: &[i32],
    now: DateTime<Utc>,
) -> Result<Option<sea_orm::InsertMany<registration_choice::ActiveModel>>, DbErr> {
    if items.is_empty() {
        return Ok(None);
    }
    let mut items = items.to_vec();
    items.sort_unstable();
    items.dedup();
    let starts = start(txn, registration_status, &items, Some(ahead)).await?;
    let mut rows = Vec::with_capacity(items.len());
    for (item_id, (status, order)) in items.into_iter().zip(starts) {
        rows.push(registration_choice::ActiveModel {
            registration_id: Set(registration_id),
            item_id: Set(item_id),
            status: Set(status),
            waitlist_order: Set(order),
            late: Set(false),
            checked_in_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    Ok(Some(registration_choice::Entity::insert_many(rows)))
}

/// After a registration got an event seat: each pending choice takes an
/// item seat or a place in that item's queue, by item id.
pub async fn seat_pending(
    txn: &impl ConnectionTrait,
    registration_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let pending: Vec<_> = db::of_registration(txn, registration_id)
        .await?
        .into_iter()
        .filter(|c| c.status == ChoiceStatus::Pending)
        .collect();
    let ids: Vec<i32> = pending.iter().map(|c| c.item_id).collect();
    db::lock_items(txn, &ids).await?;
    let starts = start(txn, RegistrationStatus::Confirmed, &ids, None).await?;
    for (choice, (status, order)) in pending.into_iter().zip(starts) {
        db::set_status(txn, &choice, status, order, false, now).await?;
    }
    Ok(())
}

/// Drops the given choices of a registration (`item_ids`; all of them when
/// None), freeing each seat for the first eligible person in that item's
/// queue. `late` flags a drop after the item's deadline.
pub async fn drop(
    txn: &impl ConnectionTrait,
    registration_id: Uuid,
    item_ids: Option<&[i32]>,
    late: bool,
    ripple: &mut Ripple,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let chosen: Vec<_> = db::of_registration(txn, registration_id)
        .await?
        .into_iter()
        .filter(|c| item_ids.is_none_or(|ids| ids.contains(&c.item_id)))
        .collect();
    let ids: Vec<i32> = chosen.iter().map(|c| c.item_id).collect();
    db::lock_items(txn, &ids).await?;
    for choice in chosen {
        if db::set_status(txn, &choice, ChoiceStatus::Dropped, None, late, now).await?
            && choice.status == ChoiceStatus::Confirmed
        {
            release_item(txn, choice.item_id, ripple, now).await?;
        }
    }
    Ok(())
}

/// Gives back one seat of an item: the first in its queue whose
/// registration holds an event seat gets it (the seat moves), or it returns
/// to the item.
pub async fn release_item(
    txn: &impl ConnectionTrait,
    item_id: i32,
    ripple: &mut Ripple,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if fill_one(txn, item_id, ripple, now).await? {
        return Ok(());
    }
    db::release_item_seat(txn, item_id).await
}

/// Moves the first eligible person in an item's queue onto a seat the
/// caller holds for them; returns whether anyone moved.
async fn fill_one(
    txn: &impl ConnectionTrait,
    item_id: i32,
    ripple: &mut Ripple,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(item) = programme_item::Entity::find_by_id(item_id).one(txn).await? else {
        return Ok(false);
    };
    for waiting in db::item_waitlist(txn, item_id).await? {
        let holder = registration::Entity::find_by_id(waiting.registration_id)
            .one(txn)
            .await?;
        let eligible = holder.is_some_and(|r| r.status == RegistrationStatus::Confirmed);
        if eligible
            && db::set_status(txn, &waiting, ChoiceStatus::Confirmed, None, false, now).await?
        {
            ripple.note(waiting.registration_id, &item.title, NoteKind::GotSeat);
            return Ok(true);
        }
    }
    Ok(false)
}

/// Fills an item's free seats from its queue (after its capacity was
/// raised, or an organiser moved someone); returns how many moved.
pub async fn fill(
    txn: &impl ConnectionTrait,
    item_id: i32,
    ripple: &mut Ripple,
    now: DateTime<Utc>,
) -> Result<u32, DbErr> {
    db::lock_items(txn, &[item_id]).await?;
    let mut moved = 0;
    while db::try_take_item_seat(txn, item_id).await? {
        if !fill_one(txn, item_id, ripple, now).await? {
            db::release_item_seat(txn, item_id).await?;
            break;
        }
        moved += 1;
    }
    Ok(moved)
}

/// Changes a registration's choices to `wanted` (item ids), checked
/// against the event's offers. For the registrant, an item past its
/// deadline keeps its state whatever the form says (its box is disabled),
/// and adding one is refused; an organiser may change it, and the change is
/// flagged late. Returns whether anything changed, or why it cannot.
pub async fn change(
    txn: &impl ConnectionTrait,
    registration: &registration::Model,
    wanted: &[i32],
    by_registrant: bool,
    ripple: &mut Ripple,
    now: DateTime<Utc>,
) -> Result<Result<bool, Problem>, DbErr> {
    let offers = offers(txn, registration.event_id).await?;
    let had: Vec<i32> = db::of_registration(txn, registration.id)
        .await?
        .iter()
        .map(|c| c.item_id)
        .collect();
    let closed = |id: i32| {
        offers
            .iter()
            .any(|o| o.id == id && !open_for_registrant(o.deadline, now))
    };
    let mut wanted = wanted.to_vec();
    if by_registrant {
        wanted.extend(had.iter().copied().filter(|id| closed(*id)));
    }
    wanted.sort_unstable();
    wanted.dedup();
    if let Err(problem) = check(&offers, &had, &wanted, now, by_registrant) {
        return Ok(Err(problem));
    }
    let added: Vec<i32> = wanted
        .iter()
        .copied()
        .filter(|id| !had.contains(id))
        .collect();
    let removed: Vec<i32> = had
        .iter()
        .copied()
        .filter(|id| !wanted.contains(id))
        .collect();
    if added.is_empty() && removed.is_empty() {
        return Ok(Ok(false));
    }
    crate::db::events::lock(txn, registration.event_id).await?;
    for late in [false, true] {
        let part = |ids: &[i32]| -> Vec<i32> {
            ids.iter()
                .copied()
                .filter(|id| !by_registrant && closed(*id) == late)
                .chain(ids.iter().copied().filter(|_| by_registrant && !late))
                .collect()
        };
        let (drop_now, add_now) = (part(&removed), part(&added));
        if !drop_now.is_empty() {
            drop(txn, registration.id, Some(&drop_now), late, ripple, now).await?;
        }
        if !add_now.is_empty() {
            add(txn, registration, &add_now, late, now).await?;
        }
    }
    Ok(Ok(true))
}
