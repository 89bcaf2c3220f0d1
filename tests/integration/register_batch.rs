//! Group commit: registrations pending at the same moment are written by
//! the instance's writer in one transaction, in order, and each caller gets
//! its own outcome; a failing one is rolled back alone.
use anmalan::db::entities::{event, form_submission, invitation, registration};
use anmalan::db::events;
use anmalan::domain::registration::{CONSENT_GIVEN, NewRegistration, RegistrationForm};
use anmalan::domain::token::SubmissionKey;
use anmalan::i18n::Locale;
use anmalan::services::registration::{RegisterOptions, RegisterOutcome, register_with};
use chrono::Utc;
use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::*;

fn person(name: &str, email: &str) -> NewRegistration {
    RegistrationForm {
        name: name.to_owned(),
        email: email.to_owned(),
        municipality: "2580".to_owned(),
        role_title: "Näringslivschef".to_owned(),
        consent: Some(CONSENT_GIVEN.to_owned()),
        ..Default::default()
    }
    .parse(|code| code == "2580")
    .expect("a valid registration")
}

// The default (current-thread) runtime: every call below is queued before
// the writer first runs, so they form one batch.
#[tokio::test]
async fn a_batch_mixes_confirmed_waitlisted_duplicate_and_failing_registrations() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    app.create_event(&seminar("grupp", Some(2))).await;
    let event = events::find_by_slug(db, "grupp").await.unwrap().unwrap();
    let now = Utc::now();

    let anna = person("Anna Andersson", "anna@example.org");
    let bo = person("Bo Berg", "bo@example.org");
    let bo_again = person("Bo Berg", "BO@example.org");
    let cecilia = person("Cecilia Ek", "cecilia@example.org");
    let fel = person("Fel Felsson", "fel@example.org");
    let gun = person("Gun Gran", "gun@example.org");
    let anna_key = SubmissionKey::generate();
    // An invitation that does not exist: marking it answered fails after
    // the registration, its seat and its email were written.
    let missing = invitation::Model {
        id: uuid::Uuid::now_v7(),
        event_id: event.id,
        name: fel.name.clone(),
        email: "fel@example.org".to_owned(),
        email_normalized: "fel@example.org".to_owned(),
        municipality_code: None,
        organisation: None,
        token_hash: "not-stored".to_owned(),
        status: InvitationStatus::Sent,
        registration_id: None,
        created_at: now,
        updated_at: now,
        reminded_at: None,
    };
    let failing = RegisterOptions {
        invitation: Some(&missing),
        ..Default::default()
    };
    let plain = RegisterOptions::default();
    let keys: Vec<SubmissionKey> = (0..7).map(|_| SubmissionKey::generate()).collect();
    // In order: Anna, Fel (fails), Bo, Cecilia, Anna's form again, Bo's
    // address from another form, Gun.
    let calls = [
        (&anna, &anna_key, plain),
        (&fel, &keys[1], failing),
        (&bo, &keys[2], plain),
        (&cecilia, &keys[3], plain),
        (&anna, &anna_key, plain),
        (&bo_again, &keys[5], plain),
        (&gun, &keys[6], plain),
    ];
    let outcomes =
        join_all(calls.iter().map(|(new, key, options)| {
            register_with(db, &event, new, key, Locale::Sv, now, *options)
        }))
        .await;

    let mut outcomes = outcomes.into_iter();
    let Some(Ok(RegisterOutcome::Registered { id: anna_id, .. })) = outcomes.next() else {
        panic!("Anna registers");
    };
    let Some(Err(err)) = outcomes.next() else {
        panic!("Fel's registration fails");
    };
    assert!(!anmalan::db::is_unavailable(&err), "{err}");
    let Some(Ok(RegisterOutcome::Registered { id: bo_id, .. })) = outcomes.next() else {
        panic!("Bo registers");
    };
    let Some(Ok(RegisterOutcome::Registered { id: cecilia_id, .. })) = outcomes.next() else {
        panic!("Cecilia registers");
    };
    let Some(Ok(RegisterOutcome::Repeated { id: repeated, .. })) = outcomes.next() else {
        panic!("Anna's form again is a replay");
    };
    assert_eq!(repeated, anna_id);
    assert!(matches!(
        outcomes.next(),
        Some(Ok(RegisterOutcome::AlreadyRegistered))
    ));
    let Some(Ok(RegisterOutcome::Registered { id: gun_id, .. })) = outcomes.next() else {
        panic!("Gun registers");
    };

    // Capacity in order: Fel's seat went back with its rollback, so Bo got
    // it; Cecilia and Gun wait, in that order.
    let status = |id| async move {
        let row = registration::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        (row.status, row.waitlist_order)
    };
    assert_eq!(status(anna_id).await.0, RegistrationStatus::Confirmed);
    assert_eq!(status(bo_id).await.0, RegistrationStatus::Confirmed);
    let (cecilia_status, cecilia_place) = status(cecilia_id).await;
    let (gun_status, gun_place) = status(gun_id).await;
    assert_eq!(cecilia_status, RegistrationStatus::Waitlisted);
    assert_eq!(gun_status, RegistrationStatus::Waitlisted);
    assert!(cecilia_place < gun_place, "{cecilia_place:?} {gun_place:?}");
    assert_eq!(registration::Entity::find().count(db).await.unwrap(), 4);
    let stored = event::Entity::find_by_id(event.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.confirmed_count, 2);

    // Nothing of Fel's was kept: no row, no email, no claimed key.
    let fel_rows = registration::Entity::find()
        .filter(registration::Column::EmailNormalized.eq("fel@example.org"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(fel_rows, 0);
    let mut kinds = app.outbox_kinds().await;
    kinds.sort_by_key(|kind| kind.as_str());
    let mut expected = vec![
        MessageKind::Confirmed,
        MessageKind::Confirmed,
        MessageKind::Waitlisted,
        MessageKind::Waitlisted,
        MessageKind::LinkAgain,
    ];
    expected.sort_by_key(|kind| kind.as_str());
    assert_eq!(kinds, expected);
    // Anna, Bo, Cecilia, Bo's other form, Gun.
    assert_eq!(form_submission::Entity::find().count(db).await.unwrap(), 5);

    // Fel's form, sent again without the broken invitation, registers.
    let again = register_with(db, &event, &fel, &keys[1], Locale::Sv, Utc::now(), plain).await;
    assert!(
        matches!(again, Ok(RegisterOutcome::Registered { .. })),
        "{again:?}"
    );
}

// Many callers at once on a multi-threaded runtime, as the server runs:
// batches form while the writer is busy, and capacity holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_batches_and_capacity_holds() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    app.create_event(&seminar("skaran", Some(30))).await;
    let event = events::find_by_slug(db, "skaran").await.unwrap().unwrap();
    let people: Vec<NewRegistration> = (0..100)
        .map(|i| person(&format!("Person {i}"), &format!("p{i}@example.org")))
        .collect();
    let keys: Vec<SubmissionKey> = (0..100).map(|_| SubmissionKey::generate()).collect();
    let outcomes = join_all(people.iter().zip(&keys).map(|(new, key)| {
        register_with(
            db,
            &event,
            new,
            key,
            Locale::Sv,
            Utc::now(),
            RegisterOptions::default(),
        )
    }))
    .await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(RegisterOutcome::Registered { .. }))),
        "{outcomes:?}"
    );
    let rows = registration::Entity::find().all(db).await.unwrap();
    assert_eq!(rows.len(), 100);
    let confirmed = rows
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .count();
    assert_eq!(confirmed, 30);
    let mut places: Vec<i32> = rows.iter().filter_map(|r| r.waitlist_order).collect();
    places.sort_unstable();
    places.dedup();
    assert_eq!(places.len(), 70, "distinct waitlist numbers");
    assert_eq!(app.outbox_kinds().await.len(), 100);
}
