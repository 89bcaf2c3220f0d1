//! What organisers do with an event's programme items: set an item's choice
//! settings and the cap per municipality, see each item's seats and queue,
//! check people in per item, and take the caterer's sheet and the visitor
//! list. Every change is one transaction that keeps the seat rules of
//! [`crate::services::registration::choices`] and writes its audit entry.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::entities::{
    event, programme_item, registration, registration_choice, sheet_download,
};
use crate::db::{self, choices as choice_db, events};
use crate::domain::choice::{Allergen, ChoiceStatus, Diet, DietChoice, NoteKind};
use crate::domain::event::RegistrationStatus;
use crate::services::audit::{self, Actor};
use crate::services::registration::choices::{self, Ripple};
use crate::services::registration::seats;

/// An item's choice settings, as the back-office sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSettings {
    pub choosable: bool,
    /// Seats; `None` is unlimited.
    pub capacity: Option<i32>,
    pub meal: bool,
    pub extra_covers: i32,
    pub deadline: Option<DateTime<Utc>>,
}

/// What saving an item's settings did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsSaved {
    Saved,
    /// The new capacity is below the confirmed count: nobody was removed,
    /// and the item shows as over capacity.
    OverCapacity,
    /// No such item at this event.
    Missing,
}

/// One item of the event, or none.
async fn item_of(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    item_id: i32,
) -> Result<Option<programme_item::Model>, DbErr> {
    Ok(programme_item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .filter(|item| item.event_id == event.id))
}

