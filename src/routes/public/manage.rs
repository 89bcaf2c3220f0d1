//! `/r/{token}`: the registrant's own page.
use crate::domain::event::RegistrationStatus;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::Markup;
use serde::Deserialize;

use crate::domain::registration::EditForm;
use crate::domain::registration::{BOX_TICKED, Field, FieldError, choice_box};
use crate::domain::substitute::SubstituteForm;
use crate::domain::token::ManageToken;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::posted_form::PostedForm;
use crate::routes::state::AppState;
use crate::services::registration::manage::{self, Managed};
use crate::services::registration::{ChoicesChanged, Edited, HandedBy, Substituted, hand_over};
use crate::views::components::FormErrors;
use crate::views::public::manage::{self as view, Notice};

/// The `?done=` notice after an action.
#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn open(state: &AppState, token: &str) -> Result<Managed, AppError> {
    manage::open(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)
}

#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one page, each named"
)]
async fn render(
    state: &AppState,
    managed: &Managed,
    token: &str,
    notice: Option<Notice>,
    form: &EditForm,
    answer_values: Option<&std::collections::BTreeMap<String, String>>,
    errors: &FormErrors,
    locale: Locale,
) -> Result<Markup, AppError> {
    let stored = crate::views::questions::answer_values(&managed.questions, &managed.answers);
    let answer_values = answer_values.unwrap_or(&stored);
    let member_name = match &managed.registration.municipality_code {
        Some(code) => state
            .members
            .iter()
            .find(|m| &m.code == code)
            .map(|m| m.name.clone()),
        None => None,
    };
    // Only a confirmed participant of an event that takes place sees who
    // else comes.
    let participants = if managed.registration.status == RegistrationStatus::Confirmed
        && managed.event.status != crate::domain::event::EventStatus::Cancelled
    {
        Some(
            crate::services::participants::list(&state.db, managed.event.id, &state.members)
                .await?,
        )
    } else {
        None
    };
    Ok(view::render(
        managed,
        token,
        notice,
        form,
        answer_values,
        errors,
        member_name.as_deref(),
        &state.settings.server.base_url,
        participants.as_deref(),
        locale,
    ))
}

/// `GET /r/{token}`.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let managed = open(&state, &token).await?;
    let r = &managed.registration;
    let form = manage::edit_form(r, &managed.choices);
    let notice = done.done.as_deref().and_then(Notice::parse);
    render(
        &state,
        &managed,
        &token,
        notice,
        &form,
        None,
        &FormErrors::default(),
        locale,
    )
    .await
}

