//! What the API reads and writes, described for the OpenAPI document.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::entities::{event, programme_item, registration};
use crate::domain::choice::{Allergen, ChoiceLine, ChoiceStatus, Diet, DietChoice};
use crate::domain::question::{AnswerValue, Audience, Question, QuestionKind};
use crate::services::attendees::{MunicipalityLine, StatusCounts};

/// The state of a registration (the stored status).
pub use crate::domain::event::RegistrationStatus as RegistrationState;

/// How many registrations an event has.
#[derive(Debug, Serialize, ToSchema)]
pub struct Counts {
    pub confirmed: u64,
    pub waitlisted: u64,
    pub cancelled: u64,
    pub checked_in: u64,
    /// Seats not taken; absent when the event has no capacity limit.
    pub seats_left: Option<u64>,
}

impl Counts {
    pub fn new(counts: StatusCounts, capacity: Option<i32>) -> Self {
        Self {
            seats_left: capacity.map(|c| {
                u64::try_from(c)
                    .unwrap_or(0)
                    .saturating_sub(counts.confirmed)
            }),
            confirmed: counts.confirmed,
            waitlisted: counts.waitlisted,
            cancelled: counts.cancelled,
            checked_in: counts.checked_in,
        }
    }
}

/// An event with its counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventSummary {
    /// The event's name in links: `/events/{slug}`.
    pub slug: String,
    pub title: String,
    /// `network-meeting` or `seminar`.
    pub kind: String,
    pub summary: String,
    /// `draft`, `published`, `closed` or `cancelled`.
    pub status: String,
    /// `public` or `invite-only`.
    pub visibility: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The IANA time zone the event is shown in.
    pub time_zone: String,
    pub venue_name: String,
    /// Seats; absent when unlimited.
    pub capacity: Option<i32>,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub counts: Counts,
}

impl EventSummary {
    pub fn new(event: &event::Model, counts: StatusCounts) -> Self {
        Self {
            slug: event.slug.clone(),
            title: event.title.clone(),
            kind: event.kind.to_string(),
            summary: event.summary.clone(),
            status: event.status.to_string(),
            visibility: event.visibility.to_string(),
            starts_at: event.starts_at,
            ends_at: event.ends_at,
            time_zone: event.time_zone.clone(),
            venue_name: event.venue_name.clone(),
            capacity: event.capacity,
            registration_opens_at: event.registration_opens_at,
            registration_closes_at: event.registration_closes_at,
            counts: Counts::new(counts, event.capacity),
        }
    }
}

/// Every event, soonest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventSummary>,
}

/// One member municipality's registrations for an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityCount {
    /// The four-digit municipality code.
    pub code: String,
    pub name: String,
    pub confirmed: u64,
    pub waitlisted: u64,
    /// Invited and not yet answered.
    pub invited_unanswered: u64,
}

impl From<MunicipalityLine> for MunicipalityCount {
    fn from(line: MunicipalityLine) -> Self {
        Self {
            code: line.code,
            name: line.name,
            confirmed: line.confirmed,
            waitlisted: line.waitlisted,
            invited_unanswered: line.invited_unanswered,
        }
    }
}

/// An event with its description, programme and per-municipality counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: EventSummary,
    pub description: String,
    pub venue_address: String,
    /// At most this many confirmed registrations per member municipality;
    /// absent when there is no such cap.
    pub municipality_cap: Option<i32>,
    /// The programme, in order; `choosable` items can be chosen in
    /// `choices` when registering.
    pub programme: Vec<ProgrammeItem>,
    /// Each of the network's member municipalities, by name.
    pub by_municipality: Vec<MunicipalityCount>,
    /// The event's own questions, in order; answered in a registration's
    /// `answers` under their `key`.
    pub questions: Vec<EventQuestion>,
}

/// One of an event's own questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventQuestion {
    /// Stable within the event: the answer's name in `answers`.
    pub key: String,
    pub kind: QuestionKind,
    pub label_sv: String,
    pub label_en: String,
    pub help_sv: String,
    pub help_en: String,
    /// Must be answered when shown (never blocks an organiser or the API).
    pub required: bool,
    /// `public`: on the form; `organisers`: filled in by organisers only.
    pub audience: Audience,
    /// Left out of default exports and check-in; erased early.
    pub sensitive: bool,
    /// The key of the earlier question whose answer shows this one.
    pub shown_if: Option<String>,
    /// The answers of `shown_if` that show it: `yes`/`no`, or option ids.
    pub shown_when: Vec<String>,
    /// The options of a choice question; answers name them by `id`.
    pub options: Vec<QuestionChoice>,
}

/// An option of a choice question.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionChoice {
    pub id: i32,
    pub label_sv: String,
    pub label_en: String,
    /// No longer offered (kept because it was chosen).
    pub archived: bool,
}

