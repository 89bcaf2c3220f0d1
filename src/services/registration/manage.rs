//! What a registrant does through their personal link: look, edit, cancel,
//! download and erase their data; and the link sent again.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, sea_query::Expr,
};

use super::announce::{Change, Link, announce};
use super::choices::{self, Ripple};
use super::seats;
use crate::db::entities::{event, programme_item, registration};
use crate::db::{self, events, registrations};
use crate::domain::choice::ChoiceLine;
use crate::domain::event::RegistrationStatus;
use crate::domain::question::{Answers, Asker, Question};
use crate::domain::registration::{
    BOX_TICKED, EditForm, RegistrationEdit, allergen_box, choice_box,
};
use crate::domain::status::OutboxStatus;
use crate::domain::token::ManageToken;

/// A registration together with its event, as the manage page needs them.
#[derive(Debug, Clone)]
pub struct Managed {
    pub registration: registration::Model,
    pub event: event::Model,
    pub waitlist_position: Option<u64>,
    /// The event's programme, in order.
    pub programme: Vec<programme_item::Model>,
    /// The registration's choices that still stand, by item id.
    pub choices: Vec<ChoiceLine>,
    /// The event's own questions, in order.
    pub questions: Vec<Question>,
    /// The registration's answers to them.
    pub answers: Answers,
    /// Who took the registration over, when it was handed to a substitute.
    pub replaced_by_name: Option<String>,
}

impl Managed {
    /// The required questions shown to the registrant that they have not
    /// answered (added or made required after they registered).
    pub fn missing_answers(&self) -> Vec<i32> {
        crate::domain::question::missing(&self.questions, &self.answers, Asker::Registrant)
    }
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
    let programme = events::programme(db, event.id).await?;
    let choices = crate::db::choices::lines(db, registration.id).await?;
    let questions = crate::db::questions::for_event(db, event.id).await?;
    let answers = crate::db::questions::answers_of(db, &questions, registration.id).await?;
    let replaced_by_name = match registration.replaced_by {
        Some(id) => registration::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|r| r.name),
        None => None,
    };
    Ok(Some(Managed {
        registration,
        event,
        waitlist_position,
        programme,
        choices,
        questions,
        answers,
        replaced_by_name,
    }))
}

/// The edit form filled with a registration as it stands (the boxes also
/// tick its `choices`, for the choices form on the same page).
pub fn edit_form(r: &registration::Model, choices: &[ChoiceLine]) -> EditForm {
    let allergens = crate::domain::choice::Allergen::parse_list(&r.allergens);
    let chosen = choices
        .iter()
        .map(|c| (choice_box(c.item_id), BOX_TICKED.to_owned()));
    EditForm {
        name: r.name.clone(),
        role_title: r.role_title.clone(),
        phone: r.phone.clone().unwrap_or_default(),
        dietary_needs: r.dietary_needs.clone().unwrap_or_default(),
        accessibility_needs: r.accessibility_needs.clone().unwrap_or_default(),
        diet: r.diet.clone().unwrap_or_default(),
        boxes: allergens
            .into_iter()
            .map(|a| (allergen_box(a), BOX_TICKED.to_owned()))
            .chain(chosen)
            .collect(),
    }
}

/// What an edit came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edited {
    Saved,
    /// The registration is cancelled; nothing was changed.
    Cancelled,
    /// There is no such registration (any more).
    Missing,
}

/// Saves an edit of name, role, phone and needs, and writes the
/// "registration changed" email to the outbox in the same transaction.
/// A cancelled registration cannot be edited.
pub async fn edit(
    db: &DatabaseConnection,
    registration_id: uuid::Uuid,
    edit: &RegistrationEdit,
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<Edited, DbErr> {
    let txn = db::begin_write(db).await?;
    let outcome = edit_in(&txn, registration_id, edit, link(token), now).await?;
    crate::mail::wake::commit(txn).await?;
    Ok(outcome)
}

/// The link an email written in answer to the registrant carries: the one
/// they used, if they used one.
pub(super) fn link(token: Option<&ManageToken>) -> Link<'_> {
    token.map_or(Link::None, Link::Current)
}

/// [`edit`] inside the caller's transaction.
pub(super) async fn edit_in(
    txn: &DatabaseTransaction,
    registration_id: uuid::Uuid,
    edit: &RegistrationEdit,
    link: Link<'_>,
    now: DateTime<Utc>,
) -> Result<Edited, DbErr> {
    let Some(current) = registration::Entity::find_by_id(registration_id)
        .one(txn)
        .await?
    else {
        return Ok(Edited::Missing);
    };
    if current.status == RegistrationStatus::Cancelled {
        return Ok(Edited::Cancelled);
    }
    let renamed = current.name != edit.name;
    let mut active: registration::ActiveModel = current.clone().into();
    active.name = Set(edit.name.clone());
    active.search_text = Set(registrations::search_text(
        &edit.name,
        &current.email,
        current.organisation.as_deref(),
    ));
    active.role_title = Set(edit.details.role_title.clone());
    active.phone = Set(edit.details.phone.clone());
    active.dietary_needs = Set(edit.details.dietary_needs.clone());
    active.diet = Set(edit.details.diet.diet.map(|d| d.as_str().to_owned()));
    active.allergens = Set(crate::domain::choice::Allergen::list_text(
        &edit.details.diet.allergens,
    ));
    active.accessibility_needs = Set(edit.details.accessibility_needs.clone());
    active.updated_at = Set(now);
    let saved = active.update(txn).await?;
    announce(txn, saved, Change::Edited { renamed }, link, now).await?;
    Ok(Edited::Saved)
}

