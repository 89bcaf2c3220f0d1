//! Privacy by default: personal data is erased on a schedule after each
//! event ends. Every step is one idempotent UPDATE or DELETE, so several
//! instances running it at once do no harm; every run is audited.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::config::PrivacySettings;
use crate::db::entities::{
    answer, event, invitation, manage_link, outbox, programme_item, question, registration,
    sheet_download,
};
use crate::domain::status::OutboxStatus;
use crate::services::audit;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub needs_erased: u64,
    /// Answers to sensitive questions erased.
    pub sensitive_answers_erased: u64,
    pub anonymised: u64,
    pub invitations_deleted: u64,
    pub emails_deleted: u64,
}

/// Ids of events that ended before `cutoff`.
fn ended_before(cutoff: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(event::Column::Id)
        .from(event::Entity)
        .and_where(Expr::col(event::Column::EndsAt).lt(cutoff))
        .to_owned()
}

/// Applies the retention rules as of `now` (the clock is a parameter, so
/// tests move it instead of sleeping).
pub async fn run(
    db: &DatabaseConnection,
    rules: PrivacySettings,
    now: DateTime<Utc>,
) -> Result<RetentionReport, DbErr> {
    let needs_cutoff = now - Duration::days(i64::from(rules.erase_needs_after_days));
    let anonymise_cutoff = now - Duration::days(i64::from(rules.anonymise_after_days));
    let needs_erased = registration::Entity::update_many()
        .col_expr(
            registration::Column::DietaryNeeds,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::AccessibilityNeeds,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::Diet,
            Expr::value(Option::<String>::None),
        )
        .col_expr(registration::Column::Allergens, Expr::value(""))
        .filter(registration::Column::EventId.in_subquery(ended_before(needs_cutoff)))
        .filter(
            registration::Column::DietaryNeeds
                .is_not_null()
                .or(registration::Column::AccessibilityNeeds.is_not_null())
                .or(registration::Column::Diet.is_not_null())
                .or(registration::Column::Allergens.ne("")),
        )
        .exec(db)
        .await?
        .rows_affected;
    // The caterer's sheets remembered for "what changed" hold names and
    // diets: they go with the needs.
    erase_sheet_memory(db, ended_before(needs_cutoff)).await?;
    let sensitive_cutoff =
        now - Duration::days(i64::from(rules.erase_sensitive_answers_after_days));
    let sensitive_answers_erased =
        erase_sensitive_answers(db, ended_before(sensitive_cutoff)).await?;
    let mut report = RetentionReport {
        needs_erased,
        sensitive_answers_erased,
        ..RetentionReport::default()
    };

    report.anonymised = anonymise(db, ended_before(anonymise_cutoff)).await?;
    erase_sheet_memory(db, ended_before(anonymise_cutoff)).await?;

    report.invitations_deleted = invitation::Entity::delete_many()
        .filter(invitation::Column::EventId.in_subquery(ended_before(anonymise_cutoff)))
        .exec(db)
        .await?
        .rows_affected;

    // Sent and failed emails hold an address; they are kept as long as the
    // registration data, for the organisers' email log, then deleted.
    report.emails_deleted = outbox::Entity::delete_many()
        .filter(outbox::Column::Status.is_in([OutboxStatus::Sent, OutboxStatus::Failed]))
        .filter(outbox::Column::CreatedAt.lt(anonymise_cutoff))
        .exec(db)
        .await?
        .rows_affected;

    audit::record_system(
        db,
        "retention.run",
        &format!(
            "needs erased: {}, sensitive answers erased: {}, anonymised: {}, invitations deleted: {}, emails deleted: {}",
            report.needs_erased,
            report.sensitive_answers_erased,
            report.anonymised,
            report.invitations_deleted,
            report.emails_deleted
        ),
        now,
    )
    .await?;
    Ok(report)
}

