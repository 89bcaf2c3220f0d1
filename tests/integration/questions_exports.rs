//! Questions in what leaves the service: a column per question in CSV and
//! XLSX, sensitive answers only when asked for, never at the door, and
//! erased on their own retention period; the JSON API and its OpenAPI
//! document; the demo and the TOML import.
use anmalan::db::entities::{answer, audit_entry};
use anmalan::domain::question::QuestionKind;
use anmalan::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::*;
use crate::questions::{
    add_question, answers_of, csv_table, download, organiser, question, questions_of,
    register_answering,
};

#[tokio::test]
async fn exports_carry_a_column_per_question_and_sensitive_answers_stay_out_of_defaults_and_the_door()
 {
    use anmalan::services::retention::run;
    let app = TestApp::spawn().await;
    let client = organiser(&app).await;
    app.create_event(&seminar("kansligt", None)).await;
    add_question(
        &app,
        &client,
        "kansligt",
        "buss",
        QuestionKind::ShortText,
        "Vilken buss?",
        &[("position", "1")],
    )
    .await;
    add_question(
        &app,
        &client,
        "kansligt",
        "halsa",
        QuestionKind::LongText,
        "Något om din hälsa?",
        &[("position", "2"), ("sensitive", "yes")],
    )
    .await;
    add_question(
        &app,
        &client,
        "kansligt",
        "antal",
        QuestionKind::Number,
        "Hur många nätter?",
        &[("position", "3")],
    )
    .await;
    add_question(
        &app,
        &client,
        "kansligt",
        "faktura",
        QuestionKind::ShortText,
        "Fakturareferens",
        &[("position", "4"), ("audience", "organisers")],
    )
    .await;
    let questions = questions_of(&app, "kansligt").await;
    let id = |key: &str| questions.iter().find(|q| q.key == key).unwrap().input_id();
    let (buss, halsa, antal, faktura) = (id("buss"), id("halsa"), id("antal"), id("faktura"));
    let (_, page) = app.get("/events/kansligt").await;
    assert!(
        !page.contains("Fakturareferens"),
        "organisers' questions are not on the form"
    );
    let posted = register_answering(
        &app,
        "kansligt",
        "Anna Berg",
        "anna@example.org",
        &[
            (&buss, "Flygbussen"),
            (&halsa, "Pollenallergi"),
            (&antal, "2,5"),
            (&faktura, "Hacked"),
        ],
    )
    .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let stored_faktura = questions.iter().find(|q| q.key == "faktura").unwrap().id;
    assert!(
        answers_of(&app, stored_faktura).await.is_empty(),
        "a registrant cannot answer an organisers' question"
    );

    let (headers, rows) =
        csv_table(&download(&app, &client, "/admin/events/kansligt/attendees.csv").await);
    assert_eq!(
        headers[11..],
        [
            "Vilken buss? [buss]",
            "Hur många nätter? [antal]",
            "Fakturareferens [faktura]"
        ]
    );
    assert_eq!(rows[0][11..], ["Flygbussen", "2,5", ""]);
    assert!(!rows[0].iter().any(|c| c.contains("Pollen")));

    let (headers, rows) = csv_table(
        &download(
            &app,
            &client,
            "/admin/events/kansligt/attendees.csv?sensitive=1",
        )
        .await,
    );
    let column = headers
        .iter()
        .position(|h| h == "Något om din hälsa? [halsa]")
        .unwrap();
    assert_eq!(rows[0][column], "Pollenallergi");
    let taken: Vec<String> = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.starts_with("export.csv"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        taken.contains(&"export.csv+sensitive".to_owned()),
        "{taken:?}"
    );

    // XLSX: the same columns.
    {
        use calamine::Reader;
        let bytes = download(&app, &client, "/admin/events/kansligt/attendees.xlsx").await;
        let mut workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
        let header: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert!(
            header.contains(&"Vilken buss? [buss]".to_owned()),
            "{header:?}"
        );
        assert!(!header.iter().any(|h| h.contains("[halsa]")));
    }

    // The organiser fills in their own question on the person's page.
    let anna = anmalan::db::entities::registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let admin_path = format!("/admin/events/kansligt/registrations/{}", anna.id);
    let (_, edit) = app.get_with(&client, &admin_path).await;
    assert!(edit.contains("Fakturareferens"));
    let saved = app
        .post_with(
            &client,
            &format!("{admin_path}/answers"),
            &[
                (&buss, "Flygbussen"),
                (&halsa, "Pollenallergi"),
                (&antal, "2,5"),
                (&faktura, "KS-2027-1"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        answers_of(&app, stored_faktura).await[0]
            .text_value
            .as_deref(),
        Some("KS-2027-1")
    );
    let (_, rows) =
        csv_table(&download(&app, &client, "/admin/events/kansligt/attendees.csv").await);
    assert_eq!(rows[0][13], "KS-2027-1");

    // The door sees the bus, never the health nor the organisers' own.
    app.add_account("door@example.org", Role::Checkin).await;
    let door = app.login("door@example.org").await;
    let (status, checkin) = app.get_with(&door, "/admin/events/kansligt/checkin").await;
    assert_eq!(status, 200);
    assert!(checkin.contains("Flygbussen"));
    assert!(!checkin.contains("Pollenallergi") && !checkin.contains("hälsa"));
    assert!(!checkin.contains("KS-2027-1"));
    let (status, _) = app
        .get_with(&door, "/admin/events/kansligt/questions")
        .await;
    assert_eq!(status, 403, "door staff do not reach the questions");

    // Retention: the sensitive answers go on their own period (7 days by
    // default), the others stay until anonymising.
    let event = anmalan::db::events::find_by_slug(&app.state.db, "kansligt")
        .await
        .unwrap()
        .unwrap();
    let rules = app.state.settings.privacy;
    let early = run(
        &app.state.db,
        rules,
        event.ends_at + chrono::Duration::days(6),
    )
    .await
    .unwrap();
    assert_eq!(early.sensitive_answers_erased, 0);
    let week = run(
        &app.state.db,
        rules,
        event.ends_at + chrono::Duration::days(8),
    )
    .await
    .unwrap();
    assert_eq!(week.sensitive_answers_erased, 1);
    let left: Vec<i32> = answer::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.question_id)
        .collect();
    let sensitive_id = questions.iter().find(|q| q.key == "halsa").unwrap().id;
    assert!(!left.contains(&sensitive_id));
    assert_eq!(left.len(), 3, "the bus, the nights and the reference stay");
    run(
        &app.state.db,
        rules,
        event.ends_at + chrono::Duration::days(91),
    )
    .await
    .unwrap();
    assert!(
        answer::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "anonymising takes every answer"
    );
}

#[tokio::test]
async fn the_api_shows_the_questions_and_takes_and_gives_answers_by_key() {
    use serde_json::{Value, json};
    let app = TestApp::spawn().await;
    let client = organiser(&app).await;
    app.create_event(&seminar("api", None)).await;
    add_question(
        &app,
        &client,
        "api",
        "panel",
        QuestionKind::YesNo,
        "Paneldebatt?",
        &[("position", "1")],
    )
    .await;
    let panel = question(&app, "api", "panel").await;
    let condition = format!("{}:yes", panel.id);
    add_question(
        &app,
        &client,
        "api",
        "fraga",
        QuestionKind::ShortText,
        "Din fråga",
        &[
            ("position", "2"),
            ("required", "yes"),
            ("condition", &condition),
        ],
    )
    .await;
    add_question(
        &app,
        &client,
        "api",
        "buss",
        QuestionKind::OneChoice,
        "Buss",
        &[("position", "3"), ("new_options", "A\nB")],
    )
    .await;
    add_question(
        &app,
        &client,
        "api",
        "faktura",
        QuestionKind::ShortText,
        "Faktura",
        &[
            ("position", "4"),
            ("audience", "organisers"),
            ("sensitive", "yes"),
        ],
    )
    .await;
    let bus = question(&app, "api", "buss").await;
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
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = app
            .client
            .request(method, app.url(path))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            (
                status,
                location,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };

    let (status, _, event) = call(reqwest::Method::GET, "/api/v1/events/api", None).await;
    assert_eq!(status, 200);
    let questions = event["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 4);
    assert_eq!(questions[1]["key"], "fraga");
    assert_eq!(questions[1]["shown_if"], "panel");
    assert_eq!(questions[1]["shown_when"], json!(["yes"]));
    assert_eq!(questions[2]["options"][0]["label_sv"], "A");
    assert_eq!(questions[3]["audience"], "organisers");

    let person = |answers: Value| {
        json!({
            "name": "Anna Berg", "email": "anna@example.org", "municipality": "2580",
            "role_title": "KSO", "answers": answers,
        })
    };
    let path = "/api/v1/events/api/registrations";
    let (status, _, problem) = call(
        reqwest::Method::POST,
        path,
        Some(person(
            json!({"panel": true, "fraga": "x".repeat(300), "okand": "?"}),
        )),
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["answers.okand", "answers.fraga"]);

    let (status, location, _) = call(
        reqwest::Method::POST,
        path,
        Some(person(
            json!({"panel": true, "fraga": "Elen?", "buss": bus.options[1].id, "faktura": "KS-1"}),
        )),
    )
    .await;
    assert_eq!(status, 201);
    let (_, _, registration) = call(reqwest::Method::GET, &location.unwrap(), None).await;
    assert_eq!(
        registration["answers"],
        json!({"panel": true, "fraga": "Elen?", "buss": [bus.options[1].id], "faktura": "KS-1"})
    );

    let (_, openapi) = app.get("/api/v1/openapi.json").await;
    let openapi: Value = serde_json::from_str(&openapi).unwrap();
    let schemas = &openapi["components"]["schemas"];
    assert!(
        schemas["EventQuestion"].is_object(),
        "the questions are documented"
    );
    assert!(schemas["NewRegistration"]["properties"]["answers"].is_object());
    assert!(schemas["Registration"]["properties"]["answers"].is_object());
}

#[tokio::test]
async fn the_demo_asks_two_questions_and_an_import_file_keeps_its_questions_by_key() {
    let app = TestApp::spawn().await;
    let slugs =
        anmalan::services::events::load_demo(&app.state.db, chrono::Utc::now().date_naive())
            .await
            .unwrap();
    let lulea = questions_of(&app, &slugs[0]).await;
    assert_eq!(lulea.len(), 2, "the Luleå meeting asks two questions");
    assert_eq!(lulea[0].kind, QuestionKind::YesNo);
    assert_eq!(
        lulea[1].parent_id,
        Some(lulea[0].id),
        "the second only if yes"
    );
    assert!(lulea[1].required);

    let text = std::fs::read_to_string(config_dir().join("event.example.toml")).unwrap();
    let spec = anmalan::services::events::parse_spec(&text).unwrap();
    app.create_event(&spec).await;
    let imported = questions_of(&app, &spec.slug).await;
    let keys: Vec<&str> = imported.iter().map(|q| q.key.as_str()).collect();
    assert_eq!(keys, ["buss", "buss_tid", "faktura"]);
    let bus = &imported[1];
    assert_eq!(bus.parent_id, Some(imported[0].id));
    assert_eq!(bus.show_when, ["yes"]);

    // Importing again with an option reworded keeps the option (and so its
    // answers): options are matched by their place.
    let mut changed = spec.clone();
    changed.questions[1].options[0].sv = "Klockan 09.00".into();
    app.create_event(&changed).await;
    let again = question(&app, &spec.slug, "buss_tid").await;
    assert_eq!(again.options[0].id, bus.options[0].id);
    assert_eq!(again.options[0].label_sv, "Klockan 09.00");
    assert_eq!(questions_of(&app, &spec.slug).await.len(), 3);
}
