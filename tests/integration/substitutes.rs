//! "I can't come; my colleague goes instead", through HTTP as a registrant
//! and an organiser meet it: the seat, the waitlist number and the
//! programme choices pass over without anyone moving up; the old person
//! gets a CANCEL on their UID and the new one a REQUEST on a new UID with
//! their own link; a substitute already registered is refused with the
//! input kept; the cap per municipality and item deadlines are kept; the
//! audit log names both people.
use anmalan::db::entities::{audit_entry, event, programme_item, registration};
use anmalan::domain::choice::ChoiceStatus;
use anmalan::domain::role::Role;
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::choices::{choices_of_item, items, meeting, register_choosing, registration_by_email};
use crate::common::mail::*;
use crate::common::*;

/// The substitution form as a person fills it in.
fn colleague<'a>(name: &'a str, email: &'a str, municipality: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("email", email),
        ("municipality", municipality),
        ("organisation", ""),
        ("role_title", "Näringslivschef"),
    ]
}

/// The manage link an email carries, as a path.
fn link_in(mail: &Email, base_url: &str) -> String {
    let start = mail
        .text
        .find(&format!("{base_url}/r/"))
        .expect("a manage link");
    let link: String = mail.text[start + base_url.len()..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link
}

async fn event_row(app: &TestApp, slug: &str) -> event::Model {
    event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_substitute_takes_the_seat_of_a_full_event_with_the_choices_and_a_new_invite() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    // Two seats; the study visit has one.
    app.create_event(&meeting("byte", Some(2), 1, 60)).await;
    let all = items(&app).await;
    let (visit, dinner) = (
        all["Studiebesök på datacenter"].id,
        all["Nätverksmiddag"].id,
    );
    register_choosing(
        &app,
        "byte",
        "Anna Berg",
        "anna@example.org",
        "2580",
        &[visit, dinner],
    )
    .await;
    let bo = register_choosing(
        &app,
        "byte",
        "Bo Ek",
        "bo@example.org",
        "2580",
        &[visit, dinner],
    )
    .await;
    register_choosing(&app, "byte", "Cissi Dahl", "cissi@example.org", "2580", &[]).await;
    wait_for_messages(dir.path(), 3, 20).await;
    let bo_row = registration_by_email(&app, "bo@example.org").await;
    let cissi = registration_by_email(&app, "cissi@example.org").await;
    assert_eq!(bo_row.status, RegistrationStatus::Confirmed);
    assert_eq!(
        cissi.status,
        RegistrationStatus::Waitlisted,
        "the event is full"
    );
    let bo_place = choices_of_item(&app, visit)
        .await
        .into_iter()
        .find(|c| c.registration_id == bo_row.id)
        .unwrap();
    assert_eq!(bo_place.status, ChoiceStatus::Waitlisted);

    // Bo hands over on his own page.
    let manage = bo.manage_path();
    let (status, page) = app.get(&format!("{manage}/substitute")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Vem går i stället?"));
    let posted = app
        .post_form(
            &format!("{manage}/substitute"),
            &colleague("Dana Falk", "dana@example.org", "2580"),
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(
        posted.location.as_deref(),
        Some(format!("{manage}?done=handed-over").as_str())
    );

    // The seat moved: still two confirmed, nobody promoted.
    let dana = registration_by_email(&app, "dana@example.org").await;
    assert_eq!(dana.status, RegistrationStatus::Confirmed);
    assert_ne!(dana.id, bo_row.id, "a registration of their own");
    let event = event_row(&app, "byte").await;
    assert_eq!(event.confirmed_count, 2);
    let cissi_after = registration_by_email(&app, "cissi@example.org").await;
    assert_eq!(cissi_after.status, RegistrationStatus::Waitlisted);
    assert_eq!(cissi_after.waitlist_order, cissi.waitlist_order);
    let bo_after = registration_by_email(&app, "bo@example.org").await;
    assert_eq!(bo_after.status, RegistrationStatus::Cancelled);
    assert_eq!(bo_after.replaced_by, Some(dana.id));

    // The choices moved in place: the same queue number, the dinner seat.
    let on_visit = choices_of_item(&app, visit).await;
    let dana_place = on_visit
        .iter()
        .find(|c| c.registration_id == dana.id)
        .unwrap();
    assert_eq!(dana_place.status, ChoiceStatus::Waitlisted);
    assert_eq!(dana_place.waitlist_order, bo_place.waitlist_order);
    let visit_row = programme_item::Entity::find_by_id(visit)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        visit_row.confirmed_count, 1,
        "the visit's seat did not move"
    );
    let dinner_row = programme_item::Entity::find_by_id(dinner)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dinner_row.confirmed_count, 2);
    let dana_dinner = choices_of_item(&app, dinner)
        .await
        .into_iter()
        .find(|c| c.registration_id == dana.id)
        .unwrap();
    assert_eq!(dana_dinner.status, ChoiceStatus::Confirmed);

    // Bo gets a CANCEL on his UID, Dana a REQUEST on a new one.
    let mails = wait_for_messages(dir.path(), 5, 20).await;
    assert_eq!(mails.len(), 5, "one email each, nobody else");
    let to_bo = mails
        .iter()
        .find(|m| m.to == "bo@example.org" && m.subject.starts_with("Överlämnad"))
        .expect("Bo's cancellation");
    let confirmation_bo = mails
        .iter()
        .find(|m| m.to == "bo@example.org" && m.subject.starts_with("Bekräftelse"))
        .unwrap();
    let bo_invite = read_invite(confirmation_bo.calendar.as_deref().unwrap());
    let cancel = read_invite(to_bo.calendar.as_deref().expect("a CANCEL"));
    assert_eq!(to_bo.mime_method.as_deref(), Some("CANCEL"));
    assert_eq!(cancel.method, "CANCEL");
    assert_eq!(cancel.status, "CANCELLED");
    assert_eq!(cancel.uid, bo_invite.uid, "Bo's own invite");
    assert_eq!(cancel.uid, format!("{}@127.0.0.1", bo_row.id));
    assert_eq!(cancel.sequences, vec!["1"]);
    assert_eq!(cancel.attendee, "mailto:bo@example.org");
    assert!(to_bo.text.contains("Dana Falk"), "{}", to_bo.text);
    assert!(!to_bo.text.contains("/r/"), "no link for the old person");

    let to_dana = mails
        .iter()
        .find(|m| m.to == "dana@example.org")
        .expect("Dana's confirmation");
    assert!(to_dana.subject.starts_with("Du går i stället"));
    assert!(to_dana.text.contains("Bo Ek"), "{}", to_dana.text);
    assert_eq!(to_dana.mime_method.as_deref(), Some("REQUEST"));
    let request = read_invite(to_dana.calendar.as_deref().expect("a REQUEST"));
    assert_eq!(request.method, "REQUEST");
    assert_eq!(request.uid, format!("{}@127.0.0.1", dana.id));
    assert_ne!(request.uid, cancel.uid);
    assert_eq!(request.sequences, vec!["0"]);
    assert_eq!(request.attendee, "mailto:dana@example.org");
    assert_eq!(request.attendee_cn, "Dana Falk");

    // Dana's link opens her registration; Bo's old link does not.
    let dana_link = link_in(to_dana, &app.base_url);
    let (status, page) = app.get(&dana_link).await;
    assert_eq!(status, 200);
    assert!(page.contains("dana@example.org"));
    assert!(page.contains("Studiebesök på datacenter"));
    let (status, page) = app.get(&format!("{manage}?done=handed-over")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("dana@example.org"), "never the new address");
    assert!(page.contains("Överlämnad till Dana Falk"));
    assert!(page.contains("bo@example.org"));
    let (status, _) = app.get(&format!("{manage}/substitute")).await;
    assert_eq!(status, 303, "nothing left to hand over");

    // The audit log names both.
    let entries = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("registration.substitute"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].details.contains("bo@example.org"));
    assert!(entries[0].details.contains("dana@example.org"));
    assert_eq!(entries[0].organiser_email, "bo@example.org");
}

