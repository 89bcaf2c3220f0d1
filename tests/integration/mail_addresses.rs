//! Addresses beyond ASCII: a non-ASCII domain is sent in its IDNA (punycode)
//! form and is one address with it; a non-ASCII local part that the server
//! cannot take fails at once, with its reason in the email log. Addresses
//! stored before that change are rewritten by a migration.
use anmalan::db::entities::{event, invitation, organiser, outbox, registration};
use anmalan::domain::role::Role;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::common::mail::*;
use crate::common::*;

#[tokio::test]
async fn a_non_ascii_domain_is_delivered_as_punycode_and_is_one_address_with_it() {
    let dir = tempfile::tempdir().unwrap();
    // The test server offers no SMTPUTF8, like many real ones.
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    let posted = app
        .register("almedalen", "Kommunen", "kommun@östhammar.se")
        .await;
    assert_eq!(posted.status, 303);

    let mails = wait_for_messages(dir.path(), 1, 20).await;
    assert_eq!(mails.len(), 1, "delivered, not left pending");
    assert_eq!(mails[0].to, "kommun@xn--sthammar-m4a.se", "the To header");
    assert_eq!(
        envelope_recipients(dir.path()),
        vec!["kommun@xn--sthammar-m4a.se"],
        "the envelope"
    );
    // The page still shows the address as typed.
    let (_, manage) = app.get(&posted.manage_path()).await;
    assert!(manage.contains("kommun@östhammar.se"));

    // The punycode form, or other capitals, are the same address.
    for same in ["kommun@xn--sthammar-m4a.se", "Kommun@ÖSTHAMMAR.se"] {
        let again = app.register("almedalen", "Kommunen", same).await;
        assert_eq!(again.status, 200, "{same}");
        assert!(again.body.contains("Du är redan anmäld"), "{same}");
    }
    let registrations = anmalan::db::entities::registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(registrations.len(), 1, "one registration");
}

#[tokio::test]
async fn a_non_ascii_local_part_fails_at_once_with_its_reason_when_the_server_lacks_smtputf8() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &[]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    assert_eq!(
        app.register("almedalen", "Åsa", "åsa@example.org")
            .await
            .status,
        303
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let row = loop {
        let row = outbox::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        if !matches!(row.status.as_str(), "pending" | "sending")
            || std::time::Instant::now() > deadline
        {
            break row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        row.status,
        OutboxStatus::Failed,
        "permanent, not retried: {row:?}"
    );
    assert_eq!(row.attempts, 1);
    let error = row.last_error.clone().unwrap_or_default();
    assert!(error.contains("SMTPUTF8"), "{error}");

    // The organiser sees it in the email log at once.
    app.add_account("org@example.org", Role::Organiser).await;
    let organiser = app.login("org@example.org").await;
    let (status, log) = app
        .get_with(&organiser, "/admin/events/almedalen/emails")
        .await;
    assert_eq!(status, 200);
    assert!(
        log.contains("does not support SMTPUTF8") && log.contains("åsa@example.org"),
        "{log}"
    );
    assert!(received(dir.path()).is_empty());
}

#[tokio::test]
async fn a_non_ascii_local_part_is_delivered_by_a_server_with_smtputf8() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(free_port(), dir.path(), &["--smtputf8"]).await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    app.create_event(&seminar("almedalen", Some(10))).await;
    app.register("almedalen", "Åsa", "åsa@östhammar.se").await;
    let mails = wait_for_messages(dir.path(), 1, 20).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        envelope_recipients(dir.path()),
        vec!["åsa@xn--sthammar-m4a.se"]
    );
}

/// The migration that rewrites addresses stored before the IDNA change.
const IDNA_MIGRATION: &str = "m20261202_000009_idna_addresses";

