//! The organiser back-office: accounts, sessions, login throttling, the
//! first-run setup link, invitations, the audit log, and check-in.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
    Email,
    Name,
    Role,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrganiserSessions {
    Table,
    IdHash,
    OrganiserId,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Key,
    AttemptedAt,
}

#[derive(DeriveIden)]
enum SetupTokens {
    Table,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    EventId,
    Name,
    Email,
    EmailNormalized,
    MunicipalityCode,
    Organisation,
    TokenHash,
    Status,
    RegistrationId,
    CreatedAt,
    UpdatedAt,
    RemindedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrganiserId,
    OrganiserEmail,
    Action,
    Target,
    Details,
    At,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    CheckedInAt,
    SearchText,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    InvitationId,
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
                    .table(Organisers::Table)
                    .col(uuid(Organisers::Id).primary_key())
                    .col(string_uniq(Organisers::Email))
                    .col(string(Organisers::Name))
                    .col(string(Organisers::Role))
                    .col(string(Organisers::PasswordHash))
                    .col(timestamp_with_time_zone(Organisers::CreatedAt))
                    .col(timestamp_with_time_zone(Organisers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganiserSessions::Table)
                    .col(string(OrganiserSessions::IdHash).primary_key())
                    .col(uuid(OrganiserSessions::OrganiserId))
                    .col(timestamp_with_time_zone(OrganiserSessions::CreatedAt))
                    .col(timestamp_with_time_zone(OrganiserSessions::LastSeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganiserSessions::Table, OrganiserSessions::OrganiserId)
                            .to(Organisers::Table, Organisers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(pk_auto(LoginAttempts::Id))
                    .col(string(LoginAttempts::Key))
                    .col(timestamp_with_time_zone(LoginAttempts::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_key")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::Key)
                    .col(LoginAttempts::AttemptedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SetupTokens::Table)
                    .col(string(SetupTokens::TokenHash).primary_key())
                    .col(timestamp_with_time_zone(SetupTokens::CreatedAt))
                    .col(timestamp_with_time_zone(SetupTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SetupTokens::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(uuid(Invitations::Id).primary_key())
                    .col(integer(Invitations::EventId))
                    .col(string(Invitations::Name))
                    .col(string(Invitations::Email))
                    .col(string(Invitations::EmailNormalized))
                    .col(string_len_null(Invitations::MunicipalityCode, 4))
                    .col(string_null(Invitations::Organisation))
                    .col(string_uniq(Invitations::TokenHash))
                    .col(string(Invitations::Status))
                    .col(uuid_null(Invitations::RegistrationId))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Invitations::RemindedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::EventId)
                            .to(Events::Table, Events::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitations_event_email")
                    .table(Invitations::Table)
                    .col(Invitations::EventId)
                    .col(Invitations::EmailNormalized)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(uuid_null(AuditLog::OrganiserId))
                    .col(string(AuditLog::OrganiserEmail))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::Target))
                    .col(text(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(timestamp_with_time_zone_null(Registrations::CheckedInAt))
                    .to_owned(),
            )
            .await?;
        // Lower-cased name, email and organisation, written by the service:
        // SQLite's lower() folds only ASCII, so "Öberg" must be folded in Rust
        // for a case-insensitive search to work on both databases.
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(text(Registrations::SearchText).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE registrations SET search_text = lower(name || ' ' || email || ' ' || coalesce(organisation, ''))",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(uuid_null(Outbox::InvitationId))
                    .to_owned(),
            )
            .await?;
        // The attendee table searches and sorts by name within an event.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_registrations_event_name ON registrations (event_id, name)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_registrations_event_name")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::InvitationId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .drop_column(Registrations::CheckedInAt)
                    .drop_column(Registrations::SearchText)
                    .to_owned(),
            )
            .await?;
        for table in [
            AuditLog::Table.into_iden(),
            Invitations::Table.into_iden(),
            SetupTokens::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            OrganiserSessions::Table.into_iden(),
            Organisers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
