//! "I can't come; my colleague goes instead." A registrant (through their
//! link) or an organiser hands a registration to a substitute in one
//! transaction.
//!
//! Decisions, so that a reader need not rebuild them:
//! - The substitute gets a **new registration row** (their own id, UID,
//!   links, consent and audit trail); the old row is cancelled with
//!   `replaced_by` naming the new one. The old person's links keep opening
//!   the old (cancelled) row, never the new one.
//! - The event seat, the event waitlist number, and every programme choice
//!   (item seat or queue number) **move** to the new row: no counter is
//!   released and taken again, so nobody is promoted in between and a full
//!   event cannot block the swap.
//! - The old invite is cancelled (CANCEL on the old UID, SEQUENCE + 1); the
//!   substitute's invite is a REQUEST on the new UID at SEQUENCE 0: it is a
//!   different attendee's calendar entry, not a new version of the old one.
//! - Cap per member municipality: a substitute from the same municipality
//!   keeps the place. From another member municipality whose cap is full,
//!   a registrant's swap is refused (field error on the municipality); an
//!   organiser may pass the cap, as with a promotion. The old municipality's
//!   place is freed, and a waiting person it held back may move up.
//! - A choice past its deadline (a visitor list may already be sent) passes
//!   over only when an organiser ticks "keep"; otherwise, and always for a
//!   registrant, it is dropped (flagged late) and its seat goes to the first
//!   eligible in that item's queue, as any dropped choice.
//! - Personal details (phone, diet, allergies, needs) are not passed on:
//!   the substitute fills them in through their own link.
//! - A substitute already registered is refused, and (as on the public
//!   form) their address is emailed its own link again.
//! - A registrant may hand over until the event starts; an organiser until
//!   the event is cancelled. The audit log names both people.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

use super::announce::{Change, Link, announce};
use super::choices::{self, Ripple};
use super::organiser::Organiser;
use super::seats;
use crate::db::entities::{registration, registration_choice};
use crate::db::{self, events, registrations};
use crate::domain::choice::{ChoiceStatus, open_for_registrant};
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::domain::registration::{Affiliation, Field, FieldError, Problem};
use crate::domain::substitute::Substitute;
use crate::domain::token::ManageToken;
use crate::services::audit;

/// Who hands a registration over.
#[derive(Debug, Clone, Copy)]
pub enum HandedBy<'a> {
    /// The registrant, through their own link.
    Registrant,
    /// An organiser (back-office or API); `keep_late_choices` passes over
    /// choices whose deadline has passed.
    Organiser {
        by: Organiser<'a>,
        keep_late_choices: bool,
    },
}

/// What a substitution came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Substituted {
    /// Done: the substitute's new registration.
    Done { id: Uuid },
    /// Not possible for this substitute; nothing changed.
    Refused(FieldError),
    /// The registration is cancelled or gone, the event is cancelled, or
    /// (for a registrant) it has started; nothing changed.
    NotApplicable,
}

/// Hands registration `registration_id` over to `substitute`, in one
/// transaction that keeps every invariant of a registration: the seat (or
/// waitlist number) and the choices move without being freed, one active
/// registration per address (checked, and the unique index answers a
/// race), the cap per municipality, and the emails (CANCEL to the old
/// person, REQUEST and a fresh link to the new one) and audit entry written
/// with the change.
pub async fn hand_over(
    db: &DatabaseConnection,
    registration_id: Uuid,
    substitute: &Substitute,
    by: HandedBy<'_>,
    now: DateTime<Utc>,
) -> Result<Substituted, DbErr> {
    match hand_over_once(db, registration_id, substitute, by, now).await {
        // Another change registered the same address at the same moment.
        Err(err) if db::is_unique_violation(&err) => Ok(Substituted::Refused(FieldError {
            field: Field::Email,
            problem: Problem::AlreadyRegistered,
        })),
        other => other,
    }
}

