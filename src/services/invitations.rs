//! Personal invitations: pasted lines or a CSV become invitations with a
//! link to a prefilled form; invitees register or decline; reminders go to
//! those who have not answered.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::db::entities::{event, invitation, organiser};
use crate::db::{self, events};
use crate::domain::email::EmailAddress;
use crate::domain::registration::has_direction_controls;
use crate::domain::token::ManageToken;
use crate::mail::enqueue::{MessageKind, enqueue_invitation};
use crate::services::audit;

pub use crate::domain::status::InvitationStatus;

/// One person to invite, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub name: String,
    pub email: EmailAddress,
    pub municipality_code: Option<String>,
    pub organisation: Option<String>,
}

/// A line that could not be used, with the catalogue key of the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedLine {
    pub line: usize,
    pub text: String,
    pub reason: &'static str,
}

/// Checks `name, email, municipality code or organisation` records. A
/// leading header row (one whose second field is not an address but says
/// "email"/"e-post") is skipped.
pub fn parse_records(
    records: Vec<(usize, Vec<String>, String)>,
    is_member_code: impl Fn(&str) -> bool,
) -> (Vec<Invitee>, Vec<RejectedLine>) {
    let mut invitees: Vec<Invitee> = Vec::new();
    let mut rejected = Vec::new();
    for (line, fields, text) in records {
        let fields: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if line == 1
            && fields
                .get(1)
                .is_some_and(|f| matches!(f.to_lowercase().as_str(), "email" | "e-post" | "epost"))
        {
            continue;
        }
        let reject = |reason| RejectedLine {
            line,
            text: text.clone(),
            reason,
        };
        if fields.len() < 2 {
            rejected.push(reject("admin.invite.error.columns"));
            continue;
        }
        let name = fields[0];
        if name.is_empty()
            || name.chars().any(char::is_control)
            || has_direction_controls(name)
            || name.chars().count() > 200
        {
            rejected.push(reject("admin.invite.error.name"));
            continue;
        }
        let Some(email) = EmailAddress::parse(fields[1]) else {
            rejected.push(reject("admin.invite.error.email"));
            continue;
        };
        if invitees
            .iter()
            .any(|i| i.email.normalized() == email.normalized())
        {
            rejected.push(reject("admin.invite.error.duplicate"));
            continue;
        }
        let third = fields.get(2).copied().unwrap_or_default();
        let (municipality_code, organisation) = if is_member_code(third) {
            (Some(third.to_owned()), None)
        } else if third.is_empty() {
            (None, None)
        } else {
            (None, Some(third.to_owned()))
        };
        invitees.push(Invitee {
            name: name.to_owned(),
            email,
            municipality_code,
            organisation,
        });
    }
    (invitees, rejected)
}

/// Splits pasted text into records (comma or semicolon separated).
pub fn records_from_text(text: &str) -> Vec<(usize, Vec<String>, String)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let separator = if line.contains(';') && !line.contains(',') {
                ';'
            } else {
                ','
            };
            let fields = line.splitn(3, separator).map(str::to_owned).collect();
            (i + 1, fields, line.to_owned())
        })
        .collect()
}

/// Reads an uploaded CSV (comma or semicolon separated, UTF-8 with or
/// without BOM) into records.
pub fn records_from_csv(bytes: &[u8]) -> Vec<(usize, Vec<String>, String)> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, record)| match record {
            Ok(record) => {
                let fields: Vec<String> = record.iter().map(str::to_owned).collect();
                let text = fields.join(", ");
                (i + 1, fields, text)
            }
            Err(err) => (i + 1, Vec::new(), err.to_string()),
        })
        .collect()
}

