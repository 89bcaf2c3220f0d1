//! Programme choices through HTTP, as a registrant meets them: each item's
//! seats hold under concurrency with two instances, a cancellation moves
//! everyone up in one transaction with one email each, overlapping items
//! cannot both be chosen, deadlines hold, and the cap per municipality
//! holds under concurrency.
use std::collections::{HashMap, HashSet};

use anmalan::db::entities::{outbox, programme_item, registration, registration_choice};
use anmalan::domain::choice::ChoiceStatus;
use anmalan::services::events::{ChoiceSpec, EventSpec, ProgrammeSpec};
use chrono::Duration;
use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::common::mail::*;
use crate::common::*;

/// An item of `spec`'s programme, `hours` after the event starts.
pub(crate) fn item(
    spec: &EventSpec,
    title: &str,
    from: i64,
    to: i64,
    choice: Option<ChoiceSpec>,
) -> ProgrammeSpec {
    ProgrammeSpec {
        starts_at: spec.starts_at + Duration::minutes(from),
        ends_at: Some(spec.starts_at + Duration::minutes(to)),
        title: title.to_owned(),
        place: None,
        key: None,
        choice,
    }
}

pub(crate) fn seats(capacity: u32) -> Option<ChoiceSpec> {
    Some(ChoiceSpec {
        capacity: Some(capacity),
        ..Default::default()
    })
}

/// A two-hour event with a study visit (`visit` seats), a dinner
/// (`dinner` seats, a meal) and a workshop at the same time as the visit.
pub(crate) fn meeting(slug: &str, capacity: Option<u32>, visit: u32, dinner: u32) -> EventSpec {
    let mut spec = seminar(slug, capacity);
    spec.ends_at = spec.starts_at + Duration::hours(8);
    spec.programme = vec![
        item(&spec, "Studiebesök på datacenter", 60, 180, seats(visit)),
        item(&spec, "Workshop", 60, 120, Some(ChoiceSpec::default())),
        item(
            &spec,
            "Nätverksmiddag",
            300,
            420,
            Some(ChoiceSpec {
                capacity: Some(dinner),
                meal: true,
                extra_covers: 3,
                deadline: None,
            }),
        ),
    ];
    spec
}

/// The stored items of an event's programme, by title.
pub(crate) async fn items(app: &TestApp) -> HashMap<String, programme_item::Model> {
    programme_item::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|item| (item.title.clone(), item))
        .collect()
}

/// Registers with the given items ticked.
pub(crate) async fn register_choosing(
    app: &TestApp,
    slug: &str,
    name: &str,
    email: &str,
    municipality: &str,
    items: &[i32],
) -> Posted {
    let key = new_key();
    let boxes: Vec<String> = items.iter().map(|id| format!("choice-{id}")).collect();
    let mut form = registration_form(&key, name, email);
    form.retain(|(field, _)| *field != "municipality");
    form.push(("municipality", municipality));
    for name in &boxes {
        form.push((name, "yes"));
    }
    // A burst can outwait the pool (503, "try again"); like a browser's
    // user, send the same submission (the same key) again, which must
    // register once.
    let mut tries = 0;
    loop {
        let posted = app
            .post_form(&format!("/events/{slug}/register"), &form)
            .await;
        tries += 1;
        if posted.status != 503 || tries == 5 {
            if tries > 1 {
                eprintln!("{email}: sent {tries} times after 503");
            }
            return posted;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200 * tries)).await;
    }
}

pub(crate) async fn choices_of_item(
    app: &TestApp,
    item_id: i32,
) -> Vec<registration_choice::Model> {
    registration_choice::Entity::find()
        .filter(registration_choice::Column::ItemId.eq(item_id))
        .order_by_asc(registration_choice::Column::WaitlistOrder)
        .all(&app.state.db)
        .await
        .unwrap()
}

