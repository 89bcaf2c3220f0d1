//! Delegation queries.
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::entities::{delegation, registration};

/// A delegation by the SHA-256 of its contact's token.
pub async fn find_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<delegation::Model>, DbErr> {
    delegation::Entity::find()
        .filter(delegation::Column::TokenHash.eq(token_hash))
        .one(db)
        .await
}

/// A delegation's colleagues in the order they were registered (the order
/// listed), leaving out anyone who has erased their data.
pub async fn members(
    db: &impl ConnectionTrait,
    delegation_id: Uuid,
) -> Result<Vec<registration::Model>, DbErr> {
    registration::Entity::find()
        .filter(registration::Column::DelegationId.eq(delegation_id))
        .filter(registration::Column::Email.ne(""))
        .order_by_asc(registration::Column::CreatedAt)
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await
}
