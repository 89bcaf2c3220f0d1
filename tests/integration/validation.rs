//! Every validation error is named, next to its field and in the summary,
//! and nothing typed is lost.
use anmalan::db::entities::registration;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::common::*;

#[tokio::test]
async fn an_empty_form_names_every_required_field_in_swedish_and_english() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    let posted = app
        .post_form(
            "/events/almedalen/register",
            &[("submission_key", key.as_str())],
        )
        .await;
    assert_eq!(posted.status, 422);
    let summary = texts(&posted.body, ".error-summary li a");
    assert_eq!(
        summary,
        vec![
            "Skriv ditt namn.",
            "Skriv din e-postadress.",
            "Välj din kommun, eller Annan organisation.",
            "Skriv din roll eller titel.",
            "Du måste godkänna att uppgifterna sparas för att kunna anmäla dig.",
        ]
    );
    for (field, error_id) in [
        ("name", "name-error"),
        ("email", "email-error"),
        ("municipality", "municipality-error"),
        ("role_title", "role_title-error"),
        ("consent", "consent-error"),
    ] {
        let described =
            attr(&posted.body, &format!("#{field}"), "aria-describedby").unwrap_or_default();
        assert!(
            described.split(' ').any(|id| id == error_id),
            "{field}: {described}"
        );
        assert_eq!(
            attr(&posted.body, &format!("#{field}"), "aria-invalid").as_deref(),
            Some("true")
        );
        assert_eq!(
            attr(
                &posted.body,
                &format!(".error-summary a[href='#{field}']"),
                "href"
            )
            .as_deref(),
            Some(format!("#{field}").as_str())
        );
    }
    // The same key comes back, so a corrected submission is still one registration.
    assert_eq!(
        attr(&posted.body, "input[name=submission_key]", "value").as_deref(),
        Some(key.as_str())
    );

    let english = app
        .client
        .post(app.url("/events/almedalen/register"))
        .header("accept-language", "en")
        .form(&[("submission_key", key.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        texts(&english, ".error-summary h2")
            .contains(&"There is a problem with the form".to_owned())
    );
    assert!(english.contains("Enter your name."));
    assert_eq!(
        registration::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn invalid_values_are_explained_and_everything_typed_is_kept() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    let long_needs = "x".repeat(1001);
    let form = [
        ("submission_key", key.as_str()),
        ("name", "Åsa <Öberg> & \"co\""),
        ("email", "asa.example.org"),
        ("municipality", "other"),
        ("organisation", ""),
        ("role_title", "Näringslivschef"),
        ("phone", "ring mig"),
        ("dietary_needs", long_needs.as_str()),
        ("accessibility_needs", "Rullstol\r\nhörslinga"),
        ("consent", "yes"),
    ];
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(posted.status, 422);
    assert_eq!(
        texts(&posted.body, ".error-summary li a"),
        vec![
            "Skriv en e-postadress som namn@exempel.se.",
            "Skriv namnet på din organisation.",
            "Skriv ett telefonnummer med siffror, till exempel 070-123 45 67.",
            "Specialkost får vara högst 1000 tecken.",
        ]
    );
    assert_eq!(
        attr(&posted.body, "#name", "value").as_deref(),
        Some("Åsa <Öberg> & \"co\"")
    );
    assert!(
        posted
            .body
            .contains("Åsa &lt;Öberg&gt; &amp; &quot;co&quot;"),
        "escaped, not markup"
    );
    assert_eq!(
        attr(&posted.body, "#email", "value").as_deref(),
        Some("asa.example.org")
    );
    assert_eq!(
        attr(&posted.body, "option[value=other]", "selected").as_deref(),
        Some("")
    );
    assert_eq!(
        attr(&posted.body, "#role_title", "value").as_deref(),
        Some("Näringslivschef")
    );
    assert_eq!(
        attr(&posted.body, "#phone", "value").as_deref(),
        Some("ring mig")
    );
    assert_eq!(
        texts(&posted.body, "#dietary_needs"),
        vec![long_needs.clone()]
    );
    assert!(texts(&posted.body, "#accessibility_needs")[0].starts_with("Rullstol"));
    assert_eq!(
        attr(&posted.body, "#consent", "checked").as_deref(),
        Some("")
    );

    // An unknown municipality code is refused, and a too-long name too.
    let long_name = "N".repeat(201);
    let mut form = registration_form(&key, &long_name, "asa@example.org");
    form[3] = ("municipality", "9999");
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(
        texts(&posted.body, ".error-summary li a"),
        vec![
            "Namnet får vara högst 200 tecken.",
            "Välj en kommun i listan."
        ]
    );

    // Correcting the form with the same key registers once.
    let fixed = registration_form(&key, "Åsa Öberg", "asa@example.org");
    assert_eq!(
        app.post_form("/events/almedalen/register", &fixed)
            .await
            .status,
        303
    );
    assert_eq!(
        registration::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_invalid_edit_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let posted = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await;
    let manage = posted.manage_path();
    let edited = app
        .post_form(
            &manage,
            &[
                ("name", ""),
                ("role_title", "Ny roll"),
                ("phone", "12"),
                ("dietary_needs", "Vegan"),
            ],
        )
        .await;
    assert_eq!(edited.status, 422);
    assert_eq!(
        texts(&edited.body, ".error-summary li a"),
        vec![
            "Skriv ditt namn.",
            "Skriv ett telefonnummer med siffror, till exempel 070-123 45 67."
        ]
    );
    assert_eq!(
        attr(&edited.body, "#role_title", "value").as_deref(),
        Some("Ny roll")
    );
    assert_eq!(texts(&edited.body, "#dietary_needs"), vec!["Vegan"]);
    let stored = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "Anna Berg", "nothing was saved");
}

#[tokio::test]
async fn direction_controls_in_a_name_are_refused_and_user_text_is_shown_isolated() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    // An unclosed right-to-left override would turn the rest of the line
    // around wherever the name is shown.
    let key = new_key();
    let form = registration_form(&key, "Anna \u{202E}grebnellA", "anna@example.org");
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(posted.status, 422);
    assert_eq!(
        texts(&posted.body, ".error-summary li a"),
        vec![
            "Namnet får inte innehålla radbrytningar, kontrolltecken eller osynliga tecken som styr textriktningen."
        ]
    );
    assert_eq!(
        registration::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0,
        "nothing stored"
    );

    // Right-to-left letters are welcome, and each piece of user text is
    // isolated (<bdi>) so it cannot reorder the text around it.
    let key = new_key();
    let mut form = registration_form(&key, "Sara כהן", "sara@example.org");
    form[3] = ("municipality", "other");
    form.push(("organisation", "מכון ויצמן"));
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let (_, manage) = app.get(&posted.manage_path()).await;
    assert_eq!(
        texts(&manage, "dl.facts dd bdi"),
        vec!["sara@example.org", "מכון ויצמן"]
    );
    app.add_account("org@example.org", anmalan::domain::role::Role::Organiser)
        .await;
    let organiser = app.login("org@example.org").await;
    let (_, checkin) = app
        .get_with(&organiser, "/admin/events/almedalen/checkin")
        .await;
    assert_eq!(
        texts(&checkin, ".checkin-list bdi"),
        vec!["Sara כהן", "מכון ויצמן", "Kommunstyrelsens ordförande"]
    );
    let (_, attendees) = app
        .get_with(&organiser, "/admin/events/almedalen/attendees")
        .await;
    assert_eq!(
        texts(&attendees, "table.data tbody bdi"),
        vec![
            "Sara כהן",
            "sara@example.org",
            "מכון ויצמן",
            "Kommunstyrelsens ordförande"
        ]
    );
}

#[tokio::test]
async fn only_the_checkbox_value_counts_as_consent() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    for refused in ["", "0", "false", "off", "nej", "no", "on", "YES"] {
        let mut form = registration_form(&key, "Anna Berg", "anna@example.org");
        form[8] = ("consent", refused);
        let posted = app.post_form("/events/almedalen/register", &form).await;
        assert_eq!(posted.status, 422, "consent={refused:?}");
        assert_eq!(
            texts(&posted.body, ".error-summary li a"),
            vec!["Du måste godkänna att uppgifterna sparas för att kunna anmäla dig."],
            "consent={refused:?}"
        );
        assert_eq!(
            attr(&posted.body, "#consent", "checked"),
            None,
            "the box is shown unticked for consent={refused:?}"
        );
    }
    assert_eq!(
        registration::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0,
        "nothing stored"
    );
    // The value the checkbox sends registers.
    let form = registration_form(&key, "Anna Berg", "anna@example.org");
    assert_eq!(form[8], ("consent", "yes"));
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(posted.status, 303);
}
