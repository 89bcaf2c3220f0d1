//! The attendee table, its exports, and organiser actions on registrations.
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::session::CurrentOrganiser;
use super::{Done, event_by_slug};
use crate::db::entities::event;
use crate::db::events as event_queries;
use crate::domain::registration::RegistrationForm;
use crate::domain::token::SubmissionKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::attendees::{self, AttendeeFilter};
use crate::services::exports;
use crate::services::registration::{Action, ActionRefused, Edited, Organiser, organiser};
use crate::services::registration::{RegisterOptions, RegisterOutcome, register_with};
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

#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one page, each named"
)]
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
    let event = event_by_slug(&state, &slug).await?;
    let members = event_queries::member_municipalities(&state.db).await?;
    // The organiser records the person's agreement on their behalf.
    form.consent = Some(crate::domain::registration::CONSENT_GIVEN.into());
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
        by_organiser: Some(Organiser::in_back_office(&who.account)),
        ..Default::default()
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
    let done = match outcome {
        RegisterOutcome::Registered { .. } | RegisterOutcome::Repeated { .. } => "added",
        RegisterOutcome::AlreadyRegistered => "already_registered",
        RegisterOutcome::NotOpen(_) => "not_open",
        RegisterOutcome::Refused(_) => "choices_refused",
    };
    Ok(Redirect::to(&format!("/admin/events/{slug}/attendees?done={done}")).into_response())
}

/// The check-in search text carried back after a tap.
#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    q: String,
}

/// `POST /admin/events/{slug}/registrations/{id}/{action}`: cancel,
/// promote or resend (organisers).
pub async fn act(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id, action)): Path<(String, uuid::Uuid, String)>,
) -> Result<Response, AppError> {
    let action = match action.as_str() {
        "cancel" => Action::Cancel,
        "promote" => Action::Promote,
        "resend" => Action::ResendConfirmation,
        _ => return Err(AppError::NotFound),
    };
    let result = act_on(&state, &who, &slug, id, action).await?;
    let done = match (action, result) {
        (_, Err(ActionRefused::NoSeat)) => "no_seat",
        (_, Err(ActionRefused::NotApplicable)) => "not_applicable",
        (Action::Cancel, Ok(())) => "registration_cancelled",
        (Action::Promote, Ok(())) => "promoted",
        _ => "resent",
    };
    Ok(Redirect::to(&format!("/admin/events/{slug}/attendees?done={done}")).into_response())
}

/// `POST /admin/events/{slug}/registrations/{id}/checkin` (door staff).
pub async fn check_in(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    at_the_door(&state, &who, &slug, id, Action::CheckIn, &form).await
}

/// `POST /admin/events/{slug}/registrations/{id}/undo-checkin` (door staff).
pub async fn undo_check_in(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    at_the_door(&state, &who, &slug, id, Action::UndoCheckIn, &form).await
}

/// A tap on the check-in page, then back to it with the search kept.
async fn at_the_door(
    state: &AppState,
    who: &CurrentOrganiser,
    slug: &str,
    id: uuid::Uuid,
    action: Action,
    form: &ActForm,
) -> Result<Response, AppError> {
    // A refused tap (the person has no seat) changes nothing; the page
    // shows each person's state.
    let _refused = act_on(state, who, slug, id, action).await?;
    let q: String = url::form_urlencoded::byte_serialize(form.q.as_bytes()).collect();
    Ok(Redirect::to(&format!("/admin/events/{slug}/checkin?q={q}")).into_response())
}

async fn act_on(
    state: &AppState,
    who: &CurrentOrganiser,
    slug: &str,
    id: uuid::Uuid,
    action: Action,
) -> Result<Result<(), ActionRefused>, AppError> {
    let event = event_by_slug(state, slug).await?;
    let target = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let by = Organiser::in_back_office(&who.account);
    Ok(organiser::act(&state.db, &event, &target, action, by, Utc::now()).await?)
}

