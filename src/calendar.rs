//! iCalendar files (RFC 5545, with RFC 5546 iTIP methods): the registrant's
//! own invite (REQUEST / CANCEL), the public event (PUBLISH), and the feed.
//!
//! Structure comes from the `ics` crate. Two things are done here on top:
//! parameter values are quoted when they contain `:;,` (the crate writes them
//! raw), and lines are folded so that no line, continuation lines included,
//! exceeds 75 octets (the crate folds content at 75 octets and then prefixes
//! the continuation with a space, giving 76).
use chrono::{DateTime, Utc};
use ics::components::Parameter;
use ics::properties::{
    Attendee, Description, DtEnd, DtStart, Location, Method, Organizer, Sequence, Status, Summary,
    URL,
};
use ics::{Event, ICalendar, escape_text};

use crate::db::entities::{event, registration};
use crate::domain::event::EventStatus;

/// The iTIP method of a calendar object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarMethod {
    Request,
    Cancel,
    Publish,
}

impl CalendarMethod {
    /// The METHOD value, also used as the MIME `method` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarMethod::Request => "REQUEST",
            CalendarMethod::Cancel => "CANCEL",
            CalendarMethod::Publish => "PUBLISH",
        }
    }
}

const PRODID: &str = "-//Natverket for starka industrikommuner//anmalan//SV";
/// The display name of the organiser in invites.
pub const ORGANISER_NAME: &str = "Nätverket för starka industrikommuner";

/// A UTC date-time in iCalendar form: `20270629T080000Z`.
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A parameter value: control characters and DQUOTE (not allowed in a
/// param-value, RFC 5545 §3.1) are dropped; the value is quoted when it
/// contains `:`, `;` or `,`.
pub fn param_value(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// Folds content lines at 75 octets including the leading space of
/// continuation lines, never inside a UTF-8 character (RFC 5545 §3.1).
pub fn fold_lines(text: &str) -> String {
    let unfolded = text.replace("\r\n ", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 25);
    for line in unfolded.split_terminator("\r\n") {
        let mut rest = line;
        let mut limit = 75;
        loop {
            if rest.len() <= limit {
                out.push_str(rest);
                out.push_str("\r\n");
                break;
            }
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            limit = 74;
        }
    }
    out
}

/// The host part of registration UIDs: `<registration-uuid>@<host>`.
pub fn uid_host(base_url: &url::Url) -> String {
    base_url.host_str().unwrap_or("anmalan").to_owned()
}

fn location(event: &event::Model) -> String {
    if event.venue_address.is_empty() {
        event.venue_name.clone()
    } else {
        format!("{}, {}", event.venue_name, event.venue_address)
    }
}

fn base_event<'a>(uid: String, event: &event::Model, now: DateTime<Utc>, url: String) -> Event<'a> {
    let mut vevent = Event::new(uid, utc(now));
    vevent.push(DtStart::new(utc(event.starts_at)));
    vevent.push(DtEnd::new(utc(event.ends_at)));
    vevent.push(Summary::new(escape_text(event.title.clone())));
    vevent.push(Location::new(escape_text(location(event))));
    vevent.push(URL::new(url));
    vevent
}

fn organizer<'a>(event: &event::Model) -> Organizer<'a> {
    let mut organizer = Organizer::new(format!("mailto:{}", event.organiser_email));
    organizer.add(Parameter::new("CN", param_value(ORGANISER_NAME)));
    organizer
}

fn finish(calendar: ICalendar<'_>) -> String {
    fold_lines(&calendar.to_string())
}

/// What a registrant's invite says beyond the event itself.
pub struct Invite<'a> {
    pub event: &'a event::Model,
    pub registration: &'a registration::Model,
    pub method: CalendarMethod,
    pub sequence: i32,
    pub uid_host: &'a str,
    pub event_url: String,
    /// Text for DESCRIPTION: the summary and how to change the registration.
    pub description: String,
}

/// The registrant's own invite: REQUEST (with them as ATTENDEE, accepted)
/// or CANCEL (STATUS:CANCELLED). Same UID for its whole life.
pub fn invite(invite: &Invite<'_>, now: DateTime<Utc>) -> String {
    let mut calendar = ICalendar::new("2.0", PRODID);
    calendar.push(Method::new(invite.method.as_str()));
    let uid = format!("{}@{}", invite.registration.id, invite.uid_host);
    let mut vevent = base_event(uid, invite.event, now, invite.event_url.clone());
    vevent.push(Sequence::new(invite.sequence.to_string()));
    vevent.push(Description::new(escape_text(invite.description.clone())));
    vevent.push(organizer(invite.event));
    let mut attendee = Attendee::new(format!("mailto:{}", invite.registration.email));
    // A name of nothing but quotes and control characters leaves no common
    // name; an empty CN= is better left out than sent.
    let common_name = param_value(&invite.registration.name);
    if !common_name.trim_matches('"').trim().is_empty() {
        attendee.add(Parameter::new("CN", common_name));
    }
    attendee.add(Parameter::new("ROLE", "REQ-PARTICIPANT"));
    attendee.add(Parameter::new("PARTSTAT", "ACCEPTED"));
    attendee.add(Parameter::new("RSVP", "FALSE"));
    vevent.push(attendee);
    vevent.push(Status::new(match invite.method {
        CalendarMethod::Cancel => "CANCELLED",
        _ => "CONFIRMED",
    }));
    calendar.add_event(vevent);
    finish(calendar)
}

fn public_vevent<'a>(
    event: &event::Model,
    uid_host: &str,
    url: String,
    now: DateTime<Utc>,
) -> Event<'a> {
    let mut vevent = base_event(format!("event-{}@{}", event.id, uid_host), event, now, url);
    vevent.push(Sequence::new(event.calendar_sequence.to_string()));
    vevent.push(Description::new(escape_text(event.summary.clone())));
    vevent.push(organizer(event));
    vevent.push(Status::new(if event.status == EventStatus::Cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    }));
    vevent
}

