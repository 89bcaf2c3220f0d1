//! Registrations of an event: list, get, create, cancel, and the CSV export.
use crate::domain::event::RegistrationStatus;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::ApiAuth;
use super::model::{
    Language, MAX_PAGE, MAX_PER_PAGE, NewRegistration, Registration, RegistrationPage,
    RegistrationQuery, SubstituteBody,
};
use super::problem::{ApiError, FieldProblem, Problem};
use crate::db::entities::event;
use crate::domain::registration::{BOX_TICKED, RegistrationForm, allergen_box, choice_box};
use crate::domain::token::SubmissionKey;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::attendees::{self, AttendeeFilter, PAGE_SIZE};
use crate::services::exports;
use crate::services::registration::{Action, Organiser, organiser};
use crate::services::registration::{RegisterOptions, RegisterOutcome, register_with};

/// The header that makes a create safe to retry.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl RegistrationQuery {
    /// The back-office filter this query asks for, or the fields out of range.
    fn filter(&self, locale: Locale) -> Result<(AttendeeFilter, u64), ApiError> {
        let mut errors = Vec::new();
        let mut range = |field: &str, value: Option<u64>, max: u64| {
            if value.is_some_and(|v| v == 0 || v > max) {
                errors.push(FieldProblem {
                    field: field.to_owned(),
                    code: "invalid".to_owned(),
                    detail: locale.t_with("api.problem.range", &[("max", &max.to_string())]),
                });
            }
        };
        range("page", self.page, MAX_PAGE);
        range("per_page", self.per_page, MAX_PER_PAGE);
        if !errors.is_empty() {
            return Err(ApiError::invalid(errors, locale));
        }
        let filter = AttendeeFilter {
            q: self.q.clone().unwrap_or_default(),
            status: self
                .status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            municipality: self.municipality.clone().unwrap_or_default(),
            sort: self.sort.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            page: Some(self.page.unwrap_or(1)),
        };
        Ok((filter, self.per_page.unwrap_or(PAGE_SIZE)))
    }
}

/// One page of an event's registrations, with the back-office's filters.
#[utoipa::path(
    get,
    path = "/api/v1/events/{slug}/registrations",
    operation_id = "list_registrations",
    tag = "registrations",
    params(("slug" = String, Path, description = "The event's slug"), RegistrationQuery),
    responses(
        (status = 200, description = "One page of registrations", body = RegistrationPage),
        (status = 400, description = "A malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A page out of range", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    _caller: ApiAuth,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<RegistrationQuery>,
    locale: Locale,
) -> Result<Json<RegistrationPage>, ApiError> {
    let (filter, per_page) = query.filter(locale)?;
    let event = super::event_by_slug(&state, &slug).await?;
    let (rows, total) = attendees::page_sized(&state.db, event.id, &filter, per_page).await?;
    let positions = if rows
        .iter()
        .any(|r| r.status == RegistrationStatus::Waitlisted)
    {
        attendees::waitlist_positions(&state.db, event.id).await?
    } else {
        Default::default()
    };
    let choices = crate::db::choices::lines_of_event(&state.db, event.id).await?;
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let mut answers =
        crate::db::questions::answers_of_event(&state.db, &questions, Some(&ids)).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let position = positions.get(&row.id).copied();
            let chosen = choices.get(&row.id).map_or(&[][..], Vec::as_slice);
            let own = answers.remove(&row.id).unwrap_or_default();
            let mut registration = Registration::new(row, &slug, position, chosen);
            registration.answers = api_answers(&questions, &own);
            registration
        })
        .collect();
    Ok(Json(RegistrationPage {
        items,
        page: filter.page.unwrap_or(1),
        per_page,
        total,
    }))
}

