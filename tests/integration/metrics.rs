//! `/metrics` is scraped like Prometheus would, and guarded.
use crate::common::*;

#[tokio::test]
async fn metrics_are_scraped_from_an_allowed_address() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    assert_eq!(
        app.register("almedalen", "Anna", "anna@example.org")
            .await
            .status,
        303
    );
    app.get("/events/almedalen").await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for expected in [
        "http_requests_total{",
        r#"route="/events/{slug}/register""#,
        r#"status="303""#,
        "http_request_duration_seconds",
        r#"registrations_total{outcome="registered"}"#,
        "outbox_messages{",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    // Routes are labelled by pattern ("/r/{token}"), never by a real link.
    assert!(
        text.match_indices("/r/")
            .all(|(at, _)| text[at..].starts_with("/r/{token}")),
        "no secret link ends up in a label"
    );
}

#[tokio::test]
async fn metrics_need_an_allowed_address_or_the_token() {
    let app = TestApp::spawn_with(&[
        ("ANMALAN__METRICS__ALLOW", ""),
        ("ANMALAN__METRICS__TOKEN", "hemlig-skrapnyckel"),
    ])
    .await;
    assert_eq!(
        app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("fel")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let right = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("hemlig-skrapnyckel")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
}