impl EventQuestion {
    /// The question as the API shows it; `all` names its parent.
    pub fn new(question: &Question, all: &[Question]) -> Self {
        Self {
            key: question.key.clone(),
            kind: question.kind,
            label_sv: question.label_sv.clone(),
            label_en: question.label_en.clone(),
            help_sv: question.help_sv.clone(),
            help_en: question.help_en.clone(),
            required: question.required,
            audience: question.audience,
            sensitive: question.sensitive,
            shown_if: question
                .parent_id
                .and_then(|p| all.iter().find(|q| q.id == p))
                .map(|p| p.key.clone()),
            shown_when: question.show_when.clone(),
            options: question
                .options
                .iter()
                .map(|o| QuestionChoice {
                    id: o.id,
                    label_sv: o.label_sv.clone(),
                    label_en: o.label_en.clone(),
                    archived: o.archived,
                })
                .collect(),
        }
    }
}

/// An answer: text (and a date, `YYYY-MM-DD`), a number, yes/no, or the
/// chosen option ids (one choice also takes a single id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Answer {
    Flag(bool),
    Number(f64),
    Options(Vec<i32>),
    Text(String),
}

impl Answer {
    /// A stored answer as the API writes it.
    pub fn from_value(value: &AnswerValue) -> Self {
        match value {
            AnswerValue::Text(text) => Answer::Text(text.clone()),
            AnswerValue::Number(n) => Answer::Number(*n),
            AnswerValue::Flag(flag) => Answer::Flag(*flag),
            AnswerValue::Date(date) => Answer::Text(date.format("%Y-%m-%d").to_string()),
            AnswerValue::Options(ids) => Answer::Options(ids.clone()),
        }
    }

    /// The answer as the form's fields for `question`, so the API checks
    /// answers exactly as the form does.
    pub fn form_fields(&self, question: &Question) -> Vec<(String, String)> {
        let name = question.input_id();
        let ticked = crate::domain::registration::BOX_TICKED.to_owned();
        match (self, question.kind) {
            (Answer::Flag(true), _) => vec![(name, ticked)],
            (Answer::Flag(false), _) => Vec::new(),
            (Answer::Options(ids), QuestionKind::SeveralChoices) => ids
                .iter()
                .map(|id| (question.option_input(*id), ticked.clone()))
                .collect(),
            (Answer::Options(ids), _) => ids
                .iter()
                .map(|id| (name.clone(), id.to_string()))
                .take(1)
                .collect(),
            (Answer::Number(n), QuestionKind::SeveralChoices) => {
                vec![(question.option_input(*n as i32), ticked)]
            }
            (Answer::Number(n), _) => vec![(name, n.to_string())],
            (Answer::Text(text), _) => vec![(name, text.clone())],
        }
    }
}

/// One item of an event's programme, with its seats when choosable.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeItem {
    /// The item's id, as `choices` takes it.
    pub id: i32,
    /// Stable within the event.
    pub key: String,
    pub title: String,
    pub place: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub choosable: bool,
    /// Seats; absent when unlimited.
    pub capacity: Option<i32>,
    pub confirmed: i32,
    /// Seats not taken; absent when unlimited.
    pub seats_left: Option<i32>,
    /// How many are in the item's queue.
    pub queued: u64,
    /// A meal: the caterer's sheet counts it.
    pub meal: bool,
    /// Covers beyond the registrants.
    pub extra_covers: i32,
    /// After this, only organisers change the choice.
    pub choice_deadline: Option<DateTime<Utc>>,
}

impl ProgrammeItem {
    pub fn new(item: programme_item::Model, queued: u64) -> Self {
        Self {
            id: item.id,
            key: item.item_key,
            title: item.title,
            place: item.place,
            starts_at: item.starts_at,
            ends_at: item.ends_at,
            choosable: item.choosable,
            capacity: item.capacity,
            confirmed: item.confirmed_count,
            seats_left: item.capacity.map(|c| (c - item.confirmed_count).max(0)),
            queued,
            meal: item.is_meal,
            extra_covers: item.extra_covers,
            choice_deadline: item.choice_deadline,
        }
    }
}

/// A chosen programme item and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChosenItem {
    pub item_id: i32,
    pub status: ChoiceStatus,
    /// 1 for the first in the item's queue; only while queued.
    pub queue_position: Option<u64>,
}

impl From<&ChoiceLine> for ChosenItem {
    fn from(line: &ChoiceLine) -> Self {
        Self {
            item_id: line.item_id,
            status: line.status,
            queue_position: line.position,
        }
    }
}

/// A member municipality of the network.
#[derive(Debug, Serialize, ToSchema)]
pub struct Municipality {
    /// The four-digit municipality code, as `municipality_code` takes it.
    pub code: String,
    pub name: String,
}

/// The network's member municipalities, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityList {
    pub items: Vec<Municipality>,
}

