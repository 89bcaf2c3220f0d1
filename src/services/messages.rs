//! "A message now": an organiser writes to a filtered audience of an
//! event, sees how many it reaches and a preview, and sends it through the
//! outbox, once per person.
//!
//! Decisions: the Swedish subject and text are required, the English ones
//! optional (an English reader gets the Swedish text when there is none).
//! The default audience is everyone with a seat or on the waitlist;
//! cancelled registrations are reached only when that status is chosen.
//! A person is one address: two registrations of one address (a cancelled
//! and a new one) get one email. The compose form carries a one-time key,
//! so sending twice (a double click, the Back button) sends once. The
//! 24-hour rule of reminders does not apply: a message is news for all.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, TryInsertResult,
};
use serde::{Deserialize, Serialize};

use crate::db::entities::{
    event, organiser, organiser_message, programme_item, registration, registration_choice,
};
use crate::db::{self, registrations};
use crate::domain::choice::ChoiceStatus;
use crate::domain::event::RegistrationStatus;
use crate::domain::event_form::EventFieldError;
use crate::domain::registration::BOX_TICKED;
use crate::domain::token::{ManageToken, SubmissionKey};
use crate::mail::enqueue::{Notice, enqueue_notice};
use crate::services::audit;

/// Who a message reaches. Every field empty: everyone with a seat or on
/// the waitlist.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AudienceFilter {
    /// confirmed | waitlisted | cancelled; empty: confirmed and waitlisted.
    #[serde(default)]
    pub status: String,
    /// A programme item's id: those with a seat or a queue place on it.
    #[serde(default)]
    pub item: String,
    /// A municipality code, or "other"; empty: all.
    #[serde(default)]
    pub municipality: String,
    /// yes | no; empty: either.
    #[serde(default)]
    pub checked_in: String,
}

/// The compose form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    pub submission_key: String,
    #[serde(default)]
    pub subject_sv: String,
    #[serde(default)]
    pub subject_en: String,
    #[serde(default)]
    pub body_sv: String,
    #[serde(default)]
    pub body_en: String,
    #[serde(default)]
    pub with_invite: String,
    #[serde(flatten)]
    pub audience: AudienceFilter,
}

impl MessageForm {
    /// Whether the current invite goes along.
    pub fn with_invite(&self) -> bool {
        self.with_invite == BOX_TICKED
    }

    /// Checks the form; the errors name their fields.
    pub fn check(&self, items: &[programme_item::Model]) -> Vec<EventFieldError> {
        let mut errors = Vec::new();
        let mut need = |field: &'static str, text: &str, key: &'static str| {
            if text.trim().is_empty() {
                errors.push(EventFieldError {
                    field,
                    key,
                    line: None,
                });
            }
        };
        need("subject_sv", &self.subject_sv, "messages.error.subject");
        need("body_sv", &self.body_sv, "messages.error.body");
        crate::domain::reminder_form::check_words(
            [
                ("subject_sv", &self.subject_sv),
                ("subject_en", &self.subject_en),
            ],
            [("body_sv", &self.body_sv), ("body_en", &self.body_en)],
            &mut errors,
        );
        let filter = &self.audience;
        if !filter.status.is_empty() && RegistrationStatus::parse(&filter.status).is_none() {
            errors.push(EventFieldError {
                field: "status",
                key: "messages.error.filter",
                line: None,
            });
        }
        if !filter.item.is_empty()
            && !filter
                .item
                .parse::<i32>()
                .is_ok_and(|id| items.iter().any(|i| i.id == id))
        {
            errors.push(EventFieldError {
                field: "item",
                key: "messages.error.filter",
                line: None,
            });
        }
        if !matches!(filter.checked_in.as_str(), "" | "yes" | "no") {
            errors.push(EventFieldError {
                field: "checked_in",
                key: "messages.error.filter",
                line: None,
            });
        }
        errors
    }
}

