//! `/events/{slug}/delegation` (the form) and `/d/{token}` (the
//! delegation's page, with adding and cancelling colleagues).
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::events;
use crate::domain::delegation::{DelegationError, DelegationForm, Place, blank};
use crate::domain::event::RegistrationWindow;
use crate::domain::registration::Field;
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::posted_form::PostedForm;
use crate::routes::state::AppState;
use crate::services::registration::delegation::{self, DelegationPage, MemberResult, Sent};
use crate::services::registration::window_of;
use crate::views::public::delegation::{self as view, FormView, PageView};

/// The rows the page's "add colleagues" form starts with.
const ADD_ROWS: usize = 2;

/// The form-level errors of a posted body (not UTF-8, a repeated field, no
/// usable key), as the delegation form shows them.
fn body_errors<T>(posted: &PostedForm<T>, key_missing: bool) -> Vec<DelegationError> {
    posted
        .form_errors(key_missing)
        .into_iter()
        .map(|e| DelegationError {
            place: Place::Contact(Field::Form),
            problem: e.problem,
        })
        .collect()
}

async fn render_form(
    state: &AppState,
    event: &crate::db::entities::event::Model,
    form: &DelegationForm,
    errors: &[DelegationError],
    key: &str,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let programme = events::programme(&state.db, event.id).await?;
    Ok(view::form_page(
        &FormView {
            event,
            programme: &programme,
            members: &state.members,
            form,
            errors,
            submission_key: key,
            open: window_of(event, Utc::now()) == RegistrationWindow::Open,
        },
        locale,
    ))
}

/// `GET /events/{slug}/delegation`: the empty form.
pub async fn form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = events::find_public_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = SubmissionKey::generate();
    let form = blank(crate::domain::delegation::FIRST_ROWS);
    render_form(&state, &event, &form, &[], key.as_str(), locale).await
}

/// `POST /events/{slug}/delegation`: more rows, or the delegation
/// registered and its results shown (every row's outcome, at once).
pub async fn submit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    posted: PostedForm<DelegationForm>,
) -> Result<Response, AppError> {
    let form = &posted.form;
    let event = events::find_public_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = SubmissionKey::parse(&form.submission_key);
    let shown_key = key.clone().unwrap_or_else(SubmissionKey::generate);
    if form.more.is_some() {
        let page = render_form(&state, &event, form, &[], shown_key.as_str(), locale).await?;
        return Ok(page.into_response());
    }
    let mut errors = body_errors(&posted, key.is_none());
    let members = &state.members;
    let parsed = form.parse(|code| members.iter().any(|m| m.code == code));
    let (new, key) = match (parsed, key) {
        (Ok(new), Some(key)) if errors.is_empty() => (new, key),
        (parsed, _) => {
            errors.extend(parsed.err().unwrap_or_default());
            let page =
                render_form(&state, &event, form, &errors, shown_key.as_str(), locale).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let outcome = delegation::create(&state.db, &event, &new, &key, locale, Utc::now()).await?;
    match outcome {
        Sent::Done { token, results, .. } => {
            count(&results);
            let token = token.as_link_part();
            let page = open(&state, &token).await?;
            render_page(
                &page,
                &token,
                Some(&results),
                None,
                &blank(ADD_ROWS),
                &[],
                locale,
            )
            .map(IntoResponse::into_response)
        }
        Sent::Refused(errors) => {
            let page =
                render_form(&state, &event, form, &errors, shown_key.as_str(), locale).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Sent::NotOpen(_) => {
            let page = render_form(&state, &event, form, &[], shown_key.as_str(), locale).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// Counts each colleague's outcome with the other registrations.
fn count(results: &[MemberResult]) {
    for result in results {
        let label = match result.outcome {
            delegation::MemberOutcome::Registered { .. } => "registered",
            delegation::MemberOutcome::AlreadyRegistered => "already_registered",
            delegation::MemberOutcome::Refused(_) => "refused",
            delegation::MemberOutcome::NotOpen => "not_open",
        };
        metrics::counter!("registrations_total", "outcome" => label).increment(1);
    }
}

async fn open(state: &AppState, token: &str) -> Result<DelegationPage, AppError> {
    delegation::open(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)
}

fn render_page(
    page: &DelegationPage,
    token: &str,
    results: Option<&[MemberResult]>,
    cancelled: Option<&str>,
    form: &DelegationForm,
    errors: &[DelegationError],
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let key = SubmissionKey::parse(&form.submission_key).unwrap_or_else(SubmissionKey::generate);
    Ok(view::page_of(
        &PageView {
            page,
            token,
            results,
            cancelled,
            form,
            errors,
            submission_key: key.as_str(),
            open: window_of(&page.event, Utc::now()) == RegistrationWindow::Open,
        },
        locale,
    ))
}

/// The `?cancelled=` notice after a colleague was cancelled.
#[derive(Debug, Deserialize)]
pub struct Done {
    cancelled: Option<Uuid>,
}

/// `GET /d/{token}`: the delegation's page.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let page = open(&state, &token).await?;
    let cancelled = done.cancelled.and_then(|id| {
        page.members
            .iter()
            .find(|m| m.registration.id == id)
            .map(|m| m.registration.name.clone())
    });
    render_page(
        &page,
        &token,
        None,
        cancelled.as_deref(),
        &blank(ADD_ROWS),
        &[],
        locale,
    )
}

/// `POST /d/{token}/add`: more rows, or colleagues added in the order
/// listed.
pub async fn add(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
    posted: PostedForm<DelegationForm>,
) -> Result<Response, AppError> {
    let page = open(&state, &token).await?;
    let form = &posted.form;
    if form.more.is_some() {
        return render_page(&page, &token, None, None, form, &[], locale)
            .map(IntoResponse::into_response);
    }
    let key = SubmissionKey::parse(&form.submission_key);
    let mut errors = body_errors(&posted, key.is_none());
    let members = &state.members;
    let parsed = form.parse_members(&page.affiliation(), |code| {
        members.iter().any(|m| m.code == code)
    });
    let (rows, key) = match (parsed, key) {
        (Ok(rows), Some(key)) if errors.is_empty() => (rows, key),
        (parsed, _) => {
            errors.extend(parsed.err().unwrap_or_default());
            let page = render_page(&page, &token, None, None, form, &errors, locale)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let added = delegation::add(
        &state.db,
        &page.event,
        &page.delegation,
        &rows,
        &key,
        Utc::now(),
    )
    .await?;
    match added {
        Ok(results) => {
            count(&results);
            let page = open(&state, &token).await?;
            render_page(
                &page,
                &token,
                Some(&results),
                None,
                &blank(ADD_ROWS),
                &[],
                locale,
            )
            .map(IntoResponse::into_response)
        }
        Err(Sent::Refused(errors)) => {
            let page = render_page(&page, &token, None, None, form, &errors, locale)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(_) => {
            let page = render_page(&page, &token, None, None, form, &[], locale)?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// `GET /d/{token}/cancel/{id}`: the confirmation step.
pub async fn confirm_cancel(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, Uuid)>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let page = open(&state, &token).await?;
    let member = page
        .members
        .iter()
        .find(|m| m.registration.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(view::confirm_cancel(&page, member, &token, locale))
}

/// `POST /d/{token}/cancel/{id}`: cancels the colleague, then back to the
/// page (Post/Redirect/Get).
pub async fn cancel(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    let page = open(&state, &token).await?;
    if !delegation::cancel_member(&state.db, &page.delegation, id, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/d/{token}?cancelled={id}")).into_response())
}
