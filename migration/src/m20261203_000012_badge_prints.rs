//! `badge_prints`: when each registration's badge was last printed, and
//! what it said then, so "only new or changed since the last print" can be
//! one click.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BadgePrints {
    Table,
    RegistrationId,
    PrintedAt,
    Fingerprint,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BadgePrints::Table)
                    .col(uuid(BadgePrints::RegistrationId).primary_key())
                    .col(timestamp_with_time_zone(BadgePrints::PrintedAt))
                    .col(string(BadgePrints::Fingerprint))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BadgePrints::Table, BadgePrints::RegistrationId)
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BadgePrints::Table).to_owned())
            .await
    }
}
