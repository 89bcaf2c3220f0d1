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

/// POSTs a raw urlencoded body, as a client that does not encode it well would.
async fn post_raw(app: &TestApp, path: &str, body: Vec<u8>, language: &str) -> (u16, String) {
    let response = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", language)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn stored(app: &TestApp) -> (u64, u64) {
    use anmalan::db::entities::outbox;
    (
        registration::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        outbox::Entity::find().count(&app.state.db).await.unwrap(),
    )
}

#[tokio::test]
async fn a_form_that_is_not_utf8_is_refused_with_a_translated_sentence_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    let body = format!(
        "submission_key={key}&name=Anna+Berg&email=bad%FFutf3%40example.org&municipality=2580\
         &role_title=KSO&consent=yes"
    );
    let (status, page) = post_raw(
        &app,
        "/events/almedalen/register",
        body.clone().into_bytes(),
        "sv",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        texts(&page, ".error-summary li a"),
        vec![
            "Formuläret innehöll tecken som inte gick att läsa (inte UTF-8), så ingenting är sparat. \
             Rätta de markerade tecknen (�) och skicka formuläret igen."
        ]
    );
    assert_eq!(attr(&page, "#name", "value").as_deref(), Some("Anna Berg"));
    assert_eq!(
        attr(&page, "#email", "value").as_deref(),
        Some("bad\u{FFFD}utf3@example.org"),
        "the unreadable byte is shown where it was"
    );
    assert_eq!(stored(&app).await, (0, 0), "no registration and no email");

    // In English too, and raw bytes that are not UTF-8 are the same.
    let mut raw = format!("submission_key={key}&name=Anna+").into_bytes();
    raw.extend_from_slice(
        b"B\xE9rg&email=anna%40example.org&municipality=2580&role_title=KSO&consent=yes",
    );
    let (status, page) = post_raw(&app, "/events/almedalen/register", raw, "en").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("The form held characters that could not be read (not UTF-8)"),
        "{page}"
    );
    assert_eq!(stored(&app).await, (0, 0));

    // An edit from the manage page is refused the same way.
    let posted = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await;
    let manage = posted.manage_path();
    let (status, page) = post_raw(
        &app,
        &manage,
        b"name=Anna+B%E9rg&role_title=KSO".to_vec(),
        "sv",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(texts(&page, ".error-summary li a").len(), 1);
    let (_, page) = app.get(&manage).await;
    assert_eq!(attr(&page, "#name", "value").as_deref(), Some("Anna Berg"));
}

#[tokio::test]
async fn a_post_without_its_key_or_with_a_repeated_field_gets_the_form_back_with_what_was_typed() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;

    // Without its one-time key: the form comes back, filled in, with a
    // fresh key and a sentence saying what to do.
    let mut form = registration_form("", "Anna Berg", "anna@example.org");
    form.remove(0);
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(posted.status, 422);
    assert_eq!(
        texts(&posted.body, ".error-summary li a"),
        vec![
            "Formuläret kom utan sin engångsnyckel, så ingenting är sparat än. \
             Kontrollera uppgifterna och skicka formuläret igen."
        ]
    );
    assert_eq!(
        attr(&posted.body, "#name", "value").as_deref(),
        Some("Anna Berg")
    );
    assert_eq!(
        attr(&posted.body, "#email", "value").as_deref(),
        Some("anna@example.org")
    );
    assert_eq!(
        attr(&posted.body, "#consent", "checked").as_deref(),
        Some("")
    );
    let fresh_key = attr(&posted.body, "input[name=submission_key]", "value").unwrap();
    assert_eq!(stored(&app).await.0, 0);
    // Sending the form as it came back registers.
    let again = registration_form(&fresh_key, "Anna Berg", "anna@example.org");
    assert_eq!(
        app.post_form("/events/almedalen/register", &again)
            .await
            .status,
        303
    );
    assert_eq!(stored(&app).await.0, 1);

    // A repeated field: the form comes back with the first value and the
    // rest of what was typed, and a sentence; nothing is registered.
    let key = new_key();
    let mut form = registration_form(&key, "Bo Ek", "bo@example.org");
    form.push(("name", "Someone Else"));
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(posted.status, 422, "{}", posted.body);
    assert_eq!(
        texts(&posted.body, ".error-summary li a"),
        vec![
            "Ett fält kom mer än en gång, så ingenting är sparat. \
             Kontrollera uppgifterna och skicka formuläret igen."
        ]
    );
    assert_eq!(
        attr(&posted.body, "#name", "value").as_deref(),
        Some("Bo Ek")
    );
    assert_eq!(
        attr(&posted.body, "#role_title", "value").as_deref(),
        Some("Kommunstyrelsens ordförande")
    );
    assert_eq!(texts(&posted.body, "#dietary_needs"), vec!["Vegetarisk"]);
    assert_eq!(stored(&app).await.0, 1);
    let form = registration_form(&key, "Bo Ek", "bo@example.org");
    assert_eq!(
        app.post_form("/events/almedalen/register", &form)
            .await
            .status,
        303
    );
    assert_eq!(stored(&app).await.0, 2);
}
