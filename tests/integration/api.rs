//! The JSON API: tokens from the back-office, problem+json errors, the same
//! registration rules and emails as the form, and the OpenAPI document.
use anmalan::domain::role::Role;
use serde_json::{Value, json};

use crate::common::mail::wait_for_messages;
use crate::common::*;

/// Creates a token through the back-office page, as an admin does, and
/// returns its secret as shown on the page.
async fn create_token(app: &TestApp, admin: &reqwest::Client, name: &str, scope: &str) -> String {
    let posted = app
        .post_with(
            admin,
            "/admin/api-tokens",
            &[("name", name), ("scope", scope)],
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let secret = texts(&posted.body, "#new-token").join("");
    assert!(
        secret.starts_with("anm_"),
        "the secret is shown: {secret:?}"
    );
    secret
}

struct Api {
    app: TestApp,
    admin: reqwest::Client,
    write: String,
    read: String,
}

async fn setup(capacity: Option<u32>) -> Api {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", capacity)).await;
    app.add_account("admin@example.org", Role::Admin).await;
    let admin = app.login("admin@example.org").await;
    let write = create_token(&app, &admin, "CRM", "read-write").await;
    let read = create_token(&app, &admin, "Statistik", "read").await;
    Api {
        app,
        admin,
        write,
        read,
    }
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self.app.client.request(method, self.app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, value)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let (status, _, body) = self
            .call(reqwest::Method::GET, path, Some(&self.read), None, &[])
            .await;
        (status, body)
    }

    async fn create(
        &self,
        body: Value,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        self.call(
            reqwest::Method::POST,
            "/api/v1/events/almedalen/registrations",
            Some(&self.write),
            Some(body),
            headers,
        )
        .await
    }
}

fn person(name: &str, email: &str) -> Value {
    json!({
        "name": name,
        "email": email,
        "municipality": "2580",
        "role_title": "Kommunstyrelsens ordförande",
        "dietary_needs": "Vegetarisk",
    })
}

