//! Municipalities, events with their programme, registrations, one-time form
//! submission keys, and the email outbox.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Code,
    Name,
    IsMember,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Slug,
    Kind,
    Title,
    Summary,
    Description,
    Themes,
    VenueName,
    VenueAddress,
    HostMunicipalityCode,
    StartsAt,
    EndsAt,
    TimeZone,
    Capacity,
    RegistrationOpensAt,
    RegistrationClosesAt,
    Status,
    Visibility,
    OrganiserEmail,
    ConfirmedCount,
    WaitlistCounter,
    CalendarSequence,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProgrammeItems {
    Table,
    Id,
    EventId,
    Position,
    StartsAt,
    EndsAt,
    Title,
    Place,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    EventId,
    Name,
    Email,
    EmailNormalized,
    MunicipalityCode,
    Organisation,
    RoleTitle,
    Phone,
    DietaryNeeds,
    AccessibilityNeeds,
    Locale,
    ConsentedAt,
    Status,
    WaitlistOrder,
    ManageTokenHash,
    CalendarSequence,
    LinkResentAt,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum FormSubmissions {
    Table,
    KeyHash,
    RegistrationId,
    SealedToken,
    Outcome,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Recipient,
    Kind,
    RegistrationId,
    Payload,
    DedupeKey,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    MessageId,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Municipalities::Table)
                    .col(string_len(Municipalities::Code, 4).primary_key())
                    .col(string(Municipalities::Name))
                    .col(boolean(Municipalities::IsMember).default(false))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk_auto(Events::Id))
                    .col(string_uniq(Events::Slug))
                    .col(string(Events::Kind))
                    .col(string(Events::Title))
                    .col(text(Events::Summary))
                    .col(text(Events::Description))
                    .col(text(Events::Themes))
                    .col(string(Events::VenueName))
                    .col(string(Events::VenueAddress))
                    .col(string_len_null(Events::HostMunicipalityCode, 4))
                    .col(timestamp_with_time_zone(Events::StartsAt))
                    .col(timestamp_with_time_zone(Events::EndsAt))
                    .col(string(Events::TimeZone))
                    .col(integer_null(Events::Capacity))
                    .col(timestamp_with_time_zone_null(Events::RegistrationOpensAt))
                    .col(timestamp_with_time_zone_null(Events::RegistrationClosesAt))
                    .col(string(Events::Status))
                    .col(string(Events::Visibility))
                    .col(string(Events::OrganiserEmail))
                    .col(integer(Events::ConfirmedCount).default(0))
                    .col(integer(Events::WaitlistCounter).default(0))
                    .col(integer(Events::CalendarSequence).default(0))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::HostMunicipalityCode)
                            .to(Municipalities::Table, Municipalities::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_events_starts_at")
                    .table(Events::Table)
                    .col(Events::StartsAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProgrammeItems::Table)
                    .col(pk_auto(ProgrammeItems::Id))
                    .col(integer(ProgrammeItems::EventId))
                    .col(integer(ProgrammeItems::Position))
                    .col(timestamp_with_time_zone(ProgrammeItems::StartsAt))
                    .col(timestamp_with_time_zone_null(ProgrammeItems::EndsAt))
                    .col(string(ProgrammeItems::Title))
                    .col(string_null(ProgrammeItems::Place))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProgrammeItems::Table, ProgrammeItems::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_programme_items_event")
                    .table(ProgrammeItems::Table)
                    .col(ProgrammeItems::EventId)
                    .col(ProgrammeItems::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Registrations::Table)
                    .col(uuid(Registrations::Id).primary_key())
                    .col(integer(Registrations::EventId))
                    .col(string(Registrations::Name))
                    .col(string(Registrations::Email))
                    .col(string(Registrations::EmailNormalized))
                    .col(string_len_null(Registrations::MunicipalityCode, 4))
                    .col(string_null(Registrations::Organisation))
                    .col(string(Registrations::RoleTitle))
                    .col(string_null(Registrations::Phone))
                    .col(text_null(Registrations::DietaryNeeds))
                    .col(text_null(Registrations::AccessibilityNeeds))
                    .col(string_len(Registrations::Locale, 8))
                    .col(timestamp_with_time_zone(Registrations::ConsentedAt))
                    .col(string(Registrations::Status))
                    .col(integer_null(Registrations::WaitlistOrder))
                    .col(string_uniq(Registrations::ManageTokenHash))
                    .col(integer(Registrations::CalendarSequence).default(0))
                    .col(timestamp_with_time_zone_null(Registrations::LinkResentAt))
                    .col(timestamp_with_time_zone(Registrations::CreatedAt))
                    .col(timestamp_with_time_zone(Registrations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Registrations::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registrations::Table, Registrations::EventId)
                            .to(Events::Table, Events::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Registrations::Table, Registrations::MunicipalityCode)
                            .to(Municipalities::Table, Municipalities::Code),
                    )
                    .to_owned(),
            )
            .await?;
        // One active registration per address and event. A partial index, so
        // that someone who cancelled can register again. Both SQLite and
        // PostgreSQL accept this statement verbatim.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_registrations_active_email \
                 ON registrations (event_id, email_normalized) \
                 WHERE status <> 'cancelled'",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_registrations_waitlist")
                    .table(Registrations::Table)
                    .col(Registrations::EventId)
                    .col(Registrations::Status)
                    .col(Registrations::WaitlistOrder)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FormSubmissions::Table)
                    .col(string(FormSubmissions::KeyHash).primary_key())
                    .col(uuid_null(FormSubmissions::RegistrationId))
                    .col(string_null(FormSubmissions::SealedToken))
                    .col(string(FormSubmissions::Outcome))
                    .col(timestamp_with_time_zone(FormSubmissions::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(uuid(Outbox::Id).primary_key())
                    .col(string(Outbox::Recipient))
                    .col(string(Outbox::Kind))
                    .col(uuid_null(Outbox::RegistrationId))
                    .col(text(Outbox::Payload))
                    .col(string_uniq(Outbox::DedupeKey))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::LeaseUntil))
                    .col(text_null(Outbox::LastError))
                    .col(string(Outbox::MessageId))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            FormSubmissions::Table.into_iden(),
            Registrations::Table.into_iden(),
            ProgrammeItems::Table.into_iden(),
            Events::Table.into_iden(),
            Municipalities::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
