//! Addresses stored before the IDNA change get the form new input gets.
//!
//! Since issue 12 (item 3), `EmailAddress::normalized` (`src/domain/email.rs`)
//! puts the domain in its IDNA (punycode) form, so `kommun@östhammar.se` and
//! `kommun@xn--sthammar-m4a.se` are one address. Rows written before that
//! hold the lower-cased Unicode form, which no new input produces: a person
//! registered as `kommun@östhammar.se` could register again. This migration
//! rewrites every stored key whose domain is not ASCII to the new form:
//!
//! - `registrations.email_normalized` (one active registration per address
//!   and event: `idx_registrations_active_email`);
//! - `invitations.email_normalized` (one invitation per address and event:
//!   `idx_invitations_event_email`);
//! - `organisers.email` (the login; unique).
//!
//! The typed addresses (`email`), the outbox's recipients and the audit log
//! are left as they are: they are shown or sent, never matched, and the
//! sender converts the domain itself (`mail::compose`).
//!
//! **When the new form is already taken.** An old `kommun@östhammar.se`
//! registration and one typed as `kommun@xn--sthammar-m4a.se` at the same
//! event are one address, but both are active, and the unique index allows
//! only one of them the key. Nothing is deleted or cancelled here: the
//! oldest row (by `created_at`, then id) gets the address; every younger one
//! stays as it is (status, seat, waitlist place, choices, links, typed
//! address) except for its key, which becomes `duplicate:<its id>`, a value
//! no input produces (like the `erased:<id>` of an erased registration). An
//! audit entry (`*.duplicate_address`, by `system`) and a warning in the log
//! name both rows, so an organiser can cancel the younger one through the
//! back-office, which frees its seat the ordinary way. Cancelling in a
//! migration would bypass that (waitlist promotion, programme seats, the
//! registrant's email), and merging would drop one of two people's data.
//! Invitations and accounts follow the same rule.
//!
//! A key whose domain is not a valid IDNA name (the old code accepted some
//! that the new one refuses) is left unchanged and logged.
//!
//! `down` does nothing: the punycode form is what the code looks up, and the
//! typed addresses still hold the Unicode form.
use std::collections::HashMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{DateTimeUtc, Uuid};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr, QueryResult};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    EventId,
    Email,
    EmailNormalized,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    EventId,
    Email,
    EmailNormalized,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisers {
    Table,
    Id,
    Email,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Slug,
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

/// The key `src/domain/email.rs` derives today from a key the old code
/// stored (the typed address, lower-cased), when its domain is not ASCII.
/// `Ok(None)` when there is nothing to change; `Err(())` when the domain is
/// not a valid IDNA name. Mirrors `EmailAddress::parse`: `ascii_domain`,
/// then lower-case; the old key was already lower-case, and IDNA maps case
/// itself, so converting the stored key gives the same as converting what
/// was typed.
fn idna_key(stored: &str) -> Result<Option<String>, ()> {
    let Some((local, domain)) = stored.trim().rsplit_once('@') else {
        return Ok(None);
    };
    if domain.is_ascii() || local.is_empty() {
        return Ok(None);
    }
    let domain = idna::domain_to_ascii(domain).map_err(|_| ())?;
    if domain.is_empty() {
        return Err(());
    }
    let key = format!("{local}@{domain}").to_lowercase();
    Ok((key != stored).then_some(key))
}

/// One stored address key, as the rewrite sees it.
#[derive(Debug, Clone)]
struct Stored {
    id: Uuid,
    /// The event the uniqueness is per; `None` for accounts (unique overall).
    scope: Option<i32>,
    key: String,
    /// The address as typed, for the audit entry.
    typed: String,
    /// Whether the row counts for the unique index (an active registration;
    /// every invitation and account).
    unique: bool,
    created_at: DateTimeUtc,
}

/// What happens to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rewrite {
    /// The key becomes the IDNA form.
    Normalise { id: Uuid, key: String },
    /// The IDNA form belongs to the older row `kept`; this row keeps
    /// everything but its key.
    Duplicate { id: Uuid, kept: Uuid },
}

/// The marker a younger duplicate's key becomes.
fn duplicate_key(id: Uuid) -> String {
    format!("duplicate:{id}")
}

/// A row that counts for uniqueness, with the key it gets (if it changes).
type Candidate<'a> = (&'a Stored, Option<String>);

