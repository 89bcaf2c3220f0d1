//! What a change to a registration sends. Every change that a registrant
//! hears about goes through [`announce`], whoever made it: the registrant,
//! an organiser, an API client, or a change of the event itself. It decides
//! whether the calendar SEQUENCE rises, which message goes out, whether a
//! REQUEST or a CANCEL is attached, and whether the email carries a fresh
//! link; then it writes the outbox row in the caller's transaction.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

use crate::db::entities::registration;
use crate::db::{Together, registrations};
use crate::domain::choice::ChoiceNote;
use crate::domain::event::RegistrationStatus;
use crate::domain::token::ManageToken;
use crate::mail::enqueue::{
    InviteKind, MessageKind, Outgoing, Previously, enqueue, enqueue_insert,
};

/// What happened to a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It was just made: the confirmation, or the waitlist notice.
    Registered,
    /// It was just made by `by`, a colleague (a delegation's contact): the
    /// confirmation or the waitlist notice, saying who registered them.
    RegisteredBy { by: String },
    /// Its details were edited; `renamed` when the name on the invite changed.
    Edited { renamed: bool },
    /// It was cancelled; `held_seat` when it had a seat (and so an invite).
    Cancelled { held_seat: bool },
    /// It moved from the waitlist to a seat (its choices queued for their
    /// items); with anything else that happened to its choices.
    Promoted(Vec<ChoiceNote>),
    /// Its programme choices changed: by the registrant (no notes), or by an
    /// organiser or a freed seat (the notes say what happened).
    Choices(Vec<ChoiceNote>),
    /// The event's time or place changed.
    EventMoved(Previously),
    /// The event was cancelled.
    EventCancelled,
    /// The registrant asked for their link again.
    LinkAgain,
    /// An organiser sent the confirmation (or waitlist notice) again.
    Resent,
    /// An organiser reminded them to answer a question added or made
    /// required after they registered.
    AnswersMissing,
    /// The registration was handed over to `to` (a substitute) and is now
    /// cancelled; `held_seat` when it had a seat (and so an invite, which
    /// the CANCEL removes).
    HandedOver { held_seat: bool, to: String },
    /// The registration was just made by taking over `from`'s: a new
    /// registration with its own UID, so its invite starts at SEQUENCE 0.
    TookOver { from: String },
}

/// Which manage link the email carries.
#[derive(Debug, Clone, Copy)]
pub enum Link<'a> {
    /// None: the message needs no link, or none can be shown.
    None,
    /// The link the registrant is using now (it works already).
    Current(&'a ManageToken),
    /// A new link, issued here and added to the registration's links (the
    /// earlier ones keep working). Only hashes are stored, so an email that
    /// was not written in answer to the registrant needs a new one.
    Fresh,
}

/// What a change sends, decided from the change and the registration's
/// state after it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Message {
    kind: MessageKind,
    invite: Option<InviteKind>,
    raises_sequence: bool,
    previously: Option<Previously>,
    notes: Vec<ChoiceNote>,
    counterpart: Option<String>,
}

fn message_for(change: Change, status: RegistrationStatus) -> Message {
    let confirmed = status == RegistrationStatus::Confirmed;
    let request = confirmed.then_some(InviteKind::Request);
    let plain = |kind| Message {
        kind,
        invite: None,
        raises_sequence: false,
        previously: None,
        notes: Vec::new(),
        counterpart: None,
    };
    match change {
        Change::Registered | Change::Resent => Message {
            invite: request,
            ..plain(if confirmed {
                MessageKind::Confirmed
            } else {
                MessageKind::Waitlisted
            })
        },
        Change::RegisteredBy { by } => Message {
            counterpart: Some(by),
            ..message_for(Change::Registered, status)
        },
        // The invite names the attendee, so a new name is a new version.
        Change::Edited { renamed } => Message {
            invite: request.filter(|_| renamed),
            raises_sequence: renamed,
            ..plain(MessageKind::Edited)
        },
        Change::Cancelled { held_seat } => Message {
            invite: held_seat.then_some(InviteKind::Cancel),
            raises_sequence: true,
            ..plain(MessageKind::Cancelled)
        },
        Change::Promoted(notes) => Message {
            invite: Some(InviteKind::Request),
            notes,
            ..plain(MessageKind::Promoted)
        },
        // The invite's description lists the choices: a new version.
        Change::Choices(notes) => Message {
            invite: request,
            raises_sequence: confirmed,
            notes,
            ..plain(MessageKind::ChoicesChanged)
        },
        Change::EventMoved(previously) => Message {
            invite: request,
            raises_sequence: confirmed,
            previously: Some(previously),
            ..plain(MessageKind::EventMoved)
        },
        Change::EventCancelled => Message {
            invite: confirmed.then_some(InviteKind::Cancel),
            raises_sequence: confirmed,
            ..plain(MessageKind::EventCancelled)
        },
        Change::LinkAgain => plain(MessageKind::LinkAgain),
        Change::AnswersMissing => plain(MessageKind::AnswersReminder),
        Change::HandedOver { held_seat, to } => Message {
            invite: held_seat.then_some(InviteKind::Cancel),
            raises_sequence: true,
            counterpart: Some(to),
            ..plain(MessageKind::HandedOver)
        },
        // A new UID: the invite's first version, whatever the old one had.
        Change::TookOver { from } => Message {
            invite: request,
            counterpart: Some(from),
            ..plain(MessageKind::TookOver)
        },
    }
}

