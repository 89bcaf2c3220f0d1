//! Events in the back-office: dashboard, create, edit, status changes, and
//! the email log.
use crate::domain::role::Role;
use crate::domain::status::OutboxStatus;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::Markup;

use super::session::CurrentOrganiser;
use super::{Done, event_by_slug};
use crate::db::events as event_queries;
use crate::domain::event::{EventKind, EventStatus, Visibility};
use crate::domain::event_form::{EventFieldError, EventForm};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::mail::outbox;
use crate::routes::state::AppState;
use crate::services::attendees;
use crate::services::events::admin as event_admin;
use crate::services::events::{Imported, ProgrammeOutside};
use crate::views::admin::{
    dashboard as dashboard_view, emails as emails_view, event_form, overview as overview_view,
};

fn to_event(slug: &str, done: &str) -> Response {
    Redirect::to(&format!("/admin/events/{slug}?done={done}")).into_response()
}

/// `GET /admin`.
pub async fn dashboard(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    locale: Locale,
) -> Result<Response, AppError> {
    // Door staff see where to check people in, not the counts.
    let door = !who.role.allows(Role::Organiser);
    let mut lines = Vec::new();
    for event in event_admin::all_events(&state.db).await? {
        if door {
            lines.push(dashboard_view::EventLine {
                event,
                counts: Default::default(),
                mail_pending: 0,
                mail_failed: 0,
            });
            continue;
        }
        let counts = attendees::status_counts(&state.db, event.id).await?;
        let mail = outbox::for_event(&state.db, event.id).await?;
        lines.push(dashboard_view::EventLine {
            mail_pending: mail.iter().filter(|m| m.status.in_flight()).count(),
            mail_failed: mail
                .iter()
                .filter(|m| m.status == OutboxStatus::Failed)
                .count(),
            event,
            counts,
        });
    }
    Ok(dashboard_view::render(&who, &lines, Utc::now(), locale).into_response())
}

/// `GET /admin/events/new`.
pub async fn new_page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let members = event_queries::member_municipalities(&state.db).await?;
    let form = EventForm {
        kind: EventKind::NetworkMeeting.to_string(),
        visibility: Visibility::Public.to_string(),
        organiser_email: who.account.email.clone(),
        ..Default::default()
    };
    Ok(event_form::render(
        &who,
        &locale.t("admin.event.new"),
        "/admin/events",
        &form,
        &[],
        &members,
        locale,
    ))
}