/// A registration of `event` by id, or 404.
async fn find(
    state: &AppState,
    event: &event::Model,
    id: uuid::Uuid,
) -> Result<crate::db::entities::registration::Model, ApiError> {
    attendees::find(&state.db, event, id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// A registration as the API shows it, with its waitlist position.
async fn load(
    state: &AppState,
    event: &event::Model,
    id: uuid::Uuid,
) -> Result<Registration, ApiError> {
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    load_with(state, event, id, &questions).await
}

/// [`load`] with the event's questions already read.
async fn load_with(
    state: &AppState,
    event: &event::Model,
    id: uuid::Uuid,
    questions: &[crate::domain::question::Question],
) -> Result<Registration, ApiError> {
    let row = find(state, event, id).await?;
    let position = attendees::position(&state.db, &row).await?;
    let choices = crate::db::choices::lines(&state.db, row.id).await?;
    let answers = crate::db::questions::answers_of(&state.db, questions, row.id).await?;
    let mut registration = Registration::new(row, &event.slug, position, &choices);
    registration.answers = api_answers(questions, &answers);
    Ok(registration)
}

/// Stored answers by question key.
fn api_answers(
    questions: &[crate::domain::question::Question],
    answers: &crate::domain::question::Answers,
) -> std::collections::BTreeMap<String, super::model::Answer> {
    questions
        .iter()
        .filter_map(|q| {
            Some((
                q.key.clone(),
                super::model::Answer::from_value(answers.get(&q.id)?),
            ))
        })
        .collect()
}

/// One registration.
#[utoipa::path(
    get,
    path = "/api/v1/events/{slug}/registrations/{id}",
    operation_id = "get_registration",
    tag = "registrations",
    params(
        ("slug" = String, Path, description = "The event's slug"),
        ("id" = uuid::Uuid, Path, description = "The registration's id"),
    ),
    responses(
        (status = 200, description = "The registration", body = Registration),
        (status = 400, description = "A malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or registration", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    _caller: ApiAuth,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
) -> Result<Json<Registration>, ApiError> {
    let event = super::event_by_slug(&state, &slug).await?;
    Ok(Json(load(&state, &event, id).await?))
}

/// Fields longer than the document allows. The form trims before it counts;
/// the API counts what was sent, as the schema says.
fn too_long(body: &NewRegistration, locale: Locale) -> Vec<FieldProblem> {
    use crate::domain::registration::{NAME_MAX, NEEDS_MAX, PHONE_MAX};
    let fields: [(&str, Option<&str>, usize); 7] = [
        ("email", Some(&body.email), crate::domain::email::MAX_LENGTH),
        ("name", Some(&body.name), NAME_MAX),
        ("organisation", body.organisation.as_deref(), NAME_MAX),
        ("role_title", Some(&body.role_title), NAME_MAX),
        ("dietary_needs", body.dietary_needs.as_deref(), NEEDS_MAX),
        (
            "accessibility_needs",
            body.accessibility_needs.as_deref(),
            NEEDS_MAX,
        ),
        ("phone", body.phone.as_deref(), PHONE_MAX),
    ];
    fields
        .into_iter()
        .filter(|(_, value, max)| value.is_some_and(|v| v.chars().count() > *max))
        .map(|(field, _, _)| FieldProblem {
            field: field.to_owned(),
            code: "too_long".to_owned(),
            detail: locale.t(&format!("error.{field}.too_long")),
        })
        .collect()
}

/// The submission key behind an `Idempotency-Key`: the same header from the
/// same token is the same submission, so a retried create gives the same
/// registration. Without the header every request is a new submission.
fn submission_key(
    headers: &HeaderMap,
    caller: &ApiAuth,
    locale: Locale,
) -> Result<SubmissionKey, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(SubmissionKey::generate());
    };
    let text = value.to_str().unwrap_or_default();
    if text.is_empty() || text.len() > 200 {
        return Err(ApiError::invalid(
            vec![FieldProblem {
                field: "Idempotency-Key".to_owned(),
                code: "invalid".to_owned(),
                detail: locale.t("api.problem.idempotency_key"),
            }],
            locale,
        ));
    }
    Ok(SubmissionKey::derive(caller.0.token.id.as_bytes(), text))
}

/// Registers someone: the same service as the public form, with the same
/// capacity, waitlist and duplicate rules and the same emails. As for an
/// organiser adding someone in the back-office, the registration window
/// does not apply (a cancelled event still refuses).
#[utoipa::path(
    post,
    path = "/api/v1/events/{slug}/registrations",
    operation_id = "create_registration",
    tag = "registrations",
    params(
        ("slug" = String, Path, description = "The event's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key gives the same registration (1–200 characters)"),
    ),
    request_body = NewRegistration,
    responses(
        (status = 201, description = "Registered: confirmed, or on the waitlist", body = Registration,
            headers(("Location" = String, description = "The new registration"))),
        (status = 200, description = "A retry with the same Idempotency-Key: the same registration", body = Registration),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already registered (the link was emailed again), or the event is cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Too large a body", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    caller: ApiAuth,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    headers: HeaderMap,
    Json(body): Json<NewRegistration>,
) -> Result<Response, ApiError> {
    caller.require_write(locale)?;
    let event = super::event_by_slug(&state, &slug).await?;
    let key = submission_key(&headers, &caller, locale)?;
    let form = RegistrationForm {
        submission_key: key.as_str().to_owned(),
        name: body.name.clone(),
        email: body.email.clone(),
        municipality: body.municipality.clone(),
        organisation: body.organisation.clone().unwrap_or_default(),
        role_title: body.role_title.clone(),
        phone: body.phone.clone().unwrap_or_default(),
        dietary_needs: body.dietary_needs.clone().unwrap_or_default(),
        accessibility_needs: body.accessibility_needs.clone().unwrap_or_default(),
        // The caller vouches for the person's agreement, as an organiser does.
        consent: Some(crate::domain::registration::CONSENT_GIVEN.to_owned()),
        diet: body.diet.map(|d| d.as_str().to_owned()).unwrap_or_default(),
        boxes: body
            .allergens
            .iter()
            .flatten()
            .map(|a| allergen_box(*a))
            .chain(body.choices.iter().flatten().map(|id| choice_box(*id)))
            .map(|name| (name, BOX_TICKED.to_owned()))
            .collect(),
    };
    let members = &state.members;
    let parsed = form.parse(|code| members.iter().any(|m| m.code == code));
    let mut errors = too_long(&body, locale);
    let questions = crate::db::questions::for_event(&state.db, event.id).await?;
    let answers = answers_of_body(&body, &questions, &mut errors, locale);
    if let Err(form_errors) = &parsed {
        for error in form_errors {
            let problem = FieldProblem::from_form(error, locale);
            if !errors.iter().any(|e| e.field == problem.field) {
                errors.push(problem);
            }
        }
    }
    let new = match parsed {
        Ok(mut new) if errors.is_empty() => {
            new.answers = answers;
            new
        }
        _ => return Err(ApiError::invalid(errors, locale)),
    };
    let mail_locale = match body.language {
        Some(Language::En) => Locale::En,
        Some(Language::Sv) | None => Locale::Sv,
    };
    let options = RegisterOptions {
        invitation: None,
        by_organiser: Some(Organiser {
            account: &caller.0.account,
            via: Some(&caller.0.token.name),
        }),
        ..Default::default()
    };
    let now = Utc::now();
    let outcome = register_with(&state.db, &event, &new, &key, mail_locale, now, options).await?;
    metrics::counter!("registrations_total", "outcome" => outcome.label()).increment(1);
    let (status, id) = match outcome {
        RegisterOutcome::Registered { id, .. } => (StatusCode::CREATED, id),
        RegisterOutcome::Repeated { id, .. } => (StatusCode::OK, id),
        RegisterOutcome::AlreadyRegistered => {
            return Err(ApiError::named(
                StatusCode::CONFLICT,
                "already_registered",
                locale,
            ));
        }
        RegisterOutcome::NotOpen(_) => {
            return Err(ApiError::named(StatusCode::CONFLICT, "not_open", locale));
        }
        RegisterOutcome::Refused(_) => {
            return Err(ApiError::named(
                StatusCode::UNPROCESSABLE_ENTITY,
                "choices_refused",
                locale,
            ));
        }
    };
    let registration = load_with(&state, &event, id, &questions).await?;
    let location = format!("/api/v1/events/{slug}/registrations/{id}");
    let mut response = (status, Json(registration)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Cancels a registration, as an organiser does in the back-office: the
/// registrant gets the cancellation and its calendar CANCEL, and the first
/// on the waitlist moves up.
#[utoipa::path(
    post,
    path = "/api/v1/events/{slug}/registrations/{id}/cancel",
    operation_id = "cancel_registration",
    tag = "registrations",
    params(
        ("slug" = String, Path, description = "The event's slug"),
        ("id" = uuid::Uuid, Path, description = "The registration's id"),
    ),
    responses(
        (status = 200, description = "Cancelled", body = Registration),
        (status = 400, description = "A malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or registration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(
    caller: ApiAuth,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
) -> Result<Json<Registration>, ApiError> {
    caller.require_write(locale)?;
    let event = super::event_by_slug(&state, &slug).await?;
    let target = find(&state, &event, id).await?;
    let by = Organiser {
        account: &caller.0.account,
        via: Some(&caller.0.token.name),
    };
    let result = organiser::act(&state.db, &event, &target, Action::Cancel, by, Utc::now()).await?;
    if result.is_err() {
        return Err(ApiError::named(
            StatusCode::CONFLICT,
            "already_cancelled",
            locale,
        ));
    }
    Ok(Json(load(&state, &event, id).await?))
}

/// Hands a registration over to a substitute, as an organiser does in the
/// back-office: a new registration takes over the seat (or waitlist
/// number) and the programme choices in place; the old one is cancelled
/// (CANCEL to the old person) and the new person gets a confirmation with
/// a new invite and their own link. An organiser may pass the cap per
/// member municipality.
#[utoipa::path(
    post,
    path = "/api/v1/events/{slug}/registrations/{id}/substitute",
    operation_id = "substitute_registration",
    tag = "registrations",
    params(
        ("slug" = String, Path, description = "The event's slug"),
        ("id" = uuid::Uuid, Path, description = "The registration handed over"),
    ),
    request_body = SubstituteBody,
    responses(
        (status = 201, description = "The substitute's new registration", body = Registration,
            headers(("Location" = String, description = "The new registration"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or registration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The registration is cancelled, or the event is", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Too large a body", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or the substitute is already registered", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn substitute(
    caller: ApiAuth,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, uuid::Uuid)>,
    locale: Locale,
    Json(body): Json<SubstituteBody>,
) -> Result<Response, ApiError> {
    use crate::services::registration::{HandedBy, Substituted, hand_over};
    caller.require_write(locale)?;
    let event = super::event_by_slug(&state, &slug).await?;
    let target = find(&state, &event, id).await?;
    let form = crate::domain::substitute::SubstituteForm {
        name: body.name.clone(),
        email: body.email.clone(),
        municipality: body.municipality.clone(),
        organisation: body.organisation.clone().unwrap_or_default(),
        role_title: body.role_title.clone(),
        keep_late_choices: None,
    };
    let members = &state.members;
    let substitute = form
        .parse(|code| members.iter().any(|m| m.code == code))
        .map_err(|errors| {
            let problems = errors
                .iter()
                .map(|e| FieldProblem::from_form(e, locale))
                .collect();
            ApiError::invalid(problems, locale)
        })?;
    let by = HandedBy::Organiser {
        by: Organiser {
            account: &caller.0.account,
            via: Some(&caller.0.token.name),
        },
        keep_late_choices: body.keep_late_choices,
    };
    let new_id = match hand_over(&state.db, target.id, &substitute, by, Utc::now()).await? {
        Substituted::Done { id } => id,
        Substituted::Refused(error) => {
            let problem = FieldProblem::from_form(&error, locale);
            return Err(ApiError::invalid(vec![problem], locale));
        }
        Substituted::NotApplicable => {
            return Err(ApiError::named(
                StatusCode::CONFLICT,
                "already_cancelled",
                locale,
            ));
        }
    };
    let registration = load(&state, &event, new_id).await?;
    let location = format!("/api/v1/events/{slug}/registrations/{new_id}");
    let mut response = (StatusCode::CREATED, Json(registration)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// The back-office's CSV export, streamed; the same filters as the list
/// (the page is ignored). Column headers follow `Accept-Language`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{slug}/registrations.csv",
    operation_id = "export_registrations_csv",
    tag = "registrations",
    params(("slug" = String, Path, description = "The event's slug"), RegistrationQuery),
    responses(
        (status = 200, description = "CSV, UTF-8, one registration per row", body = String, content_type = "text/csv"),
        (status = 400, description = "A malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A page out of range", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn export_csv(
    caller: ApiAuth,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<RegistrationQuery>,
    locale: Locale,
) -> Result<Response, ApiError> {
    let (mut filter, _) = query.filter(locale)?;
    filter.page = None;
    let event = super::event_by_slug(&state, &slug).await?;
    let by = Organiser {
        account: &caller.0.account,
        via: Some(&caller.0.token.name),
    };
    let query = exports::ExportQuery {
        filter,
        diet: None,
        sensitive: None,
    };
    let stream = exports::csv_stream(&state.db, &event, query, locale, by).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-registrations.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The body's answers, checked as the form checks them (an organiser's
/// rules: organisers' own questions may be answered, nothing is required).
/// Problems are named `answers.<key>`.
fn answers_of_body(
    body: &NewRegistration,
    questions: &[crate::domain::question::Question],
    errors: &mut Vec<FieldProblem>,
    locale: Locale,
) -> crate::domain::question::Answers {
    let mut fields = std::collections::BTreeMap::new();
    for (key, answer) in body.answers.iter().flatten() {
        match questions.iter().find(|q| &q.key == key) {
            Some(question) => fields.extend(answer.form_fields(question)),
            None => errors.push(FieldProblem {
                field: format!("answers.{key}"),
                code: "invalid".to_owned(),
                detail: locale.t("questions.error.invalid").replace("%{label}", key),
            }),
        }
    }
    let asker = crate::domain::question::Asker::Organiser;
    match crate::domain::question::parse_answers(questions, &fields, asker) {
        Ok(answers) => answers,
        Err(problems) => {
            for problem in problems {
                let crate::domain::registration::Field::Question(id) = problem.field else {
                    continue;
                };
                let Some(question) = questions.iter().find(|q| q.id == id) else {
                    continue;
                };
                errors.push(FieldProblem {
                    field: format!("answers.{}", question.key),
                    code: problem.problem_code().to_owned(),
                    detail: locale
                        .t(&problem.message_key())
                        .replace("%{label}", &question.key),
                });
            }
            Default::default()
        }
    }
}