pub fn download(content_type: &str, filename: &str, body: Body) -> Response {
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
    Query(query): Query<exports::ExportQuery>,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let by = Organiser::in_back_office(&who.account);
    let stream = exports::csv_stream(&state.db, &event, query, locale, by).await?;
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
    Query(query): Query<exports::ExportQuery>,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let by = Organiser::in_back_office(&who.account);
    let reopened = exports::xlsx_file(&state.db, &event, query, locale, by).await?;
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
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<Response, AppError> {
    // Only the substitution lands here with a notice; it names the new row.
    let notice =
        (done.done.as_deref() == Some("substituted")).then(|| locale.t("substitute.admin_done"));
    let event = event_by_slug(&state, &slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let choices = crate::db::choices::lines(&state.db, row.id).await?;
    let form = crate::services::registration::manage::edit_form(&row, &choices);
    edit_view(
        &state,
        &who,
        &event,
        &row,
        &form,
        FormErrors::default(),
        notice,
        locale,
    )
    .await
}

/// The form of the person's answers (every question, the organisers' own
/// too), filled with `posted` after an error, else with what is stored.
async fn answers_part(
    state: &AppState,
    event: &event::Model,
    row: &crate::db::entities::registration::Model,
    posted: Option<&std::collections::BTreeMap<String, String>>,
    errors: &FormErrors,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    let stored = crate::db::questions::answers_of(&state.db, &questions, row.id).await?;
    let stored = crate::views::questions::answer_values(&questions, &stored);
    let action = format!(
        "/admin/events/{}/registrations/{}/answers",
        event.slug, row.id
    );
    Ok(crate::views::admin::questions::answers_form(
        &action,
        &questions,
        posted.unwrap_or(&stored),
        errors,
        locale,
    ))
}

/// `POST /admin/events/{slug}/registrations/{id}/answers`: an organiser
/// changes a person's answers, their own questions' included (nothing is
/// required of an organiser); audited.
pub async fn save_answers(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
    Form(fields): Form<std::collections::BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    use crate::domain::question::{Asker, parse_answers};
    let event = event_by_slug(&state, &slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    match parse_answers(&questions, &fields, Asker::Organiser) {
        Ok(answers) => {
            crate::services::registration::manage::save_answers(
                &state.db,
                row.id,
                &questions,
                &answers,
                Asker::Organiser,
                Some(&who.account),
                Utc::now(),
            )
            .await?;
            Ok(Redirect::to(&format!(
                "/admin/events/{slug}/registrations/{id}#answers-title"
            ))
            .into_response())
        }
        Err(errors) => {
            let errors = FormErrors(errors);
            let programme = event_queries::programme(&state.db, event.id).await?;
            let choices = crate::db::choices::lines(&state.db, row.id).await?;
            let form = crate::services::registration::manage::edit_form(&row, &choices);
            let answers =
                answers_part(&state, &event, &row, Some(&fields), &errors, locale).await?;
            let parts = view::EditParts {
                programme: &programme,
                choices: &choices,
                notice: None,
                answers,
            };
            let page = view::edit(&who, &event, &row, &form, &errors, &parts, locale);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The edit page with the event's programme and the person's choices.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one page, each named"
)]
async fn edit_view(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    row: &crate::db::entities::registration::Model,
    form: &crate::domain::registration::EditForm,
    errors: FormErrors,
    notice: Option<String>,
    locale: Locale,
) -> Result<Response, AppError> {
    let programme = event_queries::programme(&state.db, event.id).await?;
    let choices = crate::db::choices::lines(&state.db, row.id).await?;
    let answers = answers_part(state, event, row, None, &errors, locale).await?;
    let parts = view::EditParts {
        programme: &programme,
        choices: &choices,
        notice: notice.as_deref(),
        answers,
    };
    let page = view::edit(who, event, row, form, &errors, &parts, locale);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}

/// `POST /admin/events/{slug}/registrations/{id}/choices`: an organiser
/// changes someone's choices, deadlines or not (a change after an item's
/// deadline is flagged late); the seat rules and emails are the
/// registrant's own.
pub async fn change_choices(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
    Form(boxes): Form<std::collections::BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    use crate::domain::registration::{Field, FieldError};
    use crate::services::registration::ChoicesChanged;
    let event = event_by_slug(&state, &slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let wanted = crate::domain::registration::ticked_choices(&boxes);
    let by = Organiser::in_back_office(&who.account);
    let done =
        match organiser::change_choices(&state.db, &event, &row, &wanted, by, Utc::now()).await? {
            ChoicesChanged::Saved => "choices_saved",
            ChoicesChanged::Unchanged => "saved",
            ChoicesChanged::Cancelled => "not_applicable",
            ChoicesChanged::Refused(problem) => {
                let mut form = crate::services::registration::manage::edit_form(&row, &[]);
                form.boxes.retain(|name, _| !name.starts_with("choice-"));
                form.boxes.extend(
                    boxes
                        .into_iter()
                        .filter(|(name, _)| name.starts_with("choice-")),
                );
                let errors = FormErrors(vec![FieldError {
                    field: Field::Choices,
                    problem,
                }]);
                return edit_view(&state, &who, &event, &row, &form, errors, None, locale).await;
            }
        };
    Ok(Redirect::to(&format!("/admin/events/{slug}/attendees?done={done}")).into_response())
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
    let event = event_by_slug(&state, &slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let edit = match form.parse() {
        Ok(edit) => edit,
        Err(errors) => {
            return edit_view(
                &state,
                &who,
                &event,
                &row,
                &form,
                FormErrors(errors),
                None,
                locale,
            )
            .await;
        }
    };
    let by = Organiser::in_back_office(&who.account);
    let done = match organiser::edit(&state.db, &event, &row, &edit, by, Utc::now()).await? {
        Edited::Saved => "saved",
        Edited::Cancelled | Edited::Missing => "not_applicable",
    };
    Ok(Redirect::to(&format!("/admin/events/{slug}/attendees?done={done}")).into_response())
}

/// `GET /admin/events/{slug}/registrations/{id}/substitute`.
pub async fn substitute_page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
) -> Result<Response, AppError> {
    let form = crate::domain::substitute::SubstituteForm::default();
    substitute_view(
        &state,
        &who,
        &slug,
        id,
        &form,
        FormErrors::default(),
        locale,
    )
    .await
}

/// The substitution page, with what was typed and what is wrong.
async fn substitute_view(
    state: &AppState,
    who: &CurrentOrganiser,
    slug: &str,
    id: uuid::Uuid,
    form: &crate::domain::substitute::SubstituteForm,
    errors: FormErrors,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(state, slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = event_queries::member_municipalities(&state.db).await?;
    let programme = event_queries::programme(&state.db, event.id).await?;
    let choices = crate::db::choices::lines(&state.db, row.id).await?;
    let now = Utc::now();
    let has_late_choices = choices.iter().any(|c| {
        programme.iter().any(|item| {
            item.id == c.item_id
                && !crate::domain::choice::open_for_registrant(item.choice_deadline, now)
        })
    });
    let page = crate::views::substitute::organiser_page(
        who,
        &event,
        &row,
        form,
        &errors,
        &members,
        has_late_choices,
        locale,
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}

/// `POST /admin/events/{slug}/registrations/{id}/substitute`: an organiser
/// hands the registration to someone else (and may pass the cap per
/// municipality and keep choices past their deadline).
pub async fn substitute(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
    Form(form): Form<crate::domain::substitute::SubstituteForm>,
) -> Result<Response, AppError> {
    use crate::services::registration::{HandedBy, Substituted, hand_over};
    let event = event_by_slug(&state, &slug).await?;
    let row = attendees::find(&state.db, &event, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = event_queries::member_municipalities(&state.db).await?;
    let substitute = match form.parse(|code| members.iter().any(|m| m.code == code)) {
        Ok(substitute) => substitute,
        Err(errors) => {
            return substitute_view(&state, &who, &slug, id, &form, FormErrors(errors), locale)
                .await;
        }
    };
    let by = HandedBy::Organiser {
        by: Organiser::in_back_office(&who.account),
        keep_late_choices: form.keeps_late_choices(),
    };
    match hand_over(&state.db, row.id, &substitute, by, Utc::now()).await? {
        Substituted::Done { id } => Ok(Redirect::to(&format!(
            "/admin/events/{slug}/registrations/{id}?done=substituted"
        ))
        .into_response()),
        Substituted::NotApplicable => Ok(Redirect::to(&format!(
            "/admin/events/{slug}/attendees?done=not_applicable"
        ))
        .into_response()),
        Substituted::Refused(error) => {
            substitute_view(
                &state,
                &who,
                &slug,
                id,
                &form,
                FormErrors(vec![error]),
                locale,
            )
            .await
        }
    }
}