/// A database migrated up to, not including, the IDNA rewrite, with the
/// Almedalen seminar: what a server of the previous release left behind.
async fn database_before_the_idna_rewrite(
    dir: &tempfile::TempDir,
) -> (String, sea_orm::DatabaseConnection, event::Model) {
    use migration::MigratorTrait;
    let url = fresh_database(dir).await;
    let db = anmalan::db::connect(&settings_for(&url, dir, &[]).database)
        .await
        .unwrap();
    let before = migration::Migrator::migrations()
        .iter()
        .position(|m| m.name() == IDNA_MIGRATION)
        .expect("the IDNA migration is registered");
    migration::Migrator::up(&db, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
    anmalan::services::events::import(&db, &seminar("almedalen", Some(10)))
        .await
        .unwrap();
    let event = event::Entity::find()
        .filter(event::Column::Slug.eq("almedalen"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    (url, db, event)
}

/// A confirmed registration as the previous release stored it: the key was
/// the typed address, lower-cased, with the domain in Unicode.
async fn stored_by_the_previous_release(
    db: &sea_orm::DatabaseConnection,
    event: &event::Model,
    typed: &str,
    registered: chrono::DateTime<chrono::Utc>,
) -> registration::Model {
    let mut row = fixtures::registration(event, "Kommunen");
    row.id = uuid::Uuid::now_v7();
    row.email = typed.to_owned();
    row.email_normalized = typed.to_lowercase();
    row.manage_token_hash = format!("hash-{}", row.id);
    row.created_at = registered;
    row.updated_at = registered;
    row.consented_at = registered;
    let mut active = registration::ActiveModel::from(row.clone());
    // Columns of later migrations (the participant list's consent, the
    // substitute, the delegation).
    active.participant_list_consented_at = sea_orm::ActiveValue::NotSet;
    active.replaced_by = sea_orm::ActiveValue::NotSet;
    active.delegation_id = sea_orm::ActiveValue::NotSet;
    registration::Entity::insert(active)
        .exec_without_returning(db)
        .await
        .unwrap();
    row
}

#[tokio::test]
async fn an_address_stored_with_a_non_ascii_domain_before_the_upgrade_is_one_address_with_its_punycode_form()
 {
    let dir = tempfile::tempdir().unwrap();
    let (url, db, event) = database_before_the_idna_rewrite(&dir).await;
    let now = chrono::Utc::now();
    stored_by_the_previous_release(&db, &event, "kommun@Östhammar.se", now).await;
    invitation::Entity::insert(invitation::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        event_id: Set(event.id),
        name: Set("Kommunen".into()),
        email: Set("kommun@Östhammar.se".into()),
        email_normalized: Set("kommun@östhammar.se".into()),
        municipality_code: Set(Some("0382".into())),
        organisation: Set(None),
        token_hash: Set("invitation-hash".into()),
        status: Set(InvitationStatus::Sent),
        registration_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        reminded_at: Set(None),
    })
    .exec_without_returning(&db)
    .await
    .unwrap();
    // An account as the previous release stored it (its key is its login).
    anmalan::services::accounts::create(
        &db,
        "sekretariat@östhammar.se",
        "Sekretariatet",
        Role::Organiser,
        PASSWORD,
        now,
    )
    .await
    .unwrap();
    organiser::Entity::update_many()
        .col_expr(
            organiser::Column::Email,
            sea_orm::sea_query::Expr::value("sekretariat@östhammar.se"),
        )
        .exec(&db)
        .await
        .unwrap();
    db.close().await.unwrap();

    // The new release starts and migrates.
    let app = TestApp::spawn_on_url(&url, &[]).await;

    for same in ["kommun@xn--sthammar-m4a.se", "Kommun@ÖSTHAMMAR.se"] {
        let again = app.register("almedalen", "Kommunen", same).await;
        assert_eq!(again.status, 200, "{same}");
        assert!(again.body.contains("Du är redan anmäld"), "{same}");
    }
    let registrations = registration::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(registrations.len(), 1, "one registration");
    assert_eq!(
        registrations[0].email, "kommun@Östhammar.se",
        "the address is shown as typed"
    );

    // The account logs in with either form, and the invitation is found.
    let organiser = app.login("sekretariat@xn--sthammar-m4a.se").await;
    app.login("Sekretariat@Östhammar.se").await;
    let invited = app
        .post_with(
            &organiser,
            "/admin/events/almedalen/invitations",
            &[("lines", "Kommunen, kommun@xn--sthammar-m4a.se, 0382")],
        )
        .await;
    assert!(
        invited.body.contains("Redan inbjuden till evenemanget."),
        "{}",
        invited.body
    );
    assert_eq!(
        invitation::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        1,
        "one invitation"
    );
}

#[tokio::test]
async fn an_upgrade_that_makes_two_active_registrations_one_address_keeps_both_and_tells_the_organisers()
 {
    let dir = tempfile::tempdir().unwrap();
    let (url, db, event) = database_before_the_idna_rewrite(&dir).await;
    let earlier = chrono::Utc::now() - chrono::Duration::hours(2);
    // The older stored in Unicode; the younger typed in punycode, which the
    // previous release took for another address.
    let older = stored_by_the_previous_release(&db, &event, "kommun@östhammar.se", earlier).await;
    let younger = stored_by_the_previous_release(
        &db,
        &event,
        "kommun@xn--sthammar-m4a.se",
        earlier + chrono::Duration::hours(1),
    )
    .await;
    db.close().await.unwrap();

    let app = TestApp::spawn_on_url(&url, &[]).await;

    // Nobody is cancelled or lost; the older one has the address.
    let again = app
        .register("almedalen", "Kommunen", "kommun@östhammar.se")
        .await;
    assert!(again.body.contains("Du är redan anmäld"), "{}", again.body);
    let rows = registration::Entity::find()
        .order_by_asc(registration::Column::CreatedAt)
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|row| row.status == RegistrationStatus::Confirmed)
    );
    assert_eq!(rows[0].id, older.id);
    assert_eq!(rows[0].email_normalized, "kommun@xn--sthammar-m4a.se");
    assert_eq!(rows[1].id, younger.id);
    assert_eq!(rows[1].email, "kommun@xn--sthammar-m4a.se", "kept as typed");
    assert_eq!(
        rows[1].email_normalized,
        format!("duplicate:{}", younger.id)
    );

    // The audit log tells the organisers which one to cancel.
    app.add_account("admin@example.org", Role::Admin).await;
    let admin = app.login("admin@example.org").await;
    let (status, audit) = app.get_with(&admin, "/admin/audit").await;
    assert_eq!(status, 200);
    assert!(
        audit.contains("registration.duplicate_address")
            && audit.contains(&younger.id.to_string())
            && audit.contains(&older.id.to_string()),
        "{audit}"
    );
}
