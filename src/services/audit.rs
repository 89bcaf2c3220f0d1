//! The audit log of organiser actions: who, what, when, on what.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::db::entities::{audit_entry, organiser};

/// Records one action. Call it in the transaction of the action where there
/// is one, so the log and the change agree.
pub async fn record(
    db: &impl ConnectionTrait,
    who: &organiser::Model,
    action: &str,
    target: &str,
    details: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    entry_insert(who, action, target, details, now)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The insert of [`record`], to run with others ([`crate::db::Together`]).
pub fn entry_insert(
    who: &organiser::Model,
    action: &str,
    target: &str,
    details: &str,
    now: DateTime<Utc>,
) -> sea_orm::Insert<audit_entry::ActiveModel> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        organiser_id: Set(Some(who.id)),
        organiser_email: Set(who.email.clone()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        details: Set(details.to_owned()),
        at: Set(now),
    })
}

/// Records an action a registrant took through their own link (handing
/// their registration to a substitute): no account, their address as who.
pub async fn record_registrant(
    db: &impl ConnectionTrait,
    email: &str,
    action: &str,
    target: &str,
    details: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        organiser_id: Set(None),
        organiser_email: Set(email.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        details: Set(details.to_owned()),
        at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records an action the service took by itself (the retention job).
pub async fn record_system(
    db: &impl ConnectionTrait,
    action: &str,
    details: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit_entry::Entity::insert(audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        organiser_id: Set(None),
        organiser_email: Set("system".to_owned()),
        action: Set(action.to_owned()),
        target: Set(String::new()),
        details: Set(details.to_owned()),
        at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The newest entries first.
pub async fn recent(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::At)
        .limit(limit)
        .all(db)
        .await
}

/// An organiser acting, for the audit log: the account, and the API client
/// it acted through, if any.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub account: &'a organiser::Model,
    pub via: Option<&'a str>,
}

impl<'a> Actor<'a> {
    /// In the back-office.
    pub fn in_back_office(account: &'a organiser::Model) -> Self {
        Self { account, via: None }
    }

    /// What the audit entry says: the API client the change came through,
    /// or else `details`.
    pub fn details(&self, details: &str) -> String {
        match self.via {
            Some(via) => format!("api: {via}"),
            None => details.to_owned(),
        }
    }
}
