//! Registering for an event.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, TryInsertResult, TryIntoModel,
};
use uuid::Uuid;

use super::announce::{Change, announce_new};
use super::organiser::Organiser;
use super::seats::{Ahead, Demand};
use super::{choices, manage, seats};
use crate::db::entities::{event, form_submission, invitation, organiser, registration};
use crate::db::{self, Together, events, registrations};
use crate::domain::choice::{self, Allergen};
use crate::domain::event::RegistrationWindow;
use crate::domain::registration::{Affiliation, Field, FieldError, NewRegistration};
use crate::domain::status::{InvitationStatus, SubmissionOutcome};
use crate::domain::token::{ManageToken, SubmissionKey};
use crate::i18n::Locale;
use crate::services::audit;

/// What became of a submitted registration form.
#[derive(Debug)]
pub enum RegisterOutcome {
    /// A new registration, confirmed or on the waitlist: show its manage page.
    Registered { id: Uuid, token: ManageToken },
    /// The same form was submitted before; here is the same registration.
    Repeated { id: Uuid, token: ManageToken },
    /// The address already has an active registration; its link was emailed.
    AlreadyRegistered,
    /// Registration is not open for this event.
    NotOpen(RegistrationWindow),
    /// The programme choices cannot be made (an item not offered, two
    /// overlapping, or one past its deadline); nothing was stored.
    Refused(FieldError),
}

impl RegisterOutcome {
    /// The outcome's name in metrics.
    pub fn label(&self) -> &'static str {
        match self {
            RegisterOutcome::Registered { .. } => "registered",
            RegisterOutcome::Repeated { .. } => "repeated",
            RegisterOutcome::AlreadyRegistered => "already_registered",
            RegisterOutcome::NotOpen(_) => "not_open",
            RegisterOutcome::Refused(_) => "refused",
        }
    }
}

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
    /// Added by an organiser (or an API client acting for one), who may do
    /// so outside the registration window; the audit entry is written in
    /// the same transaction.
    pub by_organiser: Option<Organiser<'a>>,
    /// Registered by a colleague as one of a delegation: the registration
    /// names it, and the email says who registered the person.
    pub delegation: Option<Delegated<'a>>,
}

/// The delegation a colleague is registered in, and who registered them.
#[derive(Debug, Clone, Copy)]
pub struct Delegated<'a> {
    pub id: Uuid,
    /// The contact's normalised address: no "registered by" when it is the
    /// person's own.
    pub contact_email: &'a str,
    /// The contact as the email names them ("Name (address)").
    pub contact: &'a str,
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
        || (options.by_organiser.is_some() && window != RegistrationWindow::Cancelled);
    if !allowed {
        return Ok(RegisterOutcome::NotOpen(window));
    }
    // No choices, nothing to check (and no query for the programme).
    if !new.choices.is_empty() {
        let offers = choices::offers(db, event.id).await?;
        let by_registrant = options.by_organiser.is_none();
        if let Err(problem) = choice::check(&offers, &[], &new.choices, now, by_registrant) {
            return Ok(RegisterOutcome::Refused(FieldError {
                field: Field::Choices,
                problem,
            }));
        }
    }
    // A key replays only the same submission: under a used key (the Back
    // button restores the form with it), other data is a new submission.
    let key = &SubmissionKey::derive(key.as_str().as_bytes(), &new.fingerprint());
    // The writer of this process applies the registration in its next
    // batch (one transaction for all that are pending) and answers once
    // that has committed.
    db::group::submit(
        db,
        Registering {
            event: event.clone(),
            new: new.clone(),
            key: key.clone(),
            locale,
            now,
            invitation: options.invitation.cloned(),
            by_organiser: options
                .by_organiser
                .map(|by| (by.account.clone(), by.via.map(str::to_owned))),
            delegation: options
                .delegation
                .map(|d| (d.id, d.contact_email.to_owned(), d.contact.to_owned())),
            retried: Default::default(),
        },
    )
    .await
}

/// A registration waiting for the writer ([`db::group`]), owning what
/// [`register_in`] needs.
struct Registering {
    event: event::Model,
    new: NewRegistration,
    key: SubmissionKey,
    locale: Locale,
    now: DateTime<Utc>,
    invitation: Option<invitation::Model>,
    by_organiser: Option<(organiser::Model, Option<String>)>,
    /// The delegation's id, its contact's normalised address and label.
    delegation: Option<(Uuid, String, String)>,
    /// Set when a try met a unique index (of active addresses, or of
    /// claimed keys): the next try claims its key alone and looks the
    /// address up first (see [`register_in`]).
    retried: std::sync::atomic::AtomicBool,
}

/// What the registrations of one batch share ([`db::group::Job::Shared`]).
#[derive(Debug, Clone, Default)]
struct Batch {
    /// The seats taken ahead for the whole batch.
    ahead: Ahead,
    /// The submission keys (hashed) claimed before the batch began or by a
    /// registration before in it: a registration under one of them is a
    /// replay, and claims its key alone first to find what it made.
    claimed: HashSet<String>,
}

