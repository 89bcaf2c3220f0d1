//! The attendee exports, CSV and Excel, shared by the back-office and the
//! API. Both read the registrations as one cursor in batches, so memory
//! stays flat whatever the size of the event.
use crate::domain::event::RegistrationStatus;
use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use futures_util::Stream;
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};

use crate::db::entities::{event, municipality, programme_item, registration};
use crate::domain::choice::{ChoiceLine, DietChoice};
use crate::domain::question::{Answers, Question};
use crate::export::{AttendeeRow, CsvChunks, Headers, write_xlsx};
use crate::i18n::Locale;
use crate::services::attendees::AttendeeFilter;
use crate::services::audit::{self, Actor};

/// An export changes nothing but is a disclosure of personal data, so the
/// audit log records who took it (before any row leaves).
async fn record(
    db: &DatabaseConnection,
    event: &event::Model,
    action: &str,
    by: Actor<'_>,
) -> Result<(), sea_orm::DbErr> {
    let details = by.details("");
    audit::record(
        db,
        by.account,
        action,
        &event.slug,
        &details,
        chrono::Utc::now(),
    )
    .await
}

/// What goes in an export besides the fixed columns: the attendee filter,
/// and whether to add the diet. Diet is sensitive (it can reveal health or
/// belief), so it is left out unless asked for, and the audit log says when
/// it was taken.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    pub filter: AttendeeFilter,
    /// `1` adds the diet columns.
    #[serde(default)]
    pub diet: Option<String>,
    /// `1` adds the columns of the questions marked sensitive (left out
    /// otherwise, for the same reason as the diet; audited as such).
    #[serde(default)]
    pub sensitive: Option<String>,
}

impl ExportQuery {
    pub fn with_diet(&self) -> bool {
        self.diet.as_deref() == Some("1")
    }

    pub fn with_sensitive(&self) -> bool {
        self.sensitive.as_deref() == Some("1")
    }
}

/// The export's translated column headers: the fixed ones, a column per
/// choosable programme item, then the diet if asked, then a column per
/// question ("Vilken buss? [buss]"; sensitive ones only if asked).
fn headers(
    locale: Locale,
    items: &[programme_item::Model],
    with_diet: bool,
    questions: &[Question],
) -> Headers {
    let fixed = [
        "field.name",
        "field.email",
        "manage.affiliation",
        "admin.export.code",
        "field.role_title",
        "field.phone",
        "field.accessibility_needs",
        "admin.status",
        "admin.export.position",
        "admin.attendees.registered_at",
        "admin.export.checked_in_at",
    ]
    .map(|key| locale.t(key));
    let diet = ["field.diet", "field.allergens", "field.dietary_needs"]
        .map(|key| locale.t(key))
        .into_iter()
        .filter(|_| with_diet);
    fixed
        .into_iter()
        .chain(items.iter().map(|item| item.title.clone()))
        .chain(diet)
        .chain(
            questions
                .iter()
                .map(|q| crate::i18n::questions::heading(q, locale)),
        )
        .collect()
}

/// Rows per batch while exporting.
const EXPORT_BATCH: usize = 1000;

/// Everything needed to turn registrations into export rows.
struct ExportContext {
    event_id: i32,
    filter: AttendeeFilter,
    tz: chrono_tz::Tz,
    members: HashMap<String, String>,
    positions: HashMap<uuid::Uuid, u64>,
    /// Each status's translated name, looked up once.
    status_labels: HashMap<RegistrationStatus, String>,
    /// The choosable items, a column each, and each registration's choices.
    items: Vec<programme_item::Model>,
    choices: HashMap<uuid::Uuid, Vec<ChoiceLine>>,
    with_diet: bool,
    /// The questions with a column, and every registration's answers.
    questions: Vec<Question>,
    answers: BTreeMap<uuid::Uuid, Answers>,
    with_sensitive: bool,
    locale: Locale,
}

