//! Creating and updating events from a TOML description, and the demo events.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TryIntoModel,
};
use serde::Deserialize;

use super::event_changes::{self, EventChange};
use crate::db::entities::{event, programme_item};
use crate::db::{self, events};
use crate::domain::email::EmailAddress;
use crate::domain::event::{EventKind, EventStatus, Visibility};

/// An event as written in an import file. Times are local to `time_zone`,
/// written `2027-04-06T10:00`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub slug: String,
    pub kind: EventKind,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub themes: Vec<String>,
    pub venue_name: String,
    #[serde(default)]
    pub venue_address: String,
    pub host_municipality: Option<String>,
    #[serde(deserialize_with = "local_time")]
    pub starts_at: NaiveDateTime,
    #[serde(deserialize_with = "local_time")]
    pub ends_at: NaiveDateTime,
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    pub capacity: Option<u32>,
    #[serde(default, deserialize_with = "optional_local_time")]
    pub registration_opens_at: Option<NaiveDateTime>,
    #[serde(default, deserialize_with = "optional_local_time")]
    pub registration_closes_at: Option<NaiveDateTime>,
    #[serde(default = "default_status")]
    pub status: EventStatus,
    #[serde(default = "default_visibility")]
    pub visibility: Visibility,
    pub organiser_email: String,
    #[serde(default)]
    pub programme: Vec<ProgrammeSpec>,
}

/// One programme item, times local to the event's time zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeSpec {
    #[serde(deserialize_with = "local_time")]
    pub starts_at: NaiveDateTime,
    #[serde(default, deserialize_with = "optional_local_time")]
    pub ends_at: Option<NaiveDateTime>,
    pub title: String,
    pub place: Option<String>,
}

/// Parses "2027-04-06T10:00" (seconds optional; a space works as well as T).
fn parse_local_time(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
}

fn local_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    let text = String::deserialize(d)?;
    parse_local_time(&text).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "expected a local time like \"2027-04-06T10:00\", got {text:?}"
        ))
    })
}

fn optional_local_time<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<NaiveDateTime>, D::Error> {
    local_time(d).map(Some)
}

fn default_time_zone() -> String {
    "Europe/Stockholm".to_owned()
}
fn default_status() -> EventStatus {
    EventStatus::Published
}
fn default_visibility() -> Visibility {
    Visibility::Public
}

/// Whether an import created or changed an event.
#[derive(Debug, PartialEq, Eq)]
pub enum Imported {
    Created,
    /// Updated; registrants were told if the event moved or was cancelled.
    Updated {
        change: Option<EventChange>,
        notified: usize,
    },
}

impl std::fmt::Display for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Imported::Created => f.write_str("Created"),
            Imported::Updated { change: None, .. } => f.write_str("Updated"),
            Imported::Updated {
                change: Some(EventChange::Moved),
                notified,
            } => {
                write!(f, "Moved ({notified} registrants notified)")
            }
            Imported::Updated {
                change: Some(EventChange::Cancelled),
                notified,
            } => {
                write!(f, "Cancelled ({notified} registrants notified)")
            }
        }
    }
}

/// Reads an event description from TOML text.
pub fn parse_spec(text: &str) -> anyhow::Result<EventSpec> {
    let spec: EventSpec = toml::from_str(text)?;
    Ok(spec)
}

fn to_utc(tz: Tz, local: NaiveDateTime, what: &str) -> anyhow::Result<DateTime<Utc>> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| anyhow::anyhow!("{what} {local} does not exist in {tz}"))
}

/// Creates the event with the spec's slug, or updates it in place; the
/// programme is replaced. Checks the spec first and names what is wrong.
pub async fn import(db: &DatabaseConnection, spec: &EventSpec) -> anyhow::Result<Imported> {
    save(db, None, spec).await
}