impl db::group::Job for Registering {
    type Output = RegisterOutcome;
    type Shared = Batch;

    fn run<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        batch: &'a mut Batch,
    ) -> db::group::Run<'a, RegisterOutcome> {
        let options = RegisterOptions {
            invitation: self.invitation.as_ref(),
            by_organiser: self.by_organiser.as_ref().map(|(account, via)| Organiser {
                account,
                via: via.as_deref(),
            }),
            delegation: self
                .delegation
                .as_ref()
                .map(|(id, contact_email, contact)| Delegated {
                    id: *id,
                    contact_email,
                    contact,
                }),
        };
        Box::pin(register_in(
            txn,
            batch,
            &self.event,
            &self.new,
            &self.key,
            self.locale,
            self.now,
            options,
            self.retried.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }

    /// A registration for an address that already has an active one, or
    /// under a key another instance claimed meanwhile, is stopped by a
    /// unique index; tried again, it claims its key alone and looks the
    /// address up first, and so finds the replay or sends the existing
    /// registration's link.
    fn retries_on(&self, err: &DbErr) -> bool {
        let taken = db::is_unique_violation(err);
        if taken {
            self.retried
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        taken
    }

    /// The event row is the first a registration locks.
    fn lock_order(&self) -> i64 {
        i64::from(self.event.id)
    }

    /// The batch's events, then the programme items its registrations
    /// chose, each set locked in one statement before the first
    /// registration (each registration writes only under its event's lock;
    /// every path locks events before items, both by id); then the seats
    /// and places they may take, taken ahead ([`Ahead`]), and which of
    /// their keys were claimed before.
    fn prepare<'a>(
        txn: &'a DatabaseTransaction,
        jobs: &'a [&'a Self],
    ) -> db::group::Run<'a, Batch> {
        let mut events: Vec<i32> = jobs.iter().map(|job| job.event.id).collect();
        events.sort_unstable();
        events.dedup();
        let mut items: Vec<i32> = jobs
            .iter()
            .flat_map(|job| job.new.choices.iter().copied())
            .collect();
        items.sort_unstable();
        items.dedup();
        Box::pin(async move {
            let caps = events::lock_with_caps(txn, &events).await?;
            db::choices::lock_items(txn, &items).await?;
            let demand = jobs.iter().map(|job| Demand {
                event: &job.event,
                municipality: match &job.new.affiliation {
                    Affiliation::Municipality(code) => Some(code.as_str()),
                    Affiliation::Organisation(_) => None,
                },
                items: &job.new.choices,
            });
            let ahead = Ahead::take(txn, caps, demand).await?;
            let keys: Vec<String> = jobs.iter().map(|job| job.key.hash()).collect();
            let claimed = registrations::claimed_keys(txn, &keys).await?;
            Ok(Batch { ahead, claimed })
        })
    }

    /// What the batch took ahead and did not use goes back.
    fn finish(txn: &DatabaseTransaction, batch: Batch) -> db::group::Run<'_, ()> {
        Box::pin(batch.ahead.settle(txn))
    }

    /// The confirmation is in the outbox: wake the mail worker.
    fn committed(&self) {
        crate::mail::wake::wake();
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
        row.status = Set(InvitationStatus::Registered);
        row.registration_id = Set(Some(registration_id));
        row.updated_at = Set(now);
        row.update(txn).await?;
    }
    Ok(())
}

/// The registration window of an event at `now`.
pub fn window_of(event: &event::Model, now: DateTime<Utc>) -> RegistrationWindow {
    RegistrationWindow::at(
        event.status,
        event.registration_opens_at,
        event.registration_closes_at,
        event.starts_at,
        now,
    )
}

