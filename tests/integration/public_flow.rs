//! A person finds an event, registers, sees the manage page, edits, cancels.
use anmalan::db::entities::registration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::*;

#[tokio::test]
async fn a_person_registers_edits_and_cancels_in_swedish() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(80))).await;

    let (status, home) = app.get("/").await;
    assert_eq!(status, 200);
    assert!(texts(&home, "h1").contains(&"Kommande evenemang".to_owned()));
    assert!(home.contains("/events/almedalen"));

    let (status, page) = app.get("/events/almedalen").await;
    assert_eq!(status, 200);
    assert_eq!(attr(&page, "html", "lang").as_deref(), Some("sv"));
    assert!(page.contains("80 platser kvar"));
    assert!(page.contains(" kl. "), "Swedish time style: {page}");
    let key = attr(&page, "input[name=submission_key]", "value").expect("form has a key");
    assert_eq!(
        texts(&page, "select#municipality option").len(),
        19 + 2,
        "the 19 members, a prompt and another organisation"
    );

    let posted = app
        .post_form(
            "/events/almedalen/register",
            &registration_form(&key, "Anna Berg", "Anna.Berg@example.org"),
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let manage = posted.manage_path();
    assert!(manage.starts_with("/r/"));

    let response = app
        .client
        .get(app.url(posted.location.as_deref().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let page = response.text().await.unwrap();
    assert!(page.contains("Tack! Din anmälan är registrerad."));
    assert!(page.contains("Bekräftad"));
    assert!(page.contains("Anna.Berg@example.org"));
    assert!(page.contains("Luleå"));
    assert!(page.contains(r#"<meta name="robots" content="noindex, nofollow">"#));

    let edited = app
        .post_form(
            &manage,
            &[
                ("name", "Anna Berg-Lind"),
                ("role_title", "Kommundirektör"),
                ("phone", "070-123 45 67"),
                ("dietary_needs", "Glutenfri"),
                ("accessibility_needs", "Hörslinga"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303);
    let (_, page) = app.get(edited.location.as_deref().unwrap()).await;
    assert!(page.contains("Dina ändringar är sparade."));
    assert_eq!(
        attr(&page, "input#name", "value").as_deref(),
        Some("Anna Berg-Lind")
    );
    assert_eq!(
        texts(&page, "textarea#accessibility_needs"),
        vec!["Hörslinga"]
    );

    let (status, confirm) = app.get(&format!("{manage}/cancel")).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Vill du avboka?"));
    let cancelled = app.post_form(&format!("{manage}/cancel"), &[]).await;
    assert_eq!(cancelled.status, 303);
    let (_, page) = app.get(cancelled.location.as_deref().unwrap()).await;
    assert!(page.contains("Din anmälan är avbokad."));
    assert!(page.contains("Avbokad."));
    assert!(
        !page.contains("Spara ändringar"),
        "a cancelled registration has no edit form"
    );
    // An edit sent from a page opened before the cancellation (another tab,
    // the Back button) saves nothing and says why.
    let late = app
        .post_form(
            &manage,
            &[("name", "Anna Ny"), ("role_title", "Kommundirektör")],
        )
        .await;
    assert_eq!(late.status, 303);
    let (_, page) = app.get(late.location.as_deref().unwrap()).await;
    assert!(
        page.contains("Din anmälan är avbokad, så ändringarna sparades inte."),
        "the edit is refused in words"
    );
    assert!(!page.contains("Dina ändringar är sparade."));
    assert!(!page.contains("Anna Ny"));

    let (_, event_page) = app.get("/events/almedalen").await;
    assert!(
        event_page.contains("80 platser kvar"),
        "the seat is free again"
    );
}

#[tokio::test]
async fn the_same_pages_speak_english_when_asked() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(80))).await;

    let response = app
        .client
        .get(app.url("/events/almedalen"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let page = response.text().await.unwrap();
    assert_eq!(attr(&page, "html", "lang").as_deref(), Some("en"));
    assert!(page.contains("80 seats left"));
    assert!(page.contains("Programme") || page.contains("Registration"));
    assert!(texts(&page, "button").contains(&"Register".to_owned()));

    // The visible switch sets a cookie that later pages honour.
    let response = app.client.get(app.url("/?lang=en")).send().await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("lang=en"));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let page = app
        .client
        .get(app.url("/events/almedalen"))
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Upcoming") || page.contains("80 seats left"));

    // Swedish is the default, with a link to English.
    let (_, page) = app.get("/").await;
    assert_eq!(
        attr(&page, "a[hreflang=en]", "href").as_deref(),
        Some("/?lang=en")
    );

    // A registration made in English stays English on its manage page.
    let key = new_key();
    let posted = app
        .post_form(
            "/events/almedalen/register?lang=en",
            &registration_form(&key, "Ann Smith", "ann@example.org"),
        )
        .await;
    assert_eq!(posted.status, 303);
    let stored = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.locale, "en");
    let page = app
        .client
        .get(app.url(posted.location.as_deref().unwrap()))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Thank you! Your registration is recorded."));
}

#[tokio::test]
async fn the_back_button_key_with_another_persons_data_registers_that_person() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    let anna = app
        .post_form(
            "/events/almedalen/register",
            &registration_form(&key, "Anna Berg", "anna@example.org"),
        )
        .await;
    assert_eq!(anna.status, 303);
    // Back, the restored page keeps the key; Bo is typed in and sent.
    let bo_form = registration_form(&key, "Bo Ek", "bo@example.org");
    let bo = app.post_form("/events/almedalen/register", &bo_form).await;
    assert_eq!(bo.status, 303);
    assert_ne!(bo.location, anna.location, "Bo never sees Anna's page");
    let (_, page) = app.get(bo.location.as_deref().unwrap()).await;
    assert!(page.contains("bo@example.org") && !page.contains("anna@example.org"));
    let emails: Vec<String> = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.email)
        .collect();
    assert_eq!(emails.len(), 2, "both are registered: {emails:?}");
    // Bo's double click replays Bo's submission.
    let again = app.post_form("/events/almedalen/register", &bo_form).await;
    assert_eq!(again.location, bo.location);
}

#[tokio::test]
async fn submitting_the_same_form_twice_keeps_one_registration() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    let form = registration_form(&key, "Anna Berg", "anna@example.org");
    let (first, second) = tokio::join!(
        app.post_form("/events/almedalen/register", &form),
        app.post_form("/events/almedalen/register", &form),
    );
    let third = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(first.status, 303);
    assert_eq!(second.status, 303);
    assert_eq!(
        first.location, second.location,
        "both clicks lead to the same page"
    );
    assert_eq!(first.location, third.location);
    let rows = registration::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let (_, page) = app.get("/events/almedalen").await;
    assert!(page.contains("9 platser kvar"));
}

