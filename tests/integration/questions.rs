//! The organiser's own questions through HTTP, as registrants and
//! organisers meet them: a conditional required question is required only
//! when shown; a type change of an answered question is refused; a renamed
//! option keeps its answers; a required question added later asks existing
//! registrants to complete their answers, and the reminder sends one email
//! each. Exports and the API are in `questions_exports`.
use anmalan::db::entities::{answer, audit_entry, question_option};
use anmalan::domain::question::{Question, QuestionKind};
use anmalan::domain::role::Role;
use anmalan::domain::status::MessageKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::*;

pub(crate) async fn organiser(app: &TestApp) -> reqwest::Client {
    app.add_account("org@example.org", Role::Organiser).await;
    app.login("org@example.org").await
}

/// The event's questions as stored.
pub(crate) async fn questions_of(app: &TestApp, slug: &str) -> Vec<Question> {
    let event = anmalan::db::events::find_by_slug(&app.state.db, slug)
        .await
        .unwrap()
        .unwrap();
    anmalan::db::questions::for_event(&app.state.db, event.id)
        .await
        .unwrap()
}

pub(crate) async fn question(app: &TestApp, slug: &str, key: &str) -> Question {
    questions_of(app, slug)
        .await
        .into_iter()
        .find(|q| q.key == key)
        .unwrap_or_else(|| panic!("no question {key}"))
}

