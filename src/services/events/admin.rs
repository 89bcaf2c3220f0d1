//! Events as the back-office manages them: create, edit, duplicate, and
//! change status, each recorded in the audit log.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};

use super::changes::{self, EventChange};
use super::import::{EventSpec, Imported, ProgrammeSpec, SaveAudit, save};
use crate::db::entities::{event, organiser, programme_item, registration};
use crate::db::{self, events};
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::domain::event_form::{
    CheckedEvent, EventForm, NEW_EVENT_STATUS, ProgrammeLine, programme_text, slugify,
};
use crate::services::audit;

fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// The form, filled in from a stored event (times in its local zone).
pub fn form_from(event: &event::Model, programme: &[programme_item::Model]) -> EventForm {
    let tz = crate::i18n::format::zone(&event.time_zone);
    let lines: Vec<ProgrammeLine> = programme
        .iter()
        .map(|item| ProgrammeLine {
            starts_at: item.starts_at.with_timezone(&tz).naive_local(),
            ends_at: item.ends_at.map(|e| e.with_timezone(&tz).naive_local()),
            title: item.title.clone(),
            place: item.place.clone(),
        })
        .collect();
    EventForm {
        title: event.title.clone(),
        slug: event.slug.clone(),
        kind: event.kind.to_string(),
        summary: event.summary.clone(),
        description: event.description.clone(),
        themes: event.themes.split('\n').collect::<Vec<_>>().join(", "),
        venue_name: event.venue_name.clone(),
        venue_address: event.venue_address.clone(),
        host_municipality: event.host_municipality_code.clone().unwrap_or_default(),
        starts_at: local(event.starts_at, tz),
        ends_at: local(event.ends_at, tz),
        capacity: event.capacity.map(|c| c.to_string()).unwrap_or_default(),
        registration_opens_at: event
            .registration_opens_at
            .map(|t| local(t, tz))
            .unwrap_or_default(),
        registration_closes_at: event
            .registration_closes_at
            .map(|t| local(t, tz))
            .unwrap_or_default(),
        visibility: event.visibility.to_string(),
        organiser_email: event.organiser_email.clone(),
        programme: programme_text(&lines),
        confirm: String::new(),
    }
}

fn spec_from(checked: &CheckedEvent, slug: String, status: EventStatus) -> EventSpec {
    EventSpec {
        questions: Vec::new(),
        slug,
        kind: checked.kind,
        title: checked.title.clone(),
        summary: checked.summary.clone(),
        description: checked.description.clone(),
        themes: checked.themes.clone(),
        venue_name: checked.venue_name.clone(),
        venue_address: checked.venue_address.clone(),
        host_municipality: checked.host_municipality.clone(),
        starts_at: checked.starts_at,
        ends_at: checked.ends_at,
        time_zone: "Europe/Stockholm".to_owned(),
        capacity: checked.capacity,
        registration_opens_at: checked.registration_opens_at,
        registration_closes_at: checked.registration_closes_at,
        status,
        visibility: checked.visibility,
        organiser_email: checked.organiser_email.clone(),
        programme: checked
            .programme
            .iter()
            .map(|p| ProgrammeSpec {
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                title: p.title.clone(),
                place: p.place.clone(),
                key: None,
                choice: None,
            })
            .collect(),
        municipality_cap: None,
        keep_choice_settings: true,
    }
}

/// A slug not used by another event: `base`, `base-2`, `base-3`, …
pub async fn unique_slug(
    db: &DatabaseConnection,
    base: &str,
    except: Option<i32>,
) -> anyhow::Result<String> {
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.to_owned()
        } else {
            format!("{base}-{n}")
        };
        match events::find_by_slug(db, &candidate).await? {
            Some(other) if Some(other.id) != except => continue,
            _ => return Ok(candidate),
        }
    }
    anyhow::bail!("no free slug for {base}")
}

