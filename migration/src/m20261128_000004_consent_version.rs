//! The version of the privacy notice each registrant agreed to.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    ConsentVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(string(Registrations::ConsentVersion).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .drop_column(Registrations::ConsentVersion)
                    .to_owned(),
            )
            .await
    }
}