async fn hand_over_once(
    db: &DatabaseConnection,
    registration_id: Uuid,
    substitute: &Substitute,
    by: HandedBy<'_>,
    now: DateTime<Utc>,
) -> Result<Substituted, DbErr> {
    let txn = db::begin_write(db).await?;
    let Some(first_read) = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
    else {
        return Ok(Substituted::NotApplicable);
    };
    // Locks in one order on every path: the event, then its items by id.
    events::lock(&txn, first_read.event_id).await?;
    let Some(old) = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
    else {
        return Ok(Substituted::NotApplicable);
    };
    let event = events::find_by_id(&txn, old.event_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(old.event_id.to_string()))?;
    let by_registrant = matches!(by, HandedBy::Registrant);
    if old.status == RegistrationStatus::Cancelled
        || event.status == EventStatus::Cancelled
        || (by_registrant && now >= event.starts_at)
    {
        return Ok(Substituted::NotApplicable);
    }
    let refused = |field, problem| Ok(Substituted::Refused(FieldError { field, problem }));
    let email = substitute.email.normalized();
    if email == old.email_normalized {
        return refused(Field::Email, Problem::SamePerson);
    }
    if let Some(existing) = registrations::find_active_by_email(&txn, event.id, email).await? {
        // As on the public form: the address gets its own link again (at
        // most every few minutes); whoever typed it never sees it.
        super::manage::send_link_again(&txn, existing, now).await?;
        crate::mail::wake::commit(txn).await?;
        return refused(Field::Email, Problem::AlreadyRegistered);
    }
    let (municipality_code, organisation) = match &substitute.affiliation {
        Affiliation::Municipality(code) => (Some(code.clone()), None),
        Affiliation::Organisation(name) => (None, Some(name.clone())),
    };
    let held_seat = old.status == RegistrationStatus::Confirmed;
    let mut ripple = Ripple::default();
    let mut municipality_freed = false;
    if held_seat && municipality_code != old.municipality_code {
        if let Some(code) = municipality_code.as_deref() {
            let cap = event.municipality_cap.unwrap_or(i32::MAX);
            if !crate::db::choices::try_take_municipality_seat(&txn, event.id, code, cap).await? {
                if by_registrant {
                    // Dropping the transaction undoes everything.
                    return refused(Field::Municipality, Problem::CapFull);
                }
                // An organiser may pass the cap; the count still includes
                // the substitute.
                crate::db::choices::count_municipality_seat(&txn, event.id, code).await?;
            }
        }
        if let Some(code) = old.municipality_code.as_deref() {
            crate::db::choices::release_municipality_seat(&txn, event.id, code).await?;
            municipality_freed = true;
        }
    }

    // The old registration's choices: lock all their items first, in id
    // order, then drop the ones past their deadline that do not pass over.
    let keep_late = matches!(
        by,
        HandedBy::Organiser {
            keep_late_choices: true,
            ..
        }
    );
    let offers = choices::offers(&txn, event.id).await?;
    let closed = |item_id: i32| {
        offers
            .iter()
            .any(|o| o.id == item_id && !open_for_registrant(o.deadline, now))
    };
    let chosen = crate::db::choices::of_registration(&txn, old.id).await?;
    let item_ids: Vec<i32> = chosen.iter().map(|c| c.item_id).collect();
    crate::db::choices::lock_items(&txn, &item_ids).await?;
    let late_dropped: Vec<i32> = item_ids
        .iter()
        .copied()
        .filter(|id| closed(*id) && !keep_late)
        .collect();
    if !late_dropped.is_empty() {
        choices::drop(&txn, old.id, Some(&late_dropped), true, &mut ripple, now).await?;
    }

    // The old registration ends first (freeing its waitlist number and its
    // address), then the new one takes the same status and number.
    let new_id = Uuid::now_v7();
    let ended = registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(registration::Column::CancelledAt, Expr::value(now))
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            registration::Column::WaitlistOrder,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(registration::Column::ReplacedBy, Expr::value(new_id))
        .filter(registration::Column::Id.eq(old.id))
        .filter(registration::Column::Status.eq(old.status))
        .exec(&txn)
        .await?;
    if ended.rows_affected != 1 {
        return Ok(Substituted::NotApplicable);
    }
    let token = ManageToken::generate();
    let name = substitute.name.clone();
    let new = registration::ActiveModel {
        id: Set(new_id),
        event_id: Set(event.id),
        name: Set(name.clone()),
        email: Set(substitute.email.as_str().to_owned()),
        email_normalized: Set(email.to_owned()),
        municipality_code: Set(municipality_code),
        organisation: Set(organisation.clone()),
        role_title: Set(substitute.role_title.clone()),
        phone: Set(None),
        dietary_needs: Set(None),
        diet: Set(None),
        allergens: Set(String::new()),
        accessibility_needs: Set(None),
        // The same language as the person who handed over: usually a
        // colleague in the same organisation; they can read either.
        locale: Set(old.locale.clone()),
        consented_at: Set(now),
        status: Set(old.status),
        waitlist_order: Set(old.waitlist_order),
        manage_token_hash: Set(token.hash()),
        calendar_sequence: Set(0),
        link_resent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        cancelled_at: Set(None),
        checked_in_at: Set(None),
        consent_version: Set(crate::domain::registration::NOTICE_VERSION.to_owned()),
        search_text: Set(registrations::search_text(
            &name,
            substitute.email.as_str(),
            organisation.as_deref(),
        )),
        replaced_by: Set(None),
        // A delegation's seat stays in the delegation: its contact sees
        // who took it over.
        delegation_id: Set(old.delegation_id),
        // Consent is personal: the substitute has not given it.
        participant_list_consented_at: Set(None),
    };
    let new = registration::Entity::insert(new)
        .exec_with_returning(&txn)
        .await?;
    registrations::add_link(&txn, new.id, &token, now).await?;
    pass_choices_over(&txn, old.id, new.id, &closed, now).await?;
    reset_personal_answers(&txn, old.id, new.id).await?;

    // A place freed under the old municipality's cap may let a waiting
    // person of that municipality move up (only if a seat is free).
    if municipality_freed && event.municipality_cap.is_some() {
        seats::fill(&txn, &event, &mut ripple, now).await?;
    }

    let ended = registration::Entity::find_by_id(old.id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(old.id.to_string()))?;
    let handed_over = Change::HandedOver {
        held_seat,
        to: name.clone(),
    };
    announce(&txn, ended, handed_over, Link::None, now).await?;
    let took_over = Change::TookOver {
        from: old.name.clone(),
    };
    announce(&txn, new, took_over, Link::Current(&token), now).await?;
    ripple
        .without(old.id)
        .without(new_id)
        .announce(&txn, now)
        .await?;

    let details = format!(
        "{} <{}> → {} <{}>",
        old.name,
        old.email,
        name,
        substitute.email.as_str()
    );
    match by {
        HandedBy::Registrant => {
            audit::record_registrant(
                &txn,
                &old.email,
                "registration.substitute",
                &event.slug,
                &details,
                now,
            )
            .await?
        }
        HandedBy::Organiser { by, .. } => {
            let details = match by.via {
                Some(via) => format!("{details} (api: {via})"),
                None => details,
            };
            audit::record(
                &txn,
                by.account,
                "registration.substitute",
                &event.slug,
                &details,
                now,
            )
            .await?
        }
    }
    crate::mail::wake::commit(txn).await?;
    Ok(Substituted::Done { id: new_id })
}

