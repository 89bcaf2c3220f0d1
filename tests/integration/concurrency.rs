//! Capacity holds under concurrency, with two instances on one database.
use std::collections::HashSet;

use anmalan::db::entities::{event, registration};
use anmalan::db::registrations::waitlist_position;
use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_registrations_for_fifty_seats_confirm_exactly_fifty() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    first.create_event(&seminar("rusning", Some(50))).await;

    let started = std::time::Instant::now();
    let attempts = (0..200).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        async move {
            let email = format!("person{i}@example.org");
            app.register_patiently("rusning", &format!("Person {i}"), &email)
                .await
                .status
        }
    });
    let statuses = join_all(attempts).await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    println!(
        "200 concurrent registrations over 2 instances ({}): {:.2?}, {:.0}/s",
        if first.database_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        elapsed,
        200.0 / elapsed.as_secs_f64()
    );

    let rows = registration::Entity::find()
        .all(&first.state.db)
        .await
        .unwrap();
    let confirmed = rows
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .count();
    let waitlisted: Vec<_> = rows
        .iter()
        .filter(|r| r.status == RegistrationStatus::Waitlisted)
        .collect();
    assert_eq!(rows.len(), 200);
    assert_eq!(confirmed, 50);
    assert_eq!(waitlisted.len(), 150);
    let orders: HashSet<i32> = waitlisted.iter().filter_map(|r| r.waitlist_order).collect();
    assert_eq!(orders.len(), 150, "distinct waitlist numbers");
    let mut positions = HashSet::new();
    for r in &waitlisted {
        positions.insert(
            waitlist_position(&first.state.db, r)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(positions, (1..=150).collect::<HashSet<u64>>());
    let stored = event::Entity::find()
        .filter(event::Column::Slug.eq("rusning"))
        .one(&first.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.confirmed_count, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancellations_promote_each_waiting_person_once() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    first.create_event(&seminar("byten", Some(10))).await;
    let mut manage = Vec::new();
    for i in 0..20 {
        manage.push(
            first
                .register("byten", "P", &format!("p{i}@example.org"))
                .await
                .manage_path(),
        );
    }
    // Ten confirmed people cancel at once, through both instances.
    let cancels = manage[..10].iter().enumerate().map(|(i, path)| {
        let app = if i % 2 == 0 { &first } else { &second };
        async move { app.post_form(&format!("{path}/cancel"), &[]).await.status }
    });
    assert!(join_all(cancels).await.iter().all(|s| *s == 303));
    let rows = registration::Entity::find()
        .all(&first.state.db)
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .count(),
        10
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == RegistrationStatus::Waitlisted)
            .count(),
        0
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == RegistrationStatus::Cancelled)
            .count(),
        10
    );
}
