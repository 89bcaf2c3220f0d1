//! Printed badges and lists, read back with poppler's `pdftotext` and
//! `pdfinfo` (a PDF reader the project did not write): every name prints
//! whole in any script, the PDFs are tagged, "only new or changed" prints
//! only those, and the attendance list has a page per day grouped by
//! municipality with counts.
use std::io::Write;
use std::process::Command;

use anmalan::domain::role::Role;

use crate::choices::{items, meeting, registration_by_email};
use crate::common::*;

/// Runs a poppler tool on a PDF; fails with the install command when the
/// tool is missing.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> String {
    let mut file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    file.write_all(pdf).unwrap();
    let mut command = Command::new(tool);
    command.args(args).arg(file.path());
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = command.output().unwrap_or_else(|_| {
        panic!(
            "the PDF tests need {tool} (poppler-utils): run `.ci/test` (it installs what the \
             tests need), or `apt-get install -y poppler-utils`"
        )
    });
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The text of a PDF with its whitespace made single spaces.
fn text_of(pdf: &[u8]) -> String {
    poppler("pdftotext", pdf, &[])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `pdfinfo`'s value for a key ("Pages", "Tagged", "Title").
fn info(pdf: &[u8], key: &str) -> String {
    poppler("pdfinfo", pdf, &[])
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

async fn register_as(app: &TestApp, name: &str, email: &str, municipality: &str) {
    let key = new_key();
    let mut form = registration_form(&key, name, email);
    form.retain(|(field, _)| *field != "municipality");
    form.push(("municipality", municipality));
    let posted = app.post_form("/events/brickor/register", &form).await;
    assert_eq!(posted.status, 303, "{name}: {}", posted.body);
}

async fn post_pdf(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> Vec<u8> {
    let response = client.post(app.url(path)).form(form).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    response.bytes().await.unwrap().to_vec()
}

const LONG_NAME: &str =
    "Maria-Magdalena Charlotta Wilhelmina von Württemberg-Hohenzollern-Sigmaringen";

#[tokio::test]
async fn badges_print_every_name_whole_and_only_new_or_changed_on_request() {
    let app = TestApp::spawn().await;
    app.create_event(&meeting("brickor", None, 25, 60)).await;
    let people = [
        ("Åsa Öberg-Ängström", "asa@example.org", "0882"),
        ("Ζωή Παπαδοπούλου", "zoe@example.org", "2580"),
        ("Дмитрий Иванов", "dmitrij@example.org", "2580"),
        ("ქეთევან ბერიძე", "ketevan@example.org", "2580"),
        (LONG_NAME, "maria@example.org", "2584"),
    ];
    for (name, email, municipality) in people {
        register_as(&app, name, email, municipality).await;
    }
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let (status, page) = app.get_with(&client, "/admin/events/brickor/print").await;
    assert_eq!(status, 200);
    assert!(page.contains("Nya eller ändrade sedan förra utskriften"));

    let pdf = post_pdf(
        &app,
        &client,
        "/admin/events/brickor/badges.pdf",
        &[("layout", "a4-10"), ("which", "all"), ("start", "1")],
    )
    .await;
    assert_eq!(info(&pdf, "Tagged"), "yes", "a tagged PDF");
    assert_eq!(info(&pdf, "Pages"), "1", "5 badges on a sheet of 10");
    assert!(info(&pdf, "Title").starts_with("Namnbrickor"));
    let text = text_of(&pdf);
    // A long name wraps (at a hyphen, which pdftotext then joins), never
    // cut: every letter is there, in order.
    let letters = |s: &str| s.replace(['-', ' '], "");
    for (name, _, _) in people {
        assert!(
            letters(&text).contains(&letters(name)),
            "{name} printed whole in: {text}"
        );
    }
    // The README's picture of a badge sheet, drawn by poppler from this PDF.
    let mut file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    file.write_all(&pdf).unwrap();
    let picture = crate::common::browser::screenshot_path("badge-sheet");
    let drawn = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile", "-f", "1", "-l", "1"])
        .arg(file.path())
        .arg(picture.with_extension(""))
        .status()
        .expect("pdftoppm (poppler-utils) draws the badge sheet");
    assert!(drawn.success());
    // Sorted by municipality, then surname: Luleå (2580) before Oskarshamn.
    let luleå = text.find("Дмитрий").unwrap();
    let oskarshamn = text.find("Åsa").unwrap();
    assert!(luleå < oskarshamn, "{text}");
    assert!(text.contains("Kommunstyrelsens ordförande"), "the role");

    // A partly used sheet: starting at label 8, the fourth badge goes on a
    // new sheet.
    let pdf = post_pdf(
        &app,
        &client,
        "/admin/events/brickor/badges.pdf",
        &[("layout", "a4-10"), ("which", "all"), ("start", "8")],
    )
    .await;
    assert_eq!(info(&pdf, "Pages"), "2");
    // The other layouts: 4 A6 or 8 A7 per sheet.
    let pdf = post_pdf(
        &app,
        &client,
        "/admin/events/brickor/badges.pdf",
        &[("layout", "a4-4-a6"), ("which", "all"), ("start", "1")],
    )
    .await;
    assert_eq!(info(&pdf, "Pages"), "2");
    let pdf = post_pdf(
        &app,
        &client,
        "/admin/events/brickor/badges.pdf",
        &[
            ("layout", "a4-8-a7"),
            ("which", "all"),
            ("start", "1"),
            ("per_municipality", "yes"),
        ],
    )
    .await;
    assert_eq!(info(&pdf, "Pages"), "3", "one municipality per sheet");

    // A start label beyond the sheet is refused with the input kept.
    let refused = app
        .post_with(
            &client,
            "/admin/events/brickor/badges.pdf",
            &[("layout", "a4-4-a6"), ("which", "all"), ("start", "5")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Skriv ett nummer från 1 till 4"));
    assert_eq!(attr(&refused.body, "#start", "value").as_deref(), Some("5"));

    // Everything is printed: nothing is new; then a changed name is.
    let nothing = app
        .post_with(
            &client,
            "/admin/events/brickor/badges.pdf",
            &[("layout", "a4-10"), ("which", "new"), ("start", "1")],
        )
        .await;
    assert_eq!(nothing.status, 200);
    assert!(
        nothing
            .body
            .contains("Inga namnbrickor är nya eller ändrade")
    );
    let asa = registration_by_email(&app, "asa@example.org").await;
    let edited = app
        .post_with(
            &client,
            &format!("/admin/events/brickor/registrations/{}", asa.id),
            &[
                ("name", "Åsa Öberg"),
                ("role_title", "Kommunchef"),
                ("phone", ""),
                ("dietary_needs", ""),
                ("diet", ""),
                ("accessibility_needs", ""),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    register_as(&app, "Bo Ek", "bo@example.org", "2580").await;
    let pdf = post_pdf(
        &app,
        &client,
        "/admin/events/brickor/badges.pdf",
        &[("layout", "a4-10"), ("which", "new"), ("start", "1")],
    )
    .await;
    let text = text_of(&pdf);
    assert!(
        text.contains("Åsa Öberg") && text.contains("Kommunchef"),
        "{text}"
    );
    assert!(text.contains("Bo Ek"));
    assert!(
        !text.contains("Дмитрий"),
        "unchanged badges are not printed again"
    );

    // One badge printed again, from the person's page.
    let pdf = post_pdf(
        &app,
        &client,
        "/admin/events/brickor/badges.pdf",
        &[("registration", &asa.id.to_string()), ("start", "1")],
    )
    .await;
    let text = text_of(&pdf);
    assert!(
        text.contains("Åsa Öberg") && !text.contains("Bo Ek"),
        "{text}"
    );
}

#[tokio::test]
async fn the_attendance_list_has_a_page_per_day_grouped_by_municipality_to_sign() {
    let app = TestApp::spawn().await;
    let mut spec = meeting("brickor", None, 25, 60);
    // Two days: from 09:00 to 15:00 the next day, whatever the time of day
    // the test runs at (the helper starts events at the current time).
    let nine = spec.starts_at.date().and_hms_opt(9, 0, 0).unwrap();
    let shift = nine - spec.starts_at;
    spec.starts_at = nine;
    for item in &mut spec.programme {
        item.starts_at += shift;
        item.ends_at = item.ends_at.map(|at| at + shift);
    }
    spec.ends_at = spec.starts_at + chrono::Duration::hours(30);
    app.create_event(&spec).await;
    for (name, email, municipality) in [
        ("Anna Berg", "anna@example.org", "2580"),
        ("Cecilia Ek", "cecilia@example.org", "2580"),
        ("Bo Åberg", "bo@example.org", "0882"),
    ] {
        register_as(&app, name, email, municipality).await;
    }
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let response = client
        .get(app.url("/admin/events/brickor/attendance.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let pdf = response.bytes().await.unwrap().to_vec();
    assert_eq!(info(&pdf, "Tagged"), "yes");
    assert_eq!(info(&pdf, "Pages"), "2", "a page per day");
    let text = text_of(&pdf);
    assert!(
        text.contains("Luleå (2)") && text.contains("Oskarshamn (1)"),
        "{text}"
    );
    assert!(text.contains("Signatur"));
    assert!(text.contains("3 bekräftade från 2 kommuner"), "{text}");
    assert_eq!(text.matches("Anna Berg").count(), 2, "on each day's page");

    // The caterer's sheet and the visitor list print too.
    let all = items(&app).await;
    let dinner = all["Nätverksmiddag"].id;
    let visit = all["Studiebesök på datacenter"].id;
    crate::choices::register_choosing(
        &app,
        "brickor",
        "Dora Öst",
        "dora@example.org",
        "2580",
        &[dinner, visit],
    )
    .await;
    for (path, needle) in [
        (
            format!("/admin/events/brickor/programme/{dinner}/caterer.pdf"),
            "Kuvert totalt: 4",
        ),
        (
            format!("/admin/events/brickor/programme/{visit}/visitors.pdf"),
            "Besökare med plats: 1",
        ),
    ] {
        let response = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let pdf = response.bytes().await.unwrap().to_vec();
        assert_eq!(info(&pdf, "Tagged"), "yes");
        let text = text_of(&pdf);
        assert!(text.contains(needle) && text.contains("Dora Öst"), "{text}");
    }
}

#[tokio::test]
async fn the_participant_list_prints_for_a_confirmed_participant_and_the_organiser() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("brickor", Some(2))).await;
    let mut paths = Vec::new();
    for (name, email) in [
        ("Anna Berg", "anna@example.org"),
        ("Bo Ek", "bo@example.org"),
        ("Cecilia Lind", "cecilia@example.org"),
    ] {
        let key = new_key();
        let mut form = registration_form(&key, name, email);
        form.push(("participant_list", "yes"));
        let posted = app.post_form("/events/brickor/register", &form).await;
        assert_eq!(posted.status, 303);
        paths.push(posted.manage_path());
    }
    // Anna (confirmed) downloads the list; Cecilia (waitlisted) cannot.
    let response = app
        .client
        .get(app.url(&format!("{}/participants.pdf", paths[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let pdf = response.bytes().await.unwrap().to_vec();
    assert_eq!(info(&pdf, "Tagged"), "yes");
    let text = text_of(&pdf);
    assert!(
        text.contains("Anna Berg") && text.contains("Bo Ek"),
        "{text}"
    );
    assert!(!text.contains("Cecilia"), "not confirmed: not on the list");
    let (status, _) = app.get(&format!("{}/participants.pdf", paths[2])).await;
    assert_eq!(status, 404);
    // Bo withdraws: gone at once.
    app.post_form(
        &format!("{}/participant-list", paths[1]),
        &[("listed", "no")],
    )
    .await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let response = client
        .get(app.url("/admin/events/brickor/participants.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = text_of(&response.bytes().await.unwrap());
    assert!(
        text.contains("Anna Berg") && !text.contains("Bo Ek"),
        "{text}"
    );
}
