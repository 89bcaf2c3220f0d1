//! Fixed models for rendering tests, with stable dates and ids.
#![allow(dead_code)]

use anmalan::db::entities::{event, programme_item, registration};
use anmalan::domain::event::{EventKind, EventStatus, RegistrationStatus, Visibility};
use chrono::{DateTime, Duration, Utc};

/// The Almedalen seminar at `at`, two hours long.
pub fn event(at: DateTime<Utc>) -> event::Model {
    event::Model {
        id: 1,
        slug: "almedalen".into(),
        kind: EventKind::Seminar,
        title: "Industrikommunerna – Sveriges tillväxtmotor".into(),
        summary: "Seminarium om basindustrins betydelse.".into(),
        description: String::new(),
        themes: String::new(),
        venue_name: "Donners plats".into(),
        venue_address: "Visby".into(),
        host_municipality_code: None,
        starts_at: at,
        ends_at: at + Duration::hours(2),
        time_zone: "Europe/Stockholm".into(),
        capacity: Some(80),
        registration_opens_at: None,
        registration_closes_at: None,
        status: EventStatus::Published,
        visibility: Visibility::Public,
        organiser_email: "sekretariatet@example.org".into(),
        confirmed_count: 1,
        waitlist_counter: 0,
        calendar_sequence: 0,
        municipality_cap: None,
        created_at: at,
        updated_at: at,
    }
}

/// Two programme items of `event`.
pub fn programme(event: &event::Model) -> Vec<programme_item::Model> {
    vec![
        programme_item::Model {
            id: 1,
            event_id: event.id,
            position: 0,
            starts_at: event.starts_at,
            ends_at: Some(event.starts_at + Duration::minutes(10)),
            title: "Inledning".into(),
            place: None,
            item_key: String::new(),
            choosable: false,
            capacity: None,
            confirmed_count: 0,
            waitlist_counter: 0,
            is_meal: false,
            extra_covers: 0,
            choice_deadline: None,
        },
        programme_item::Model {
            id: 2,
            event_id: event.id,
            position: 1,
            starts_at: event.starts_at + Duration::minutes(10),
            ends_at: None,
            title: "Panelsamtal".into(),
            place: Some("Tältet".into()),
            item_key: String::new(),
            choosable: false,
            capacity: None,
            confirmed_count: 0,
            waitlist_counter: 0,
            is_meal: false,
            extra_covers: 0,
            choice_deadline: None,
        },
    ]
}

/// A confirmed registration of `name` for `event`, with a fixed id.
pub fn registration(event: &event::Model, name: &str) -> registration::Model {
    let at = event.created_at;
    registration::Model {
        id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
        event_id: event.id,
        name: name.into(),
        email: "asa@example.org".into(),
        email_normalized: "asa@example.org".into(),
        municipality_code: None,
        organisation: Some("Region Gotland".into()),
        role_title: "Regiondirektör".into(),
        phone: Some("070-123 45 67".into()),
        dietary_needs: Some("Vegetarisk".into()),
        accessibility_needs: None,
        locale: "sv".into(),
        consented_at: at,
        status: RegistrationStatus::Confirmed,
        waitlist_order: None,
        manage_token_hash: "x".into(),
        calendar_sequence: 0,
        link_resent_at: None,
        created_at: at,
        updated_at: at,
        cancelled_at: None,
        checked_in_at: None,
        search_text: String::new(),
        consent_version: String::new(),
        participant_list_consented_at: None,
        diet: Some("vegetarian".into()),
        allergens: "gluten,milk".into(),
        replaced_by: None,
        delegation_id: None,
    }
}
