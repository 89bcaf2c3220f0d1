//! Delegations through HTTP: a contact registers several colleagues in one
//! form; seats go in the order listed under the same rules as one
//! registration (event, items); each colleague gets their own email, link
//! and invite and is told who registered them; duplicates are reported
//! person by person; the contact's page shows who has a place, who waits
//! and what is missing, and adds and cancels colleagues. The same form sent
//! twice registers nobody twice.
use anmalan::db::entities::{delegation, registration};
use anmalan::domain::choice::ChoiceStatus;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::choices::{choices_of_item, items, meeting, registration_by_email};
use crate::common::mail::*;
use crate::common::*;

/// A delegation form: the contact, then one row per colleague (name,
/// address, role), each with the item ids ticked.
pub(crate) fn delegation_form(
    key: &str,
    contact: (&str, &str),
    members: &[(&str, &str, &str, &[i32])],
) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = vec![
        ("submission_key".into(), key.into()),
        ("contact_name".into(), contact.0.into()),
        ("contact_email".into(), contact.1.into()),
        ("municipality".into(), "2580".into()),
        ("organisation".into(), String::new()),
        ("rows".into(), members.len().max(4).to_string()),
        ("consent".into(), "yes".into()),
    ];
    for (i, (name, email, role, ticked)) in members.iter().enumerate() {
        let row = i + 1;
        form.push((format!("m{row}-name"), (*name).into()));
        form.push((format!("m{row}-email"), (*email).into()));
        form.push((format!("m{row}-role"), (*role).into()));
        for id in *ticked {
            form.push((format!("m{row}-choice-{id}"), "yes".into()));
        }
    }
    form
}

pub(crate) async fn post_pairs(app: &TestApp, path: &str, form: &[(String, String)]) -> Posted {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(path, &pairs).await
}

/// The delegation's page path (`/d/{token}`), from a page that has its
/// "add colleagues" form.
pub(crate) fn page_path(body: &str) -> String {
    let action = attr(body, "form[action$='/add']", "action").expect("the add form");
    action.trim_end_matches("/add").to_owned()
}

