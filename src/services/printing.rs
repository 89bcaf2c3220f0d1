//! What organisers print: name badges (and which ones are new or changed
//! since the last print), and the attendance list per day.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, sea_query::OnConflict,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::entities::{badge_print, event, registration};
use crate::domain::event::RegistrationStatus;
use crate::pdf::badges::Badge;
use crate::services::audit::{self, Actor};
use crate::services::items::affiliation;

/// Which badges to print.
#[derive(Debug, Clone, Default)]
pub struct BadgeSelection {
    /// Only those never printed, or whose badge would now say something
    /// else.
    pub only_new_or_changed: bool,
    /// Only this registration's badge (printing one again).
    pub registration: Option<Uuid>,
}

/// A badge to print, with whose it is and what it says, fingerprinted.
#[derive(Debug, Clone)]
pub struct Planned {
    pub registration_id: Uuid,
    pub badge: Badge,
    pub fingerprint: String,
}

/// The surname, for sorting: the last word of the name.
fn surname(name: &str) -> String {
    name.split_whitespace()
        .last()
        .unwrap_or_default()
        .to_lowercase()
}

fn fingerprint(badge: &Badge) -> String {
    let mut hash = Sha256::new();
    for part in [&badge.name, &badge.role, &badge.affiliation] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..12])
}

async fn confirmed(
    db: &impl ConnectionTrait,
    event: &event::Model,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .all(db)
        .await
}

/// The badges of the confirmed registrations that `selection` picks,
/// sorted by municipality (or organisation), then surname, then name.
pub async fn plan(
    db: &impl ConnectionTrait,
    event: &event::Model,
    members: &HashMap<String, String>,
    selection: &BadgeSelection,
) -> Result<Vec<Planned>, DbErr> {
    let of_event = sea_orm::sea_query::Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(registration::Column::EventId.eq(event.id))
        .to_owned();
    let printed: HashMap<Uuid, String> = badge_print::Entity::find()
        .filter(badge_print::Column::RegistrationId.in_subquery(of_event))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.registration_id, p.fingerprint))
        .collect();
    let mut planned: Vec<Planned> = confirmed(db, event)
        .await?
        .into_iter()
        .filter(|r| selection.registration.is_none_or(|id| id == r.id))
        .map(|r| {
            let badge = Badge {
                name: r.name.clone(),
                role: r.role_title.clone(),
                affiliation: affiliation(&r, members),
                event: event.title.clone(),
            };
            Planned {
                registration_id: r.id,
                fingerprint: fingerprint(&badge),
                badge,
            }
        })
        .filter(|p| {
            !selection.only_new_or_changed
                || printed.get(&p.registration_id) != Some(&p.fingerprint)
        })
        .collect();
    planned.sort_by(|a, b| {
        (
            a.badge.affiliation.to_lowercase(),
            surname(&a.badge.name),
            &a.badge.name,
        )
            .cmp(&(
                b.badge.affiliation.to_lowercase(),
                surname(&b.badge.name),
                &b.badge.name,
            ))
    });
    Ok(planned)
}

/// How many confirmed badges are new or changed since their last print.
pub async fn new_or_changed(
    db: &impl ConnectionTrait,
    event: &event::Model,
    members: &HashMap<String, String>,
) -> Result<usize, DbErr> {
    let selection = BadgeSelection {
        only_new_or_changed: true,
        registration: None,
    };
    Ok(plan(db, event, members, &selection).await?.len())
}

/// Records that these badges were printed now (with the audit entry), in
/// one transaction.
pub async fn record(
    db: &DatabaseConnection,
    event: &event::Model,
    printed: &[Planned],
    by: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    for chunk in printed.chunks(500) {
        let rows = chunk.iter().map(|p| badge_print::ActiveModel {
            registration_id: Set(p.registration_id),
            printed_at: Set(now),
            fingerprint: Set(p.fingerprint.clone()),
        });
        badge_print::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(badge_print::Column::RegistrationId)
                    .update_columns([
                        badge_print::Column::PrintedAt,
                        badge_print::Column::Fingerprint,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    let details = by.details(&format!("{} badges", printed.len()));
    audit::record(&txn, by.account, "print.badges", &event.slug, &details, now).await?;
    txn.commit().await
}

/// One person on an attendance list.
#[derive(Debug, Clone)]
pub struct Attendee {
    pub name: String,
    pub role: String,
}

/// The confirmed registrations grouped by municipality (or organisation),
/// each group sorted by surname: the same for every day of the event.
pub async fn attendance(
    db: &impl ConnectionTrait,
    event: &event::Model,
    members: &HashMap<String, String>,
) -> Result<BTreeMap<String, Vec<Attendee>>, DbErr> {
    let mut groups: BTreeMap<String, Vec<(String, Attendee)>> = BTreeMap::new();
    for r in confirmed(db, event).await? {
        groups.entry(affiliation(&r, members)).or_default().push((
            surname(&r.name),
            Attendee {
                name: r.name.clone(),
                role: r.role_title.clone(),
            },
        ));
    }
    Ok(groups
        .into_iter()
        .map(|(group, mut people)| {
            people.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
            (group, people.into_iter().map(|(_, a)| a).collect())
        })
        .collect())
}

/// The local days an event runs over.
pub fn days(event: &event::Model) -> Vec<NaiveDate> {
    let tz = crate::i18n::format::zone(&event.time_zone);
    let first = event.starts_at.with_timezone(&tz).date_naive();
    let last = event.ends_at.with_timezone(&tz).date_naive().max(first);
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .take(31)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_changes_its_fingerprint_when_what_it_says_changes() {
        let badge = Badge {
            name: "Anna Berg".into(),
            role: "KSO".into(),
            affiliation: "Luleå".into(),
            event: "Mötet".into(),
        };
        let mut renamed = badge.clone();
        renamed.name = "Anna Berg-Ek".into();
        assert_ne!(fingerprint(&badge), fingerprint(&renamed));
        let mut other_event = badge.clone();
        other_event.event = "Annat".into();
        assert_eq!(fingerprint(&badge), fingerprint(&other_event));
        assert_eq!(surname("Anna  von Berg"), "berg");
    }
}
