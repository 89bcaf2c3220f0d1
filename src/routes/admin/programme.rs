//! The programme items for organisers: choice settings, the cap per
//! municipality, the caterer's sheet and the visitor list; and check-in per
//! item at the door.
use std::collections::HashMap;

use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::attendees::download;
use super::session::CurrentOrganiser;
use super::{Done, event_by_slug};
use crate::db::entities::event;
use crate::db::events as event_queries;
use crate::domain::event_form::parse_local;
use crate::error::AppError;
use crate::export::{table_csv, table_xlsx};
use crate::i18n::{Locale, format};
use crate::routes::state::AppState;
use crate::services::items::{self, ItemSettings, SettingsSaved};
use crate::services::registration::Organiser;
use crate::views::admin::programme::{self as view, ItemFormValues, Rejected};
use crate::views::admin::sheets;

/// Member municipalities by code.
pub async fn member_names(state: &AppState) -> Result<HashMap<String, String>, AppError> {
    Ok(event_queries::member_municipalities(&state.db)
        .await?
        .into_iter()
        .map(|m| (m.code, m.name))
        .collect())
}

async fn render(
    state: &AppState,
    who: &CurrentOrganiser,
    event: &event::Model,
    notice: Option<String>,
    rejected: Option<Rejected>,
    cap_error: Option<(String, String)>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let programme = event_queries::programme(&state.db, event.id).await?;
    let rosters = items::rosters(&state.db, event).await?;
    let members = member_names(state).await?;
    let page = view::ProgrammePage {
        event,
        programme: &programme,
        rosters: &rosters,
        members: &members,
        notice,
        rejected,
        cap_error,
    };
    Ok(view::render(who, &page, locale))
}

/// `GET /admin/events/{slug}/programme`.
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(done): Query<Done>,
    locale: Locale,
) -> Result<maud::Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    render(
        &state,
        &who,
        &event,
        done.notice(locale),
        None,
        None,
        locale,
    )
    .await
}

/// An item's settings as posted: unticked boxes are absent.
#[derive(Debug, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    choosable: Option<String>,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    meal: Option<String>,
    #[serde(default)]
    extra_covers: String,
    #[serde(default)]
    deadline: String,
}

impl ItemForm {
    fn values(&self) -> ItemFormValues {
        ItemFormValues {
            choosable: self.choosable.as_deref() == Some("yes"),
            capacity: self.capacity.clone(),
            meal: self.meal.as_deref() == Some("yes"),
            extra_covers: self.extra_covers.clone(),
            deadline: self.deadline.clone(),
        }
    }

    /// The settings, or the field that cannot be read and why (a
    /// translation key).
    fn parse(&self, tz: chrono_tz::Tz) -> Result<ItemSettings, (&'static str, &'static str)> {
        let capacity = match self.capacity.trim() {
            "" => None,
            text => Some(
                text.parse::<i32>()
                    .ok()
                    .filter(|c| *c >= 0)
                    .ok_or(("capacity", "items.error.capacity"))?,
            ),
        };
        let extra_covers = match self.extra_covers.trim() {
            "" => 0,
            text => text
                .parse::<i32>()
                .ok()
                .filter(|c| (0..=10_000).contains(c))
                .ok_or(("extra_covers", "items.error.extra_covers"))?,
        };
        let deadline = match self.deadline.trim() {
            "" => None,
            text => {
                let local = parse_local(text).ok_or(("deadline", "admin.error.date"))?;
                Some(crate::services::events::admin::at_local(tz, local))
            }
        };
        Ok(ItemSettings {
            choosable: self.choosable.as_deref() == Some("yes"),
            capacity,
            meal: self.meal.as_deref() == Some("yes"),
            extra_covers,
            deadline,
        })
    }
}

