//! The organiser's view of who is coming: filtered, sorted, paged lists,
//! and counts per status and per member municipality. Read queries only:
//! changes to a registration are `services::registration`.
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::db::entities::{event, invitation, municipality, registration};
use crate::db::{events, registrations};
use crate::domain::event::RegistrationStatus;
use crate::domain::status::InvitationStatus;

/// Rows per page in the attendee table.
pub const PAGE_SIZE: u64 = 50;

/// The filters of the attendee table, also used by the exports.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AttendeeFilter {
    /// Searches name, email and organisation.
    #[serde(default)]
    pub q: String,
    /// confirmed | waitlisted | cancelled; empty for all.
    #[serde(default)]
    pub status: String,
    /// A municipality code, "other" for other organisations; empty for all.
    #[serde(default)]
    pub municipality: String,
    /// name | registered | status | municipality
    #[serde(default)]
    pub sort: String,
    /// 1-based page.
    #[serde(default)]
    pub page: Option<u64>,
}

impl AttendeeFilter {
    /// The query string that reproduces this filter (without the page).
    pub fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("status", &self.status)
            .append_pair("municipality", &self.municipality)
            .append_pair("sort", &self.sort)
            .finish()
    }

    /// Applies the filters and the sort to a registration query.
    pub fn apply(&self, event_id: i32) -> Select<registration::Entity> {
        let mut query =
            registration::Entity::find().filter(registration::Column::EventId.eq(event_id));
        let q = self.q.trim().to_lowercase();
        if !q.is_empty() {
            let escaped = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            let like = sea_orm::sea_query::LikeExpr::new(pattern).escape('\\');
            query = query.filter(registration::Column::SearchText.like(like));
        }
        if let Some(status) = RegistrationStatus::parse(self.status.trim()) {
            query = query.filter(registration::Column::Status.eq(status));
        }
        match self.municipality.trim() {
            "" => {}
            "other" => query = query.filter(registration::Column::MunicipalityCode.is_null()),
            code => query = query.filter(registration::Column::MunicipalityCode.eq(code)),
        }
        let query = match self.sort.as_str() {
            "registered" => query.order_by_asc(registration::Column::CreatedAt),
            "status" => query
                .order_by_asc(registration::Column::Status)
                .order_by_asc(registration::Column::WaitlistOrder),
            "municipality" => query
                .order_by_asc(registration::Column::MunicipalityCode)
                .order_by_asc(registration::Column::Organisation),
            _ => query.order_by_asc(registration::Column::Name),
        };
        query.order_by_asc(registration::Column::Id)
    }
}

/// One page of the attendee table, and how many rows match in all.
pub async fn page(
    db: &impl ConnectionTrait,
    event_id: i32,
    filter: &AttendeeFilter,
) -> Result<(Vec<registration::Model>, u64), DbErr> {
    page_sized(db, event_id, filter, PAGE_SIZE).await
}

/// [`page`] with `per_page` rows per page.
pub async fn page_sized(
    db: &impl ConnectionTrait,
    event_id: i32,
    filter: &AttendeeFilter,
    per_page: u64,
) -> Result<(Vec<registration::Model>, u64), DbErr> {
    let total = filter.apply(event_id).count(db).await?;
    let page = Ord::max(filter.page.unwrap_or(1), 1);
    let rows = filter
        .apply(event_id)
        .offset((page - 1).saturating_mul(per_page))
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Every waitlisted registration's position (1 for the first in line), in
/// one query.
pub async fn waitlist_positions(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<std::collections::HashMap<Uuid, u64>, DbErr> {
    let waiting: Vec<Uuid> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::WaitlistOrder)
        .into_tuple()
        .all(db)
        .await?;
    Ok(waiting.into_iter().zip(1..).collect())
}

/// Counts of an event's registrations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub confirmed: u64,
    pub waitlisted: u64,
    pub cancelled: u64,
    pub checked_in: u64,
}