#[tokio::test]
async fn a_substitute_already_registered_is_refused_with_the_input_kept() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("dubbel", Some(5))).await;
    let anna = app
        .register("dubbel", "Anna Berg", "anna@example.org")
        .await;
    app.register("dubbel", "Bo Ek", "bo@example.org").await;
    let manage = anna.manage_path();

    let posted = app
        .post_form(
            &format!("{manage}/substitute"),
            &colleague("Bo Ekström", "BO@example.org", "2580"),
        )
        .await;
    assert_eq!(posted.status, 422);
    assert!(posted.body.contains("redan anmäld"), "{}", posted.body);
    assert_eq!(
        attr(&posted.body, "#name", "value").as_deref(),
        Some("Bo Ekström")
    );
    assert_eq!(
        attr(&posted.body, "#email", "value").as_deref(),
        Some("BO@example.org")
    );
    assert_eq!(
        attr(&posted.body, "#email", "aria-invalid").as_deref(),
        Some("true")
    );

    // One's own address is no substitute either; a missing field is named.
    let posted = app
        .post_form(
            &format!("{manage}/substitute"),
            &colleague("Anna Berg", "anna@example.org", "2580"),
        )
        .await;
    assert_eq!(posted.status, 422);
    assert!(posted.body.contains("din egen adress"));
    let posted = app
        .post_form(
            &format!("{manage}/substitute"),
            &colleague("", "ny@example.org", "2580"),
        )
        .await;
    assert_eq!(posted.status, 422);
    assert_eq!(
        attr(&posted.body, "#email", "value").as_deref(),
        Some("ny@example.org")
    );

    // Bo is emailed his own link again; nothing else changed.
    let kinds = app.outbox_kinds().await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == MessageKind::LinkAgain)
            .count(),
        1
    );
    assert!(!kinds.contains(&MessageKind::HandedOver));
    let anna_row = registration_by_email(&app, "anna@example.org").await;
    assert_eq!(anna_row.status, RegistrationStatus::Confirmed);
    assert_eq!(
        registration::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_waitlisted_registration_passes_its_number_on() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("koe", Some(1))).await;
    app.register("koe", "Anna Berg", "anna@example.org").await;
    let bo = app.register("koe", "Bo Ek", "bo@example.org").await;
    app.register("koe", "Cissi Dahl", "cissi@example.org").await;
    let bo_row = registration_by_email(&app, "bo@example.org").await;
    let posted = app
        .post_form(
            &format!("{}/substitute", bo.manage_path()),
            &colleague("Dana Falk", "dana@example.org", "other"),
        )
        .await;
    // "other" without an organisation is named as missing.
    assert_eq!(posted.status, 422);
    let mut form = colleague("Dana Falk", "dana@example.org", "other");
    form[3] = ("organisation", "Region Gotland");
    let posted = app
        .post_form(&format!("{}/substitute", bo.manage_path()), &form)
        .await;
    assert_eq!(posted.status, 303);
    let dana = registration_by_email(&app, "dana@example.org").await;
    assert_eq!(dana.status, RegistrationStatus::Waitlisted);
    assert_eq!(dana.waitlist_order, bo_row.waitlist_order);
    assert_eq!(dana.organisation.as_deref(), Some("Region Gotland"));
    assert_eq!(
        anmalan::db::registrations::waitlist_position(&app.state.db, &dana)
            .await
            .unwrap(),
        Some(1),
        "first in line, ahead of Cissi"
    );
    // When Anna cancels, Dana (not Cissi) gets the seat.
    let anna = registration_by_email(&app, "anna@example.org").await;
    anmalan::services::registration::manage::cancel(&app.state.db, anna.id, None, Utc::now())
        .await
        .unwrap();
    let dana = registration_by_email(&app, "dana@example.org").await;
    assert_eq!(dana.status, RegistrationStatus::Confirmed);
    let kinds = app.outbox_kinds().await;
    assert!(kinds.contains(&MessageKind::TookOver));
    assert!(kinds.contains(&MessageKind::HandedOver));
}