/// Adds a question through the back-office form; `extra` adds or
/// overrides fields.
pub(crate) async fn add_question(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    key: &str,
    kind: QuestionKind,
    label: &str,
    extra: &[(&str, &str)],
) {
    let mut form: Vec<(&str, &str)> = vec![
        ("key", key),
        ("kind", kind.as_str()),
        ("label_sv", label),
        ("audience", "public"),
        ("position", "10"),
    ];
    for (name, value) in extra {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    let posted = app
        .post_with(client, &format!("/admin/events/{slug}/questions"), &form)
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
}

/// Registers with extra form fields (the answers).
pub(crate) async fn register_answering(
    app: &TestApp,
    slug: &str,
    name: &str,
    email: &str,
    answers: &[(&str, &str)],
) -> Posted {
    let key = new_key();
    let mut form = registration_form(&key, name, email);
    form.extend_from_slice(answers);
    app.post_form(&format!("/events/{slug}/register"), &form)
        .await
}

pub(crate) async fn answers_of(app: &TestApp, question_id: i32) -> Vec<answer::Model> {
    answer::Entity::find()
        .filter(answer::Column::QuestionId.eq(question_id))
        .all(&app.state.db)
        .await
        .unwrap()
}

pub(crate) async fn download(app: &TestApp, client: &reqwest::Client, path: &str) -> Vec<u8> {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.unwrap().to_vec()
}

pub(crate) fn csv_table(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

/// The panel question and its follow-up, required only when shown.
async fn panel_event(app: &TestApp, client: &reqwest::Client) -> (Question, Question) {
    app.create_event(&seminar("panel", Some(10))).await;
    add_question(
        app,
        client,
        "panel",
        "paneldebatt",
        QuestionKind::YesNo,
        "Vill du delta i paneldebatten?",
        &[("position", "1"), ("label_en", "Join the panel debate?")],
    )
    .await;
    let panel = question(app, "panel", "paneldebatt").await;
    let condition = format!("{}:yes", panel.id);
    add_question(
        app,
        client,
        "panel",
        "panelfraga",
        QuestionKind::ShortText,
        "Vilken fråga vill du ställa?",
        &[
            ("position", "2"),
            ("required", "yes"),
            ("condition", &condition),
        ],
    )
    .await;
    let follow_up = question(app, "panel", "panelfraga").await;
    (panel, follow_up)
}

#[tokio::test]
async fn a_conditional_required_question_is_required_only_when_shown() {
    let app = TestApp::spawn().await;
    let client = organiser(&app).await;
    let (panel, follow_up) = panel_event(&app, &client).await;
    let (panel_box, follow_field) = (panel.input_id(), follow_up.input_id());

    // Without JavaScript the follow-up stands inside the parent's group,
    // after a written cue.
    let (_, page) = app.get("/events/panel").await;
    let group = texts(&page, &format!("#{panel_box}-group"));
    assert!(
        group[0].contains("Om ja: Vilken fråga vill du ställa?"),
        "{group:?}"
    );
    assert_eq!(
        attr(
            &page,
            &format!("#{panel_box}-group [data-parent]"),
            "data-show-when"
        )
        .as_deref(),
        Some("yes")
    );

    // Not ticked ("no"): the follow-up is hidden, so not required, and an
    // answer to it sent anyway is not kept.
    let posted = register_answering(
        &app,
        "panel",
        "Anna Berg",
        "anna@example.org",
        &[(&follow_field, "Sent by hand")],
    )
    .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let stored = answers_of(&app, panel.id).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].flag_value, Some(false), "unticked counts as no");
    assert!(answers_of(&app, follow_up.id).await.is_empty());

    // Ticked: now it is required, named in the error, and the form keeps
    // what was typed.
    let posted = register_answering(
        &app,
        "panel",
        "Bo Ek",
        "bo@example.org",
        &[(&panel_box, "yes")],
    )
    .await;
    assert_eq!(posted.status, 422);
    let summary = texts(&posted.body, ".error-summary li a");
    assert_eq!(summary, ["Svara på frågan ”Vilken fråga vill du ställa?”."]);
    assert_eq!(
        attr(&posted.body, ".error-summary li a", "href").unwrap(),
        format!("#{follow_field}")
    );
    assert_eq!(
        attr(&posted.body, "#name", "value").as_deref(),
        Some("Bo Ek")
    );
    assert!(attr(&posted.body, &format!("#{panel_box}"), "checked").is_some());
    assert_eq!(
        attr(&posted.body, &format!("#{follow_field}"), "aria-invalid").as_deref(),
        Some("true")
    );

    // In English too.
    let key = new_key();
    let mut form = registration_form(&key, "Bo Ek", "bo@example.org");
    form.push((&panel_box, "yes"));
    let response = app
        .client
        .post(app.url("/events/panel/register"))
        .header("accept-language", "en")
        .form(&form)
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Answer the question “Vilken fråga vill du ställa?”."),
        "the English label falls back to the Swedish"
    );

    let posted = register_answering(
        &app,
        "panel",
        "Bo Ek",
        "bo@example.org",
        &[(&panel_box, "yes"), (&follow_field, "Hur klarar vi elen?")],
    )
    .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let kept = answers_of(&app, follow_up.id).await;
    assert_eq!(kept[0].text_value.as_deref(), Some("Hur klarar vi elen?"));

    // On the manage page the answers can be changed, with the same rules.
    let manage = posted.manage_path();
    let (_, page) = app.get(&manage).await;
    assert_eq!(
        attr(&page, &format!("#{follow_field}"), "value").as_deref(),
        Some("Hur klarar vi elen?")
    );
    let again = app
        .post_form(&format!("{manage}/answers"), &[(&panel_box, "yes")])
        .await;
    assert_eq!(again.status, 422);
    assert!(
        again
            .body
            .contains("Svara på frågan ”Vilken fråga vill du ställa?”.")
    );
    let saved = app
        .post_form(&format!("{manage}/answers"), &[(&follow_field, "ignored")])
        .await;
    assert_eq!(saved.status, 303);
    let bo_answers = answers_of(&app, follow_up.id).await;
    assert!(
        bo_answers.is_empty(),
        "unticking hides, and drops, the follow-up's answer"
    );

    // The data download and the API carry the answers.
    let (_, data) = app.get(&format!("{manage}/data.json")).await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let answers = data["registration"]["answers"].as_array().unwrap();
    assert_eq!(answers[0]["key"], "paneldebatt");
    assert_eq!(answers[0]["value"], false);
    assert_eq!(answers[0]["text"], "Nej");
}

