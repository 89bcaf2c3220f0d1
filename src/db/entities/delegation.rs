use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delegations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: i32,
    /// The person who registered the delegation (who may not attend).
    pub contact_name: String,
    pub contact_email: String,
    pub contact_email_normalized: String,
    pub municipality_code: Option<String>,
    pub organisation: Option<String>,
    /// The contact's language, for their email.
    pub locale: String,
    /// The hash of the contact's secret link to the delegation's page.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
