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
use crate::services::items;
use crate::views::admin::checkin as view;

/// The search text, and the item checked in to (the whole event when
/// absent).
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    item: Option<i32>,
}

/// `GET /admin/events/{slug}/checkin?q=&item=`: confirmed registrations
/// matching the search (all of them, by name, when the search is empty);
/// with `item`, those holding a seat of that programme item, checked in to
/// it on their own count.
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
    // The item list is all the event-wide page needs; only a chosen item's
    // page reads its roster (the search runs on every keystroke).
    let choosable: Vec<(i32, String)> = crate::db::events::programme(&state.db, event.id)
        .await?
        .into_iter()
        .filter(|item| item.choosable)
        .map(|item| (item.id, item.title))
        .collect();
    if let Some(item_id) = search.item {
        let roster = items::roster(&state.db, &event, item_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let matching: std::collections::HashSet<uuid::Uuid> = filter
            .apply(event.id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let expected = roster.seated.len() as u64;
        let rows: Vec<view::DoorRow> = roster
            .seated
            .into_iter()
            .filter(|p| matching.contains(&p.registration.id))
            .take(200)
            .map(|p| view::DoorRow {
                arrived: p.choice.checked_in_at.is_some(),
                registration: p.registration,
                answers: Vec::new(),
            })
            .collect();
        let rows = with_answers(&state, event.id, rows, locale).await?;
        let page = view::DoorPage {
            event: &event,
            q: &search.q,
            rows: &rows,
            arrived: roster.checked_in,
            expected,
            items: &choosable,
            item: Some(item_id),
        };
        return Ok(view::render(&who, &page, locale));
    }
    let rows: Vec<view::DoorRow> = filter
        .apply(event.id)
        .limit(200)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| view::DoorRow {
            arrived: r.checked_in_at.is_some(),
            registration: r,
            answers: Vec::new(),
        })
        .collect();
    let rows = with_answers(&state, event.id, rows, locale).await?;
    let counts = attendees::status_counts(&state.db, event.id).await?;
    let arrived = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(registration::Column::CheckedInAt.is_not_null());
    let arrived = sea_orm::PaginatorTrait::count(arrived, &state.db).await?;
    let page = view::DoorPage {
        event: &event,
        q: &search.q,
        rows: &rows,
        arrived,
        expected: counts.confirmed,
        items: &choosable,
        item: None,
    };
    Ok(view::render(&who, &page, locale))
}

/// The rows with their answers to the event's public questions that are
/// not sensitive: a sensitive answer is not for the door, and questions
/// kept for organisers are not for door staff (the check-in role).
async fn with_answers(
    state: &AppState,
    event_id: i32,
    mut rows: Vec<view::DoorRow>,
    locale: Locale,
) -> Result<Vec<view::DoorRow>, AppError> {
    let questions: Vec<_> = crate::db::questions::for_event(&state.db, event_id)
        .await?
        .into_iter()
        .filter(|q| !q.sensitive && q.audience == crate::domain::question::Audience::Public)
        .collect();
    if questions.is_empty() || rows.is_empty() {
        return Ok(rows);
    }
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.registration.id).collect();
    let answers = crate::db::questions::answers_of_event(&state.db, &questions, Some(&ids)).await?;
    for row in &mut rows {
        let Some(own) = answers.get(&row.registration.id) else {
            continue;
        };
        row.answers = questions
            .iter()
            .filter_map(|q| {
                let value = own.get(&q.id)?;
                Some((
                    crate::i18n::questions::label(q, locale).to_owned(),
                    crate::i18n::questions::answer_text(value, q, locale),
                ))
            })
            .collect();
    }
    Ok(rows)
}
