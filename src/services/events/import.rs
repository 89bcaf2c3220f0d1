//! Creating and updating events from a TOML description (`anmalan event
//! import`); the back-office saves through the same [`save`].
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, TryIntoModel};
use serde::Deserialize;

use super::changes::{self, EventChange};
use super::programme::{self, Planned, deadline_utc};
use crate::db::entities::{event, organiser};
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
    /// At most this many confirmed registrations per member municipality.
    #[serde(default)]
    pub municipality_cap: Option<u32>,
    #[serde(default)]
    pub programme: Vec<ProgrammeSpec>,
    /// The event's own questions, matched by `key`: an import adds the new
    /// ones and updates the others by the back-office's rules (a type does
    /// not change once answered; options are matched by their place in the
    /// list, so rewording one keeps its answers). Questions not in the file
    /// are left as they are. The back-office's event form leaves them alone.
    #[serde(default)]
    pub questions: Vec<QuestionSpec>,
    /// Keep the stored cap and each item's key and choice settings (matched
    /// by title) instead of taking them from this spec: the back-office's
    /// event form, which edits neither, sets it.
    #[serde(skip)]
    pub keep_choice_settings: bool,
}

/// What makes a programme item choosable, and its limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceSpec {
    /// Seats; none is unlimited.
    pub capacity: Option<u32>,
    /// A meal: the caterer's sheet counts it.
    #[serde(default)]
    pub meal: bool,
    /// Covers beyond the registrants (speakers, staff).
    #[serde(default)]
    pub extra_covers: u32,
    /// After this local time only organisers change the choice.
    #[serde(default, deserialize_with = "optional_local_time")]
    pub deadline: Option<NaiveDateTime>,
}

/// One of the event's own questions, as written in an import file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionSpec {
    /// Stable within the event: a-z, 0-9, `_` and `-`.
    pub key: String,
    /// `short-text`, `long-text`, `number`, `yes-no`, `one-choice`,
    /// `several-choices` or `date`.
    pub kind: crate::domain::question::QuestionKind,
    pub label_sv: String,
    #[serde(default)]
    pub label_en: String,
    #[serde(default)]
    pub help_sv: String,
    #[serde(default)]
    pub help_en: String,
    #[serde(default)]
    pub required: bool,
    /// `public` (the default) or `organisers`.
    #[serde(default = "public_audience")]
    pub audience: crate::domain::question::Audience,
    #[serde(default)]
    pub sensitive: bool,
    /// The key of an earlier question in the file whose answer shows this
    /// one…
    #[serde(default)]
    pub show_if: Option<String>,
    /// …when it is one of these: `yes`/`no`, or options by Swedish label.
    #[serde(default)]
    pub show_when: Vec<String>,
    /// The options of a choice question, in order.
    #[serde(default)]
    pub options: Vec<OptionSpec>,
}

/// An option of a choice question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    pub sv: String,
    #[serde(default)]
    pub en: String,
}

fn public_audience() -> crate::domain::question::Audience {
    crate::domain::question::Audience::Public
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
    /// Stable within the event, so that a changed programme keeps the
    /// choices made of the items it keeps; by default made from the title.
    #[serde(default)]
    pub key: Option<String>,
    /// Set to make the item choosable.
    #[serde(default)]
    pub choice: Option<ChoiceSpec>,
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

pub(super) fn default_time_zone() -> String {
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
        /// The event moved and its programme, sent unchanged, moved with it.
        programme_moved: bool,
    },
}

/// Programme items that would lie outside their event, by 1-based line (the
/// item's place in the programme) and title.
#[derive(Debug, thiserror::Error)]
#[error("programme items lie outside the event's time: {}", describe(.0))]
pub struct ProgrammeOutside(pub Vec<(usize, String)>);

