//! Saving an event's programme so that the choices made of it survive: an
//! item is matched to the stored one by its key (given, or made from its
//! title), or else by its title, and updated in place. A stored item that is
//! no longer in the programme is removed, and those who had chosen it are
//! told. Lowering an item's capacity removes nobody (the item shows as over
//! capacity); raising it moves people up from the item's queue.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TryIntoModel,
};

use super::import::ProgrammeSpec;
use crate::db::entities::{programme_item, registration_choice};
use crate::db::events;
use crate::domain::choice::{ChoiceStatus, NoteKind};
use crate::domain::event_form::slugify;
use crate::services::registration::choices::{self, Ripple};

/// One item to save: its times in UTC, its spec, and its deadline in UTC.
pub struct Planned<'a> {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub spec: &'a ProgrammeSpec,
    pub deadline: Option<DateTime<Utc>>,
}

/// Saves the programme of `event_id` as `planned`, in order. With
/// `keep_settings`, each kept item keeps its stored key and choice settings
/// (the back-office's event form edits neither). Returns whom to tell.
pub async fn save(
    txn: &impl ConnectionTrait,
    event_id: i32,
    planned: &[Planned<'_>],
    keep_settings: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Ripple> {
    let stored = events::programme(txn, event_id).await?;
    let mut used: HashSet<i32> = HashSet::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut ripple = Ripple::default();
    let mut kept = Vec::with_capacity(planned.len());
    for item in planned {
        let wanted_key = item
            .spec
            .key
            .clone()
            .unwrap_or_else(|| slugify(&item.spec.title));
        let matched = stored
            .iter()
            .filter(|s| !used.contains(&s.id))
            .find(|s| s.item_key == wanted_key)
            .or_else(|| {
                stored
                    .iter()
                    .filter(|s| !used.contains(&s.id))
                    .find(|s| s.title == item.spec.title)
            });
        if let Some(found) = matched {
            used.insert(found.id);
        }
        let key = match matched {
            Some(found) if keep_settings || item.spec.key.is_none() => found.item_key.clone(),
            _ => wanted_key,
        };
        anyhow::ensure!(
            keys.insert(key.clone()),
            "two programme items have the key {key:?}; give one of them another `key`"
        );
        kept.push((item, matched.cloned(), key));
    }

    // Removed items first, so that their keys are free for the rest.
    for gone in stored.iter().filter(|s| !used.contains(&s.id)) {
        let choosers = registration_choice::Entity::find()
            .filter(registration_choice::Column::ItemId.eq(gone.id))
            .filter(registration_choice::Column::Status.ne(ChoiceStatus::Dropped))
            .all(txn)
            .await?;
        for choice in choosers {
            ripple.note(choice.registration_id, &gone.title, NoteKind::Removed);
        }
        programme_item::Entity::delete_by_id(gone.id)
            .exec(txn)
            .await?;
    }

    for (position, (item, matched, key)) in kept.into_iter().enumerate() {
        let mut row: programme_item::ActiveModel = match &matched {
            Some(found) => found.clone().into(),
            None => programme_item::ActiveModel {
                event_id: Set(event_id),
                confirmed_count: Set(0),
                waitlist_counter: Set(0),
                choosable: Set(false),
                capacity: Set(None),
                is_meal: Set(false),
                extra_covers: Set(0),
                choice_deadline: Set(None),
                ..Default::default()
            },
        };
        row.position = Set(i32::try_from(position)?);
        row.starts_at = Set(item.starts_at);
        row.ends_at = Set(item.ends_at);
        row.title = Set(item.spec.title.clone());
        row.place = Set(item.spec.place.clone());
        row.item_key = Set(key);
        if !(keep_settings && matched.is_some()) {
            let choice = item.spec.choice.as_ref();
            row.choosable = Set(choice.is_some());
            row.capacity = Set(choice
                .and_then(|c| c.capacity)
                .map(i32::try_from)
                .transpose()?);
            row.is_meal = Set(choice.is_some_and(|c| c.meal));
            row.extra_covers = Set(i32::try_from(choice.map_or(0, |c| c.extra_covers))?);
            row.choice_deadline = Set(item.deadline);
        }
        let saved: programme_item::Model = row.save(txn).await?.try_into_model()?;
        let raised =
            matched
                .as_ref()
                .is_some_and(|before| match (before.capacity, saved.capacity) {
                    (Some(_), None) => true,
                    (Some(old), Some(new)) => new > old,
                    _ => false,
                });
        if raised {
            choices::fill(txn, saved.id, &mut ripple, now).await?;
        }
    }
    Ok(ripple)
}

/// Converts a local deadline, like the programme's times.
pub fn deadline_utc(
    spec: &ProgrammeSpec,
    tz: Tz,
    to_utc: impl Fn(Tz, chrono::NaiveDateTime, &str) -> anyhow::Result<DateTime<Utc>>,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    spec.choice
        .as_ref()
        .and_then(|c| c.deadline)
        .map(|d| to_utc(tz, d, "choice deadline"))
        .transpose()
}
