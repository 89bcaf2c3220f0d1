use sea_orm::entity::prelude::*;

use crate::domain::choice::ChoiceStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration_choices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub registration_id: Uuid,
    pub item_id: i32,
    pub status: ChoiceStatus,
    /// The place in the item's queue, while waitlisted.
    pub waitlist_order: Option<i32>,
    /// Changed by an organiser after the item's deadline.
    pub late: bool,
    pub checked_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
