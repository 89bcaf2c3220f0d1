use sea_orm::entity::prelude::*;

use crate::domain::question::{Audience, QuestionKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    /// Stable within the event.
    pub question_key: String,
    pub kind: QuestionKind,
    pub label_sv: String,
    pub label_en: String,
    pub help_sv: String,
    pub help_en: String,
    pub required: bool,
    pub position: i32,
    pub audience: Audience,
    pub sensitive: bool,
    /// The earlier question whose answer shows this one.
    pub parent_id: Option<i32>,
    /// Comma-separated option ids, or `yes`/`no`.
    pub show_when: String,
    /// When it last became required (added required, or made required).
    pub required_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::question_option::Entity")]
    Options,
}

impl Related<super::question_option::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Options.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