/// Saves an item's settings. Raising its capacity moves people up from its
/// queue; lowering it removes nobody; making it not choosable drops every
/// choice of it and tells those who had chosen it. One transaction, with
/// the audit entry and the emails.
pub async fn save_settings(
    db: &DatabaseConnection,
    event: &event::Model,
    item_id: i32,
    settings: &ItemSettings,
    by: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<SettingsSaved, DbErr> {
    let txn = db::begin_write(db).await?;
    events::lock(&txn, event.id).await?;
    choice_db::lock_items(&txn, &[item_id]).await?;
    let Some(before) = item_of(&txn, event, item_id).await? else {
        return Ok(SettingsSaved::Missing);
    };
    let mut ripple = Ripple::default();
    let mut row: programme_item::ActiveModel = before.clone().into();
    row.choosable = Set(settings.choosable);
    row.capacity = Set(settings.capacity);
    row.is_meal = Set(settings.meal);
    row.extra_covers = Set(settings.extra_covers.max(0));
    row.choice_deadline = Set(settings.deadline);
    if before.choosable && !settings.choosable {
        let choosers = registration_choice::Entity::find()
            .filter(registration_choice::Column::ItemId.eq(item_id))
            .filter(registration_choice::Column::Status.ne(ChoiceStatus::Dropped))
            .all(&txn)
            .await?;
        for choice in &choosers {
            ripple.note(choice.registration_id, &before.title, NoteKind::Removed);
        }
        registration_choice::Entity::update_many()
            .col_expr(
                registration_choice::Column::Status,
                Expr::value(ChoiceStatus::Dropped),
            )
            .col_expr(
                registration_choice::Column::WaitlistOrder,
                Expr::value(Option::<i32>::None),
            )
            .col_expr(registration_choice::Column::UpdatedAt, Expr::value(now))
            .filter(registration_choice::Column::ItemId.eq(item_id))
            .filter(registration_choice::Column::Status.ne(ChoiceStatus::Dropped))
            .exec(&txn)
            .await?;
        row.confirmed_count = Set(0);
    }
    let saved = row.update(&txn).await?;
    let raised = match (before.capacity, saved.capacity) {
        (Some(_), None) => true,
        (Some(old), Some(new)) => new > old,
        _ => false,
    };
    if raised && saved.choosable {
        choices::fill(&txn, saved.id, &mut ripple, now).await?;
    }
    let details = by.details(&format!(
        "{}: choosable={} capacity={} meal={} extra={} deadline={}",
        saved.title,
        saved.choosable,
        saved
            .capacity
            .map_or_else(|| "-".to_owned(), |c| c.to_string()),
        saved.is_meal,
        saved.extra_covers,
        saved
            .choice_deadline
            .map_or_else(|| "-".to_owned(), |d| d.to_rfc3339()),
    ));
    audit::record(
        &txn,
        by.account,
        "programme.item_settings",
        &event.slug,
        &details,
        now,
    )
    .await?;
    ripple.announce(&txn, now).await?;
    let over = saved
        .capacity
        .is_some_and(|capacity| saved.confirmed_count > capacity);
    crate::mail::wake::commit(txn).await?;
    Ok(if over {
        SettingsSaved::OverCapacity
    } else {
        SettingsSaved::Saved
    })
}

/// Sets the cap per member municipality (`None`: no cap). Lowering it
/// removes nobody; raising it moves the first eligible people up from the
/// event's waitlist onto free seats, in the same transaction.
pub async fn save_municipality_cap(
    db: &DatabaseConnection,
    event: &event::Model,
    cap: Option<i32>,
    by: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<u32, DbErr> {
    let txn = db::begin_write(db).await?;
    events::lock(&txn, event.id).await?;
    let Some(current) = events::find_by_id(&txn, event.id).await? else {
        return Ok(0);
    };
    let mut row: event::ActiveModel = current.into();
    row.municipality_cap = Set(cap);
    let saved = row.update(&txn).await?;
    let mut ripple = Ripple::default();
    let moved = seats::fill(&txn, &saved, &mut ripple, now).await?;
    let details = by.details(&format!(
        "municipality_cap={}",
        cap.map_or_else(|| "-".to_owned(), |c| c.to_string())
    ));
    audit::record(
        &txn,
        by.account,
        "event.municipality_cap",
        &event.slug,
        &details,
        now,
    )
    .await?;
    ripple.announce(&txn, now).await?;
    crate::mail::wake::commit(txn).await?;
    Ok(moved)
}

/// Checks a person in to one item (or undoes it). Only a confirmed choice of
/// a confirmed registration can be checked in; returns whether it changed.
pub async fn check_in(
    db: &DatabaseConnection,
    event: &event::Model,
    item_id: i32,
    registration_id: Uuid,
    arrived: bool,
    by: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    let Some(item) = item_of(&txn, event, item_id).await? else {
        return Ok(false);
    };
    let Some(person) = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
        .filter(|r| r.event_id == event.id && r.status == RegistrationStatus::Confirmed)
    else {
        return Ok(false);
    };
    let changed = registration_choice::Entity::update_many()
        .col_expr(
            registration_choice::Column::CheckedInAt,
            Expr::value(arrived.then_some(now)),
        )
        .filter(registration_choice::Column::ItemId.eq(item_id))
        .filter(registration_choice::Column::RegistrationId.eq(registration_id))
        .filter(registration_choice::Column::Status.eq(ChoiceStatus::Confirmed))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if changed {
        let action = if arrived {
            "registration.item_checkin"
        } else {
            "registration.item_undo_checkin"
        };
        let details = format!("{}: {} <{}>", item.title, person.name, person.email);
        audit::record(
            &txn,
            by.account,
            action,
            &event.slug,
            &by.details(&details),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// One person who holds or waits for a seat of an item.
#[derive(Debug, Clone)]
pub struct ItemPerson {
    pub registration: registration::Model,
    pub choice: registration_choice::Model,
    /// 1-based, while queued.
    pub position: Option<u64>,
}

/// An item with the people who chose it: seated (by name) and queued (in
/// order). Pending choices (the registration waits for an event seat) are
/// counted apart.
#[derive(Debug, Clone)]
pub struct ItemRoster {
    pub item: programme_item::Model,
    pub seated: Vec<ItemPerson>,
    pub queued: Vec<ItemPerson>,
    pub pending: u64,
    pub checked_in: u64,
}

impl ItemRoster {
    /// More confirmed than seats (after the capacity was lowered).
    pub fn over_capacity(&self) -> bool {
        self.item
            .capacity
            .is_some_and(|capacity| self.item.confirmed_count > capacity)
    }

    /// Covers for a meal: the seated plus the extras.
    pub fn covers(&self) -> usize {
        self.seated.len() + usize::try_from(self.item.extra_covers.max(0)).unwrap_or(0)
    }
}

/// Every choosable item of an event with its roster, in programme order.
pub async fn rosters(
    db: &impl ConnectionTrait,
    event: &event::Model,
) -> Result<Vec<ItemRoster>, DbErr> {
    let items: Vec<_> = events::programme(db, event.id)
        .await?
        .into_iter()
        .filter(|item| item.choosable)
        .collect();
    let people: HashMap<Uuid, registration::Model> = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let rows = registration_choice::Entity::find()
            .filter(registration_choice::Column::ItemId.eq(item.id))
            .filter(registration_choice::Column::Status.ne(ChoiceStatus::Dropped))
            .order_by_asc(registration_choice::Column::WaitlistOrder)
            .order_by_asc(registration_choice::Column::Id)
            .all(db)
            .await?;
        let mut roster = ItemRoster {
            item,
            seated: Vec::new(),
            queued: Vec::new(),
            pending: 0,
            checked_in: 0,
        };
        for choice in rows {
            let Some(person) = people.get(&choice.registration_id) else {
                continue;
            };
            match choice.status {
                ChoiceStatus::Confirmed => {
                    roster.checked_in += u64::from(choice.checked_in_at.is_some());
                    roster.seated.push(ItemPerson {
                        registration: person.clone(),
                        choice,
                        position: None,
                    });
                }
                ChoiceStatus::Waitlisted => {
                    let position = Some(roster.queued.len() as u64 + 1);
                    roster.queued.push(ItemPerson {
                        registration: person.clone(),
                        choice,
                        position,
                    });
                }
                ChoiceStatus::Pending => roster.pending += 1,
                ChoiceStatus::Dropped => {}
            }
        }
        roster
            .seated
            .sort_by(|a, b| a.registration.name.cmp(&b.registration.name));
        out.push(roster);
    }
    Ok(out)
}

/// The roster of one choosable item of the event.
pub async fn roster(
    db: &impl ConnectionTrait,
    event: &event::Model,
    item_id: i32,
) -> Result<Option<ItemRoster>, DbErr> {
    Ok(rosters(db, event)
        .await?
        .into_iter()
        .find(|r| r.item.id == item_id))
}

/// Confirmed choices per member municipality and item: `code → item id →
/// count`.
pub async fn counts_by_municipality(
    db: &impl ConnectionTrait,
    event: &event::Model,
) -> Result<HashMap<String, BTreeMap<i32, u64>>, DbErr> {
    let mut counts: HashMap<String, BTreeMap<i32, u64>> = HashMap::new();
    for roster in rosters(db, event).await? {
        for person in &roster.seated {
            if let Some(code) = &person.registration.municipality_code {
                *counts
                    .entry(code.clone())
                    .or_default()
                    .entry(roster.item.id)
                    .or_insert(0) += 1;
            }
        }
    }
    Ok(counts)
}

/// One guest's line on a caterer sheet, as remembered for the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestMemo {
    pub name: String,
    pub diet: String,
    pub allergens: String,
    pub notes: String,
}

/// A guest at a meal.
#[derive(Debug, Clone)]
pub struct Guest {
    pub name: String,
    pub affiliation: String,
    pub diet: DietChoice,
    /// The free text about diet.
    pub notes: String,
    /// Changed by an organiser after the item's deadline.
    pub late: bool,
}

/// What changed for one guest since the previous download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetChange {
    Added(String),
    Removed(String),
    DietChanged(String),
}

/// A caterer's sheet for one meal.
#[derive(Debug, Clone)]
pub struct CatererSheet {
    pub item: programme_item::Model,
    pub guests: Vec<Guest>,
    /// Guests per kind of meal; unsaid counts as ordinary.
    pub per_diet: Vec<(Diet, u64)>,
    /// Each allergen with the names of the guests who have it.
    pub allergies: Vec<(Allergen, Vec<String>)>,
    /// When the previous sheet was downloaded, and what changed since.
    pub previous: Option<DateTime<Utc>>,
    pub changes: Vec<SheetChange>,
}

impl CatererSheet {
    /// Covers to lay: the guests plus the extras.
    pub fn covers(&self) -> u64 {
        self.guests.len() as u64 + u64::try_from(self.item.extra_covers.max(0)).unwrap_or(0)
    }
}

fn memo(guest: &Guest) -> GuestMemo {
    GuestMemo {
        name: guest.name.clone(),
        diet: guest
            .diet
            .diet
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        allergens: Allergen::list_text(&guest.diet.allergens),
        notes: guest.notes.clone(),
    }
}

/// What changed between two sheets, by registration: new guests, guests no
/// longer coming, and changed diets, in name order within each kind.
pub fn changes_between(
    before: &BTreeMap<Uuid, GuestMemo>,
    now: &BTreeMap<Uuid, GuestMemo>,
) -> Vec<SheetChange> {
    let mut added: Vec<String> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    for (id, guest) in now {
        match before.get(id) {
            None => added.push(guest.name.clone()),
            Some(old)
                if (&old.diet, &old.allergens, &old.notes)
                    != (&guest.diet, &guest.allergens, &guest.notes) =>
            {
                changed.push(guest.name.clone());
            }
            Some(_) => {}
        }
    }
    for (id, guest) in before {
        if !now.contains_key(id) {
            removed.push(guest.name.clone());
        }
    }
    added.sort();
    removed.sort();
    changed.sort();
    added
        .into_iter()
        .map(SheetChange::Added)
        .chain(removed.into_iter().map(SheetChange::Removed))
        .chain(changed.into_iter().map(SheetChange::DietChanged))
        .collect()
}

/// The caterer's sheet of a meal, and a record of this download (so the
/// next sheet can say what changed since). `None` if the item is not a
/// choosable meal of the event.
pub async fn caterer_sheet(
    db: &DatabaseConnection,
    event: &event::Model,
    item_id: i32,
    members: &HashMap<String, String>,
    by: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<Option<CatererSheet>, DbErr> {
    let txn = db::begin_write(db).await?;
    let Some(roster) = roster(&txn, event, item_id).await? else {
        return Ok(None);
    };
    if !roster.item.is_meal {
        return Ok(None);
    }
    let mut ids = Vec::with_capacity(roster.seated.len());
    let guests: Vec<Guest> = roster
        .seated
        .iter()
        .map(|person| {
            let r = &person.registration;
            ids.push(r.id);
            Guest {
                name: r.name.clone(),
                affiliation: affiliation(r, members),
                diet: DietChoice::from_stored(r.diet.as_deref(), &r.allergens),
                notes: r.dietary_needs.clone().unwrap_or_default(),
                late: person.choice.late,
            }
        })
        .collect();
    let snapshot: BTreeMap<Uuid, GuestMemo> =
        ids.iter().copied().zip(guests.iter().map(memo)).collect();
    let last = sheet_download::Entity::find()
        .filter(sheet_download::Column::ItemId.eq(item_id))
        .order_by_desc(sheet_download::Column::DownloadedAt)
        .order_by_desc(sheet_download::Column::Id)
        .one(&txn)
        .await?;
    let (previous, changes) = match &last {
        Some(last) => {
            let before: BTreeMap<Uuid, GuestMemo> =
                serde_json::from_str(&last.snapshot).unwrap_or_default();
            (
                Some(last.downloaded_at),
                changes_between(&before, &snapshot),
            )
        }
        None => (None, Vec::new()),
    };
    let json = serde_json::to_string(&snapshot).map_err(|e| DbErr::Custom(e.to_string()))?;
    sheet_download::Entity::insert(sheet_download::ActiveModel {
        item_id: Set(item_id),
        downloaded_at: Set(now),
        snapshot: Set(json),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        by.account,
        "export.caterer_sheet",
        &event.slug,
        &by.details(&roster.item.title),
        now,
    )
    .await?;
    txn.commit().await?;

    let mut per_diet: Vec<(Diet, u64)> = Diet::ALL.iter().map(|d| (*d, 0)).collect();
    let mut allergies: Vec<(Allergen, Vec<String>)> = Vec::new();
    for guest in &guests {
        let kind = guest.diet.diet.unwrap_or(Diet::Ordinary);
        if let Some(line) = per_diet.iter_mut().find(|(d, _)| *d == kind) {
            line.1 += 1;
        }
        for allergen in &guest.diet.allergens {
            match allergies.iter_mut().find(|(a, _)| a == allergen) {
                Some(line) => line.1.push(guest.name.clone()),
                None => allergies.push((*allergen, vec![guest.name.clone()])),
            }
        }
    }
    allergies.sort_by_key(|(a, _)| Allergen::ALL.iter().position(|b| b == a));
    Ok(Some(CatererSheet {
        item: roster.item,
        guests,
        per_diet,
        allergies,
        previous,
        changes,
    }))
}

/// A member's name, or the organisation typed.
pub fn affiliation(r: &registration::Model, members: &HashMap<String, String>) -> String {
    match &r.municipality_code {
        Some(code) => members.get(code).cloned().unwrap_or_else(|| code.clone()),
        None => r.organisation.clone().unwrap_or_default(),
    }
}

/// The visitor list of an item (recorded in the audit log as a disclosure).
pub async fn visitor_list(
    db: &DatabaseConnection,
    event: &event::Model,
    item_id: i32,
    by: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<Option<ItemRoster>, DbErr> {
    let Some(roster) = roster(db, event, item_id).await? else {
        return Ok(None);
    };
    audit::record(
        db,
        by.account,
        "export.visitor_list",
        &event.slug,
        &by.details(&roster.item.title),
        now,
    )
    .await?;
    Ok(Some(roster))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest(name: &str, diet: &str) -> GuestMemo {
        GuestMemo {
            name: name.to_owned(),
            diet: diet.to_owned(),
            allergens: String::new(),
            notes: String::new(),
        }
    }

    #[test]
    fn a_sheet_says_who_came_who_left_and_whose_diet_changed() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let before = BTreeMap::from([(a, guest("Anna", "")), (b, guest("Bo", ""))]);
        let now = BTreeMap::from([(a, guest("Anna", "vegan")), (c, guest("Cilla", ""))]);
        assert_eq!(
            changes_between(&before, &now),
            vec![
                SheetChange::Added("Cilla".into()),
                SheetChange::Removed("Bo".into()),
                SheetChange::DietChanged("Anna".into()),
            ]
        );
        assert!(changes_between(&now, &now).is_empty());
    }
}