#[tokio::test]
async fn the_cap_per_municipality_stops_a_registrant_but_not_an_organiser() {
    let app = TestApp::spawn().await;
    let mut spec = meeting("tak", Some(10), 5, 10);
    spec.municipality_cap = Some(1);
    app.create_event(&spec).await;
    let all = items(&app).await;
    let (visit, dinner) = (
        all["Studiebesök på datacenter"].id,
        all["Nätverksmiddag"].id,
    );
    register_choosing(&app, "tak", "Anna Berg", "anna@example.org", "2580", &[]).await;
    let bo = register_choosing(
        &app,
        "tak",
        "Bo Ek",
        "bo@example.org",
        "0882",
        &[visit, dinner],
    )
    .await;
    // The dinner's choice deadline passes (the caterer has the list).
    let mut item: programme_item::ActiveModel = programme_item::Entity::find_by_id(dinner)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    item.choice_deadline = Set(Some(Utc::now() - Duration::hours(1)));
    item.update(&app.state.db).await.unwrap();

    // Luleå (2580) has its one place: Bo cannot hand over to a Luleå colleague.
    let posted = app
        .post_form(
            &format!("{}/substitute", bo.manage_path()),
            &colleague("Dana Falk", "dana@example.org", "2580"),
        )
        .await;
    assert_eq!(posted.status, 422);
    assert!(
        posted.body.contains("Kommunen har redan fått"),
        "{}",
        posted.body
    );
    assert_eq!(
        attr(&posted.body, "#municipality option[selected]", "value").as_deref(),
        Some("2580"),
        "the choice is kept"
    );
    let bo_row = registration_by_email(&app, "bo@example.org").await;
    assert_eq!(bo_row.status, RegistrationStatus::Confirmed);

    // An organiser may pass the cap, and keep the dinner past its deadline.
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let path = format!("/admin/events/tak/registrations/{}/substitute", bo_row.id);
    let (status, page) = app.get_with(&client, &path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("keep_late_choices"),
        "the late box is offered"
    );
    let mut form = colleague("Dana Falk", "dana@example.org", "2580");
    form.push(("keep_late_choices", "yes"));
    let posted = app.post_with(&client, &path, &form).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let dana = registration_by_email(&app, "dana@example.org").await;
    assert_eq!(
        posted.location.as_deref(),
        Some(
            format!(
                "/admin/events/tak/registrations/{}?done=substituted",
                dana.id
            )
            .as_str()
        )
    );
    assert_eq!(dana.status, RegistrationStatus::Confirmed);
    let event = event_row(&app, "tak").await;
    assert_eq!(
        anmalan::db::choices::municipality_count(&app.state.db, event.id, "2580")
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        anmalan::db::choices::municipality_count(&app.state.db, event.id, "0882")
            .await
            .unwrap(),
        0
    );
    let dana_dinner = choices_of_item(&app, dinner)
        .await
        .into_iter()
        .find(|c| c.registration_id == dana.id)
        .expect("the dinner passed over");
    assert_eq!(dana_dinner.status, ChoiceStatus::Confirmed);
    assert!(dana_dinner.late, "flagged for the caterer");
    let audit = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("registration.substitute"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audit.organiser_email, "org@example.org");
    assert!(audit.details.contains("bo@example.org") && audit.details.contains("dana@example.org"));

    // Dana hands over herself: the dinner past its deadline stays behind.
    let (_, page) = app
        .get_with(
            &client,
            &format!(
                "/admin/events/tak/registrations/{}?done=substituted",
                dana.id
            ),
        )
        .await;
    assert!(page.contains("Anmälan är överlämnad"));
    let link = anmalan::domain::token::ManageToken::generate();
    anmalan::db::registrations::add_link(&app.state.db, dana.id, &link, Utc::now())
        .await
        .unwrap();
    let posted = app
        .post_form(
            &format!("/r/{}/substitute", link.as_link_part()),
            &colleague("Erik Gran", "erik@example.org", "2580"),
        )
        .await;
    assert_eq!(posted.status, 303, "same municipality: the place passes");
    let erik = registration_by_email(&app, "erik@example.org").await;
    let erik_items: Vec<i32> = anmalan::db::choices::of_registration(&app.state.db, erik.id)
        .await
        .unwrap()
        .iter()
        .map(|c| c.item_id)
        .collect();
    assert_eq!(erik_items, vec![visit], "the dinner was dropped");
    let dinner_row = programme_item::Entity::find_by_id(dinner)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dinner_row.confirmed_count, 0, "its seat was freed");
}