/// Which rows change, and how. Duplicates come first, so that a younger
/// row already holding the IDNA form frees it before the older one takes it.
fn plan(rows: &[Stored]) -> Vec<Rewrite> {
    let mut duplicates = Vec::new();
    let mut normalised = Vec::new();
    // Rows that will share one key in one scope, each with its new key.
    let mut groups: HashMap<(Option<i32>, String), Vec<Candidate<'_>>> = HashMap::new();
    for row in rows {
        let new_key = match idna_key(&row.key) {
            Ok(key) => key,
            Err(()) => {
                tracing::warn!(id = %row.id, "an address key with an invalid IDNA domain is left unchanged");
                None
            }
        };
        if !row.unique {
            if let Some(key) = new_key {
                normalised.push(Rewrite::Normalise { id: row.id, key });
            }
            continue;
        }
        let target = new_key.clone().unwrap_or_else(|| row.key.clone());
        groups
            .entry((row.scope, target))
            .or_default()
            .push((row, new_key));
    }
    for (_, mut group) in groups {
        if group.iter().all(|(_, new_key)| new_key.is_none()) {
            continue;
        }
        group.sort_by_key(|(row, _)| (row.created_at, row.id));
        let (kept, kept_key) = &group[0];
        if let Some(key) = kept_key {
            normalised.push(Rewrite::Normalise {
                id: kept.id,
                key: key.clone(),
            });
        }
        for (younger, _) in &group[1..] {
            duplicates.push(Rewrite::Duplicate {
                id: younger.id,
                kept: kept.id,
            });
        }
    }
    duplicates.sort_by_key(|rewrite| match rewrite {
        Rewrite::Duplicate { id, .. } | Rewrite::Normalise { id, .. } => *id,
    });
    duplicates.extend(normalised);
    duplicates
}

/// A table whose address keys are rewritten.
struct KeyedTable {
    table: DynIden,
    id: DynIden,
    key: DynIden,
    /// The audit action for a duplicate (`registration.duplicate_address`).
    noun: &'static str,
}

impl KeyedTable {
    async fn apply(
        &self,
        db: &impl ConnectionTrait,
        rows: &[Stored],
        slugs: &HashMap<i32, String>,
    ) -> Result<(), DbErr> {
        let by_id: HashMap<Uuid, &Stored> = rows.iter().map(|row| (row.id, row)).collect();
        let mut normalised = 0_usize;
        for rewrite in plan(rows) {
            let (id, key) = match &rewrite {
                Rewrite::Normalise { id, key } => {
                    normalised += 1;
                    (*id, key.clone())
                }
                Rewrite::Duplicate { id, kept } => {
                    self.record_duplicate(db, by_id[id], by_id[kept], slugs)
                        .await?;
                    (*id, duplicate_key(*id))
                }
            };
            db.execute(
                Query::update()
                    .table(self.table.clone())
                    .value(self.key.clone(), key)
                    .and_where(Expr::col(self.id.clone()).eq(id)),
            )
            .await?;
        }
        if normalised > 0 {
            tracing::info!(
                table = %self.table.to_string(),
                normalised,
                "address keys with a non-ASCII domain now in IDNA form"
            );
        }
        Ok(())
    }

    /// Tells the organisers (audit log) and the operator (log) that `younger`
    /// stays, under a marker key, beside `kept`, which has its address.
    async fn record_duplicate(
        &self,
        db: &impl ConnectionTrait,
        younger: &Stored,
        kept: &Stored,
        slugs: &HashMap<i32, String>,
    ) -> Result<(), DbErr> {
        let noun = self.noun;
        tracing::warn!(
            table = %self.table.to_string(),
            kept = %kept.id,
            duplicate = %younger.id,
            "two rows are one address in IDNA form: the older keeps it, the younger is marked duplicate"
        );
        let target = match younger.scope {
            Some(event_id) => slugs
                .get(&event_id)
                .cloned()
                .unwrap_or_else(|| event_id.to_string()),
            None => kept.key.clone(),
        };
        let details = format!(
            "{noun} {} ({}) is the same address as the older {noun} {} ({}); \
             both are kept, only the older one is found by the address; \
             cancel or remove the younger one",
            younger.id, younger.typed, kept.id, kept.typed
        );
        db.execute(
            Query::insert()
                .into_table(AuditLog::Table)
                .columns([
                    AuditLog::Id,
                    AuditLog::OrganiserId,
                    AuditLog::OrganiserEmail,
                    AuditLog::Action,
                    AuditLog::Target,
                    AuditLog::Details,
                    AuditLog::At,
                ])
                .values_panic([
                    Uuid::now_v7().into(),
                    Option::<Uuid>::None.into(),
                    "system".into(),
                    format!("{noun}.duplicate_address").into(),
                    target.into(),
                    details.into(),
                    chrono::Utc::now().into(),
                ]),
        )
        .await?;
        Ok(())
    }
}