#[tokio::test]
async fn registering_twice_with_the_same_email_keeps_one_registration_and_hides_the_link() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let first = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await;
    assert_eq!(first.status, 303);

    let second = app
        .register("almedalen", "Someone Else", "ANNA@example.org ")
        .await;
    assert_eq!(second.status, 200);
    assert!(second.body.contains("Du är redan anmäld"));
    assert!(second.body.contains("Vi skickar länken"));
    assert!(
        !second.body.contains("/r/"),
        "the page never reveals a manage link"
    );
    assert!(second.location.is_none());

    let rows = registration::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let kinds = app.outbox_kinds().await;
    assert!(
        kinds.contains(&MessageKind::LinkAgain),
        "the link is emailed: {kinds:?}"
    );

    // Typing someone's address never breaks their link: it still opens
    // the registration, beside the new one the email carries.
    let (status, _) = app.get(&first.manage_path()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn every_link_an_email_carried_keeps_working_until_the_registrant_revokes_or_erases() {
    let app = TestApp::spawn().await;
    let mut spec = seminar("almedalen", Some(10));
    app.create_event(&spec).await;
    let first = app.register("almedalen", "Anna", "anna@example.org").await;
    let link = first.manage_path();
    let id = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let links = || anmalan::db::registrations::link_count(&app.state.db, id);

    // "Send my link again", then the event moves: each email carries a new
    // link, and the first one still works (and its invite.ics).
    app.register("almedalen", "Anna", "anna@example.org").await;
    spec.venue_name = "Donners plats".into();
    app.create_event(&spec).await;
    assert_eq!(links().await.unwrap(), 3);
    assert_eq!(app.get(&link).await.0, 200);
    assert_eq!(app.get(&format!("{link}/invite.ics")).await.0, 200);

    // The registrant makes every other link stop working; theirs works.
    let revoked = app.post_form(&format!("{link}/links/revoke"), &[]).await;
    assert_eq!(revoked.status, 303);
    let (_, page) = app.get(revoked.location.as_deref().unwrap()).await;
    assert!(page.contains("Alla andra länkar är nu ogiltiga."));
    assert_eq!(links().await.unwrap(), 1);
    assert_eq!(app.get(&link).await.0, 200);

    // Erasing the registration ends every link.
    assert_eq!(
        app.post_form(&format!("{link}/delete"), &[]).await.status,
        200
    );
    assert_eq!(links().await.unwrap(), 0);
    assert_eq!(app.get(&link).await.0, 404);
}

#[tokio::test]
async fn a_full_event_puts_people_on_the_waitlist_and_a_cancellation_promotes_the_first() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("litet", Some(2))).await;
    let a = app.register("litet", "A", "a@example.org").await;
    let _b = app.register("litet", "B", "b@example.org").await;
    let (_, page) = app.get("/events/litet").await;
    assert!(page.contains("Fullt – du kan ställa dig på väntelistan"));
    assert!(texts(&page, "button").contains(&"Ställ mig på väntelistan".to_owned()));

    let c = app.register("litet", "C", "c@example.org").await;
    let d = app.register("litet", "D", "d@example.org").await;
    let (_, page) = app.get(c.location.as_deref().unwrap()).await;
    assert!(
        page.contains("Du står på väntelistan på plats 1."),
        "{page}"
    );
    let (_, page) = app.get(&d.manage_path()).await;
    assert!(page.contains("På väntelistan, plats 2."));

    app.post_form(&format!("{}/cancel", a.manage_path()), &[])
        .await;

    let promoted = registration::Entity::find()
        .filter(registration::Column::Email.eq("c@example.org"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        promoted.status,
        RegistrationStatus::Confirmed,
        "the first on the waitlist got the seat"
    );
    // The promotion email carries a new link, and the waitlist email's link
    // keeps working: it now shows the seat.
    let (status, page) = app.get(&c.manage_path()).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bekräftad"), "the old link shows the seat");
    let (_, page) = app.get(&d.manage_path()).await;
    assert!(page.contains("På väntelistan, plats 1."));
    let confirmed = registration::Entity::find()
        .filter(registration::Column::Status.eq("confirmed"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(confirmed, 2);
    let kinds = app.outbox_kinds().await;
    assert!(kinds.contains(&MessageKind::Promoted));
    assert!(kinds.contains(&MessageKind::Cancelled));
}

#[tokio::test]
async fn closed_cancelled_not_yet_open_and_invite_only_events_say_so() {
    use anmalan::domain::event::{EventStatus, Visibility};
    use chrono::{Duration, Utc};
    let app = TestApp::spawn().await;

    let mut closed = seminar("stangd", Some(10));
    closed.registration_closes_at = Some((Utc::now() - Duration::days(1)).naive_utc());
    app.create_event(&closed).await;
    let mut cancelled = seminar("installt", Some(10));
    cancelled.status = EventStatus::Cancelled;
    app.create_event(&cancelled).await;
    let mut later = seminar("senare", Some(10));
    later.registration_opens_at = Some((Utc::now() + Duration::days(3)).naive_utc());
    app.create_event(&later).await;
    let mut invite_only = seminar("inbjudan", Some(10));
    invite_only.visibility = Visibility::InviteOnly;
    app.create_event(&invite_only).await;

    for (slug, message) in [
        ("stangd", "Anmälan är stängd."),
        ("installt", "Evenemanget är inställt."),
        ("senare", "Anmälan öppnar "),
    ] {
        let (status, page) = app.get(&format!("/events/{slug}")).await;
        assert_eq!(status, 200);
        assert!(page.contains(message), "{slug}: {message}");
        assert!(
            !page.contains("name=\"submission_key\""),
            "{slug} shows no form"
        );
        let posted = app.register(slug, "Anna", "anna@example.org").await;
        assert_eq!(posted.status, 409, "{slug} refuses registrations");
        assert!(posted.body.contains(message));
    }

    let (status, page) = app.get("/events/inbjudan").await;
    assert_eq!(status, 404);
    assert!(page.contains("Sidan finns inte"));
    assert_eq!(
        app.register("inbjudan", "Anna", "anna@example.org")
            .await
            .status,
        404
    );
    let (_, home) = app.get("/").await;
    assert!(
        !home.contains("/events/inbjudan"),
        "invite-only events are not listed"
    );
    assert!(
        home.contains("/events/installt"),
        "cancelled events stay listed, marked"
    );

    let rows = registration::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn an_unknown_token_gives_a_real_404_page() {
    let app = TestApp::spawn().await;
    for path in [
        "/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/r/nonsense",
        "/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/cancel",
        "/no/such/page",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = response.text().await.unwrap();
        assert!(page.contains("Sidan finns inte"), "{path}");
    }
    let response = app
        .client
        .get(app.url("/nope"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn a_cached_event_page_still_gives_every_visitor_their_own_form_key() {
    let app = TestApp::spawn_with(&[("ANMALAN__SERVER__PAGE_CACHE_MS", "60000")]).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let (status, first) = app.get("/events/almedalen").await;
    assert_eq!(status, 200);
    let (_, second) = app.get("/events/almedalen").await;
    let key = |page: &str| attr(page, "input[name=submission_key]", "value").unwrap();
    assert_ne!(key(&first), key(&second), "a fresh key per request");
    assert_eq!(
        first.replace(&key(&first), ""),
        second.replace(&key(&second), ""),
        "the rest of the page is reused"
    );
    assert!(!second.contains("placeholder"));
    let (_, english) = app.get("/events/almedalen?lang=en").await;
    assert!(
        english.contains("lang=\"en\""),
        "each language has its own page"
    );
    // A key from a cached page registers, once.
    let second_key = key(&second);
    let form = registration_form(&second_key, "Anna Berg", "anna@example.org");
    let posted = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(posted.status, 303);
    let again = app.post_form("/events/almedalen/register", &form).await;
    assert_eq!(again.location, posted.location, "the same registration");
}
