//! Database migrations for anmalan. One file per migration, named
//! `mYYYYMMDD_HHMMSS_name.rs`; every migration runs on SQLite and PostgreSQL.
pub use sea_orm_migration::prelude::*;

mod m20261128_000001_initial_schema;
mod m20261128_000002_member_municipalities;
mod m20261128_000003_back_office;
mod m20261128_000004_consent_version;
mod m20261128_000005_api_tokens;
mod m20261202_000006_manage_links;
mod m20261202_000008_programme_choices;
mod m20261202_000009_idna_addresses;
mod m20261203_000010_questions;
mod m20261203_000011_event_week;
mod m20261203_000012_badge_prints;
mod m20261203_000013_substitutes;
mod m20261203_000014_delegations;

/// Applies every migration in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_initial_schema::Migration),
            Box::new(m20261128_000002_member_municipalities::Migration),
            Box::new(m20261128_000003_back_office::Migration),
            Box::new(m20261128_000004_consent_version::Migration),
            Box::new(m20261128_000005_api_tokens::Migration),
            Box::new(m20261202_000006_manage_links::Migration),
            Box::new(m20261202_000008_programme_choices::Migration),
            Box::new(m20261202_000009_idna_addresses::Migration),
            Box::new(m20261203_000010_questions::Migration),
            Box::new(m20261203_000011_event_week::Migration),
            Box::new(m20261203_000012_badge_prints::Migration),
            Box::new(m20261203_000013_substitutes::Migration),
            Box::new(m20261203_000014_delegations::Migration),
        ]
    }
}
