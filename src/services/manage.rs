//! What a registrant does through their personal link: look, edit, cancel.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::db::entities::{event, registration};
use crate::db::{self, events, registrations};
use crate::domain::event::RegistrationStatus;
use crate::domain::registration::RegistrationEdit;
use crate::domain::token::ManageToken;
use crate::mail::enqueue::{InviteKind, MessageKind, enqueue};

/// A registration together with its event, as the manage page needs them.
#[derive(Debug, Clone)]
pub struct Managed {
    pub registration: registration::Model,
    pub event: event::Model,
    pub waitlist_position: Option<u64>,
}

/// Finds the registration a manage token opens, or `None` for any unknown
/// or malformed token.
pub async fn open(db: &impl ConnectionTrait, token: &str) -> Result<Option<Managed>, DbErr> {
    let Some(token) = ManageToken::parse(token) else {
        return Ok(None);
    };
    let Some(registration) = registrations::find_by_token_hash(db, &token.hash()).await? else {
        return Ok(None);
    };
    let Some(event) = events::find_by_id(db, registration.event_id).await? else {
        return Ok(None);
    };
    let waitlist_position = registrations::waitlist_position(db, &registration).await?;
    Ok(Some(Managed {
        registration,
        event,
        waitlist_position,
    }))
}

/// Saves an edit of name, role, phone and needs, and writes the
/// "registration changed" email to the outbox in the same transaction.
/// A cancelled registration cannot be edited; returns whether it was saved.
pub async fn edit(
    db: &DatabaseConnection,
    managed: &Managed,
    edit: &RegistrationEdit,
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    let Some(current) = registration::Entity::find_by_id(managed.registration.id)
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    if current.status == RegistrationStatus::Cancelled.as_str() {
        return Ok(false);
    }
    let mut active: registration::ActiveModel = current.clone().into();
    active.name = Set(edit.name.clone());
    active.search_text = Set(crate::db::registrations::search_text(
        &edit.name,
        &current.email,
        current.organisation.as_deref(),
    ));
    active.role_title = Set(edit.details.role_title.clone());
    active.phone = Set(edit.details.phone.clone());
    active.dietary_needs = Set(edit.details.dietary_needs.clone());
    active.accessibility_needs = Set(edit.details.accessibility_needs.clone());
    active.updated_at = Set(now);
    // The invite names the attendee, so a new name means a new SEQUENCE.
    let invite_changed = current.name != edit.name;
    if invite_changed {
        active.calendar_sequence = Set(current.calendar_sequence + 1);
    }
    let saved = active.update(&txn).await?;
    let invite = (invite_changed && saved.status == RegistrationStatus::Confirmed.as_str())
        .then_some(InviteKind::Request);
    enqueue(&txn, &saved, MessageKind::Edited, token, invite, None, now).await?;
    txn.commit().await?;
    Ok(true)
}

/// Cancels a registration. If it held a seat, the first person on the
/// waitlist gets it in the same transaction (the seat moves; the confirmed
/// count only falls when nobody is waiting). Cancelling twice is harmless.
pub async fn cancel(
    db: &DatabaseConnection,
    registration_id: uuid::Uuid,
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    cancel_in(&txn, registration_id, token, now).await?;
    txn.commit().await
}

/// [`cancel`] inside the caller's transaction.
async fn cancel_in(
    txn: &sea_orm::DatabaseTransaction,
    registration_id: uuid::Uuid,
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(current) = registration::Entity::find_by_id(registration_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    // Registrations and cancellations of one event take turns on its row.
    events::lock(txn, current.event_id).await?;
    let cancelled = registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled.as_str()),
        )
        .col_expr(registration::Column::CancelledAt, Expr::value(now))
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            registration::Column::WaitlistOrder,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(
            registration::Column::CalendarSequence,
            Expr::col(registration::Column::CalendarSequence).add(1),
        )
        .filter(registration::Column::Id.eq(current.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled.as_str()))
        .exec(txn)
        .await?;
    if cancelled.rows_affected == 0 {
        return Ok(());
    }
    let Some(event) = events::find_by_id(txn, current.event_id).await? else {
        return Err(DbErr::RecordNotFound(format!("event {}", current.event_id)));
    };
    let after = registration::Entity::find_by_id(current.id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(current.id.to_string()))?;
    let held_seat = current.status == RegistrationStatus::Confirmed.as_str();
    let invite = held_seat.then_some(InviteKind::Cancel);
    enqueue(
        txn,
        &after,
        MessageKind::Cancelled,
        token,
        invite,
        None,
        now,
    )
    .await?;
    if held_seat {
        pass_seat_on(txn, &event, now).await?;
    }
    Ok(())
}

/// Gives a freed seat to the first waitlisted registration, or returns it to
/// the event when nobody waits. Must run inside the transaction that freed it.
async fn pass_seat_on(
    txn: &impl ConnectionTrait,
    event: &event::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for waiting in registrations::waitlist(txn, event.id).await? {
        // Conditional, so a concurrent promotion of the same person cannot
        // hand out the seat twice.
        let promoted = registration::Entity::update_many()
            .col_expr(
                registration::Column::Status,
                Expr::value(RegistrationStatus::Confirmed.as_str()),
            )
            .col_expr(
                registration::Column::WaitlistOrder,
                Expr::value(Option::<i32>::None),
            )
            .col_expr(registration::Column::UpdatedAt, Expr::value(now))
            .filter(registration::Column::Id.eq(waiting.id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted.as_str()))
            .exec(txn)
            .await?;
        if promoted.rows_affected == 1 {
            // The promoted person needs a working link in this email; only
            // hashes are stored, so they get a new one (see send_link_again).
            let token = ManageToken::generate();
            let mut active: registration::ActiveModel =
                registration::Entity::find_by_id(waiting.id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| DbErr::RecordNotFound(waiting.id.to_string()))?
                    .into();
            active.manage_token_hash = Set(token.hash());
            let promoted = active.update(txn).await?;
            return enqueue(
                txn,
                &promoted,
                MessageKind::Promoted,
                Some(&token),
                Some(InviteKind::Request),
                None,
                now,
            )
            .await;
        }
    }
    events::release_seat(txn, event.id).await
}