/// `POST /admin/events`: creates a draft.
pub async fn create(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    locale: Locale,
    Form(form): Form<EventForm>,
) -> Result<Response, AppError> {
    let members = event_queries::member_municipalities(&state.db).await?;
    match form.parse(|code| members.iter().any(|m| m.code == code)) {
        Ok(checked) => {
            let created = event_admin::create(&state.db, &checked, &who.account).await?;
            Ok(to_event(&created.slug, "created"))
        }
        Err(errors) => {
            let page = event_form::render(
                &who,
                &locale.t("admin.event.new"),
                "/admin/events",
                &form,
                &errors,
                &members,
                locale,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `GET /admin/events/{slug}`.
pub async fn overview(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let counts = attendees::status_counts(&state.db, event.id).await?;
    let municipalities = attendees::by_municipality(&state.db, event.id).await?;
    let per_day = attendees::per_day(&state.db, &event).await?;
    let items: Vec<(i32, String)> = crate::db::events::programme(&state.db, event.id)
        .await?
        .into_iter()
        .filter(|item| item.choosable)
        .map(|item| (item.id, item.title))
        .collect();
    let item_counts = crate::services::items::counts_by_municipality(&state.db, &event).await?;
    let view = overview_view::Overview {
        items: &items,
        item_counts: &item_counts,
        per_day: &per_day,
        event: &event,
        counts: &counts,
        municipalities: &municipalities,
        notice: done.notice(locale),
    };
    Ok(overview_view::render(&who, &view, locale))
}

/// `GET /admin/events/{slug}/edit`.
pub async fn edit_page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let programme = event_queries::programme(&state.db, event.id).await?;
    let members = event_queries::member_municipalities(&state.db).await?;
    let form = event_admin::form_from(&event, &programme);
    let action = format!("/admin/events/{slug}/edit");
    Ok(event_form::render(
        &who,
        &locale.t("admin.event.edit"),
        &action,
        &form,
        &[],
        &members,
        locale,
    ))
}

/// `POST /admin/events/{slug}/edit`: a change of time or place that would
/// email participants is confirmed first.
pub async fn edit(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<EventForm>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let members = event_queries::member_municipalities(&state.db).await?;
    let action = format!("/admin/events/{slug}/edit");
    // The form comes back as typed, with what is wrong named.
    let refused = |errors: &[EventFieldError]| {
        let title = locale.t("admin.event.edit");
        let page = event_form::render(&who, &title, &action, &form, errors, &members, locale);
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    let checked = match form.parse(|code| members.iter().any(|m| m.code == code)) {
        Ok(checked) => checked,
        Err(errors) => return Ok(refused(&errors)),
    };
    if form.confirm != "yes"
        && let Some((_, affected)) =
            event_admin::pending_change(&state.db, &event, &checked).await?
    {
        return Ok(
            event_form::confirm_change(&who, &action, &form, affected, locale).into_response(),
        );
    }
    match event_admin::update(&state.db, &event, &checked, &who.account).await {
        Ok((
            saved,
            Imported::Updated {
                programme_moved: true,
                ..
            },
        )) => Ok(to_event(&saved.slug, "saved_programme_moved")),
        Ok((saved, _)) => Ok(to_event(&saved.slug, "saved")),
        Err(err) => match err.downcast::<ProgrammeOutside>() {
            Ok(ProgrammeOutside(items)) => {
                let errors: Vec<EventFieldError> = items
                    .iter()
                    .map(|(line, _)| EventFieldError {
                        field: "programme",
                        key: "admin.error.programme_outside",
                        line: Some(*line),
                    })
                    .collect();
                Ok(refused(&errors))
            }
            Err(err) => Err(err.into()),
        },
    }
}

async fn change_status(
    state: &AppState,
    who: &CurrentOrganiser,
    slug: &str,
    status: EventStatus,
) -> Result<Response, AppError> {
    let event = event_by_slug(state, slug).await?;
    event_admin::set_status(&state.db, &event, status, &who.account, Utc::now()).await?;
    Ok(to_event(slug, status.as_str()))
}

/// `POST /admin/events/{slug}/publish`.
pub async fn publish(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    change_status(&state, &who, &slug, EventStatus::Published).await
}

/// `POST /admin/events/{slug}/close`: registration closes.
pub async fn close(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    change_status(&state, &who, &slug, EventStatus::Closed).await
}

/// `GET /admin/events/{slug}/cancel`: the confirmation step.
pub async fn cancel_page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let counts = attendees::status_counts(&state.db, event.id).await?;
    Ok(overview_view::confirm_cancel(
        &who,
        &event,
        counts.confirmed + counts.waitlisted,
        locale,
    ))
}

/// `POST /admin/events/{slug}/cancel`: cancels and sends the CANCELs.
pub async fn cancel(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    change_status(&state, &who, &slug, EventStatus::Cancelled).await
}

/// `POST /admin/events/{slug}/duplicate`.
pub async fn duplicate(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let copy = event_admin::duplicate(&state.db, &event, &who.account).await?;
    Ok(to_event(&copy.slug, "duplicated"))
}

/// `GET /admin/events/{slug}/emails`.
pub async fn emails(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let rows = outbox::for_event(&state.db, event.id).await?;
    Ok(emails_view::render(&who, &event, &rows, locale))
}

/// `POST /admin/events/{slug}/emails/{id}/retry`.
pub async fn retry_email(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    event_admin::retry_email(&state.db, &event, id, &who.account, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/events/{slug}/emails")).into_response())
}

/// `GET /admin/events/{slug}/purge`: the confirmation step.
pub async fn purge_page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    Ok(overview_view::confirm_purge(&who, &event, locale))
}

/// `POST /admin/events/{slug}/purge`: erases the event's personal data now.
pub async fn purge(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    crate::services::retention::purge_event(&state.db, event.id, Some(&who.account), Utc::now())
        .await?;
    Ok(to_event(&slug, "purged"))
}
