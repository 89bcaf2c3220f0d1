//! A new organiser runs a meeting from the browser alone: creates their
//! account from the setup link, creates and publishes a meeting, invites
//! three people (one registers through the personal link), moves the meeting
//! by an hour (the update emails reach the SMTP server), exports the list,
//! and checks someone in.
use anmalan::db::entities::{invitation, registration};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::mail::*;
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_organiser_runs_a_meeting_from_the_browser() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), maildir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let browser = cookie_client();

    // 1. The setup link creates the first admin and logs in.
    let setup = app
        .setup_link
        .clone()
        .expect("a new installation logs a setup link");
    let setup_path = setup.trim_start_matches(&app.base_url).to_owned();
    let (status, page) = app.get_with(&browser, &setup_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Skapa första administratören"));
    let created = app
        .post_with(
            &browser,
            &setup_path,
            &[
                ("name", "Sara Sekreterare"),
                ("email", "sara@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    assert_eq!(
        app.get_with(&browser, &setup_path).await.0,
        404,
        "the link works once"
    );
    let (status, dashboard) = app.get_with(&browser, "/admin").await;
    assert_eq!(status, 200);
    assert!(dashboard.contains("Sara Sekreterare"));

    // 2. Create and publish a meeting (invite-only, 20 seats).
    let starts = (chrono::Utc::now() + chrono::Duration::days(40))
        .format("%Y-%m-%d")
        .to_string();
    let created = app
        .post_with(
            &browser,
            "/admin/events",
            &[
                ("title", "Nätverksmöte i Skövde"),
                ("kind", "network-meeting"),
                ("summary", "Vårens möte."),
                ("venue_name", "Kulturhuset"),
                ("venue_address", "Trädgårdsgatan 9, Skövde"),
                ("host_municipality", "1496"),
                ("starts_at", &format!("{starts}T10:00")),
                ("ends_at", &format!("{starts}T16:00")),
                ("capacity", "20"),
                ("visibility", "invite-only"),
                ("organiser_email", "sekretariatet@example.org"),
                (
                    "programme",
                    &format!("{starts} 10:00-10:30 | Välkommen | Stora salen"),
                ),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let overview = created.location.clone().unwrap();
    let base = overview.split('?').next().unwrap().to_owned();
    assert_eq!(base, "/admin/events/natverksmote-i-skovde");
    let published = app
        .post_with(&browser, &format!("{base}/publish"), &[])
        .await;
    assert_eq!(published.status, 303);
    let (_, page) = app.get_with(&browser, &base).await;
    assert!(page.contains("Publicerat"));

    // 3. Invite three people; one bad line is shown back with its reason.
    let lines = "Anna Berg, anna@example.org, 1496\nBo Ek, bo@example.org, 2580\nCecilia Ny, cecilia@example.org, Region Gotland\nFel Rad, inte-en-adress";
    let invited = app
        .post_with(
            &browser,
            &format!("{base}/invitations"),
            &[("lines", lines)],
        )
        .await;
    assert_eq!(invited.status, 422);
    assert!(invited.body.contains("3 inbjudningar skickas"));
    assert!(invited.body.contains("E-postadressen är inte giltig"));
    assert_eq!(
        attr(&invited.body, "textarea#lines", "id").as_deref(),
        Some("lines")
    );
    assert!(
        texts(&invited.body, "textarea#lines")[0].contains("Fel Rad"),
        "the bad line is kept"
    );
    let mails = wait_for_messages(maildir.path(), 3, 30).await;
    let anna = mails
        .iter()
        .find(|m| m.to == "anna@example.org")
        .expect("Anna's invitation");
    assert!(anna.subject.starts_with("Inbjudan: Nätverksmöte i Skövde"));
    let save_the_date = read_invite(anna.calendar.as_deref().unwrap());
    assert_eq!(save_the_date.method, "PUBLISH");
    assert!(save_the_date.attendee.is_empty());
    let link = anna
        .text
        .lines()
        .find(|l| l.contains("/i/"))
        .unwrap()
        .trim()
        .to_owned();
    let invite_path = link.trim_start_matches(&app.base_url).to_owned();

    // The invite-only event is not public, but the personal link works.
    assert_eq!(app.get("/events/natverksmote-i-skovde").await.0, 404);
    let (status, form) = app.get(&invite_path).await;
    assert_eq!(status, 200);
    assert_eq!(
        attr(&form, "input#name", "value").as_deref(),
        Some("Anna Berg")
    );
    assert!(
        attr(&form, "input#email", "readonly").is_some(),
        "the email is locked"
    );
    let key = attr(&form, "input[name=submission_key]", "value").unwrap();
    let registered = app
        .post_form(
            &invite_path,
            &[
                ("submission_key", key.as_str()),
                ("name", "Anna Berg"),
                ("email", "someone-else@example.org"),
                ("municipality", "1496"),
                ("role_title", "Kommunstyrelsens ordförande"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let anna_row = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        anna_row.email, "anna@example.org",
        "the invited address is used"
    );
    let anna_invitation = invitation::Entity::find()
        .filter(invitation::Column::Email.eq("anna@example.org"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(anna_invitation.status, InvitationStatus::Registered);
    wait_for_messages(maildir.path(), 4, 30).await;

    // The municipality view counts Skövde, and Luleå as invited-but-silent.
    let (_, page) = app.get_with(&browser, &base).await;
    assert!(page.contains("1 av 19 medlemskommuner anmälda"), "{page}");

    // 4. Move the meeting by an hour: a confirmation first, then the update.
    let edit_form = [
        ("title", "Nätverksmöte i Skövde"),
        ("slug", "natverksmote-i-skovde"),
        ("kind", "network-meeting"),
        ("summary", "Vårens möte."),
        ("venue_name", "Kulturhuset"),
        ("venue_address", "Trädgårdsgatan 9, Skövde"),
        ("host_municipality", "1496"),
        ("starts_at", &format!("{starts}T11:00")),
        ("ends_at", &format!("{starts}T17:00")),
        ("capacity", "20"),
        ("visibility", "invite-only"),
        ("organiser_email", "sekretariatet@example.org"),
        (
            "programme",
            &format!("{starts} 11:00-11:30 | Välkommen | Stora salen"),
        ),
    ];
    let asked = app
        .post_with(&browser, &format!("{base}/edit"), &edit_form)
        .await;
    assert_eq!(asked.status, 200);
    assert!(
        asked
            .body
            .contains("skickar en uppdaterad kalenderinbjudan till 1 deltagare"),
        "{}",
        asked.body
    );
    let mut confirmed = edit_form.to_vec();
    confirmed.push(("confirm", "yes"));
    let saved = app
        .post_with(&browser, &format!("{base}/edit"), &confirmed)
        .await;
    assert_eq!(saved.status, 303);
    let mails = wait_for_messages(maildir.path(), 5, 30).await;
    let update = mails
        .iter()
        .find(|m| m.subject.starts_with("Ny tid eller plats"))
        .expect("the update email reached the SMTP server");
    let invite = read_invite(update.calendar.as_deref().unwrap());
    assert_eq!(invite.method, "REQUEST");
    assert_eq!(invite.sequences, vec!["1"]);
    // 11:00 in Stockholm is 09:00 or 10:00 UTC depending on summer time.
    assert!(
        invite.dtstart.ends_with("T090000Z") || invite.dtstart.ends_with("T100000Z"),
        "{}",
        invite.dtstart
    );

    // 5. Export the list and open it in a spreadsheet reader.
    let response = browser
        .get(app.url(&format!("{base}/attendees.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut workbook, 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        sheet.get_value((1, 0)).map(|c| c.to_string()).as_deref(),
        Some("Anna Berg")
    );
    assert_eq!(
        sheet.get_value((1, 3)).map(|c| c.to_string()).as_deref(),
        Some("1496")
    );

    // 6. Check Anna in at the door.
    let (_, door) = app
        .get_with(&browser, &format!("{base}/checkin?q=anna"))
        .await;
    assert!(door.contains("0 av 1 har kommit"));
    let checked = app
        .post_with(
            &browser,
            &format!("{base}/registrations/{}/checkin", anna_row.id),
            &[("q", "anna")],
        )
        .await;
    assert_eq!(checked.status, 303);
    let (_, door) = app
        .get_with(&browser, checked.location.as_deref().unwrap())
        .await;
    assert!(door.contains("1 av 1 har kommit"));
    let stored = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.checked_in_at.is_some());
}
