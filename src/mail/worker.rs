//! The delivery worker: claims due outbox rows, renders and sends them, and
//! records the result. Started by `serve`; stops when told to.
use std::sync::Arc;

use chrono::Utc;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::sync::{Notify, watch};

use super::compose::{Envelope, compose};
use super::enqueue::Payload;
use super::messages::{MessageContext, render};
use super::outbox;
use super::transport::{SendError, Transport};
use crate::config::Settings;
use crate::db::entities::{municipality, outbox as outbox_row, registration};
use crate::db::{events, registrations};

/// How many rows one claim takes.
const BATCH: u64 = 16;

/// Runs until `stop` turns true. Wakes when `wakeup` is notified (a row was
/// written by this instance) or every poll interval (rows from others).
pub async fn run(
    db: DatabaseConnection,
    settings: Settings,
    transport: Transport,
    wakeup: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!("mail worker started");
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
            () = wakeup.notified() => {}
            () = tokio::time::sleep(settings.mail.poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("mail worker stopped");
}

/// Claims and delivers one batch; returns how many rows it handled.
pub async fn deliver_due(
    db: &DatabaseConnection,
    settings: &Settings,
    transport: &Transport,
) -> Result<usize, DbErr> {
    let claimed = outbox::claim_due(db, Utc::now(), settings.mail.lease, BATCH).await?;
    let count = claimed.len();
    let sends = claimed.into_iter().map(|row| async move {
        if let Err(err) = deliver_one(db, settings, transport, &row).await {
            // The lease runs out and another attempt follows; nothing is lost.
            tracing::warn!(id = %row.id, error = %err, "could not record a delivery");
        }
    });
    futures_util::future::join_all(sends).await;
    Ok(count)
}

async fn deliver_one(
    db: &DatabaseConnection,
    settings: &Settings,
    transport: &Transport,
    row: &outbox_row::Model,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let message = match build(db, settings, row).await {
        Ok(message) => message,
        Err(err) => {
            tracing::error!(id = %row.id, error = %err, "cannot render an outbox message");
            return outbox::mark_failed(db, row, &format!("render: {err}")).await;
        }
    };
    match transport.send(&message, &row.id.to_string()).await {
        Ok(()) => {
            let mut payload: Payload =
                serde_json::from_str(&row.payload).map_err(|e| DbErr::Custom(e.to_string()))?;
            payload.token = None;
            payload.attendee = None;
            let erased = payload.erased;
            let payload =
                serde_json::to_string(&payload).map_err(|e| DbErr::Custom(e.to_string()))?;
            tracing::info!(id = %row.id, kind = %row.kind, attempts = row.attempts, "email sent");
            metrics::counter!("outbox_sent_total", "kind" => row.kind.clone()).increment(1);
            metrics::histogram!("outbox_delivery_seconds")
                .record((now - row.created_at).num_milliseconds().max(0) as f64 / 1000.0);
            outbox::mark_sent(db, row, payload, erased, now).await
        }
        Err(SendError::Permanent(error)) => {
            tracing::warn!(id = %row.id, kind = %row.kind, %error, "email refused for good");
            metrics::counter!("outbox_failures_total", "permanent" => "true").increment(1);
            outbox::mark_failed(db, row, &error).await
        }
        Err(SendError::Temporary(error)) => {
            metrics::counter!("outbox_failures_total", "permanent" => "false").increment(1);
            let base = settings.mail.retry_base;
            if outbox::exhausted(base, row.attempts, settings.mail.give_up_after) {
                tracing::warn!(id = %row.id, %error, "email given up after retries");
                return outbox::mark_failed(db, row, &format!("gave up: {error}")).await;
            }
            let next = now + outbox::backoff(base, row.attempts);
            tracing::info!(id = %row.id, %error, next = %next, "email will be retried");
            outbox::mark_retry(db, row, &error, next).await
        }
    }
}

/// Renders a row into a MIME message from the current database state.
async fn build(
    db: &DatabaseConnection,
    settings: &Settings,
    row: &outbox_row::Model,
) -> anyhow::Result<lettre::Message> {
    let payload: Payload = serde_json::from_str(&row.payload)?;
    if let Some(invitation_id) = payload.invitation_id {
        return build_invitation(db, settings, row, &payload, invitation_id).await;
    }
    let registration_id = payload
        .registration_id
        .ok_or_else(|| anyhow::anyhow!("outbox row {} names no registration", row.id))?;
    let mut registration = registration::Entity::find_by_id(registration_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("registration {registration_id} is gone"))?;
    // A cancellation carries the attendee as they were: the registration
    // may have been anonymised since (the registrant deleted it).
    if let Some((name, email)) = &payload.attendee {
        registration.name = name.clone();
        registration.email = email.clone();
    }
    let event = events::find_by_id(db, registration.event_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event {} is gone", registration.event_id))?;
    let programme = events::programme(db, event.id).await?;
    let waitlist_position = registrations::waitlist_position(db, &registration).await?;
    let affiliation = match &registration.municipality_code {
        Some(code) => municipality::Entity::find_by_id(code.clone())
            .one(db)
            .await?
            .map(|m| m.name)
            .unwrap_or_default(),
        None => registration.organisation.clone().unwrap_or_default(),
    };
    let base_url = &settings.server.base_url;
    let context = MessageContext {
        payload: &payload,
        event: &event,
        registration: &registration,
        programme: &programme,
        waitlist_position,
        affiliation,
        base_url,
    };
    let rendered = render(&context, row.created_at);
    let domain = settings.mail.from.email.domain().to_owned();
    compose(
        &Envelope {
            message_id: &row.message_id,
            from: &settings.mail.from,
            reply_to: &event.organiser_email,
            to_name: &registration.name,
            to_email: &row.recipient,
            domain: &domain,
        },
        &rendered,
    )
}

/// Renders an invitation row.
async fn build_invitation(
    db: &DatabaseConnection,
    settings: &Settings,
    row: &outbox_row::Model,
    payload: &Payload,
    invitation_id: uuid::Uuid,
) -> anyhow::Result<lettre::Message> {
    let invitation = crate::db::entities::invitation::Entity::find_by_id(invitation_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("invitation {invitation_id} is gone"))?;
    let event = events::find_by_id(db, invitation.event_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event {} is gone", invitation.event_id))?;
    let programme = events::programme(db, event.id).await?;
    let context = super::messages::InvitationContext {
        payload,
        event: &event,
        invitation: &invitation,
        programme: &programme,
        base_url: &settings.server.base_url,
        locale: crate::i18n::Locale::Sv,
    };
    let rendered = super::messages::render_invitation(&context, row.created_at);
    let domain = settings.mail.from.email.domain().to_owned();
    compose(
        &Envelope {
            message_id: &row.message_id,
            from: &settings.mail.from,
            reply_to: &event.organiser_email,
            to_name: &invitation.name,
            to_email: &row.recipient,
            domain: &domain,
        },
        &rendered,
    )
}
