//! Questions in a real headless Chromium, with and without JavaScript:
//! the form's follow-up stands inside its parent's group with its written
//! cue without JavaScript and is hidden until its condition is met with
//! it; the server's errors name it either way. The form, the manage page
//! (with "complete your answers") and the back-office questions page have
//! zero axe violations.
use anmalan::domain::question::QuestionKind;
use anmalan::domain::role::Role;
use fantoccini::Locator;

use crate::accessibility::{audit, submit};
use crate::common::browser::{self, Browser};
use crate::common::*;
use crate::questions::{add_question, organiser, question};

/// Fills the registration form's own fields.
async fn fill_form(b: &Browser, name: &str, email: &str) {
    for (id, value) in [("name", name), ("email", email), ("role_title", "KSO")] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click(b, "#municipality option[value='2580']").await;
    click(b, "#consent").await;
}

async fn click(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} exists"))
        .click()
        .await
        .unwrap();
}

async fn hidden(b: &Browser, css: &str) -> bool {
    b.eval(&format!(
        "return document.querySelector({css:?}).closest('[hidden]') !== null;"
    ))
    .await
    .as_bool()
    .unwrap()
}

/// An event asking whether you join the panel and, only if so, what to
/// ask it (required when shown); and which bus you take.
async fn setup() -> (TestApp, reqwest::Client, String, String) {
    let app = TestApp::spawn().await;
    let client = organiser(&app).await;
    app.create_event(&seminar("panel", Some(20))).await;
    add_question(
        &app,
        &client,
        "panel",
        "paneldebatt",
        QuestionKind::YesNo,
        "Vill du delta i paneldebatten?",
        &[
            ("position", "1"),
            ("help_sv", "Debatten är på eftermiddagen."),
        ],
    )
    .await;
    let panel = question(&app, "panel", "paneldebatt").await;
    let condition = format!("{}:yes", panel.id);
    add_question(
        &app,
        &client,
        "panel",
        "panelfraga",
        QuestionKind::ShortText,
        "Vilken fråga vill du ställa?",
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
        "panel",
        "buss",
        QuestionKind::SeveralChoices,
        "Vilka bussar tar du?",
        &[("position", "3"), ("new_options", "Till mötet\nFrån mötet")],
    )
    .await;
    add_question(
        &app,
        &client,
        "panel",
        "ankomst",
        QuestionKind::Date,
        "När kommer du?",
        &[("position", "4"), ("sensitive", "yes")],
    )
    .await;
    let follow_up = question(&app, "panel", "panelfraga").await;
    (app, client, panel.input_id(), follow_up.input_id())
}

