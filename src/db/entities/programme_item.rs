use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programme_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    pub position: i32,
    pub starts_at: DateTimeUtc,
    pub ends_at: Option<DateTimeUtc>,
    pub title: String,
    pub place: Option<String>,
    /// Stable within the event: a saved programme keeps the choices made of
    /// the items it keeps.
    pub item_key: String,
    /// A registrant can choose it.
    pub choosable: bool,
    /// Seats; `None` is unlimited.
    pub capacity: Option<i32>,
    pub confirmed_count: i32,
    pub waitlist_counter: i32,
    /// A meal: the caterer's sheet counts its covers and diets.
    pub is_meal: bool,
    /// Covers beyond the registrants (speakers, staff).
    pub extra_covers: i32,
    /// After this, only organisers change the choice (and it is flagged late).
    pub choice_deadline: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
