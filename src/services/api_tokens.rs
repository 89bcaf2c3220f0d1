//! Organiser API tokens. An admin creates one in the back-office (or with
//! `anmalan api-token create`); its secret is shown once and only its
//! SHA-256 is stored. A token acts for the account that created it, within
//! its scope, and stops working when revoked or when that account can no
//! longer organise.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::db::{
    self,
    entities::{api_token, organiser},
};
use crate::domain::role::Role;
use crate::domain::token::ManageToken;
use crate::services::audit;

/// Every token starts with this, so a leaked one is easy to recognise (and
/// to find with secret scanners).
pub const PREFIX: &str = "anm_";

pub use crate::domain::role::TokenScope as Scope;

/// A token that was just created: the only moment its secret exists.
#[derive(Debug)]
pub struct CreatedToken {
    pub row: api_token::Model,
    pub secret: String,
}

/// Creates a token for `owner`, and records it in the audit log in the same
/// transaction.
pub async fn create(
    db: &DatabaseConnection,
    owner: &organiser::Model,
    name: &str,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<CreatedToken, DbErr> {
    let token = ManageToken::generate();
    let txn = db::begin_write(db).await?;
    let row = api_token::Entity::insert(api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.trim().to_owned()),
        token_hash: Set(token.hash()),
        scope: Set(scope),
        organiser_id: Set(owner.id),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        owner,
        "api_token.create",
        &row.name,
        scope.as_str(),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedToken {
        row,
        secret: format!("{PREFIX}{}", token.as_link_part()),
    })
}

/// Every token, newest first, revoked ones included (for the record).
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await
}

/// Revokes a token and returns it; None if there was no live token with
/// this id.
pub async fn revoke(
    db: &DatabaseConnection,
    id: Uuid,
    by: Option<&organiser::Model>,
    now: DateTime<Utc>,
) -> Result<Option<api_token::Model>, DbErr> {
    let txn = db::begin_write(db).await?;
    let Some(row) = api_token::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(None);
    };
    if row.revoked_at.is_some() {
        return Ok(None);
    }
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    match by {
        Some(who) => audit::record(&txn, who, "api_token.revoke", &row.name, "", now).await?,
        None => audit::record_system(&txn, "api_token.revoke", &row.name, now).await?,
    }
    txn.commit().await?;
    Ok(Some(row))
}

/// An authenticated API caller.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub token: api_token::Model,
    pub scope: Scope,
    pub account: organiser::Model,
}

/// The caller behind `secret`, if it is a live token whose account may
/// still organise. Records the last use at most once a minute.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApiCaller>, DbErr> {
    let Some(token) = secret.strip_prefix(PREFIX).and_then(ManageToken::parse) else {
        return Ok(None);
    };
    // The token and its account in one query.
    let Some((row, Some(account))) = api_token::Entity::find()
        .find_also_related(organiser::Entity)
        .filter(api_token::Column::TokenHash.eq(token.hash()))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let scope = row.scope;
    if !account.role.allows(Role::Organiser) {
        return Ok(None);
    }
    if row
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Some(ApiCaller {
        token: row,
        scope,
        account,
    }))
}
