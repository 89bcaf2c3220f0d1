//! Journeys in a real headless Chromium, with assertions on what the person
//! sees. Skipped (with one line saying how to enable them) when Chromium is
//! not installed; `.ci/run` always installs it.
use anmalan::domain::role::Role;
use fantoccini::Locator;

use crate::common::browser::{self, Browser, screenshot_path};
use crate::common::mail::wait_for_messages;
use crate::common::*;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

async fn seminar_app(capacity: u32) -> TestApp {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(capacity)))
        .await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_registers_with_the_keyboard_alone() {
    if !browser::available() {
        return;
    }
    let app = seminar_app(80).await;
    let b = browser::open(1280, 1000, true).await;
    b.goto(&app.url("/events/almedalen")).await;
    b.screenshot(&screenshot_path("event-page")).await;
    b.tab_to("name").await;
    b.keys("Anna Berg").await;
    b.keys(TAB).await;
    assert_eq!(b.focused_id().await, "email");
    b.keys("anna@example.org").await;
    b.tab_to("municipality").await;
    b.keys("Lul").await; // type-ahead picks Luleå in the select
    b.tab_to("role_title").await;
    b.keys("Kommunstyrelsens ordförande").await;
    b.tab_to("consent").await;
    b.keys(" ").await; // Space ticks the box
    b.keys(TAB).await;
    b.keys(TAB).await; // past the privacy link to the button
    b.keys(ENTER).await;
    b.wait_text("main", "Tack!").await;
    let url = b.client.current_url().await.unwrap();
    assert!(
        url.path().starts_with("/r/"),
        "landed on the manage page: {url}"
    );
    b.wait_text("main", "Tack! Din anmälan är registrerad.")
        .await;
    b.wait_text("main", "Luleå").await;
    b.screenshot(&screenshot_path("manage-page")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_form_focuses_the_error_summary_whose_links_reach_the_fields() {
    if !browser::available() {
        return;
    }
    let app = seminar_app(80).await;
    let b = browser::open(1280, 1000, true).await;
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
    assert_eq!(
        b.focused_id().await,
        "error-summary",
        "the summary receives focus"
    );
    b.screenshot(&screenshot_path("form-errors")).await;
    b.client
        .find(Locator::Css(".error-summary a[href='#email']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("email"));
    let in_view = b
        .eval("const r = document.getElementById('email').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;")
        .await;
    assert_eq!(
        in_view.as_bool(),
        Some(true),
        "the link brings the field into view"
    );
    for (id, value) in [
        ("name", "Anna Berg"),
        ("email", "anna@example.org"),
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
        .find(Locator::Css("#municipality option[value='0882']"))
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
    b.client
        .find(Locator::Css(
            "form[action$='/register'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("main", "Tack!").await;
    assert!(
        b.client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/r/")
    );
}

async fn organisation_field_follows_the_choice(javascript: bool) {
    let app = seminar_app(80).await;
    let b = browser::open(1280, 1000, javascript).await;
    b.goto(&app.url("/events/almedalen")).await;
    let field = || async {
        b.client
            .find(Locator::Id("organisation"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    };
    assert!(!field().await, "hidden until chosen (JS {javascript})");
    b.client
        .find(Locator::Css("#municipality option[value='other']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        field().await,
        "shown for another organisation (JS {javascript})"
    );
    b.client
        .find(Locator::Id("organisation"))
        .await
        .unwrap()
        .send_keys("Region Gotland")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("#municipality option[value='2580']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(!field().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisation_reveals_its_field_with_and_without_javascript() {
    if !browser::available() {
        return;
    }
    organisation_field_follows_the_choice(false).await;
    organisation_field_follows_the_choice(true).await;
}

async fn register_in_browser(b: &Browser, app: &TestApp, name: &str, email: &str) {
    b.goto(&app.url("/events/almedalen")).await;
    b.client
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    b.client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.client
        .find(Locator::Css("#municipality option[value='2580']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .find(Locator::Id("role_title"))
        .await
        .unwrap()
        .send_keys("KSO")
        .await
        .unwrap();
    b.client
        .find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .find(Locator::Css(
            "form[action$='/register'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", "Din anmälan").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_event_offers_the_waitlist_and_the_manage_page_edits_and_cancels() {
    if !browser::available() {
        return;
    }
    let app = seminar_app(1).await;
    let b = browser::open(1280, 1000, true).await;
    register_in_browser(&b, &app, "Först", "forst@example.org").await;
    b.goto(&app.url("/events/almedalen")).await;
    b.wait_text("main", "Fullt – du kan ställa dig på väntelistan")
        .await;
    register_in_browser(&b, &app, "Andra", "andra@example.org").await;
    b.wait_text("main", "Du står på väntelistan på plats 1.")
        .await;

    let name = b.client.find(Locator::Id("name")).await.unwrap();
    name.clear().await.unwrap();
    name.send_keys("Andra Person").await.unwrap();
    b.client
        .find(Locator::Css("form[action^='/r/'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("main", "Dina ändringar är sparade.").await;
    b.client
        .find(Locator::Css("a[href$='/cancel']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", "Vill du avboka?").await;
    b.client
        .find(Locator::Css("form[action$='/cancel'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("main", "Din anmälan är avbokad.").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_goes_to_english_and_back() {
    if !browser::available() {
        return;
    }
    let app = seminar_app(80).await;
    let b = browser::open(1280, 1000, true).await;
    b.goto(&app.url("/events/almedalen")).await;
    assert_eq!(b.eval("return document.documentElement.lang;").await, "sv");
    b.client
        .find(Locator::LinkText("In English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("main", "seats left").await;
    assert_eq!(b.eval("return document.documentElement.lang;").await, "en");
    b.wait_text("main", "80 seats left").await;
    b.client
        .find(Locator::Css("a[href='/']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", "Upcoming events").await;
    assert_eq!(
        b.eval("return document.documentElement.lang;").await,
        "en",
        "the choice sticks"
    );
    b.client
        .find(Locator::LinkText("På svenska"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", "Kommande evenemang").await;
    assert_eq!(b.eval("return document.documentElement.lang;").await, "sv");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_creates_publishes_exports_and_checks_in_on_a_phone() {
    if !browser::available() {
        return;
    }
    let app = seminar_app(10).await;
    for (name, email) in [
        ("Anna Berg", "anna@example.org"),
        ("Bo Ek", "bo@example.org"),
    ] {
        app.register("almedalen", name, email).await;
    }
    app.add_account("org@example.org", Role::Organiser).await;
    let b = browser::open(1280, 1000, true).await;
    b.goto(&app.url("/admin/login")).await;
    b.client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("org@example.org")
        .await
        .unwrap();
    b.client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    b.client
        .find(Locator::Css("form[action='/admin/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", "Översikt").await;
    b.screenshot(&screenshot_path("admin-dashboard")).await;

    b.goto(&app.url("/admin/events/new")).await;
    let starts = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT10:00")
        .to_string();
    let ends = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT15:00")
        .to_string();
    for (id, value) in [
        ("title", "Nätverksmöte i Kiruna"),
        ("venue_name", "Folkets hus"),
    ] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    for (id, value) in [("starts_at", &starts), ("ends_at", &ends)] {
        // datetime-local inputs take their value from script more reliably than from keys.
        b.client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![id.into(), value.as_str().into()],
            )
            .await
            .unwrap();
    }
    b.client
        .find(Locator::Css(
            "form[action='/admin/events'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("main", "Evenemanget är skapat som utkast")
        .await;
    b.client
        .find(Locator::Css("form[action$='/publish'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("main", "Evenemanget är publicerat.").await;

    b.goto(&app.url("/admin/events/almedalen")).await;
    b.screenshot(&screenshot_path("admin-municipalities")).await;
    b.goto(&app.url("/admin/events/almedalen/attendees")).await;
    b.screenshot(&screenshot_path("admin-attendees")).await;
    for link in ["Exportera CSV", "Exportera Excel"] {
        b.client
            .find(Locator::LinkText(link))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    let mut files = Vec::new();
    for _ in 0..100 {
        files = std::fs::read_dir(&b.downloads)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        // Chromium reserves a download's name with an empty file and
        // writes to a `.crdownload` beside it, renamed over it at the end:
        // both files are there once nothing is in progress and neither is
        // empty.
        let done: Vec<_> = files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "xlsx"))
            .collect();
        let in_progress = files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "crdownload"));
        if done.len() == 2
            && !in_progress
            && done
                .iter()
                .all(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let csv_file = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .expect("CSV downloaded");
    let bytes = std::fs::read(csv_file).unwrap();
    assert_eq!(csv::Reader::from_reader(&bytes[3..]).records().count(), 2);
    let xlsx_file = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .expect("XLSX downloaded");
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(xlsx_file).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut workbook, 0)
        .unwrap()
        .unwrap();
    assert_eq!(sheet.height(), 3);

    // The door, on a 375 px phone.
    b.client.set_window_size(375, 800).await.unwrap();
    b.goto(&app.url("/admin/events/almedalen/checkin")).await;
    let wide = b
        .eval("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 || e.scrollWidth > e.clientWidth + 1).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().left) + '-' + Math.round(e.getBoundingClientRect().right) + '/' + e.scrollWidth).slice(0, 12);")
        .await;
    let sizes = b.eval("return [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth];").await;
    assert!(
        !b.scrolls_sideways().await,
        "no sideways scrolling at 375 px: {wide} {sizes}"
    );
    b.client
        .find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("anna")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let rows = b
        .client
        .find_all(Locator::Css(".checkin-list li"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "search as you type narrowed the list");
    b.client
        .find(Locator::Css(".checkin-list button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("p.headline", "1 av 2").await;
    b.wait_text("p.headline", "1 av 2 har kommit").await;
    b.screenshot(&screenshot_path("admin-checkin-phone")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirmation_email_renders_as_html() {
    if !browser::available() {
        return;
    }
    let app = seminar_app(80).await;
    app.register("almedalen", "Anna Berg", "anna@example.org")
        .await;
    let mails = wait_for_messages(&app.outbox_dir(), 1, 20).await;
    let html_file = tempfile::Builder::new().suffix(".html").tempfile().unwrap();
    std::fs::write(html_file.path(), &mails[0].html).unwrap();
    let b = browser::open(800, 1000, false).await;
    b.goto(&format!("file://{}", html_file.path().display()))
        .await;
    b.wait_text("body", "Du är anmäld till").await;
    b.screenshot(&screenshot_path("confirmation-email")).await;
}