/// Counts registrations per status, and check-ins.
pub async fn status_counts(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<StatusCounts, DbErr> {
    let rows: Vec<(RegistrationStatus, i64)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Status)
        .column_as(registration::Column::Id.count(), "n")
        .filter(registration::Column::EventId.eq(event_id))
        .group_by(registration::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = StatusCounts::default();
    for (status, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match status {
            RegistrationStatus::Confirmed => counts.confirmed = n,
            RegistrationStatus::Waitlisted => counts.waitlisted = n,
            RegistrationStatus::Cancelled => counts.cancelled = n,
        }
    }
    counts.checked_in = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::CheckedInAt.is_not_null())
        .count(db)
        .await?;
    Ok(counts)
}

/// One member municipality's line in the per-municipality view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalityLine {
    pub code: String,
    pub name: String,
    pub confirmed: u64,
    pub waitlisted: u64,
    pub invited_unanswered: u64,
}

impl MunicipalityLine {
    /// Whether someone from the municipality has a seat or a waitlist place.
    pub fn represented(&self) -> bool {
        self.confirmed + self.waitlisted > 0
    }
}

/// Each of the member municipalities with its registered, waitlisted and
/// invited-but-not-answered counts, by name.
pub async fn by_municipality(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<Vec<MunicipalityLine>, DbErr> {
    let members = events::member_municipalities(db).await?;
    let counts: Vec<(Option<String>, RegistrationStatus, i64)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::MunicipalityCode)
        .column(registration::Column::Status)
        .column_as(registration::Column::Id.count(), "n")
        .filter(registration::Column::EventId.eq(event_id))
        .group_by(registration::Column::MunicipalityCode)
        .group_by(registration::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let invited: Vec<(Option<String>, i64)> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::MunicipalityCode)
        .column_as(invitation::Column::Id.count(), "n")
        .filter(invitation::Column::EventId.eq(event_id))
        .filter(invitation::Column::Status.eq(InvitationStatus::Sent))
        .group_by(invitation::Column::MunicipalityCode)
        .into_tuple()
        .all(db)
        .await?;
    Ok(members
        .into_iter()
        .map(|municipality::Model { code, name, .. }| {
            let count = |status: RegistrationStatus| {
                counts
                    .iter()
                    .filter(|(c, s, _)| c.as_deref() == Some(code.as_str()) && *s == status)
                    .map(|(_, _, n)| u64::try_from(*n).unwrap_or(0))
                    .sum()
            };
            MunicipalityLine {
                confirmed: count(RegistrationStatus::Confirmed),
                waitlisted: count(RegistrationStatus::Waitlisted),
                invited_unanswered: invited
                    .iter()
                    .filter(|(c, _)| c.as_deref() == Some(code.as_str()))
                    .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                    .sum(),
                code,
                name,
            }
        })
        .collect())
}

/// A registration of `event` by id.
pub async fn find(
    db: &impl ConnectionTrait,
    event: &event::Model,
    id: Uuid,
) -> Result<Option<registration::Model>, DbErr> {
    Ok(registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.event_id == event.id))
}

/// Waitlist position for display (None unless waitlisted).
pub async fn position(
    db: &impl ConnectionTrait,
    row: &registration::Model,
) -> Result<Option<u64>, DbErr> {
    registrations::waitlist_position(db, row).await
}

/// Registrations (not cancelled) per day in the event's time zone, oldest
/// first, as ("YYYY-MM-DD", count).
pub async fn per_day(
    db: &impl ConnectionTrait,
    event: &event::Model,
) -> Result<Vec<(String, u64)>, DbErr> {
    let times: Vec<DateTime<Utc>> = registration::Entity::find()
        .select_only()
        .column(registration::Column::CreatedAt)
        .filter(registration::Column::EventId.eq(event.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .into_tuple()
        .all(db)
        .await?;
    let tz = crate::i18n::format::zone(&event.time_zone);
    let mut days = std::collections::BTreeMap::new();
    for at in times {
        *days
            .entry(at.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .or_insert(0u64) += 1;
    }
    Ok(days.into_iter().collect())
}
