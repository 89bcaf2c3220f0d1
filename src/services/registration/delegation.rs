//! Delegations: a contact registers several colleagues in one form.
//!
//! Each colleague goes through [`register_with`], in the order listed, so
//! every rule of a single registration holds for each of them: the seat is
//! taken by the same conditional update (or the colleague is waitlisted),
//! items and the municipality cap are checked the same way, an address is
//! registered at most once per event, and each gets their own link, invite
//! and emails. Each colleague is one transaction; the delegation itself is
//! made (with the contact's email) in one before them.
//!
//! A form key makes the whole form idempotent: the delegation is claimed
//! under a key derived from it, and each colleague's registration under a
//! key derived from it and their data. A form sent again (the Back button,
//! a retry after a dropped connection, a process killed half-way) finds
//! the same delegation and the colleagues already registered, and
//! registers only those still missing.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, TryInsertResult};
use uuid::Uuid;

use super::register::{Delegated, RegisterOptions, RegisterOutcome, register_with, window_of};
use super::{choices, manage};
use crate::db::entities::{delegation, event, form_submission, programme_item, registration};
use crate::db::{self, delegations, events, registrations};
use crate::domain::choice;
use crate::domain::delegation::{
    DelegationError, Member, NewDelegation, Part, Place, contact_label,
};
use crate::domain::event::{RegistrationStatus, RegistrationWindow};
use crate::domain::question::{Asker, Question};
use crate::domain::registration::{Affiliation, Problem};
use crate::domain::status::SubmissionOutcome;
use crate::domain::token::{ManageToken, SubmissionKey};
use crate::i18n::Locale;

/// What became of one colleague listed on the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberOutcome {
    /// Registered (now, or by an earlier sending of the same form).
    Registered {
        id: Uuid,
        status: RegistrationStatus,
        waitlist_position: Option<u64>,
    },
    /// The address already had a registration for the event (their own,
    /// or in another delegation): nothing new was made, and its link was
    /// emailed to that address.
    AlreadyRegistered,
    /// Their programme choices could not be made (an item closed in the
    /// meantime); nobody was registered for this row.
    Refused(Problem),
    /// Registration closed in the meantime.
    NotOpen,
}

/// One row's result, as the contact sees it at once.
#[derive(Debug, Clone)]
pub struct MemberResult {
    pub row: usize,
    pub name: String,
    pub email: String,
    pub outcome: MemberOutcome,
}

/// What became of a delegation form.
#[derive(Debug)]
pub enum Sent {
    /// The delegation exists; here is each row's result.
    Done {
        token: ManageToken,
        results: Vec<MemberResult>,
    },
    /// Registration is not open for this event; nothing was stored.
    NotOpen(RegistrationWindow),
    /// A colleague's choices cannot be made; nothing was stored.
    Refused(Vec<DelegationError>),
}