/// Deletes the answers to the sensitive questions of the events
/// `event_ids` selects.
async fn erase_sensitive_answers(
    db: &impl sea_orm::ConnectionTrait,
    event_ids: sea_orm::sea_query::SelectStatement,
) -> Result<u64, DbErr> {
    let sensitive = Query::select()
        .column(question::Column::Id)
        .from(question::Entity)
        .and_where(question::Column::EventId.in_subquery(event_ids))
        .and_where(Expr::col(question::Column::Sensitive).eq(true))
        .to_owned();
    Ok(answer::Entity::delete_many()
        .filter(answer::Column::QuestionId.in_subquery(sensitive))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes every answer to the questions of the events `event_ids`
/// selects (anonymising keeps no answer: any may be personal).
async fn erase_all_answers(
    db: &impl sea_orm::ConnectionTrait,
    event_ids: sea_orm::sea_query::SelectStatement,
) -> Result<u64, DbErr> {
    let questions = Query::select()
        .column(question::Column::Id)
        .from(question::Entity)
        .and_where(question::Column::EventId.in_subquery(event_ids))
        .to_owned();
    Ok(answer::Entity::delete_many()
        .filter(answer::Column::QuestionId.in_subquery(questions))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes the remembered caterer's sheets of the events `event_ids`
/// selects.
async fn erase_sheet_memory(
    db: &impl sea_orm::ConnectionTrait,
    event_ids: sea_orm::sea_query::SelectStatement,
) -> Result<u64, DbErr> {
    let items = sea_orm::sea_query::Query::select()
        .column(programme_item::Column::Id)
        .from(programme_item::Entity)
        .and_where(programme_item::Column::EventId.in_subquery(event_ids))
        .to_owned();
    Ok(sheet_download::Entity::delete_many()
        .filter(sheet_download::Column::ItemId.in_subquery(items))
        .exec(db)
        .await?
        .rows_affected)
}

/// Anonymises the registrations of the events `event_ids` selects. The
/// normalised email must stay unique among active registrations, so it takes
/// the (random, non-personal) token hash; the hash itself is prefixed so the
/// old link no longer opens anything.
async fn anonymise(
    db: &impl sea_orm::ConnectionTrait,
    event_ids: sea_orm::sea_query::SelectStatement,
) -> Result<u64, DbErr> {
    // Their links stop working: nothing personal is left behind them.
    let registrations = sea_orm::sea_query::Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(registration::Column::EventId.in_subquery(event_ids.clone()))
        .to_owned();
    manage_link::Entity::delete_many()
        .filter(manage_link::Column::RegistrationId.in_subquery(registrations))
        .exec(db)
        .await?;
    erase_all_answers(db, event_ids.clone()).await?;
    // A delegation holds its contact's name and address.
    crate::db::entities::delegation::Entity::delete_many()
        .filter(crate::db::entities::delegation::Column::EventId.in_subquery(event_ids.clone()))
        .exec(db)
        .await?;
    Ok(registration::Entity::update_many()
        .col_expr(registration::Column::Name, Expr::value(""))
        .col_expr(registration::Column::Email, Expr::value(""))
        .col_expr(
            registration::Column::EmailNormalized,
            Expr::col(registration::Column::ManageTokenHash),
        )
        .col_expr(
            registration::Column::ManageTokenHash,
            // `||` concatenates text on both SQLite and PostgreSQL.
            Expr::cust("'anon:' || manage_token_hash"),
        )
        .col_expr(registration::Column::RoleTitle, Expr::value(""))
        // Off the participant list: nothing of the person is left to show.
        .col_expr(
            registration::Column::ParticipantListConsentedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            registration::Column::Phone,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::Organisation,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::DietaryNeeds,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::AccessibilityNeeds,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration::Column::Diet,
            Expr::value(Option::<String>::None),
        )
        .col_expr(registration::Column::Allergens, Expr::value(""))
        .col_expr(registration::Column::SearchText, Expr::value(""))
        .filter(registration::Column::EventId.in_subquery(event_ids))
        .filter(registration::Column::Email.ne(""))
        .exec(db)
        .await?
        .rows_affected)
}

/// Erases an event's personal data at once (an organiser's purge): its
/// registrations are anonymised, its invitations and its emails deleted.
pub async fn purge_event(
    db: &DatabaseConnection,
    event_id: i32,
    who: Option<&crate::db::entities::organiser::Model>,
    now: DateTime<Utc>,
) -> Result<RetentionReport, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let only = Query::select()
        .column(event::Column::Id)
        .from(event::Entity)
        .and_where(Expr::col(event::Column::Id).eq(event_id))
        .to_owned();
    erase_sheet_memory(&txn, only.clone()).await?;
    let emails_deleted = outbox::Entity::delete_many()
        .filter(crate::mail::outbox::of_event(event_id))
        .exec(&txn)
        .await?
        .rows_affected;
    let report = RetentionReport {
        needs_erased: 0,
        sensitive_answers_erased: 0,
        anonymised: anonymise(&txn, only).await?,
        invitations_deleted: invitation::Entity::delete_many()
            .filter(invitation::Column::EventId.eq(event_id))
            .exec(&txn)
            .await?
            .rows_affected,
        emails_deleted,
    };
    let details = format!("event {event_id}: {report:?}");
    match who {
        Some(who) => {
            audit::record(
                &txn,
                who,
                "event.purge",
                &event_id.to_string(),
                &details,
                now,
            )
            .await?
        }
        None => audit::record_system(&txn, "event.purge", &details, now).await?,
    }
    txn.commit().await?;
    Ok(report)
}

/// Runs the retention rules at start and then daily until `stop` is set.
pub async fn schedule(
    db: DatabaseConnection,
    rules: PrivacySettings,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    loop {
        tokio::select! {
            _ = daily.tick() => {
                match run(&db, rules, Utc::now()).await {
                    Ok(report) => tracing::info!(?report, "retention rules applied"),
                    Err(err) => tracing::warn!(error = %err, "retention run failed; retried tomorrow"),
                }
            }
            _ = stop.changed() => break,
        }
    }
}