/// A registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    pub id: Uuid,
    /// The event's slug.
    pub event: String,
    pub name: String,
    pub email: String,
    /// A member municipality's code; absent for other organisations.
    pub municipality_code: Option<String>,
    /// The organisation, for registrants from outside the network.
    pub organisation: Option<String>,
    pub role_title: String,
    pub phone: Option<String>,
    pub dietary_needs: Option<String>,
    /// The kind of meal; absent when not stated.
    pub diet: Option<Diet>,
    /// Allergens (EU 1169/2011 Annex II), in the Annex's order.
    pub allergens: Vec<Allergen>,
    pub accessibility_needs: Option<String>,
    /// The programme items chosen, by item id.
    pub choices: Vec<ChosenItem>,
    /// The answers to the event's questions, by question key (only the
    /// answered ones).
    pub answers: std::collections::BTreeMap<String, Answer>,
    /// The language of the registrant's emails: `sv` or `en`.
    pub language: String,
    pub status: RegistrationState,
    /// 1 for the first in line; only while waitlisted.
    pub waitlist_position: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

impl Registration {
    pub fn new(
        row: registration::Model,
        slug: &str,
        waitlist_position: Option<u64>,
        choices: &[ChoiceLine],
    ) -> Self {
        let diet = DietChoice::from_stored(row.diet.as_deref(), &row.allergens);
        Self {
            diet: diet.diet,
            allergens: diet.allergens,
            choices: choices.iter().map(ChosenItem::from).collect(),
            answers: Default::default(),
            id: row.id,
            event: slug.to_owned(),
            status: row.status,
            name: row.name,
            email: row.email,
            municipality_code: row.municipality_code,
            organisation: row.organisation,
            role_title: row.role_title,
            phone: row.phone,
            dietary_needs: row.dietary_needs,
            accessibility_needs: row.accessibility_needs,
            language: row.locale,
            waitlist_position,
            created_at: row.created_at,
            updated_at: row.updated_at,
            cancelled_at: row.cancelled_at,
            checked_in_at: row.checked_in_at,
        }
    }
}

/// One page of registrations.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationPage {
    pub items: Vec<Registration>,
    pub page: u64,
    pub per_page: u64,
    /// Registrations matching the filters, on all pages.
    pub total: u64,
}

/// How to sort registrations.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    Name,
    Registered,
    Status,
    Municipality,
}

impl SortKey {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Registered => "registered",
            Self::Status => "status",
            Self::Municipality => "municipality",
        }
    }
}

/// The largest page number accepted.
pub const MAX_PAGE: u64 = 1_000_000;
/// The largest page size accepted.
pub const MAX_PER_PAGE: u64 = 500;

/// The back-office's filters, for the list and the CSV export.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    /// Searches name, email and organisation.
    pub q: Option<String>,
    pub status: Option<RegistrationState>,
    /// A municipality code, or `other` for other organisations.
    pub municipality: Option<String>,
    /// `name` when absent.
    pub sort: Option<SortKey>,
    /// 1-based; 1 when absent.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// The language of a registrant's emails.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Sv,
    En,
}

/// A new registration. `municipality` is a member municipality's code, or
/// `other` with `organisation` for anyone else, as on the form. The caller
/// vouches that the person has agreed to the privacy notice, as an
/// organiser adding someone in the back-office does.
///
/// The patterns say what the form accepts: names and roles on one line with
/// something in them (white space around is trimmed, no control
/// characters); a phone number of 6–20 digits with `+`, spaces, dashes and
/// parentheses.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRegistration {
    #[schema(
        max_length = 200,
        pattern = r"^\s*[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*\s*$"
    )]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// A member municipality's code (see `GET /api/v1/municipalities`), or
    /// `other`.
    pub municipality: String,
    /// Required with `municipality` = `other`.
    #[serde(default)]
    #[schema(
        max_length = 200,
        pattern = r"^\s*[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*\s*$"
    )]
    pub organisation: Option<String>,
    #[schema(
        max_length = 200,
        pattern = r"^\s*[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*\s*$"
    )]
    pub role_title: String,
    #[serde(default)]
    #[schema(
        max_length = 30,
        pattern = r"^\s*(?:[+ ()-]*(?:[0-9][+ ()-]*){6,20})?\s*$"
    )]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub dietary_needs: Option<String>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub accessibility_needs: Option<String>,
    /// The kind of meal.
    #[serde(default)]
    pub diet: Option<Diet>,
    /// Allergens (EU 1169/2011 Annex II).
    #[serde(default)]
    pub allergens: Option<Vec<Allergen>>,
    /// Ids of choosable programme items (see the event's `programme`); two
    /// items at the same time cannot both be chosen. A full item queues.
    #[serde(default)]
    pub choices: Option<Vec<i32>>,
    /// Answers to the event's questions by key (see the event's
    /// `questions`); checked as the form checks them. Organisers' own
    /// questions may be answered too; required ones are not enforced.
    #[serde(default)]
    pub answers: Option<std::collections::BTreeMap<String, Answer>>,
    /// The language of the emails; Swedish when absent.
    #[serde(default)]
    pub language: Option<Language>,
}

/// The person who takes a registration over ("my colleague goes instead"),
/// with the registration form's rules for these fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubstituteBody {
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// A member municipality's four-digit code, or `other` with `organisation`.
    pub municipality: String,
    #[serde(default)]
    pub organisation: Option<String>,
    pub role_title: String,
    /// Let programme choices whose deadline has passed pass over too (they
    /// are flagged late); otherwise they are dropped.
    #[serde(default)]
    pub keep_late_choices: bool,
}
