//! The organiser's event form: strings in, an event description or a list of
//! field errors out. Times are local to Europe/Stockholm, as typed in a
//! `datetime-local` input ("2027-04-06T10:00").
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::email::EmailAddress;
use super::event::{EventKind, EventStatus, Visibility};

/// The event form as posted; every field a string so it can be shown again.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub themes: String,
    #[serde(default)]
    pub venue_name: String,
    #[serde(default)]
    pub venue_address: String,
    #[serde(default)]
    pub host_municipality: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub registration_opens_at: String,
    #[serde(default)]
    pub registration_closes_at: String,
    #[serde(default)]
    pub visibility: String,
    #[serde(default)]
    pub organiser_email: String,
    #[serde(default)]
    pub programme: String,
    /// "yes" once the organiser confirmed that updates will be emailed.
    #[serde(default)]
    pub confirm: String,
}

/// A field's error: the field id and the catalogue key of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFieldError {
    pub field: &'static str,
    pub key: &'static str,
    /// For programme errors, the 1-based line.
    pub line: Option<usize>,
}

/// A checked programme item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeLine {
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub title: String,
    pub place: Option<String>,
}

/// A checked event form.
#[derive(Debug, Clone)]
pub struct CheckedEvent {
    pub title: String,
    pub slug: Option<String>,
    pub kind: EventKind,
    pub summary: String,
    pub description: String,
    pub themes: Vec<String>,
    pub venue_name: String,
    pub venue_address: String,
    pub host_municipality: Option<String>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub capacity: Option<u32>,
    pub registration_opens_at: Option<NaiveDateTime>,
    pub registration_closes_at: Option<NaiveDateTime>,
    pub visibility: Visibility,
    pub organiser_email: String,
    pub programme: Vec<ProgrammeLine>,
}

/// Parses "2027-04-06T10:00" (the datetime-local format) or with a space.
pub fn parse_local(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text.trim(), f).ok())
}

/// Whether a slug is usable in a URL: lower-case letters, digits and '-'.
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// Makes a slug from a title: "Nätverksmöte i Luleå" → "natverksmote-i-lulea".
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().chars() {
        let mapped = match c {
            'å' | 'ä' | 'à' | 'á' => 'a',
            'ö' | 'ø' | 'ó' => 'o',
            'é' | 'è' => 'e',
            'ü' => 'u',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if mapped != '-' || !slug.ends_with('-') {
            slug.push(mapped);
        }
    }
    let slug = slug.trim_matches('-');
    let cut: String = slug.chars().take(70).collect();
    let cut = cut.trim_end_matches('-').to_owned();
    if cut.is_empty() {
        "evenemang".to_owned()
    } else {
        cut
    }
}

/// Parses one programme line: "2027-04-06 10:00-10:30 | Title | Place".
fn programme_line(line: &str) -> Option<ProgrammeLine> {
    let mut parts = line.split('|').map(str::trim);
    let when = parts.next()?;
    let title = parts.next().filter(|t| !t.is_empty())?.to_owned();
    let place = parts.next().filter(|p| !p.is_empty()).map(str::to_owned);
    let (date, times) = when.split_once([' ', 'T'])?;
    let (start, end) = match times.split_once(['-', '–']) {
        Some((s, e)) => (s.trim(), Some(e.trim())),
        None => (times.trim(), None),
    };
    let starts_at = parse_local(&format!("{date} {start}"))?;
    let ends_at = match end {
        Some(end) => Some(parse_local(&format!("{date} {end}"))?),
        None => None,
    };
    Some(ProgrammeLine {
        starts_at,
        ends_at,
        title,
        place,
    })
}

