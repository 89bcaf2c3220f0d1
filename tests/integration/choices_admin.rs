//! Programme choices from the organiser's side, through HTTP: item settings
//! (lowering a capacity removes nobody, raising it moves the queue up), the
//! caterer's sheet (its counts equal the confirmed choices, and it says
//! what changed since the previous download), the visitor list with late
//! changes marked, check-in per item, the cap per municipality, the
//! per-municipality item counts and the attendee export's item columns.
use anmalan::db::entities::{audit_entry, outbox, registration_choice};
use anmalan::domain::choice::ChoiceStatus;
use anmalan::domain::event::RegistrationStatus;
use anmalan::domain::role::Role;
use anmalan::domain::status::MessageKind;
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::choices::{items, items_by_id, meeting, registration_by_email};
use crate::common::*;

/// Registers choosing `items`, with a diet, allergens and free text.
async fn register_eating(
    app: &TestApp,
    slug: &str,
    name: &str,
    email: &str,
    items: &[i32],
    diet: &str,
    allergens: &[&str],
) -> Posted {
    let key = new_key();
    let boxes: Vec<String> = items.iter().map(|id| format!("choice-{id}")).collect();
    let allergen_boxes: Vec<String> = allergens.iter().map(|a| format!("allergen-{a}")).collect();
    let mut form = registration_form(&key, name, email);
    form.push(("diet", diet));
    for name in boxes.iter().chain(&allergen_boxes) {
        form.push((name, "yes"));
    }
    let posted = app
        .post_form(&format!("/events/{slug}/register"), &form)
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    posted
}

async fn organiser(app: &TestApp) -> reqwest::Client {
    app.add_account("org@example.org", Role::Organiser).await;
    app.login("org@example.org").await
}

async fn download(app: &TestApp, client: &reqwest::Client, path: &str) -> Vec<u8> {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.unwrap().to_vec()
}

/// A CSV list's rows (flexible lengths), without the BOM.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The value next to a label in a list's summary lines.
fn value_of(rows: &[Vec<String>], label: &str) -> String {
    rows.iter()
        .find(|r| r.first().map(String::as_str) == Some(label))
        .and_then(|r| r.get(1).cloned())
        .unwrap_or_else(|| panic!("no line {label:?} in {rows:?}"))
}

