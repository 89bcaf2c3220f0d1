//! Exports: CSV read back with the csv crate, XLSX with calamine.
use anmalan::domain::role::Role;

use crate::common::*;

async fn setup() -> (TestApp, reqwest::Client) {
    let app = TestApp::spawn().await;
    app.create_event(&seminar("almedalen", Some(1))).await;
    for (name, email, code) in [
        (
            "=HYPERLINK(\"http://evil.example\")",
            "evil@example.org",
            "2580",
        ),
        ("Åsa Öberg", "asa@example.org", "0882"),
    ] {
        let key = new_key();
        let mut form = registration_form(&key, name, email);
        form[3] = ("municipality", code);
        form[6] = ("dietary_needs", "+46 laktosfri");
        assert_eq!(
            app.post_form("/events/almedalen/register", &form)
                .await
                .status,
            303
        );
    }
    app.add_account("org@example.org", Role::Organiser).await;
    let client = app.login("org@example.org").await;
    (app, client)
}

#[tokio::test]
async fn the_csv_export_opens_in_excel_and_neutralises_formulas() {
    let (app, client) = setup().await;
    let response = client
        .get(app.url("/admin/events/almedalen/attendees.csv?diet=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("almedalen-deltagare.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with BOM");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "Namn");
    assert_eq!(&headers[3], "Kommunkod");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let evil = rows.iter().find(|r| &r[1] == "evil@example.org").unwrap();
    assert_eq!(&evil[0], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(&headers[13], "Specialkost", "diet columns last, when asked");
    assert_eq!(&evil[13], "'+46 laktosfri");
    let asa = rows.iter().find(|r| &r[1] == "asa@example.org").unwrap();
    assert_eq!(&asa[0], "Åsa Öberg");
    assert_eq!(&asa[3], "0882");
    assert_eq!(&asa[7], "Väntelista");
    assert_eq!(&asa[8], "1");

    // Filters apply to the export as to the table.
    let filtered = client
        .get(app.url("/admin/events/almedalen/attendees.csv?status=waitlisted"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(&filtered[3..]);
    assert_eq!(reader.records().count(), 1);

    // Diet is sensitive: the default export leaves it out.
    let plain = client
        .get(app.url("/admin/events/almedalen/attendees.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(&plain[3..]);
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.len(), 11, "{headers:?}");
    assert!(!headers.iter().any(|h| h == "Specialkost" || h == "Kost"));
    assert!(!String::from_utf8_lossy(&plain).contains("laktosfri"));
}

#[tokio::test]
async fn the_xlsx_export_shows_text_as_typed_with_real_dates_and_no_formulas() {
    use calamine::{Data, DataType, Reader};
    let (app, client) = setup().await;
    let response = client
        .get(app.url("/admin/events/almedalen/attendees.xlsx?sort=name&diet=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get_value((0, 0)), Some(&Data::String("Namn".into())));
    let names: Vec<String> = (1..3)
        .map(|r| sheet.get_value((r, 0)).unwrap().to_string())
        .collect();
    // A string cell is never a formula, so XLSX shows the text as typed:
    // no neutralising apostrophe (that is for CSV).
    assert!(
        names.contains(&"=HYPERLINK(\"http://evil.example\")".to_owned()),
        "{names:?}"
    );
    for r in 1..3 {
        assert_eq!(
            sheet.get_value((r, 13)),
            Some(&Data::String("+46 laktosfri".into())),
            "dietary needs as typed"
        );
    }
    let row = (1..3)
        .find(|r| sheet.get_value((*r, 1)) == Some(&Data::String("asa@example.org".into())))
        .unwrap();
    assert_eq!(
        sheet.get_value((row, 3)),
        Some(&Data::String("0882".into())),
        "code stays text"
    );
    assert!(
        sheet.get_value((row, 9)).unwrap().as_datetime().is_some(),
        "registered at is a date"
    );
    let formulas = workbook
        .worksheet_formula(&workbook.sheet_names()[0].clone())
        .unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas"
    );
}

#[tokio::test]
async fn the_attendee_table_searches_filters_and_pages() {
    let (app, client) = setup().await;
    let (status, page) = app
        .get_with(&client, "/admin/events/almedalen/attendees?q=%C3%B6berg")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("1 anmälningar"));
    assert!(page.contains("Åsa Öberg"));
    let (_, page) = app
        .get_with(
            &client,
            "/admin/events/almedalen/attendees?municipality=2580",
        )
        .await;
    assert!(page.contains("evil@example.org") && !page.contains("asa@example.org"));
    let (_, page) = app
        .get_with(
            &client,
            "/admin/events/almedalen/attendees?status=cancelled",
        )
        .await;
    assert!(page.contains("0 anmälningar"));
    assert!(page.contains("Sida 1 av 1"));
}