/// The registrations the filter selects, one per address (an active one
/// before a cancelled one).
pub async fn audience(
    db: &impl ConnectionTrait,
    event_id: i32,
    filter: &AudienceFilter,
) -> Result<Vec<registration::Model>, DbErr> {
    let mut query = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Email.ne(""));
    query = match RegistrationStatus::parse(filter.status.trim()) {
        Some(status) => query.filter(registration::Column::Status.eq(status)),
        None => query.filter(registration::Column::Status.ne(RegistrationStatus::Cancelled)),
    };
    if let Ok(item_id) = filter.item.trim().parse::<i32>() {
        let chosen = Query::select()
            .column(registration_choice::Column::RegistrationId)
            .from(registration_choice::Entity)
            .and_where(Expr::col(registration_choice::Column::ItemId).eq(item_id))
            .and_where(Expr::col(registration_choice::Column::Status).is_in([
                ChoiceStatus::Confirmed,
                ChoiceStatus::Waitlisted,
                ChoiceStatus::Pending,
            ]))
            .to_owned();
        query = query.filter(registration::Column::Id.in_subquery(chosen));
    }
    match filter.municipality.trim() {
        "" => {}
        "other" => query = query.filter(registration::Column::MunicipalityCode.is_null()),
        code => query = query.filter(registration::Column::MunicipalityCode.eq(code)),
    }
    match filter.checked_in.as_str() {
        "yes" => query = query.filter(registration::Column::CheckedInAt.is_not_null()),
        "no" => query = query.filter(registration::Column::CheckedInAt.is_null()),
        _ => {}
    }
    let mut rows = query
        .order_by_asc(registration::Column::Name)
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?;
    // One per address, an active registration first.
    rows.sort_by_key(|r| (r.status == RegistrationStatus::Cancelled, r.created_at));
    let mut seen = std::collections::HashSet::new();
    rows.retain(|r| seen.insert(r.email_normalized.clone()));
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(rows)
}

/// What became of a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Written to the outbox for this many people.
    Now { id: i32, recipients: u64 },
    /// This form was sent before; nothing new was written.
    Before { id: i32 },
}