/// Saves an event: updates the event with id `existing_id` (the back-office
/// edits by id, so the slug can change), or else the one with the spec's
/// slug, or creates it. Registrants hear of a move or a cancellation in the
/// same transaction.
pub async fn save(
    db: &DatabaseConnection,
    existing_id: Option<i32>,
    spec: &EventSpec,
) -> anyhow::Result<Imported> {
    let slug_ok = !spec.slug.is_empty()
        && spec
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    anyhow::ensure!(
        slug_ok,
        "slug must be lower-case letters, digits and '-': {:?}",
        spec.slug
    );
    anyhow::ensure!(!spec.title.trim().is_empty(), "title must not be empty");
    anyhow::ensure!(
        EmailAddress::parse(&spec.organiser_email).is_some(),
        "organiser_email is not an email address: {:?}",
        spec.organiser_email
    );
    let tz: Tz = spec
        .time_zone
        .parse()
        .map_err(|_| anyhow::anyhow!("time_zone is not an IANA zone: {:?}", spec.time_zone))?;
    let starts_at = to_utc(tz, spec.starts_at, "starts_at")?;
    let ends_at = to_utc(tz, spec.ends_at, "ends_at")?;
    anyhow::ensure!(ends_at > starts_at, "ends_at must be after starts_at");
    let opens = spec
        .registration_opens_at
        .map(|t| to_utc(tz, t, "registration_opens_at"))
        .transpose()?;
    let closes = spec
        .registration_closes_at
        .map(|t| to_utc(tz, t, "registration_closes_at"))
        .transpose()?;
    let capacity = spec
        .capacity
        .map(i32::try_from)
        .transpose()
        .map_err(|_| anyhow::anyhow!("capacity is too large"))?;
    let mut programme = Vec::new();
    for item in &spec.programme {
        programme.push((
            to_utc(tz, item.starts_at, "programme starts_at")?,
            item.ends_at
                .map(|t| to_utc(tz, t, "programme ends_at"))
                .transpose()?,
            item,
        ));
    }

    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let existing = match existing_id {
        Some(id) => events::find_by_id(&txn, id).await?,
        None => events::find_by_slug(&txn, &spec.slug).await?,
    };
    if let Some(other) = events::find_by_slug(&txn, &spec.slug).await?
        && existing.as_ref().is_none_or(|e| e.id != other.id)
    {
        anyhow::bail!("the slug {:?} is taken by another event", spec.slug);
    }
    let before = existing.clone();
    let mut active = match existing {
        Some(model) => model.into(),
        None => event::ActiveModel {
            confirmed_count: Set(0),
            waitlist_counter: Set(0),
            calendar_sequence: Set(0),
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.slug = Set(spec.slug.clone());
    active.kind = Set(spec.kind);
    active.title = Set(spec.title.trim().to_owned());
    active.summary = Set(spec.summary.trim().to_owned());
    active.description = Set(spec.description.trim().to_owned());
    active.themes = Set(spec.themes.join("\n"));
    active.venue_name = Set(spec.venue_name.clone());
    active.venue_address = Set(spec.venue_address.clone());
    active.host_municipality_code = Set(spec.host_municipality.clone());
    active.starts_at = Set(starts_at);
    active.ends_at = Set(ends_at);
    active.time_zone = Set(spec.time_zone.clone());
    active.capacity = Set(capacity);
    active.registration_opens_at = Set(opens);
    active.registration_closes_at = Set(closes);
    active.status = Set(spec.status);
    active.visibility = Set(spec.visibility);
    active.organiser_email = Set(spec.organiser_email.clone());
    active.updated_at = Set(now);
    let saved: event::Model = active.save(&txn).await?.try_into_model()?;
    let event_id = saved.id;
    programme_item::Entity::delete_many()
        .filter(programme_item::Column::EventId.eq(event_id))
        .exec(&txn)
        .await?;
    for (position, (starts, ends, item)) in programme.into_iter().enumerate() {
        programme_item::ActiveModel {
            event_id: Set(event_id),
            position: Set(i32::try_from(position)?),
            starts_at: Set(starts),
            ends_at: Set(ends),
            title: Set(item.title.clone()),
            place: Set(item.place.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let outcome = match before {
        None => Imported::Created,
        Some(before) => {
            let (_, change, notified) = event_changes::apply(&txn, &before, saved, now).await?;
            Imported::Updated { change, notified }
        }
    };
    crate::mail::wake::commit(txn).await?;
    Ok(outcome)
}

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
        };
    vec![
        EventSpec {
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
            programme: vec![
                item(lulea, 10, 0, Some((10, 30)), "Välkommen till Luleå", Some("Stora salen")),
                item(lulea, 10, 30, Some((12, 0)), "Basindustrin i IT-samhället", Some("Stora salen")),
                item(lulea, 13, 0, Some((16, 0)), "Studiebesök på datacenter", Some("Buss från Kulturens hus")),
                item(lulea, 19, 0, None, "Nätverksmiddag", Some("Restaurang vid hamnen")),
                item(day2, 9, 0, Some((11, 30)), "Temagrupper: energi och smart industri", None),
                item(day2, 13, 0, Some((15, 0)), "Kommunal upphandling som tillväxtmotor", Some("Stora salen")),
            ],
        },
        EventSpec {
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
            programme: vec![
                item(visby, 10, 0, Some((10, 10)), "Inledning", None),
                item(visby, 10, 10, Some((11, 0)), "Panelsamtal med inbjudna talare", None),
                item(visby, 11, 0, Some((11, 30)), "Frågor från publiken", None),
            ],
        },
    ]
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

    #[test]
    fn the_example_file_parses() {
        let spec = parse_spec(include_str!("../../config/event.example.toml")).unwrap();
        assert_eq!(spec.kind, EventKind::Seminar);
        assert!(!spec.programme.is_empty());
    }
}