/// Writes a programme back in the form's line format.
pub fn programme_text(lines: &[ProgrammeLine]) -> String {
    lines
        .iter()
        .map(|item| {
            let mut text = item.starts_at.format("%Y-%m-%d %H:%M").to_string();
            if let Some(end) = item.ends_at {
                text.push_str(&end.format("-%H:%M").to_string());
            }
            text.push_str(&format!(" | {}", item.title));
            if let Some(place) = &item.place {
                text.push_str(&format!(" | {place}"));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl EventForm {
    /// Checks the form; `is_member_code` says whether a code is a member.
    pub fn parse(
        &self,
        is_member_code: impl Fn(&str) -> bool,
    ) -> Result<CheckedEvent, Vec<EventFieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &'static str, key: &'static str| {
            errors.push(EventFieldError {
                field,
                key,
                line: None,
            });
        };
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            fail("title", "admin.error.required");
        } else if title.chars().count() > 200 || title.chars().any(char::is_control) {
            fail("title", "admin.error.too_long");
        }
        let slug = self.slug.trim().to_owned();
        if !slug.is_empty() && !valid_slug(&slug) {
            fail("slug", "admin.error.slug");
        }
        let kind = EventKind::parse(self.kind.trim());
        if kind.is_none() {
            fail("kind", "admin.error.required");
        }
        let venue_name = self.venue_name.trim().to_owned();
        if venue_name.is_empty() {
            fail("venue_name", "admin.error.required");
        }
        let host = self.host_municipality.trim();
        if !host.is_empty() && !is_member_code(host) {
            fail("host_municipality", "admin.error.invalid");
        }
        let starts_at = parse_local(&self.starts_at);
        if starts_at.is_none() {
            fail("starts_at", "admin.error.date");
        }
        let ends_at = parse_local(&self.ends_at);
        match (starts_at, ends_at) {
            (_, None) => fail("ends_at", "admin.error.date"),
            (Some(s), Some(e)) if e <= s => fail("ends_at", "admin.error.end_before_start"),
            _ => {}
        }
        let capacity = match self.capacity.trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(n) if n > 0 && n <= 100_000 => Some(n),
                _ => {
                    fail("capacity", "admin.error.capacity");
                    None
                }
            },
        };
        let optional_time = |text: &str| (!text.trim().is_empty()).then(|| parse_local(text));
        let opens = optional_time(&self.registration_opens_at);
        if opens == Some(None) {
            fail("registration_opens_at", "admin.error.date");
        }
        let closes = optional_time(&self.registration_closes_at);
        if closes == Some(None) {
            fail("registration_closes_at", "admin.error.date");
        }
        let visibility = Visibility::parse(self.visibility.trim()).unwrap_or(Visibility::Public);
        let organiser_email = self.organiser_email.trim().to_owned();
        if EmailAddress::parse(&organiser_email).is_none() {
            fail("organiser_email", "admin.error.email");
        }
        let mut programme = Vec::new();
        for (index, line) in self.programme.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match programme_line(line) {
                Some(item) => programme.push(item),
                None => errors.push(EventFieldError {
                    field: "programme",
                    key: "admin.error.programme",
                    line: Some(index + 1),
                }),
            }
        }
        let (Some(kind), Some(starts_at), Some(ends_at)) = (kind, starts_at, ends_at) else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedEvent {
            title,
            slug: (!slug.is_empty()).then_some(slug),
            kind,
            summary: self.summary.trim().to_owned(),
            description: self.description.trim().replace("\r\n", "\n"),
            themes: self
                .themes
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            venue_name,
            venue_address: self.venue_address.trim().to_owned(),
            host_municipality: (!host.is_empty()).then(|| host.to_owned()),
            starts_at,
            ends_at,
            capacity,
            registration_opens_at: opens.flatten(),
            registration_closes_at: closes.flatten(),
            visibility,
            organiser_email,
            programme,
        })
    }
}

/// The status a new event gets.
pub const NEW_EVENT_STATUS: EventStatus = EventStatus::Draft;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_swedish_titles() {
        assert_eq!(
            slugify("Nätverksmöte i Luleå 2027"),
            "natverksmote-i-lulea-2027"
        );
        assert_eq!(
            slugify("  Almedalen: energi & industri! "),
            "almedalen-energi-industri"
        );
        assert!(valid_slug("almedalen-2027"));
        assert!(!valid_slug("Almedalen"));
        assert!(!valid_slug("-x"));
    }

    #[test]
    fn programme_lines_parse_and_print_back() {
        let form = EventForm {
            title: "Möte".into(),
            kind: EventKind::NetworkMeeting.to_string(),
            venue_name: "Kulturens hus".into(),
            starts_at: "2027-04-06T10:00".into(),
            ends_at: "2027-04-07T15:00".into(),
            organiser_email: "sekretariatet@example.org".into(),
            programme:
                "2027-04-06 10:00-10:30 | Välkommen | Stora salen\n2027-04-06 19:00 | Middag".into(),
            ..Default::default()
        };
        let checked = form.parse(|_| true).unwrap();
        assert_eq!(checked.programme.len(), 2);
        assert_eq!(checked.programme[1].ends_at, None);
        assert_eq!(
            programme_text(&checked.programme),
            "2027-04-06 10:00-10:30 | Välkommen | Stora salen\n2027-04-06 19:00 | Middag"
        );
    }

    #[test]
    fn an_empty_form_names_its_required_fields() {
        let errors = EventForm::default().parse(|_| true).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                "title",
                "kind",
                "venue_name",
                "starts_at",
                "ends_at",
                "organiser_email"
            ]
        );
        let bad = EventForm {
            starts_at: "2027-04-06T10:00".into(),
            ends_at: "2027-04-06T09:00".into(),
            capacity: "-3".into(),
            programme: "nonsense".into(),
            ..Default::default()
        };
        let errors = bad.parse(|_| true).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.key == "admin.error.end_before_start")
        );
        assert!(errors.iter().any(|e| e.key == "admin.error.capacity"));
        assert!(errors.iter().any(|e| e.line == Some(1)));
    }
}