/// Creates a draft event from the form.
pub async fn create(
    db: &DatabaseConnection,
    checked: &CheckedEvent,
    who: &organiser::Model,
) -> anyhow::Result<event::Model> {
    let base = checked
        .slug
        .clone()
        .unwrap_or_else(|| slugify(&checked.title));
    let slug = unique_slug(db, &base, None).await?;
    let spec = spec_from(checked, slug.clone(), NEW_EVENT_STATUS);
    let audit = SaveAudit {
        who,
        action: "event.create",
        details: Some(spec.title.trim()),
    };
    save(db, None, &spec, Some(audit)).await?;
    let created = events::find_by_slug(db, &slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event {slug} vanished"))?;
    Ok(created)
}

/// What saving the form would do to registrants: a move and how many
/// active registrations would get an updated invite.
pub async fn pending_change(
    db: &DatabaseConnection,
    current: &event::Model,
    checked: &CheckedEvent,
) -> anyhow::Result<Option<(EventChange, u64)>> {
    let status = current.status;
    let spec = spec_from(checked, current.slug.clone(), status);
    let tz: Tz = spec
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::Stockholm);
    let mut after = current.clone();
    after.starts_at = at_local(tz, spec.starts_at);
    after.ends_at = at_local(tz, spec.ends_at);
    after.venue_name = spec.venue_name.clone();
    after.venue_address = spec.venue_address.clone();
    let Some(change) = changes::change_between(current, &after) else {
        return Ok(None);
    };
    let active = registration::Entity::find()
        .filter(registration::Column::EventId.eq(current.id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .count(db)
        .await?;
    Ok((active > 0).then_some((change, active)))
}

/// A local time in `tz` as UTC: the earlier of two in the autumn's repeated
/// hour; a time in the spring's gap is read as UTC.
pub fn at_local(tz: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    use chrono::TimeZone;
    tz.from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// Saves an edit; registrants are told of a move in the same transaction.
pub async fn update(
    db: &DatabaseConnection,
    current: &event::Model,
    checked: &CheckedEvent,
    who: &organiser::Model,
) -> anyhow::Result<(event::Model, Imported)> {
    let slug = match &checked.slug {
        Some(slug) => unique_slug(db, slug, Some(current.id)).await?,
        None => current.slug.clone(),
    };
    let status = current.status;
    let audit = SaveAudit {
        who,
        action: "event.edit",
        details: None,
    };
    let outcome = save(
        db,
        Some(current.id),
        &spec_from(checked, slug.clone(), status),
        Some(audit),
    )
    .await?;
    let saved = events::find_by_id(db, current.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event {} vanished", current.id))?;
    Ok((saved, outcome))
}

/// Publishes, closes or cancels an event. Cancelling sends every
/// registrant a CANCEL in the same transaction.
pub async fn set_status(
    db: &DatabaseConnection,
    current: &event::Model,
    status: EventStatus,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let txn = db::begin_write(db).await?;
    let before = events::find_by_id(&txn, current.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event {} vanished", current.id))?;
    let mut active: event::ActiveModel = before.clone().into();
    active.status = Set(status);
    active.updated_at = Set(now);
    let after = active.update(&txn).await?;
    let (_, _, notified) = changes::apply(&txn, &before, after, now).await?;
    audit::record(
        &txn,
        who,
        &format!("event.{}", status.as_str()),
        &current.slug,
        "",
        now,
    )
    .await?;
    crate::mail::wake::commit(txn).await?;
    Ok(notified)
}

/// Copies an event (details and programme) into a new draft.
pub async fn duplicate(
    db: &DatabaseConnection,
    current: &event::Model,
    who: &organiser::Model,
) -> anyhow::Result<event::Model> {
    let programme = events::programme(db, current.id).await?;
    let form = form_from(current, &programme);
    let checked = form
        .parse(|_| true)
        .map_err(|e| anyhow::anyhow!("stored event does not parse: {e:?}"))?;
    let slug = unique_slug(db, &format!("{}-kopia", current.slug), None).await?;
    let mut spec = spec_from(&checked, slug.clone(), EventStatus::Draft);
    spec.kind = current.kind;
    spec.visibility = current.visibility;
    let audit = SaveAudit {
        who,
        action: "event.duplicate",
        details: Some(&current.slug),
    };
    save(db, None, &spec, Some(audit)).await?;
    events::find_by_slug(db, &slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event {slug} vanished"))
}

/// Makes a failed email of the event due again now, recording who asked in
/// the same transaction, and wakes the mail worker. Returns whether there
/// was such a failed email.
pub async fn retry_email(
    db: &DatabaseConnection,
    event: &event::Model,
    id: uuid::Uuid,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let txn = db::begin_write(db).await?;
    let retried = crate::mail::outbox::retry_one(&txn, id, now).await?;
    if retried {
        audit::record(&txn, who, "email.retry", &event.slug, &id.to_string(), now).await?;
    }
    crate::mail::wake::commit(txn).await?;
    Ok(retried)
}

/// Every event, soonest first (for the dashboard).
pub async fn all_events(db: &DatabaseConnection) -> anyhow::Result<Vec<event::Model>> {
    use sea_orm::QueryOrder;
    Ok(event::Entity::find()
        .order_by_asc(event::Column::StartsAt)
        .all(db)
        .await?)
}
