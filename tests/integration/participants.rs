//! The participant list, with consent: off by default, given on the form or
//! the manage page, shown to confirmed participants, exported by
//! organisers, and gone at once when withdrawn.
use crate::common::*;
use crate::reminders::organiser;

/// The names in the participant list on a page.
fn listed(page: &str) -> Vec<String> {
    texts(page, "table.participants tbody th")
}

#[tokio::test]
async fn consent_shows_a_participant_and_withdrawing_it_removes_them_at_once() {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("motet", Some(2))).await;
    // The box is on the form, not ticked.
    let (_, form) = app.get("/events/motet").await;
    assert!(attr(&form, "#participant_list", "type").is_some());
    assert_eq!(attr(&form, "#participant_list", "checked"), None);

    let key = new_key();
    let mut anna_form = registration_form(&key, "Anna Berg", "anna@example.org");
    anna_form.push(("participant_list", "yes"));
    let anna = app
        .post_form("/events/motet/register", &anna_form)
        .await
        .manage_path();
    let bo = app
        .register("motet", "Bo Ek", "bo@example.org")
        .await
        .manage_path();
    let key = new_key();
    let mut cecilia_form = registration_form(&key, "Cecilia Lind", "cecilia@example.org");
    cecilia_form.push(("participant_list", "yes"));
    let cecilia = app
        .post_form("/events/motet/register", &cecilia_form)
        .await
        .manage_path();

    // Confirmed participants see the consenting confirmed ones.
    let (_, page) = app.get(&anna).await;
    assert_eq!(listed(&page), vec!["Anna Berg"]);
    assert!(page.contains("Du syns på deltagarlistan."));
    assert!(page.contains("Luleå"), "the municipality");
    let (_, page) = app.get(&bo).await;
    assert_eq!(listed(&page), vec!["Anna Berg"], "Bo did not agree");
    assert!(page.contains("Du syns inte på deltagarlistan."));
    // Cecilia waits for a seat: she sees no list, and is not on it.
    let (_, page) = app.get(&cecilia).await;
    assert!(listed(&page).is_empty());
    assert!(!page.contains("Anna Berg"));

    // Bo agrees on his page; the consent and its time are stored.
    let posted = app
        .post_form(&format!("{bo}/participant-list"), &[("listed", "yes")])
        .await;
    assert_eq!(posted.location, Some(format!("{bo}?done=listed")));
    let (_, page) = app.get(&anna).await;
    assert_eq!(listed(&page), vec!["Anna Berg", "Bo Ek"]);
    let (_, data) = app.get(&format!("{bo}/data.json")).await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert!(data["registration"]["participant_list_consented_at"].is_string());

    // The organiser's list and its exports show the same.
    let client = organiser(&app).await;
    let (status, page) = app
        .get_with(&client, "/admin/events/motet/participants")
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed(&page), vec!["Anna Berg", "Bo Ek"]);
    let csv = client
        .get(app.url("/admin/events/motet/participants.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Anna Berg,Kommunstyrelsens ordförande,Luleå"));
    assert!(csv.contains("Bo Ek"));
    assert!(!csv.contains("Cecilia"));
    let xlsx = client
        .get(app.url("/admin/events/motet/participants.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let path = std::env::temp_dir().join(format!("deltagare-{}.xlsx", uuid::Uuid::now_v7()));
    std::fs::write(&path, &bytes).unwrap();
    {
        use calamine::{Reader, Xlsx, open_workbook};
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let names: Vec<String> = sheet.rows().skip(1).map(|row| row[0].to_string()).collect();
        assert_eq!(names, vec!["Anna Berg", "Bo Ek"]);
    }
    let _ = std::fs::remove_file(&path);

    // Anna withdraws: gone at once, everywhere.
    let posted = app
        .post_form(&format!("{anna}/participant-list"), &[("listed", "no")])
        .await;
    assert_eq!(posted.location, Some(format!("{anna}?done=unlisted")));
    let (_, page) = app.get(&bo).await;
    assert_eq!(listed(&page), vec!["Bo Ek"]);
    let (_, page) = app
        .get_with(&client, "/admin/events/motet/participants")
        .await;
    assert_eq!(listed(&page), vec!["Bo Ek"]);
    let (_, data) = app.get(&format!("{anna}/data.json")).await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert!(data["registration"]["participant_list_consented_at"].is_null());

    // A cancelled participant leaves the list too; Cecilia gets the seat
    // and, having agreed, appears.
    app.post_form(&format!("{bo}/cancel"), &[]).await;
    let (_, page) = app.get(&anna).await;
    assert_eq!(listed(&page), vec!["Cecilia Lind"]);
}
