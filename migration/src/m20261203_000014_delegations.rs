//! `delegations`: one person (the contact, often an assistant) registers
//! several colleagues in one form. Each colleague is a full registration
//! that names its delegation (`registrations.delegation_id`); the contact
//! reaches the delegation's page through a secret link of their own.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Delegations {
    Table,
    Id,
    EventId,
    ContactName,
    ContactEmail,
    ContactEmailNormalized,
    MunicipalityCode,
    Organisation,
    Locale,
    TokenHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    DelegationId,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    DelegationId,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Delegations::Table)
                    .col(uuid(Delegations::Id).primary_key())
                    .col(integer(Delegations::EventId))
                    .col(string(Delegations::ContactName))
                    .col(string(Delegations::ContactEmail))
                    .col(string(Delegations::ContactEmailNormalized))
                    .col(string_null(Delegations::MunicipalityCode))
                    .col(string_null(Delegations::Organisation))
                    .col(string(Delegations::Locale))
                    .col(string_uniq(Delegations::TokenHash))
                    .col(timestamp_with_time_zone(Delegations::CreatedAt))
                    .col(timestamp_with_time_zone(Delegations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Delegations::Table, Delegations::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(uuid_null(Registrations::DelegationId))
                    .to_owned(),
            )
            .await?;
        // The contact's email is about the delegation, not one registration.
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(uuid_null(Outbox::DelegationId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_registrations_delegation")
                    .table(Registrations::Table)
                    .col(Registrations::DelegationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_registrations_delegation")
                    .table(Registrations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::DelegationId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .drop_column(Registrations::DelegationId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Delegations::Table).to_owned())
            .await
    }
}
