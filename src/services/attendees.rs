//! The organiser's view of who is coming: filtered, sorted, paged lists;
//! counts per status and per member municipality; and organiser actions on
//! single registrations.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::db::entities::{event, invitation, municipality, organiser, registration};
use crate::db::{self, events, registrations};
use crate::domain::event::RegistrationStatus;
use crate::domain::token::ManageToken;
use crate::mail::enqueue::{InviteKind, MessageKind, enqueue};
use crate::services::audit;

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
            query = query.filter(registration::Column::Status.eq(status.as_str()));
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
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted.as_str()))
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
    let rows: Vec<(String, i64)> = registration::Entity::find()
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
        match status.as_str() {
            "confirmed" => counts.confirmed = n,
            "waitlisted" => counts.waitlisted = n,
            _ => counts.cancelled = n,
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
    let counts: Vec<(Option<String>, String, i64)> = registration::Entity::find()
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
        .filter(invitation::Column::Status.eq("sent"))
        .group_by(invitation::Column::MunicipalityCode)
        .into_tuple()
        .all(db)
        .await?;
    Ok(members
        .into_iter()
        .map(|municipality::Model { code, name, .. }| {
            let count = |status: &str| {
                counts
                    .iter()
                    .filter(|(c, s, _)| c.as_deref() == Some(code.as_str()) && s == status)
                    .map(|(_, _, n)| u64::try_from(*n).unwrap_or(0))
                    .sum()
            };
            MunicipalityLine {
                confirmed: count("confirmed"),
                waitlisted: count("waitlisted"),
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

/// What an organiser can do to one registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Cancel,
    Promote,
    ResendConfirmation,
    CheckIn,
    UndoCheckIn,
}

/// Why an action could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionRefused {
    /// Promote: every seat is taken; raise the capacity first.
    NoSeat,
    /// The registration is not in a state the action applies to.
    NotApplicable,
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

/// Carries out an organiser action, recording it in the audit log.
pub async fn act(
    db: &DatabaseConnection,
    event: &event::Model,
    target: &registration::Model,
    action: Action,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<Result<(), ActionRefused>, DbErr> {
    let label = format!("{} <{}>", target.name, target.email);
    let result = match action {
        Action::Cancel => {
            if target.status == RegistrationStatus::Cancelled.as_str() {
                Err(ActionRefused::NotApplicable)
            } else {
                super::manage::cancel(db, target.id, None, now).await?;
                Ok(())
            }
        }
        Action::Promote => promote(db, event, target, now).await?,
        Action::ResendConfirmation => resend(db, target, now).await?,
        Action::CheckIn | Action::UndoCheckIn => {
            if target.status != RegistrationStatus::Confirmed.as_str() {
                Err(ActionRefused::NotApplicable)
            } else {
                let at = (action == Action::CheckIn).then_some(now);
                registration::Entity::update_many()
                    .col_expr(registration::Column::CheckedInAt, Expr::value(at))
                    .filter(registration::Column::Id.eq(target.id))
                    .exec(db)
                    .await?;
                Ok(())
            }
        }
    };
    if result.is_ok() {
        let name = match action {
            Action::Cancel => "registration.cancel",
            Action::Promote => "registration.promote",
            Action::ResendConfirmation => "registration.resend",
            Action::CheckIn => "registration.checkin",
            Action::UndoCheckIn => "registration.undo_checkin",
        };
        audit::record(db, who, name, &event.slug, &label, now).await?;
    }
    Ok(result)
}

/// Moves a waitlisted registration to confirmed if a seat is free (the
/// capacity rule holds for organisers too) and sends the invite.
async fn promote(
    db: &DatabaseConnection,
    event: &event::Model,
    target: &registration::Model,
    now: DateTime<Utc>,
) -> Result<Result<(), ActionRefused>, DbErr> {
    let txn = db::begin_write(db).await?;
    events::lock(&txn, event.id).await?;
    let Some(current) = registration::Entity::find_by_id(target.id)
        .one(&txn)
        .await?
    else {
        return Ok(Err(ActionRefused::NotApplicable));
    };
    if current.status != RegistrationStatus::Waitlisted.as_str() {
        return Ok(Err(ActionRefused::NotApplicable));
    }
    if !events::try_take_seat(&txn, event.id).await? {
        return Ok(Err(ActionRefused::NoSeat));
    }
    let token = ManageToken::generate();
    let mut row: registration::ActiveModel = current.into();
    row.status = Set(RegistrationStatus::Confirmed.as_str().to_owned());
    row.waitlist_order = Set(None);
    row.manage_token_hash = Set(token.hash());
    row.updated_at = Set(now);
    let saved = row.update(&txn).await?;
    enqueue(
        &txn,
        &saved,
        MessageKind::Promoted,
        Some(&token),
        Some(InviteKind::Request),
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// Sends the confirmation (or waitlist notice) again, with a fresh link.
async fn resend(
    db: &DatabaseConnection,
    target: &registration::Model,
    now: DateTime<Utc>,
) -> Result<Result<(), ActionRefused>, DbErr> {
    let (kind, invite) = match target.status.as_str() {
        "confirmed" => (MessageKind::Confirmed, Some(InviteKind::Request)),
        "waitlisted" => (MessageKind::Waitlisted, None),
        _ => return Ok(Err(ActionRefused::NotApplicable)),
    };
    let txn = db::begin_write(db).await?;
    let token = ManageToken::generate();
    let mut row: registration::ActiveModel = target.clone().into();
    row.manage_token_hash = Set(token.hash());
    row.updated_at = Set(now);
    let saved = row.update(&txn).await?;
    enqueue(&txn, &saved, kind, Some(&token), invite, None, now).await?;
    txn.commit().await?;
    Ok(Ok(()))
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
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let tz = crate::views::format::zone(&event.time_zone);
    let mut days = std::collections::BTreeMap::new();
    for at in times {
        *days
            .entry(at.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .or_insert(0u64) += 1;
    }
    Ok(days.into_iter().collect())
}
