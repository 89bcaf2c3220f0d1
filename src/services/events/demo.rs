//! The two demo events (`anmalan demo`, and the tests' fixtures).
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use sea_orm::DatabaseConnection;

use super::import::{
    ChoiceSpec, EventSpec, ProgrammeSpec, QuestionSpec, default_time_zone, import,
};
use crate::domain::event::{EventKind, EventStatus, Visibility};
use crate::domain::question::{Audience, QuestionKind, WHEN_YES};

/// The next 6 April on or after `today`.
fn next_april_6(today: NaiveDate) -> NaiveDate {
    let this_year = NaiveDate::from_ymd_opt(today.year(), 4, 6).unwrap_or(today);
    if this_year >= today {
        this_year
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, 4, 6).unwrap_or(today)
    }
}

/// The Tuesday of the next Almedalen week. Almedalsveckan is held in ISO
/// week 26 (late June); if that Tuesday has passed, next year's.
fn next_almedalen_tuesday(today: NaiveDate) -> NaiveDate {
    let tuesday = |year| NaiveDate::from_isoywd_opt(year, 26, Weekday::Tue);
    match tuesday(today.year()) {
        Some(date) if date >= today => date,
        _ => tuesday(today.year() + 1).unwrap_or(today),
    }
}

fn at(date: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    date.and_hms_opt(hour, minute, 0).unwrap_or_default()
}

/// The two demo events, dated from `today` so they are always upcoming: the
/// two-day network meeting in Luleå and the public Almedalen seminar in Visby.
/// Names and addresses are invented; contacts use example.org.
pub fn demo_specs(today: NaiveDate) -> Vec<EventSpec> {
    let lulea = next_april_6(today);
    let day2 = lulea + Duration::days(1);
    let visby = next_almedalen_tuesday(today);
    let item =
        |date, h, m, end: Option<(u32, u32)>, title: &str, place: Option<&str>| ProgrammeSpec {
            starts_at: at(date, h, m),
            ends_at: end.map(|(eh, em)| at(date, eh, em)),
            title: title.to_owned(),
            place: place.map(str::to_owned),
            key: None,
            choice: None,
        };
    let choice =
        |mut item: ProgrammeSpec, capacity: Option<u32>, meal: bool, deadline_days: i64| {
            item.choice = Some(ChoiceSpec {
                capacity,
                meal,
                extra_covers: if meal { 4 } else { 0 },
                deadline: Some(at(lulea - Duration::days(deadline_days), 23, 59)),
            });
            item
        };
    vec![
        EventSpec {
            questions: lulea_questions(),
            slug: format!("natverksmote-lulea-{}", lulea.year()),
            kind: EventKind::NetworkMeeting,
            title: "Nätverksmöte i Luleå: Basindustrin i IT-samhället".into(),
            summary: "Två dagar om hur basindustrin och IT-samhället växer ihop, med studiebesök i ett datacenter.".into(),
            description: "Luleå kommun är värd för vårens nätverksmöte. Vi samtalar om basindustrins roll i IT-samhället, om energiförsörjning och om kompetens, och besöker ett av regionens stora datacenter.\n\nMötet är för kommunstyrelsernas ordförande, kommundirektörer och näringslivschefer i nätverkets medlemskommuner.".into(),
            themes: vec!["Energi".into(), "Smart industri".into()],
            venue_name: "Kulturens hus".into(),
            venue_address: "Skeppsbrogatan 17, 972 31 Luleå".into(),
            host_municipality: Some("2580".into()),
            starts_at: at(lulea, 10, 0),
            ends_at: at(day2, 15, 0),
            time_zone: default_time_zone(),
            capacity: Some(60),
            registration_opens_at: None,
            registration_closes_at: Some(at(lulea - Duration::days(7), 23, 59)),
            status: EventStatus::Published,
            visibility: Visibility::Public,
            organiser_email: "sekretariatet@example.org".into(),
            municipality_cap: Some(3),
            keep_choice_settings: false,
            programme: vec![
                item(lulea, 10, 0, Some((10, 30)), "Välkommen till Luleå", Some("Stora salen")),
                item(lulea, 10, 30, Some((12, 0)), "Basindustrin i IT-samhället", Some("Stora salen")),
                choice(item(lulea, 13, 0, Some((16, 0)), "Studiebesök på datacenter", Some("Buss från Kulturens hus")), Some(25), false, 10),
                choice(item(lulea, 13, 0, Some((15, 0)), "Workshop: kompetensförsörjning", Some("Lilla salen")), None, false, 7),
                choice(item(lulea, 19, 0, Some((22, 0)), "Nätverksmiddag", Some("Restaurang vid hamnen")), Some(60), true, 14),
                item(day2, 9, 0, Some((11, 30)), "Temagrupper: energi och smart industri", None),
                item(day2, 13, 0, Some((15, 0)), "Kommunal upphandling som tillväxtmotor", Some("Stora salen")),
            ],
        },
        EventSpec {
            questions: Vec::new(),
            slug: format!("almedalen-{}", visby.year()),
            kind: EventKind::Seminar,
            title: "Industrikommunerna – Sveriges tillväxtmotor".into(),
            summary: "Seminarium under Almedalsveckan om basindustrins betydelse för hela Sverige.".into(),
            description: "Nätverket för starka industrikommuner bjuder in till samtal om vad industrikommunerna behöver för att fortsätta bära svensk export: energi, kompetens, upphandling och integration som tillväxtfaktor.\n\nSeminariet är öppet för alla. Antalet platser är begränsat.".into(),
            themes: vec!["Energi".into(), "Integration som tillväxtfaktor".into(), "Kommunal upphandling".into()],
            venue_name: "Donners plats, seminarietältet".into(),
            venue_address: "Donners plats 1, 621 57 Visby".into(),
            host_municipality: Some("0882".into()),
            starts_at: at(visby, 10, 0),
            ends_at: at(visby, 11, 30),
            time_zone: default_time_zone(),
            capacity: Some(80),
            registration_opens_at: None,
            registration_closes_at: None,
            status: EventStatus::Published,
            visibility: Visibility::Public,
            organiser_email: "sekretariatet@example.org".into(),
            municipality_cap: None,
            keep_choice_settings: false,
            programme: vec![
                item(visby, 10, 0, Some((10, 10)), "Inledning", None),
                item(visby, 10, 10, Some((11, 0)), "Panelsamtal med inbjudna talare", None),
                item(visby, 11, 0, Some((11, 30)), "Frågor från publiken", None),
            ],
        },
    ]
}

