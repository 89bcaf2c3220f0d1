//! Writing emails to the outbox. Each function runs inside the caller's
//! transaction, so the email exists if and only if the change committed.
//!
//! A row holds what is needed to render the message at delivery time: the
//! kind, the registration, and the facts of the moment (calendar SEQUENCE,
//! and the manage link when the message carries one). The link is the only
//! secret; it is erased from the row once the message is sent.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::entities::{event, outbox, registration};
use crate::domain::token::ManageToken;

/// Which message a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    Confirmed,
    Waitlisted,
    Promoted,
    Edited,
    Cancelled,
    EventMoved,
    EventCancelled,
    LinkAgain,
}

impl MessageKind {
    /// The stored name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Confirmed => "confirmed",
            MessageKind::Waitlisted => "waitlisted",
            MessageKind::Promoted => "promoted",
            MessageKind::Edited => "edited",
            MessageKind::Cancelled => "cancelled",
            MessageKind::EventMoved => "event-moved",
            MessageKind::EventCancelled => "event-cancelled",
            MessageKind::LinkAgain => "link-again",
        }
    }
}

/// The facts a message is rendered from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    pub kind: MessageKind,
    pub registration_id: Uuid,
    /// The calendar SEQUENCE this message carries.
    pub sequence: i32,
    /// The manage link's token, until the message is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Whether the invite is attached (an edit only re-sends it if it changed).
    #[serde(default)]
    pub with_invite: bool,
}

/// Inserts one outbox row. `dedupe_key` is unique: writing the same message
/// twice (a retried transaction) keeps one row.
async fn insert(
    db: &impl ConnectionTrait,
    registration: &registration::Model,
    payload: Payload,
    dedupe_key: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let id = Uuid::now_v7();
    let row = outbox::ActiveModel {
        id: Set(id),
        recipient: Set(registration.email.clone()),
        kind: Set(payload.kind.as_str().to_owned()),
        registration_id: Set(Some(registration.id)),
        payload: Set(serde_json::to_string(&payload)
            .map_err(|e| DbErr::Custom(format!("outbox payload: {e}")))?),
        dedupe_key: Set(dedupe_key),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_error: Set(None),
        message_id: Set(format!("{id}@anmalan")),
        created_at: Set(now),
        sent_at: Set(None),
    };
    outbox::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn key(
    kind: MessageKind,
    registration: &registration::Model,
    discriminator: impl std::fmt::Display,
) -> String {
    format!("{}:{}:{}", kind.as_str(), registration.id, discriminator)
}

/// A new registration: a confirmation with the invite, or the waitlist notice.
pub async fn registered(
    db: &impl ConnectionTrait,
    _event: &event::Model,
    registration: &registration::Model,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let kind = if registration.status == "confirmed" {
        MessageKind::Confirmed
    } else {
        MessageKind::Waitlisted
    };
    let payload = Payload {
        kind,
        registration_id: registration.id,
        sequence: registration.calendar_sequence,
        token: Some(token.as_link_part()),
        with_invite: kind == MessageKind::Confirmed,
    };
    insert(db, registration, payload, key(kind, registration, 0), now).await
}

/// A waitlisted registration got a seat.
pub async fn promoted(
    db: &impl ConnectionTrait,
    _event: &event::Model,
    registration: &registration::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = Payload {
        kind: MessageKind::Promoted,
        registration_id: registration.id,
        sequence: registration.calendar_sequence,
        token: None,
        with_invite: true,
    };
    let dedupe = key(MessageKind::Promoted, registration, now.timestamp_micros());
    insert(db, registration, payload, dedupe, now).await
}

/// The registrant changed their details.
pub async fn edited(
    db: &impl ConnectionTrait,
    _event: &event::Model,
    registration: &registration::Model,
    invite_changed: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = Payload {
        kind: MessageKind::Edited,
        registration_id: registration.id,
        sequence: registration.calendar_sequence,
        token: None,
        with_invite: invite_changed && registration.status == "confirmed",
    };
    let dedupe = key(MessageKind::Edited, registration, now.timestamp_micros());
    insert(db, registration, payload, dedupe, now).await
}

/// The registration was cancelled: a CANCEL for the invite.
pub async fn cancelled(
    db: &impl ConnectionTrait,
    _event: &event::Model,
    registration: &registration::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = Payload {
        kind: MessageKind::Cancelled,
        registration_id: registration.id,
        sequence: registration.calendar_sequence,
        token: None,
        with_invite: true,
    };
    let dedupe = key(
        MessageKind::Cancelled,
        registration,
        registration.calendar_sequence,
    );
    insert(db, registration, payload, dedupe, now).await
}

/// Someone submitted an address that is already registered: its (new) link.
pub async fn link_again(
    db: &impl ConnectionTrait,
    _event: &event::Model,
    registration: &registration::Model,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = Payload {
        kind: MessageKind::LinkAgain,
        registration_id: registration.id,
        sequence: registration.calendar_sequence,
        token: Some(token.as_link_part()),
        with_invite: false,
    };
    let dedupe = key(MessageKind::LinkAgain, registration, now.timestamp_micros());
    insert(db, registration, payload, dedupe, now).await
}