/// The columns an export reads: only these are fetched and decoded.
#[derive(Debug, sea_orm::FromQueryResult)]
struct Exported {
    id: uuid::Uuid,
    name: String,
    email: String,
    municipality_code: Option<String>,
    organisation: Option<String>,
    role_title: String,
    phone: Option<String>,
    dietary_needs: Option<String>,
    accessibility_needs: Option<String>,
    diet: Option<String>,
    allergens: String,
    status: RegistrationStatus,
    created_at: chrono::DateTime<chrono::Utc>,
    checked_in_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ExportContext {
    async fn new(
        db: &DatabaseConnection,
        event: &event::Model,
        query: ExportQuery,
        locale: Locale,
    ) -> anyhow::Result<Self> {
        let members = municipality::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.code, m.name))
            .collect();
        let positions = crate::services::attendees::waitlist_positions(db, event.id).await?;
        let items: Vec<programme_item::Model> = crate::db::events::programme(db, event.id)
            .await?
            .into_iter()
            .filter(|item| item.choosable)
            .collect();
        let choices = if items.is_empty() {
            HashMap::new()
        } else {
            crate::db::choices::lines_of_event(db, event.id).await?
        };
        let with_diet = query.with_diet();
        let with_sensitive = query.with_sensitive();
        let questions: Vec<Question> = crate::db::questions::for_event(db, event.id)
            .await?
            .into_iter()
            .filter(|q| with_sensitive || !q.sensitive)
            .collect();
        let answers = crate::db::questions::answers_of_event(db, &questions, None).await?;
        Ok(Self {
            items,
            choices,
            with_diet,
            questions,
            answers,
            with_sensitive,
            locale,
            event_id: event.id,
            filter: query.filter,
            tz: crate::i18n::format::zone(&event.time_zone),
            members,
            positions,
            status_labels: RegistrationStatus::ALL
                .iter()
                .map(|&s| (s, locale.t(&format!("admin.registration_status.{s}"))))
                .collect(),
        })
    }

    /// Streams the matching rows in batches through a bounded channel, so
    /// the export holds at most a few batches in memory whatever its size.
    /// One query read as a cursor: no OFFSET re-scans.
    fn spawn_batches(
        self,
        db: DatabaseConnection,
    ) -> tokio::sync::mpsc::Receiver<Result<Vec<AttendeeRow>, sea_orm::DbErr>> {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            use futures_util::StreamExt;
            use registration::Column as C;
            let query = self
                .filter
                .apply(self.event_id)
                .select_only()
                .columns([
                    C::Id,
                    C::Name,
                    C::Email,
                    C::MunicipalityCode,
                    C::Organisation,
                    C::RoleTitle,
                    C::Phone,
                    C::DietaryNeeds,
                    C::AccessibilityNeeds,
                    C::Diet,
                    C::Allergens,
                    C::Status,
                    C::CreatedAt,
                    C::CheckedInAt,
                ])
                .into_model::<Exported>();
            let mut rows = match query.stream(&db).await {
                Ok(rows) => rows,
                Err(err) => {
                    let _ = tx.send(Err(err)).await;
                    return;
                }
            };
            let mut batch = Vec::with_capacity(EXPORT_BATCH);
            while let Some(row) = rows.next().await {
                match row {
                    Ok(row) => batch.push(self.row(row)),
                    Err(err) => {
                        let _ = tx.send(Err(err)).await;
                        return;
                    }
                }
                if batch.len() == EXPORT_BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(EXPORT_BATCH));
                    if tx.send(Ok(full)).await.is_err() {
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(Ok(batch)).await;
            }
        });
        rx
    }

    /// The extra cells of a row: where each item stands, then the diet.
    fn extra(&self, r: &Exported) -> Vec<String> {
        let chosen = self.choices.get(&r.id).map_or(&[][..], Vec::as_slice);
        let mut cells: Vec<String> = self
            .items
            .iter()
            .map(|item| {
                chosen
                    .iter()
                    .find(|line| line.item_id == item.id)
                    .map(|line| crate::i18n::format::choice_status(line, self.locale))
                    .unwrap_or_default()
            })
            .collect();
        if self.with_diet {
            let diet = DietChoice::from_stored(r.diet.as_deref(), &r.allergens);
            cells.push(
                diet.diet
                    .map(|d| self.locale.t(&d.label_key()))
                    .unwrap_or_default(),
            );
            cells.push(
                diet.allergens
                    .iter()
                    .map(|a| self.locale.t(&a.label_key()))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            cells.push(r.dietary_needs.clone().unwrap_or_default());
        }
        let answers = self.answers.get(&r.id);
        cells.extend(self.questions.iter().map(|q| {
            answers
                .and_then(|a| a.get(&q.id))
                .map(|value| crate::i18n::questions::answer_text(value, q, self.locale))
                .unwrap_or_default()
        }));
        cells
    }

    /// The audit action: the format, and what sensitive data was asked for.
    fn action(&self, format: &str) -> String {
        let mut action = format!("export.{format}");
        if self.with_diet {
            action.push_str("+diet");
        }
        if self.with_sensitive {
            action.push_str("+sensitive");
        }
        action
    }

    fn headers(&self) -> Headers {
        headers(self.locale, &self.items, self.with_diet, &self.questions)
    }

    fn row(&self, r: Exported) -> AttendeeRow {
        let extra = self.extra(&r);
        AttendeeRow {
            extra,
            affiliation: match &r.municipality_code {
                Some(code) => self.members.get(code).cloned().unwrap_or_default(),
                None => r.organisation.clone().unwrap_or_default(),
            },
            status: self
                .status_labels
                .get(&r.status)
                .cloned()
                .unwrap_or_else(|| r.status.to_string()),
            waitlist_position: self.positions.get(&r.id).copied(),
            registered_at: r.created_at.with_timezone(&self.tz).naive_local(),
            checked_in_at: r
                .checked_in_at
                .map(|t| t.with_timezone(&self.tz).naive_local()),
            name: r.name,
            email: r.email,
            municipality_code: r.municipality_code,
            role_title: r.role_title,
            phone: r.phone,
            accessibility_needs: r.accessibility_needs,
        }
    }
}

