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

use crate::db::entities::{invitation, outbox, registration};
use crate::domain::choice::ChoiceNote;
use crate::domain::token::ManageToken;

pub use crate::domain::status::MessageKind;

/// The facts a message is rendered from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    pub kind: MessageKind,
    /// The registration the message is about, for registration messages.
    #[serde(default)]
    pub registration_id: Option<Uuid>,
    /// The invitation the message is about, for invitation messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<Uuid>,
    /// The delegation the message is about, for a delegation's contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_id: Option<Uuid>,
    /// The calendar SEQUENCE this message carries.
    pub sequence: i32,
    /// The manage link's token, until the message is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Which calendar object is attached, if any.
    #[serde(default)]
    pub invite: Option<InviteKind>,
    /// For a moved event: what it was before, as shown to the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previously: Option<Previously>,
    /// For a cancellation: the attendee's name and address at the time, so
    /// the CANCEL can still be sent after the registration is anonymised.
    /// Erased once the message is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendee: Option<(String, String)>,
    /// The registrant deleted their data: once sent, the row keeps no address.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
    /// What happened to the registrant's choices that they did not do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<ChoiceNote>,
    /// The reminder rule this email belongs to (`MessageKind::Reminder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_rule: Option<i32>,
    /// The organiser's message this email carries
    /// (`MessageKind::OrganiserMessage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organiser_message: Option<i32>,
    /// For a substitution: the other person's name (who took over, or who
    /// handed over), as shown to the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart: Option<String>,
}

/// What a registration's email says, beyond the registration itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub kind: MessageKind,
    pub invite: Option<InviteKind>,
    pub previously: Option<Previously>,
    pub notes: Vec<ChoiceNote>,
    pub counterpart: Option<String>,
}

/// The calendar object a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InviteKind {
    Request,
    Cancel,
}

/// The time and place an event had before it moved.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Previously {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
}

/// Inserts one pending outbox row for `payload`. The row's id is also the
/// Message-ID, so every retry of the message carries the same one.
/// `dedupe_key` is unique: a repeated write of the same change keeps one row.
async fn insert(
    db: &impl ConnectionTrait,
    recipient: &str,
    payload: &Payload,
    dedupe_key: String,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let inserted = outbox_insert(recipient, payload, dedupe_key, now)?
        .exec_without_returning(db)
        .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

/// The insert of one outbox row; nothing when its dedupe key is taken.
fn outbox_insert(
    recipient: &str,
    payload: &Payload,
    dedupe_key: String,
    now: DateTime<Utc>,
) -> Result<sea_orm::TryInsert<outbox::ActiveModel>, DbErr> {
    let id = Uuid::now_v7();
    let row = outbox::ActiveModel {
        id: Set(id),
        recipient: Set(recipient.to_owned()),
        kind: Set(payload.kind),
        registration_id: Set(payload.registration_id),
        invitation_id: Set(payload.invitation_id),
        delegation_id: Set(payload.delegation_id),
        payload: Set(serde_json::to_string(payload)
            .map_err(|e| DbErr::Custom(format!("outbox payload: {e}")))?),
        dedupe_key: Set(dedupe_key),
        status: Set(crate::domain::status::OutboxStatus::Pending),
        attempts: Set(0),
        // Due at once: never later than the real moment it is written, even
        // when the change is made as of a moved clock (the reminder
        // scheduler's tests run it months ahead).
        next_attempt_at: Set(now.min(Utc::now())),
        lease_until: Set(None),
        last_error: Set(None),
        message_id: Set(id.to_string()),
        created_at: Set(now),
        sent_at: Set(None),
    };
    // The conflict target is the dedupe key (sea-orm's plain
    // `on_conflict_do_nothing` targets the primary key only).
    Ok(outbox::Entity::insert(row).on_conflict_do_nothing_on([outbox::Column::DedupeKey]))
}

/// Writes one message for `registration` to the outbox.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    registration: &registration::Model,
    outgoing: Outgoing,
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue_insert(registration, outgoing, token, now)?
        .exec_without_returning(db)
        .await
        .map(drop)
}

