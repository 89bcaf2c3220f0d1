use sea_orm::entity::prelude::*;

use crate::domain::reminder::{Audience, TimingKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    pub audience: Audience,
    /// The programme item, for [`Audience::Item`].
    pub item_id: Option<i32>,
    pub timing: TimingKind,
    pub days_before: Option<i32>,
    /// `HH:MM` in the event's time zone.
    pub local_time: Option<String>,
    pub hours_before: Option<i32>,
    pub fixed_at: Option<DateTimeUtc>,
    pub subject_sv: String,
    pub subject_en: String,
    pub body_sv: String,
    pub body_en: String,
    pub created_at: DateTimeUtc,
    /// An organiser confirmed sending a missed rule.
    pub confirmed_at: Option<DateTimeUtc>,
    /// When one instance claimed the rule and wrote its emails.
    pub ran_at: Option<DateTimeUtc>,
    /// How many emails that run wrote.
    pub reached: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
