use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organiser_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    /// The compose form's one-time key: sending twice keeps one message.
    #[sea_orm(unique)]
    pub submission_key: String,
    pub subject_sv: String,
    pub subject_en: String,
    pub body_sv: String,
    pub body_en: String,
    /// The audience filter as JSON (`services::messages::AudienceFilter`).
    pub audience: String,
    /// Whether confirmed recipients get their current invite attached.
    pub with_invite: bool,
    pub recipients: i32,
    /// The organiser's email address.
    pub sent_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
