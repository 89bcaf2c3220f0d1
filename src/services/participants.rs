//! The participant list: confirmed registrants who agreed to appear on it,
//! with name, role and municipality (or organisation).
//!
//! Decisions: consent is off unless the registrant ticks the box (on the
//! form or on their page), and its time is stored like the privacy
//! consent's. The list is read from the registrations at each request, so a
//! withdrawn consent (or a cancellation) removes the person at once. Only
//! confirmed registrants see the list (on their own page); a waitlisted or
//! cancelled registrant does not. Organisers export it like the other lists,
//! and the export is audited.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::db::entities::{event, municipality, organiser, registration};
use crate::domain::event::RegistrationStatus;
use crate::services::audit;

/// One person on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub role_title: String,
    /// The member municipality's name, or the organisation.
    pub affiliation: String,
}

/// The event's participant list: confirmed registrants who consented,
/// by name.
pub async fn list(
    db: &impl ConnectionTrait,
    event_id: i32,
    members: &[municipality::Model],
) -> Result<Vec<Listed>, DbErr> {
    let rows = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::ParticipantListConsentedAt.is_not_null())
        .filter(registration::Column::Name.ne(""))
        .order_by_asc(registration::Column::Name)
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let affiliation = match &r.municipality_code {
                Some(code) => members
                    .iter()
                    .find(|m| &m.code == code)
                    .map(|m| m.name.clone())
                    .unwrap_or_else(|| code.clone()),
                None => r.organisation.clone().unwrap_or_default(),
            };
            Listed {
                name: r.name,
                role_title: r.role_title,
                affiliation,
            }
        })
        .collect())
}

/// Gives (`listed`) or withdraws the registrant's consent to appear on the
/// list. Giving it again keeps the first time; a cancelled registration is
/// left as it is. Returns whether the registration is now listed.
pub async fn set_consent(
    db: &impl ConnectionTrait,
    registration_id: uuid::Uuid,
    listed: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let update = registration::Entity::update_many()
        .filter(registration::Column::Id.eq(registration_id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled));
    if listed {
        update
            .col_expr(
                registration::Column::ParticipantListConsentedAt,
                Expr::value(Some(now)),
            )
            .filter(registration::Column::ParticipantListConsentedAt.is_null())
            .exec(db)
            .await?;
    } else {
        update
            .col_expr(
                registration::Column::ParticipantListConsentedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .exec(db)
            .await?;
    }
    let now_listed = registration::Entity::find_by_id(registration_id)
        .one(db)
        .await?
        .is_some_and(|r| r.participant_list_consented_at.is_some());
    Ok(now_listed)
}

/// The list for an organiser's export; the export is written to the audit
/// log (it holds personal data).
pub async fn for_export(
    db: &impl ConnectionTrait,
    event: &event::Model,
    members: &[municipality::Model],
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<Vec<Listed>, DbErr> {
    let listed = list(db, event.id, members).await?;
    audit::record(
        db,
        who,
        "participants.export",
        &event.slug,
        &format!("{} listed", listed.len()),
        now,
    )
    .await?;
    Ok(listed)
}