#[tokio::test]
async fn an_api_client_hands_a_registration_over() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("api-byte", Some(1))).await;
    app.register("api-byte", "Anna Berg", "anna@example.org")
        .await;
    app.register("api-byte", "Bo Ek", "bo@example.org").await;
    let anna = registration_by_email(&app, "anna@example.org").await;
    app.add_account("admin@example.org", Role::Admin).await;
    let admin = app.login("admin@example.org").await;
    let posted = app
        .post_with(
            &admin,
            "/admin/api-tokens",
            &[("name", "CRM"), ("scope", "read-write")],
        )
        .await;
    let token = texts(&posted.body, "#new-token").join("");
    let path = format!(
        "/api/v1/events/api-byte/registrations/{}/substitute",
        anna.id
    );
    let call = |body: serde_json::Value| {
        app.client
            .post(app.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let refused = call(serde_json::json!({
        "name": "Bo Ek", "email": "bo@example.org", "municipality": "2580",
        "role_title": "KSO"
    }))
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "email", "{problem}");

    let done = call(serde_json::json!({
        "name": "Dana Falk", "email": "dana@example.org", "municipality": "other",
        "organisation": "Region Gotland", "role_title": "Regiondirektör"
    }))
    .await
    .unwrap();
    assert_eq!(done.status(), 201);
    let body: serde_json::Value = done.json().await.unwrap();
    assert_eq!(body["email"], "dana@example.org");
    assert_eq!(body["status"], "confirmed");
    let bo = registration_by_email(&app, "bo@example.org").await;
    assert_eq!(bo.status, RegistrationStatus::Waitlisted, "nobody moved up");
    let audit = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("registration.substitute"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(audit.details.contains("anna@example.org") && audit.details.contains("api: CRM"));
}
