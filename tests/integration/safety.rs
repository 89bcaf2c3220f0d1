//! Cross-site requests, oversized bodies, headers, tokens and health checks.
use anmalan::db::entities::registration;
use sea_orm::{EntityTrait, PaginatorTrait};
use sha2::{Digest, Sha256};

use crate::common::*;

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    let form = registration_form(&key, "Anna", "anna@example.org");
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let response = app
            .client
            .post(app.url("/events/almedalen/register"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
        assert!(response.text().await.unwrap().contains("Förfrågan nekades"));
    }
    assert_eq!(
        registration::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // The same form from our own origin is accepted.
    let response = app
        .client
        .post(app.url("/events/almedalen/register"))
        .header("origin", app.base_url.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let key = new_key();
    let huge = "x".repeat(200_000);
    let mut form = registration_form(&key, "Anna", "anna@example.org");
    form.push(("dietary_needs", huge.as_str()));
    let response = app
        .client
        .post(app.url("/events/almedalen/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert!(response.text().await.unwrap().contains("För mycket text"));
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("x-request-id"));
    let css = app
        .client
        .get(app.url("/static/app.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn manage_tokens_are_256_bit_and_stored_only_as_sha256() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let posted = app.register("almedalen", "Anna", "anna@example.org").await;
    let token = posted.manage_path().trim_start_matches("/r/").to_owned();
    assert_eq!(token.len(), 43, "32 bytes in base64url");
    let stored = registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &token).unwrap();
    let hash = hex::encode(Sha256::digest(&bytes));
    assert_eq!(stored.manage_token_hash, hash);
    let link = anmalan::db::entities::manage_link::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((link.token_hash, link.registration_id), (hash, stored.id));
    assert!(!format!("{stored:?}").contains(&token));
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await, (200, "ok".to_owned()));
    assert_eq!(app.get("/readyz").await, (200, "ready".to_owned()));
}

#[tokio::test]
async fn too_many_registrations_from_one_address_get_429_with_retry_after() {
    let app = TestApp::spawn_with(&[("ANMALAN__RATE_LIMIT__REGISTRATIONS_PER_MINUTE", "3")]).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    for i in 0..3 {
        let posted = app
            .register("almedalen", "P", &format!("p{i}@example.org"))
            .await;
        assert_eq!(posted.status, 303);
    }
    let key = new_key();
    let response = app
        .client
        .post(app.url("/events/almedalen/register"))
        .form(&registration_form(&key, "P", "p9@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert!(response.text().await.unwrap().contains("För många försök"));
    assert_eq!(
        app.get("/events/almedalen").await.0,
        200,
        "reading is not limited"
    );
    assert_eq!(
        registration::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn links_on_pages_reached_by_a_token_carry_rel_noreferrer() {
    use scraper::Selector;
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let manage = app
        .register("almedalen", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    // An invitation's page too; its link arrives by email (an .eml file).
    app.add_account("org@example.org", anmalan::domain::role::Role::Organiser)
        .await;
    let organiser = app.login("org@example.org").await;
    let csv = "Namn;E-post\nBo Ek;bo@example.org\n";
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("lista.csv"),
    );
    let uploaded = organiser
        .post(app.url("/admin/events/almedalen/invitations/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 303);
    let mails = crate::common::mail::wait_for_messages(&app.outbox_dir(), 2, 30).await;
    let invitation = mails
        .iter()
        .find(|m| m.to == "bo@example.org")
        .and_then(|m| m.text.lines().find(|l| l.contains("/i/")))
        .expect("an invitation link")
        .trim()
        .trim_start_matches(&app.base_url)
        .to_owned();

    let links = Selector::parse("a[href]").unwrap();
    for path in [
        manage.clone(),
        format!("{manage}/cancel"),
        format!("{manage}/delete"),
        invitation,
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
        let doc = html(&body);
        let mut checked = 0;
        for link in doc.select(&links) {
            let href = link.value().attr("href").unwrap_or_default();
            if href.starts_with('#') {
                continue; // the same page
            }
            let rel = link.value().attr("rel").unwrap_or_default();
            assert!(
                rel.split(' ').any(|r| r == "noreferrer"),
                "{path}: the link to {href} has rel={rel:?}"
            );
            checked += 1;
        }
        assert!(checked >= 4, "{path}: {checked} links");
    }
}