/// `POST /admin/events/{slug}/programme/{item}`.
pub async fn save_item(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, item_id)): Path<(String, i32)>,
    locale: Locale,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let tz = format::zone(&event.time_zone);
    let settings = match form.parse(tz) {
        Ok(settings) => settings,
        Err((field, key)) => {
            let rejected = Rejected {
                item_id,
                values: form.values(),
                error: (field.to_owned(), locale.t(key)),
            };
            let page = render(&state, &who, &event, None, Some(rejected), None, locale).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let by = Organiser::in_back_office(&who.account);
    let done =
        match items::save_settings(&state.db, &event, item_id, &settings, by, Utc::now()).await? {
            SettingsSaved::Saved => "item_saved",
            SettingsSaved::OverCapacity => "item_over_capacity",
            SettingsSaved::Missing => return Err(AppError::NotFound),
        };
    Ok(Redirect::to(&format!(
        "/admin/events/{slug}/programme?done={done}#item-{item_id}-title"
    ))
    .into_response())
}

/// The cap as posted.
#[derive(Debug, Default, Deserialize)]
pub struct CapForm {
    #[serde(default)]
    municipality_cap: String,
}

/// `POST /admin/events/{slug}/municipality-cap`.
pub async fn save_cap(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    locale: Locale,
    Form(form): Form<CapForm>,
) -> Result<Response, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let cap = match form.municipality_cap.trim() {
        "" => None,
        text => match text.parse::<i32>().ok().filter(|c| *c >= 1) {
            Some(cap) => Some(cap),
            None => {
                let error = (form.municipality_cap.clone(), locale.t("items.error.cap"));
                let page = render(&state, &who, &event, None, None, Some(error), locale).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
    };
    let by = Organiser::in_back_office(&who.account);
    items::save_municipality_cap(&state.db, &event, cap, by, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/events/{slug}/programme?done=cap_saved")).into_response())
}

/// `GET /admin/events/{slug}/programme/{item}/{caterer|visitors}.{csv|xlsx|pdf}`.
pub async fn list(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, item_id, file)): Path<(String, i32, String)>,
    locale: Locale,
) -> Result<Response, AppError> {
    let Some((kind, format)) = file.split_once('.') else {
        return Err(AppError::NotFound);
    };
    if !matches!(kind, "caterer" | "visitors") || !matches!(format, "csv" | "xlsx" | "pdf") {
        return Err(AppError::NotFound);
    }
    let event = event_by_slug(&state, &slug).await?;
    let tz = format::zone(&event.time_zone);
    let members = member_names(&state).await?;
    let by = Organiser::in_back_office(&who.account);
    let now = Utc::now();
    let (rows, widths, title, printed) = if kind == "caterer" {
        let sheet = items::caterer_sheet(&state.db, &event, item_id, &members, by, now)
            .await?
            .ok_or(AppError::NotFound)?;
        let title = sheet.item.title.clone();
        (
            sheets::caterer(&sheet, tz, locale),
            &sheets::CATERER_WIDTHS[..],
            title,
            crate::views::admin::printing::caterer(&sheet, &event, locale),
        )
    } else {
        let roster = items::visitor_list(&state.db, &event, item_id, by, now)
            .await?
            .ok_or(AppError::NotFound)?;
        let title = roster.item.title.clone();
        (
            sheets::visitors(&roster, &members, tz, now, locale),
            &sheets::VISITOR_WIDTHS[..],
            title,
            crate::views::admin::printing::visitors(&roster, &event, &members, now, locale),
        )
    };
    let name = format!(
        "{slug}-{}-{}",
        crate::domain::event_form::slugify(&title),
        kind
    );
    if format == "pdf" {
        let pdf = crate::pdf::lists::render(printed)
            .await
            .map_err(AppError::Internal)?;
        return Ok(download(
            "application/pdf",
            &format!("{name}.pdf"),
            Body::from(pdf),
        ));
    }
    if format == "xlsx" {
        let bytes = table_xlsx(&title, widths, &rows).map_err(AppError::Internal)?;
        Ok(download(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{name}.xlsx"),
            Body::from(bytes),
        ))
    } else {
        let bytes = table_csv(&rows).map_err(AppError::Internal)?;
        Ok(download(
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
            Body::from(bytes),
        ))
    }
}

/// The search kept across a tap at the door.
#[derive(Debug, Default, Deserialize)]
pub struct DoorForm {
    #[serde(default)]
    q: String,
}

/// `POST /admin/events/{slug}/items/{item}/registrations/{id}/{checkin|undo-checkin}`
/// (door staff): check in to one item, then back to its check-in page.
pub async fn check_in(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path((slug, item_id, id, action)): Path<(String, i32, uuid::Uuid, String)>,
    Form(form): Form<DoorForm>,
) -> Result<Response, AppError> {
    let arrived = match action.as_str() {
        "checkin" => true,
        "undo-checkin" => false,
        _ => return Err(AppError::NotFound),
    };
    let event = event_by_slug(&state, &slug).await?;
    let by = Organiser::in_back_office(&who.account);
    // A refused tap (no seat for the item) changes nothing; the page shows
    // each person's state.
    items::check_in(&state.db, &event, item_id, id, arrived, by, Utc::now()).await?;
    let q: String = url::form_urlencoded::byte_serialize(form.q.as_bytes()).collect();
    Ok(Redirect::to(&format!(
        "/admin/events/{slug}/checkin?item={item_id}&q={q}"
    ))
    .into_response())
}
