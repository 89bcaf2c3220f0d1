//! Reminder rules: organisers set them per event; a scheduler that every
//! instance runs sends each due rule once, through the outbox.
//!
//! Safety with several instances and restarts: a rule is claimed by one
//! conditional `UPDATE … SET ran_at = now WHERE id = ? AND ran_at IS NULL`
//! in the transaction that writes its emails. On PostgreSQL a second
//! instance's claim waits for the first transaction and then matches no
//! row; on SQLite write transactions are serialised (`BEGIN IMMEDIATE`).
//! Beneath that, each email's dedupe key names the rule and the person
//! (`mail::enqueue::enqueue_notice`), so not even a claim that went wrong
//! could queue a second copy.
//!
//! Who is skipped: people who registered (or were invited) less than 24
//! hours before the run, cancelled registrations, and every registration of
//! a cancelled or finished event. Those who became eligible after a rule
//! ran do not get it afterwards (a rule runs once).
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use tokio::sync::watch;

use crate::db::entities::{
    event, invitation, organiser, outbox, registration, registration_choice, reminder_rule,
};
use crate::db::{self, events, registrations};
use crate::domain::choice::ChoiceStatus;
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::domain::reminder::{
    Audience, FRESH, RuleClock, RuleState, Timing, TimingKind, parse_local_time,
};
use crate::domain::reminder_form::clean_line;
pub use crate::domain::reminder_form::{NewRule, RuleForm};
use crate::domain::status::{InvitationStatus, OutboxStatus};
use crate::domain::token::ManageToken;
use crate::i18n::format;
use crate::mail::enqueue::{Notice, enqueue_invitation_notice, enqueue_notice};
use crate::services::audit;

/// How often each instance's scheduler looks for due rules.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// The rule's timing as the organiser set it.
pub fn timing_of(rule: &reminder_rule::Model) -> Option<Timing> {
    match rule.timing {
        TimingKind::BeforeStart => Some(Timing::BeforeStart {
            days: u32::try_from(rule.days_before?).ok()?,
            at: parse_local_time(rule.local_time.as_deref()?)?,
        }),
        TimingKind::BeforeClose => Some(Timing::BeforeClose {
            hours: u32::try_from(rule.hours_before?).ok()?,
        }),
        TimingKind::Fixed => rule.fixed_at.map(Timing::Fixed),
    }
}

/// When the rule is due, computed from the event as it is now.
pub fn due_at(rule: &reminder_rule::Model, event: &event::Model) -> Option<DateTime<Utc>> {
    timing_of(rule).map(|timing| {
        timing.due_at(
            event.starts_at,
            event.registration_closes_at,
            format::zone(&event.time_zone),
        )
    })
}

/// Where the rule stands at `now`.
pub fn state_of(
    rule: &reminder_rule::Model,
    event: &event::Model,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, RuleState) {
    let Some(due_at) = due_at(rule, event) else {
        return (None, RuleState::Stopped);
    };
    let clock = RuleClock {
        due_at,
        created_at: rule.created_at,
        confirmed_at: rule.confirmed_at,
        ran_at: rule.ran_at,
        event_cancelled: event.status == EventStatus::Cancelled,
        event_ends_at: event.ends_at,
    };
    (Some(due_at), clock.state(now))
}

