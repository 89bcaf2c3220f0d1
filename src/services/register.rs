//! Registering for an event.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, TryInsertResult,
};
use uuid::Uuid;

use crate::db::entities::{event, form_submission, invitation, registration};
use crate::db::{self, events, registrations};
use crate::domain::event::{EventStatus, RegistrationStatus, RegistrationWindow};
use crate::domain::registration::{Affiliation, NewRegistration};
use crate::domain::token::{ManageToken, SubmissionKey};
use crate::i18n::Locale;
use crate::mail::enqueue::{InviteKind, MessageKind, enqueue};

/// What became of a submitted registration form.
#[derive(Debug)]
pub enum RegisterOutcome {
    /// A new registration, confirmed or on the waitlist: show its manage page.
    Registered(ManageToken),
    /// The same form was submitted before; here is the same registration.
    Repeated(ManageToken),
    /// The address already has an active registration; its link was emailed.
    AlreadyRegistered,
    /// Registration is not open for this event.
    NotOpen(RegistrationWindow),
}

impl RegisterOutcome {
    /// The outcome's name in metrics.
    pub fn label(&self) -> &'static str {
        match self {
            RegisterOutcome::Registered(_) => "registered",
            RegisterOutcome::Repeated(_) => "repeated",
            RegisterOutcome::AlreadyRegistered => "already_registered",
            RegisterOutcome::NotOpen(_) => "not_open",
        }
    }
}

/// The registration a submission key produced, if it produced one.
pub async fn submitted_registration(
    db: &DatabaseConnection,
    key: &SubmissionKey,
) -> Result<Option<Uuid>, DbErr> {
    Ok(form_submission::Entity::find_by_id(key.hash())
        .one(db)
        .await?
        .and_then(|row| row.registration_id))
}

const OUTCOME_REGISTERED: &str = "registered";
const OUTCOME_ALREADY_REGISTERED: &str = "already-registered";

/// Registers `new` for `event`, keeping three invariants in one transaction:
/// capacity is never exceeded (a seat is taken by one conditional update, or
/// the registration goes on the waitlist with a unique number); a submission
/// key yields at most one registration; and an address has at most one active
/// registration per event. The confirmation email is written to the outbox in
/// the same transaction.
pub async fn register(
    db: &DatabaseConnection,
    event: &event::Model,
    new: &NewRegistration,
    key: &SubmissionKey,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<RegisterOutcome, DbErr> {
    register_with(db, event, new, key, locale, now, RegisterOptions::default()).await
}

/// Where a registration comes from, beyond the public form.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegisterOptions<'a> {
    /// Registered through this personal invitation, which is marked answered
    /// in the same transaction.
    pub invitation: Option<&'a invitation::Model>,
    /// Added by an organiser, who may do so outside the registration window.
    pub by_organiser: bool,
}

/// [`register`] with options; the same invariants hold.
pub async fn register_with(
    db: &DatabaseConnection,
    event: &event::Model,
    new: &NewRegistration,
    key: &SubmissionKey,
    locale: Locale,
    now: DateTime<Utc>,
    options: RegisterOptions<'_>,
) -> Result<RegisterOutcome, DbErr> {
    let window = window_of(event, now);
    let allowed = window == RegistrationWindow::Open
        || (options.by_organiser && window != RegistrationWindow::Cancelled);
    if !allowed {
        return Ok(RegisterOutcome::NotOpen(window));
    }
    // Two different forms with the same address can race past the duplicate
    // check; the unique index stops the second, which then sees the first.
    match register_once(db, event, new, key, locale, now, options).await {
        Err(err) if db::is_unique_violation(&err) => {
            register_once(db, event, new, key, locale, now, options).await
        }
        other => other,
    }
}

/// Marks an invitation as answered by a registration.
async fn mark_invitation_registered(
    txn: &impl sea_orm::ConnectionTrait,
    invitation: Option<&invitation::Model>,
    registration_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Some(invitation) = invitation {
        let mut row: invitation::ActiveModel = invitation.clone().into();
        row.status = Set(super::invitations::REGISTERED.to_owned());
        row.registration_id = Set(Some(registration_id));
        row.updated_at = Set(now);
        row.update(txn).await?;
    }
    Ok(())
}

/// The registration window of an event at `now`.
pub fn window_of(event: &event::Model, now: DateTime<Utc>) -> RegistrationWindow {
    RegistrationWindow::at(
        EventStatus::parse(&event.status).unwrap_or(EventStatus::Closed),
        event.registration_opens_at,
        event.registration_closes_at,
        event.starts_at,
        now,
    )
}