/// Saves the answers to the questions `asker` is asked (the others keep
/// theirs; answers to questions not shown were dropped by the parsing).
/// Changing an answer sends no email: it changes nothing the registrant
/// was told, and a form of many questions would send many. A cancelled
/// registration cannot be changed.
pub async fn save_answers(
    db: &DatabaseConnection,
    registration_id: uuid::Uuid,
    questions: &[Question],
    answers: &Answers,
    asker: Asker,
    by: Option<&crate::db::entities::organiser::Model>,
    now: DateTime<Utc>,
) -> Result<Edited, DbErr> {
    let txn = db::begin_write(db).await?;
    let Some(current) = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
    else {
        return Ok(Edited::Missing);
    };
    if current.status == RegistrationStatus::Cancelled {
        return Ok(Edited::Cancelled);
    }
    let scope = questions
        .iter()
        .filter(|q| q.asked_of(asker))
        .map(|q| q.id)
        .collect();
    crate::db::questions::replace_answers(&txn, registration_id, &scope, answers, now).await?;
    if let Some(by) = by {
        let target = current.id.to_string();
        crate::services::audit::record(
            &txn,
            by,
            "registration.answers",
            &target,
            &current.email,
            now,
        )
        .await?;
    }
    let mut touched: registration::ActiveModel = current.into();
    touched.updated_at = Set(now);
    touched.update(&txn).await?;
    txn.commit().await?;
    Ok(Edited::Saved)
}

/// What a change of choices came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoicesChanged {
    Saved,
    /// The same choices as before: nothing to save, nothing sent.
    Unchanged,
    /// Not possible (overlap, deadline, not offered); nothing changed.
    Refused(crate::domain::registration::Problem),
    /// The registration is cancelled (or gone).
    Cancelled,
}