/// Registers inside `txn` (the writer's transaction, or a savepoint in
/// it), without committing.
///
/// "One active registration per address" is kept by the unique index of
/// active addresses: the insert of a second one fails, and its job is run
/// again (`retried`), which finds the first and sends its link. So the
/// common case, a new address, costs no lookup.
#[allow(clippy::too_many_arguments)]
async fn register_in(
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    event: &event::Model,
    new: &NewRegistration,
    key: &SubmissionKey,
    locale: Locale,
    now: DateTime<Utc>,
    options: RegisterOptions<'_>,
    retried: bool,
) -> Result<RegisterOutcome, DbErr> {
    // The event is already locked (`Registering::prepare`, for the whole
    // batch, before any job): every row a registration writes is written
    // under its event's lock, and locks go in one order on every path, the
    // events by id, then their items by id. The seats the batch could take
    // at once are in `batch.ahead`; the registration takes its own from there.

    // The submission key is claimed with a row naming the registration it
    // makes (there is no foreign key; if anything fails, the whole
    // transaction goes). A new key, the common case, is claimed together
    // with the registration's row, at no extra round trip: if another
    // instance claimed it meanwhile, its unique index stops this try, and
    // the next one comes here. A key claimed before (a replay), and every
    // second try, is claimed alone first, to find what it made. On
    // PostgreSQL a concurrent claim of the same key waits for ours to
    // commit, then finds it taken.
    let id = Uuid::now_v7();
    let token = ManageToken::generate();
    let key_hash = key.hash();
    let first_in_batch = batch.claimed.insert(key_hash.clone());
    let alone = retried || !first_in_batch;
    let claim = form_submission::ActiveModel {
        key_hash: Set(key_hash.clone()),
        registration_id: Set(Some(id)),
        sealed_token: Set(Some(token.seal(key))),
        outcome: Set(SubmissionOutcome::Registered),
        created_at: Set(now),
    };
    if alone {
        let claimed = form_submission::Entity::insert(claim.clone())
            .on_conflict_do_nothing()
            .exec_without_returning(txn)
            .await?;
        if !matches!(claimed, TryInsertResult::Inserted(1)) {
            let earlier = form_submission::Entity::find_by_id(key_hash)
                .one(txn)
                .await?;
            let repeated = earlier.and_then(|row| {
                let token = ManageToken::unseal(row.sealed_token.as_deref()?, key)?;
                Some(RegisterOutcome::Repeated {
                    id: row.registration_id?,
                    token,
                })
            });
            return Ok(repeated.unwrap_or(RegisterOutcome::AlreadyRegistered));
        }
    }

    let existing = if retried {
        registrations::find_active_by_email(txn, event.id, new.email.normalized()).await?
    } else {
        None
    };
    if let Some(existing) = existing {
        form_submission::ActiveModel {
            key_hash: Set(key.hash()),
            outcome: Set(SubmissionOutcome::AlreadyRegistered),
            registration_id: Set(None),
            sealed_token: Set(None),
            ..Default::default()
        }
        .update(txn)
        .await?;
        mark_invitation_registered(txn, options.invitation, existing.id, now).await?;
        manage::send_link_again(txn, existing, now).await?;
        return Ok(RegisterOutcome::AlreadyRegistered);
    }

    let (municipality_code, organisation) = match &new.affiliation {
        Affiliation::Municipality(code) => (Some(code.clone()), None),
        Affiliation::Organisation(name) => (None, Some(name.clone())),
    };
    let (status, waitlist_order) =
        seats::take(txn, &mut batch.ahead, event, municipality_code.as_deref()).await?;
    let active = registration::ActiveModel {
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
        diet: Set(new.details.diet.diet.map(|d| d.as_str().to_owned())),
        allergens: Set(Allergen::list_text(&new.details.diet.allergens)),
        accessibility_needs: Set(new.details.accessibility_needs.clone()),
        locale: Set(locale.as_str().to_owned()),
        consented_at: Set(now),
        status: Set(status),
        waitlist_order: Set(waitlist_order),
        manage_token_hash: Set(token.hash()),
        calendar_sequence: Set(0),
        link_resent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        cancelled_at: Set(None),
        checked_in_at: Set(None),
        consent_version: Set(crate::domain::registration::NOTICE_VERSION.to_owned()),
        participant_list_consented_at: Set(new.listed.then_some(now)),
        replaced_by: Set(None),
        delegation_id: Set(options.delegation.map(|d| d.id)),
        search_text: Set(registrations::search_text(
            &new.name,
            new.email.as_str(),
            new.affiliation_organisation(),
        )),
    };
    // The choices take their item seats first; then the row, its key's
    // claim, its link, its choices, its answers and its email go to the
    // database together (one round trip on SQLite, one statement on
    // PostgreSQL, where the options its answers chose follow in one
    // statement more, as they name the answers' rows).
    let first_choices =
        choices::first(txn, &mut batch.ahead, id, status, &new.choices, now).await?;
    let (answers, chosen_options) = crate::db::questions::first_answers(id, &new.answers, now)?;
    let row = active.clone().try_into_model()?;
    let mut together = Together::new(txn);
    together.push(&registration::Entity::insert(active));
    if !alone {
        together.push(&form_submission::Entity::insert(claim));
    }
    together.push(&registrations::link_insert(id, &token, now));
    if let Some(insert) = &first_choices {
        together.push(insert);
    }
    if let Some(insert) = &answers {
        together.push(insert);
    }
    if let Some(insert) = &chosen_options {
        together.push_after(insert);
    }
    let change = match options.delegation {
        Some(by) if by.contact_email != new.email.normalized() => Change::RegisteredBy {
            by: by.contact.to_owned(),
        },
        _ => Change::Registered,
    };
    announce_new(&mut together, &row, change, &token, now)?;
    if let Some(by) = options.by_organiser {
        let details = by.details(new.email.as_str());
        together.push(&audit::entry_insert(
            by.account,
            "registration.add",
            &event.slug,
            &details,
            now,
        ));
    }
    together.run(txn).await?;
    mark_invitation_registered(txn, options.invitation, id, now).await?;
    Ok(RegisterOutcome::Registered { id, token })
}