async fn register_once(
    db: &DatabaseConnection,
    event: &event::Model,
    new: &NewRegistration,
    key: &SubmissionKey,
    locale: Locale,
    now: DateTime<Utc>,
    options: RegisterOptions<'_>,
) -> Result<RegisterOutcome, DbErr> {
    let txn = db::begin_write(db).await?;

    // Claim the submission key first, already naming the registration it
    // will make (there is no foreign key; if anything fails, the whole
    // transaction goes). On PostgreSQL a concurrent claim of the same key
    // waits here for ours to commit, then finds it taken.
    let id = Uuid::now_v7();
    let token = ManageToken::generate();
    let claimed = form_submission::Entity::insert(form_submission::ActiveModel {
        key_hash: Set(key.hash()),
        registration_id: Set(Some(id)),
        sealed_token: Set(Some(token.seal(key))),
        outcome: Set(OUTCOME_REGISTERED.to_owned()),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&txn)
    .await?;
    if !matches!(claimed, TryInsertResult::Inserted(1)) {
        let earlier = form_submission::Entity::find_by_id(key.hash())
            .one(&txn)
            .await?;
        txn.commit().await?;
        return Ok(match earlier {
            Some(row) => match row.sealed_token.and_then(|s| ManageToken::unseal(&s, key)) {
                Some(token) => RegisterOutcome::Repeated(token),
                None => RegisterOutcome::AlreadyRegistered,
            },
            None => RegisterOutcome::AlreadyRegistered,
        });
    }

    if let Some(existing) =
        registrations::find_active_by_email(&txn, event.id, new.email.normalized()).await?
    {
        form_submission::ActiveModel {
            key_hash: Set(key.hash()),
            outcome: Set(OUTCOME_ALREADY_REGISTERED.to_owned()),
            registration_id: Set(None),
            sealed_token: Set(None),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        mark_invitation_registered(&txn, options.invitation, existing.id, now).await?;
        super::manage::send_link_again(&txn, existing, now).await?;
        txn.commit().await?;
        return Ok(RegisterOutcome::AlreadyRegistered);
    }

    let confirmed = events::try_take_seat(&txn, event.id).await?;
    let waitlist_order = if confirmed {
        None
    } else {
        Some(events::next_waitlist_order(&txn, event.id).await?)
    };
    let status = if confirmed {
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waitlisted
    };
    let (municipality_code, organisation) = match &new.affiliation {
        Affiliation::Municipality(code) => (Some(code.clone()), None),
        Affiliation::Organisation(name) => (None, Some(name.clone())),
    };
    let saved = registration::ActiveModel {
        id: Set(id),
        event_id: Set(event.id),
        name: Set(new.name.clone()),
        email: Set(new.email.as_str().to_owned()),
        email_normalized: Set(new.email.normalized().to_owned()),
        municipality_code: Set(municipality_code),
        organisation: Set(organisation),
        role_title: Set(new.details.role_title.clone()),
        phone: Set(new.details.phone.clone()),
        dietary_needs: Set(new.details.dietary_needs.clone()),
        accessibility_needs: Set(new.details.accessibility_needs.clone()),
        locale: Set(locale.as_str().to_owned()),
        consented_at: Set(now),
        status: Set(status.as_str().to_owned()),
        waitlist_order: Set(waitlist_order),
        manage_token_hash: Set(token.hash()),
        calendar_sequence: Set(0),
        link_resent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        cancelled_at: Set(None),
        checked_in_at: Set(None),
        consent_version: Set(crate::views::public::privacy::NOTICE_VERSION.to_owned()),
        search_text: Set(registrations::search_text(
            &new.name,
            new.email.as_str(),
            new.affiliation_organisation(),
        )),
    };
    let saved = registration::Entity::insert(saved)
        .exec_with_returning(&txn)
        .await?;

    let (kind, invite) = if confirmed {
        (MessageKind::Confirmed, Some(InviteKind::Request))
    } else {
        (MessageKind::Waitlisted, None)
    };
    enqueue(&txn, &saved, kind, Some(&token), invite, None, now).await?;
    mark_invitation_registered(&txn, options.invitation, saved.id, now).await?;
    txn.commit().await?;
    Ok(RegisterOutcome::Registered(token))
}
