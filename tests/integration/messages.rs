//! "A message now": an organiser filters the audience (status, programme
//! item, municipality, checked in), sees how many it reaches and a preview,
//! and sends it once per person through the outbox, over real SMTP.
use anmalan::db::entities::outbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::mail::*;
use crate::common::*;
use crate::reminders::organiser;

#[tokio::test]
async fn a_message_reaches_exactly_the_filtered_audience_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let spec = crate::choices::meeting("datacenter", Some(20), 10, 10);
    app.create_event(&spec).await;
    let visit = crate::choices::items(&app).await["Studiebesök på datacenter"].id;
    let register =
        |name: &'static str, email: &'static str, code: &'static str, items: Vec<i32>| {
            let app = &app;
            async move {
                crate::choices::register_choosing(app, "datacenter", name, email, code, &items)
                    .await
            }
        };
    register("Anna Berg", "anna@example.org", "2580", vec![visit]).await;
    register("Bo Ek", "bo@example.org", "2580", vec![visit]).await;
    register("Cecilia Lind", "cecilia@example.org", "0882", vec![visit]).await;
    register("David Åberg", "david@example.org", "2580", vec![]).await;
    let erik = register("Erik Öst", "erik@example.org", "2580", vec![visit]).await;
    app.post_form(&format!("{}/cancel", erik.manage_path()), &[])
        .await;
    let client = organiser(&app).await;
    // Bo is checked in at the door.
    let bo = crate::choices::registration_by_email(&app, "bo@example.org").await;
    let posted = app
        .post_with(
            &client,
            &format!("/admin/events/datacenter/registrations/{}/checkin", bo.id),
            &[],
        )
        .await;
    assert_eq!(posted.status, 303);
    let before = wait_for_messages(dir.path(), 6, 20).await.len();
    assert_eq!(before, 6);

    // Luleå, on the visit, not checked in: Anna only (Bo is checked in,
    // Cecilia is from Oskarshamn, David is not on the visit, Erik cancelled).
    let visit_id = visit.to_string();
    let form = [
        ("status", "confirmed"),
        ("item", visit_id.as_str()),
        ("municipality", "2580"),
        ("checked_in", "no"),
        ("subject_sv", "Bussen till datacentret"),
        (
            "body_sv",
            "Bussen till datacentret går 08.15 från hotellet.",
        ),
        ("subject_en", "The bus to the data centre"),
        (
            "body_en",
            "The bus to the data centre leaves at 08.15 from the hotel.",
        ),
        ("with_invite", "yes"),
    ];
    let preview = app
        .post_with(&client, "/admin/events/datacenter/messages/preview", &form)
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("Antal mottagare: 1."));
    assert!(
        preview
            .body
            .contains("Bussen till datacentret går 08.15 från hotellet.")
    );
    assert!(
        preview
            .body
            .contains("The bus to the data centre leaves at 08.15")
    );
    assert!(preview.body.contains("Anna Berg"), "the example is Anna's");
    assert!(preview.body.contains("Skicka till 1 mottagare"));
    let key = attr(&preview.body, "input[name=submission_key]", "value").unwrap();
    assert!(
        outbox::Entity::find()
            .filter(outbox::Column::Kind.eq(MessageKind::OrganiserMessage))
            .all(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "a preview sends nothing"
    );

    let mut send: Vec<(&str, &str)> = form.to_vec();
    send.push(("submission_key", &key));
    let sent = app
        .post_with(&client, "/admin/events/datacenter/messages", &send)
        .await;
    assert_eq!(
        sent.location.as_deref(),
        Some("/admin/events/datacenter/messages?done=sent&count=1")
    );
    // The same form again (a double click, the Back button): nothing new.
    let again = app
        .post_with(&client, "/admin/events/datacenter/messages", &send)
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(
        again.location.as_deref(),
        Some("/admin/events/datacenter/messages?done=again")
    );

    // Everyone not checked in, any municipality: Anna, Cecilia and David
    // (one each, Anna again because it is another message).
    let everyone = [
        ("subject_sv", "Välkomna"),
        ("body_sv", "Registreringen öppnar 08.00."),
        ("checked_in", "no"),
        ("submission_key", "another-key"),
    ];
    let sent = app
        .post_with(&client, "/admin/events/datacenter/messages", &everyone)
        .await;
    assert_eq!(
        sent.location.as_deref(),
        Some("/admin/events/datacenter/messages?done=sent&count=3")
    );

    let mails = wait_for_messages(dir.path(), before + 4, 20).await;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(received(dir.path()).len(), before + 4, "no more than 4");
    let bus: Vec<&Email> = mails
        .iter()
        .filter(|m| m.subject.starts_with("Bussen till datacentret"))
        .collect();
    assert_eq!(bus.len(), 1);
    assert_eq!(bus[0].to, "anna@example.org");
    assert!(bus[0].text.contains("går 08.15 från hotellet"));
    assert!(bus[0].text.contains("/r/"), "the manage link");
    // The current invite: the confirmation's UID and SEQUENCE.
    let confirmation = mails
        .iter()
        .find(|m| m.to == "anna@example.org" && m.subject.starts_with("Bekräftelse"))
        .unwrap();
    let sent_invite = read_invite(confirmation.calendar.as_deref().unwrap());
    let carried = read_invite(bus[0].calendar.as_deref().expect("the invite"));
    assert_eq!(carried.uid, sent_invite.uid);
    assert_eq!(carried.sequences, sent_invite.sequences);
    let mut welcomed: Vec<&str> = mails
        .iter()
        .filter(|m| m.subject.starts_with("Välkomna"))
        .map(|m| m.to.as_str())
        .collect();
    welcomed.sort_unstable();
    assert_eq!(
        welcomed,
        vec![
            "anna@example.org",
            "cecilia@example.org",
            "david@example.org"
        ]
    );
    assert!(
        mails
            .iter()
            .filter(|m| m.subject.starts_with("Välkomna"))
            .all(|m| m.calendar.is_none()),
        "no invite unless asked"
    );

    // The page lists both messages; the email log shows each email.
    let (_, page) = app
        .get_with(&client, "/admin/events/datacenter/messages")
        .await;
    assert!(page.contains("Bussen till datacentret"));
    assert!(page.contains("Välkomna"));
    let (_, log) = app
        .get_with(&client, "/admin/events/datacenter/emails")
        .await;
    assert_eq!(log.matches(">Meddelande<").count(), 4);
}

#[tokio::test]
async fn a_message_without_swedish_text_is_refused_with_the_fields_named() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("tomt", Some(10))).await;
    let client = organiser(&app).await;
    let posted = app
        .post_with(
            &client,
            "/admin/events/tomt/messages/preview",
            &[("subject_en", "Only English"), ("status", "nonsense")],
        )
        .await;
    assert_eq!(posted.status, 422);
    let summary = texts(&posted.body, "#error-summary li");
    assert_eq!(summary.len(), 3, "{summary:?}");
    assert_eq!(
        attr(&posted.body, "#subject_en", "value").as_deref(),
        Some("Only English")
    );
}
