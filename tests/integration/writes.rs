//! The write paths under group commit: statements sent together, and the
//! writers of one process taking turns for SQLite's write connection.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anmalan::db::entities::form_submission;
use anmalan::db::{Together, begin_write};
use anmalan::domain::status::SubmissionOutcome;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::*;

fn submission(key: &str) -> sea_orm::Insert<form_submission::ActiveModel> {
    form_submission::Entity::insert(form_submission::ActiveModel {
        key_hash: Set(key.to_owned()),
        registration_id: Set(None),
        sealed_token: Set(None),
        outcome: Set(SubmissionOutcome::AlreadyRegistered),
        created_at: Set(Utc::now()),
    })
}

async fn count(db: &sea_orm::DatabaseConnection, prefix: &str) -> u64 {
    form_submission::Entity::find()
        .filter(form_submission::Column::KeyHash.starts_with(prefix))
        .count(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn statements_sent_together_run_in_order_and_stop_at_the_first_error() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;

    // Three inserts, one round trip on SQLite: all three are written.
    let txn = begin_write(db).await.unwrap();
    let mut together = Together::new(&txn);
    for key in ["ok-1", "ok-2", "ok-3"] {
        together.push(&submission(key));
    }
    together.run(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(count(db, "ok-").await, 3);

    // The second repeats a key: the run fails there, the third never runs,
    // and the transaction rolled back keeps nothing of it.
    let txn = begin_write(db).await.unwrap();
    let mut together = Together::new(&txn);
    together.push(&submission("bad-1"));
    together.push(&submission("ok-1"));
    together.push(&submission("bad-3"));
    let err = together.run(&txn).await.expect_err("a repeated key fails");
    assert!(anmalan::db::is_unique_violation(&err), "{err}");
    txn.rollback().await.unwrap();
    assert_eq!(count(db, "bad-").await, 0);
    assert_eq!(count(db, "ok-").await, 3);
}

/// A statement pushed to run after the others sees their rows, on both
/// databases (on PostgreSQL it is a second round trip: the parts of one
/// statement cannot see each other's rows).
#[tokio::test]
async fn a_statement_sent_after_the_others_reads_their_rows() {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let txn = begin_write(db).await.unwrap();
    let mut together = Together::new(&txn);
    together.push(&submission("after-1"));
    together.push(&submission("after-2"));
    // Copies every `after-` row under a new key: only rows already written
    // can be copied.
    let copy = Query::insert()
        .into_table(form_submission::Entity)
        .columns([
            form_submission::Column::KeyHash,
            form_submission::Column::Outcome,
            form_submission::Column::CreatedAt,
        ])
        .select_from(
            Query::select()
                .expr(Expr::cust("'copied-' || key_hash"))
                .column(form_submission::Column::Outcome)
                .column(form_submission::Column::CreatedAt)
                .from(form_submission::Entity)
                .and_where(Expr::col(form_submission::Column::KeyHash).like("after-%"))
                .to_owned(),
        )
        .unwrap()
        .to_owned();
    together.push_after(&copy);
    together.run(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(count(db, "after-").await, 2);
    assert_eq!(count(db, "copied-after-").await, 2);
}

/// A second writer of the same process waits for the first to commit and
/// then writes (on SQLite it queues for the write connection; on
/// PostgreSQL the two do not touch the same rows and both go ahead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_of_the_process_takes_its_turn_instead_of_failing() {
    let app = TestApp::spawn().await;
    let db = app.state.db.clone();
    let first = begin_write(&db).await.unwrap();
    submission("turn-1").exec(&first).await.unwrap();
    let first_done = Arc::new(AtomicBool::new(false));
    let second = {
        let db = db.clone();
        let first_done = first_done.clone();
        tokio::spawn(async move {
            let txn = begin_write(&db).await.unwrap();
            // On SQLite the write connection is ours only after the first
            // transaction ended.
            let after_first = first_done.load(Ordering::SeqCst);
            submission("turn-2").exec(&txn).await.unwrap();
            txn.commit().await.unwrap();
            after_first
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first_done.store(true, Ordering::SeqCst);
    first.commit().await.unwrap();
    let after_first = second.await.unwrap();
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        assert!(
            after_first,
            "the second writer began before the first ended"
        );
    }
    assert_eq!(count(&db, "turn-").await, 2);
}
