//! Events and registrations managed from the back-office.
use anmalan::db::entities::{audit_entry, event, registration};
use anmalan::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::mail::*;
use crate::common::*;

#[tokio::test]
async fn an_invalid_event_form_names_each_field_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let posted = app
        .post_with(
            &client,
            "/admin/events",
            &[
                ("title", "Möte"),
                ("kind", "seminar"),
                ("venue_name", ""),
                ("starts_at", "2027-04-06T10:00"),
                ("ends_at", "2027-04-06T09:00"),
                ("capacity", "många"),
                ("organiser_email", "inte en adress"),
                ("programme", "fel format"),
            ],
        )
        .await;
    assert_eq!(posted.status, 422);
    let summary = texts(&posted.body, ".error-summary li a");
    assert_eq!(summary.len(), 5, "{summary:?}");
    assert!(
        summary
            .iter()
            .any(|s| s.contains("Sluttiden måste vara efter starttiden"))
    );
    assert!(summary.iter().any(|s| s.starts_with("Rad 1 i programmet")));
    assert_eq!(
        attr(&posted.body, "#title", "value").as_deref(),
        Some("Möte")
    );
    assert_eq!(
        attr(&posted.body, "#capacity", "value").as_deref(),
        Some("många")
    );
    assert_eq!(
        attr(&posted.body, "#venue_name", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(event::Entity::find().count(&app.state.db).await.unwrap(), 0);
}

#[tokio::test]
async fn the_municipality_view_counts_members_and_lists_the_missing() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(2))).await;
    for (email, code) in [
        ("a@example.org", "2580"),
        ("b@example.org", "0882"),
        ("c@example.org", "0882"),
    ] {
        let key = new_key();
        let mut form = registration_form(&key, "P", email);
        form[3] = ("municipality", code);
        app.post_form("/events/almedalen/register", &form).await;
    }
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let (_, page) = app.get_with(&client, "/admin/events/almedalen").await;
    assert!(page.contains("2 av 19 medlemskommuner anmälda"), "{page}");
    let missing = texts(&page, "p");
    assert!(
        missing
            .iter()
            .any(|p| p.starts_with("Inte representerade än:")
                && p.contains("Arvika")
                && !p.contains("Luleå"))
    );
    let rows = texts(&page, "table.data tbody tr");
    let oskarshamn = rows.iter().find(|r| r.contains("Oskarshamn")).unwrap();
    assert!(
        oskarshamn.contains('1'),
        "one confirmed, one waitlisted: {oskarshamn}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organiser_actions_keep_capacity_and_send_their_emails() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), maildir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("litet", Some(1))).await;
    app.register("litet", "A", "a@example.org").await;
    app.register("litet", "B", "b@example.org").await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let waiting = registration::Entity::find()
        .filter(registration::Column::Email.eq("b@example.org"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let base = "/admin/events/litet";
    let promote = app
        .post_with(
            &client,
            &format!("{base}/registrations/{}/promote", waiting.id),
            &[],
        )
        .await;
    assert_eq!(
        promote.location.as_deref(),
        Some("/admin/events/litet/attendees?done=no_seat"),
        "capacity holds for organisers"
    );

    let first = registration::Entity::find()
        .filter(registration::Column::Email.eq("a@example.org"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    app.post_with(
        &client,
        &format!("{base}/registrations/{}/cancel", first.id),
        &[],
    )
    .await;
    let promoted = registration::Entity::find_by_id(waiting.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        promoted.status,
        RegistrationStatus::Confirmed,
        "cancelling passes the seat on"
    );
    app.post_with(
        &client,
        &format!("{base}/registrations/{}/resend", promoted.id),
        &[],
    )
    .await;

    let added = app
        .post_with(
            &client,
            &format!("{base}/attendees"),
            &[
                ("name", "C Hand"),
                ("email", "c@example.org"),
                ("municipality", "other"),
                ("organisation", "Region Gotland"),
                ("role_title", "Gäst"),
            ],
        )
        .await;
    assert_eq!(
        added.location.as_deref(),
        Some("/admin/events/litet/attendees?done=added")
    );
    let mails = wait_for_messages(maildir.path(), 7, 30).await;
    let subjects: Vec<(String, String)> = mails
        .iter()
        .map(|m| (m.to.clone(), m.subject.clone()))
        .collect();
    assert!(
        subjects
            .iter()
            .any(|(to, s)| to == "a@example.org" && s.starts_with("Avbokad")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|(to, s)| to == "b@example.org" && s.starts_with("Du har fått en plats"))
    );
    assert!(
        subjects
            .iter()
            .filter(|(to, s)| to == "b@example.org" && s.starts_with("Bekräftelse"))
            .count()
            == 1,
        "resent"
    );
    assert!(
        subjects
            .iter()
            .any(|(to, s)| to == "c@example.org" && s.starts_with("Väntelista")),
        "added by hand, full → waitlist"
    );
    let actions: Vec<String> = audit_entry::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    for expected in [
        "registration.cancel",
        "registration.resend",
        "registration.add",
    ] {
        assert!(actions.contains(&expected.to_owned()), "{actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_event_from_the_back_office_sends_cancel_invites() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), maildir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "A", "a@example.org").await;
    wait_for_messages(maildir.path(), 1, 30).await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let (_, confirm) = app
        .get_with(&client, "/admin/events/almedalen/cancel")
        .await;
    assert!(confirm.contains("Alla 1 anmälda får ett mejl"));
    app.post_with(&client, "/admin/events/almedalen/cancel", &[])
        .await;
    let mails = wait_for_messages(maildir.path(), 2, 30).await;
    let cancel = mails
        .iter()
        .find(|m| m.subject.starts_with("Inställt"))
        .expect("CANCEL email");
    let invite = read_invite(cancel.calendar.as_deref().unwrap());
    assert_eq!(invite.method, "CANCEL");
    assert_eq!(invite.status, "CANCELLED");
    let (_, page) = app.get("/events/almedalen").await;
    assert!(page.contains("Evenemanget är inställt."));

    let copy = app
        .post_with(&client, "/admin/events/almedalen/duplicate", &[])
        .await;
    assert_eq!(
        copy.location.as_deref(),
        Some("/admin/events/almedalen-kopia?done=duplicated")
    );
    let (_, page) = app.get_with(&client, "/admin/events/almedalen-kopia").await;
    assert!(page.contains("Utkast"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_from_a_csv_can_be_declined_and_reminded() {
    let maildir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), maildir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let csv = "\u{feff}Namn;E-post;Kommun\nAnna Berg;anna@example.org;2580\nBo Ek;bo@example.org;Region Gotland\n";
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("lista.csv"),
    );
    let response = client
        .post(app.url("/admin/events/almedalen/invitations/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["location"],
        "/admin/events/almedalen/invitations?done=invited"
    );
    let mails = wait_for_messages(maildir.path(), 2, 30).await;
    let bo = mails.iter().find(|m| m.to == "bo@example.org").unwrap();
    let link = bo
        .text
        .lines()
        .find(|l| l.contains("/i/"))
        .unwrap()
        .trim()
        .trim_start_matches(&app.base_url)
        .to_owned();
    let declined = app.post_form(&format!("{link}/decline"), &[]).await;
    assert_eq!(declined.status, 303);
    let (_, page) = app.get(&link).await;
    assert!(page.contains("Du har tackat nej"));

    let reminded = app
        .post_with(&client, "/admin/events/almedalen/invitations/remind", &[])
        .await;
    assert_eq!(
        reminded.location.as_deref(),
        Some("/admin/events/almedalen/invitations?done=reminded")
    );
    let mails = wait_for_messages(maildir.path(), 3, 30).await;
    let reminder = mails
        .iter()
        .find(|m| m.subject.starts_with("Påminnelse"))
        .expect("reminder");
    assert_eq!(
        reminder.to, "anna@example.org",
        "only those who have not answered"
    );
    let (_, page) = app
        .get_with(&client, "/admin/events/almedalen/invitations")
        .await;
    assert!(page.contains("Tackat nej") && page.contains("Inbjuden"));
}

#[tokio::test]
async fn an_organiser_edits_a_registration() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Anna", "anna@example.org").await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let row = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/admin/events/almedalen/registrations/{}", row.id);
    let (status, page) = app.get_with(&client, &path).await;
    assert_eq!(status, 200);
    assert_eq!(attr(&page, "#name", "value").as_deref(), Some("Anna"));
    let bad = app
        .post_with(&client, &path, &[("name", ""), ("role_title", "KSO")])
        .await;
    assert_eq!(bad.status, 422);
    let saved = app
        .post_with(
            &client,
            &path,
            &[
                ("name", "Anna Berg"),
                ("role_title", "KSO"),
                ("dietary_needs", "Vegan"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let row = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.name, "Anna Berg");
    assert_eq!(row.dietary_needs.as_deref(), Some("Vegan"));
}

#[tokio::test]
async fn the_overview_charts_registrations_per_day_with_a_table() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Anna", "anna@example.org").await;
    app.register("almedalen", "Bo", "bo@example.org").await;
    let event = anmalan::db::events::find_by_slug(&app.state.db, "almedalen")
        .await
        .unwrap()
        .unwrap();
    let days = anmalan::services::attendees::per_day(&app.state.db, &event)
        .await
        .unwrap();
    assert_eq!(days.len(), 1, "{days:?}");
    assert_eq!(days[0].1, 2);
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let (_, page) = app.get_with(&client, "/admin/events/almedalen").await;
    assert!(page.contains("<svg"), "server-side SVG");
    assert!(page.contains(r#"role="img""#) && page.contains("<title id=\"per-day-title\">"));
    let table = texts(&page, "figure.chart details table tbody tr");
    assert_eq!(table.len(), 1);
    assert!(table[0].ends_with('2'), "{table:?}");
    let svg_start = page.find("<svg").unwrap();
    assert!(
        page.contains("ej representerad"),
        "members without anyone are marked: {}",
        &page[svg_start..svg_start + 1500]
    );
}

#[tokio::test]
async fn moving_an_event_moves_its_programme_and_items_outside_are_refused() {
    use anmalan::services::events::ProgrammeSpec;
    let app = TestApp::spawn().await;
    let mut spec = seminar("almedalen", Some(10));
    let item = |start: chrono::NaiveDateTime, title: &str| ProgrammeSpec {
        starts_at: start,
        ends_at: Some(start + chrono::Duration::minutes(30)),
        title: title.to_owned(),
        place: None,
        key: None,
        choice: None,
    };
    spec.programme = vec![item(spec.starts_at, "Välkommen")];
    app.create_event(&spec).await;

    // The import moves the event by a day and sends the programme unchanged:
    // the programme moves with it.
    let day = chrono::Duration::days(1);
    spec.starts_at += day;
    spec.ends_at += day;
    let outcome = anmalan::services::events::import(&app.state.db, &spec)
        .await
        .unwrap();
    assert!(
        outcome.to_string().contains("the programme moved with it"),
        "{outcome}"
    );
    let stored = event::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let programme = anmalan::db::events::programme(&app.state.db, stored.id)
        .await
        .unwrap();
    assert_eq!(
        programme[0].starts_at, stored.starts_at,
        "the item follows the event"
    );

    // An item outside the event is refused, by name, and nothing changes.
    spec.programme = vec![
        item(spec.starts_at, "Välkommen"),
        item(spec.ends_at + chrono::Duration::hours(3), "Middag"),
    ];
    let refused = anmalan::services::events::import(&app.state.db, &spec)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("item 2 \"Middag\""), "{refused}");
    let programme = anmalan::db::events::programme(&app.state.db, stored.id)
        .await
        .unwrap();
    assert_eq!(programme.len(), 1);

    // The back-office form says the same in words and keeps what was typed.
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let start = spec.starts_at.format("%Y-%m-%dT%H:%M").to_string();
    let end = spec.ends_at.format("%Y-%m-%dT%H:%M").to_string();
    let late = format!(
        "{} | Middag",
        (spec.ends_at + chrono::Duration::hours(3)).format("%Y-%m-%d %H:%M")
    );
    let posted = app
        .post_with(
            &client,
            "/admin/events/almedalen/edit",
            &[
                ("title", "Seminarium"),
                ("slug", "almedalen"),
                ("kind", "seminar"),
                ("venue_name", "Visby"),
                ("starts_at", &start),
                ("ends_at", &end),
                ("capacity", "10"),
                ("visibility", "public"),
                ("organiser_email", "sekretariatet@example.org"),
                ("programme", &late),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(posted.status, 422, "{}", posted.body);
    assert!(
        posted
            .body
            .contains("Punkt 1 i programmet ligger utanför evenemangets tid.")
    );
    assert!(
        posted.body.contains("Middag"),
        "the programme is kept as typed"
    );
}