/// Registers a delegation: the delegation and its contact's email, then
/// each colleague in the order listed.
pub async fn create(
    db: &DatabaseConnection,
    event: &event::Model,
    new: &NewDelegation,
    key: &SubmissionKey,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<Sent, DbErr> {
    let window = window_of(event, now);
    if window != RegistrationWindow::Open {
        return Ok(Sent::NotOpen(window));
    }
    let refused = check_choices(db, event, &new.members, now).await?;
    if !refused.is_empty() {
        return Ok(Sent::Refused(refused));
    }
    let (delegation, token) = claim(db, event, new, key, locale, now).await?;
    let results = register_members(db, event, &delegation, &new.members, key, now).await?;
    Ok(Sent::Done { token, results })
}

/// Adds colleagues to a delegation from its page, in the order listed.
pub async fn add(
    db: &DatabaseConnection,
    event: &event::Model,
    delegation: &delegation::Model,
    members: &[Member],
    key: &SubmissionKey,
    now: DateTime<Utc>,
) -> Result<Result<Vec<MemberResult>, Sent>, DbErr> {
    let window = window_of(event, now);
    if window != RegistrationWindow::Open {
        return Ok(Err(Sent::NotOpen(window)));
    }
    let refused = check_choices(db, event, members, now).await?;
    if !refused.is_empty() {
        return Ok(Err(Sent::Refused(refused)));
    }
    register_members(db, event, delegation, members, key, now)
        .await
        .map(Ok)
}

/// Every colleague's choices checked before anyone is registered, so a
/// choice that cannot be made is a field error on the form.
async fn check_choices(
    db: &DatabaseConnection,
    event: &event::Model,
    members: &[Member],
    now: DateTime<Utc>,
) -> Result<Vec<DelegationError>, DbErr> {
    if members.iter().all(|m| m.new.choices.is_empty()) {
        return Ok(Vec::new());
    }
    let offers = choices::offers(db, event.id).await?;
    Ok(members
        .iter()
        .filter_map(|m| {
            let problem = choice::check(&offers, &[], &m.new.choices, now, true).err()?;
            Some(DelegationError {
                place: Place::Member(m.row, Part::Choices),
                problem,
            })
        })
        .collect())
}

/// Claims the form's key for a new delegation (with its contact's email),
/// or finds the delegation an earlier sending of the same form made.
async fn claim(
    db: &DatabaseConnection,
    event: &event::Model,
    new: &NewDelegation,
    key: &SubmissionKey,
    locale: Locale,
    now: DateTime<Utc>,
) -> Result<(delegation::Model, ManageToken), DbErr> {
    let scoped = SubmissionKey::derive(
        key.as_str().as_bytes(),
        &format!("delegation:{}", new.fingerprint()),
    );
    let txn = db::begin_write(db).await?;
    let token = ManageToken::generate();
    let claimed = form_submission::Entity::insert(form_submission::ActiveModel {
        key_hash: Set(scoped.hash()),
        registration_id: Set(None),
        sealed_token: Set(Some(token.seal(&scoped))),
        outcome: Set(SubmissionOutcome::Delegation),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&txn)
    .await?;
    if !matches!(claimed, TryInsertResult::Inserted(1)) {
        let earlier = form_submission::Entity::find_by_id(scoped.hash())
            .one(&txn)
            .await?;
        let token = earlier
            .and_then(|row| ManageToken::unseal(row.sealed_token.as_deref()?, &scoped))
            .ok_or_else(|| DbErr::Custom("a delegation's form key without its token".into()))?;
        let delegation = delegations::find_by_token_hash(&txn, &token.hash())
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("delegation".into()))?;
        txn.commit().await?;
        return Ok((delegation, token));
    }
    let (municipality_code, organisation) = match &new.affiliation {
        Affiliation::Municipality(code) => (Some(code.clone()), None),
        Affiliation::Organisation(name) => (None, Some(name.clone())),
    };
    let delegation = delegation::Entity::insert(delegation::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event.id),
        contact_name: Set(new.contact_name.clone()),
        contact_email: Set(new.contact_email.as_str().to_owned()),
        contact_email_normalized: Set(new.contact_email.normalized().to_owned()),
        municipality_code: Set(municipality_code),
        organisation: Set(organisation),
        locale: Set(locale.as_str().to_owned()),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await?;
    crate::mail::enqueue::enqueue_delegation(&txn, &delegation, &token, now).await?;
    crate::mail::wake::commit(txn).await?;
    Ok((delegation, token))
}

/// Registers each colleague in the order listed.
async fn register_members(
    db: &DatabaseConnection,
    event: &event::Model,
    delegation: &delegation::Model,
    members: &[Member],
    key: &SubmissionKey,
    now: DateTime<Utc>,
) -> Result<Vec<MemberResult>, DbErr> {
    let locale = Locale::parse(&delegation.locale).unwrap_or_default();
    let contact = contact_label(&delegation.contact_name, &delegation.contact_email);
    let options = RegisterOptions {
        delegation: Some(Delegated {
            id: delegation.id,
            contact_email: &delegation.contact_email_normalized,
            contact: &contact,
        }),
        ..Default::default()
    };
    let mut results = Vec::with_capacity(members.len());
    for member in members {
        // The key is derived per colleague (from their data) inside.
        let outcome = register_with(db, event, &member.new, key, locale, now, options).await?;
        let outcome = match outcome {
            RegisterOutcome::Registered { id, .. } | RegisterOutcome::Repeated { id, .. } => {
                let row = registration::Entity::find_by_id(id)
                    .one(db)
                    .await?
                    .ok_or_else(|| DbErr::RecordNotFound(id.to_string()))?;
                MemberOutcome::Registered {
                    id,
                    status: row.status,
                    waitlist_position: registrations::waitlist_position(db, &row).await?,
                }
            }
            RegisterOutcome::AlreadyRegistered => MemberOutcome::AlreadyRegistered,
            RegisterOutcome::Refused(error) => MemberOutcome::Refused(error.problem),
            RegisterOutcome::NotOpen(_) => MemberOutcome::NotOpen,
        };
        results.push(MemberResult {
            row: member.row,
            name: member.new.name.clone(),
            email: member.new.email.as_str().to_owned(),
            outcome,
        });
    }
    Ok(results)
}

/// What a colleague still has to fill in themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// They have a meal in their choices and have not said what they eat.
    Diet,
    /// Required questions they have not answered (how many).
    Answers(usize),
}