fn assert_clean(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "axe violations:\n{}",
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_with_questions_works_with_javascript_and_has_no_axe_violations() {
    if !browser::available() {
        return;
    }
    let (app, _, panel, follow_up) = setup().await;
    let b = browser::open(1280, 1000, true).await;
    let mut problems = Vec::new();
    b.goto(&app.url("/events/panel")).await;
    assert!(
        hidden(&b, &format!("#{follow_up}")).await,
        "hidden until yes"
    );
    problems.extend(audit(&b, "form with questions, JavaScript").await.1);
    click(&b, &format!("#{panel}")).await;
    assert!(
        !hidden(&b, &format!("#{follow_up}")).await,
        "shown after yes"
    );
    click(&b, &format!("#{panel}")).await;
    assert!(
        hidden(&b, &format!("#{follow_up}")).await,
        "hidden again after no"
    );

    // Yes without the follow-up's answer: the server names it.
    fill_form(&b, "Anna Berg", "anna@example.org").await;
    click(&b, &format!("#{panel}")).await;
    submit(&b, "form[action$='/register'] button[type=submit]").await;
    let summary = b
        .wait_text(".error-summary", "Vilken fråga vill du ställa?")
        .await;
    assert!(summary.contains("Svara på frågan"));
    assert!(
        !hidden(&b, &format!("#{follow_up}")).await,
        "the follow-up with its error shows"
    );
    problems.extend(audit(&b, "form with questions, errors, JavaScript").await.1);
    b.client
        .find(Locator::Id(&follow_up))
        .await
        .unwrap()
        .send_keys("Hur klarar vi elförsörjningen?")
        .await
        .unwrap();
    submit(&b, "form[action$='/register'] button[type=submit]").await;
    b.wait_text("h1", "Din anmälan").await;

    // The manage page with the answers; then a required question added
    // later asks to complete them.
    problems.extend(audit(&b, "manage page with answers").await.1);
    let value = b
        .eval(&format!(
            "return document.getElementById({follow_up:?}).value;"
        ))
        .await;
    assert_eq!(value, "Hur klarar vi elförsörjningen?");
    let client = app.login("org@example.org").await;
    add_question(
        &app,
        &client,
        "panel",
        "faktura",
        QuestionKind::ShortText,
        "Fakturareferens",
        &[("position", "5"), ("required", "yes")],
    )
    .await;
    b.client.refresh().await.unwrap();
    b.wait_text("#complete-answers", "Komplettera dina svar")
        .await;
    problems.extend(audit(&b, "manage page, complete your answers").await.1);
    submit(&b, "form[action$='/answers'] button[type=submit]").await;
    b.wait_text(".error-summary", "Fakturareferens").await;
    problems.extend(audit(&b, "manage page, answers with errors").await.1);
    assert_clean(&problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_follow_ups_stand_in_their_group_with_a_written_cue() {
    if !browser::available() {
        return;
    }
    let (app, _, panel, follow_up) = setup().await;
    let b = browser::open(1280, 1000, false).await;
    b.goto(&app.url("/events/panel")).await;
    assert!(
        !hidden(&b, &format!("#{follow_up}")).await,
        "nothing hides without JavaScript"
    );
    let group = b.text(&format!("#{panel}-group")).await;
    assert!(
        group.contains("Om ja: Vilken fråga vill du ställa?"),
        "{group}"
    );
    // (axe needs JavaScript: the JavaScript test audits this markup, the
    // follow-up shown, in its error state.)

    // Answering the follow-up without ticking yes: registered, and the
    // hidden answer is not kept.
    fill_form(&b, "Bo Ek", "bo@example.org").await;
    b.client
        .find(Locator::Id(&follow_up))
        .await
        .unwrap()
        .send_keys("Inte kvar")
        .await
        .unwrap();
    let bus = question(&app, "panel", "buss").await;
    click(&b, &format!("#{}", bus.option_input(bus.options[0].id))).await;
    submit(&b, "form[action$='/register'] button[type=submit]").await;
    b.wait_text("h1", "Din anmälan").await;
    let value = b
        .eval(&format!(
            "return document.getElementById({follow_up:?}).value;"
        ))
        .await;
    assert_eq!(value, "", "the answer to a hidden question is not kept");
    assert!(b.text("#answers-title").await.contains("Dina svar"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_back_office_questions_page_has_no_axe_violations() {
    if !browser::available() {
        return;
    }
    let (app, _, _, _) = setup().await;
    app.register("panel", "Anna Berg", "anna@example.org").await;
    app.add_account("admin@example.org", Role::Admin).await;
    let b = browser::open(1280, 1000, true).await;
    let mut problems = Vec::new();
    b.goto(&app.url("/admin/login")).await;
    b.client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("admin@example.org")
        .await
        .unwrap();
    b.client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    submit(&b, "form[action='/admin/login'] button").await;
    b.goto(&app.url("/admin/events/panel")).await;
    click(&b, "a[href='/admin/events/panel/questions']").await;
    b.wait_text("h1", "Frågor").await;
    b.wait_text("#sensitive-export-title", "känsliga svar")
        .await;
    problems.extend(audit(&b, "admin questions").await.1);
    let bus = question(&app, "panel", "buss").await;
    b.goto(&app.url(&format!("/admin/events/panel/questions?edit={}", bus.id)))
        .await;
    problems.extend(
        audit(&b, "admin questions, editing a choice question")
            .await
            .1,
    );
    b.goto(&app.url("/admin/events/panel/questions")).await;
    submit(
        &b,
        "form[action='/admin/events/panel/questions'] button[type=submit]",
    )
    .await;
    b.wait_text(".error-summary", "nyckel").await;
    problems.extend(audit(&b, "admin questions, form with errors").await.1);
    let registration =
        <anmalan::db::entities::registration::Entity as sea_orm::EntityTrait>::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
    b.goto(&app.url(&format!(
        "/admin/events/panel/registrations/{}",
        registration.id
    )))
    .await;
    b.wait_text("#answers-title", "arrangörens frågor").await;
    problems.extend(audit(&b, "admin registration with answers").await.1);
    b.goto(&app.url("/admin/events/panel/checkin")).await;
    problems.extend(audit(&b, "admin check-in with answers").await.1);
    b.goto(&app.url("/admin/events/panel/questions?lang=en"))
        .await;
    b.wait_text("h1", "Questions").await;
    problems.extend(audit(&b, "admin questions in English").await.1);
    assert_clean(&problems);
}