async fn confirmed_choices(app: &TestApp, item_id: i32) -> u64 {
    registration_choice::Entity::find()
        .filter(registration_choice::Column::ItemId.eq(item_id))
        .filter(registration_choice::Column::Status.eq(ChoiceStatus::Confirmed))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_caterer_sheet_counts_the_confirmed_choices_and_says_what_changed() {
    let app = TestApp::spawn().await;
    // Dinner: 3 seats and 3 extra covers.
    app.create_event(&meeting("middag", None, 25, 3)).await;
    let dinner = items(&app).await["Nätverksmiddag"].id;
    let people = [
        (
            "Anna Andersson",
            "anna@example.org",
            "vegan",
            vec!["gluten"],
        ),
        ("Bo Berg", "bo@example.org", "vegetarian", vec![]),
        (
            "Cecilia Carlsson",
            "cecilia@example.org",
            "",
            vec!["gluten", "milk"],
        ),
        ("David Dahl", "david@example.org", "none", vec![]),
    ];
    for (name, email, diet, allergens) in &people {
        register_eating(&app, "middag", name, email, &[dinner], diet, allergens).await;
    }
    let client = organiser(&app).await;
    let path = format!("/admin/events/middag/programme/{dinner}/caterer.csv");
    let rows = csv_rows(&download(&app, &client, &path).await);

    assert_eq!(confirmed_choices(&app, dinner).await, 3, "David queues");
    assert_eq!(value_of(&rows, "Anmälda gäster"), "3");
    assert_eq!(value_of(&rows, "Kuvert totalt"), "6", "3 guests + 3 extra");
    assert_eq!(value_of(&rows, "Vegansk"), "1");
    assert_eq!(value_of(&rows, "Vegetarisk"), "1");
    assert_eq!(
        value_of(&rows, "Ingen specialkost"),
        "1",
        "unsaid eats the ordinary"
    );
    let gluten = rows
        .iter()
        .find(|r| r[0] == "Spannmål som innehåller gluten")
        .unwrap();
    assert_eq!(gluten[1], "2");
    assert_eq!(gluten[2], "Anna Andersson, Cecilia Carlsson");
    assert!(rows.iter().any(|r| r[0] == "Första hämtningen av listan."));
    let guests: Vec<&str> = rows
        .iter()
        .skip_while(|r| r[0] != "Namn")
        .skip(1)
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(guests, ["Anna Andersson", "Bo Berg", "Cecilia Carlsson"]);

    // Bo cancels (David gets his dinner seat), Anna's diet changes.
    let bo = registration_by_email(&app, "bo@example.org").await;
    let posted = app
        .post_with(
            &client,
            &format!("/admin/events/middag/registrations/{}/cancel", bo.id),
            &[],
        )
        .await;
    assert_eq!(posted.status, 303);
    let anna = registration_by_email(&app, "anna@example.org").await;
    let posted = app
        .post_with(
            &client,
            &format!("/admin/events/middag/registrations/{}", anna.id),
            &[
                ("name", "Anna Andersson"),
                ("role_title", "Kommunchef"),
                ("phone", ""),
                ("dietary_needs", "Inga nötter"),
                ("diet", "vegan"),
                ("allergen-gluten", "yes"),
                ("accessibility_needs", ""),
            ],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);

    let rows = csv_rows(&download(&app, &client, &path).await);
    assert_eq!(value_of(&rows, "Anmälda gäster"), "3");
    assert_eq!(
        value_of(&rows, "Anmälda gäster").parse::<u64>().unwrap(),
        confirmed_choices(&app, dinner).await
    );
    assert!(
        rows.iter()
            .any(|r| r[0].starts_with("Ändringar sedan förra hämtningen")),
        "{rows:?}"
    );
    assert_eq!(value_of(&rows, "Ny"), "David Dahl");
    assert_eq!(value_of(&rows, "Kommer inte"), "Bo Berg");
    assert_eq!(value_of(&rows, "Ändrad kost"), "Anna Andersson");

    // The same sheet as XLSX: counts are numbers, text as typed.
    use calamine::{Data, Reader};
    let xlsx = download(
        &app,
        &client,
        &format!("/admin/events/middag/programme/{dinner}/caterer.xlsx"),
    )
    .await;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let covers = (0..sheet.height() as u32)
        .find(|r| sheet.get_value((*r, 0)) == Some(&Data::String("Kuvert totalt".into())))
        .unwrap();
    assert_eq!(sheet.get_value((covers, 1)), Some(&Data::Float(6.0)));
    let downloads = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("export.caterer_sheet"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(downloads, 3, "each download is in the audit log");

    // A non-meal item has no caterer's sheet.
    let visit = items(&app).await["Studiebesök på datacenter"].id;
    let response = client
        .get(app.url(&format!(
            "/admin/events/middag/programme/{visit}/caterer.csv"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn an_organiser_sets_an_items_seats_and_lowering_them_removes_nobody() {
    let app = TestApp::spawn().await;
    app.create_event(&meeting("platser", None, 2, 60)).await;
    let visit = items(&app).await["Studiebesök på datacenter"].id;
    for (name, email) in [
        ("Anna", "anna@example.org"),
        ("Bo", "bo@example.org"),
        ("Cecilia", "cecilia@example.org"),
    ] {
        crate::choices::register_choosing(&app, "platser", name, email, "2580", &[visit]).await;
    }
    let client = organiser(&app).await;
    let (status, page) = app
        .get_with(&client, "/admin/events/platser/programme")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("2 av 2 platser tagna"), "{page}");
    assert!(page.contains("1 i kö"));

    let path = format!("/admin/events/platser/programme/{visit}");
    let settings = |capacity: &'static str| {
        vec![
            ("choosable", "yes"),
            ("capacity", capacity),
            ("extra_covers", "0"),
            ("deadline", ""),
        ]
    };
    // A capacity that cannot be read comes back with the input kept.
    let refused = app.post_with(&client, &path, &settings("två")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Skriv ett heltal, 0 eller större"));
    assert_eq!(
        attr(&refused.body, &format!("#item-{visit}-capacity"), "value").as_deref(),
        Some("två")
    );

    // Lowering: nobody is removed, the item shows as over capacity.
    let lowered = app.post_with(&client, &path, &settings("1")).await;
    assert_eq!(lowered.status, 303);
    assert!(
        lowered
            .location
            .as_deref()
            .unwrap()
            .contains("done=item_over_capacity")
    );
    assert_eq!(items_by_id(&app, visit).await.confirmed_count, 2);
    assert_eq!(confirmed_choices(&app, visit).await, 2);
    let (_, page) = app
        .get_with(&client, "/admin/events/platser/programme")
        .await;
    assert!(page.contains("Överbokad"));

    // Raising: the first in the queue gets the seat and is told, once.
    let before = app.outbox_kinds().await.len();
    let raised = app.post_with(&client, &path, &settings("3")).await;
    assert_eq!(raised.status, 303);
    assert_eq!(confirmed_choices(&app, visit).await, 3);
    let kinds = app.outbox_kinds().await;
    assert_eq!(kinds[before..], [MessageKind::ChoicesChanged]);
    let audit = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("programme.item_settings"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn an_organiser_changes_a_choice_after_its_deadline_and_the_visitor_list_marks_it() {
    let app = TestApp::spawn().await;
    let mut spec = meeting("sent", None, 25, 60);
    // The visit's deadline has passed.
    spec.programme[0].choice.as_mut().unwrap().deadline =
        Some((chrono::Utc::now() - Duration::days(1)).naive_utc());
    app.create_event(&spec).await;
    let all = items(&app).await;
    let (visit, dinner) = (
        all["Studiebesök på datacenter"].id,
        all["Nätverksmiddag"].id,
    );
    crate::choices::register_choosing(&app, "sent", "Anna", "anna@example.org", "2580", &[dinner])
        .await;
    let anna = registration_by_email(&app, "anna@example.org").await;
    let client = organiser(&app).await;
    let (status, page) = app
        .get_with(
            &client,
            &format!("/admin/events/sent/registrations/{}", anna.id),
        )
        .await;
    assert_eq!(status, 200);
    // The organiser's box for the closed item is not disabled.
    let disabled = attr(&page, &format!("#choice-{visit}"), "disabled");
    assert_eq!(disabled, None, "organisers may change after the deadline");

    let visit_box = format!("choice-{visit}");
    let dinner_box = format!("choice-{dinner}");
    let posted = app
        .post_with(
            &client,
            &format!("/admin/events/sent/registrations/{}/choices", anna.id),
            &[(visit_box.as_str(), "yes"), (dinner_box.as_str(), "yes")],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let choice = registration_choice::Entity::find()
        .filter(registration_choice::Column::ItemId.eq(visit))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(choice.status, ChoiceStatus::Confirmed);
    assert!(choice.late, "a change after the deadline is flagged late");

    let rows = csv_rows(
        &download(
            &app,
            &client,
            &format!("/admin/events/sent/programme/{visit}/visitors.csv"),
        )
        .await,
    );
    assert!(
        rows.iter().any(|r| r[0].starts_with("Listan är låst")),
        "{rows:?}"
    );
    let header = rows.iter().position(|r| r[0] == "Namn").unwrap();
    assert_eq!(
        rows[header],
        [
            "Namn",
            "Kommun eller organisation",
            "Roll eller titel",
            "Ändrad efter sista dag",
            "Plats i kö"
        ]
    );
    assert_eq!(rows[header + 1][0], "Anna");
    assert_eq!(rows[header + 1][2], "Kommunstyrelsens ordförande");
    assert_eq!(rows[header + 1][3], "Ja");

    // Two overlapping items are refused for organisers too, with the boxes
    // as sent.
    let workshop = all["Workshop"].id;
    let workshop_box = format!("choice-{workshop}");
    let refused = app
        .post_with(
            &client,
            &format!("/admin/events/sent/registrations/{}/choices", anna.id),
            &[(visit_box.as_str(), "yes"), (workshop_box.as_str(), "yes")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(attr(&refused.body, &format!("#{workshop_box}"), "checked").is_some());
}

#[tokio::test]
async fn check_in_per_item_counts_apart_from_the_event() {
    let app = TestApp::spawn().await;
    app.create_event(&meeting("dorr", None, 25, 60)).await;
    let dinner = items(&app).await["Nätverksmiddag"].id;
    crate::choices::register_choosing(&app, "dorr", "Anna", "anna@example.org", "2580", &[dinner])
        .await;
    crate::choices::register_choosing(&app, "dorr", "Bo", "bo@example.org", "2580", &[]).await;
    let anna = registration_by_email(&app, "anna@example.org").await;
    app.add_account("door@example.org", Role::Checkin).await;
    let door = app.login("door@example.org").await;

    let (status, page) = app
        .get_with(&door, &format!("/admin/events/dorr/checkin?item={dinner}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Anna") && !page.contains(">Bo<"),
        "only the dinner's guests"
    );
    assert!(page.contains("0 av 1"), "{page}");
    let posted = app
        .post_with(
            &door,
            &format!(
                "/admin/events/dorr/items/{dinner}/registrations/{}/checkin",
                anna.id
            ),
            &[("q", "")],
        )
        .await;
    assert_eq!(posted.status, 303);
    assert!(posted.location.unwrap().contains(&format!("item={dinner}")));
    let (_, page) = app
        .get_with(&door, &format!("/admin/events/dorr/checkin?item={dinner}"))
        .await;
    assert!(page.contains("1 av 1"), "{page}");
    // The event's own check-in is counted apart.
    let (_, page) = app.get_with(&door, "/admin/events/dorr/checkin").await;
    assert!(page.contains("0 av 2"), "{page}");
    assert!(
        registration_by_email(&app, "anna@example.org")
            .await
            .checked_in_at
            .is_none()
    );
    // Door staff see no diet on the check-in page.
    assert!(!page.contains("Vegetarisk"));
}

#[tokio::test]
async fn the_cap_per_municipality_is_set_in_the_back_office_and_raising_it_moves_people_up() {
    let app = TestApp::spawn().await;
    app.create_event(&meeting("tak", None, 25, 60)).await;
    let client = organiser(&app).await;
    let posted = app
        .post_with(
            &client,
            "/admin/events/tak/municipality-cap",
            &[("municipality_cap", "noll")],
        )
        .await;
    assert_eq!(posted.status, 422);
    assert!(posted.body.contains("Skriv ett heltal större än noll"));
    let posted = app
        .post_with(
            &client,
            "/admin/events/tak/municipality-cap",
            &[("municipality_cap", "1")],
        )
        .await;
    assert_eq!(posted.status, 303);
    for (name, email) in [("Anna", "anna@example.org"), ("Bo", "bo@example.org")] {
        crate::choices::register_choosing(&app, "tak", name, email, "2580", &[]).await;
    }
    assert_eq!(
        registration_by_email(&app, "bo@example.org").await.status,
        RegistrationStatus::Waitlisted
    );
    let before = outbox::Entity::find().count(&app.state.db).await.unwrap();
    let posted = app
        .post_with(
            &client,
            "/admin/events/tak/municipality-cap",
            &[("municipality_cap", "")],
        )
        .await;
    assert_eq!(posted.status, 303);
    assert_eq!(
        registration_by_email(&app, "bo@example.org").await.status,
        RegistrationStatus::Confirmed
    );
    let after = outbox::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(after - before, 1, "Bo is told once");
}

#[tokio::test]
async fn the_overview_and_the_attendee_export_show_the_items() {
    let app = TestApp::spawn().await;
    app.create_event(&meeting("lista", None, 1, 60)).await;
    let all = items(&app).await;
    let (visit, dinner) = (
        all["Studiebesök på datacenter"].id,
        all["Nätverksmiddag"].id,
    );
    crate::choices::register_choosing(
        &app,
        "lista",
        "Anna",
        "anna@example.org",
        "2580",
        &[visit, dinner],
    )
    .await;
    crate::choices::register_choosing(&app, "lista", "Bo", "bo@example.org", "0882", &[visit])
        .await;
    let client = organiser(&app).await;
    let (_, page) = app.get_with(&client, "/admin/events/lista").await;
    let doc = html(&page);
    let header: Vec<String> = doc
        .select(&scraper::Selector::parse("table.data thead th").unwrap())
        .map(|th| th.text().collect())
        .collect();
    assert!(header.contains(&"Nätverksmiddag".to_owned()), "{header:?}");
    let luleå_row: Vec<String> = doc
        .select(&scraper::Selector::parse("table.data tbody tr").unwrap())
        .find(|tr| tr.text().collect::<String>().contains("(2580)"))
        .unwrap()
        .select(&scraper::Selector::parse("td").unwrap())
        .map(|td| td.text().collect())
        .collect();
    // Confirmed, waitlisted, invited, then the visit, workshop and dinner.
    assert_eq!(luleå_row[3..], ["1", "0", "1"], "{luleå_row:?}");

    let rows = csv_rows(&download(&app, &client, "/admin/events/lista/attendees.csv").await);
    let visit_col = rows[0]
        .iter()
        .position(|h| h == "Studiebesök på datacenter")
        .unwrap();
    let bo = rows.iter().find(|r| r[1] == "bo@example.org").unwrap();
    assert_eq!(bo[visit_col], "I kö, plats 1");
    let anna = rows.iter().find(|r| r[1] == "anna@example.org").unwrap();
    assert_eq!(anna[visit_col], "Plats");
}

#[tokio::test]
async fn the_structured_diet_and_the_caterers_memory_are_erased_with_the_needs() {
    use anmalan::db::entities::{registration, sheet_download};
    use anmalan::services::retention::run;
    let app = TestApp::spawn().await;
    app.create_event(&meeting("glomma", None, 25, 60)).await;
    let dinner = items(&app).await["Nätverksmiddag"].id;
    let posted = register_eating(
        &app,
        "glomma",
        "Anna",
        "anna@example.org",
        &[dinner],
        "vegan",
        &["gluten", "milk"],
    )
    .await;
    // The registrant's own data download holds the diet and the choices.
    let (status, body) = app
        .get(&format!("{}/data.json", posted.manage_path()))
        .await;
    assert_eq!(status, 200);
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(data["registration"]["diet"], "vegan");
    assert_eq!(
        data["registration"]["allergens"],
        serde_json::json!(["gluten", "milk"])
    );
    assert_eq!(data["registration"]["choices"][0]["item"], "Nätverksmiddag");
    assert_eq!(data["registration"]["choices"][0]["status"], "confirmed");
    let client = organiser(&app).await;
    download(
        &app,
        &client,
        &format!("/admin/events/glomma/programme/{dinner}/caterer.csv"),
    )
    .await;
    let anna = registration_by_email(&app, "anna@example.org").await;
    assert_eq!(anna.diet.as_deref(), Some("vegan"));
    assert_eq!(anna.allergens, "gluten,milk");
    let event = anmalan::db::events::find_by_slug(&app.state.db, "glomma")
        .await
        .unwrap()
        .unwrap();
    let rules = app.state.settings.privacy;
    let report = run(&app.state.db, rules, event.ends_at + Duration::days(8))
        .await
        .unwrap();
    assert_eq!(report.needs_erased, 1);
    let anna = registration::Entity::find_by_id(anna.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((anna.diet, anna.allergens.as_str()), (None, ""));
    assert!(!anna.email.is_empty(), "only the needs go first");
    let remembered = sheet_download::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(remembered, 0, "the sheet's memory holds diets too");
}
