use sea_orm::entity::prelude::*;

use crate::domain::event::{EventKind, EventStatus, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub kind: EventKind,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub themes: String,
    pub venue_name: String,
    pub venue_address: String,
    pub host_municipality_code: Option<String>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub time_zone: String,
    pub capacity: Option<i32>,
    pub registration_opens_at: Option<DateTimeUtc>,
    pub registration_closes_at: Option<DateTimeUtc>,
    pub status: EventStatus,
    pub visibility: Visibility,
    pub organiser_email: String,
    pub confirmed_count: i32,
    pub waitlist_counter: i32,
    pub calendar_sequence: i32,
    /// At most this many confirmed registrations per member municipality.
    pub municipality_cap: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
