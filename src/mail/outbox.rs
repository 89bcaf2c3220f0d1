//! The outbox table's life cycle: pending → sending (leased) → sent, or back
//! to pending with a later attempt, or failed.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::db::{self, entities::outbox};

use crate::domain::status::OutboxStatus;

/// Claims up to `limit` due rows for this worker with a lease: pending rows
/// whose time has come, and rows whose lease ran out (their sender died).
/// On PostgreSQL the candidate rows are picked `FOR UPDATE SKIP LOCKED`, so
/// concurrent workers on several instances never claim the same row; on
/// SQLite the IMMEDIATE transaction makes the claim atomic.
pub async fn claim_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let txn = db::begin_write(db).await?;
    let due = Expr::col(outbox::Column::Status)
        .eq(OutboxStatus::Pending)
        .and(Expr::col(outbox::Column::NextAttemptAt).lte(now))
        .or(Expr::col(outbox::Column::Status)
            .eq(OutboxStatus::Sending)
            .and(Expr::col(outbox::Column::LeaseUntil).lt(now)));
    let candidates = Query::select()
        .column(outbox::Column::Id)
        .from(outbox::Entity)
        .and_where(due)
        .order_by(outbox::Column::NextAttemptAt, sea_orm::Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let claimed = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sending))
        .col_expr(outbox::Column::LeaseUntil, Expr::value(now + lease))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.in_subquery(candidates))
        .exec_with_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(claimed)
}

/// A row the SMTP server accepted, and what is kept of it.
pub struct Sent<'a> {
    pub row: &'a outbox::Model,
    /// The payload without the manage link.
    pub payload_without_secret: String,
    /// Also erase the address (the registrant deleted the registration).
    pub erase_recipient: bool,
    pub at: DateTime<Utc>,
}

/// Marks rows sent and erases the manage link (and, for a registration the
/// registrant deleted, the address) from each: one statement for them all,
/// each row's own values picked by its id.
pub async fn mark_sent(db: &impl ConnectionTrait, sent: &[Sent<'_>]) -> Result<(), DbErr> {
    use sea_orm::sea_query::CaseStatement;
    if sent.is_empty() {
        return Ok(());
    }
    let by_id = |value: &dyn Fn(&Sent<'_>) -> Expr| {
        let mut case = CaseStatement::new();
        for row in sent {
            case = case.case(outbox::Column::Id.eq(row.row.id), value(row));
        }
        Expr::Case(Box::new(case))
    };
    let recipient = by_id(&|s| {
        Expr::value(if s.erase_recipient {
            String::new()
        } else {
            s.row.recipient.clone()
        })
    });
    let payload = by_id(&|s| Expr::value(s.payload_without_secret.clone()));
    let sent_at = by_id(&|s| Expr::value(s.at));
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Recipient, recipient)
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sent))
        .col_expr(outbox::Column::SentAt, sent_at)
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(outbox::Column::Payload, payload)
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.is_in(sent.iter().map(|s| s.row.id)))
        .exec(db)
        .await?;
    Ok(())
}

/// Puts a row back to pending, due at `next_attempt_at`.
pub async fn mark_retry(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
    error: &str,
    next_attempt_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .filter(outbox::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a row failed for good (a permanent SMTP error, or too many tries).
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
    error: &str,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Failed))
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .filter(outbox::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Messages not yet sent: pending, sending and failed, oldest first.
pub async fn unsent(db: &impl ConnectionTrait) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Status.ne(OutboxStatus::Sent))
        .order_by_asc(outbox::Column::CreatedAt)
        .all(db)
        .await
}

/// Makes every failed message due again now; returns how many.
pub async fn retry_failed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .filter(outbox::Column::Status.eq(OutboxStatus::Failed))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

fn nominal_backoff_secs(base: std::time::Duration, attempts: i32) -> f64 {
    let exponent = attempts.saturating_sub(1).clamp(0, 20);
    (base.as_secs_f64() * 2f64.powi(exponent)).min(3600.0)
}

/// The delay before attempt `attempts + 1`: `base`·2^(attempts-1), capped at
/// one hour, with ±20 % jitter so that many retries do not arrive together.
pub fn backoff(base: std::time::Duration, attempts: i32) -> Duration {
    use rand::Rng;
    let jitter = rand::rng().random_range(0.8..1.2);
    Duration::milliseconds((nominal_backoff_secs(base, attempts) * jitter * 1000.0) as i64)
}

/// Whether `attempts` tries have used up the retry window: the nominal
/// delays so far add up to `give_up_after`. Counting attempts rather than
/// wall time means a manual retry of a failed message gets a full window.
pub fn exhausted(base: std::time::Duration, attempts: i32, give_up_after: Duration) -> bool {
    let waited: f64 = (1..=attempts).map(|a| nominal_backoff_secs(base, a)).sum();
    waited >= give_up_after.num_seconds() as f64
}

/// Selects the emails about one event: those of its registrations, of its
/// invitations and to its delegations' contacts.
pub fn of_event(event_id: i32) -> sea_orm::Condition {
    use crate::db::entities::{delegation, invitation, registration};
    let registrations = Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(Expr::col(registration::Column::EventId).eq(event_id))
        .to_owned();
    let invitations = Query::select()
        .column(invitation::Column::Id)
        .from(invitation::Entity)
        .and_where(Expr::col(invitation::Column::EventId).eq(event_id))
        .to_owned();
    let delegations = Query::select()
        .column(delegation::Column::Id)
        .from(delegation::Entity)
        .and_where(Expr::col(delegation::Column::EventId).eq(event_id))
        .to_owned();
    sea_orm::Condition::any()
        .add(outbox::Column::RegistrationId.in_subquery(registrations))
        .add(outbox::Column::InvitationId.in_subquery(invitations))
        .add(outbox::Column::DelegationId.in_subquery(delegations))
}

/// The emails about one event, newest first.
pub async fn for_event(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(of_event(event_id))
        .order_by_desc(outbox::Column::CreatedAt)
        .all(db)
        .await
}

/// Makes one failed email due again now.
pub async fn retry_one(
    db: &impl ConnectionTrait,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Failed))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(30);
        let first = backoff(base, 1).num_milliseconds();
        assert!((24_000..=36_000).contains(&first), "{first}");
        let third = backoff(base, 3).num_milliseconds();
        assert!((96_000..=144_000).contains(&third), "{third}");
        let late = backoff(base, 30).num_milliseconds();
        assert!(late <= 4_320_000, "{late}");
    }

    #[test]
    fn retries_stop_after_about_a_day() {
        let base = Duration::from_secs(30);
        let day = chrono::Duration::hours(24);
        assert!(!super::exhausted(base, 10, day));
        let attempts = (1..100).find(|a| super::exhausted(base, *a, day)).unwrap();
        assert!((25..=35).contains(&attempts), "{attempts}");
    }
}
