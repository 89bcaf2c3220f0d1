//! `GET /api/v1/events`, `GET /api/v1/events/{slug}`,
//! `GET /api/v1/municipalities`.
use axum::Json;
use axum::extract::{Path, State};
use sea_orm::{EntityTrait, QueryOrder};

use super::ApiAuth;
use super::model::{
    EventDetail, EventList, EventQuestion, EventSummary, Municipality, MunicipalityList,
    ProgrammeItem,
};
use super::problem::{ApiError, Problem};
use crate::db::entities::event;
use crate::routes::state::AppState;
use crate::services::attendees;

/// Every event, drafts included, soonest first, with its counts.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    operation_id = "list_events",
    tag = "events",
    responses(
        (status = 200, description = "Every event", body = EventList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    _caller: ApiAuth,
    State(state): State<AppState>,
) -> Result<Json<EventList>, ApiError> {
    let events = event::Entity::find()
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .all(&state.db)
        .await?;
    let mut items = Vec::with_capacity(events.len());
    for event in &events {
        let counts = attendees::status_counts(&state.db, event.id).await?;
        items.push(EventSummary::new(event, counts));
    }
    Ok(Json(EventList { items }))
}

/// One event with its description and per-municipality counts.
#[utoipa::path(
    get,
    path = "/api/v1/events/{slug}",
    operation_id = "get_event",
    tag = "events",
    params(("slug" = String, Path, description = "The event's slug")),
    responses(
        (status = 200, description = "The event", body = EventDetail),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    _caller: ApiAuth,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<EventDetail>, ApiError> {
    let event = super::event_by_slug(&state, &slug).await?;
    let counts = attendees::status_counts(&state.db, event.id).await?;
    let by_municipality = attendees::by_municipality(&state.db, event.id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let queued = crate::db::choices::queue_lengths(&state.db, event.id).await?;
    let programme = crate::db::events::programme(&state.db, event.id)
        .await?
        .into_iter()
        .map(|item| {
            let waiting = queued.get(&item.id).copied().unwrap_or(0);
            ProgrammeItem::new(item, waiting)
        })
        .collect();
    let all = crate::db::questions::for_event(&state.db, event.id).await?;
    let questions = all.iter().map(|q| EventQuestion::new(q, &all)).collect();
    Ok(Json(EventDetail {
        questions,
        description: event.description.clone(),
        venue_address: event.venue_address.clone(),
        municipality_cap: event.municipality_cap,
        programme,
        event: EventSummary::new(&event, counts),
        by_municipality,
    }))
}

/// The network's member municipalities, for `municipality_code`.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities",
    operation_id = "list_municipalities",
    tag = "events",
    responses(
        (status = 200, description = "The member municipalities", body = MunicipalityList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn municipalities(
    _caller: ApiAuth,
    State(state): State<AppState>,
) -> Json<MunicipalityList> {
    Json(MunicipalityList {
        items: state
            .members
            .iter()
            .map(|m| Municipality {
                code: m.code.clone(),
                name: m.name.clone(),
            })
            .collect(),
    })
}
