//! `/admin/events/{slug}/messages`: a message now, to a filtered audience.
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
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::messages::{self, MessageForm, Sent};
use crate::views::admin::messages::{self as view, Preview};

/// `?done=` after sending.
#[derive(Debug, Default, Deserialize)]
pub struct MessageDone {
    done: Option<String>,
    count: Option<u64>,
}

/// What the page shows beyond the event: the form, its errors, a notice,
/// a preview.
struct Shown<'a> {
    form: &'a MessageForm,
    errors: &'a [EventFieldError],
    notice: Option<String>,
    preview: Option<Preview>,
}

async fn render(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    shown: Shown<'_>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let Shown {
        form,
        errors,
        notice,
        preview,
    } = shown;
    let lines = messages::list(&state.db, event.id).await?;
    let items = event_queries::programme(&state.db, event.id).await?;
    let page = view::MessagesPage {
        event,
        lines: &lines,
        items: &items,
        members: &state.members,
        form,
        errors,
        notice,
        preview,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/events/{slug}/messages`.
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(done): Query<MessageDone>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let count = done.count.unwrap_or(0).to_string();
    let notice = match done.done.as_deref() {
        Some("sent") => Some(locale.t_with("messages.done.sent", &[("count", &count)])),
        Some("again") => Some(locale.t("messages.done.again")),
        _ => None,
    };
    let form = MessageForm::default();
    let shown = Shown {
        form: &form,
        errors: &[],
        notice,
        preview: None,
    };
    render(&state, &who, &event, shown, locale).await
}

/// `POST /admin/events/{slug}/messages/preview`: how many it reaches and
/// what they get; the send button carries a fresh one-time key.
pub async fn preview(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<MessageForm>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let items = event_queries::programme(&state.db, event.id).await?;
    let errors = form.check(&items);
    if !errors.is_empty() {
        let page = render(
            &state,
            &who,
            &event,
            Shown {
                form: &form,
                errors: &errors,
                notice: None,
                preview: None,
            },
            locale,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let previewed = messages::preview(
        &state.db,
        &event,
        &form,
        &state.settings.server.base_url,
        Utc::now(),
    )
    .await?;
    let preview = Preview {
        count: previewed.count,
        submission_key: SubmissionKey::generate().as_str().to_owned(),
        example_name: previewed.example_name,
        swedish: previewed.swedish,
        english: previewed.english,
    };
    let shown = Shown {
        form: &form,
        errors: &[],
        notice: None,
        preview: Some(preview),
    };
    let page = render(&state, &who, &event, shown, locale).await?;
    Ok(page.into_response())
}

/// `POST /admin/events/{slug}/messages`: send, once per person; a repeated
/// send of the same preview sends nothing new.
pub async fn send(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<MessageForm>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let items = event_queries::programme(&state.db, event.id).await?;
    let errors = form.check(&items);
    if !errors.is_empty() || form.submission_key.trim().is_empty() {
        let page = render(
            &state,
            &who,
            &event,
            Shown {
                form: &form,
                errors: &errors,
                notice: None,
                preview: None,
            },
            locale,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let done = match messages::send(&state.db, &event, &form, &who.account, Utc::now()).await? {
        Sent::Now { recipients, .. } => format!("sent&count={recipients}"),
        Sent::Before { .. } => "again".to_owned(),
    };
    Ok(Redirect::to(&format!("/admin/events/{slug}/messages?done={done}")).into_response())
}
