//! The .ics downloads and add-to-calendar links.
use anmalan::db::entities::registration;
use sea_orm::EntityTrait;

use crate::common::mail::read_invite;
use crate::common::*;

async fn download(app: &TestApp, path: &str) -> (String, String, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (content_type, disposition, response.text().await.unwrap())
}

#[tokio::test]
async fn the_event_page_offers_publish_ics_and_web_calendar_links() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let (_, page) = app.get("/events/almedalen").await;
    assert_eq!(
        attr(&page, "a[download]", "href").as_deref(),
        Some("/events/almedalen/event.ics")
    );
    let google = attr(&page, "a[href^='https://calendar.google.com']", "href").unwrap();
    assert!(google.contains("action=TEMPLATE") && google.contains("dates="));
    assert!(
        attr(&page, "a[href^='https://outlook.office.com']", "href")
            .unwrap()
            .contains("startdt=")
    );

    let (content_type, disposition, ics) = download(&app, "/events/almedalen/event.ics").await;
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    assert_eq!(disposition, "attachment; filename=\"almedalen.ics\"");
    let invite = read_invite(&ics);
    assert_eq!(invite.method, "PUBLISH");
    assert!(invite.attendee.is_empty(), "no ATTENDEE in PUBLISH");
    assert!(invite.dtstart.ends_with('Z'));
}

#[tokio::test]
async fn the_feed_lists_upcoming_public_events_and_refreshes_hourly() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("ett", Some(10))).await;
    app.create_event(&seminar("tva", None)).await;
    let (content_type, _, ics) = download(&app, "/calendar.ics").await;
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    let unfolded = icalendar::parser::unfold(&ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).unwrap();
    let value = |name: &str| {
        calendar
            .properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.as_str().to_owned())
    };
    assert_eq!(value("METHOD").as_deref(), Some("PUBLISH"));
    assert_eq!(
        value("NAME").as_deref(),
        Some("Nätverket för starka industrikommuner")
    );
    assert_eq!(value("X-WR-CALNAME"), value("NAME"));
    assert_eq!(value("REFRESH-INTERVAL").as_deref(), Some("PT1H"));
    assert!(ics.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));
    assert_eq!(value("X-PUBLISHED-TTL").as_deref(), Some("PT1H"));
    assert_eq!(
        calendar
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .count(),
        2
    );
}

#[tokio::test]
async fn a_registrant_downloads_their_own_invite_which_follows_cancellation() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let manage = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    let (_, page) = app.get(&manage).await;
    assert!(page.contains(&format!("{manage}/invite.ics")));
    let stored = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();

    let (content_type, disposition, ics) = download(&app, &format!("{manage}/invite.ics")).await;
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    assert_eq!(disposition, "attachment; filename=\"invite.ics\"");
    let invite = read_invite(&ics);
    assert_eq!(invite.method, "REQUEST");
    assert_eq!(invite.uid, format!("{}@127.0.0.1", stored.id));
    assert_eq!(invite.sequences, vec!["0"]);
    assert_eq!(invite.attendee, "mailto:anna@example.org");
    assert!(invite.description.contains(&manage));

    app.post_form(&format!("{manage}/cancel"), &[]).await;
    let (_, _, ics) = download(&app, &format!("{manage}/invite.ics")).await;
    let cancelled = read_invite(&ics);
    assert_eq!(cancelled.method, "CANCEL");
    assert_eq!(cancelled.status, "CANCELLED");
    assert_eq!(cancelled.uid, invite.uid);
    assert_eq!(cancelled.sequences, vec!["1"]);
}

#[tokio::test]
async fn an_event_cancelled_by_import_raises_its_public_sequence_like_the_back_office() {
    let app = TestApp::spawn().await;
    let mut spec = seminar("almedalen", Some(10));
    app.create_event(&spec).await;
    assert_eq!(
        app.register("almedalen", "Anna", "anna@example.org")
            .await
            .status,
        303
    );
    let (_, _, before) = download(&app, "/events/almedalen/event.ics").await;
    let before = read_invite(&before);
    assert_eq!(
        (before.sequences.as_slice(), before.status.as_str()),
        (&["0".to_owned()][..], "CONFIRMED")
    );

    // `anmalan event import` with status = "cancelled": the same path as the
    // back-office's cancel button.
    spec.status = EventStatus::Cancelled;
    app.create_event(&spec).await;
    let (_, _, after) = download(&app, "/events/almedalen/event.ics").await;
    let after = read_invite(&after);
    assert_eq!(after.status, "CANCELLED");
    assert_eq!(
        after.sequences,
        vec!["1"],
        "calendars that subscribed see the change"
    );
    let kinds = app.outbox_kinds().await;
    assert!(kinds.contains(&MessageKind::EventCancelled), "{kinds:?}");
}
