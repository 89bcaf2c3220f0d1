//! The substitution in a real headless Chromium: a registrant hands their
//! registration over from their own page, an organiser from the back-office;
//! every page and state of the form has zero axe violations and fits a phone.
use anmalan::domain::role::Role;
use fantoccini::Locator;

use crate::accessibility::{audit, submit};
use crate::choices::{items, meeting, register_choosing, registration_by_email};
use crate::common::browser::{self, Browser};
use crate::common::*;

async fn type_into(b: &Browser, id: &str, value: &str) {
    let field = b.client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn choose(b: &Browser, id: &str, value: &str) {
    b.client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handing_over_in_the_browser_has_zero_axe_violations() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.create_event(&meeting("byte", Some(3), 2, 10)).await;
    let all = items(&app).await;
    let visit = all["Studiebesök på datacenter"].id;
    let anna = register_choosing(
        &app,
        "byte",
        "Anna Berg",
        "anna@example.org",
        "2580",
        &[visit],
    )
    .await;
    register_choosing(&app, "byte", "Bo Ek", "bo@example.org", "2580", &[]).await;
    app.register("byte", "Cissi Dahl", "cissi@example.org")
        .await;
    let cissi = registration_by_email(&app, "cissi@example.org").await;
    app.add_account("org@example.org", Role::Organiser).await;

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
        // The registrant finds the way from their page.
        b.goto(&app.url(&anna.manage_path())).await;
        check(
            audit(&b, "manage page with hand-over").await,
            b.scrolls_sideways().await,
        );
        b.client
            .find(Locator::Css("a[href$='/substitute']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        check(
            audit(&b, "hand-over form").await,
            b.scrolls_sideways().await,
        );
        // An address already registered: the error, the input kept.
        type_into(&b, "name", "Bo Ekström").await;
        type_into(&b, "email", "bo@example.org").await;
        choose(&b, "municipality", "2580").await;
        type_into(&b, "role_title", "Näringslivschef").await;
        submit(&b, "form[action$='/substitute'] button[type=submit]").await;
        let summary = b.text(".error-summary").await;
        assert!(summary.contains("redan anmäld"), "{summary}");
        check(
            audit(&b, "hand-over form, refused").await,
            b.scrolls_sideways().await,
        );
        if width == 375 {
            // The colleague is new: the registration passes over.
            type_into(&b, "email", "dana@example.org").await;
            type_into(&b, "name", "Dana Falk").await;
            submit(&b, "form[action$='/substitute'] button[type=submit]").await;
            let notice = b.wait_text("[role=status]", "Dana Falk").await;
            assert!(notice.contains("överlämnad"), "{notice}");
            check(
                audit(&b, "manage page, handed over").await,
                b.scrolls_sideways().await,
            );
        }

        // The organiser hands Cissi's registration over.
        b.goto(&app.url("/admin/login")).await;
        type_into(&b, "email", "org@example.org").await;
        type_into(&b, "password", PASSWORD).await;
        submit(&b, "form[action='/admin/login'] button").await;
        let page = format!("/admin/events/byte/registrations/{}", cissi.id);
        b.goto(&app.url(&page)).await;
        check(
            audit(&b, "admin registration with hand-over").await,
            b.scrolls_sideways().await,
        );
        b.goto(&app.url(&format!("{page}/substitute"))).await;
        check(
            audit(&b, "admin hand-over form").await,
            b.scrolls_sideways().await,
        );
        submit(&b, "form[action$='/substitute'] button[type=submit]").await;
        check(
            audit(&b, "admin hand-over form, missing fields").await,
            b.scrolls_sideways().await,
        );
        if width == 375 {
            type_into(&b, "name", "Erik Gran").await;
            type_into(&b, "email", "erik@example.org").await;
            choose(&b, "municipality", "other").await;
            type_into(&b, "organisation", "Region Gotland").await;
            type_into(&b, "role_title", "Regiondirektör").await;
            submit(&b, "form[action$='/substitute'] button[type=submit]").await;
            let notice = b.wait_text("[role=status]", "överlämnad").await;
            assert!(notice.contains("Anmälan är överlämnad"), "{notice}");
            check(
                audit(&b, "admin registration, taken over").await,
                b.scrolls_sideways().await,
            );
        }
    }
    println!("{} pages and states audited", report.len());
    assert!(
        problems.is_empty(),
        "axe violations or sideways scrolling:\n{}",
        problems.join("\n")
    );
}
