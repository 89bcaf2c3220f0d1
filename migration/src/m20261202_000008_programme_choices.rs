//! Programme choices: items a registrant can choose, each with its own seats
//! and waitlist; a cap per member municipality; diet as data.
//!
//! - `programme_items` gains a stable `item_key` (so an edited programme keeps
//!   the choices made of it), the choice settings, and the item's seat counter
//!   and waitlist counter, kept like the event's.
//! - `registration_choices`: one row per registration and chosen item, with
//!   its own state (`confirmed`, `waitlisted`, `pending` while the
//!   registration itself waits for a seat, `dropped`) and check-in.
//! - `municipality_seats`: the confirmed count per event and member
//!   municipality, for the cap (`events.municipality_cap`).
//! - `registrations.diet` and `registrations.allergens`: the structured diet.
//! - `sheet_downloads`: when each caterer sheet was last downloaded, and what
//!   it held, so the next one can say what changed.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProgrammeItems {
    Table,
    Id,
    EventId,
    ItemKey,
    Choosable,
    Capacity,
    ConfirmedCount,
    WaitlistCounter,
    IsMeal,
    ExtraCovers,
    ChoiceDeadline,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    MunicipalityCap,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    Diet,
    Allergens,
}

#[derive(DeriveIden)]
enum RegistrationChoices {
    Table,
    Id,
    RegistrationId,
    ItemId,
    Status,
    WaitlistOrder,
    Late,
    CheckedInAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MunicipalitySeats {
    Table,
    EventId,
    MunicipalityCode,
    ConfirmedCount,
}

#[derive(DeriveIden)]
enum SheetDownloads {
    Table,
    Id,
    ItemId,
    DownloadedAt,
    Snapshot,
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    mut column: ColumnDef,
) -> Result<(), DbErr> {
    // One column per statement: SQLite alters one thing at a time.
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let items = || ProgrammeItems::Table;
        add(
            manager,
            items(),
            string(ProgrammeItems::ItemKey).default("").take(),
        )
        .await?;
        add(
            manager,
            items(),
            boolean(ProgrammeItems::Choosable).default(false).take(),
        )
        .await?;
        add(manager, items(), integer_null(ProgrammeItems::Capacity)).await?;
        add(
            manager,
            items(),
            integer(ProgrammeItems::ConfirmedCount).default(0).take(),
        )
        .await?;
        add(
            manager,
            items(),
            integer(ProgrammeItems::WaitlistCounter).default(0).take(),
        )
        .await?;
        add(
            manager,
            items(),
            boolean(ProgrammeItems::IsMeal).default(false).take(),
        )
        .await?;
        add(
            manager,
            items(),
            integer(ProgrammeItems::ExtraCovers).default(0).take(),
        )
        .await?;
        add(
            manager,
            items(),
            timestamp_with_time_zone_null(ProgrammeItems::ChoiceDeadline),
        )
        .await?;
        // Existing items get a key from their id: unique within the event.
        manager
            .get_connection()
            .execute_unprepared("UPDATE programme_items SET item_key = 'item-' || CAST(id AS TEXT)")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_programme_items_key")
                    .table(ProgrammeItems::Table)
                    .col(ProgrammeItems::EventId)
                    .col(ProgrammeItems::ItemKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        add(
            manager,
            Events::Table,
            integer_null(Events::MunicipalityCap),
        )
        .await?;
        add(
            manager,
            Registrations::Table,
            string_null(Registrations::Diet),
        )
        .await?;
        add(
            manager,
            Registrations::Table,
            string(Registrations::Allergens).default("").take(),
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RegistrationChoices::Table)
                    .col(pk_auto(RegistrationChoices::Id))
                    .col(uuid(RegistrationChoices::RegistrationId))
                    .col(integer(RegistrationChoices::ItemId))
                    .col(string(RegistrationChoices::Status))
                    .col(integer_null(RegistrationChoices::WaitlistOrder))
                    .col(boolean(RegistrationChoices::Late).default(false))
                    .col(timestamp_with_time_zone_null(
                        RegistrationChoices::CheckedInAt,
                    ))
                    .col(timestamp_with_time_zone(RegistrationChoices::CreatedAt))
                    .col(timestamp_with_time_zone(RegistrationChoices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RegistrationChoices::Table,
                                RegistrationChoices::RegistrationId,
                            )
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegistrationChoices::Table, RegistrationChoices::ItemId)
                            .to(ProgrammeItems::Table, ProgrammeItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_registration_choices_one")
                    .table(RegistrationChoices::Table)
                    .col(RegistrationChoices::RegistrationId)
                    .col(RegistrationChoices::ItemId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_registration_choices_item")
                    .table(RegistrationChoices::Table)
                    .col(RegistrationChoices::ItemId)
                    .col(RegistrationChoices::Status)
                    .col(RegistrationChoices::WaitlistOrder)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MunicipalitySeats::Table)
                    .col(integer(MunicipalitySeats::EventId))
                    .col(string(MunicipalitySeats::MunicipalityCode))
                    .col(integer(MunicipalitySeats::ConfirmedCount).default(0))
                    .primary_key(
                        Index::create()
                            .col(MunicipalitySeats::EventId)
                            .col(MunicipalitySeats::MunicipalityCode),
                    )
                    .to_owned(),
            )
            .await?;
        // The count so far of every event's confirmed members.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO municipality_seats (event_id, municipality_code, confirmed_count) \
                 SELECT event_id, municipality_code, COUNT(*) FROM registrations \
                 WHERE status = 'confirmed' AND municipality_code IS NOT NULL \
                 GROUP BY event_id, municipality_code",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SheetDownloads::Table)
                    .col(pk_auto(SheetDownloads::Id))
                    .col(integer(SheetDownloads::ItemId))
                    .col(timestamp_with_time_zone(SheetDownloads::DownloadedAt))
                    .col(text(SheetDownloads::Snapshot))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SheetDownloads::Table, SheetDownloads::ItemId)
                            .to(ProgrammeItems::Table, ProgrammeItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sheet_downloads_item")
                    .table(SheetDownloads::Table)
                    .col(SheetDownloads::ItemId)
                    .col(SheetDownloads::DownloadedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SheetDownloads::Table.into_iden(),
            MunicipalitySeats::Table.into_iden(),
            RegistrationChoices::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_programme_items_key")
                    .table(ProgrammeItems::Table)
                    .to_owned(),
            )
            .await?;
        let drops: [(DynIden, DynIden); 11] = [
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::ItemKey.into_iden(),
            ),
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::Choosable.into_iden(),
            ),
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::Capacity.into_iden(),
            ),
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::ConfirmedCount.into_iden(),
            ),
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::WaitlistCounter.into_iden(),
            ),
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::IsMeal.into_iden(),
            ),
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::ExtraCovers.into_iden(),
            ),
            (
                ProgrammeItems::Table.into_iden(),
                ProgrammeItems::ChoiceDeadline.into_iden(),
            ),
            (
                Events::Table.into_iden(),
                Events::MunicipalityCap.into_iden(),
            ),
            (
                Registrations::Table.into_iden(),
                Registrations::Diet.into_iden(),
            ),
            (
                Registrations::Table.into_iden(),
                Registrations::Allergens.into_iden(),
            ),
        ];
        for (table, column) in drops {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