/// The insert of [`enqueue`], to run with others ([`crate::db::Together`]).
pub fn enqueue_insert(
    registration: &registration::Model,
    outgoing: Outgoing,
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<sea_orm::TryInsert<outbox::ActiveModel>, DbErr> {
    let Outgoing {
        kind,
        invite,
        previously,
        notes,
        counterpart,
    } = outgoing;
    let payload = Payload {
        kind,
        registration_id: Some(registration.id),
        invitation_id: None,
        delegation_id: None,
        sequence: registration.calendar_sequence,
        token: token.map(ManageToken::as_link_part),
        invite,
        previously,
        attendee: kind
            .ends_registration()
            .then(|| (registration.name.clone(), registration.email.clone())),
        erased: false,
        notes,
        reminder_rule: None,
        organiser_message: None,
        counterpart,
    };
    // One message per kind and state of the registration: every change
    // writes `updated_at`, so a retried transaction cannot queue it twice.
    let dedupe_key = format!(
        "{}:{}:{}:{}",
        kind.as_str(),
        registration.id,
        registration.calendar_sequence,
        registration.updated_at.timestamp_micros()
    );
    outbox_insert(&registration.email, &payload, dedupe_key, now)
}

/// Writes an invitation (or a reminder) with its personal link to the outbox.
pub async fn enqueue_invitation(
    db: &impl ConnectionTrait,
    invitation: &invitation::Model,
    kind: MessageKind,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = Payload {
        kind,
        registration_id: None,
        invitation_id: Some(invitation.id),
        delegation_id: None,
        sequence: 0,
        token: Some(token.as_link_part()),
        invite: None,
        previously: None,
        attendee: None,
        erased: false,
        notes: Vec::new(),
        reminder_rule: None,
        organiser_message: None,
        counterpart: None,
    };
    let dedupe_key = format!(
        "{}:{}:{}",
        kind.as_str(),
        invitation.id,
        invitation.updated_at.timestamp_micros()
    );
    insert(db, &invitation.email, &payload, dedupe_key, now)
        .await
        .map(drop)
}

/// Writes the email to a delegation's contact with the link to the
/// delegation's page (once per delegation).
pub async fn enqueue_delegation(
    db: &impl ConnectionTrait,
    delegation: &crate::db::entities::delegation::Model,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = Payload {
        kind: MessageKind::Delegation,
        registration_id: None,
        invitation_id: None,
        delegation_id: Some(delegation.id),
        sequence: 0,
        token: Some(token.as_link_part()),
        invite: None,
        previously: None,
        attendee: None,
        erased: false,
        notes: Vec::new(),
        reminder_rule: None,
        organiser_message: None,
        counterpart: None,
    };
    let dedupe_key = format!("delegation:{}", delegation.id);
    insert(db, &delegation.contact_email, &payload, dedupe_key, now)
        .await
        .map(drop)
}

/// Deletes a registration's reminders that are queued and not yet claimed
/// by a worker, in the caller's transaction (its cancellation's).
pub async fn withdraw_reminders(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::RegistrationId.eq(registration_id))
        .filter(outbox::Column::Kind.eq(MessageKind::Reminder))
        .filter(outbox::Column::Status.eq(crate::domain::status::OutboxStatus::Pending))
        .exec(db)
        .await?
        .rows_affected)
}

/// A reminder rule's email or an organiser's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The reminder rule, by id.
    Reminder(i32),
    /// The organiser's message, by id.
    Message(i32),
}

impl Notice {
    fn kind(self) -> MessageKind {
        match self {
            Notice::Reminder(_) => MessageKind::Reminder,
            Notice::Message(_) => MessageKind::OrganiserMessage,
        }
    }

    /// The start of the dedupe key of every email of this rule or message.
    pub fn key_prefix(self) -> String {
        match self {
            Notice::Reminder(id) => format!("reminder:{id}:"),
            Notice::Message(id) => format!("organiser-message:{id}:"),
        }
    }

    /// A payload for a preview: a placeholder instead of a link, and the
    /// invite (the preview shows what a confirmed person gets).
    pub fn preview_payload(self) -> Payload {
        let mut payload = self.payload(0, &ManageToken::generate(), true);
        payload.token = Some("…".to_owned());
        payload
    }

    fn payload(self, sequence: i32, token: &ManageToken, invite: bool) -> Payload {
        Payload {
            kind: self.kind(),
            registration_id: None,
            invitation_id: None,
            delegation_id: None,
            sequence,
            token: Some(token.as_link_part()),
            invite: invite.then_some(InviteKind::Request),
            previously: None,
            attendee: None,
            erased: false,
            notes: Vec::new(),
            counterpart: None,
            reminder_rule: match self {
                Notice::Reminder(id) => Some(id),
                Notice::Message(_) => None,
            },
            organiser_message: match self {
                Notice::Message(id) => Some(id),
                Notice::Reminder(_) => None,
            },
        }
    }
}

/// Writes a reminder or an organiser's message to a registrant, with a
/// fresh manage link and, when `invite`, their current REQUEST (same UID,
/// same SEQUENCE: nothing changed). The dedupe key names the rule (or
/// message) and the registration, so each is written at most once per
/// person whoever writes it, however often. Returns whether it was written
/// now (false: it was written before).
pub async fn enqueue_notice(
    db: &impl ConnectionTrait,
    registration: &registration::Model,
    notice: Notice,
    token: &ManageToken,
    invite: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut payload = notice.payload(registration.calendar_sequence, token, invite);
    payload.registration_id = Some(registration.id);
    let dedupe_key = format!("{}r:{}", notice.key_prefix(), registration.id);
    insert(db, &registration.email, &payload, dedupe_key, now).await
}

/// [`enqueue_notice`] for an invitee who has not answered, with their
/// invitation link.
pub async fn enqueue_invitation_notice(
    db: &impl ConnectionTrait,
    invitation: &invitation::Model,
    notice: Notice,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut payload = notice.payload(0, token, false);
    payload.invitation_id = Some(invitation.id);
    let dedupe_key = format!("{}i:{}", notice.key_prefix(), invitation.id);
    insert(db, &invitation.email, &payload, dedupe_key, now).await
}
