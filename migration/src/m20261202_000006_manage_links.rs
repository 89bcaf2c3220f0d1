//! A registration keeps every manage link an email carried: one row per
//! link, stored only as the SHA-256 of its token. The link each registration
//! has today is copied over, so no link stops working.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ManageLinks {
    Table,
    TokenHash,
    RegistrationId,
    CreatedAt,
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
                    .table(ManageLinks::Table)
                    .col(string(ManageLinks::TokenHash).primary_key())
                    .col(uuid(ManageLinks::RegistrationId))
                    .col(timestamp_with_time_zone(ManageLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ManageLinks::Table, ManageLinks::RegistrationId)
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_manage_links_registration")
                    .table(ManageLinks::Table)
                    .col(ManageLinks::RegistrationId)
                    .to_owned(),
            )
            .await?;
        // Anonymised registrations (their hash prefixed `anon:`) have no link.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO manage_links (token_hash, registration_id, created_at) \
                 SELECT manage_token_hash, id, updated_at FROM registrations \
                 WHERE manage_token_hash NOT LIKE 'anon:%'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ManageLinks::Table).to_owned())
            .await
    }
}
