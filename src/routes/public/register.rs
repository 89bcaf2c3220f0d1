//! `POST /events/{slug}/register`.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use crate::db::events;
use crate::domain::registration::RegistrationForm;
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::posted_form::PostedForm;
use crate::routes::state::AppState;
use crate::services::registration::{RegisterOutcome, register};
use crate::views::components::FormErrors;
use crate::views::public::event_page;
use crate::views::public::manage::Notice;

use super::events::render_event;

/// Registers, then redirects to the manage page (Post/Redirect/Get). An
/// invalid form comes back with every typed value and its errors.
pub async fn submit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    posted: PostedForm<RegistrationForm>,
) -> Result<Response, AppError> {
    let form = &posted.form;
    let event = events::find_public_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    // A form without a usable key (hand-made, or very old), or with a body
    // that is not UTF-8 or repeats a field, gets a fresh key and is shown
    // again with a sentence saying what to do, so nothing typed is lost.
    let key = SubmissionKey::parse(&form.submission_key);
    let mut errors = posted.form_errors(key.is_none());
    let members = &state.members;
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    let parsed = form.parse_with(|code| members.iter().any(|m| m.code == code), &questions);
    let (new, key) = match (parsed, key) {
        (Ok(new), Some(key)) if errors.is_empty() => (new, key),
        (parsed, key) => {
            errors.extend(parsed.err().unwrap_or_default());
            let errors = FormErrors(errors);
            let key = key.unwrap_or_else(SubmissionKey::generate);
            let page = render_event(&state, &slug, form, &errors, key.as_str(), locale).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let outcome = register(&state.db, &event, &new, &key, locale, Utc::now()).await?;
    metrics::counter!("registrations_total", "outcome" => outcome.label()).increment(1);
    match outcome {
        RegisterOutcome::Registered { token, .. } | RegisterOutcome::Repeated { token, .. } => {
            let target = format!(
                "/r/{}?done={}",
                token.as_link_part(),
                Notice::Registered.as_str()
            );
            Ok(Redirect::to(&target).into_response())
        }
        RegisterOutcome::AlreadyRegistered => {
            Ok(event_page::already_registered(&event, new.email.as_str(), locale).into_response())
        }
        RegisterOutcome::Refused(error) => {
            let errors = FormErrors(vec![error]);
            let page = render_event(&state, &slug, form, &errors, key.as_str(), locale).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        RegisterOutcome::NotOpen(_) => {
            let page = render_event(
                &state,
                &slug,
                form,
                &FormErrors::default(),
                key.as_str(),
                locale,
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
