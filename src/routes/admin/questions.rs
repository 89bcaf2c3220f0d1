//! `/admin/events/{slug}/questions`: define and edit an event's own
//! questions, and remind the registrants who still miss an answer.
use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::event_by_slug;
use super::session::CurrentOrganiser;
use crate::db::entities::event;
use crate::domain::question::{
    Audience, OptionDraft, Question, QuestionDraft, QuestionKind, QuestionProblem,
};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::questions;
use crate::views::admin::questions::{self as view, TICKED};

/// `?edit=` and `?done=` on the page.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    edit: Option<i32>,
    done: Option<String>,
    count: Option<u64>,
}

struct Rejected {
    values: BTreeMap<String, String>,
    problem: QuestionProblem,
}

async fn render(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    editing: Option<i32>,
    notice: Option<String>,
    rejected: Option<Rejected>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let all = crate::db::questions::for_event(&state.db, event.id).await?;
    let mut answer_counts = BTreeMap::new();
    for question in &all {
        answer_counts.insert(
            question.id,
            crate::db::questions::answer_count(&state.db, question.id).await?,
        );
    }
    let outstanding = questions::outstanding(&state.db, event.id).await?.len();
    let editing = match editing {
        Some(id) => Some(all.iter().find(|q| q.id == id).ok_or(AppError::NotFound)?),
        None => None,
    };
    let (values, error) = match rejected {
        Some(rejected) => (
            rejected.values,
            Some((
                rejected.problem.field().to_owned(),
                locale.t(rejected.problem.message_key()),
            )),
        ),
        None => (
            editing.map_or_else(|| view::new_values(&all), view::values_of),
            None,
        ),
    };
    let page = view::QuestionsPage {
        event,
        questions: &all,
        answer_counts: &answer_counts,
        outstanding,
        editing,
        values: &values,
        error,
        notice,
        sensitive_days: state.settings.privacy.erase_sensitive_answers_after_days,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/events/{slug}/questions`.
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let notice = match query.done.as_deref() {
        Some(done @ ("saved" | "deleted")) => Some(locale.t(&format!("questions.done.{done}"))),
        Some("reminded") => Some(
            locale
                .t("questions.done.reminded")
                .replace("%{count}", &query.count.unwrap_or(0).to_string()),
        ),
        _ => None,
    };
    render(&state, &who, &event, query.edit, notice, None, locale).await
}

/// The draft a posted form describes; `current` is the question edited
/// (its options are the only ones the form can rename or remove).
fn draft_of(
    form: &BTreeMap<String, String>,
    current: Option<&Question>,
) -> Result<QuestionDraft, QuestionProblem> {
    let text = |name: &str| form.get(name).map_or("", |v| v.trim()).to_owned();
    let kind = QuestionKind::parse(&text("kind")).unwrap_or(QuestionKind::ShortText);
    let position = text("position")
        .parse::<i32>()
        .map_err(|_| QuestionProblem::PositionInvalid)?;
    let condition = match text("condition").split_once(':') {
        Some((parent, when)) => Some((
            parent
                .parse::<i32>()
                .map_err(|_| QuestionProblem::ConditionInvalid)?,
            vec![when.to_owned()],
        )),
        None => None,
    };
    let mut options: Vec<OptionDraft> = current
        .map(|q| q.options.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|o| OptionDraft {
            id: Some(o.id),
            label_sv: text(&format!("option-{}-sv", o.id)),
            label_en: text(&format!("option-{}-en", o.id)),
            remove: text(&format!("option-{}-remove", o.id)) == TICKED,
        })
        .collect();
    let new_sv: Vec<String> = lines(&text("new_options"));
    let new_en: Vec<String> = lines(&text("new_options_en"));
    options.extend(new_sv.iter().enumerate().map(|(i, label_sv)| OptionDraft {
        id: None,
        label_sv: label_sv.clone(),
        label_en: new_en.get(i).cloned().unwrap_or_default(),
        remove: false,
    }));
    Ok(QuestionDraft {
        key: text("key"),
        kind,
        label_sv: text("label_sv"),
        label_en: text("label_en"),
        help_sv: text("help_sv"),
        help_en: text("help_en"),
        required: text("required") == TICKED,
        position,
        audience: Audience::parse(&text("audience")).unwrap_or(Audience::Public),
        sensitive: text("sensitive") == TICKED,
        condition,
        options,
    })
}

/// The non-empty lines of a text area.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Saves a new question or an edit; a refused one comes back as typed.
async fn save(
    state: &AppState,
    who: &CurrentOrganiser,
    slug: &str,
    id: Option<i32>,
    form: BTreeMap<String, String>,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(state, slug).await?;
    let all = crate::db::questions::for_event(&state.db, event.id).await?;
    let current = match id {
        Some(id) => Some(all.iter().find(|q| q.id == id).ok_or(AppError::NotFound)?),
        None => None,
    };
    let saved = match draft_of(&form, current) {
        Ok(draft) => {
            questions::save(
                &state.db,
                event.id,
                id,
                &draft,
                Some(&who.account),
                Utc::now(),
            )
            .await?
        }
        Err(problem) => Err(problem),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/events/{slug}/questions?done=saved#question-form-title"
        ))
        .into_response()),
        Err(problem) => {
            let rejected = Rejected {
                values: form,
                problem,
            };
            let page = render(state, who, &event, id, None, Some(rejected), locale).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /admin/events/{slug}/questions`: add a question.
pub async fn create(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    save(&state, &who, &slug, None, form, locale).await
}

/// `POST /admin/events/{slug}/questions/{id}`: change a question.
pub async fn update(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i32)>,
    locale: Locale,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    save(&state, &who, &slug, Some(id), form, locale).await
}

/// `POST /admin/events/{slug}/questions/{id}/delete`.
pub async fn delete(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i32)>,
    locale: Locale,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let all = crate::db::questions::for_event(&state.db, event.id).await?;
    let question = all.iter().find(|q| q.id == id).ok_or(AppError::NotFound)?;
    match questions::delete(&state.db, event.id, id, &who.account, Utc::now()).await? {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/events/{slug}/questions?done=deleted")).into_response(),
        ),
        Err(problem) => {
            let rejected = Rejected {
                values: view::values_of(question),
                problem,
            };
            let page = render(&state, &who, &event, Some(id), None, Some(rejected), locale).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// `POST /admin/events/{slug}/questions/remind`: one email to each
/// registrant still missing a required answer (none to anyone reminded of
/// the same questions already).
pub async fn remind(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Redirect, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let sent = questions::remind(&state.db, event.id, &who.account, Utc::now()).await?;
    Ok(Redirect::to(&format!(
        "/admin/events/{slug}/questions?done=reminded&count={sent}"
    )))
}
