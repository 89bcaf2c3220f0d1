//! Programme choices in a real headless Chromium: a person ticks items on
//! the form without JavaScript and changes them on the manage page, and
//! every page with choices (public and back-office, in each state) has zero
//! axe violations and fits a phone.
use anmalan::domain::role::Role;
use chrono::Duration;
use fantoccini::Locator;

use crate::accessibility::{audit, submit};
use crate::choices::{items, meeting, register_choosing, registration_by_email};
use crate::common::browser::{self, Browser, screenshot_path};
use crate::common::*;

async fn type_into(b: &Browser, id: &str, value: &str) {
    b.client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(value)
        .await
        .unwrap();
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

/// A meeting whose study visit has 1 seat and whose workshop overlaps it;
/// the dinner can be changed for five more days.
async fn meeting_app() -> TestApp {
    let app = TestApp::spawn().await;
    let mut spec = meeting("natverk", None, 1, 60);
    spec.programme[2].choice.as_mut().unwrap().deadline =
        Some((chrono::Utc::now() + Duration::days(5)).naive_utc());
    app.create_event(&spec).await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_ticks_items_without_javascript_and_changes_them_on_the_manage_page() {
    if !browser::available() {
        return;
    }
    let app = meeting_app().await;
    let all = items(&app).await;
    let (visit, workshop) = (all["Studiebesök på datacenter"].id, all["Workshop"].id);
    let b = browser::open(1280, 1000, false).await;
    b.goto(&app.url("/events/natverk")).await;
    let legend = b.text("#choices legend").await;
    assert_eq!(legend, "Programval");
    let detail = b.text(&format!("#choice-{visit}-detail")).await;
    assert!(
        detail.contains("1 plats kvar") || detail.contains("1 platser kvar"),
        "{detail}"
    );
    let dinner = all["Nätverksmiddag"].id;
    let hint = b.text(&format!("#choice-{dinner}-detail")).await;
    assert!(hint.contains("Ändra senast"), "{hint}");

    type_into(&b, "name", "Anna Berg").await;
    type_into(&b, "email", "anna@example.org").await;
    click(&b, "#municipality option[value='2580']").await;
    type_into(&b, "role_title", "KSO").await;
    click(&b, &format!("label[for='choice-{visit}']")).await;
    click(&b, &format!("label[for='choice-{workshop}']")).await;
    click(&b, "label[for='diet-vegetarian']").await;
    click(&b, "label[for='allergen-gluten']").await;
    click(&b, "#consent").await;
    submit(&b, "form[action$='/register'] button[type=submit]").await;
    // Two items at the same time: the form comes back with everything kept.
    let summary = b.wait_text(".error-summary", "").await;
    assert!(!summary.is_empty());
    let kept = b
        .client
        .find(Locator::Id(&format!("choice-{workshop}")))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("true"));
    assert_eq!(
        b.client
            .find(Locator::Id("name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Anna Berg")
    );
    click(&b, &format!("label[for='choice-{workshop}']")).await;
    let consent = b
        .client
        .find(Locator::Id("consent"))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    if consent.as_deref() != Some("true") {
        click(&b, "#consent").await;
    }
    submit(&b, "form[action$='/register'] button[type=submit]").await;
    b.wait_text("h1", "Din anmälan").await;
    let page = b.source().await;
    assert!(
        page.contains("Studiebesök på datacenter"),
        "the manage page lists the choice"
    );
    b.screenshot(&screenshot_path("manage-choices")).await;

    // Bo registers for the full visit and queues; the manage page says where.
    let bo = register_choosing(&app, "natverk", "Bo Ek", "bo@example.org", "2580", &[visit]).await;
    b.goto(&app.url(&bo.manage_path())).await;
    let text = b.text("main").await;
    assert!(text.contains("I kö, plats 1"), "{text}");

    // Anna drops the visit on her manage page: Bo gets the seat.
    let anna = registration_by_email(&app, "anna@example.org").await;
    let anna_path = {
        let token = anmalan::domain::token::ManageToken::generate();
        anmalan::db::registrations::add_link(&app.state.db, anna.id, &token, chrono::Utc::now())
            .await
            .unwrap();
        format!("/r/{}", token.as_link_part())
    };
    b.goto(&app.url(&anna_path)).await;
    click(&b, &format!("label[for='choice-{visit}']")).await;
    submit(&b, "form[action$='/choices'] button[type=submit]").await;
    b.wait_text("main", "Dina programval är sparade").await;
    b.goto(&app.url(&bo.manage_path())).await;
    let text = b.text("main").await;
    assert!(!text.contains("I kö"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_with_programme_choices_has_zero_axe_violations_and_fits_a_phone() {
    if !browser::available() {
        return;
    }
    let app = meeting_app().await;
    let all = items(&app).await;
    let (visit, workshop, dinner) = (
        all["Studiebesök på datacenter"].id,
        all["Workshop"].id,
        all["Nätverksmiddag"].id,
    );
    let anna = register_choosing(
        &app,
        "natverk",
        "Anna Berg",
        "anna@example.org",
        "2580",
        &[visit, dinner],
    )
    .await;
    let bo = register_choosing(&app, "natverk", "Bo Ek", "bo@example.org", "2580", &[visit]).await;
    let bo_row = registration_by_email(&app, "bo@example.org").await;
    app.add_account("org@example.org", Role::Organiser).await;
    app.add_account("door@example.org", Role::Checkin).await;

    let mut report = Vec::new();
    let mut problems = Vec::new();
    for (width, height) in [(1280, 1000), (375, 800)] {
        let b = browser::open(width, height, true).await;
        let mut check = |line: (String, Vec<String>), wide: bool| {
            println!("{width} px: {}", line.0);
            report.push(line.0);
            problems.extend(line.1.into_iter().map(|p| format!("{width} px: {p}")));
            if wide {
                problems.push(format!("{width} px: the page scrolls sideways"));
            }
        };
        let public = [
            ("event page with choices", "/events/natverk".to_owned()),
            ("manage page, choices confirmed", anna.manage_path()),
            ("manage page, queued for an item", bo.manage_path()),
        ];
        for (name, path) in public {
            b.goto(&app.url(&path)).await;
            check(audit(&b, name).await, b.scrolls_sideways().await);
        }
        // The form with an overlap error.
        b.goto(&app.url("/events/natverk")).await;
        click(&b, &format!("label[for='choice-{visit}']")).await;
        click(&b, &format!("label[for='choice-{workshop}']")).await;
        submit(&b, "form[action$='/register'] button[type=submit]").await;
        check(
            audit(&b, "event page, choices with an error").await,
            b.scrolls_sideways().await,
        );
        // The manage page with a refused change.
        b.goto(&app.url(&bo.manage_path())).await;
        click(&b, &format!("label[for='choice-{workshop}']")).await;
        submit(&b, "form[action$='/choices'] button[type=submit]").await;
        check(
            audit(&b, "manage page, choices refused").await,
            b.scrolls_sideways().await,
        );

        // The back-office, as an organiser.
        b.goto(&app.url("/admin/login")).await;
        type_into(&b, "email", "org@example.org").await;
        type_into(&b, "password", PASSWORD).await;
        submit(&b, "form[action='/admin/login'] button").await;
        let admin = [
            (
                "admin programme page",
                "/admin/events/natverk/programme".to_owned(),
            ),
            (
                "admin overview with items",
                "/admin/events/natverk".to_owned(),
            ),
            (
                "admin registration edit with choices",
                format!("/admin/events/natverk/registrations/{}", bo_row.id),
            ),
            (
                "admin check-in per item",
                format!("/admin/events/natverk/checkin?item={dinner}"),
            ),
            (
                "admin badges and lists",
                "/admin/events/natverk/print".to_owned(),
            ),
        ];
        for (name, path) in admin {
            b.goto(&app.url(&path)).await;
            check(audit(&b, name).await, b.scrolls_sideways().await);
        }
        if width == 1280 {
            b.goto(&app.url("/admin/events/natverk/programme")).await;
            b.screenshot(&screenshot_path("admin-programme")).await;
        }
        // An item's settings with an error.
        b.goto(&app.url("/admin/events/natverk/programme")).await;
        click(&b, &format!("#item-{visit}-title ~ details summary")).await;
        let capacity = b
            .client
            .find(Locator::Id(&format!("item-{visit}-capacity")))
            .await
            .unwrap();
        capacity.clear().await.unwrap();
        capacity.send_keys("-3").await.unwrap();
        submit(
            &b,
            &format!("form[action$='/programme/{visit}'] button[type=submit]"),
        )
        .await;
        check(
            audit(&b, "admin programme page, settings with an error").await,
            b.scrolls_sideways().await,
        );
        // The badge form with a start label beyond the sheet.
        b.goto(&app.url("/admin/events/natverk/print")).await;
        let start = b.client.find(Locator::Id("start")).await.unwrap();
        start.clear().await.unwrap();
        start.send_keys("99").await.unwrap();
        submit(&b, "form[action$='/badges.pdf'] button[type=submit]").await;
        check(
            audit(&b, "admin badges, start label refused").await,
            b.scrolls_sideways().await,
        );
        // The organiser's choices form with an overlap error.
        b.goto(&app.url(&format!(
            "/admin/events/natverk/registrations/{}",
            bo_row.id
        )))
        .await;
        click(&b, &format!("label[for='choice-{workshop}']")).await;
        submit(&b, "form[action$='/choices'] button[type=submit]").await;
        check(
            audit(&b, "admin registration edit, choices refused").await,
            b.scrolls_sideways().await,
        );
    }
    println!("{} pages and states audited", report.len());
    assert!(
        problems.is_empty(),
        "axe violations or sideways scrolling:\n{}",
        problems.join("\n")
    );
}