/// The registrant changes their programme choices: in one transaction the
/// dropped seats go to the first eligible in each queue, the new choices
/// take seats or queue, the registrant gets one email with their choices,
/// and everyone moved up gets one email each.
pub async fn change_choices(
    db: &DatabaseConnection,
    registration_id: uuid::Uuid,
    wanted: &[i32],
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<ChoicesChanged, DbErr> {
    let txn = db::begin_write(db).await?;
    let outcome = change_choices_in(&txn, registration_id, wanted, true, link(token), now).await?;
    crate::mail::wake::commit(txn).await?;
    Ok(outcome)
}

/// [`change_choices`] inside the caller's transaction; `by_registrant`
/// applies the deadlines.
pub(super) async fn change_choices_in(
    txn: &DatabaseTransaction,
    registration_id: uuid::Uuid,
    wanted: &[i32],
    by_registrant: bool,
    link: Link<'_>,
    now: DateTime<Utc>,
) -> Result<ChoicesChanged, DbErr> {
    let Some(current) = registration::Entity::find_by_id(registration_id)
        .one(txn)
        .await?
    else {
        return Ok(ChoicesChanged::Cancelled);
    };
    if current.status == RegistrationStatus::Cancelled {
        return Ok(ChoicesChanged::Cancelled);
    }
    events::lock(txn, current.event_id).await?;
    let mut ripple = Ripple::default();
    match choices::change(txn, &current, wanted, by_registrant, &mut ripple, now).await? {
        Err(problem) => return Ok(ChoicesChanged::Refused(problem)),
        Ok(false) => return Ok(ChoicesChanged::Unchanged),
        Ok(true) => {}
    }
    let mut touched: registration::ActiveModel = current.into();
    touched.updated_at = Set(now);
    let saved = touched.update(txn).await?;
    announce(txn, saved, Change::Choices(Vec::new()), link, now).await?;
    ripple.without(registration_id).announce(txn, now).await?;
    Ok(ChoicesChanged::Saved)
}

/// Cancels a registration. If it held a seat, the first person on the
/// waitlist gets it in the same transaction. Cancelling twice is harmless.
pub async fn cancel(
    db: &DatabaseConnection,
    registration_id: uuid::Uuid,
    token: Option<&ManageToken>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    cancel_in(&txn, registration_id, link(token), now).await?;
    crate::mail::wake::commit(txn).await
}

/// [`cancel`] inside the caller's transaction; returns whether this call
/// cancelled it (false when it was cancelled already).
pub(super) async fn cancel_in(
    txn: &DatabaseTransaction,
    registration_id: uuid::Uuid,
    link: Link<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(current) = registration::Entity::find_by_id(registration_id)
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    // Registrations and cancellations of one event take turns on its row.
    events::lock(txn, current.event_id).await?;
    let event = events::find_by_id(txn, current.event_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(current.event_id.to_string()))?;
    let cancelled = registration::Entity::update_many()
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
        .filter(registration::Column::Id.eq(current.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .exec(txn)
        .await?;
    if cancelled.rows_affected == 0 {
        return Ok(false);
    }
    let after = registration::Entity::find_by_id(current.id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(current.id.to_string()))?;
    let held_seat = current.status == RegistrationStatus::Confirmed;
    announce(txn, after, Change::Cancelled { held_seat }, link, now).await?;
    // Every consequence in this transaction: each item seat goes to the
    // first eligible in that item's queue, then the event seat to the first
    // eligible on the waitlist; each of them hears of it in one email.
    let mut ripple = Ripple::default();
    choices::drop(txn, current.id, None, false, &mut ripple, now).await?;
    if held_seat {
        let municipality = current.municipality_code.as_deref();
        seats::release(txn, &event, municipality, &mut ripple, now).await?;
    }
    ripple.without(current.id).announce(txn, now).await?;
    Ok(true)
}

/// Makes every link of a registration stop working except `keep`, the one
/// the registrant is using (they asked for it on their page).
pub async fn revoke_other_links(
    db: &DatabaseConnection,
    registration_id: uuid::Uuid,
    keep: &ManageToken,
) -> Result<u64, DbErr> {
    registrations::revoke_links(db, registration_id, Some(keep)).await
}

/// How long after one "your link again" email another may be sent, so that
/// someone typing another person's address cannot flood their inbox.
const LINK_AGAIN_INTERVAL: Duration = Duration::minutes(10);

/// Emails an existing registration its manage link again, at most once per
/// [`LINK_AGAIN_INTERVAL`]. Runs in the caller's transaction.
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
    announce(txn, existing, Change::LinkAgain, Link::Fresh, now).await?;
    Ok(())
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
    let choices: Vec<serde_json::Value> = managed
        .choices
        .iter()
        .map(|line| {
            let item = managed.programme.iter().find(|i| i.id == line.item_id);
            serde_json::json!({
                "item": item.map(|i| i.title.clone()), "status": line.status,
                "queue_position": line.position,
            })
        })
        .collect();
    let diet = crate::domain::choice::DietChoice::from_stored(r.diet.as_deref(), &r.allergens);
    // Where the data came from, when a colleague registered the person.
    let registered_by = match r.delegation_id {
        Some(id) => crate::db::entities::delegation::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|d| serde_json::json!({ "name": d.contact_name, "email": d.contact_email })),
        None => None,
    };
    // Every answer, the organisers' own questions' too: all that is stored.
    let answers: Vec<serde_json::Value> = managed
        .questions
        .iter()
        .filter_map(|q| {
            let value = managed.answers.get(&q.id)?;
            let locale = crate::i18n::Locale::parse(&r.locale).unwrap_or_default();
            Some(serde_json::json!({
                "key": q.key, "question": crate::i18n::questions::label(q, locale),
                "value": value, "text": crate::i18n::questions::answer_text(value, q, locale),
            }))
        })
        .collect();
    Ok(serde_json::json!({
        "registration": {
            "diet": diet.diet, "allergens": diet.allergens, "choices": choices, "answers": answers,
            "id": r.id, "name": r.name, "email": r.email,
            "municipality_code": r.municipality_code, "organisation": r.organisation,
            "affiliation": affiliation, "role_title": r.role_title, "phone": r.phone,
            "dietary_needs": r.dietary_needs, "accessibility_needs": r.accessibility_needs,
            "language": r.locale, "status": r.status, "waitlist_position": managed.waitlist_position,
            "consented_at": r.consented_at, "privacy_notice_version": r.consent_version,
            "participant_list_consented_at": r.participant_list_consented_at, "created_at": r.created_at, "updated_at": r.updated_at,
            "cancelled_at": r.cancelled_at, "checked_in_at": r.checked_in_at,
            "registered_by": registered_by,
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
    cancel_in(&txn, registration_id, Link::None, now).await?;
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
    row.diet = Set(None);
    row.allergens = Set(String::new());
    row.accessibility_needs = Set(None);
    row.search_text = Set(String::new());
    // Every link stops working: nothing personal is left behind them.
    row.manage_token_hash = Set(ManageToken::generate().hash());
    row.updated_at = Set(now);
    row.update(&txn).await?;
    crate::db::questions::erase_answers_of(&txn, registration_id).await?;
    registrations::revoke_links(&txn, registration_id, None).await?;
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
        let is_cancel = payload.kind.ends_registration();
        if message.status == OutboxStatus::Sent {
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
    crate::mail::wake::commit(txn).await
}
