//! Questions of the organiser's own, per event, and their answers.
//!
//! - `questions`: one per event and stable `question_key`; its type
//!   (`kind`), Swedish and English label and help, required, position,
//!   audience (`public` or `organisers`), sensitive, and an optional
//!   condition on an earlier question (`parent_id` and `show_when`, the
//!   parent's answers that show it, as comma-separated option ids or
//!   `yes`/`no`). `required_since` is when it last became required, so
//!   registrants from before can be asked to complete their answers.
//! - `question_options`: the options of a choice question, with their own
//!   identity (an answer points at the option, never at its label) and an
//!   `archived` flag (a used option is never deleted).
//! - `answers`: one row per registration and question (unique on the
//!   pair), typed: text, number, yes/no or date, with the chosen options of
//!   a choice question in `answer_options`.
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
    Id,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    EventId,
    QuestionKey,
    Kind,
    LabelSv,
    LabelEn,
    HelpSv,
    HelpEn,
    Required,
    Position,
    Audience,
    Sensitive,
    ParentId,
    ShowWhen,
    RequiredSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QuestionOptions {
    Table,
    Id,
    QuestionId,
    LabelSv,
    LabelEn,
    Position,
    Archived,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
    RegistrationId,
    QuestionId,
    TextValue,
    NumberValue,
    FlagValue,
    DateValue,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnswerOptions {
    Table,
    AnswerId,
    OptionId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(pk_auto(Questions::Id))
                    .col(integer(Questions::EventId))
                    .col(string(Questions::QuestionKey))
                    .col(string(Questions::Kind))
                    .col(string(Questions::LabelSv))
                    .col(string(Questions::LabelEn))
                    .col(text(Questions::HelpSv).default(""))
                    .col(text(Questions::HelpEn).default(""))
                    .col(boolean(Questions::Required).default(false))
                    .col(integer(Questions::Position).default(0))
                    .col(string(Questions::Audience))
                    .col(boolean(Questions::Sensitive).default(false))
                    .col(integer_null(Questions::ParentId))
                    .col(string(Questions::ShowWhen).default(""))
                    .col(timestamp_with_time_zone_null(Questions::RequiredSince))
                    .col(timestamp_with_time_zone(Questions::CreatedAt))
                    .col(timestamp_with_time_zone(Questions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Questions::Table, Questions::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_questions_key")
                    .table(Questions::Table)
                    .col(Questions::EventId)
                    .col(Questions::QuestionKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuestionOptions::Table)
                    .col(pk_auto(QuestionOptions::Id))
                    .col(integer(QuestionOptions::QuestionId))
                    .col(string(QuestionOptions::LabelSv))
                    .col(string(QuestionOptions::LabelEn))
                    .col(integer(QuestionOptions::Position).default(0))
                    .col(boolean(QuestionOptions::Archived).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(QuestionOptions::Table, QuestionOptions::QuestionId)
                            .to(Questions::Table, Questions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Answers::Table)
                    .col(pk_auto(Answers::Id))
                    .col(uuid(Answers::RegistrationId))
                    .col(integer(Answers::QuestionId))
                    .col(text_null(Answers::TextValue))
                    .col(double_null(Answers::NumberValue))
                    .col(boolean_null(Answers::FlagValue))
                    .col(date_null(Answers::DateValue))
                    .col(timestamp_with_time_zone(Answers::CreatedAt))
                    .col(timestamp_with_time_zone(Answers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Answers::Table, Answers::RegistrationId)
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Answers::Table, Answers::QuestionId)
                            .to(Questions::Table, Questions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_answers_one")
                    .table(Answers::Table)
                    .col(Answers::RegistrationId)
                    .col(Answers::QuestionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_answers_question")
                    .table(Answers::Table)
                    .col(Answers::QuestionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnswerOptions::Table)
                    .col(integer(AnswerOptions::AnswerId))
                    .col(integer(AnswerOptions::OptionId))
                    .primary_key(
                        Index::create()
                            .col(AnswerOptions::AnswerId)
                            .col(AnswerOptions::OptionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnswerOptions::Table, AnswerOptions::AnswerId)
                            .to(Answers::Table, Answers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnswerOptions::Table, AnswerOptions::OptionId)
                            .to(QuestionOptions::Table, QuestionOptions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_answer_options_option")
                    .table(AnswerOptions::Table)
                    .col(AnswerOptions::OptionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AnswerOptions::Table.into_iden(),
            Answers::Table.into_iden(),
            QuestionOptions::Table.into_iden(),
            Questions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
