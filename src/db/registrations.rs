//! Registration queries.
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use super::entities::{form_submission, manage_link, registration};
use crate::domain::event::RegistrationStatus;
use crate::domain::token::ManageToken;

/// A registration by the SHA-256 of one of its manage links' tokens.
pub async fn find_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<registration::Model>, DbErr> {
    let link = sea_orm::sea_query::Query::select()
        .column(manage_link::Column::RegistrationId)
        .from(manage_link::Entity)
        .and_where(manage_link::Column::TokenHash.eq(token_hash))
        .to_owned();
    registration::Entity::find()
        .filter(registration::Column::Id.in_subquery(link))
        .one(db)
        .await
}

/// Adds a manage link to a registration. Earlier links keep working: every
/// link an email carried opens the registration for its whole life.
pub async fn add_link(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    link_insert(registration_id, token, now)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The insert of [`add_link`], to run with others ([`crate::db::Together`]).
pub fn link_insert(
    registration_id: Uuid,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> sea_orm::Insert<manage_link::ActiveModel> {
    manage_link::Entity::insert(manage_link::ActiveModel {
        token_hash: Set(token.hash()),
        registration_id: Set(registration_id),
        created_at: Set(now),
    })
}

/// Revokes every link of a registration except `keep` (or all of them when
/// `keep` is None); returns how many stopped working.
pub async fn revoke_links(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
    keep: Option<&ManageToken>,
) -> Result<u64, DbErr> {
    let mut delete = manage_link::Entity::delete_many()
        .filter(manage_link::Column::RegistrationId.eq(registration_id));
    if let Some(keep) = keep {
        delete = delete.filter(manage_link::Column::TokenHash.ne(keep.hash()));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// How many working links a registration has.
pub async fn link_count(db: &impl ConnectionTrait, registration_id: Uuid) -> Result<u64, DbErr> {
    manage_link::Entity::find()
        .filter(manage_link::Column::RegistrationId.eq(registration_id))
        .count(db)
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
        // The condition of the partial index of active addresses, written
        // out, so that SQLite uses that index without looking at bound
        // values (see `db::connect`).
        .filter(sea_orm::sea_query::Expr::cust("status <> 'cancelled'"))
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

/// Which of the submission keys (by their hashes) have been claimed.
pub async fn claimed_keys(
    db: &impl ConnectionTrait,
    key_hashes: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    if key_hashes.is_empty() {
        return Ok(Default::default());
    }
    let claimed: Vec<String> = form_submission::Entity::find()
        .select_only()
        .column(form_submission::Column::KeyHash)
        .filter(form_submission::Column::KeyHash.is_in(key_hashes.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(claimed.into_iter().collect())
}