/// The CSV export as a stream of chunks: the header line first, then one
/// chunk per batch of rows.
pub async fn csv_stream(
    db: &DatabaseConnection,
    event: &event::Model,
    query: ExportQuery,
    locale: Locale,
    by: Actor<'_>,
) -> anyhow::Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static> {
    let context = ExportContext::new(db, event, query, locale).await?;
    let action = context.action("csv");
    record(db, event, &action, by).await?;
    let chunks = CsvChunks::new(&context.headers())?;
    let first = Bytes::copy_from_slice(chunks.header_bytes());
    let batches = context.spawn_batches(db.clone());
    let body =
        futures_util::stream::unfold((batches, chunks), |(mut batches, mut chunks)| async move {
            let batch = batches.recv().await?;
            let bytes = batch
                .map_err(|err| std::io::Error::other(err.to_string()))
                .and_then(|rows| {
                    chunks
                        .batch_bytes(&rows)
                        .map(Bytes::from)
                        .map_err(|err| std::io::Error::other(err.to_string()))
                });
            Some((bytes, (batches, chunks)))
        });
    Ok(futures_util::StreamExt::chain(
        futures_util::stream::once(async { Ok(first) }),
        body,
    ))
}

/// The Excel export, written in constant-memory mode to a temporary file
/// that is already unlinked: the returned handle holds its bytes until it
/// is read and dropped.
pub async fn xlsx_file(
    db: &DatabaseConnection,
    event: &event::Model,
    query: ExportQuery,
    locale: Locale,
    by: Actor<'_>,
) -> anyhow::Result<tokio::fs::File> {
    let context = ExportContext::new(db, event, query, locale).await?;
    let action = context.action("xlsx");
    record(db, event, &action, by).await?;
    let file = tempfile::Builder::new().suffix(".xlsx").tempfile()?;
    let path = file.path().to_owned();
    let headers = context.headers();
    let sheet = locale.t("admin.attendees.title");
    let mut batches = context.spawn_batches(db.clone());
    tokio::task::spawn_blocking(move || {
        let mut failure = None;
        let rows = std::iter::from_fn(|| match batches.blocking_recv()? {
            Ok(rows) => Some(rows),
            Err(err) => {
                failure = Some(err);
                None
            }
        })
        .flatten();
        let written = write_xlsx(&path, &sheet, &headers, rows);
        match failure {
            Some(err) => Err(anyhow::Error::from(err)),
            None => written,
        }
    })
    .await??;
    let reopened = tokio::fs::File::open(file.path()).await?;
    drop(file);
    Ok(reopened)
}
