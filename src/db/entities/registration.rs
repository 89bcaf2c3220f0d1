use sea_orm::entity::prelude::*;

use crate::domain::event::RegistrationStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: i32,
    pub name: String,
    pub email: String,
    pub email_normalized: String,
    pub municipality_code: Option<String>,
    pub organisation: Option<String>,
    pub role_title: String,
    pub phone: Option<String>,
    pub dietary_needs: Option<String>,
    pub accessibility_needs: Option<String>,
    pub locale: String,
    pub consented_at: DateTimeUtc,
    pub status: RegistrationStatus,
    pub waitlist_order: Option<i32>,
    #[sea_orm(unique)]
    /// The first link's hash (unique; retention derives the anonymised
    /// address from it). Links are looked up in `manage_links`.
    pub manage_token_hash: String,
    pub calendar_sequence: i32,
    pub link_resent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    pub checked_in_at: Option<DateTimeUtc>,
    pub search_text: String,
    pub consent_version: String,
    /// `none`, `vegetarian` or `vegan` (`domain::choice::Diet`); sensitive.
    pub diet: Option<String>,
    /// Comma-separated allergen codes (`domain::choice::Allergen`); sensitive.
    pub allergens: String,
    /// When the registrant agreed to appear on the participant list; `None`:
    /// not listed. Withdrawing consent sets it back to `None`.
    pub participant_list_consented_at: Option<DateTimeUtc>,
    /// Set when the registration was handed over to a substitute: the
    /// registration that took its place (this one is then cancelled).
    pub replaced_by: Option<Uuid>,
    /// The delegation that registered this person, when a colleague (the
    /// delegation's contact) did it for them.
    pub delegation_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