#[tokio::test]
async fn a_type_change_of_an_answered_question_is_refused() {
    let app = TestApp::spawn().await;
    let client = organiser(&app).await;
    app.create_event(&seminar("typ", None)).await;
    add_question(
        &app,
        &client,
        "typ",
        "antal",
        QuestionKind::ShortText,
        "Hur många?",
        &[],
    )
    .await;
    add_question(
        &app,
        &client,
        "typ",
        "ny",
        QuestionKind::ShortText,
        "Obesvarad",
        &[],
    )
    .await;
    let answered = question(&app, "typ", "antal").await;
    let unanswered = question(&app, "typ", "ny").await;
    let posted = register_answering(
        &app,
        "typ",
        "Anna Berg",
        "anna@example.org",
        &[(&answered.input_id(), "tre")],
    )
    .await;
    assert_eq!(posted.status, 303);

    let change = |q: &Question| {
        vec![
            ("key", q.key.clone()),
            ("kind", "number".to_owned()),
            ("label_sv", q.label_sv.clone()),
            ("audience", "public".to_owned()),
            ("position", q.position.to_string()),
        ]
    };
    let form = change(&answered);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = app
        .post_with(
            &client,
            &format!("/admin/events/typ/questions/{}", answered.id),
            &form,
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        texts(&refused.body, ".error-summary li a"),
        ["Typen kan inte ändras: någon har redan svarat på frågan."]
    );
    assert_eq!(
        question(&app, "typ", "antal").await.kind,
        QuestionKind::ShortText
    );
    assert_eq!(
        answers_of(&app, answered.id).await[0].text_value.as_deref(),
        Some("tre")
    );

    // Nobody answered the other: its type may change.
    let form = change(&unanswered);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = app
        .post_with(
            &client,
            &format!("/admin/events/typ/questions/{}", unanswered.id),
            &form,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(question(&app, "typ", "ny").await.kind, QuestionKind::Number);

    // An answered question cannot be deleted either.
    let delete = app
        .post_with(
            &client,
            &format!("/admin/events/typ/questions/{}/delete", answered.id),
            &[],
        )
        .await;
    assert_eq!(delete.status, 409);
}

#[tokio::test]
async fn a_renamed_option_keeps_its_answers_and_a_used_option_is_archived_not_deleted() {
    let app = TestApp::spawn().await;
    let client = organiser(&app).await;
    app.create_event(&seminar("buss", None)).await;
    add_question(
        &app,
        &client,
        "buss",
        "buss",
        QuestionKind::OneChoice,
        "Vilken buss tar du?",
        &[("new_options", "Buss 1\nBuss 2\nBuss 3")],
    )
    .await;
    let bus = question(&app, "buss", "buss").await;
    let [first, second, third] = [0, 1, 2].map(|i| bus.options[i].id);
    let chosen = first.to_string();
    let posted = register_answering(
        &app,
        "buss",
        "Anna Berg",
        "anna@example.org",
        &[(&bus.input_id(), &chosen)],
    )
    .await;
    assert_eq!(posted.status, 303, "{}", posted.body);

    // Rename the chosen option, take off the third (unused) one.
    let rename = format!("option-{first}-sv");
    let keep = format!("option-{second}-sv");
    let drop = format!("option-{third}-remove");
    let third_sv = format!("option-{third}-sv");
    let form = [
        ("key", "buss"),
        ("kind", "one-choice"),
        ("label_sv", "Vilken buss tar du?"),
        ("audience", "public"),
        ("position", "10"),
        (rename.as_str(), "Flygbussen 09.00"),
        (keep.as_str(), "Buss 2"),
        (third_sv.as_str(), "Buss 3"),
        (drop.as_str(), "yes"),
    ];
    let saved = app
        .post_with(
            &client,
            &format!("/admin/events/buss/questions/{}", bus.id),
            &form,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let bus = question(&app, "buss", "buss").await;
    assert_eq!(bus.options.len(), 2, "the unused option is deleted");
    assert_eq!(
        bus.options[0].id, first,
        "renaming keeps the option's identity"
    );
    assert_eq!(bus.options[0].label_sv, "Flygbussen 09.00");

    let (headers, rows) =
        csv_table(&download(&app, &client, "/admin/events/buss/attendees.csv").await);
    let column = headers
        .iter()
        .position(|h| h == "Vilken buss tar du? [buss]")
        .unwrap();
    assert_eq!(
        rows[0][column], "Flygbussen 09.00",
        "the old answer shows the new label"
    );
    let (_, manage) = app.get(&posted.manage_path()).await;
    assert!(attr(&manage, &format!("#q-{}-{first}", bus.id), "checked").is_some());

    // Taking off the chosen option archives it: the answer stays.
    let remove_first = format!("option-{first}-remove");
    let form = [
        ("key", "buss"),
        ("kind", "one-choice"),
        ("label_sv", "Vilken buss tar du?"),
        ("audience", "public"),
        ("position", "10"),
        (rename.as_str(), "Flygbussen 09.00"),
        (remove_first.as_str(), "yes"),
        (keep.as_str(), "Buss 2"),
    ];
    let saved = app
        .post_with(
            &client,
            &format!("/admin/events/buss/questions/{}", bus.id),
            &form,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let archived = question_option::Entity::find_by_id(first)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a used option is never deleted");
    assert!(archived.archived);
    let (_, public) = app.get("/events/buss").await;
    assert!(
        !public.contains("Flygbussen 09.00"),
        "an archived option is not offered"
    );
    let (headers, rows) =
        csv_table(&download(&app, &client, "/admin/events/buss/attendees.csv").await);
    let column = headers.iter().position(|h| h.ends_with("[buss]")).unwrap();
    assert_eq!(rows[0][column], "Flygbussen 09.00");

    let audit: Vec<String> = audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("question.update"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.details)
        .collect();
    assert!(
        audit
            .iter()
            .any(|d| d.contains("renamed") && d.contains("Flygbussen 09.00")),
        "{audit:?}"
    );
    assert!(audit.iter().any(|d| d.contains("archived")), "{audit:?}");
}

#[tokio::test]
async fn a_required_question_added_later_asks_registrants_to_complete_and_the_reminder_sends_one_email_each()
 {
    let app = TestApp::spawn().await;
    let client = organiser(&app).await;
    app.create_event(&seminar("senare", None)).await;
    let anna = app
        .register("senare", "Anna Berg", "anna@example.org")
        .await
        .manage_path();
    let bo = app
        .register("senare", "Bo Ek", "bo@example.org")
        .await
        .manage_path();
    let cecilia = app
        .register("senare", "Cecilia Dahl", "cecilia@example.org")
        .await
        .manage_path();
    app.post_form(&format!("{cecilia}/cancel"), &[]).await;
    let (_, page) = app.get(&anna).await;
    assert!(!page.contains("Komplettera dina svar"));

    add_question(
        &app,
        &client,
        "senare",
        "faktura",
        QuestionKind::ShortText,
        "Fakturareferens",
        &[("required", "yes")],
    )
    .await;
    let question = question(&app, "senare", "faktura").await;
    let (_, page) = app.get(&anna).await;
    assert!(texts(&page, "#complete-answers")[0].contains("Komplettera dina svar"));
    assert_eq!(
        attr(&page, "#complete-answers a", "href").as_deref(),
        Some("#answers-title")
    );
    let (_, admin) = app
        .get_with(&client, "/admin/events/senare/questions")
        .await;
    assert_eq!(
        texts(&admin, "#outstanding-count"),
        ["2 anmälda har inte svarat på en obligatorisk fråga."]
    );

    let remind = app
        .post_with(&client, "/admin/events/senare/questions/remind", &[])
        .await;
    assert_eq!(remind.status, 303);
    assert!(remind.location.unwrap().contains("count=2"));
    let count = |kinds: Vec<MessageKind>| {
        kinds
            .iter()
            .filter(|k| **k == MessageKind::AnswersReminder)
            .count()
    };
    assert_eq!(
        count(app.outbox_kinds().await),
        2,
        "one each, none to the cancelled"
    );
    let again = app
        .post_with(&client, "/admin/events/senare/questions/remind", &[])
        .await;
    assert!(again.location.unwrap().contains("count=0"));
    assert_eq!(
        count(app.outbox_kinds().await),
        2,
        "pressing again sends nothing more"
    );

    // To the two who still miss the answer, each with a link of their own.
    let mut to: Vec<String> = anmalan::db::entities::outbox::Entity::find()
        .filter(anmalan::db::entities::outbox::Column::Kind.eq(MessageKind::AnswersReminder))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.recipient)
        .collect();
    to.sort();
    assert_eq!(to, ["anna@example.org", "bo@example.org"]);
    // The worker renders and sends them (as .eml files here).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let sent = anmalan::db::entities::outbox::Entity::find()
            .filter(anmalan::db::entities::outbox::Column::Kind.eq(MessageKind::AnswersReminder))
            .filter(
                anmalan::db::entities::outbox::Column::Status
                    .eq(anmalan::domain::status::OutboxStatus::Sent),
            )
            .all(&app.state.db)
            .await
            .unwrap()
            .len();
        if sent == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reminders are sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut found = 0;
    for entry in std::fs::read_dir(app.outbox_dir()).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let email = crate::common::mail::Email::parse(&raw);
        if email.subject.starts_with("Komplettera dina svar") {
            assert!(email.text.contains("/r/"), "with a link to their page");
            found += 1;
        }
    }
    assert_eq!(found, 2);

    // Bo answers; Anna is the only one left.
    let saved = app
        .post_form(
            &format!("{bo}/answers"),
            &[(&question.input_id(), "KS-2027-12")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, page) = app.get(&bo).await;
    assert!(!page.contains("Komplettera dina svar"));
    assert!(
        page.contains("Dina svar är sparade") || saved.location.unwrap().contains("answers-saved")
    );
    let (_, admin) = app
        .get_with(&client, "/admin/events/senare/questions")
        .await;
    assert!(texts(&admin, "#outstanding-count")[0].starts_with("1 "));
}
