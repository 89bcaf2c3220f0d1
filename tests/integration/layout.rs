//! Layout as seen in a real browser: the manage page fits a 375 px phone
//! with a long address, and the attendee table is readable at 1280 px (no
//! short word broken mid-word) and stacked on a phone, with a search box
//! styled like the selects beside it; the other back-office tables
//! (invitations, email log, audit log, accounts, API tokens) stack the same
//! way on a phone and fit a desktop; zero axe violations throughout.
use anmalan::domain::role::Role;
use fantoccini::Locator;
use futures::StreamExt;

use crate::common::browser::{self, Browser};
use crate::common::*;

/// A municipal address without a break opportunity before the @.
const LONG_ADDRESS: &str =
    "kommunstyrelsens.forvaltning.naringslivsenheten@ornskoldsvik.example.org";

async fn log_in(b: &Browser, app: &TestApp) {
    b.goto(&app.url("/admin/login")).await;
    for (id, text) in [("email", "org@example.org"), ("password", PASSWORD)] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    b.client
        .find(Locator::Css("form[action='/admin/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("main", "").await;
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
}

async fn assert_no_axe_violations(b: &Browser, name: &str) {
    let (violations, _, _) = b.axe().await;
    let ids: Vec<String> = violations.iter().map(|v| v["id"].to_string()).collect();
    assert!(ids.is_empty(), "{name}: axe violations {ids:?}");
}

/// Words of at most 20 letters that a table cell breaks across lines
/// (mid-word wrapping or hyphenation), as "Bekräft|ad".
async fn broken_words(b: &Browser) -> Vec<String> {
    let found = b
        .eval(
            r#"const broken = [];
               for (const cell of document.querySelectorAll("table.data th, table.data td")) {
                 const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                 for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                   for (const m of node.data.matchAll(/\S+/g)) {
                     if (m[0].length > 20) continue;
                     const range = document.createRange();
                     range.setStart(node, m.index);
                     range.setEnd(node, m.index + m[0].length);
                     const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                     if (lines.size > 1) broken.push(m[0]);
                   }
                 }
               }
               return broken;"#,
        )
        .await;
    found
        .as_array()
        .map(|a| {
            a.iter()
                .map(|w| w.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manage_page_and_the_attendee_table_fit_a_phone_and_a_desktop() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(150))).await;
    let manage = app
        .register("almedalen", "Anna Berg", LONG_ADDRESS)
        .await
        .manage_path();
    // 200 registrations: confirmed ("Bekräftad") and waitlisted ("Väntelista").
    futures::stream::iter(1..200)
        .map(|i| {
            let app = &app;
            async move {
                let name = format!("Deltagare Nummer{i}");
                let email = format!("deltagare{i}@example.org");
                assert_eq!(app.register("almedalen", &name, &email).await.status, 303);
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
    app.add_account("org@example.org", Role::Organiser).await;
    let attendees = app.url("/admin/events/almedalen/attendees?sort=name");

    // A phone.
    let phone = browser::open(375, 800, true).await;
    phone.goto(&app.url(&manage)).await;
    assert!(
        !phone.scrolls_sideways().await,
        "the manage page is wider than a 375 px phone"
    );
    let fits = phone
        .eval(
            "const dd = document.querySelector('dl.facts dd'); \
             return dd.textContent.includes('@') && \
                    dd.getBoundingClientRect().right <= document.documentElement.clientWidth;",
        )
        .await;
    assert_eq!(fits, true, "the whole address shows on the phone");
    assert_no_axe_violations(&phone, "manage page at 375 px").await;

    log_in(&phone, &app).await;
    phone.goto(&attendees).await;
    assert!(
        !phone.scrolls_sideways().await,
        "the attendee page is wider than a 375 px phone"
    );
    let stacked = phone
        .eval(
            "const cell = document.querySelector('table.data tbody td'); \
             return [getComputedStyle(cell).display, cell.getBoundingClientRect().width];",
        )
        .await;
    assert_eq!(
        stacked[0], "block",
        "rows are stacked on a phone: {stacked}"
    );
    assert!(
        stacked[1].as_f64().unwrap_or(0.0) > 250.0,
        "a stacked cell takes the width of the phone: {stacked}"
    );
    assert_no_axe_violations(&phone, "attendees at 375 px").await;

    // A desktop.
    let desktop = browser::open(1280, 900, true).await;
    log_in(&desktop, &app).await;
    desktop.goto(&attendees).await;
    assert_eq!(
        desktop
            .eval("return document.querySelectorAll('table.data tbody tr').length;")
            .await,
        50,
        "a full page of rows"
    );
    let fits = desktop
        .eval("const w = document.querySelector('.table-wrap'); return w.scrollWidth <= w.clientWidth;")
        .await;
    assert_eq!(
        fits, true,
        "the table fits 1280 px without scrolling sideways"
    );
    let broken = broken_words(&desktop).await;
    assert!(
        broken.is_empty(),
        "words broken mid-word at 1280 px: {broken:?}"
    );
    let search = desktop
        .eval(
            "const q = getComputedStyle(document.getElementById('q')); \
             const s = getComputedStyle(document.getElementById('status')); \
             return [q.fontSize === s.fontSize, q.borderTopWidth === s.borderTopWidth, \
                     document.getElementById('q').offsetHeight >= document.getElementById('status').offsetHeight - 2, \
                     document.getElementById('q').offsetWidth >= 200];",
        )
        .await;
    assert_eq!(
        search,
        serde_json::json!([true, true, true, true]),
        "the search box is styled like the selects and not small"
    );
    assert_no_axe_violations(&desktop, "attendees at 1280 px").await;
}

/// Every `table.data` on the page: whether its body cells are stacked
/// blocks, whether it fits the window, its row count, and how many of its
/// non-empty cells lack a label (`data-label`; the actions cell needs none).
async fn tables(b: &Browser) -> Vec<serde_json::Value> {
    b.eval(
        r#"const width = document.documentElement.clientWidth;
           return [...document.querySelectorAll("table.data")].map(t => {
             const cells = [...t.querySelectorAll("tbody th, tbody td")];
             return {
               stacked: cells.length > 0 && cells.every(c =>
                 ["block", "none"].includes(getComputedStyle(c).display)),
               fits: t.getBoundingClientRect().right <= width + 1,
               rows: t.querySelectorAll("tbody tr").length,
               unlabelled: cells.filter(c => c.tagName === "TD" && !c.dataset.label
                 && !c.classList.contains("row-actions") && c.textContent.trim() !== "").length,
             };
           });"#,
    )
    .await
    .as_array()
    .cloned()
    .unwrap_or_default()
}

/// The elements that reach past the right edge of the window, for a
/// failure message.
async fn overflowing(b: &Browser) -> serde_json::Value {
    b.eval(
        r#"const width = document.documentElement.clientWidth;
           return [...document.querySelectorAll("body *")]
             .filter(e => e.getBoundingClientRect().right > width + 1)
             .slice(0, 5)
             .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
               + (e.className ? '.' + e.className : '')
               + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');"#,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_back_office_tables_stack_on_a_phone_and_fit_a_desktop() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(150))).await;
    for (name, email) in [("Anna Berg", LONG_ADDRESS), ("Bo Ek", "bo@example.org")] {
        assert_eq!(app.register("almedalen", name, email).await.status, 303);
    }
    app.add_account("org@example.org", Role::Admin).await;
    app.add_account(LONG_ADDRESS, Role::Checkin).await;
    let admin = app.login("org@example.org").await;
    let lines = format!(
        "Cecilia Ny, {}, 2284\nDavid Öberg, david@example.org, Region Gotland",
        LONG_ADDRESS.replace("kommunstyrelsens", "kommunledningens")
    );
    let invited = app
        .post_with(
            &admin,
            "/admin/events/almedalen/invitations",
            &[("lines", &lines)],
        )
        .await;
    assert!(invited.status < 400, "invited: {}", invited.status);
    let token = app
        .post_with(
            &admin,
            "/admin/api-tokens",
            &[("name", "Intranätets deltagarlista"), ("scope", "read")],
        )
        .await;
    assert!(token.status < 400, "token: {}", token.status);

    let pages = [
        ("/admin/events/almedalen/invitations", "invitations"),
        ("/admin/events/almedalen/emails", "email log"),
        ("/admin/audit", "audit log"),
        ("/admin/accounts", "accounts"),
        ("/admin/api-tokens", "API tokens"),
    ];

    // A phone: each row a labelled block, nothing wider than the screen.
    let phone = browser::open(375, 800, true).await;
    log_in(&phone, &app).await;
    for (path, name) in pages {
        phone.goto(&app.url(path)).await;
        assert!(
            !phone.scrolls_sideways().await,
            "{name} is wider than a 375 px phone: {}",
            overflowing(&phone).await
        );
        let found = tables(&phone).await;
        assert!(!found.is_empty(), "{name} has a table");
        for table in &found {
            assert_eq!(table["stacked"], true, "{name}: rows stacked: {table}");
            assert_eq!(table["fits"], true, "{name}: fits the phone: {table}");
            assert!(table["rows"].as_u64().unwrap_or(0) > 0, "{name}: {table}");
            assert_eq!(
                table["unlabelled"], 0,
                "{name}: every value labelled: {table}"
            );
        }
        assert_no_axe_violations(&phone, &format!("{name} at 375 px")).await;
    }
    // A new token's secret, shown once, is one long word: it wraps too.
    phone.goto(&app.url("/admin/api-tokens")).await;
    phone
        .client
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Ekonomisystemet")
        .await
        .unwrap();
    phone
        .client
        .find(Locator::Css(
            "form[action='/admin/api-tokens'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    phone.wait_text("#new-token", "").await;
    assert!(
        !phone.scrolls_sideways().await,
        "a new token's secret is wider than a 375 px phone: {}",
        overflowing(&phone).await
    );

    // A desktop: ordinary tables that fit, no short word broken.
    let desktop = browser::open(1280, 900, true).await;
    log_in(&desktop, &app).await;
    for (path, name) in pages {
        desktop.goto(&app.url(path)).await;
        assert!(
            !desktop.scrolls_sideways().await,
            "{name} is wider than 1280 px: {}",
            overflowing(&desktop).await
        );
        for table in tables(&desktop).await {
            assert_eq!(
                table["stacked"], false,
                "{name}: a table at 1280 px: {table}"
            );
            assert_eq!(table["fits"], true, "{name}: fits 1280 px: {table}");
        }
        let broken = broken_words(&desktop).await;
        assert!(
            broken.is_empty(),
            "{name}: words broken mid-word at 1280 px: {broken:?}"
        );
        assert_no_axe_violations(&desktop, &format!("{name} at 1280 px")).await;
    }
}