/// Creates invitations and writes their emails to the outbox; addresses
/// already invited to the event are reported back, not invited twice.
pub async fn invite(
    db: &DatabaseConnection,
    event: &event::Model,
    invitees: Vec<Invitee>,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<(usize, Vec<RejectedLine>), DbErr> {
    let txn = db::begin_write(db).await?;
    let mut created = 0;
    let mut already = Vec::new();
    for invitee in invitees {
        let exists = invitation::Entity::find()
            .filter(invitation::Column::EventId.eq(event.id))
            .filter(invitation::Column::EmailNormalized.eq(invitee.email.normalized()))
            .one(&txn)
            .await?;
        if exists.is_some() {
            already.push(RejectedLine {
                line: 0,
                text: format!("{}, {}", invitee.name, invitee.email.as_str()),
                reason: "admin.invite.error.already",
            });
            continue;
        }
        let token = ManageToken::generate();
        let row = invitation::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(event.id),
            name: Set(invitee.name),
            email: Set(invitee.email.as_str().to_owned()),
            email_normalized: Set(invitee.email.normalized().to_owned()),
            municipality_code: Set(invitee.municipality_code),
            organisation: Set(invitee.organisation),
            token_hash: Set(token.hash()),
            status: Set(InvitationStatus::Sent),
            registration_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            reminded_at: Set(None),
        };
        let saved = invitation::Entity::insert(row)
            .exec_with_returning(&txn)
            .await?;
        enqueue_invitation(&txn, &saved, MessageKind::Invitation, &token, now).await?;
        created += 1;
    }
    audit::record(
        &txn,
        who,
        "invitation.send",
        &event.slug,
        &format!("{created} invited"),
        now,
    )
    .await?;
    crate::mail::wake::commit(txn).await?;
    Ok((created, already))
}

/// The invitation and event a personal link opens.
pub async fn open(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<(invitation::Model, event::Model)>, DbErr> {
    let Some(token) = ManageToken::parse(token) else {
        return Ok(None);
    };
    let Some(invitation) = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token.hash()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let event = events::find_by_id(db, invitation.event_id).await?;
    Ok(event.map(|event| (invitation, event)))
}

/// The invitee declines.
pub async fn decline(
    db: &impl ConnectionTrait,
    invitation: &invitation::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if invitation.status == InvitationStatus::Registered {
        return Ok(());
    }
    let mut row: invitation::ActiveModel = invitation.clone().into();
    row.status = Set(InvitationStatus::Declined);
    row.updated_at = Set(now);
    row.update(db).await?;
    Ok(())
}

/// Sends a reminder to everyone who has not answered (and was not reminded
/// in the last day). Each reminder carries a fresh link.
pub async fn remind(
    db: &DatabaseConnection,
    event: &event::Model,
    who: &organiser::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let txn = db::begin_write(db).await?;
    let waiting = invitation::Entity::find()
        .filter(invitation::Column::EventId.eq(event.id))
        .filter(invitation::Column::Status.eq(InvitationStatus::Sent))
        .all(&txn)
        .await?;
    let mut sent = 0;
    for invitation in waiting {
        if invitation
            .reminded_at
            .is_some_and(|at| now - at < Duration::days(1))
        {
            continue;
        }
        let token = ManageToken::generate();
        let mut row: invitation::ActiveModel = invitation.into();
        row.token_hash = Set(token.hash());
        row.reminded_at = Set(Some(now));
        row.updated_at = Set(now);
        let saved = row.update(&txn).await?;
        enqueue_invitation(&txn, &saved, MessageKind::InvitationReminder, &token, now).await?;
        sent += 1;
    }
    audit::record(
        &txn,
        who,
        "invitation.remind",
        &event.slug,
        &format!("{sent} reminded"),
        now,
    )
    .await?;
    crate::mail::wake::commit(txn).await?;
    Ok(sent)
}

/// All invitations of an event, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> Result<Vec<invitation::Model>, DbErr> {
    invitation::Entity::find()
        .filter(invitation::Column::EventId.eq(event_id))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lines_become_invitees_and_bad_lines_say_why() {
        let text = "Namn, E-post, Kommun\nAnna Berg, anna@example.org, 2580\nBo Ek; bo@example.org; Region Gotland\nutan adress\nCecilia, inte-en-adress, 0882\nAnna Igen, ANNA@example.org, 2580\n";
        let (ok, bad) = parse_records(records_from_text(text), |c| c == "2580" || c == "0882");
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].municipality_code.as_deref(), Some("2580"));
        assert_eq!(ok[1].organisation.as_deref(), Some("Region Gotland"));
        let reasons: Vec<_> = bad.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (4, "admin.invite.error.columns"),
                (5, "admin.invite.error.email"),
                (6, "admin.invite.error.duplicate"),
            ]
        );
    }

    #[test]
    fn a_csv_with_bom_and_semicolons_is_read() {
        let csv = "\u{feff}Namn;E-post;Kommun\n\"Berg, Anna\";anna@example.org;2580\n";
        let (ok, bad) = parse_records(records_from_csv(csv.as_bytes()), |c| c == "2580");
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ok[0].name, "Berg, Anna");
    }
}