/// Moves every choice still standing from `old_id` to `new_id` in place:
/// the item seat or the queue number goes with it, so no counter changes
/// and nobody else moves. A choice past its deadline that passes over (an
/// organiser kept it) is flagged late, so lists printed before show it as
/// changed. The items are locked already.
async fn pass_choices_over(
    txn: &impl ConnectionTrait,
    old_id: Uuid,
    new_id: Uuid,
    closed: &(dyn Fn(i32) -> bool + Sync),
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for choice in crate::db::choices::of_registration(txn, old_id).await? {
        registration_choice::Entity::update_many()
            .col_expr(
                registration_choice::Column::Status,
                Expr::value(ChoiceStatus::Dropped),
            )
            .col_expr(
                registration_choice::Column::WaitlistOrder,
                Expr::value(Option::<i32>::None),
            )
            .col_expr(registration_choice::Column::UpdatedAt, Expr::value(now))
            .filter(registration_choice::Column::Id.eq(choice.id))
            .exec(txn)
            .await?;
        registration_choice::Entity::insert(registration_choice::ActiveModel {
            registration_id: Set(new_id),
            item_id: Set(choice.item_id),
            status: Set(choice.status),
            waitlist_order: Set(choice.waitlist_order),
            late: Set(choice.late || closed(choice.item_id)),
            checked_in_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// Answers that belong to the person are reset; answers about the booking
/// pass over. Decision: the public questions are asked of a person ("Vill
/// du delta i paneldebatten?", a sensitive answer), so the substitute
/// starts without them and is asked on their own page ("complete your
/// answers"); the organisers' own questions ("Faktureringsreferens") are
/// about the seat the municipality booked, and are copied to the new
/// registration. The old registration keeps its answers until it is
/// anonymised like any cancelled one.
async fn reset_personal_answers(
    txn: &impl ConnectionTrait,
    old_id: Uuid,
    new_id: Uuid,
) -> Result<(), DbErr> {
    use crate::db::entities::{answer, answer_option, question};
    use crate::domain::question::Audience;
    let organisers_own = sea_orm::sea_query::Query::select()
        .column(question::Column::Id)
        .from(question::Entity)
        .and_where(question::Column::Audience.eq(Audience::Organisers))
        .to_owned();
    let kept = answer::Entity::find()
        .filter(answer::Column::RegistrationId.eq(old_id))
        .filter(answer::Column::QuestionId.in_subquery(organisers_own))
        .all(txn)
        .await?;
    for old in kept {
        let copied = answer::Entity::insert(answer::ActiveModel {
            registration_id: Set(new_id),
            question_id: Set(old.question_id),
            text_value: Set(old.text_value.clone()),
            number_value: Set(old.number_value),
            flag_value: Set(old.flag_value),
            date_value: Set(old.date_value),
            created_at: Set(old.created_at),
            updated_at: Set(old.updated_at),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        let options = answer_option::Entity::find()
            .filter(answer_option::Column::AnswerId.eq(old.id))
            .all(txn)
            .await?;
        for option in options {
            answer_option::Entity::insert(answer_option::ActiveModel {
                answer_id: Set(copied.id),
                option_id: Set(option.option_id),
            })
            .exec_without_returning(txn)
            .await?;
        }
    }
    Ok(())
}