/// `POST /r/{token}`: save an edit.
pub async fn edit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
    posted: PostedForm<EditForm>,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    let form = &posted.form;
    // A body that is not UTF-8 or repeats a field is shown again, unsaved.
    let parsed = match posted.form_errors(false) {
        errors if errors.is_empty() => form.parse(),
        mut errors => {
            errors.extend(form.parse().err().unwrap_or_default());
            Err(errors)
        }
    };
    match parsed {
        Ok(edit) => {
            let token = ManageToken::parse(&token).ok_or(AppError::NotFound)?;
            let notice = match manage::edit(
                &state.db,
                managed.registration.id,
                &edit,
                Some(&token),
                Utc::now(),
            )
            .await?
            {
                Edited::Saved => Notice::Saved,
                Edited::Cancelled | Edited::Missing => Notice::NotSavedCancelled,
            };
            let token = token.as_link_part();
            Ok(Redirect::to(&format!("/r/{token}?done={}", notice.as_str())).into_response())
        }
        Err(errors) => {
            let mut form = form.clone();
            form.boxes.extend(
                managed
                    .choices
                    .iter()
                    .map(|c| (choice_box(c.item_id), BOX_TICKED.to_owned())),
            );
            let page = render(
                &state,
                &managed,
                &token,
                None,
                &form,
                None,
                &FormErrors(errors),
                locale,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The manage page's choices form: one checkbox per choosable item.
#[derive(Debug, Default, Deserialize)]
pub struct ChoicesForm {
    #[serde(flatten)]
    boxes: std::collections::BTreeMap<String, String>,
}

/// `POST /r/{token}/choices`: change the programme choices.
pub async fn change_choices(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
    posted: PostedForm<ChoicesForm>,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    let mut errors = posted.form_errors(false);
    let parsed = ManageToken::parse(&token).ok_or(AppError::NotFound)?;
    let wanted = crate::domain::registration::ticked_choices(&posted.form.boxes);
    if errors.is_empty() {
        let outcome = manage::change_choices(
            &state.db,
            managed.registration.id,
            &wanted,
            Some(&parsed),
            Utc::now(),
        )
        .await?;
        let notice = match outcome {
            ChoicesChanged::Saved | ChoicesChanged::Unchanged => Some(Notice::ChoicesSaved),
            ChoicesChanged::Cancelled => Some(Notice::NotSavedCancelled),
            ChoicesChanged::Refused(problem) => {
                errors.push(FieldError {
                    field: Field::Choices,
                    problem,
                });
                None
            }
        };
        if let Some(notice) = notice {
            return Ok(
                Redirect::to(&format!("/r/{token}?done={}", notice.as_str())).into_response(),
            );
        }
    }
    // Shown again with the boxes as sent, so nothing ticked is lost.
    let mut form = manage::edit_form(&managed.registration, &[]);
    form.boxes.extend(
        wanted
            .iter()
            .map(|id| (choice_box(*id), BOX_TICKED.to_owned())),
    );
    let page = render(
        &state,
        &managed,
        &token,
        None,
        &form,
        None,
        &FormErrors(errors),
        locale,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The manage page's answers form: one field per question (or option box).
#[derive(Debug, Default, Deserialize)]
pub struct AnswersForm {
    #[serde(flatten)]
    fields: std::collections::BTreeMap<String, String>,
}

/// `POST /r/{token}/answers`: change the answers to the organiser's
/// questions; an invalid answer comes back with everything as typed.
pub async fn save_answers(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
    posted: PostedForm<AnswersForm>,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    let mut errors = posted.form_errors(false);
    let parsed = crate::domain::question::parse_answers(
        &managed.questions,
        &posted.form.fields,
        crate::domain::question::Asker::Registrant,
    );
    match parsed {
        Ok(answers) if errors.is_empty() => {
            let outcome = manage::save_answers(
                &state.db,
                managed.registration.id,
                &managed.questions,
                &answers,
                crate::domain::question::Asker::Registrant,
                None,
                Utc::now(),
            )
            .await?;
            let notice = match outcome {
                Edited::Saved => Notice::AnswersSaved,
                Edited::Cancelled | Edited::Missing => Notice::NotSavedCancelled,
            };
            Ok(Redirect::to(&format!("/r/{token}?done={}", notice.as_str())).into_response())
        }
        parsed => {
            errors.extend(parsed.err().unwrap_or_default());
            let form = manage::edit_form(&managed.registration, &managed.choices);
            let page = render(
                &state,
                &managed,
                &token,
                None,
                &form,
                Some(&posted.form.fields),
                &FormErrors(errors),
                locale,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The manage page's participant-list form.
#[derive(Debug, Default, Deserialize)]
pub struct ListedForm {
    #[serde(default)]
    listed: String,
}

/// `POST /r/{token}/participant-list`: give or withdraw the consent to
/// appear on the participant list; withdrawing removes the person at once.
pub async fn participant_list(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<ListedForm>,
) -> Result<Redirect, AppError> {
    let managed = open(&state, &token).await?;
    let wanted = form.listed == BOX_TICKED;
    let listed = crate::services::participants::set_consent(
        &state.db,
        managed.registration.id,
        wanted,
        Utc::now(),
    )
    .await?;
    let notice = if listed {
        Notice::Listed
    } else {
        Notice::Unlisted
    };
    Ok(Redirect::to(&format!(
        "/r/{token}?done={}",
        notice.as_str()
    )))
}

/// `POST /r/{token}/links/revoke`: every other link stops working.
pub async fn revoke_links(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Redirect, AppError> {
    let managed = open(&state, &token).await?;
    let keep = ManageToken::parse(&token).ok_or(AppError::NotFound)?;
    manage::revoke_other_links(&state.db, managed.registration.id, &keep).await?;
    Ok(Redirect::to(&format!(
        "/r/{token}?done={}",
        Notice::LinksRevoked.as_str()
    )))
}

/// `GET /r/{token}/cancel`: the confirmation step.
pub async fn confirm_cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    if managed.registration.status == RegistrationStatus::Cancelled {
        return Ok(Redirect::to(&format!("/r/{token}")).into_response());
    }
    Ok(view::confirm_cancel(&managed, &token, locale).into_response())
}

/// `POST /r/{token}/cancel`: cancel, freeing the seat for the waitlist.
pub async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Redirect, AppError> {
    let managed = open(&state, &token).await?;
    let parsed = ManageToken::parse(&token);
    manage::cancel(
        &state.db,
        managed.registration.id,
        parsed.as_ref(),
        Utc::now(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/r/{token}?done={}",
        Notice::Cancelled.as_str()
    )))
}

async fn affiliation(state: &AppState, managed: &Managed) -> String {
    match &managed.registration.municipality_code {
        Some(code) => state
            .members
            .iter()
            .find(|m| &m.code == code)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        None => managed
            .registration
            .organisation
            .clone()
            .unwrap_or_default(),
    }
}

/// `GET /r/{token}/participants.pdf`: the participant list to print, for a
/// confirmed participant of an event that takes place (as on their page).
pub async fn participants_pdf(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    if managed.registration.status != RegistrationStatus::Confirmed
        || managed.event.status == crate::domain::event::EventStatus::Cancelled
    {
        return Err(AppError::NotFound);
    }
    let listed =
        crate::services::participants::list(&state.db, managed.event.id, &state.members).await?;
    let list = crate::views::admin::printing::participants(&managed.event, &listed, locale);
    let pdf = crate::pdf::lists::render(list)
        .await
        .map_err(AppError::Internal)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"deltagarlista.pdf\"",
            ),
        ],
        pdf,
    )
        .into_response())
}

/// `GET /r/{token}/data.json`: everything stored about the registrant.
pub async fn data(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    let affiliation = affiliation(&state, &managed).await;
    let export = manage::data_export(&state.db, &managed, &affiliation).await?;
    let body = serde_json::to_string_pretty(&export).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"anmalan-mina-uppgifter.json\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /r/{token}/delete`: the confirmation step.
pub async fn confirm_delete(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let managed = open(&state, &token).await?;
    Ok(view::confirm_delete(&managed, &token, locale))
}

/// `POST /r/{token}/delete`: cancel, then anonymise at once.
pub async fn delete(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let managed = open(&state, &token).await?;
    manage::erase(&state.db, managed.registration.id, Utc::now()).await?;
    Ok(view::deleted(locale))
}

/// `GET /r/{token}/substitute`: the form naming who goes instead.
pub async fn substitute_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    if managed.registration.status == RegistrationStatus::Cancelled {
        return Ok(Redirect::to(&format!("/r/{token}")).into_response());
    }
    let page = crate::views::substitute::registrant_page(
        &managed,
        &token,
        &SubstituteForm::default(),
        &FormErrors::default(),
        &state.members,
        locale,
    );
    Ok(page.into_response())
}

/// `POST /r/{token}/substitute`: hand the registration to the person named.
/// The new person's link goes to them by email, never to this page.
pub async fn substitute(
    State(state): State<AppState>,
    Path(token): Path<String>,
    locale: Locale,
    posted: PostedForm<SubstituteForm>,
) -> Result<Response, AppError> {
    let managed = open(&state, &token).await?;
    let form = &posted.form;
    let parsed = match posted.form_errors(false) {
        errors if errors.is_empty() => {
            form.parse(|code| state.members.iter().any(|m| m.code == code))
        }
        mut errors => {
            errors.extend(form.parse(|_| true).err().unwrap_or_default());
            Err(errors)
        }
    };
    let errors = match parsed {
        Ok(substitute) => {
            let outcome = hand_over(
                &state.db,
                managed.registration.id,
                &substitute,
                HandedBy::Registrant,
                Utc::now(),
            )
            .await?;
            let notice = match outcome {
                Substituted::Done { .. } => Notice::HandedOver,
                Substituted::NotApplicable => Notice::NotSavedCancelled,
                Substituted::Refused(error) => {
                    return substitute_refused(&state, &managed, &token, form, vec![error], locale);
                }
            };
            return Ok(
                Redirect::to(&format!("/r/{token}?done={}", notice.as_str())).into_response(),
            );
        }
        Err(errors) => errors,
    };
    substitute_refused(&state, &managed, &token, form, errors, locale)
}

/// The substitution form again, with what was typed and what is wrong.
fn substitute_refused(
    state: &AppState,
    managed: &Managed,
    token: &str,
    form: &SubstituteForm,
    errors: Vec<FieldError>,
    locale: Locale,
) -> Result<Response, AppError> {
    let page = crate::views::substitute::registrant_page(
        managed,
        token,
        form,
        &FormErrors(errors),
        &state.members,
        locale,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
