//! What an organiser does to one registration, in the back-office or
//! through the API. Each action is one transaction that also writes its
//! audit entry, so the log holds exactly the changes that happened.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::announce::{Change, Link, announce};
use super::choices::Ripple;
use super::manage::{self, Edited};
use super::seats;
use crate::db::entities::{event, registration};
use crate::db::{self, events};
use crate::domain::event::RegistrationStatus;
use crate::domain::registration::RegistrationEdit;
use crate::services::attendees::find;
use crate::services::audit;

/// What an organiser can do to one registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Cancel,
    Promote,
    ResendConfirmation,
    CheckIn,
    UndoCheckIn,
}

impl Action {
    /// The action's name in the audit log.
    fn audit_name(self) -> &'static str {
        match self {
            Action::Cancel => "registration.cancel",
            Action::Promote => "registration.promote",
            Action::ResendConfirmation => "registration.resend",
            Action::CheckIn => "registration.checkin",
            Action::UndoCheckIn => "registration.undo_checkin",
        }
    }
}

/// Why an action could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionRefused {
    /// Promote: every seat is taken; raise the capacity first.
    NoSeat,
    /// The registration is not in a state the action applies to.
    NotApplicable,
}

pub use crate::services::audit::Actor as Organiser;

/// Carries out an organiser action and records it in the audit log, in one
/// transaction. A refused action changes nothing and is not logged.
pub async fn act(
    db: &DatabaseConnection,
    event: &event::Model,
    target: &registration::Model,
    action: Action,
    by: Organiser<'_>,
    now: DateTime<Utc>,
) -> Result<Result<(), ActionRefused>, DbErr> {
    let txn = db::begin_write(db).await?;
    events::lock(&txn, event.id).await?;
    let Some(current) = find(&txn, event, target.id).await? else {
        return Ok(Err(ActionRefused::NotApplicable));
    };
    let label = format!("{} <{}>", current.name, current.email);
    let status = current.status;
    let done = match action {
        Action::Cancel => manage::cancel_in(&txn, current.id, Link::None, now).await?,
        Action::Promote => {
            if status != RegistrationStatus::Waitlisted {
                false
            } else if !events::try_take_seat(&txn, event.id).await? {
                return Ok(Err(ActionRefused::NoSeat));
            } else {
                // An organiser may pass the cap per municipality (as they
                // may add someone after registration closed); the count
                // still includes the promoted person.
                if let Some(code) = current.municipality_code.as_deref() {
                    crate::db::choices::count_municipality_seat(&txn, event.id, code).await?;
                }
                let mut ripple = Ripple::default();
                let moved = seats::promote(&txn, &current, &mut ripple, now).await?;
                ripple.announce(&txn, now).await?;
                moved
            }
        }
        Action::ResendConfirmation => {
            let active = status != RegistrationStatus::Cancelled;
            if active {
                announce(&txn, current, Change::Resent, Link::Fresh, now).await?;
            }
            active
        }
        Action::CheckIn | Action::UndoCheckIn => {
            let confirmed = status == RegistrationStatus::Confirmed;
            if confirmed {
                let at = (action == Action::CheckIn).then_some(now);
                registration::Entity::update_many()
                    .col_expr(registration::Column::CheckedInAt, Expr::value(at))
                    .filter(registration::Column::Id.eq(current.id))
                    .exec(&txn)
                    .await?;
            }
            confirmed
        }
    };
    if !done {
        // Dropping the transaction rolls back a seat taken for a promotion.
        return Ok(Err(ActionRefused::NotApplicable));
    }
    audit::record(
        &txn,
        by.account,
        action.audit_name(),
        &event.slug,
        &label,
        now,
    )
    .await?;
    crate::mail::wake::commit(txn).await?;
    Ok(Ok(()))
}

/// An organiser edits a registration: the same rules and emails as the
/// registrant's own edit (the email carries no link: the organiser does not
/// hold one), with the audit entry in the same transaction.
pub async fn edit(
    db: &DatabaseConnection,
    event: &event::Model,
    target: &registration::Model,
    edit: &RegistrationEdit,
    by: Organiser<'_>,
    now: DateTime<Utc>,
) -> Result<Edited, DbErr> {
    let txn = db::begin_write(db).await?;
    let outcome = manage::edit_in(&txn, target.id, edit, Link::None, now).await?;
    if outcome == Edited::Saved {
        audit::record(
            &txn,
            by.account,
            "registration.edit",
            &event.slug,
            &target.email,
            now,
        )
        .await?;
    }
    crate::mail::wake::commit(txn).await?;
    Ok(outcome)
}

/// An organiser changes someone's programme choices: the registrant's own
/// rules and emails, except that an item past its deadline may change (the
/// change is flagged late); the audit entry is in the same transaction.
pub async fn change_choices(
    db: &DatabaseConnection,
    event: &event::Model,
    target: &registration::Model,
    wanted: &[i32],
    by: Organiser<'_>,
    now: DateTime<Utc>,
) -> Result<manage::ChoicesChanged, DbErr> {
    let txn = db::begin_write(db).await?;
    let outcome =
        manage::change_choices_in(&txn, target.id, wanted, false, Link::None, now).await?;
    if outcome == manage::ChoicesChanged::Saved {
        let details = format!("{} <{}>: {wanted:?}", target.name, target.email);
        audit::record(
            &txn,
            by.account,
            "registration.choices",
            &event.slug,
            &by.details(&details),
            now,
        )
        .await?;
    }
    crate::mail::wake::commit(txn).await?;
    Ok(outcome)
}