/// The path of the first link in `mail` under `/{prefix}/`.
fn link_in(mail: &Email, base_url: &str, prefix: &str) -> String {
    let start = mail
        .text
        .find(&format!("{base_url}/{prefix}/"))
        .unwrap_or_else(|| panic!("a /{prefix}/ link in {}", mail.text));
    mail.text[start + base_url.len()..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

async fn delegation_members(app: &TestApp) -> Vec<registration::Model> {
    registration::Entity::find()
        .filter(registration::Column::DelegationId.is_not_null())
        .order_by_asc(registration::Column::CreatedAt)
        .order_by_asc(registration::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

const CONTACT: (&str, &str) = ("Eva Ek", "eva.ek@example.org");

#[tokio::test]
async fn a_delegation_of_four_for_two_seats_left_confirms_two_and_waitlists_two() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("natverk", Some(3))).await;
    app.register("natverk", "Zara Öst", "zara@example.org")
        .await;

    let (status, form_page) = app.get("/events/natverk/delegation").await;
    assert_eq!(status, 200);
    let key = attr(&form_page, "input[name=submission_key]", "value").unwrap();
    let (_, event_page) = app.get("/events/natverk").await;
    assert!(
        event_page.contains("/events/natverk/delegation"),
        "the event page links to the delegation form"
    );

    let form = delegation_form(
        &key,
        CONTACT,
        &[
            (
                "Anna Berg",
                "anna@example.org",
                "Kommunstyrelsens ordförande",
                &[],
            ),
            ("Bo Ek", "bo@example.org", "Kommundirektör", &[]),
            ("Cissi Dahl", "cissi@example.org", "Näringslivschef", &[]),
            ("Dan Falk", "dan@example.org", "Ekonomichef", &[]),
        ],
    );
    let posted = post_pairs(&app, "/events/natverk/delegation", &form).await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let results = texts(&posted.body, ".delegation-results li");
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(results[0].starts_with("Anna Berg") && results[0].ends_with("har fått plats"));
    assert!(results[1].starts_with("Bo Ek") && results[1].ends_with("har fått plats"));
    assert!(
        results[2].ends_with("står på väntelistan, plats 1"),
        "{results:?}"
    );
    assert!(
        results[3].ends_with("står på väntelistan, plats 2"),
        "{results:?}"
    );

    // Each is a full registration of their own, in the order listed.
    let members = delegation_members(&app).await;
    let seen: Vec<(&str, RegistrationStatus, Option<i32>)> = members
        .iter()
        .map(|m| (m.email.as_str(), m.status, m.waitlist_order))
        .collect();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].1, RegistrationStatus::Confirmed);
    assert_eq!(seen[1].1, RegistrationStatus::Confirmed);
    assert_eq!(
        (seen[2].0, seen[2].1),
        ("cissi@example.org", RegistrationStatus::Waitlisted)
    );
    assert_eq!(
        (seen[3].0, seen[3].1),
        ("dan@example.org", RegistrationStatus::Waitlisted)
    );
    assert!(seen[2].2 < seen[3].2, "waitlisted in the order listed");
    assert!(
        members
            .iter()
            .all(|m| m.municipality_code.as_deref() == Some("2580"))
    );

    // One email each, and one to the contact.
    let mails = wait_for_messages(dir.path(), 6, 20).await;
    assert_eq!(mails.len(), 6);
    let mut links = Vec::new();
    for member in &members {
        let mail = mails
            .iter()
            .find(|m| m.to == member.email)
            .unwrap_or_else(|| panic!("an email to {}", member.email));
        assert!(
            mail.text
                .contains("Du anmäldes av Eva Ek (eva.ek@example.org)"),
            "{}",
            mail.text
        );
        let link = link_in(mail, &app.base_url, "r");
        assert!(!links.contains(&link), "a link of their own");
        links.push(link.clone());
        let (status, page) = app.get(&link).await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&member.email),
            "the link opens their own page"
        );
        match member.status {
            RegistrationStatus::Confirmed => {
                assert!(mail.subject.starts_with("Bekräftelse"), "{}", mail.subject);
                let invite = read_invite(mail.calendar.as_deref().expect("an invite"));
                assert_eq!(invite.method, "REQUEST");
                assert_eq!(invite.uid, format!("{}@127.0.0.1", member.id));
                assert_eq!(invite.attendee, format!("mailto:{}", member.email));
            }
            _ => {
                assert!(mail.calendar.is_none(), "no invite while waiting");
                assert!(mail.text.contains("väntelistan"), "{}", mail.text);
            }
        }
    }
    let to_contact = mails
        .iter()
        .find(|m| m.to == CONTACT.1)
        .expect("the contact's email");
    assert!(
        to_contact.subject.starts_with("Din delegation"),
        "{}",
        to_contact.subject
    );
    assert!(to_contact.calendar.is_none());
    let page_link = link_in(to_contact, &app.base_url, "d");
    assert_eq!(page_link, page_path(&posted.body));

    // The contact's page: who has a place, who waits.
    let (status, page) = app.get(&page_link).await;
    assert_eq!(status, 200);
    let statuses = texts(&page, "table.data tbody td[data-label=Status]");
    assert_eq!(
        statuses,
        [
            "Har plats",
            "Har plats",
            "På väntelistan, plats 1",
            "På väntelistan, plats 2"
        ]
    );

    // The same form again (Back and send): nobody twice, no new email.
    let again = post_pairs(&app, "/events/natverk/delegation", &form).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(page_path(&again.body), page_link, "the same delegation");
    assert_eq!(texts(&again.body, ".delegation-results li"), results);
    assert_eq!(delegation_members(&app).await.len(), 4);
    assert_eq!(
        delegation::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(received(dir.path()).len(), 6, "no email twice");
}