fn content_type(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn tokens_are_admin_only_shown_once_stored_hashed_and_revocable() {
    let api = setup(None).await;
    // Only the hash is kept: the secret is nowhere in the table.
    let rows = anmalan::services::api_tokens::list(&api.app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_ne!(row.token_hash, api.write);
        assert!(!api.write.contains(&row.token_hash));
        assert_eq!(row.token_hash.len(), 64);
    }
    // The list page does not show secrets again.
    let (status, page) = api.app.get_with(&api.admin, "/admin/api-tokens").await;
    assert_eq!(status, 200);
    assert!(page.contains("CRM") && page.contains("Statistik"));
    assert!(!page.contains(&api.write) && !page.contains(&api.read));

    // Organisers cannot manage tokens.
    api.app
        .add_account("org@example.org", Role::Organiser)
        .await;
    let organiser = api.app.login("org@example.org").await;
    let (status, _) = api.app.get_with(&organiser, "/admin/api-tokens").await;
    assert_eq!(status, 403);
    let posted = api
        .app
        .post_with(
            &organiser,
            "/admin/api-tokens",
            &[("name", "x"), ("scope", "read-write")],
        )
        .await;
    assert_eq!(posted.status, 403);

    // A nameless token is refused with the form kept.
    let posted = api
        .app
        .post_with(
            &api.admin,
            "/admin/api-tokens",
            &[("name", " "), ("scope", "read")],
        )
        .await;
    assert_eq!(posted.status, 422);
    assert!(posted.body.contains("Ange ett namn på nyckeln."));

    // Revoking stops the token at once.
    let (status, _) = api.get("/api/v1/events").await;
    assert_eq!(status, 200);
    let read_id = rows.iter().find(|r| r.name == "Statistik").unwrap().id;
    let posted = api
        .app
        .post_with(
            &api.admin,
            &format!("/admin/api-tokens/{read_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(posted.status, 303);
    let (status, _) = api.get("/api/v1/events").await;
    assert_eq!(status, 401);
    let (_, audit) = api.app.get_with(&api.admin, "/admin/audit").await;
    assert!(audit.contains("api_token.create") && audit.contains("api_token.revoke"));
}

#[tokio::test]
async fn errors_are_translated_problem_details() {
    let api = setup(None).await;
    // No token.
    let (status, headers, body) = api
        .call(reqwest::Method::GET, "/api/v1/events", None, None, &[])
        .await;
    assert_eq!(status, 401);
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"anmalan\"");
    assert_eq!(body["status"], 401);
    assert_eq!(body["title"], "Inloggning krävs");
    // A made-up token, in English.
    let (status, _, body) = api
        .call(
            reqwest::Method::GET,
            "/api/v1/events",
            Some("anm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            None,
            &[("accept-language", "en")],
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["title"], "Authentication required");
    // A read-only token cannot write.
    let (status, headers, body) = api
        .call(
            reqwest::Method::POST,
            "/api/v1/events/almedalen/registrations",
            Some(&api.read),
            Some(person("Anna Berg", "anna@example.org")),
            &[],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["type"], "urn:anmalan:problem:read_only");
    // Unknown event and path, wrong method.
    let (status, body) = api.get("/api/v1/events/nope").await;
    assert_eq!((status, body["status"].clone()), (404, json!(404)));
    let (status, body) = api.get("/api/v1/nothing-here").await;
    assert_eq!(
        (status, body["title"].clone()),
        (404, json!("Hittades inte"))
    );
    let (status, headers, body) = api
        .call(
            reqwest::Method::DELETE,
            "/api/v1/events",
            Some(&api.write),
            None,
            &[],
        )
        .await;
    assert_eq!(status, 405);
    assert!(headers.contains_key("allow"));
    assert_eq!(body["status"], 405);
    // Malformed JSON and a malformed query keep the framework's reason.
    let (status, headers, body) = api
        .call(
            reqwest::Method::POST,
            "/api/v1/events/almedalen/registrations",
            Some(&api.write),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(content_type(&headers), "application/problem+json");
    let (status, body) = api
        .get("/api/v1/events/almedalen/registrations?status=maybe")
        .await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().unwrap().contains("maybe"));
    let (status, body) = api
        .get("/api/v1/events/almedalen/registrations?page=0")
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "page");

    // Field errors, one per field, in the caller's language.
    let (status, headers, body) = api
        .create(
            json!({"name": "", "email": "inte-en-adress", "municipality": "9999", "role_title": "x".repeat(201), "phone": "12"}),
            &[("accept-language", "en")],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["type"], "urn:anmalan:problem:validation");
    let fields: Vec<(&str, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("role_title", "too_long"),
            ("name", "missing"),
            ("email", "invalid"),
            ("municipality", "invalid"),
            ("phone", "invalid"),
        ]
    );
    assert_eq!(body["errors"][1]["detail"], "Enter your name.");
    // Nothing was registered.
    let (_, body) = api.get("/api/v1/events/almedalen").await;
    assert_eq!(body["counts"]["confirmed"], 0);
}

#[tokio::test]
async fn registering_through_the_api_keeps_the_form_s_rules_and_emails() {
    let api = setup(Some(1)).await;
    let (status, headers, anna) = api
        .create(
            person("Anna Berg", "anna@example.org"),
            &[("idempotency-key", "crm-4711")],
        )
        .await;
    assert_eq!(status, 201, "{anna}");
    assert_eq!(anna["status"], "confirmed");
    assert_eq!(anna["municipality_code"], "2580");
    let id = anna["id"].as_str().unwrap().to_owned();
    assert_eq!(
        headers["location"],
        format!("/api/v1/events/almedalen/registrations/{id}").as_str()
    );
    // The confirmation with its calendar invite goes out as for the form.
    let mails = wait_for_messages(&api.app.outbox_dir(), 1, 20).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "anna@example.org");
    assert_eq!(mails[0].mime_method.as_deref(), Some("REQUEST"));

    // A retry with the same key is the same registration, not a second one.
    let (status, _, again) = api
        .create(
            person("Anna Berg", "anna@example.org"),
            &[("idempotency-key", "crm-4711")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], anna["id"]);
    // The same address without the key: one active registration per address.
    let (status, _, body) = api.create(person("Anna B", "ANNA@example.org"), &[]).await;
    assert_eq!(status, 409);
    assert_eq!(body["type"], "urn:anmalan:problem:already_registered");

    // Capacity 1: the next goes on the waitlist.
    let (status, _, bo) = api
        .create(
            json!({"name": "Bo Ek", "email": "bo@example.org", "municipality": "other", "organisation": "Region Gotland", "role_title": "Regionråd", "language": "en"}),
            &[],
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(bo["status"], "waitlisted");
    assert_eq!(bo["waitlist_position"], 1);
    assert_eq!(bo["organisation"], "Region Gotland");
    assert_eq!(bo["language"], "en");

    // Listing with the back-office's filters, paged.
    let (status, page) = api
        .get("/api/v1/events/almedalen/registrations?status=waitlisted")
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["email"], "bo@example.org");
    let (_, page) = api
        .get("/api/v1/events/almedalen/registrations?sort=name&per_page=1&page=2")
        .await;
    assert_eq!(
        (page["total"].clone(), page["per_page"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(page["items"][0]["name"], "Bo Ek");
    let (_, page) = api
        .get("/api/v1/events/almedalen/registrations?municipality=other")
        .await;
    assert_eq!(page["total"], 1);

    // The event with its counts.
    let (status, event) = api.get("/api/v1/events/almedalen").await;
    assert_eq!(status, 200);
    assert_eq!(event["counts"]["confirmed"], 1);
    assert_eq!(event["counts"]["waitlisted"], 1);
    assert_eq!(event["counts"]["seats_left"], 0);
    let lulea = event["by_municipality"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "2580")
        .unwrap();
    assert_eq!(lulea["confirmed"], 1);
    let (_, events) = api.get("/api/v1/events").await;
    assert_eq!(events["items"][0]["slug"], "almedalen");

    // Cancelling moves the waitlist up, with the same emails as elsewhere.
    let cancel = format!("/api/v1/events/almedalen/registrations/{id}/cancel");
    let (status, _, body) = api
        .call(reqwest::Method::POST, &cancel, Some(&api.read), None, &[])
        .await;
    assert_eq!(
        (status, body["type"].clone()),
        (403, json!("urn:anmalan:problem:read_only"))
    );
    let (status, _, cancelled) = api
        .call(reqwest::Method::POST, &cancel, Some(&api.write), None, &[])
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["cancelled_at"].is_string());
    let (_, bo_now) = api
        .get(&format!(
            "/api/v1/events/almedalen/registrations/{}",
            bo["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(bo_now["status"], "confirmed");
    let (status, _, body) = api
        .call(reqwest::Method::POST, &cancel, Some(&api.write), None, &[])
        .await;
    assert_eq!(
        (status, body["type"].clone()),
        (409, json!("urn:anmalan:problem:already_cancelled"))
    );
    // Confirmation, the link again (for the 409), waitlist, cancellation
    // and promotion: five emails.
    let mails = wait_for_messages(&api.app.outbox_dir(), 5, 20).await;
    let mut methods: Vec<_> = mails
        .iter()
        .map(|m| (m.to.clone(), m.mime_method.clone()))
        .collect();
    methods.sort();
    assert_eq!(
        methods,
        [
            ("anna@example.org".to_owned(), None),
            ("anna@example.org".to_owned(), Some("CANCEL".to_owned())),
            ("anna@example.org".to_owned(), Some("REQUEST".to_owned())),
            ("bo@example.org".to_owned(), None),
            ("bo@example.org".to_owned(), Some("REQUEST".to_owned())),
        ]
    );

    // The audit log names the token.
    let (_, audit) = api.app.get_with(&api.admin, "/admin/audit").await;
    assert!(audit.contains("api: CRM"));
}

#[tokio::test]
async fn the_csv_export_streams_through_the_api() {
    let api = setup(None).await;
    for (name, email) in [
        ("Åsa Öberg", "asa@example.org"),
        ("Bo Ek", "bo@example.org"),
    ] {
        let (status, _, _) = api.create(person(name, email), &[]).await;
        assert_eq!(status, 201);
    }
    let response = api
        .app
        .client
        .get(
            api.app
                .url("/api/v1/events/almedalen/registrations.csv?sort=name"),
        )
        .bearer_auth(&api.read)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(&reader.headers().unwrap()[0], "Name");
    let names: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(names, ["Bo Ek", "Åsa Öberg"]);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // The states as the API writes them (and the stored text).
    assert_eq!(
        doc["components"]["schemas"]["RegistrationState"]["enum"],
        serde_json::json!(["confirmed", "waitlisted", "cancelled"])
    );
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for path in [
        "/api/v1/events",
        "/api/v1/events/{slug}",
        "/api/v1/municipalities",
        "/api/v1/events/{slug}/registrations",
        "/api/v1/events/{slug}/registrations/{id}",
        "/api/v1/events/{slug}/registrations/{id}/cancel",
        "/api/v1/events/{slug}/registrations.csv",
    ] {
        assert!(
            paths.iter().any(|p| p.as_str() == path),
            "{path} in {paths:?}"
        );
    }
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids are unique");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    // The member codes are the values `municipality` takes.
    let codes =
        &doc["components"]["schemas"]["NewRegistration"]["properties"]["municipality"]["enum"];
    assert_eq!(codes.as_array().unwrap().len(), 20, "19 members and other");
    assert!(codes.as_array().unwrap().contains(&json!("2580")));
}

#[tokio::test]
async fn the_api_has_its_own_rate_limit() {
    let app = TestApp::spawn_with(&[("ANMALAN__RATE_LIMIT__API_PER_MINUTE", "2")]).await;
    for _ in 0..2 {
        assert_eq!(app.get("/api/v1/events").await.0, 401);
    }
    let response = app
        .client
        .get(app.url("/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["title"], "För många förfrågningar");
    // The public pages are not counted against the API.
    assert_eq!(app.get("/").await.0, 200);
}

#[tokio::test]
async fn the_api_shows_the_programme_and_registers_with_choices_and_diet() {
    let api = setup(None).await;
    api.app
        .create_event(&crate::choices::meeting("natverk", None, 1, 60))
        .await;
    let (status, event) = api.get("/api/v1/events/natverk").await;
    assert_eq!(status, 200);
    let programme = event["programme"].as_array().unwrap();
    let visit = programme
        .iter()
        .find(|i| i["title"] == "Studiebesök på datacenter")
        .unwrap();
    assert_eq!(visit["choosable"], true);
    assert_eq!(visit["capacity"], 1);
    assert_eq!(visit["seats_left"], 1);
    let dinner = programme
        .iter()
        .find(|i| i["title"] == "Nätverksmiddag")
        .unwrap();
    assert_eq!(dinner["meal"], true);
    assert_eq!(dinner["extra_covers"], 3);
    let workshop = programme.iter().find(|i| i["title"] == "Workshop").unwrap();
    let ids = |items: &[&Value]| -> Vec<i64> {
        items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
    };

    let path = "/api/v1/events/natverk/registrations";
    let mut body = person("Anna", "anna@example.org");
    body["choices"] = json!(ids(&[visit, dinner]));
    body["diet"] = json!("vegetarian");
    body["allergens"] = json!(["milk", "gluten"]);
    let (status, _, created) = api
        .call(
            reqwest::Method::POST,
            path,
            Some(&api.write),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["diet"], "vegetarian");
    assert_eq!(
        created["allergens"],
        json!(["gluten", "milk"]),
        "Annex order"
    );
    let states: Vec<&str> = created["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["confirmed", "confirmed"]);

    // The visit is full: Bo queues for it.
    let mut body = person("Bo", "bo@example.org");
    body["choices"] = json!(ids(&[visit]));
    let (status, _, bo) = api
        .call(
            reqwest::Method::POST,
            path,
            Some(&api.write),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{bo}");
    assert_eq!(bo["choices"][0]["status"], "waitlisted");
    assert_eq!(bo["choices"][0]["queue_position"], 1);

    // Two items at the same time are refused, naming the field.
    let mut body = person("Cecilia", "cecilia@example.org");
    body["choices"] = json!(ids(&[visit, workshop]));
    let (status, _, problem) = api
        .call(
            reqwest::Method::POST,
            path,
            Some(&api.write),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem.to_string().contains("choices"), "{problem}");

    let (_, event) = api.get("/api/v1/events/natverk").await;
    let visit = event["programme"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "Studiebesök på datacenter")
        .unwrap()
        .clone();
    assert_eq!(visit["seats_left"], 0);
    assert_eq!(visit["queued"], 1);

    // The OpenAPI document describes the new fields.
    let (status, doc) = api.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["NewRegistration"]["properties"]["choices"].is_object());
    assert!(schemas["Registration"]["properties"]["allergens"].is_object());
    let detail = schemas["EventDetail"].to_string();
    assert!(detail.contains("\"programme\""), "{detail}");
    assert!(schemas["ChoiceStatus"].is_object(), "{schemas}");
}