/// Writes what `change` sends for `current` (the registration as the change
/// left it) to the outbox, in the caller's transaction, raising the calendar
/// SEQUENCE and issuing a link when the message needs them. The one place a
/// registration's SEQUENCE rises. Returns the registration as saved.
pub async fn announce(
    txn: &impl ConnectionTrait,
    current: registration::Model,
    change: Change,
    link: Link<'_>,
    now: DateTime<Utc>,
) -> Result<registration::Model, DbErr> {
    let link_again = change == Change::LinkAgain;
    // A reminder queued but not yet sent must not reach someone who has
    // just cancelled (or whose event was cancelled).
    if matches!(change, Change::Cancelled { .. } | Change::EventCancelled) {
        crate::mail::enqueue::withdraw_reminders(txn, current.id).await?;
    }
    let message = message_for(change, current.status);
    let fresh = matches!(link, Link::Fresh).then(ManageToken::generate);
    // Every message needs the row's `updated_at` at this change (it is part
    // of the outbox's dedupe key); the caller's own update usually set it.
    let saved = if message.raises_sequence || fresh.is_some() || current.updated_at != now {
        let sequence = current.calendar_sequence + i32::from(message.raises_sequence);
        let mut row: registration::ActiveModel = current.into();
        row.calendar_sequence = Set(sequence);
        if link_again {
            row.link_resent_at = Set(Some(now));
        }
        row.updated_at = Set(now);
        let saved = row.update(txn).await?;
        if let Some(token) = &fresh {
            registrations::add_link(txn, saved.id, token, now).await?;
        }
        saved
    } else {
        current
    };
    let token = match link {
        Link::None => None,
        Link::Current(token) => Some(token),
        Link::Fresh => fresh.as_ref(),
    };
    enqueue(txn, &saved, message.outgoing(), token, now).await?;
    Ok(saved)
}

/// [`announce`] for a registration just made ([`Change::Registered`] or
/// [`Change::RegisteredBy`]), whose email carries the link the registrant
/// has: such a message neither raises the SEQUENCE nor issues a link, so
/// all it writes is the outbox row, which is added to `together` to run
/// with the registration's own insert.
pub fn announce_new(
    together: &mut Together,
    registration: &registration::Model,
    change: Change,
    token: &ManageToken,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    debug_assert!(matches!(
        change,
        Change::Registered | Change::RegisteredBy { .. }
    ));
    let message = message_for(change, registration.status);
    debug_assert!(!message.raises_sequence);
    together.push(&enqueue_insert(
        registration,
        message.outgoing(),
        Some(token),
        now,
    )?);
    Ok(())
}

impl Message {
    /// What the outbox row says of the message.
    fn outgoing(self) -> Outgoing {
        Outgoing {
            kind: self.kind,
            invite: self.invite,
            previously: self.previously,
            notes: self.notes,
            counterpart: self.counterpart,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waitlisted_registrant_gets_no_invite_and_no_new_version() {
        let waitlisted = RegistrationStatus::Waitlisted;
        for change in [
            Change::Registered,
            Change::Resent,
            Change::Edited { renamed: true },
            Change::EventCancelled,
        ] {
            let message = message_for(change.clone(), waitlisted);
            assert_eq!(message.invite, None, "{change:?}");
            assert_eq!(
                message.raises_sequence,
                matches!(change, Change::Edited { .. }),
                "{change:?}"
            );
        }
    }

    #[test]
    fn a_seat_holder_gets_the_invite_that_matches_the_change() {
        let confirmed = RegistrationStatus::Confirmed;
        let cancelled = RegistrationStatus::Cancelled;
        assert_eq!(
            message_for(Change::Registered, confirmed).invite,
            Some(InviteKind::Request)
        );
        assert_eq!(
            message_for(Change::Edited { renamed: false }, confirmed),
            Message {
                kind: MessageKind::Edited,
                invite: None,
                raises_sequence: false,
                previously: None,
                notes: Vec::new(),
                counterpart: None,
            }
        );
        let cancel = message_for(Change::Cancelled { held_seat: true }, cancelled);
        assert_eq!(cancel.invite, Some(InviteKind::Cancel));
        assert!(cancel.raises_sequence);
        assert_eq!(
            message_for(Change::Cancelled { held_seat: false }, cancelled).invite,
            None
        );
        let moved = message_for(
            Change::EventMoved(Previously {
                starts_at: Utc::now(),
                ends_at: Utc::now(),
                venue: "Visby".into(),
            }),
            confirmed,
        );
        assert_eq!(
            (moved.kind, moved.invite, moved.raises_sequence),
            (MessageKind::EventMoved, Some(InviteKind::Request), true)
        );
        assert_eq!(
            message_for(Change::Promoted(Vec::new()), confirmed).invite,
            Some(InviteKind::Request)
        );
    }
}
