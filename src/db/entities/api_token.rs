use sea_orm::entity::prelude::*;

use crate::domain::role::TokenScope;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub scope: TokenScope,
    pub organiser_id: Uuid,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organiser::Entity",
        from = "Column::OrganiserId",
        to = "super::organiser::Column::Id"
    )]
    Organiser,
}

impl Related<super::organiser::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organiser.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