#[tokio::test]
async fn errors_are_reported_row_by_row_with_the_input_kept_and_duplicates_person_by_person() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("rader", Some(10))).await;

    let key = new_key();
    let form = delegation_form(
        &key,
        ("Eva Ek", ""),
        &[
            ("Anna Berg", "anna@example.org", "Ordförande", &[]),
            ("Bo Ek", "bo@exempel", "Kommundirektör", &[]),
            ("Cissi Dahl", "cissi@example.org", "", &[]),
            ("Anna B", "ANNA@example.org", "Ordförande", &[]),
        ],
    );
    let posted = post_pairs(&app, "/events/rader/delegation", &form).await;
    assert_eq!(posted.status, 422);
    let summary = texts(&posted.body, ".error-summary li");
    assert_eq!(
        summary,
        [
            "Skriv din e-postadress.",
            "Kollega 2: Skriv en e-postadress som namn@exempel.se.",
            "Kollega 3: Skriv kollegans roll eller titel.",
            "Kollega 4: Samma e-postadress står på en tidigare rad. Varje kollega behöver en egen adress.",
        ]
    );
    let links: Vec<String> = html(&posted.body)
        .select(&scraper::Selector::parse(".error-summary a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert_eq!(
        links,
        ["#contact_email", "#m2-email", "#m3-role", "#m4-email"]
    );
    for (id, value) in [
        ("#contact_name", "Eva Ek"),
        ("#m1-name", "Anna Berg"),
        ("#m2-email", "bo@exempel"),
        ("#m4-email", "ANNA@example.org"),
    ] {
        assert_eq!(
            attr(&posted.body, id, "value").as_deref(),
            Some(value),
            "{id}"
        );
    }
    assert_eq!(
        attr(&posted.body, "#m2-email", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(attr(&posted.body, "#m1-email", "aria-invalid"), None);
    assert_eq!(
        attr(&posted.body, "input[name=submission_key]", "value").as_deref(),
        Some(key.as_str()),
        "the same key, so a corrected form is still one submission"
    );
    assert_eq!(delegation_members(&app).await.len(), 0, "nothing stored");
    assert_eq!(
        delegation::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // "More rows" shows the form again with everything typed, and more.
    let mut more = form.clone();
    more.push(("more".into(), "1".into()));
    let shown = post_pairs(&app, "/events/rader/delegation", &more).await;
    assert_eq!(shown.status, 200);
    assert_eq!(
        texts(&shown.body, "fieldset.delegation-member legend").len(),
        8
    );
    assert_eq!(
        attr(&shown.body, "#m3-name", "value").as_deref(),
        Some("Cissi Dahl")
    );
    assert!(texts(&shown.body, ".error-summary li").is_empty());

    // Anna registered herself meanwhile: she is reported, and mailed her
    // own link again; the others are registered.
    let anna = app.register("rader", "Anna Berg", "anna@example.org").await;
    assert_eq!(anna.status, 303);
    let form = delegation_form(
        &new_key(),
        CONTACT,
        &[
            ("Anna Berg", "anna@example.org", "Ordförande", &[]),
            ("Bo Ek", "bo@example.org", "Kommundirektör", &[]),
        ],
    );
    let posted = post_pairs(&app, "/events/rader/delegation", &form).await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let results = texts(&posted.body, ".delegation-results li");
    assert_eq!(
        results,
        [
            "Anna Berg (anna@example.org): var redan anmäld; hen har fått sin länk igen",
            "Bo Ek (bo@example.org): har fått plats",
        ]
    );
    let members = delegation_members(&app).await;
    assert_eq!(members.len(), 1, "Anna's own registration stays her own");
    assert_eq!(members[0].email, "bo@example.org");
    assert_eq!(
        registration_by_email(&app, "anna@example.org")
            .await
            .delegation_id,
        None
    );
    let mails = wait_for_messages(dir.path(), 4, 20).await;
    let to_anna: Vec<&Email> = mails
        .iter()
        .filter(|m| m.to == "anna@example.org")
        .collect();
    assert_eq!(to_anna.len(), 2, "her confirmation, then her link again");
}

#[tokio::test]
async fn the_contact_sees_what_is_missing_and_adds_and_cancels_colleagues() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    // Three seats; the study visit has one, the dinner is a meal.
    app.create_event(&meeting("lulea-dag", Some(3), 1, 40))
        .await;
    let all = items(&app).await;
    let (visit, dinner) = (
        all["Studiebesök på datacenter"].id,
        all["Nätverksmiddag"].id,
    );
    let form = delegation_form(
        &new_key(),
        CONTACT,
        &[
            (
                "Anna Berg",
                "anna@example.org",
                "Ordförande",
                &[visit, dinner],
            ),
            ("Bo Ek", "bo@example.org", "Kommundirektör", &[visit]),
            ("Cissi Dahl", "cissi@example.org", "Näringslivschef", &[]),
            ("Dan Falk", "dan@example.org", "Ekonomichef", &[]),
        ],
    );
    let posted = post_pairs(&app, "/events/lulea-dag/delegation", &form).await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let page = page_path(&posted.body);

    // The visit's one seat went to the first listed; Bo queues for it.
    let anna = registration_by_email(&app, "anna@example.org").await;
    let bo = registration_by_email(&app, "bo@example.org").await;
    let on_visit = choices_of_item(&app, visit).await;
    let status_of = |id| {
        on_visit
            .iter()
            .find(|c| c.registration_id == id)
            .map(|c| c.status)
    };
    assert_eq!(status_of(anna.id), Some(ChoiceStatus::Confirmed));
    assert_eq!(status_of(bo.id), Some(ChoiceStatus::Waitlisted));

    // Anna eats at the dinner and has not said what: the contact sees it.
    let (_, body) = app.get(&page).await;
    let missing = texts(&body, "table.data tbody td[data-label=Saknas]");
    assert_eq!(missing, ["Kost", "Inget", "Inget", "Inget"]);

    // Anna fills it in through her own link; then nothing is missing.
    let mails = wait_for_messages(dir.path(), 5, 20).await;
    let to_anna = mails.iter().find(|m| m.to == "anna@example.org").unwrap();
    let anna_link = link_in(to_anna, &app.base_url, "r");
    let saved = app
        .post_form(
            &anna_link,
            &[
                ("name", "Anna Berg"),
                ("role_title", "Ordförande"),
                ("phone", ""),
                ("dietary_needs", ""),
                ("accessibility_needs", ""),
                ("diet", "vegetarian"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, body) = app.get(&page).await;
    let missing = texts(&body, "table.data tbody td[data-label=Saknas]");
    assert_eq!(missing, ["Inget", "Inget", "Inget", "Inget"]);

    // The contact cancels Bo: a confirmation step, then Dan moves up.
    let (status, confirm) = app.get(&format!("{page}/cancel/{}", bo.id)).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Avboka Bo Ek?"), "{confirm}");
    let cancelled = app
        .post_form(&format!("{page}/cancel/{}", bo.id), &[])
        .await;
    assert_eq!(cancelled.status, 303);
    assert_eq!(
        cancelled.location.as_deref(),
        Some(format!("{page}?cancelled={}", bo.id).as_str())
    );
    let (_, body) = app.get(cancelled.location.as_deref().unwrap()).await;
    assert!(body.contains("Anmälan för Bo Ek är avbokad"), "{body}");
    assert_eq!(
        registration_by_email(&app, "bo@example.org").await.status,
        RegistrationStatus::Cancelled
    );
    assert_eq!(
        registration_by_email(&app, "dan@example.org").await.status,
        RegistrationStatus::Confirmed,
        "the next on the waitlist moved up"
    );
    let mails = wait_for_messages(dir.path(), 7, 20).await;
    let bo_cancel = mails
        .iter()
        .find(|m| m.to == "bo@example.org" && m.mime_method.as_deref() == Some("CANCEL"))
        .expect("Bo's CANCEL");
    assert_eq!(
        read_invite(bo_cancel.calendar.as_deref().unwrap()).uid,
        format!("{}@127.0.0.1", bo.id)
    );

    // The contact adds a colleague from the page: the event is full again.
    let (_, body) = app.get(&page).await;
    let key = attr(
        &body,
        "form[action$='/add'] input[name=submission_key]",
        "value",
    )
    .unwrap();
    let mut add: Vec<(String, String)> =
        vec![("submission_key".into(), key), ("rows".into(), "2".into())];
    add.extend(
        [
            ("m1-name", "Eli Gran"),
            ("m1-email", "eli@example.org"),
            ("m1-role", "Planeringschef"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let added = post_pairs(&app, &format!("{page}/add"), &add).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(
        texts(&added.body, ".delegation-results li"),
        ["Eli Gran (eli@example.org): står på väntelistan, plats 1"]
    );
    let eli = registration_by_email(&app, "eli@example.org").await;
    assert_eq!(eli.municipality_code.as_deref(), Some("2580"));
    assert_eq!(eli.delegation_id, anna.delegation_id);

    // A colleague of another delegation, or an unknown link, is not found.
    let (status, _) = app.get("/d/not-a-token").await;
    assert_eq!(status, 404);
    let stranger = app
        .register("lulea-dag", "Fia Holm", "fia@example.org")
        .await;
    assert_eq!(stranger.status, 303);
    let fia = registration_by_email(&app, "fia@example.org").await;
    let refused = app
        .post_form(&format!("{page}/cancel/{}", fia.id), &[])
        .await;
    assert_eq!(refused.status, 404);
    assert_ne!(
        registration_by_email(&app, "fia@example.org").await.status,
        RegistrationStatus::Cancelled
    );

    // The colleague's data download says who registered them.
    let (status, data) = app.get(&format!("{anna_link}/data.json")).await;
    assert_eq!(status, 200);
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        data["registration"]["registered_by"]["email"],
        "eva.ek@example.org"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_racing_on_delegations_keep_the_seats_and_register_each_colleague_once() {
    use anmalan::db::entities::outbox;
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    first.create_event(&seminar("kapplopning", Some(3))).await;
    let people: Vec<(String, String)> = (1..=6)
        .map(|i| (format!("Person {i}"), format!("p{i}@example.org")))
        .collect();
    let rows = |range: std::ops::Range<usize>| -> Vec<(&str, &str, &str, &[i32])> {
        people[range]
            .iter()
            .map(|(n, e)| (n.as_str(), e.as_str(), "Handläggare", &[][..]))
            .collect()
    };
    // The same form sent to both instances at once (a retry through a
    // load balancer), and a second delegation competing for the seats.
    let key = new_key();
    let same = delegation_form(&key, CONTACT, &rows(0..4));
    let other = delegation_form(&new_key(), ("Olle Ny", "olle@example.org"), &rows(4..6));
    let (a, b, c) = tokio::join!(
        post_pairs(&first, "/events/kapplopning/delegation", &same),
        post_pairs(&second, "/events/kapplopning/delegation", &same),
        post_pairs(&second, "/events/kapplopning/delegation", &other),
    );
    for posted in [&a, &b, &c] {
        assert_eq!(posted.status, 200, "{}", posted.body);
    }
    assert_eq!(page_path(&a.body), page_path(&b.body), "one delegation");
    assert_eq!(
        delegation::Entity::find()
            .count(&first.state.db)
            .await
            .unwrap(),
        2
    );
    let members = delegation_members(&first).await;
    assert_eq!(members.len(), 6, "each colleague once");
    let confirmed = members
        .iter()
        .filter(|m| m.status == RegistrationStatus::Confirmed)
        .count();
    assert_eq!(confirmed, 3, "never more than the seats");
    let mut places: Vec<i32> = members.iter().filter_map(|m| m.waitlist_order).collect();
    places.sort_unstable();
    places.dedup();
    assert_eq!(places.len(), 3, "unique waitlist places");
    // Within a delegation, seats go in the order listed: nobody has a seat
    // while someone listed before them waits, and those who wait queue in
    // the order listed. (Which instance registered whom, and so each row's
    // creation time, is up to the race.)
    let mut listed: Vec<&registration::Model> = members
        .iter()
        .filter(|m| m.email.as_str() <= "p4@example.org")
        .collect();
    listed.sort_by(|a, b| a.email.cmp(&b.email));
    assert_eq!(listed.len(), 4);
    for (i, earlier) in listed.iter().enumerate() {
        for later in &listed[i + 1..] {
            assert!(
                !(earlier.status == RegistrationStatus::Waitlisted
                    && later.status == RegistrationStatus::Confirmed),
                "{} waits while {} has a seat",
                earlier.email,
                later.email
            );
            if let (Some(a), Some(b)) = (earlier.waitlist_order, later.waitlist_order) {
                assert!(a < b, "{} queued after {}", earlier.email, later.email);
            }
        }
    }
    // One email per colleague and one per contact, none twice.
    let emails = outbox::Entity::find().count(&first.state.db).await.unwrap();
    assert_eq!(emails, 6 + 2);
}
