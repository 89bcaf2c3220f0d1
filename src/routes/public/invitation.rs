//! `/i/{token}`: a personal invitation. The registration form comes filled
//! in, the email fixed; it works for invite-only events; the invitee can
//! also decline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use super::events::render_event_page;
use crate::db::entities::{event, invitation};
use crate::domain::registration::RegistrationForm;
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::posted_form::PostedForm;
use crate::routes::state::AppState;
use crate::services::invitations;
use crate::services::registration::{RegisterOptions, RegisterOutcome, register_with};
use crate::views::components::FormErrors;
use crate::views::public::event_page::{self, InvitationView};
use crate::views::public::manage::Notice;

async fn open(
    state: &AppState,
    token: &str,
) -> Result<(invitation::Model, event::Model), AppError> {
    invitations::open(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)
}

fn prefilled(invitation: &invitation::Model) -> RegistrationForm {
    RegistrationForm {
        name: invitation.name.clone(),
        email: invitation.email.clone(),
        municipality: invitation.municipality_code.clone().unwrap_or_else(|| {
            if invitation.organisation.is_some() {
                "other".into()
            } else {
                String::new()
            }
        }),
        organisation: invitation.organisation.clone().unwrap_or_default(),
        ..Default::default()
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one page, each named"
)]
async fn render(
    state: &AppState,
    token: &str,
    invitation: &invitation::Model,
    event: &event::Model,
    form: &RegistrationForm,
    errors: &FormErrors,
    key: &str,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let view = InvitationView {
        decline_action: format!("/i/{token}/decline"),
        status: invitation.status,
    };
    render_event_page(
        state,
        event,
        form,
        errors,
        key,
        format!("/i/{token}"),
        Some(view),
        locale,
    )
    .await
}

/// `GET /i/{token}`.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let (invitation, event) = open(&state, &token).await?;
    let key = SubmissionKey::generate();
    render(
        &state,
        &token,
        &invitation,
        &event,
        &prefilled(&invitation),
        &FormErrors::default(),
        key.as_str(),
        locale,
    )
    .await
}

/// `POST /i/{token}`: registers; the address is always the invited one.
pub async fn register(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
    posted: PostedForm<RegistrationForm>,
) -> Result<Response, AppError> {
    let (invitation, event) = open(&state, &token).await?;
    let key = SubmissionKey::parse(&posted.form.submission_key);
    let mut errors = posted.form_errors(key.is_none());
    let mut form = posted.form;
    form.email = invitation.email.clone();
    let members = &state.members;
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    let parsed = form.parse_with(|code| members.iter().any(|m| m.code == code), &questions);
    let (new, key) = match (parsed, key) {
        (Ok(new), Some(key)) if errors.is_empty() => (new, key),
        (parsed, key) => {
            let key = key.unwrap_or_else(SubmissionKey::generate);
            errors.extend(parsed.err().unwrap_or_default());
            let errors = FormErrors(errors);
            let page = render(
                &state,
                &token,
                &invitation,
                &event,
                &form,
                &errors,
                key.as_str(),
                locale,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let options = RegisterOptions {
        invitation: Some(&invitation),
        by_organiser: None,
        ..Default::default()
    };
    match register_with(&state.db, &event, &new, &key, locale, Utc::now(), options).await? {
        RegisterOutcome::Registered { token, .. } | RegisterOutcome::Repeated { token, .. } => {
            Ok(Redirect::to(&format!(
                "/r/{}?done={}",
                token.as_link_part(),
                Notice::Registered.as_str()
            ))
            .into_response())
        }
        RegisterOutcome::AlreadyRegistered => {
            Ok(event_page::already_registered(&event, new.email.as_str(), locale).into_response())
        }
        RegisterOutcome::Refused(error) => {
            let errors = FormErrors(vec![error]);
            let page = render(
                &state,
                &token,
                &invitation,
                &event,
                &form,
                &errors,
                key.as_str(),
                locale,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        RegisterOutcome::NotOpen(_) => {
            let page = render(
                &state,
                &token,
                &invitation,
                &event,
                &form,
                &FormErrors::default(),
                key.as_str(),
                locale,
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// `POST /i/{token}/decline`.
pub async fn decline(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (invitation, _) = open(&state, &token).await?;
    invitations::decline(&state.db, &invitation, Utc::now()).await?;
    Ok(Redirect::to(&format!("/i/{token}")).into_response())
}