/// The public event as PUBLISH, without attendees.
pub fn publish(
    event: &event::Model,
    uid_host: &str,
    event_url: String,
    now: DateTime<Utc>,
) -> String {
    let mut calendar = ICalendar::new("2.0", PRODID);
    calendar.push(Method::new(CalendarMethod::Publish.as_str()));
    calendar.add_event(public_vevent(event, uid_host, event_url, now));
    finish(calendar)
}

/// A subscribable feed of events (`/calendar.ics`), refreshed hourly.
pub fn feed(
    name: &str,
    events: &[(event::Model, String)],
    uid_host: &str,
    now: DateTime<Utc>,
) -> String {
    use ics::properties::{Name, RefreshInterval};
    let mut calendar = ICalendar::new("2.0", PRODID);
    calendar.push(Method::new(CalendarMethod::Publish.as_str()));
    calendar.push(Name::new(escape_text(name.to_owned())));
    calendar.push(ics::components::Property::new(
        "X-WR-CALNAME",
        escape_text(name.to_owned()),
    ));
    calendar.push(RefreshInterval::new("PT1H"));
    calendar.push(ics::components::Property::new("X-PUBLISHED-TTL", "PT1H"));
    for (event, url) in events {
        calendar.add_event(public_vevent(event, uid_host, url.clone(), now));
    }
    finish(calendar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{EventKind, RegistrationStatus, Visibility};

    #[test]
    fn folding_keeps_every_line_within_75_octets_and_whole_characters() {
        let long = format!(
            "DESCRIPTION:{}\r\n",
            "Åsa öppnar välkomstmötet i Örnsköldsvik. ".repeat(6)
        );
        let folded = fold_lines(&long);
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), long);
    }

    #[test]
    fn parameter_values_are_quoted_and_cleaned() {
        assert_eq!(param_value("Anna Berg"), "Anna Berg");
        assert_eq!(param_value("Berg, Anna"), "\"Berg, Anna\"");
        assert_eq!(
            param_value("Åsa \"Test\", Jr; <x>\r\nBcc: e"),
            "\"Åsa Test, Jr; <x>Bcc: e\""
        );
    }

    fn models(title: &str, name: &str) -> (event::Model, registration::Model) {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2027, 6, 29, 8, 0, 0).unwrap();
        let event = event::Model {
            id: 1,
            slug: "s".into(),
            kind: EventKind::Seminar,
            title: title.into(),
            summary: title.into(),
            description: String::new(),
            themes: String::new(),
            venue_name: "Visby".into(),
            venue_address: String::new(),
            host_municipality_code: None,
            starts_at: at,
            ends_at: at,
            time_zone: "Europe/Stockholm".into(),
            capacity: None,
            registration_opens_at: None,
            registration_closes_at: None,
            status: EventStatus::Published,
            visibility: Visibility::Public,
            organiser_email: "org@example.org".into(),
            confirmed_count: 0,
            waitlist_counter: 0,
            calendar_sequence: 0,
            municipality_cap: None,
            created_at: at,
            updated_at: at,
        };
        let registration = registration::Model {
            id: uuid::Uuid::nil(),
            event_id: 1,
            name: name.into(),
            email: "a@example.org".into(),
            email_normalized: "a@example.org".into(),
            municipality_code: None,
            organisation: None,
            role_title: String::new(),
            phone: None,
            dietary_needs: None,
            accessibility_needs: None,
            locale: "sv".into(),
            consented_at: at,
            status: RegistrationStatus::Confirmed,
            waitlist_order: None,
            manage_token_hash: String::new(),
            calendar_sequence: 3,
            link_resent_at: None,
            created_at: at,
            updated_at: at,
            cancelled_at: None,
            checked_in_at: None,
            search_text: String::new(),
            consent_version: String::new(),
            participant_list_consented_at: None,
            diet: None,
            allergens: String::new(),
            replaced_by: None,
            delegation_id: None,
        };
        (event, registration)
    }

    #[test]
    fn a_name_of_only_quotes_gives_no_empty_common_name() {
        let (event, registration) = models("Seminarium", "\"\"");
        let ics = invite(
            &Invite {
                event: &event,
                registration: &registration,
                method: CalendarMethod::Request,
                sequence: 0,
                uid_host: "example.org",
                event_url: "https://example.org/e".into(),
                description: String::new(),
            },
            event.created_at,
        );
        let attendee = ics.lines().find(|l| l.starts_with("ATTENDEE")).unwrap();
        assert!(!attendee.contains("CN="), "{attendee}");
    }

    proptest::proptest! {
        #[test]
        fn any_title_and_name_read_back_the_same_through_an_independent_parser(
            title in "[^\\r\\p{Cc}]{1,200}", name in "\\PC{1,120}",
        ) {
            let (event, registration) = models(&title, &name);
            let ics = invite(&Invite {
                event: &event, registration: &registration, method: CalendarMethod::Request, sequence: 3,
                uid_host: "example.org", event_url: "https://example.org/e".into(), description: title.clone(),
            }, event.created_at);
            for line in ics.split_terminator("\r\n") {
                proptest::prop_assert!(line.len() <= 75, "{} octets", line.len());
            }
            let unfolded = icalendar::parser::unfold(&ics);
            let calendar = icalendar::parser::read_calendar(&unfolded).map_err(proptest::test_runner::TestCaseError::fail)?;
            let vevent = calendar.components.iter().find(|c| c.name == "VEVENT").unwrap();
            let summary = vevent.find_prop("SUMMARY").unwrap().val.as_str().to_owned();
            proptest::prop_assert_eq!(summary, title.clone());
            let attendee = vevent.find_prop("ATTENDEE").unwrap();
            let expected = param_value(&name).trim_matches('"').to_owned();
            let cn = attendee.params.iter().find(|p| p.key == "CN").and_then(|p| p.val.as_ref()).map(|v| v.as_str().trim_matches('"').to_owned());
            if expected.trim().is_empty() {
                proptest::prop_assert_eq!(cn, None, "no empty common name");
            } else {
                proptest::prop_assert_eq!(cn, Some(expected));
            }
            proptest::prop_assert_eq!(attendee.val.as_str(), "mailto:a@example.org");
        }
    }
}
