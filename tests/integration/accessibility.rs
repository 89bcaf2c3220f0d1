//! axe-core (WCAG 2.1 A and AA) on every public and back-office page, in
//! each state, in headless Chromium: zero violations. Incomplete results are
//! printed for a human to look at. Also: lang per language, visible focus,
//! and no sideways scrolling at 320 px and at 200 % zoom.
use anmalan::domain::role::Role;
use fantoccini::Locator;

use crate::common::browser::{self, Browser};
use crate::common::*;

/// Audits the page the browser shows; returns a report line and the
/// violations (as readable text).
pub(crate) async fn audit(b: &Browser, name: &str) -> (String, Vec<String>) {
    let (violations, incomplete, rules) = b.axe().await;
    let line = format!(
        "axe {name}: {rules} rules, {} violations, {} incomplete{}",
        violations.len(),
        incomplete.len(),
        if incomplete.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                incomplete
                    .iter()
                    .map(|i| i["id"].as_str().unwrap_or("?").to_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let problems = violations
        .iter()
        .map(|v| {
            let targets: Vec<String> = v["nodes"]
                .as_array()
                .map(|nodes| {
                    nodes
                        .iter()
                        .map(|n| n["target"].to_string())
                        .take(3)
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "{name}: {} ({}) at {}",
                v["id"],
                v["help"],
                targets.join(" ")
            )
        })
        .collect();
    (line, problems)
}

pub(crate) async fn submit(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_every_state_has_zero_axe_violations() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(80))).await;
    app.create_event(&seminar("fullt", Some(1))).await;
    app.register("fullt", "Först", "forst@example.org").await;
    let manage = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    let waiting = app
        .register("fullt", "Bo Ek", "bo@example.org")
        .await
        .manage_path();
    let cancelled = app
        .register("almedalen", "Cecilia", "cecilia@example.org")
        .await
        .manage_path();
    app.post_form(&format!("{cancelled}/cancel"), &[]).await;
    app.add_account("admin@example.org", Role::Admin).await;

    let b = browser::open(1280, 1000, true).await;
    let mut report = Vec::new();
    let mut problems = Vec::new();
    let mut check = |line: (String, Vec<String>)| {
        println!("{}", line.0);
        report.push(line.0);
        problems.extend(line.1);
    };

    let public = [
        ("home", "/".to_owned()),
        ("event page, empty form", "/events/almedalen".to_owned()),
        ("event page, full", "/events/fullt".to_owned()),
        (
            "manage page, confirmed",
            format!("{manage}?done=registered"),
        ),
        ("manage page, waitlisted", waiting.clone()),
        ("cancel confirmation", format!("{manage}/cancel")),
        (
            "manage page, cancelled",
            format!("{cancelled}?done=cancelled"),
        ),
        ("privacy notice", "/privacy".to_owned()),
        ("accessibility statement", "/tillganglighet".to_owned()),
        ("404 page", "/finns-inte".to_owned()),
        (
            "event page in English",
            "/events/almedalen?lang=en".to_owned(),
        ),
        ("home, back in Swedish", "/?lang=sv".to_owned()),
    ];
    for (name, path) in public {
        b.goto(&app.url(&path)).await;
        check(audit(&b, name).await);
    }
    b.goto(&app.url("/events/almedalen")).await;
    submit(&b, "form[action$='/register'] button[type=submit]").await;
    check(audit(&b, "event page, form with errors").await);
    b.goto(&app.url("/events/almedalen")).await;
    for (id, value) in [
        ("name", "Anna"),
        ("email", "ANNA@example.org"),
        ("role_title", "KSO"),
    ] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    b.client
        .find(Locator::Css("#municipality option[value='2580']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&b, "form[action$='/register'] button[type=submit]").await;
    check(audit(&b, "already registered").await);

    // Back-office.
    b.goto(&app.url("/admin/login")).await;
    check(audit(&b, "admin login").await);
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
        .send_keys("wrong password!")
        .await
        .unwrap();
    submit(&b, "form[action='/admin/login'] button").await;
    check(audit(&b, "admin login, refused").await);
    b.client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    submit(&b, "form[action='/admin/login'] button").await;
    let registration_id =
        <anmalan::db::entities::registration::Entity as sea_orm::EntityTrait>::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id;
    let admin_pages = [
        ("admin dashboard", "/admin".to_owned()),
        ("admin event overview", "/admin/events/almedalen".to_owned()),
        ("admin new event", "/admin/events/new".to_owned()),
        (
            "admin edit event",
            "/admin/events/almedalen/edit".to_owned(),
        ),
        (
            "admin attendees",
            "/admin/events/almedalen/attendees".to_owned(),
        ),
        (
            "admin registration edit",
            format!("/admin/events/almedalen/registrations/{registration_id}"),
        ),
        (
            "admin invitations",
            "/admin/events/almedalen/invitations".to_owned(),
        ),
        (
            "admin check-in",
            "/admin/events/almedalen/checkin".to_owned(),
        ),
        ("admin emails", "/admin/events/almedalen/emails".to_owned()),
        (
            "admin cancel event",
            "/admin/events/almedalen/cancel".to_owned(),
        ),
        ("admin accounts", "/admin/accounts".to_owned()),
        ("admin audit log", "/admin/audit".to_owned()),
    ];
    for (name, path) in admin_pages {
        b.goto(&app.url(&path)).await;
        check(audit(&b, name).await);
    }
    b.goto(&app.url("/admin/events/new")).await;
    submit(&b, "form[action='/admin/events'] button[type=submit]").await;
    check(audit(&b, "admin new event, form with errors").await);
    b.goto(&app.url("/admin/events/almedalen/invitations"))
        .await;
    b.client
        .find(Locator::Id("lines"))
        .await
        .unwrap()
        .send_keys("Bara ett namn")
        .await
        .unwrap();
    submit(&b, "form[action$='/invitations'] button").await;
    check(audit(&b, "admin invitations, rejected lines").await);
    b.goto(&app.url("/admin/api-tokens")).await;
    check(audit(&b, "admin API tokens, none").await);
    submit(&b, "form[action='/admin/api-tokens'] button").await;
    check(audit(&b, "admin API tokens, form with errors").await);
    b.client
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Kommunens CRM")
        .await
        .unwrap();
    submit(&b, "form[action='/admin/api-tokens'] button").await;
    check(audit(&b, "admin API tokens, secret shown once").await);

    println!("{} pages and states audited", report.len());
    assert!(
        problems.is_empty(),
        "axe violations:\n{}",
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_reflow_at_320_px_and_200_percent_zoom_and_show_focus() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(80))).await;
    let manage = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    // 320 CSS px is WCAG 1.4.10's width; 640 px is a 1280 px window at 200 %.
    for width in [320, 640] {
        let b = browser::open(width, 900, true).await;
        for path in [
            "/",
            "/events/almedalen",
            manage.as_str(),
            "/privacy",
            "/tillganglighet",
        ] {
            b.goto(&app.url(path)).await;
            assert!(
                !b.scrolls_sideways().await,
                "{path} scrolls sideways at {width} px"
            );
        }
        b.goto(&app.url("/events/almedalen")).await;
        b.client
            .find(Locator::Css(
                "form[action$='/register'] button[type=submit]",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.wait_text("main", "Det finns fel i formuläret").await;
        assert!(
            !b.scrolls_sideways().await,
            "the form with errors scrolls sideways at {width} px"
        );
    }

    let b = browser::open(1280, 900, true).await;
    b.goto(&app.url("/events/almedalen")).await;
    assert_eq!(b.eval("return document.documentElement.lang;").await, "sv");
    b.tab_to("name").await;
    let outline = b
        .eval("const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.boxShadow];")
        .await;
    assert_ne!(outline[0], "none", "focus is visible: {outline}");
    assert_ne!(outline[1], "0px", "focus is visible: {outline}");
    b.goto(&app.url("/events/almedalen?lang=en")).await;
    assert_eq!(b.eval("return document.documentElement.lang;").await, "en");
}