/// How long after one "your link again" email another may be sent, so that
/// someone typing another person's address cannot flood their inbox.
const LINK_AGAIN_INTERVAL: Duration = Duration::minutes(10);

/// Emails an existing registration its manage link again. Only the hash of a
/// token is stored, so this issues a new token: the newest email always holds
/// a working link. Runs in the caller's transaction.
pub async fn send_link_again(
    txn: &impl ConnectionTrait,
    existing: registration::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if existing
        .link_resent_at
        .is_some_and(|at| now - at < LINK_AGAIN_INTERVAL)
    {
        return Ok(());
    }
    let token = ManageToken::generate();
    let mut active: registration::ActiveModel = existing.into();
    active.manage_token_hash = Set(token.hash());
    active.link_resent_at = Set(Some(now));
    active.updated_at = Set(now);
    let saved = active.update(txn).await?;
    enqueue(
        txn,
        &saved,
        MessageKind::LinkAgain,
        Some(&token),
        None,
        None,
        now,
    )
    .await
}

/// Everything stored about a registrant, for the "download my data" link
/// (GDPR art. 15): the registration, its event, and the emails sent to them.
pub async fn data_export(
    db: &impl ConnectionTrait,
    managed: &Managed,
    affiliation: &str,
) -> Result<serde_json::Value, DbErr> {
    use crate::db::entities::outbox;
    let r = &managed.registration;
    let emails: Vec<serde_json::Value> = outbox::Entity::find()
        .filter(outbox::Column::RegistrationId.eq(r.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            serde_json::json!({
                "kind": m.kind, "to": m.recipient, "status": m.status,
                "created_at": m.created_at, "sent_at": m.sent_at,
            })
        })
        .collect();
    Ok(serde_json::json!({
        "registration": {
            "id": r.id, "name": r.name, "email": r.email,
            "municipality_code": r.municipality_code, "organisation": r.organisation,
            "affiliation": affiliation, "role_title": r.role_title, "phone": r.phone,
            "dietary_needs": r.dietary_needs, "accessibility_needs": r.accessibility_needs,
            "language": r.locale, "status": r.status, "waitlist_position": managed.waitlist_position,
            "consented_at": r.consented_at, "privacy_notice_version": r.consent_version, "created_at": r.created_at, "updated_at": r.updated_at,
            "cancelled_at": r.cancelled_at, "checked_in_at": r.checked_in_at,
        },
        "event": {
            "title": managed.event.title, "slug": managed.event.slug,
            "starts_at": managed.event.starts_at, "ends_at": managed.event.ends_at,
            "venue": managed.event.venue_name,
        },
        "emails": emails,
    }))
}

/// The registrant deletes their registration (GDPR art. 17): it is
/// cancelled (a seat passes on, the CANCEL invite is written) and then
/// anonymised at once. Municipality, status and times stay for statistics.
/// Repeating it is harmless.
pub async fn erase(
    db: &DatabaseConnection,
    registration_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use crate::db::entities::outbox;
    // One transaction: the CANCEL row is marked erased before any worker
    // can claim it, so no sent row keeps the address.
    let txn = db::begin_write(db).await?;
    cancel_in(&txn, registration_id, None, now).await?;
    let Some(current) = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    let mut row: registration::ActiveModel = current.into();
    row.name = Set(String::new());
    row.email = Set(String::new());
    row.email_normalized = Set(format!("erased:{registration_id}"));
    row.organisation = Set(None);
    row.role_title = Set(String::new());
    row.phone = Set(None);
    row.dietary_needs = Set(None);
    row.accessibility_needs = Set(None);
    row.search_text = Set(String::new());
    // The link stops working: nothing personal is left behind it.
    row.manage_token_hash = Set(ManageToken::generate().hash());
    row.updated_at = Set(now);
    row.update(&txn).await?;
    // Sent emails keep no address; unsent ones are dropped, except the
    // CANCEL, which still has to reach the calendar and forgets the address
    // once it is sent.
    for message in outbox::Entity::find()
        .filter(outbox::Column::RegistrationId.eq(registration_id))
        .all(&txn)
        .await?
    {
        let mut payload: crate::mail::enqueue::Payload =
            serde_json::from_str(&message.payload).map_err(|e| DbErr::Custom(e.to_string()))?;
        let is_cancel = payload.kind == crate::mail::enqueue::MessageKind::Cancelled;
        if message.status == crate::mail::outbox::SENT {
            outbox::Entity::update_many()
                .col_expr(outbox::Column::Recipient, Expr::value(""))
                .filter(outbox::Column::Id.eq(message.id))
                .exec(&txn)
                .await?;
        } else if is_cancel {
            payload.erased = true;
            let json = serde_json::to_string(&payload).map_err(|e| DbErr::Custom(e.to_string()))?;
            outbox::Entity::update_many()
                .col_expr(outbox::Column::Payload, Expr::value(json))
                .filter(outbox::Column::Id.eq(message.id))
                .exec(&txn)
                .await?;
        } else {
            outbox::Entity::delete_by_id(message.id).exec(&txn).await?;
        }
    }
    txn.commit().await
}
