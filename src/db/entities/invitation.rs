use sea_orm::entity::prelude::*;

use crate::domain::status::InvitationStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: i32,
    pub name: String,
    pub email: String,
    pub email_normalized: String,
    pub municipality_code: Option<String>,
    pub organisation: Option<String>,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub status: InvitationStatus,
    pub registration_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