/// One colleague on the delegation's page.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub registration: registration::Model,
    pub waitlist_position: Option<u64>,
    /// What they still have to fill in themselves.
    pub missing: Vec<Missing>,
}

/// A delegation with its event and colleagues, as its page shows them.
#[derive(Debug, Clone)]
pub struct DelegationPage {
    pub delegation: delegation::Model,
    pub event: event::Model,
    pub programme: Vec<programme_item::Model>,
    pub members: Vec<MemberView>,
}

impl DelegationPage {
    /// The delegation's municipality or organisation, as a registration has it.
    pub fn affiliation(&self) -> Affiliation {
        match (
            &self.delegation.municipality_code,
            &self.delegation.organisation,
        ) {
            (Some(code), _) => Affiliation::Municipality(code.clone()),
            (None, name) => Affiliation::Organisation(name.clone().unwrap_or_default()),
        }
    }
}

/// Opens the delegation a contact's token names, or `None` for any
/// unknown or malformed token.
pub async fn open(db: &DatabaseConnection, token: &str) -> Result<Option<DelegationPage>, DbErr> {
    let Some(token) = ManageToken::parse(token) else {
        return Ok(None);
    };
    let Some(delegation) = delegations::find_by_token_hash(db, &token.hash()).await? else {
        return Ok(None);
    };
    let Some(event) = events::find_by_id(db, delegation.event_id).await? else {
        return Ok(None);
    };
    let programme = events::programme(db, event.id).await?;
    let questions = crate::db::questions::for_event(db, event.id).await?;
    let mut members = Vec::new();
    for registration in delegations::members(db, delegation.id).await? {
        let missing = if registration.status == RegistrationStatus::Cancelled {
            Vec::new()
        } else {
            missing_of(db, &registration, &programme, &questions).await?
        };
        members.push(MemberView {
            waitlist_position: registrations::waitlist_position(db, &registration).await?,
            registration,
            missing,
        });
    }
    Ok(Some(DelegationPage {
        delegation,
        event,
        programme,
        members,
    }))
}

/// What a colleague has not filled in yet.
async fn missing_of(
    db: &DatabaseConnection,
    registration: &registration::Model,
    programme: &[programme_item::Model],
    questions: &[Question],
) -> Result<Vec<Missing>, DbErr> {
    let mut missing = Vec::new();
    let lines = crate::db::choices::lines(db, registration.id).await?;
    let eats = lines.iter().any(|line| {
        line.status.chosen()
            && programme
                .iter()
                .any(|item| item.id == line.item_id && item.is_meal)
    });
    if eats && registration.diet.is_none() {
        missing.push(Missing::Diet);
    }
    if !questions.is_empty() {
        let answers = crate::db::questions::answers_of(db, questions, registration.id).await?;
        let unanswered = crate::domain::question::missing(questions, &answers, Asker::Registrant);
        if !unanswered.is_empty() {
            missing.push(Missing::Answers(unanswered.len()));
        }
    }
    Ok(missing)
}

/// Cancels one colleague of the delegation, as they could themselves
/// (their invite is withdrawn, the next on the waitlist moves up). Returns
/// `false` when the registration is not one of this delegation's.
pub async fn cancel_member(
    db: &DatabaseConnection,
    delegation: &delegation::Model,
    registration_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(member) = registration::Entity::find_by_id(registration_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    if member.delegation_id != Some(delegation.id) {
        return Ok(false);
    }
    manage::cancel(db, member.id, None, now).await?;
    Ok(true)
}
