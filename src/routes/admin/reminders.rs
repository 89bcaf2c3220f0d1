//! `/admin/events/{slug}/reminders`: reminder rules.
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::event_by_slug;
use super::session::CurrentOrganiser;
use crate::db::entities::event;
use crate::db::events as event_queries;
use crate::domain::event_form::EventFieldError;
use crate::domain::reminder::RuleState;
use crate::error::AppError;
use crate::i18n::{Locale, format};
use crate::routes::state::AppState;
use crate::services::reminders::{self, RuleForm};
use crate::views::admin::reminders as view;

/// `?done=` after an action on this page, with the count it reports.
#[derive(Debug, Default, Deserialize)]
pub struct RuleDone {
    done: Option<String>,
    count: Option<u64>,
}

impl RuleDone {
    fn notice(&self, locale: Locale) -> Option<String> {
        let key = match self.done.as_deref()? {
            "created" => "reminders.done.created",
            "created_missed" => "reminders.done.created_missed",
            "deleted" => "reminders.done.deleted",
            "confirmed" => "reminders.done.confirmed",
            "not_missed" => "reminders.done.not_missed",
            _ => return None,
        };
        Some(locale.t_with(key, &[("count", &self.count.unwrap_or(0).to_string())]))
    }
}

async fn render(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    form: &RuleForm,
    errors: &[EventFieldError],
    notice: Option<String>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let lines = reminders::overview(&state.db, event, Utc::now()).await?;
    let items: Vec<_> = event_queries::programme(&state.db, event.id)
        .await?
        .into_iter()
        .filter(|i| i.choosable)
        .collect();
    let page = view::RemindersPage {
        event,
        lines: &lines,
        items: &items,
        form,
        errors,
        notice,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/events/{slug}/reminders`.
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(done): Query<RuleDone>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    render(
        &state,
        &who,
        &event,
        &RuleForm::blank(),
        &[],
        done.notice(locale),
        locale,
    )
    .await
}

/// `POST /admin/events/{slug}/reminders`: a new rule. A rule whose time
/// has passed is saved and shown as missed; it does not send.
pub async fn create(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<RuleForm>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let items = event_queries::programme(&state.db, event.id).await?;
    let choosable: Vec<_> = items.into_iter().filter(|i| i.choosable).collect();
    match form.parse(&choosable, format::zone(&event.time_zone)) {
        Ok(rule) => {
            let now = Utc::now();
            let saved = reminders::create(&state.db, &event, &rule, &who.account, now).await?;
            let done = match reminders::state_of(&saved, &event, now).1 {
                RuleState::Missed => "created_missed",
                _ => "created",
            };
            Ok(
                Redirect::to(&format!("/admin/events/{slug}/reminders?done={done}"))
                    .into_response(),
            )
        }
        Err(errors) => {
            let page = render(&state, &who, &event, &form, &errors, None, locale).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /admin/events/{slug}/reminders/{id}/delete`: only a rule that has
/// not run.
pub async fn delete(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i32)>,
) -> Result<Redirect, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    reminders::delete(&state.db, &event, id, &who.account, Utc::now()).await?;
    Ok(Redirect::to(&format!(
        "/admin/events/{slug}/reminders?done=deleted"
    )))
}

/// `GET /admin/events/{slug}/reminders/{id}/confirm`: the confirmation
/// step of a missed rule, with how many it reaches.
pub async fn confirm_page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i32)>,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let lines = reminders::overview(&state.db, &event, Utc::now()).await?;
    let line = lines
        .into_iter()
        .find(|l| l.rule.id == id)
        .ok_or(AppError::NotFound)?;
    if line.state != RuleState::Missed {
        return Ok(Redirect::to(&format!("/admin/events/{slug}/reminders")).into_response());
    }
    Ok(view::confirm(&who, &event, &line, locale).into_response())
}

/// `POST /admin/events/{slug}/reminders/{id}/confirm`: send a missed rule.
pub async fn confirm(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i32)>,
) -> Result<Redirect, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let now = Utc::now();
    let missed = reminders::find(&state.db, event.id, id)
        .await?
        .is_some_and(|rule| reminders::state_of(&rule, &event, now).1 == RuleState::Missed);
    let written = reminders::confirm(&state.db, &event, id, &who.account, now).await?;
    let done = if missed {
        format!("confirmed&count={written}")
    } else {
        "not_missed".to_owned()
    };
    Ok(Redirect::to(&format!(
        "/admin/events/{slug}/reminders?done={done}"
    )))
}