/// The Luleå meeting's two questions: whether you join the panel debate,
/// and, only if you do, what you want to ask the panel.
fn lulea_questions() -> Vec<QuestionSpec> {
    let question = |key: &str, kind, sv: &str, en: &str| QuestionSpec {
        key: key.to_owned(),
        kind,
        label_sv: sv.to_owned(),
        label_en: en.to_owned(),
        help_sv: String::new(),
        help_en: String::new(),
        required: false,
        audience: Audience::Public,
        sensitive: false,
        show_if: None,
        show_when: Vec::new(),
        options: Vec::new(),
    };
    let panel = question(
        "paneldebatt",
        QuestionKind::YesNo,
        "Vill du delta i paneldebatten?",
        "Would you like to take part in the panel debate?",
    );
    let mut topic = question(
        "panelfraga",
        QuestionKind::ShortText,
        "Vilken fråga vill du ställa till panelen?",
        "What would you like to ask the panel?",
    );
    topic.required = true;
    topic.show_if = Some("paneldebatt".to_owned());
    topic.show_when = vec![WHEN_YES.to_owned()];
    vec![panel, topic]
}

/// Loads (or refreshes) the demo events.
pub async fn load_demo(db: &DatabaseConnection, today: NaiveDate) -> anyhow::Result<Vec<String>> {
    let mut slugs = Vec::new();
    for spec in demo_specs(today) {
        import(db, &spec).await?;
        slugs.push(spec.slug);
    }
    Ok(slugs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn demo_dates_are_always_upcoming() {
        assert_eq!(next_april_6(date(2026, 11, 28)), date(2027, 4, 6));
        assert_eq!(next_april_6(date(2027, 4, 6)), date(2027, 4, 6));
        assert_eq!(
            next_almedalen_tuesday(date(2026, 11, 28)),
            date(2027, 6, 29)
        );
        assert_eq!(next_almedalen_tuesday(date(2027, 1, 1)), date(2027, 6, 29));
    }
}