/// Saves a new rule (audited). A rule whose time has passed is stored all
/// the same and shows as missed; it sends only once confirmed.
pub async fn create(
    db: &DatabaseConnection,
    event: &event::Model,
    rule: &NewRule,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<reminder_rule::Model, DbErr> {
    let (timing, days_before, local_time, hours_before, fixed_at) = match rule.timing {
        Timing::BeforeStart { days, at } => (
            TimingKind::BeforeStart,
            Some(days as i32),
            Some(at.format("%H:%M").to_string()),
            None,
            None,
        ),
        Timing::BeforeClose { hours } => (
            TimingKind::BeforeClose,
            None,
            None,
            Some(hours as i32),
            None,
        ),
        Timing::Fixed(at) => (TimingKind::Fixed, None, None, None, Some(at)),
    };
    let txn = db::begin_write(db).await?;
    let saved = reminder_rule::ActiveModel {
        event_id: Set(event.id),
        audience: Set(rule.audience),
        item_id: Set(rule.item_id),
        timing: Set(timing),
        days_before: Set(days_before),
        local_time: Set(local_time),
        hours_before: Set(hours_before),
        fixed_at: Set(fixed_at),
        subject_sv: Set(clean_line(&rule.form.subject_sv)),
        subject_en: Set(clean_line(&rule.form.subject_en)),
        body_sv: Set(rule.form.body_sv.trim().to_owned()),
        body_en: Set(rule.form.body_en.trim().to_owned()),
        created_at: Set(now),
        confirmed_at: Set(None),
        ran_at: Set(None),
        reached: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        "reminder.create",
        &event.slug,
        &format!("rule {} ({}, {})", saved.id, saved.audience, saved.timing),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One rule of an event.
pub async fn find(
    db: &impl ConnectionTrait,
    event_id: i32,
    rule_id: i32,
) -> Result<Option<reminder_rule::Model>, DbErr> {
    reminder_rule::Entity::find_by_id(rule_id)
        .filter(reminder_rule::Column::EventId.eq(event_id))
        .one(db)
        .await
}

/// Deletes a rule that has not run (audited); a rule that ran stays, as
/// the record of what was sent. Returns whether it was deleted.
pub async fn delete(
    db: &DatabaseConnection,
    event: &event::Model,
    rule_id: i32,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    let deleted = reminder_rule::Entity::delete_many()
        .filter(reminder_rule::Column::Id.eq(rule_id))
        .filter(reminder_rule::Column::EventId.eq(event.id))
        .filter(reminder_rule::Column::RanAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if deleted {
        audit::record(
            &txn,
            who,
            "reminder.delete",
            &event.slug,
            &format!("rule {rule_id}"),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(deleted)
}

/// An organiser confirms a missed rule: it is marked confirmed (audited)
/// and sent at once, through the same claim as the scheduler's. Returns
/// how many emails were written (0 when the rule was not missed).
pub async fn confirm(
    db: &DatabaseConnection,
    event: &event::Model,
    rule_id: i32,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let Some(rule) = find(db, event.id, rule_id).await? else {
        return Ok(0);
    };
    if state_of(&rule, event, now).1 != RuleState::Missed {
        return Ok(0);
    }
    let txn = db::begin_write(db).await?;
    reminder_rule::Entity::update_many()
        .col_expr(reminder_rule::Column::ConfirmedAt, Expr::value(now))
        .filter(reminder_rule::Column::Id.eq(rule_id))
        .filter(reminder_rule::Column::RanAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        who,
        "reminder.confirm",
        &event.slug,
        &format!("rule {rule_id}"),
        now,
    )
    .await?;
    txn.commit().await?;
    run_rule(db, rule_id, now).await
}

/// The registrations a rule reaches at `now`.
fn audience_query(
    event_id: i32,
    rule: &reminder_rule::Model,
    now: DateTime<Utc>,
) -> sea_orm::Select<registration::Entity> {
    let query = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::CreatedAt.lte(now - FRESH))
        .order_by_asc(registration::Column::CreatedAt);
    match rule.audience {
        Audience::Confirmed | Audience::Invitees => {
            query.filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        }
        Audience::Waitlisted => {
            query.filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        }
        Audience::Item => {
            let holders = Query::select()
                .column(registration_choice::Column::RegistrationId)
                .from(registration_choice::Entity)
                .and_where(Expr::col(registration_choice::Column::ItemId).eq(rule.item_id))
                .and_where(
                    Expr::col(registration_choice::Column::Status).eq(ChoiceStatus::Confirmed),
                )
                .to_owned();
            query
                .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
                .filter(registration::Column::Id.in_subquery(holders))
        }
    }
}

/// The invitees a rule reaches at `now`: not answered, invited (and not
/// reminded by hand) more than 24 hours ago.
fn invitee_query(event_id: i32, now: DateTime<Utc>) -> sea_orm::Select<invitation::Entity> {
    invitation::Entity::find()
        .filter(invitation::Column::EventId.eq(event_id))
        .filter(invitation::Column::Status.eq(InvitationStatus::Sent))
        .filter(invitation::Column::CreatedAt.lte(now - FRESH))
        .filter(
            invitation::Column::RemindedAt
                .is_null()
                .or(invitation::Column::RemindedAt.lte(now - FRESH)),
        )
        .order_by_asc(invitation::Column::CreatedAt)
}

/// How many people the rule reaches if it runs at `at`.
pub async fn reach(
    db: &impl ConnectionTrait,
    rule: &reminder_rule::Model,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    match rule.audience {
        Audience::Invitees => invitee_query(rule.event_id, at).count(db).await,
        _ => audience_query(rule.event_id, rule, at).count(db).await,
    }
}

/// How many of a rule's (or a message's) emails were sent.
pub async fn sent_count(db: &impl ConnectionTrait, notice: Notice) -> Result<u64, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::DedupeKey.starts_with(notice.key_prefix()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Sent))
        .count(db)
        .await
}

/// One rule as the back-office lists it.
#[derive(Debug, Clone)]
pub struct RuleLine {
    pub rule: reminder_rule::Model,
    pub due_at: Option<DateTime<Utc>>,
    pub state: RuleState,
    /// How many it reaches (when it runs, or reached when it ran).
    pub reach: u64,
    pub sent: u64,
    pub item_title: Option<String>,
}

/// Every rule of an event, by due time, with its state and counts.
pub async fn overview(
    db: &impl ConnectionTrait,
    event: &event::Model,
    now: DateTime<Utc>,
) -> Result<Vec<RuleLine>, DbErr> {
    let rules = reminder_rule::Entity::find()
        .filter(reminder_rule::Column::EventId.eq(event.id))
        .order_by_asc(reminder_rule::Column::Id)
        .all(db)
        .await?;
    let programme = events::programme(db, event.id).await?;
    let mut lines = Vec::with_capacity(rules.len());
    for rule in rules {
        let (due, state) = state_of(&rule, event, now);
        let reach = if rule.ran_at.is_some() {
            u64::try_from(rule.reached).unwrap_or(0)
        } else {
            let at = due.map_or(now, |due| Ord::max(due, now));
            self::reach(db, &rule, at).await?
        };
        let sent = sent_count(db, Notice::Reminder(rule.id)).await?;
        let item_title = rule
            .item_id
            .and_then(|id| programme.iter().find(|i| i.id == id))
            .map(|i| i.title.clone());
        lines.push(RuleLine {
            due_at: due,
            state,
            reach,
            sent,
            item_title,
            rule,
        });
    }
    lines.sort_by_key(|line| line.due_at);
    Ok(lines)
}

/// Runs one rule if it is due at `now`: claims it and writes one email per
/// person in one transaction. Returns how many emails were written.
pub async fn run_rule(
    db: &DatabaseConnection,
    rule_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let txn = db::begin_write(db).await?;
    let Some(rule) = reminder_rule::Entity::find_by_id(rule_id).one(&txn).await? else {
        return Ok(0);
    };
    let Some(event) = events::find_by_id(&txn, rule.event_id).await? else {
        return Ok(0);
    };
    if state_of(&rule, &event, now).1 != RuleState::Due {
        return Ok(0);
    }
    // The claim: one instance's UPDATE matches; any other matches nothing.
    let claimed = reminder_rule::Entity::update_many()
        .col_expr(reminder_rule::Column::RanAt, Expr::value(now))
        .filter(reminder_rule::Column::Id.eq(rule_id))
        .filter(reminder_rule::Column::RanAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed != 1 {
        return Ok(0);
    }
    let notice = Notice::Reminder(rule.id);
    let mut written = 0u64;
    if rule.audience == Audience::Invitees {
        for invitee in invitee_query(event.id, now).all(&txn).await? {
            // An invitation has one link: the reminder carries a new one
            // (as the back-office's "remind" does).
            let token = ManageToken::generate();
            let mut row: invitation::ActiveModel = invitee.into();
            row.token_hash = Set(token.hash());
            row.reminded_at = Set(Some(now));
            row.updated_at = Set(now);
            let saved = row.update(&txn).await?;
            if enqueue_invitation_notice(&txn, &saved, notice, &token, now).await? {
                written += 1;
            }
        }
    } else {
        let invite = rule.audience != Audience::Waitlisted;
        for person in audience_query(event.id, &rule, now).all(&txn).await? {
            let token = ManageToken::generate();
            registrations::add_link(&txn, person.id, &token, now).await?;
            if enqueue_notice(&txn, &person, notice, &token, invite, now).await? {
                written += 1;
            }
        }
    }
    reminder_rule::Entity::update_many()
        .col_expr(
            reminder_rule::Column::Reached,
            Expr::value(i32::try_from(written).unwrap_or(i32::MAX)),
        )
        .filter(reminder_rule::Column::Id.eq(rule_id))
        .exec(&txn)
        .await?;
    audit::record_system(
        &txn,
        "reminder.run",
        &format!("{}: rule {rule_id}, {written} emails", event.slug),
        now,
    )
    .await?;
    crate::mail::wake::commit(txn).await?;
    tracing::info!(rule = rule_id, event = %event.slug, written, "reminder rule ran");
    Ok(written)
}

/// Runs every rule that is due at `now`; returns how many emails were
/// written. Safe to call from any number of instances at once.
pub async fn run_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let open_events = Query::select()
        .column(event::Column::Id)
        .from(event::Entity)
        .and_where(Expr::col(event::Column::Status).ne(EventStatus::Cancelled))
        .and_where(Expr::col(event::Column::EndsAt).gt(now))
        .to_owned();
    let rules = reminder_rule::Entity::find()
        .filter(reminder_rule::Column::RanAt.is_null())
        .filter(reminder_rule::Column::EventId.in_subquery(open_events))
        .all(db)
        .await?;
    let mut written = 0;
    for rule in rules {
        let Some(event) = events::find_by_id(db, rule.event_id).await? else {
            continue;
        };
        if state_of(&rule, &event, now).1 == RuleState::Due {
            written += run_rule(db, rule.id, now).await?;
        }
    }
    Ok(written)
}

/// The scheduler: runs due rules at start and then every [`TICK`], until
/// `stop` turns true.
pub async fn schedule(db: DatabaseConnection, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(err) = run_due(&db, Utc::now()).await {
            tracing::warn!(error = %err, "reminder scheduler could not run");
        }
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {}
        }
    }
}