/// Sends the message: stores it, and in the same transaction writes one
/// email per person (dedupe key per message and registration) with a fresh
/// manage link and, when asked, the current invite. The form key makes a
/// repeated send a no-op. Audited.
pub async fn send(
    db: &DatabaseConnection,
    event: &event::Model,
    form: &MessageForm,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<Sent, DbErr> {
    let key = SubmissionKey::derive(form.submission_key.as_bytes(), "organiser-message").hash();
    let txn = db::begin_write(db).await?;
    let inserted = organiser_message::Entity::insert(organiser_message::ActiveModel {
        event_id: Set(event.id),
        submission_key: Set(key.clone()),
        subject_sv: Set(crate::mail::compose::header_safe(&form.subject_sv)),
        subject_en: Set(crate::mail::compose::header_safe(&form.subject_en)),
        body_sv: Set(form.body_sv.trim().to_owned()),
        body_en: Set(form.body_en.trim().to_owned()),
        audience: Set(serde_json::to_string(&form.audience).unwrap_or_default()),
        with_invite: Set(form.with_invite()),
        recipients: Set(0),
        sent_by: Set(who.email.clone()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([organiser_message::Column::SubmissionKey])
    .exec_without_returning(&txn)
    .await?;
    let message = organiser_message::Entity::find()
        .filter(organiser_message::Column::SubmissionKey.eq(key))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("organiser message".into()))?;
    if !matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
        txn.commit().await?;
        return Ok(Sent::Before { id: message.id });
    }
    let people = audience(&txn, event.id, &form.audience).await?;
    let notice = Notice::Message(message.id);
    let mut written = 0u64;
    for person in &people {
        let token = ManageToken::generate();
        registrations::add_link(&txn, person.id, &token, now).await?;
        if enqueue_notice(&txn, person, notice, &token, form.with_invite(), now).await? {
            written += 1;
        }
    }
    organiser_message::Entity::update_many()
        .col_expr(
            organiser_message::Column::Recipients,
            Expr::value(i32::try_from(written).unwrap_or(i32::MAX)),
        )
        .filter(organiser_message::Column::Id.eq(message.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        who,
        "message.send",
        &event.slug,
        &format!("message {}: {written} recipients", message.id),
        now,
    )
    .await?;
    crate::mail::wake::commit(txn).await?;
    Ok(Sent::Now {
        id: message.id,
        recipients: written,
    })
}

/// One sent message as the back-office lists it.
#[derive(Debug, Clone)]
pub struct MessageLine {
    pub message: organiser_message::Model,
    pub filter: AudienceFilter,
    pub sent: u64,
}

/// The event's messages, newest first, with how many were sent.
pub async fn list(db: &impl ConnectionTrait, event_id: i32) -> Result<Vec<MessageLine>, DbErr> {
    let messages = organiser_message::Entity::find()
        .filter(organiser_message::Column::EventId.eq(event_id))
        .order_by_desc(organiser_message::Column::CreatedAt)
        .all(db)
        .await?;
    let mut lines = Vec::with_capacity(messages.len());
    for message in messages {
        let sent = super::reminders::sent_count(db, Notice::Message(message.id)).await?;
        lines.push(MessageLine {
            filter: serde_json::from_str(&message.audience).unwrap_or_default(),
            sent,
            message,
        });
    }
    Ok(lines)
}

/// What the organiser sees before sending.
#[derive(Debug, Clone)]
pub struct Previewed {
    /// How many people the message reaches now.
    pub count: usize,
    /// The first of them, whom the example is rendered for.
    pub example_name: String,
    pub swedish: Option<crate::mail::messages::RenderedEmail>,
    /// Only when there is English text (otherwise English readers get the
    /// Swedish one, as shown).
    pub english: Option<crate::mail::messages::RenderedEmail>,
}

/// Counts the audience and renders the message for its first person, in
/// Swedish and (when written) English, with a placeholder link.
pub async fn preview(
    db: &impl ConnectionTrait,
    event: &event::Model,
    form: &MessageForm,
    base_url: &url::Url,
    now: DateTime<Utc>,
) -> Result<Previewed, DbErr> {
    use crate::mail::messages::MessageContext;
    use crate::mail::notices::render_message;
    let people = audience(db, event.id, &form.audience).await?;
    let Some(first) = people.first() else {
        return Ok(Previewed {
            count: 0,
            example_name: String::new(),
            swedish: None,
            english: None,
        });
    };
    let message = organiser_message::Model {
        id: 0,
        event_id: event.id,
        submission_key: String::new(),
        subject_sv: crate::mail::compose::header_safe(&form.subject_sv),
        subject_en: crate::mail::compose::header_safe(&form.subject_en),
        body_sv: form.body_sv.trim().to_owned(),
        body_en: form.body_en.trim().to_owned(),
        audience: String::new(),
        with_invite: form.with_invite(),
        recipients: 0,
        sent_by: String::new(),
        created_at: now,
    };
    let programme = crate::db::events::programme(db, event.id).await?;
    let mut payload = Notice::Message(0).preview_payload();
    payload.registration_id = Some(first.id);
    if !form.with_invite() {
        payload.invite = None;
    }
    let payload = crate::mail::notices::current_payload(&payload, first, event);
    let render_in = |locale: &str| {
        let mut registration = first.clone();
        registration.locale = locale.to_owned();
        let ctx = MessageContext {
            payload: &payload,
            event,
            registration: &registration,
            programme: &programme,
            choices: &[],
            waitlist_position: None,
            affiliation: String::new(),
            base_url,
        };
        let mut email = render_message(&ctx, &message, now);
        // The placeholder link reads as "…", not as its URL encoding.
        for part in [&mut email.text, &mut email.html] {
            *part = part.replace("%E2%80%A6", "…");
        }
        email
    };
    let english = (!form.subject_en.trim().is_empty() || !form.body_en.trim().is_empty())
        .then(|| render_in("en"));
    Ok(Previewed {
        count: people.len(),
        example_name: first.name.clone(),
        swedish: Some(render_in("sv")),
        english,
    })
}
