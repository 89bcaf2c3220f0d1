//! Layout as seen in a real browser: the manage page fits a 375 px phone
//! with a long address, and the attendee table is readable at 1280 px (no
//! short word broken mid-word) and stacked on a phone, with a search box
//! styled like the selects beside it; zero axe violations throughout.
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
