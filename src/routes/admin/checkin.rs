//! The check-in page at the door.
use crate::domain::event::RegistrationStatus;
use axum::extract::{Path, Query, State};
use maud::Markup;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;

use super::event_by_slug;
use super::session::CurrentOrganiser;
use crate::db::entities::registration;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::state::AppState;
use crate::services::attendees::{self, AttendeeFilter};
use crate::views::admin::checkin as view;

/// The search text.
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// `GET /admin/events/{slug}/checkin?q=`: confirmed registrations matching
/// the search (all of them, by name, when the search is empty).
pub async fn page(
    who: CurrentOrganiser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(search): Query<Search>,
    locale: Locale,
) -> Result<Markup, AppError> {
    let event = event_by_slug(&state, &slug).await?;
    let filter = AttendeeFilter {
        q: search.q.clone(),
        status: RegistrationStatus::Confirmed.to_string(),
        ..Default::default()
    };
    let rows = filter.apply(event.id).limit(200).all(&state.db).await?;
    let counts = attendees::status_counts(&state.db, event.id).await?;
    let arrived = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::CheckedInAt.is_not_null());
    let arrived = sea_orm::PaginatorTrait::count(arrived, &state.db).await?;
    Ok(view::render(
        &who,
        &event,
        &search.q,
        &rows,
        arrived,
        counts.confirmed,
        locale,
    ))
}
