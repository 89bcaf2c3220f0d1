//! The delivery worker: claims due outbox rows, renders and sends them, and
//! records the result. Started by `serve`; stops when told to.

use std::collections::HashMap;

use chrono::Utc;
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::watch;

use super::compose::{Envelope, compose};
use super::enqueue::Payload;
use super::messages::{MessageContext, render};
use super::outbox;
use super::transport::{SendError, Transport};
use crate::config::Settings;
use crate::db::entities::{
    delegation, event, invitation, municipality, organiser_message, outbox as outbox_row,
    programme_item, registration, reminder_rule,
};
use crate::db::registrations;
use crate::domain::status::MessageKind;

/// How many rows one claim takes. The sends of a batch run concurrently,
/// at most `mail.pool_size` at a time (one SMTP connection each). A batch's
/// claim and its record are write transactions, which under load wait for their turn
/// behind the registrations' (on SQLite); a large batch keeps that wait a
/// small part of each email (64 delivered fewer emails per second than the
/// bench's registrations came in).
const BATCH: u64 = 256;

/// Runs until `stop` turns true. Wakes when a transaction of this process
/// wrote to the outbox (`mail::wake`) or every poll interval (rows from
/// other instances).
pub async fn run(
    db: DatabaseConnection,
    settings: Settings,
    transport: Transport,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!("mail worker started");
    let mut wakeup = super::wake::subscribe();
    loop {
        if *stop.borrow() {
            break;
        }
        let delivered = match deliver_due(&db, &settings, &transport).await {
            Ok(count) => count,
            Err(err) => {
                tracing::warn!(error = %err, "mail worker could not reach the outbox");
                0
            }
        };
        if delivered > 0 {
            continue;
        }
        tokio::select! {
            _ = wakeup.changed() => {}
            () = tokio::time::sleep(settings.mail.poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("mail worker stopped");
}

/// Claims and delivers one batch; returns how many rows it handled.
///
/// A batch costs a fixed number of statements whatever its size: one claim,
/// four reads for everything the messages need, and one transaction that
/// records every result. The sends run concurrently over the SMTP pool.
pub async fn deliver_due(
    db: &DatabaseConnection,
    settings: &Settings,
    transport: &Transport,
) -> Result<usize, DbErr> {
    let claimed = outbox::claim_due(db, Utc::now(), settings.mail.lease, BATCH).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    // Each payload is read once, here; a row whose payload cannot be read
    // fails (it would never render).
    let payloads: Vec<serde_json::Result<Payload>> = claimed
        .iter()
        .map(|row| serde_json::from_str(&row.payload))
        .collect();
    let batch = Batch::load(db, payloads.iter().filter_map(|p| p.as_ref().ok())).await?;
    // Collected first: a stream over a borrowing closure is not `Send`
    // for every lifetime, which the spawned worker needs.
    let sends: Vec<_> = claimed
        .iter()
        .zip(&payloads)
        .map(|(row, payload)| {
            let batch = &batch;
            async move {
                let outcome = match payload {
                    Ok(payload) => attempt(db, settings, transport, batch, row, payload).await,
                    Err(err) => Outcome::Failed(format!("payload: {err}")),
                };
                // lettre returns the connection to its pool in a task of
                // its own: let it run before the next send asks for one.
                tokio::task::yield_now().await;
                (row, outcome)
            }
        })
        .collect();
    // At most `mail.pool_size` sends at once (the settings refuse 0), each
    // on a connection reused from lettre's pool. With more at once, lettre
    // opens a connection for every send its pool cannot serve and closes
    // all but `pool_size` afterwards: far more connections than the server
    // was promised, and a connect and QUIT per email.
    let outcomes: Vec<_> = futures_util::stream::iter(sends)
        .buffered(settings.mail.pool_size as usize)
        .collect()
        .await;
    // The SMTP server has the messages now: their results are kept and
    // written as soon as the database is back, before the leases would let
    // another worker send them again. Only a process that dies between the
    // acceptance and the record can cause a duplicate.
    record_patiently(db, &outcomes).await?;
    Ok(claimed.len())
}

/// How long a batch's results are kept while the database is away. After
/// that the leases decide (and the messages may go out again).
const RECORD_PATIENCE: std::time::Duration = std::time::Duration::from_secs(600);

/// [`record`], tried again while the database cannot be reached.
async fn record_patiently(
    db: &DatabaseConnection,
    outcomes: &[(&outbox_row::Model, Outcome)],
) -> Result<(), DbErr> {
    let deadline = std::time::Instant::now() + RECORD_PATIENCE;
    let mut wait = std::time::Duration::from_millis(250);
    loop {
        match record(db, outcomes).await {
            Ok(()) => return Ok(()),
            Err(err) if crate::db::is_unavailable(&err) && std::time::Instant::now() < deadline => {
                tracing::warn!(error = %err, count = outcomes.len(), "database away: keeping the results of sent emails until it is back");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(2));
            }
            Err(err) => return Err(err),
        }
    }
}

/// What became of one send.
enum Outcome {
    Sent {
        payload_without_secret: String,
        erased: bool,
        at: chrono::DateTime<Utc>,
    },
    Retry {
        error: String,
        next: chrono::DateTime<Utc>,
    },
    Failed(String),
    /// A reminder whose person left its audience after it was queued (they
    /// cancelled, the event was cancelled, the invitee answered): deleted
    /// unsent, as a cancellation deletes the reminders still pending.
    Withdrawn,
}

/// Renders and sends one row.
async fn attempt(
    db: &DatabaseConnection,
    settings: &Settings,
    transport: &Transport,
    batch: &Batch,
    row: &outbox_row::Model,
    payload: &Payload,
) -> Outcome {
    let now = Utc::now();
    if payload.kind == MessageKind::Reminder && batch.withdrawn(payload) {
        tracing::info!(id = %row.id, "reminder withdrawn: its person left the audience");
        return Outcome::Withdrawn;
    }
    let message = match build(db, settings, batch, row, payload).await {
        Ok(message) => message,
        Err(err) => {
            tracing::error!(id = %row.id, error = %err, "cannot render an outbox message");
            return Outcome::Failed(format!("render: {err}"));
        }
    };
    match transport.send(&message, &row.id.to_string()).await {
        Ok(()) => {
            tracing::info!(id = %row.id, kind = %row.kind, attempts = row.attempts, "email sent");
            metrics::counter!("outbox_sent_total", "kind" => row.kind.as_str()).increment(1);
            metrics::histogram!("outbox_delivery_seconds")
                .record((now - row.created_at).num_milliseconds().max(0) as f64 / 1000.0);
            match without_secrets(payload) {
                Ok(payload_without_secret) => Outcome::Sent {
                    payload_without_secret,
                    erased: payload.erased,
                    at: now,
                },
                Err(err) => Outcome::Failed(format!("payload: {err}")),
            }
        }
        Err(SendError::Permanent(error)) => {
            tracing::warn!(id = %row.id, kind = %row.kind, %error, "email refused for good");
            metrics::counter!("outbox_failures_total", "permanent" => "true").increment(1);
            Outcome::Failed(error)
        }
        Err(SendError::Temporary(error)) => {
            metrics::counter!("outbox_failures_total", "permanent" => "false").increment(1);
            let base = settings.mail.retry_base;
            if outbox::exhausted(base, row.attempts, settings.mail.give_up_after) {
                tracing::warn!(id = %row.id, %error, "email given up after retries");
                return Outcome::Failed(format!("gave up: {error}"));
            }
            let next = now + outbox::backoff(base, row.attempts);
            tracing::warn!(id = %row.id, %error, next = %next, "email will be retried");
            Outcome::Retry { error, next }
        }
    }
}

/// The payload as kept after sending: the manage token and the attendee's
/// details are dropped.
fn without_secrets(payload: &Payload) -> serde_json::Result<String> {
    let mut kept = payload.clone();
    kept.token = None;
    kept.attendee = None;
    serde_json::to_string(&kept)
}

/// Records every outcome of a batch in one transaction (the sent rows in
/// one statement).
async fn record(
    db: &DatabaseConnection,
    outcomes: &[(&outbox_row::Model, Outcome)],
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let mut sent = Vec::with_capacity(outcomes.len());
    for (row, outcome) in outcomes {
        match outcome {
            Outcome::Sent {
                payload_without_secret,
                erased,
                at,
            } => sent.push(outbox::Sent {
                row,
                payload_without_secret: payload_without_secret.clone(),
                erase_recipient: *erased,
                at: *at,
            }),
            Outcome::Retry { error, next } => outbox::mark_retry(&txn, row, error, *next).await?,
            Outcome::Failed(error) => outbox::mark_failed(&txn, row, error).await?,
            Outcome::Withdrawn => {
                outbox_row::Entity::delete_by_id(row.id).exec(&txn).await?;
            }
        }
    }
    outbox::mark_sent(&txn, &sent).await?;
    txn.commit().await
}

/// Everything a batch's messages are rendered from, read in a few queries.
#[derive(Default)]
struct Batch {
    registrations: HashMap<uuid::Uuid, registration::Model>,
    invitations: HashMap<uuid::Uuid, invitation::Model>,
    delegations: HashMap<uuid::Uuid, delegation::Model>,
    events: HashMap<i32, event::Model>,
    programmes: HashMap<i32, Vec<programme_item::Model>>,
    municipalities: HashMap<String, String>,
    rules: HashMap<i32, reminder_rule::Model>,
    messages: HashMap<i32, organiser_message::Model>,
    /// The registrations' programme choices as they stand.
    choices: HashMap<uuid::Uuid, Vec<crate::domain::choice::ChoiceLine>>,
}

impl Batch {
    async fn load<'a>(
        db: &DatabaseConnection,
        payloads: impl Iterator<Item = &'a Payload>,
    ) -> Result<Self, DbErr> {
        let mut registration_ids = Vec::new();
        let mut invitation_ids = Vec::new();
        let mut delegation_ids = Vec::new();
        let mut rule_ids = Vec::new();
        let mut message_ids = Vec::new();
        for payload in payloads {
            registration_ids.extend(payload.registration_id);
            invitation_ids.extend(payload.invitation_id);
            delegation_ids.extend(payload.delegation_id);
            rule_ids.extend(payload.reminder_rule);
            message_ids.extend(payload.organiser_message);
        }
        let mut batch = Batch::default();
        if !rule_ids.is_empty() {
            batch.rules = reminder_rule::Entity::find()
                .filter(reminder_rule::Column::Id.is_in(rule_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
        }
        if !message_ids.is_empty() {
            batch.messages = organiser_message::Entity::find()
                .filter(organiser_message::Column::Id.is_in(message_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
        }
        if !registration_ids.is_empty() {
            batch.registrations = registration::Entity::find()
                .filter(registration::Column::Id.is_in(registration_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            let ids: Vec<uuid::Uuid> = batch.registrations.keys().copied().collect();
            batch.choices = crate::db::choices::lines_of_many(db, &ids).await?;
        }
        if !invitation_ids.is_empty() {
            batch.invitations = invitation::Entity::find()
                .filter(invitation::Column::Id.is_in(invitation_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|i| (i.id, i))
                .collect();
        }
        if !delegation_ids.is_empty() {
            batch.delegations = delegation::Entity::find()
                .filter(delegation::Column::Id.is_in(delegation_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|d| (d.id, d))
                .collect();
        }
        let mut event_ids: Vec<i32> = batch
            .registrations
            .values()
            .map(|r| r.event_id)
            .chain(batch.invitations.values().map(|i| i.event_id))
            .chain(batch.delegations.values().map(|d| d.event_id))
            .collect();
        event_ids.sort_unstable();
        event_ids.dedup();
        if !event_ids.is_empty() {
            batch.events = event::Entity::find()
                .filter(event::Column::Id.is_in(event_ids.clone()))
                .all(db)
                .await?
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
            for item in programme_item::Entity::find()
                .filter(programme_item::Column::EventId.is_in(event_ids))
                .order_by_asc(programme_item::Column::Position)
                .all(db)
                .await?
            {
                batch
                    .programmes
                    .entry(item.event_id)
                    .or_default()
                    .push(item);
            }
        }
        if batch
            .registrations
            .values()
            .any(|r| r.municipality_code.is_some())
        {
            batch.municipalities = municipality::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.code, m.name))
                .collect();
        }
        Ok(batch)
    }

    /// Whether a reminder's person is no longer in its audience.
    fn withdrawn(&self, payload: &Payload) -> bool {
        use crate::domain::event::{EventStatus, RegistrationStatus};
        use crate::domain::status::InvitationStatus;
        let cancelled = |event_id: i32| {
            self.events
                .get(&event_id)
                .is_some_and(|e| e.status == EventStatus::Cancelled)
        };
        if let Some(r) = payload
            .registration_id
            .and_then(|id| self.registrations.get(&id))
        {
            return r.status == RegistrationStatus::Cancelled || cancelled(r.event_id);
        }
        if let Some(i) = payload
            .invitation_id
            .and_then(|id| self.invitations.get(&id))
        {
            return i.status != InvitationStatus::Sent || cancelled(i.event_id);
        }
        false
    }

    fn event(&self, id: i32) -> anyhow::Result<(&event::Model, &[programme_item::Model])> {
        let event = self
            .events
            .get(&id)
            .ok_or_else(|| anyhow::anyhow!("event {id} is gone"))?;
        let programme = self.programmes.get(&id).map_or(&[][..], Vec::as_slice);
        Ok((event, programme))
    }
}

/// Renders a row into a MIME message from the current database state.
async fn build(
    db: &DatabaseConnection,
    settings: &Settings,
    batch: &Batch,
    row: &outbox_row::Model,
    payload: &Payload,
) -> anyhow::Result<lettre::Message> {
    if let Some(invitation_id) = payload.invitation_id {
        return build_invitation(settings, batch, row, payload, invitation_id);
    }
    if let Some(delegation_id) = payload.delegation_id {
        return build_delegation(db, settings, batch, row, payload, delegation_id).await;
    }
    let registration_id = payload
        .registration_id
        .ok_or_else(|| anyhow::anyhow!("outbox row {} names no registration", row.id))?;
    let mut registration = batch
        .registrations
        .get(&registration_id)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("registration {registration_id} is gone"))?;
    // A cancellation carries the attendee as they were: the registration
    // may have been anonymised since (the registrant deleted it).
    if let Some((name, email)) = &payload.attendee {
        registration.name = name.clone();
        registration.email = email.clone();
    }
    let (event, programme) = batch.event(registration.event_id)?;
    let waitlist_position = registrations::waitlist_position(db, &registration).await?;
    let choices = batch
        .choices
        .get(&registration.id)
        .map_or(&[][..], Vec::as_slice);
    let affiliation = match &registration.municipality_code {
        Some(code) => batch.municipalities.get(code).cloned().unwrap_or_default(),
        None => registration.organisation.clone().unwrap_or_default(),
    };
    let base_url = &settings.server.base_url;
    let current;
    let payload = match payload.kind {
        MessageKind::Reminder | MessageKind::OrganiserMessage => {
            current = super::notices::current_payload(payload, &registration, event);
            &current
        }
        _ => payload,
    };
    let context = MessageContext {
        payload,
        event,
        registration: &registration,
        programme,
        choices,
        waitlist_position,
        affiliation,
        base_url,
    };
    let rendered = match (payload.reminder_rule, payload.organiser_message) {
        (Some(rule_id), _) => {
            let rule = batch
                .rules
                .get(&rule_id)
                .ok_or_else(|| anyhow::anyhow!("reminder rule {rule_id} is gone"))?;
            let item_title = rule
                .item_id
                .and_then(|id| programme.iter().find(|i| i.id == id))
                .map(|i| i.title.as_str())
                .unwrap_or_default();
            super::notices::render_reminder(&context, rule, item_title, row.created_at)
        }
        (None, Some(message_id)) => {
            let message = batch
                .messages
                .get(&message_id)
                .ok_or_else(|| anyhow::anyhow!("message {message_id} is gone"))?;
            super::notices::render_message(&context, message, row.created_at)
        }
        (None, None) => render(&context, row.created_at),
    };
    compose_for(settings, row, event, &registration.name, &rendered)
}

/// Composes a rendered message from the sender to `to_name` at the row's
/// recipient, replies going to the event's organiser.
fn compose_for(
    settings: &Settings,
    row: &outbox_row::Model,
    event: &event::Model,
    to_name: &str,
    rendered: &super::messages::RenderedEmail,
) -> anyhow::Result<lettre::Message> {
    let domain = settings.mail.from.email.domain().to_owned();
    compose(
        &Envelope {
            message_id: &row.message_id,
            from: &settings.mail.from,
            reply_to: &event.organiser_email,
            to_name,
            to_email: &row.recipient,
            domain: &domain,
        },
        rendered,
    )
}

/// Renders a delegation's email to its contact, with the colleagues as
/// they stand at delivery.
async fn build_delegation(
    db: &DatabaseConnection,
    settings: &Settings,
    batch: &Batch,
    row: &outbox_row::Model,
    payload: &Payload,
    delegation_id: uuid::Uuid,
) -> anyhow::Result<lettre::Message> {
    let delegation = batch
        .delegations
        .get(&delegation_id)
        .ok_or_else(|| anyhow::anyhow!("delegation {delegation_id} is gone"))?;
    let (event, _) = batch.event(delegation.event_id)?;
    let members = crate::db::delegations::members(db, delegation.id).await?;
    let rendered = super::messages::render_delegation(&super::messages::DelegationContext {
        payload,
        event,
        delegation,
        members: &members,
        base_url: &settings.server.base_url,
    });
    compose_for(settings, row, event, &delegation.contact_name, &rendered)
}

/// Renders an invitation row.
fn build_invitation(
    settings: &Settings,
    batch: &Batch,
    row: &outbox_row::Model,
    payload: &Payload,
    invitation_id: uuid::Uuid,
) -> anyhow::Result<lettre::Message> {
    let invitation = batch
        .invitations
        .get(&invitation_id)
        .ok_or_else(|| anyhow::anyhow!("invitation {invitation_id} is gone"))?;
    let (event, programme) = batch.event(invitation.event_id)?;
    if let Some(rule_id) = payload.reminder_rule {
        let rule = batch
            .rules
            .get(&rule_id)
            .ok_or_else(|| anyhow::anyhow!("reminder rule {rule_id} is gone"))?;
        let rendered = super::notices::render_invitee_reminder(
            event,
            invitation,
            payload,
            rule,
            &settings.server.base_url,
        );
        return compose_for(settings, row, event, &invitation.name, &rendered);
    }
    let context = super::messages::InvitationContext {
        payload,
        event,
        invitation,
        programme,
        base_url: &settings.server.base_url,
        locale: crate::i18n::Locale::Sv,
    };
    let rendered = super::messages::render_invitation(&context, row.created_at);
    compose_for(settings, row, event, &invitation.name, &rendered)
}
