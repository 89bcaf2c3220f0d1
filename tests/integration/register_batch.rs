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

/// Registers each of `count` colleagues of municipality 2580 through
/// `event` (as read), all at once, on the default options; every one
/// must register (confirmed or waitlisted).
async fn register_many(
    db: &sea_orm::DatabaseConnection,
    event: &event::Model,
    count: usize,
    prefix: &str,
) {
    let people: Vec<NewRegistration> = (0..count)
        .map(|i| person(&format!("Person {i}"), &format!("{prefix}{i}@example.org")))
        .collect();
    let keys: Vec<SubmissionKey> = (0..count).map(|_| SubmissionKey::generate()).collect();
    let outcomes = join_all(people.iter().zip(&keys).map(|(new, key)| {
        register_with(
            db,
            event,
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
    register_many(db, &event, 100, "p").await;
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

// A batch takes its seats ahead (one update per counter for the whole
// batch) and hands them out in order; where a counter has no room for the
// whole batch, its registrations take theirs one by one. Whatever the
// batch took and did not use (a failing registration, a replay, an
// address already registered, someone on a waitlist) goes back before the
// commit, so every counter equals its rows afterwards. (With choices each
// call reads the programme before it reaches the writer, so the order in
// which calls sent together arrive is not fixed, nor whether they share
// one batch: the outcomes are checked whatever the order.)
#[tokio::test]
async fn a_batch_takes_its_seats_ahead_and_gives_back_what_it_did_not_use() {
    use crate::choices::{items, meeting};
    use anmalan::db::entities::{municipality_seat, programme_item, registration_choice};
    use anmalan::domain::choice::ChoiceStatus;

    let app = TestApp::spawn().await;
    let db = &app.state.db;
    // Ten seats, ten places per municipality, a study visit of three
    // seats and a dinner of fifty.
    let mut spec = meeting("forut", Some(10), 3, 50);
    spec.municipality_cap = Some(10);
    app.create_event(&spec).await;
    let event = events::find_by_slug(db, "forut").await.unwrap().unwrap();
    let programme = items(&app).await;
    let visit = programme["Studiebesök på datacenter"].id;
    let dinner = programme["Nätverksmiddag"].id;
    let choosing = |name: &str, email: &str| {
        let mut new = person(name, email);
        new.choices = vec![visit.min(dinner), visit.max(dinner)];
        new
    };
    let missing = |new: &NewRegistration| invitation::Model {
        id: uuid::Uuid::now_v7(),
        event_id: event.id,
        name: new.name.clone(),
        email: new.email.as_str().to_owned(),
        email_normalized: new.email.normalized().to_owned(),
        municipality_code: None,
        organisation: None,
        token_hash: "not-stored".to_owned(),
        status: InvitationStatus::Sent,
        registration_id: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        reminded_at: None,
    };

    // At once: Anna, Fel (fails after taking his seats), Bo, Cecilia,
    // Anna's form again, Bo's address from another form, Gun. The visit
    // cannot seat all seven, so its seats go one by one: three of the four
    // people registered get them, and the fourth queues. Everything else is
    // taken ahead.
    let anna = choosing("Anna Andersson", "anna@example.org");
    let fel = choosing("Fel Felsson", "fel@example.org");
    let bo = choosing("Bo Berg", "bo@example.org");
    let cecilia = choosing("Cecilia Ek", "cecilia@example.org");
    let bo_again = choosing("Bo Berg", "BO@example.org");
    let gun = choosing("Gun Gran", "gun@example.org");
    let fel_invitation = missing(&fel);
    let failing = RegisterOptions {
        invitation: Some(&fel_invitation),
        ..Default::default()
    };
    let plain = RegisterOptions::default();
    let keys: Vec<SubmissionKey> = (0..7).map(|_| SubmissionKey::generate()).collect();
    let calls = [
        (&anna, &keys[0], plain),
        (&fel, &keys[1], failing),
        (&bo, &keys[2], plain),
        (&cecilia, &keys[3], plain),
        (&anna, &keys[0], plain),
        (&bo_again, &keys[5], plain),
        (&gun, &keys[6], plain),
    ];
    let now = Utc::now();
    let outcomes =
        join_all(calls.iter().map(|(new, key, options)| {
            register_with(db, &event, new, key, Locale::Sv, now, *options)
        }))
        .await;
    let mut labels: Vec<&str> = outcomes
        .iter()
        .map(|o| o.as_ref().map_or("error", |o| o.label()))
        .collect();
    assert_eq!(labels[1], "error", "{outcomes:?}");
    labels.sort_unstable();
    assert_eq!(
        labels,
        [
            "already_registered",
            "error",
            "registered",
            "registered",
            "registered",
            "registered",
            "repeated"
        ],
        "{outcomes:?}"
    );

    // Then, with nothing failing (the path without savepoints): Dag and Eva
    // register, Anna's form comes a third time.
    let dag = choosing("Dag Dahl", "dag@example.org");
    let eva = choosing("Eva Ek", "eva@example.org");
    let more = [
        (&dag, &keys[4]),
        (&anna, &keys[0]),
        (&eva, &SubmissionKey::generate()),
    ];
    let outcomes = join_all(
        more.iter()
            .map(|(new, key)| register_with(db, &event, new, key, Locale::Sv, Utc::now(), plain)),
    )
    .await;
    let labels: Vec<&str> = outcomes
        .iter()
        .map(|o| o.as_ref().map_or("error", |o| o.label()))
        .collect();
    assert_eq!(labels, ["registered", "repeated", "registered"]);

    // Every counter equals its rows.
    let rows = registration::Entity::find().all(db).await.unwrap();
    let confirmed = rows
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .count();
    assert_eq!(confirmed, 6, "Anna, Bo, Cecilia, Gun, Dag, Eva");
    let stored = event::Entity::find_by_id(event.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.confirmed_count, 6);
    let places = municipality_seat::Entity::find()
        .filter(municipality_seat::Column::EventId.eq(event.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(places.len(), 1);
    assert_eq!(places[0].confirmed_count, 6);
    let choices = registration_choice::Entity::find().all(db).await.unwrap();
    for (item, expected) in [(visit, 3), (dinner, 6)] {
        let seated = choices
            .iter()
            .filter(|c| c.item_id == item && c.status == ChoiceStatus::Confirmed)
            .count();
        assert_eq!(seated, expected, "item {item}");
        let counter = programme_item::Entity::find_by_id(item)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .confirmed_count;
        assert_eq!(counter as usize, expected, "item {item}");
    }
    // The visit's queue: the one of the first four without a seat, then
    // Dag and Eva, each with its own place.
    let mut queued: Vec<(Option<i32>, &str)> = choices
        .iter()
        .filter(|c| c.item_id == visit && c.status == ChoiceStatus::Waitlisted)
        .map(|c| {
            let who = rows.iter().find(|r| r.id == c.registration_id).unwrap();
            (c.waitlist_order, who.name.as_str())
        })
        .collect();
    queued.sort_unstable();
    queued.dedup_by_key(|(order, _)| *order);
    assert_eq!(queued.len(), 3, "{queued:?}");
    let later: Vec<&str> = queued[1..].iter().map(|(_, name)| *name).collect();
    assert!(
        later.contains(&"Dag Dahl") && later.contains(&"Eva Ek"),
        "{queued:?}"
    );
}

// A double click behind a load balancer: each form reaches two instances
// at once, beside other forms. Each instance's batch claims new keys
// together with their rows; the one that comes second finds the key
// claimed (before its batch began, or meanwhile, stopped by the unique
// index and tried again), and both answers lead to the same registration.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_form_sent_to_two_instances_at_once_registers_once() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    first.create_event(&seminar("tvilling", Some(50))).await;
    let people: Vec<(String, String, String)> = (0..12)
        .map(|i| {
            (
                new_key(),
                format!("Person {i}"),
                format!("p{i}@example.org"),
            )
        })
        .collect();
    let forms: Vec<_> = people
        .iter()
        .map(|(key, name, email)| registration_form(key, name, email))
        .collect();
    let sends = forms.iter().flat_map(|form| {
        [&first, &second].map(|app| app.post_form("/events/tvilling/register", form))
    });
    let answers = join_all(sends).await;
    for pair in answers.chunks(2) {
        assert_eq!((pair[0].status, pair[1].status), (303, 303));
        assert_eq!(pair[0].location, pair[1].location, "the same registration");
    }
    let db = &first.state.db;
    assert_eq!(registration::Entity::find().count(db).await.unwrap(), 12);
    let stored = events::find_by_slug(db, "tvilling").await.unwrap().unwrap();
    assert_eq!(stored.confirmed_count, 12);
    assert_eq!(first.outbox_kinds().await.len(), 12);
}

// The cap per municipality a batch keeps is the one stored when the batch
// runs, not the one each request read: an organiser who has just set a cap
// is obeyed by registrations already on their way.
#[tokio::test]
async fn a_batch_keeps_the_municipality_cap_as_stored_not_as_read() {
    use anmalan::db::entities::municipality_seat;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    let app = TestApp::spawn().await;
    let db = &app.state.db;
    app.create_event(&seminar("taket", Some(50))).await;
    // The requests read the event before the organiser set a cap of 1.
    let read = events::find_by_slug(db, "taket").await.unwrap().unwrap();
    assert_eq!(read.municipality_cap, None);
    let mut capped: event::ActiveModel = read.clone().into();
    capped.municipality_cap = Set(Some(1));
    capped.update(db).await.unwrap();

    register_many(db, &read, 3, "m").await;
    let rows = registration::Entity::find().all(db).await.unwrap();
    let of = |status| rows.iter().filter(|r| r.status == status).count();
    assert_eq!(of(RegistrationStatus::Confirmed), 1);
    assert_eq!(of(RegistrationStatus::Waitlisted), 2);
    let places = municipality_seat::Entity::find().all(db).await.unwrap();
    assert_eq!(places.len(), 1);
    assert_eq!(places[0].confirmed_count, 1);
}
