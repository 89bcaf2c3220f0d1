//! Registration queries.
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::entities::registration;
use crate::domain::event::RegistrationStatus;

/// A registration by the SHA-256 of its manage token.
pub async fn find_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::ManageTokenHash.eq(token_hash))
        .one(db)
        .await
}

/// The active (not cancelled) registration of an address for an event.
pub async fn find_active_by_email(
    db: &impl ConnectionTrait,
    event_id: i32,
    email_normalized: &str,
) -> Result<Option<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::EmailNormalized.eq(email_normalized))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .one(db)
        .await
}

/// The 1-based place in the waitlist of a waitlisted registration.
pub async fn waitlist_position(
    db: &impl ConnectionTrait,
    registration: &registration::Model,
) -> Result<Option<u64>, DbErr> {
    let Some(order) = registration.waitlist_order else {
        return Ok(None);
    };
    if registration.status != RegistrationStatus::Waitlisted {
        return Ok(None);
    }
    let ahead = registration::Entity::find()
        .filter(registration::Column::EventId.eq(registration.event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .filter(registration::Column::WaitlistOrder.lt(order))
        .count(db)
        .await?;
    Ok(Some(ahead + 1))
}

/// The waitlisted registrations of an event, first in line first.
pub async fn waitlist(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::WaitlistOrder)
        .all(db)
        .await
}

/// Counts an event's registrations in one status.
pub async fn count_with_status(
    db: &impl ConnectionTrait,
    event_id: i32,
    status: RegistrationStatus,
) -> Result<u64, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(status))
        .count(db)
        .await
}

/// The text the attendee search looks in: name, email and organisation,
/// lower-cased with full Unicode folding.
pub fn search_text(name: &str, email: &str, organisation: Option<&str>) -> String {
    format!("{name} {email} {}", organisation.unwrap_or_default()).to_lowercase()
}