pub(crate) async fn registration_by_email(app: &TestApp, email: &str) -> registration::Model {
    registration::Entity::find()
        .filter(registration::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("registered")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_registrations_for_a_25_seat_visit_confirm_exactly_25() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    first.create_event(&meeting("rusning", None, 25, 60)).await;
    let items = items(&first).await;
    let visit = items["Studiebesök på datacenter"].id;
    let dinner = items["Nätverksmiddag"].id;

    let attempts = (0..200).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        async move {
            let email = format!("person{i}@example.org");
            register_choosing(
                app,
                "rusning",
                &format!("Person {i}"),
                &email,
                "2580",
                &[visit, dinner],
            )
            .await
            .status
        }
    });
    let statuses = join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");

    let on_visit = choices_of_item(&first, visit).await;
    assert_eq!(on_visit.len(), 200);
    let confirmed = on_visit
        .iter()
        .filter(|c| c.status == ChoiceStatus::Confirmed)
        .count();
    assert_eq!(confirmed, 25, "exactly the visit's 25 seats");
    let queued: Vec<_> = on_visit
        .iter()
        .filter(|c| c.status == ChoiceStatus::Waitlisted)
        .collect();
    assert_eq!(queued.len(), 175);
    let orders: HashSet<i32> = queued.iter().filter_map(|c| c.waitlist_order).collect();
    assert_eq!(orders.len(), 175, "distinct places in the visit's queue");
    let mut positions = HashSet::new();
    for choice in &queued {
        positions.insert(
            anmalan::db::choices::item_waitlist_position(&first.state.db, choice)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(positions, (1..=175).collect::<HashSet<u64>>());
    let stored = items_by_id(&first, visit).await;
    assert_eq!(stored.confirmed_count, 25);
    let dinner_confirmed = choices_of_item(&first, dinner)
        .await
        .iter()
        .filter(|c| c.status == ChoiceStatus::Confirmed)
        .count();
    assert_eq!(dinner_confirmed, 60);

    // A queued registrant sees their place in the visit's queue.
    let last = queued.last().unwrap();
    let row = registration::Entity::find_by_id(last.registration_id)
        .one(&first.state.db)
        .await
        .unwrap()
        .unwrap();
    let (_, page) = first.get(&manage_path_of(&first, &row).await).await;
    assert!(page.contains("I kö, plats 175"), "{page}");
}

pub(crate) async fn items_by_id(app: &TestApp, id: i32) -> programme_item::Model {
    programme_item::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// A manage link for a registration, issued the way "send my link again"
/// does (tests cannot read a link back from its hash).
async fn manage_path_of(app: &TestApp, row: &registration::Model) -> String {
    let token = anmalan::domain::token::ManageToken::generate();
    anmalan::db::registrations::add_link(&app.state.db, row.id, &token, chrono::Utc::now())
        .await
        .unwrap();
    format!("/r/{}", token.as_link_part())
}

#[tokio::test]
async fn a_cancellation_moves_everyone_up_in_one_transaction_with_one_email_each() {
    let app = TestApp::spawn().await;
    app.create_event(&meeting("flytt", Some(2), 1, 1)).await;
    let items = items(&app).await;
    let visit = items["Studiebesök på datacenter"].id;
    let dinner = items["Nätverksmiddag"].id;

    let anna = register_choosing(
        &app,
        "flytt",
        "Anna",
        "anna@example.org",
        "2580",
        &[visit, dinner],
    )
    .await;
    register_choosing(
        &app,
        "flytt",
        "Bo",
        "bo@example.org",
        "2580",
        &[visit, dinner],
    )
    .await;
    register_choosing(
        &app,
        "flytt",
        "Cecilia",
        "cecilia@example.org",
        "2580",
        &[visit],
    )
    .await;
    let bo = registration_by_email(&app, "bo@example.org").await;
    let cecilia = registration_by_email(&app, "cecilia@example.org").await;
    assert_eq!(bo.status, RegistrationStatus::Confirmed);
    assert_eq!(cecilia.status, RegistrationStatus::Waitlisted);
    let before = outbox::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .len();

    let cancelled = app
        .post_form(&format!("{}/cancel", anna.manage_path()), &[])
        .await;
    assert_eq!(cancelled.status, 303);

    // Bo got both item seats, Cecilia the event seat and a place in the
    // visit's queue behind nobody but Bo's seat.
    let status = |rows: Vec<registration_choice::Model>, id| {
        rows.into_iter()
            .find(|c| c.registration_id == id)
            .map(|c| (c.status, c.waitlist_order.is_some()))
    };
    assert_eq!(
        status(choices_of_item(&app, visit).await, bo.id),
        Some((ChoiceStatus::Confirmed, false))
    );
    assert_eq!(
        status(choices_of_item(&app, dinner).await, bo.id),
        Some((ChoiceStatus::Confirmed, false))
    );
    assert_eq!(
        registration_by_email(&app, "cecilia@example.org")
            .await
            .status,
        RegistrationStatus::Confirmed
    );
    assert_eq!(
        status(choices_of_item(&app, visit).await, cecilia.id),
        Some((ChoiceStatus::Waitlisted, true))
    );
    assert_eq!(items_by_id(&app, visit).await.confirmed_count, 1);
    assert_eq!(items_by_id(&app, dinner).await.confirmed_count, 1);

    // One email per affected person: Anna's cancellation, one for Bo (both
    // items), one for Cecilia (her seat, with her choices).
    let rows = outbox::Entity::find()
        .order_by_asc(outbox::Column::CreatedAt)
        .all(&app.state.db)
        .await
        .unwrap();
    let new: Vec<(String, MessageKind)> = rows[before..]
        .iter()
        .map(|r| (r.recipient.clone(), r.kind))
        .collect();
    let mut sorted = new.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sorted,
        vec![
            ("anna@example.org".to_owned(), MessageKind::Cancelled),
            ("bo@example.org".to_owned(), MessageKind::ChoicesChanged),
            ("cecilia@example.org".to_owned(), MessageKind::Promoted),
        ],
        "{new:?}"
    );
    let bo_payload = rows[before..]
        .iter()
        .find(|r| r.recipient == "bo@example.org")
        .unwrap()
        .payload
        .clone();
    assert_eq!(bo_payload.matches("got-seat").count(), 2, "{bo_payload}");
}

#[tokio::test]
async fn two_overlapping_items_cannot_both_be_chosen_and_nothing_typed_is_lost() {
    let app = TestApp::spawn().await;
    app.create_event(&meeting("samtidigt", None, 25, 60)).await;
    let items = items(&app).await;
    let visit = items["Studiebesök på datacenter"].id;
    let workshop = items["Workshop"].id;

    let posted = register_choosing(
        &app,
        "samtidigt",
        "Dag Ek",
        "dag@example.org",
        "2580",
        &[visit, workshop],
    )
    .await;
    assert_eq!(posted.status, 422);
    assert!(
        posted.body.contains("äger rum samtidigt"),
        "{}",
        posted.body
    );
    assert_eq!(
        attr(&posted.body, "#name", "value").as_deref(),
        Some("Dag Ek")
    );
    assert!(attr(&posted.body, &format!("#choice-{visit}"), "checked").is_some());
    assert!(attr(&posted.body, &format!("#choice-{workshop}"), "checked").is_some());
    let stored = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(stored.is_empty(), "nothing stored");

    // One of them is fine; then the manage page refuses adding the other.
    let posted = register_choosing(
        &app,
        "samtidigt",
        "Dag Ek",
        "dag@example.org",
        "2580",
        &[visit],
    )
    .await;
    assert_eq!(posted.status, 303);
    let manage = posted.manage_path();
    let change = app
        .post_form(
            &format!("{manage}/choices"),
            &[
                (&format!("choice-{visit}") as &str, "yes"),
                (&format!("choice-{workshop}"), "yes"),
            ],
        )
        .await;
    assert_eq!(change.status, 422);
    assert!(change.body.contains("äger rum samtidigt"));
    // Swapping the visit for the workshop is fine, and frees the seat.
    let change = app
        .post_form(
            &format!("{manage}/choices"),
            &[(&format!("choice-{workshop}") as &str, "yes")],
        )
        .await;
    assert_eq!(change.status, 303, "{}", change.body);
    assert_eq!(items_by_id(&app, visit).await.confirmed_count, 0);
    let (_, page) = app.get(&manage).await;
    assert!(page.contains("Workshop"));
    assert!(
        app.outbox_kinds()
            .await
            .contains(&MessageKind::ChoicesChanged)
    );
}

#[tokio::test]
async fn a_choice_cannot_be_changed_by_the_registrant_after_its_deadline() {
    let app = TestApp::spawn().await;
    let mut spec = meeting("sista-dag", None, 25, 60);
    app.create_event(&spec).await;
    let items = items(&app).await;
    let visit = items["Studiebesök på datacenter"].id;
    let dinner = items["Nätverksmiddag"].id;
    let posted = register_choosing(
        &app,
        "sista-dag",
        "Eva",
        "eva@example.org",
        "2580",
        &[dinner],
    )
    .await;
    let manage = posted.manage_path();

    // The caterer's deadline passes (for the dinner and the visit).
    let past = (chrono::Utc::now() - Duration::hours(1)).naive_utc();
    for item in &mut spec.programme {
        if let Some(choice) = &mut item.choice {
            choice.deadline = Some(past);
        }
    }
    app.create_event(&spec).await;
    assert_eq!(
        items_by_id(&app, dinner).await.id,
        dinner,
        "the item is kept"
    );

    // Unticking the dinner (its box is disabled, so a form sends nothing
    // for it) keeps it; adding the visit is refused.
    let (_, page) = app.get(&manage).await;
    assert!(attr(&page, &format!("#choice-{dinner}"), "disabled").is_some());
    assert!(page.contains("Kan inte längre ändras"));
    let kept = app.post_form(&format!("{manage}/choices"), &[]).await;
    assert_eq!(kept.status, 303);
    let refused = app
        .post_form(
            &format!("{manage}/choices"),
            &[(&format!("choice-{visit}") as &str, "yes")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Sista dag"), "{}", refused.body);
    let eva = registration_by_email(&app, "eva@example.org").await;
    let chosen = anmalan::db::choices::of_registration(&app.state.db, eva.id)
        .await
        .unwrap();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0].item_id, dinner);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cap_per_municipality_holds_under_concurrency() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let mut spec = meeting("tak", Some(100), 25, 60);
    spec.municipality_cap = Some(3);
    first.create_event(&spec).await;
    let codes: Vec<String> = first
        .state
        .members
        .iter()
        .take(2)
        .map(|m| m.code.clone())
        .collect();

    let attempts = (0..40).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        let code = codes[i % 2].clone();
        async move {
            let email = format!("person{i}@example.org");
            register_choosing(app, "tak", &format!("Person {i}"), &email, &code, &[])
                .await
                .status
        }
    });
    let statuses = join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let rows = registration::Entity::find()
        .all(&first.state.db)
        .await
        .unwrap();
    for code in &codes {
        let of = |status| {
            rows.iter()
                .filter(|r| r.municipality_code.as_deref() == Some(code) && r.status == status)
                .count()
        };
        assert_eq!(of(RegistrationStatus::Confirmed), 3, "{code}");
        assert_eq!(of(RegistrationStatus::Waitlisted), 17, "{code}");
    }

    // A cancellation in the first municipality gives its seat to the first
    // of that municipality waiting, not to the second's.
    let confirmed = rows
        .iter()
        .find(|r| {
            r.municipality_code.as_deref() == Some(&codes[0])
                && r.status == RegistrationStatus::Confirmed
        })
        .unwrap();
    let first_waiting = rows
        .iter()
        .filter(|r| {
            r.municipality_code.as_deref() == Some(&codes[0])
                && r.status == RegistrationStatus::Waitlisted
        })
        .min_by_key(|r| r.waitlist_order)
        .unwrap();
    let path = manage_path_of(&first, confirmed).await;
    assert_eq!(
        first.post_form(&format!("{path}/cancel"), &[]).await.status,
        303
    );
    let promoted = registration::Entity::find_by_id(first_waiting.id)
        .one(&first.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(promoted.status, RegistrationStatus::Confirmed);
    let rows = registration::Entity::find()
        .all(&first.state.db)
        .await
        .unwrap();
    for code in &codes {
        let confirmed = rows
            .iter()
            .filter(|r| {
                r.municipality_code.as_deref() == Some(code)
                    && r.status == RegistrationStatus::Confirmed
            })
            .count();
        assert_eq!(confirmed, 3, "{code}");
    }
}

#[tokio::test]
async fn the_confirmation_and_its_invite_list_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&meeting("val", None, 1, 60)).await;
    let items = items(&app).await;
    let visit = items["Studiebesök på datacenter"].id;
    let dinner = items["Nätverksmiddag"].id;
    register_choosing(
        &app,
        "val",
        "Första",
        "forsta@example.org",
        "2580",
        &[visit],
    )
    .await;
    register_choosing(
        &app,
        "val",
        "Frida",
        "frida@example.org",
        "2580",
        &[visit, dinner],
    )
    .await;
    let mails = wait_for_messages(dir.path(), 2, 20).await;
    let frida = mails.iter().find(|m| m.to == "frida@example.org").unwrap();
    assert!(frida.text.contains("Dina programval"), "{}", frida.text);
    assert!(frida.text.contains("Nätverksmiddag"));
    assert!(frida.text.contains(": Plats"), "{}", frida.text);
    assert!(frida.text.contains("I kö, plats 1"), "{}", frida.text);
    let invite = read_invite(frida.calendar.as_deref().unwrap());
    assert!(
        invite.description.contains("Nätverksmiddag"),
        "{}",
        invite.description
    );
    assert!(invite.description.contains("I kö, plats 1"));
}
