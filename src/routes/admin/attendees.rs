//! The attendee table, its exports, and organiser actions on registrations.
use std::collections::HashMap;

use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use super::session::CurrentOrganiser;
use super::{Done, event_by_slug};
use crate::app::AppState;
use crate::db::entities::{event, municipality, registration};
use crate::db::events as event_queries;
use crate::domain::registration::RegistrationForm;
use crate::domain::role::Role;
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::export::{AttendeeRow, CsvChunks, Headers, write_xlsx};
use crate::i18n::Locale;
use crate::services::attendees::{self, Action, ActionRefused, AttendeeFilter};
use crate::services::register::{RegisterOptions, RegisterOutcome, register_with};
use crate::views::admin::attendees as view;
use crate::views::components::FormErrors;

/// The attendee filter plus the `?done=` notice.
#[derive(Debug, Default, Deserialize)]
pub struct TableQuery {
    #[serde(flatten)]
    filter: AttendeeFilter,
    #[serde(flatten)]
    done: Done,
}

async fn render_table(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    filter: &AttendeeFilter,
    notice: Option<String>,
    add_form: &RegistrationForm,
    add_errors: &FormErrors,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let (rows, total) = attendees::page(&state.db, event.id, filter).await?;
    let mut with_positions = Vec::with_capacity(rows.len());
    for row in rows {
        let position = attendees::position(&state.db, &row).await?;
        with_positions.push((row, position));
    }
    let members = event_queries::member_municipalities(&state.db).await?;
    let page = view::AttendeePage {
        event,
        rows: &with_positions,
        total,
        filter,
        members: &members,
        notice,
        add_form,
        add_errors,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/events/{slug}/attendees`.
pub async fn table(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<TableQuery>,
    locale: Locale,
) -> Result<Response, AppError> {
    who.require(Role::Organiser)?;
    let event = event_by_slug(&state, &slug).await?;
    let page = render_table(
        &state,
        &who,
        &event,
        &query.filter,
        query.done.notice(locale),
        &RegistrationForm::default(),
        &FormErrors::default(),
        locale,
    )
    .await?;
    Ok(page.into_response())
}

/// `POST /admin/events/{slug}/attendees`: an organiser adds someone by hand;
/// the confirmation goes out as for any registration.
pub async fn add(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(mut form): Form<RegistrationForm>,
) -> Result<Response, AppError> {
    who.require(Role::Organiser)?;
    let event = event_by_slug(&state, &slug).await?;
    let members = event_queries::member_municipalities(&state.db).await?;
    // The organiser records the person's agreement on their behalf.
    form.consent = Some("organiser".into());
    let new = match form.parse(|code| members.iter().any(|m| m.code == code)) {
        Ok(new) => new,
        Err(errors) => {
            let page = render_table(
                &state,
                &who,
                &event,
                &AttendeeFilter::default(),
                None,
                &form,
                &FormErrors(errors),
                locale,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let options = RegisterOptions {
        invitation: None,
        by_organiser: true,
    };
    let outcome = register_with(
        &state.db,
        &event,
        &new,
        &SubmissionKey::generate(),
        locale,
        Utc::now(),
        options,
    )
    .await?;
    state.mail_wakeup.notify_one();
    let done = match outcome {
        RegisterOutcome::Registered(_) | RegisterOutcome::Repeated(_) => {
            crate::services::audit::record(
                &state.db,
                &who.account,
                "registration.add",
                &slug,
                new.email.as_str(),
                Utc::now(),
            )
            .await?;
            "added"
        }
        RegisterOutcome::AlreadyRegistered => "already_registered",
        RegisterOutcome::NotOpen(_) => "not_open",
    };
    Ok(Redirect::to(&format!("/admin/events/{slug}/attendees?done={done}")).into_response())
}

/// The check-in search text carried back after a tap.
#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    q: String,
}

/// `POST /admin/events/{slug}/registrations/{id}/{action}`.
pub async fn act(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id, action)): Path<(String, uuid::Uuid, String)>,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let action = match action.as_str() {
        "cancel" => Action::Cancel,
        "promote" => Action::Promote,
        "resend" => Action::ResendConfirmation,
        "checkin" => Action::CheckIn,
        "undo-checkin" => Action::UndoCheckIn,
        _ => return Err(AppError::NotFound),
    };
    let door = matches!(action, Action::CheckIn | Action::UndoCheckIn);
    who.require(if door { Role::Checkin } else { Role::Organiser })?;
    let event = event_by_slug(&state, &slug).await?;
    let target = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let result =
        attendees::act(&state.db, &event, &target, action, &who.account, Utc::now()).await?;
    state.mail_wakeup.notify_one();
    if door {
        let q: String = url::form_urlencoded::byte_serialize(form.q.as_bytes()).collect();
        return Ok(Redirect::to(&format!("/admin/events/{slug}/checkin?q={q}")).into_response());
    }
    let done = match (action, result) {
        (_, Err(ActionRefused::NoSeat)) => "no_seat",
        (_, Err(ActionRefused::NotApplicable)) => "not_applicable",
        (Action::Cancel, Ok(())) => "registration_cancelled",
        (Action::Promote, Ok(())) => "promoted",
        _ => "resent",
    };
    Ok(Redirect::to(&format!("/admin/events/{slug}/attendees?done={done}")).into_response())
}

/// The export's translated column headers.
fn headers(locale: Locale) -> Headers {
    [
        "field.name",
        "field.email",
        "manage.affiliation",
        "admin.export.code",
        "field.role_title",
        "field.phone",
        "field.dietary_needs",
        "field.accessibility_needs",
        "admin.status",
        "admin.export.position",
        "admin.attendees.registered_at",
        "admin.export.checked_in_at",
    ]
    .map(|key| locale.t(key))
}

/// Rows per batch while exporting.
const EXPORT_BATCH: usize = 1000;

/// Everything needed to turn registrations into export rows.
struct ExportContext {
    event_id: i32,
    filter: AttendeeFilter,
    tz: chrono_tz::Tz,
    locale: Locale,
    members: HashMap<String, String>,
    positions: HashMap<uuid::Uuid, u64>,
}

impl ExportContext {
    async fn new(
        db: &DatabaseConnection,
        event: &event::Model,
        filter: AttendeeFilter,
        locale: Locale,
    ) -> Result<Self, AppError> {
        let members = municipality::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.code, m.name))
            .collect();
        // Waitlist positions in one query: the waitlisted ids in order.
        let waiting: Vec<uuid::Uuid> = registration::Entity::find()
            .select_only()
            .column(registration::Column::Id)
            .filter(registration::Column::EventId.eq(event.id))
            .filter(registration::Column::Status.eq("waitlisted"))
            .order_by_asc(registration::Column::WaitlistOrder)
            .into_tuple()
            .all(db)
            .await?;
        let positions = waiting.into_iter().zip(1..).collect();
        Ok(Self {
            event_id: event.id,
            filter,
            tz: crate::views::format::zone(&event.time_zone),
            locale,
            members,
            positions,
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
            let mut rows = match self.filter.apply(self.event_id).stream(&db).await {
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

    fn row(&self, r: registration::Model) -> AttendeeRow {
        AttendeeRow {
            affiliation: match &r.municipality_code {
                Some(code) => self.members.get(code).cloned().unwrap_or_default(),
                None => r.organisation.clone().unwrap_or_default(),
            },
            status: self
                .locale
                .t(&format!("admin.registration_status.{}", r.status)),
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
            dietary_needs: r.dietary_needs,
            accessibility_needs: r.accessibility_needs,
        }
    }
}

fn download(content_type: &str, filename: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `GET /admin/events/{slug}/attendees.csv`: streamed a page at a time.
pub async fn export_csv(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(filter): Query<AttendeeFilter>,
    locale: Locale,
) -> Result<Response, AppError> {
    who.require(Role::Organiser)?;
    let event = event_by_slug(&state, &slug).await?;
    let context = ExportContext::new(&state.db, &event, filter, locale).await?;
    let chunks = CsvChunks::new(&headers(locale)).map_err(AppError::Internal)?;
    let first = Bytes::copy_from_slice(chunks.header_bytes());
    let batches = context.spawn_batches(state.db.clone());
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
    let stream =
        futures_util::StreamExt::chain(futures_util::stream::once(async { Ok(first) }), body);
    crate::services::audit::record(&state.db, &who.account, "export.csv", &slug, "", Utc::now())
        .await?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{slug}-deltagare.csv"),
        Body::from_stream(stream),
    ))
}

/// `GET /admin/events/{slug}/attendees.xlsx`: written in constant-memory
/// mode to a temporary file, then streamed from it.
pub async fn export_xlsx(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(filter): Query<AttendeeFilter>,
    locale: Locale,
) -> Result<Response, AppError> {
    who.require(Role::Organiser)?;
    let event = event_by_slug(&state, &slug).await?;
    let context = ExportContext::new(&state.db, &event, filter, locale).await?;
    let file = tempfile::Builder::new()
        .suffix(".xlsx")
        .tempfile()
        .map_err(|e| AppError::Internal(e.into()))?;
    let path = file.path().to_owned();
    let headers = headers(locale);
    let sheet = locale.t("admin.attendees.title");
    let mut batches = context.spawn_batches(state.db.clone());
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
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(AppError::Internal)?;
    let reopened = tokio::fs::File::open(file.path())
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    // The file is unlinked now; the open handle keeps its bytes until sent.
    drop(file);
    crate::services::audit::record(
        &state.db,
        &who.account,
        "export.xlsx",
        &slug,
        "",
        Utc::now(),
    )
    .await?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(reopened));
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{slug}-deltagare.xlsx"),
        body,
    ))
}

/// `GET /admin/events/{slug}/registrations/{id}`.
pub async fn edit_page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
) -> Result<Response, AppError> {
    who.require(Role::Organiser)?;
    let event = event_by_slug(&state, &slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = crate::domain::registration::EditForm {
        name: row.name.clone(),
        role_title: row.role_title.clone(),
        phone: row.phone.clone().unwrap_or_default(),
        dietary_needs: row.dietary_needs.clone().unwrap_or_default(),
        accessibility_needs: row.accessibility_needs.clone().unwrap_or_default(),
    };
    Ok(view::edit(&who, &event, &row, &form, &FormErrors::default(), locale).into_response())
}

/// `POST /admin/events/{slug}/registrations/{id}`: the same rules and
/// emails as the registrant's own edit.
pub async fn edit(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
    Form(form): Form<crate::domain::registration::EditForm>,
) -> Result<Response, AppError> {
    who.require(Role::Organiser)?;
    let event = event_by_slug(&state, &slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let edit = match form.parse() {
        Ok(edit) => edit,
        Err(errors) => {
            let page = view::edit(&who, &event, &row, &form, &FormErrors(errors), locale);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let managed = crate::services::manage::Managed {
        registration: row.clone(),
        event: event.clone(),
        waitlist_position: None,
    };
    crate::services::manage::edit(&state.db, &managed, &edit, None, Utc::now()).await?;
    crate::services::audit::record(
        &state.db,
        &who.account,
        "registration.edit",
        &slug,
        &row.email,
        Utc::now(),
    )
    .await?;
    state.mail_wakeup.notify_one();
    Ok(Redirect::to(&format!("/admin/events/{slug}/attendees?done=saved")).into_response())
}
