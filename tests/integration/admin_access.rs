//! Logging in, throttling, roles on every admin route, and cross-site posts.
use anmalan::domain::role::Role;

use crate::common::*;

#[tokio::test]
async fn login_accepts_the_right_password_refuses_a_wrong_one_and_throttles() {
    let app = TestApp::spawn().await;
    app.add_account("org@example.org", Role::Organiser).await;

    let client = cookie_client();
    let wrong = app
        .post_with(
            &client,
            "/admin/login",
            &[
                ("email", "org@example.org"),
                ("password", "fel-lösenord-helt"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong
            .body
            .contains("E-postadressen eller lösenordet stämmer inte.")
    );
    let unknown = app
        .post_with(
            &client,
            "/admin/login",
            &[("email", "nobody@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert!(
        unknown
            .body
            .contains("E-postadressen eller lösenordet stämmer inte."),
        "no hint which was wrong"
    );

    let client = app.login("org@example.org").await;
    assert_eq!(app.get_with(&client, "/admin").await.0, 200);
    app.post_with(&client, "/admin/logout", &[]).await;
    assert_eq!(app.get_with(&client, "/admin").await.0, 303, "logged out");

    for _ in 0..5 {
        app.post_with(
            &cookie_client(),
            "/admin/login",
            &[("email", "org@example.org"), ("password", "nope-nope-nope")],
        )
        .await;
    }
    let throttled = app
        .post_with(
            &cookie_client(),
            "/admin/login",
            &[("email", "org@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(throttled.status, 429, "even the right password waits");
    assert!(throttled.body.contains("För många misslyckade försök"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn().await;
    app.add_account("org@example.org", Role::Organiser).await;
    let response = cookie_client()
        .post(app.url("/admin/login"))
        .form(&[("email", "org@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("anmalan_session="));
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/admin")
    );
    assert!(!cookie.contains("Secure"), "plain http in tests");
}

/// Every admin route, with the least role it needs.
fn routes(slug: &str, id: &str) -> Vec<(&'static str, String, Role)> {
    vec![
        ("GET", "/admin".into(), Role::Checkin),
        ("GET", "/admin/accounts".into(), Role::Admin),
        ("POST", "/admin/accounts".into(), Role::Admin),
        ("GET", "/admin/audit".into(), Role::Admin),
        ("GET", "/admin/events/new".into(), Role::Organiser),
        ("POST", "/admin/events".into(), Role::Organiser),
        // The check-in role sees the check-in page only (not the totals).
        ("GET", format!("/admin/events/{slug}"), Role::Organiser),
        ("GET", format!("/admin/events/{slug}/edit"), Role::Organiser),
        (
            "POST",
            format!("/admin/events/{slug}/edit"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/publish"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/close"),
            Role::Organiser,
        ),
        (
            "GET",
            format!("/admin/events/{slug}/cancel"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/duplicate"),
            Role::Organiser,
        ),
        (
            "GET",
            format!("/admin/events/{slug}/emails"),
            Role::Organiser,
        ),
        (
            "GET",
            format!("/admin/events/{slug}/attendees"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/attendees"),
            Role::Organiser,
        ),
        (
            "GET",
            format!("/admin/events/{slug}/attendees.csv"),
            Role::Organiser,
        ),
        (
            "GET",
            format!("/admin/events/{slug}/attendees.xlsx"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/registrations/{id}/resend"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/registrations/{id}/promote"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/registrations/{id}/cancel"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/registrations/{id}/checkin"),
            Role::Checkin,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/registrations/{id}/undo-checkin"),
            Role::Checkin,
        ),
        (
            "GET",
            format!("/admin/events/{slug}/invitations"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/invitations"),
            Role::Organiser,
        ),
        (
            "POST",
            format!("/admin/events/{slug}/invitations/remind"),
            Role::Organiser,
        ),
        (
            "GET",
            format!("/admin/events/{slug}/checkin"),
            Role::Checkin,
        ),
        // Last, so it does not end the event before the other checks.
        (
            "POST",
            format!("/admin/events/{slug}/cancel"),
            Role::Organiser,
        ),
    ]
}

#[tokio::test]
async fn every_admin_route_checks_the_role_on_the_server() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let posted = app.register("almedalen", "Anna", "anna@example.org").await;
    assert_eq!(posted.status, 303);
    let id = anmalan::db::entities::registration::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    use sea_orm::EntityTrait;
    for (email, role) in [
        ("door@example.org", Role::Checkin),
        ("org@example.org", Role::Organiser),
        ("admin@example.org", Role::Admin),
    ] {
        app.add_account(email, role).await;
    }
    let anonymous = cookie_client();
    let door = app.login("door@example.org").await;
    let organiser = app.login("org@example.org").await;
    let admin = app.login("admin@example.org").await;
    for (method, path, needed) in routes("almedalen", &id) {
        for (who, client, role) in [
            ("checkin", &door, Role::Checkin),
            ("organiser", &organiser, Role::Organiser),
            ("admin", &admin, Role::Admin),
        ] {
            let request = match method {
                "GET" => client.get(app.url(&path)),
                _ => client.post(app.url(&path)).form(&[("q", "")]),
            };
            let status = request.send().await.unwrap().status().as_u16();
            if role.allows(needed) {
                assert_ne!(status, 403, "{who} may {method} {path}");
            } else {
                assert_eq!(status, 403, "{who} may not {method} {path}");
            }
        }
        let request = match method {
            "GET" => anonymous.get(app.url(&path)),
            _ => anonymous.post(app.url(&path)),
        };
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            303,
            "anonymous {method} {path} goes to login"
        );
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/admin/login")
        );
    }
}

#[tokio::test]
async fn a_cross_site_post_to_admin_is_refused() {
    let app = TestApp::spawn().await;
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    let response = client
        .post(app.url("/admin/events"))
        .header("origin", "https://evil.example")
        .form(&[("title", "Phish")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = client
        .post(app.url("/admin/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        app.get_with(&client, "/admin").await.0,
        200,
        "still logged in"
    );
}

#[tokio::test]
async fn sessions_end_after_the_idle_and_the_absolute_timeout() {
    use anmalan::services::accounts::{SessionLimits, open_session, session_account};
    use chrono::{Duration, Utc};
    let app = TestApp::spawn().await;
    app.add_account("org@example.org", Role::Organiser).await;
    let account = <anmalan::db::entities::organiser::Entity as sea_orm::EntityTrait>::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let limits = SessionLimits {
        idle: Duration::minutes(120),
        absolute: Duration::hours(12),
    };
    let start = Utc::now();
    let token = open_session(&app.state.db, account.id, start)
        .await
        .unwrap()
        .as_link_part();
    let alive = |at| session_account(&app.state.db, &token, limits, at);
    assert!(
        alive(start + Duration::minutes(100))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        alive(start + Duration::minutes(200))
            .await
            .unwrap()
            .is_some(),
        "activity keeps it alive"
    );
    assert!(
        alive(start + Duration::minutes(400))
            .await
            .unwrap()
            .is_none(),
        "idle too long"
    );
    let token = open_session(&app.state.db, account.id, start)
        .await
        .unwrap()
        .as_link_part();
    // Active every hour, so only the absolute limit can end it. The checks
    // stay clear of the exact boundary: databases round stored times.
    for hour in 1..=11 {
        let at = start + Duration::hours(hour);
        let seen = session_account(&app.state.db, &token, limits, at)
            .await
            .unwrap();
        assert!(seen.is_some(), "alive after {hour} h");
    }
    let late = start + Duration::hours(12) + Duration::minutes(10);
    let seen = session_account(&app.state.db, &token, limits, late)
        .await
        .unwrap();
    assert!(seen.is_none(), "absolute limit");
}

#[tokio::test]
async fn organiser_add_reads_the_password_from_stdin_never_argv() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let app = TestApp::spawn().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_anmalan"))
        .args(["organiser", "add", "door@example.org", "--role", "checkin"])
        .env("DATABASE_URL", &app.database_url)
        .env("ANMALAN_CONFIG_DIR", config_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("added door@example.org (checkin)"));
    let client = app.login("door@example.org").await;
    assert_eq!(app.get_with(&client, "/admin/audit").await.0, 403);
}