fn describe(items: &[(usize, String)]) -> String {
    items
        .iter()
        .map(|(line, title)| format!("item {line} {title:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Imported::Created => f.write_str("Created"),
            Imported::Updated { change: None, .. } => f.write_str("Updated"),
            Imported::Updated {
                change: Some(EventChange::Moved),
                notified,
                programme_moved,
            } => {
                write!(f, "Moved ({notified} registrants notified)")?;
                if *programme_moved {
                    f.write_str("; the programme moved with it")?;
                }
                Ok(())
            }
            Imported::Updated {
                change: Some(EventChange::Cancelled),
                notified,
                ..
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

/// A local time as UTC, to the microsecond: what PostgreSQL keeps, so a
/// time read back compares equal to the one written (on SQLite too).
fn to_utc(tz: Tz, local: NaiveDateTime, what: &str) -> anyhow::Result<DateTime<Utc>> {
    use chrono::SubsecRound;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc).trunc_subsecs(6))
        .ok_or_else(|| anyhow::anyhow!("{what} {local} does not exist in {tz}"))
}

/// Creates the event with the spec's slug, or updates it in place; the
/// programme is replaced. Checks the spec first and names what is wrong.
pub async fn import(db: &DatabaseConnection, spec: &EventSpec) -> anyhow::Result<Imported> {
    let imported = save(db, None, spec, None).await?;
    if !spec.questions.is_empty() {
        let event = events::find_by_slug(db, &spec.slug)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the event {} was not saved", spec.slug))?;
        crate::services::questions::apply_specs(db, event.id, &spec.questions).await?;
    }
    Ok(imported)
}

/// The audit entry an organiser's save writes in its transaction: the
/// action, and the details (the outcome, when `details` is None).
#[derive(Debug, Clone, Copy)]
pub struct SaveAudit<'a> {
    pub who: &'a organiser::Model,
    pub action: &'a str,
    pub details: Option<&'a str>,
}

/// Saves an event: updates the event with id `existing_id` (the back-office
/// edits by id, so the slug can change), or else the one with the spec's
/// slug, or creates it. Registrants hear of a move or a cancellation in the
/// same transaction.
pub async fn save(
    db: &DatabaseConnection,
    existing_id: Option<i32>,
    spec: &EventSpec,
    audit: Option<SaveAudit<'_>>,
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
    // Moving an event moves its programme with it, when the programme was
    // sent as it is stored (the organiser changed only the event's times).
    let mut programme_moved = false;
    if let Some(before) = &before
        && before.starts_at != starts_at
    {
        let stored = events::programme(&txn, before.id).await?;
        let unchanged = !stored.is_empty()
            && stored.len() == programme.len()
            && stored.iter().zip(&programme).all(|(s, (st, en, item))| {
                s.starts_at == *st
                    && s.ends_at == *en
                    && s.title == item.title
                    && s.place == item.place
            });
        if unchanged {
            let delta = starts_at - before.starts_at;
            for (st, en, _) in &mut programme {
                *st += delta;
                *en = en.map(|e| e + delta);
            }
            programme_moved = true;
        }
    }
    let outside: Vec<(usize, String)> = programme
        .iter()
        .enumerate()
        .filter(|(_, (st, en, _))| *st < starts_at || en.unwrap_or(*st) > ends_at)
        .map(|(i, (_, _, item))| (i + 1, item.title.clone()))
        .collect();
    if !outside.is_empty() {
        return Err(ProgrammeOutside(outside).into());
    }
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
    if !spec.keep_choice_settings {
        active.municipality_cap = Set(spec
            .municipality_cap
            .map(i32::try_from)
            .transpose()
            .map_err(|_| anyhow::anyhow!("municipality_cap is too large"))?);
    }
    active.registration_opens_at = Set(opens);
    active.registration_closes_at = Set(closes);
    active.status = Set(spec.status);
    active.visibility = Set(spec.visibility);
    active.organiser_email = Set(spec.organiser_email.clone());
    active.updated_at = Set(now);
    let saved: event::Model = active.save(&txn).await?.try_into_model()?;
    let event_id = saved.id;
    let planned = programme
        .iter()
        .map(|(starts_at, ends_at, spec)| {
            Ok(Planned {
                starts_at: *starts_at,
                ends_at: *ends_at,
                spec,
                deadline: deadline_utc(spec, tz, to_utc)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ripple = programme::save(&txn, event_id, &planned, spec.keep_choice_settings, now).await?;
    ripple.announce(&txn, now).await?;
    let outcome = match before {
        None => Imported::Created,
        Some(before) => {
            let (_, change, notified) = changes::apply(&txn, &before, saved, now).await?;
            Imported::Updated {
                change,
                notified,
                programme_moved,
            }
        }
    };
    if let Some(entry) = audit {
        let outcome_text = outcome.to_string();
        let details = entry.details.unwrap_or(&outcome_text);
        crate::services::audit::record(&txn, entry.who, entry.action, &spec.slug, details, now)
            .await?;
    }
    crate::mail::wake::commit(txn).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses() {
        let spec = parse_spec(include_str!("../../../config/event.example.toml")).unwrap();
        assert_eq!(spec.kind, EventKind::Seminar);
        assert!(!spec.programme.is_empty());
        assert_eq!(spec.questions.len(), 3);
    }
}