fn column<T: sea_orm_migration::sea_orm::TryGetable>(
    row: &QueryResult,
    name: &str,
) -> Result<T, DbErr> {
    row.try_get("", name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing, on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let slugs: HashMap<i32, String> = db
            .query_all(
                Query::select()
                    .columns([Events::Id, Events::Slug])
                    .from(Events::Table),
            )
            .await?
            .iter()
            .map(|row| Ok((column(row, "id")?, column(row, "slug")?)))
            .collect::<Result<_, DbErr>>()?;

        let registrations = db
            .query_all(
                Query::select()
                    .columns([
                        Registrations::Id,
                        Registrations::EventId,
                        Registrations::Email,
                        Registrations::EmailNormalized,
                        Registrations::Status,
                        Registrations::CreatedAt,
                    ])
                    .from(Registrations::Table),
            )
            .await?
            .iter()
            .map(|row| {
                Ok(Stored {
                    id: column(row, "id")?,
                    scope: Some(column(row, "event_id")?),
                    key: column(row, "email_normalized")?,
                    typed: column(row, "email")?,
                    // The partial index covers every status but this one.
                    unique: column::<String>(row, "status")? != "cancelled",
                    created_at: column(row, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        KeyedTable {
            table: Registrations::Table.into_iden(),
            id: Registrations::Id.into_iden(),
            key: Registrations::EmailNormalized.into_iden(),
            noun: "registration",
        }
        .apply(db, &registrations, &slugs)
        .await?;

        let invitations = db
            .query_all(
                Query::select()
                    .columns([
                        Invitations::Id,
                        Invitations::EventId,
                        Invitations::Email,
                        Invitations::EmailNormalized,
                        Invitations::CreatedAt,
                    ])
                    .from(Invitations::Table),
            )
            .await?
            .iter()
            .map(|row| {
                Ok(Stored {
                    id: column(row, "id")?,
                    scope: Some(column(row, "event_id")?),
                    key: column(row, "email_normalized")?,
                    typed: column(row, "email")?,
                    unique: true,
                    created_at: column(row, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        KeyedTable {
            table: Invitations::Table.into_iden(),
            id: Invitations::Id.into_iden(),
            key: Invitations::EmailNormalized.into_iden(),
            noun: "invitation",
        }
        .apply(db, &invitations, &slugs)
        .await?;

        let organisers = db
            .query_all(
                Query::select()
                    .columns([Organisers::Id, Organisers::Email, Organisers::CreatedAt])
                    .from(Organisers::Table),
            )
            .await?
            .iter()
            .map(|row| {
                let email: String = column(row, "email")?;
                Ok(Stored {
                    id: column(row, "id")?,
                    scope: None,
                    key: email.clone(),
                    typed: email,
                    unique: true,
                    created_at: column(row, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        KeyedTable {
            table: Organisers::Table.into_iden(),
            id: Organisers::Id.into_iden(),
            key: Organisers::Email.into_iden(),
            noun: "account",
        }
        .apply(db, &organisers, &slugs)
        .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(id: u128, scope: i32, key: &str, unique: bool, age: i64) -> Stored {
        Stored {
            id: Uuid::from_u128(id),
            scope: Some(scope),
            key: key.to_owned(),
            typed: key.to_owned(),
            unique,
            created_at: DateTimeUtc::from_timestamp(1_700_000_000 + age, 0).unwrap(),
        }
    }

    #[test]
    fn a_non_ascii_domain_gets_the_form_new_input_gets() {
        assert_eq!(
            idna_key("kommun@östhammar.se"),
            Ok(Some("kommun@xn--sthammar-m4a.se".to_owned()))
        );
        assert_eq!(
            idna_key("åsa@östhammar.se"),
            Ok(Some("åsa@xn--sthammar-m4a.se".to_owned()))
        );
        for unchanged in ["anna@example.org", "åsa@example.org", "erased:1", "abc123"] {
            assert_eq!(idna_key(unchanged), Ok(None), "{unchanged}");
        }
    }

    #[test]
    fn the_older_of_two_rows_with_one_address_keeps_it_and_the_younger_is_marked() {
        let rows = [
            // Older, stored by the old code in Unicode.
            stored(1, 7, "kommun@östhammar.se", true, 0),
            // Younger, typed in punycode: it holds the key the older needs.
            stored(2, 7, "kommun@xn--sthammar-m4a.se", true, 10),
            // Another event, and a cancelled row: no collision.
            stored(3, 8, "kommun@östhammar.se", true, 20),
            stored(4, 7, "kommun@östhammar.se", false, 30),
            stored(5, 7, "anna@example.org", true, 40),
        ];
        let plan = plan(&rows);
        assert_eq!(
            plan[0],
            Rewrite::Duplicate {
                id: Uuid::from_u128(2),
                kept: Uuid::from_u128(1)
            },
            "the younger frees the key first"
        );
        let mut rest = plan[1..].to_vec();
        rest.sort_by_key(|rewrite| match rewrite {
            Rewrite::Normalise { id, .. } | Rewrite::Duplicate { id, .. } => *id,
        });
        let key = "kommun@xn--sthammar-m4a.se".to_owned();
        assert_eq!(
            rest,
            [1, 3, 4].map(|id| Rewrite::Normalise {
                id: Uuid::from_u128(id),
                key: key.clone()
            })
        );
    }
}
