//! The event week: reminder rules, organiser's messages, and the consent to
//! appear on the participant list.
//!
//! - `reminder_rules`: who (`audience`, and `item_id` for one programme
//!   item), when (`timing` with `days_before` + `local_time`, or
//!   `hours_before`, or `fixed_at`), the organiser's own texts, when a missed
//!   rule was confirmed, and when the rule ran (claimed by one instance).
//! - `organiser_messages`: a message sent now to a filtered audience; the
//!   submission key makes sending it idempotent.
//! - `registrations.participant_list_consented_at`: consent to appear on the
//!   participant list, and when it was given (null: no consent).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    ParticipantListConsentedAt,
}

#[derive(DeriveIden)]
enum ReminderRules {
    Table,
    Id,
    EventId,
    Audience,
    ItemId,
    Timing,
    DaysBefore,
    LocalTime,
    HoursBefore,
    FixedAt,
    SubjectSv,
    SubjectEn,
    BodySv,
    BodyEn,
    CreatedAt,
    ConfirmedAt,
    RanAt,
    Reached,
}

#[derive(DeriveIden)]
enum OrganiserMessages {
    Table,
    Id,
    EventId,
    SubmissionKey,
    SubjectSv,
    SubjectEn,
    BodySv,
    BodyEn,
    Audience,
    WithInvite,
    Recipients,
    SentBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .add_column(timestamp_with_time_zone_null(
                        Registrations::ParticipantListConsentedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderRules::Table)
                    .col(pk_auto(ReminderRules::Id))
                    .col(integer(ReminderRules::EventId))
                    .col(string(ReminderRules::Audience))
                    .col(integer_null(ReminderRules::ItemId))
                    .col(string(ReminderRules::Timing))
                    .col(integer_null(ReminderRules::DaysBefore))
                    .col(string_null(ReminderRules::LocalTime))
                    .col(integer_null(ReminderRules::HoursBefore))
                    .col(timestamp_with_time_zone_null(ReminderRules::FixedAt))
                    .col(string(ReminderRules::SubjectSv).default(""))
                    .col(string(ReminderRules::SubjectEn).default(""))
                    .col(text(ReminderRules::BodySv).default(""))
                    .col(text(ReminderRules::BodyEn).default(""))
                    .col(timestamp_with_time_zone(ReminderRules::CreatedAt))
                    .col(timestamp_with_time_zone_null(ReminderRules::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(ReminderRules::RanAt))
                    .col(integer(ReminderRules::Reached).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReminderRules::Table, ReminderRules::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reminder_rules_event")
                    .table(ReminderRules::Table)
                    .col(ReminderRules::EventId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganiserMessages::Table)
                    .col(pk_auto(OrganiserMessages::Id))
                    .col(integer(OrganiserMessages::EventId))
                    .col(string_uniq(OrganiserMessages::SubmissionKey))
                    .col(string(OrganiserMessages::SubjectSv))
                    .col(string(OrganiserMessages::SubjectEn).default(""))
                    .col(text(OrganiserMessages::BodySv))
                    .col(text(OrganiserMessages::BodyEn).default(""))
                    .col(text(OrganiserMessages::Audience))
                    .col(boolean(OrganiserMessages::WithInvite).default(false))
                    .col(integer(OrganiserMessages::Recipients).default(0))
                    .col(string(OrganiserMessages::SentBy))
                    .col(timestamp_with_time_zone(OrganiserMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganiserMessages::Table, OrganiserMessages::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrganiserMessages::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReminderRules::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Registrations::Table)
                    .drop_column(Registrations::ParticipantListConsentedAt)
                    .to_owned(),
            )
            .await
    }
}
