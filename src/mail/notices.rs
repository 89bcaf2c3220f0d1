//! The text of a reminder rule's email and of an organiser's message.
//!
//! Both are rendered at delivery from the database as it is then: the
//! person's time, place, choices, diet and waitlist position are current,
//! and an attached invite is the registration's current REQUEST (its UID
//! and its SEQUENCE as they stand, so calendars see nothing new). A
//! registrant who is no longer confirmed gets no invite.
use chrono::{DateTime, Utc};

use super::enqueue::{InviteKind, Payload};
use super::messages::{
    Letter, MessageContext, RenderedEmail, calendar_of, fill, html_of, letter, text_of,
};
use crate::db::entities::{event, invitation, organiser_message, reminder_rule};
use crate::domain::event::{EventStatus, RegistrationStatus};
use crate::domain::reminder::Audience;
use crate::i18n::{Locale, format};

/// The organiser's own words, in Swedish and English; empty means the
/// default text.
#[derive(Debug, Clone, Copy)]
pub struct OwnWords<'a> {
    pub subject_sv: &'a str,
    pub subject_en: &'a str,
    pub body_sv: &'a str,
    pub body_en: &'a str,
}

impl<'a> OwnWords<'a> {
    /// A rule's words.
    pub fn of_rule(rule: &'a reminder_rule::Model) -> Self {
        Self {
            subject_sv: &rule.subject_sv,
            subject_en: &rule.subject_en,
            body_sv: &rule.body_sv,
            body_en: &rule.body_en,
        }
    }

    /// A message's words.
    pub fn of_message(message: &'a organiser_message::Model) -> Self {
        Self {
            subject_sv: &message.subject_sv,
            subject_en: &message.subject_en,
            body_sv: &message.body_sv,
            body_en: &message.body_en,
        }
    }

    /// The text in `locale`, else in the other language, else `None`.
    fn pick(locale: Locale, sv: &'a str, en: &'a str) -> Option<&'a str> {
        let (first, second) = match locale {
            Locale::Sv => (sv, en),
            Locale::En => (en, sv),
        };
        [first, second]
            .into_iter()
            .map(str::trim)
            .find(|text| !text.is_empty())
    }

    /// The subject in `locale` (falling back to the other language).
    pub fn subject(&self, locale: Locale) -> Option<&'a str> {
        Self::pick(locale, self.subject_sv, self.subject_en)
    }

    /// The text's paragraphs in `locale` (falling back to the other language).
    pub fn paragraphs(&self, locale: Locale) -> Option<Vec<String>> {
        Self::pick(locale, self.body_sv, self.body_en).map(|body| {
            body.replace("\r\n", "\n")
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }
}

/// The payload as it is rendered now: the invite only for a confirmed
/// registrant of an event that takes place, with the registration's
/// current SEQUENCE.
pub fn current_payload(
    payload: &Payload,
    registration: &crate::db::entities::registration::Model,
    event: &event::Model,
) -> Payload {
    let mut current = payload.clone();
    let confirmed = registration.status == RegistrationStatus::Confirmed
        && event.status != EventStatus::Cancelled;
    current.invite = payload
        .invite
        .filter(|kind| *kind == InviteKind::Request && confirmed);
    current.sequence = registration.calendar_sequence;
    current
}

fn event_vars(event: &event::Model, locale: Locale) -> (String, String) {
    let tz = format::zone(&event.time_zone);
    (
        event.title.clone(),
        format::day(event.starts_at, tz, locale),
    )
}

/// The reminder of `rule` to a registrant (`ctx.payload` as from
/// [`current_payload`]).
pub fn render_reminder(
    ctx: &MessageContext<'_>,
    rule: &reminder_rule::Model,
    item_title: &str,
    now: DateTime<Utc>,
) -> RenderedEmail {
    let locale = Locale::parse(&ctx.registration.locale).unwrap_or_default();
    let (title, date) = event_vars(ctx.event, locale);
    let position = ctx.waitlist_position.unwrap_or(0).to_string();
    let pairs = [
        ("event", title.as_str()),
        ("date", date.as_str()),
        ("position", position.as_str()),
        ("item", item_title),
        ("name", ctx.registration.name.as_str()),
    ];
    let waiting = ctx.registration.status == RegistrationStatus::Waitlisted;
    let audience = if waiting {
        "waitlisted"
    } else if rule.audience == Audience::Item {
        "item"
    } else {
        "confirmed"
    };
    let words = OwnWords::of_rule(rule);
    let mut letter = letter(ctx, locale);
    letter.subject = words.subject(locale).map_or_else(
        || {
            fill(
                locale.t(&format!("reminders.mail.subject_{audience}")),
                &pairs,
            )
        },
        str::to_owned,
    );
    letter.lead = words.paragraphs(locale).unwrap_or_else(|| {
        vec![fill(
            locale.t(&format!("reminders.mail.lead_{audience}")),
            &pairs,
        )]
    });
    if waiting {
        letter
            .lead
            .push(fill(locale.t("reminders.mail.position"), &pairs));
    } else {
        letter.lead.push(locale.t("reminders.mail.check"));
    }
    if ctx.payload.invite == Some(InviteKind::Request) {
        letter.lead.push(locale.t("mail.invite_attached"));
    }
    if !waiting {
        letter
            .footer
            .insert(0, locale.t("reminders.mail.substitute"));
    } else {
        letter
            .footer
            .insert(0, locale.t("reminders.mail.leave_queue"));
    }
    finish(ctx, letter, locale, now)
}

/// An organiser's message to a registrant.
pub fn render_message(
    ctx: &MessageContext<'_>,
    message: &organiser_message::Model,
    now: DateTime<Utc>,
) -> RenderedEmail {
    let locale = Locale::parse(&ctx.registration.locale).unwrap_or_default();
    let (title, _) = event_vars(ctx.event, locale);
    let words = OwnWords::of_message(message);
    let mut letter = letter(ctx, locale);
    letter.subject = words
        .subject(locale)
        .map_or_else(|| title.clone(), |subject| format!("{subject} – {title}"));
    letter.lead = words.paragraphs(locale).unwrap_or_default();
    if ctx.payload.invite == Some(InviteKind::Request) {
        letter.lead.push(locale.t("mail.invite_attached"));
    }
    // Time and place; the person's own details belong to reminders.
    letter.facts.truncate(2);
    letter.choices.clear();
    letter.notes.clear();
    finish(ctx, letter, locale, now)
}

fn finish(
    ctx: &MessageContext<'_>,
    letter: Letter,
    locale: Locale,
    now: DateTime<Utc>,
) -> RenderedEmail {
    RenderedEmail {
        subject: letter.subject.clone(),
        text: text_of(&letter, locale),
        html: html_of(&letter, locale).into_string(),
        calendar: calendar_of(ctx, locale, now),
    }
}

/// The reminder of `rule` to an invitee who has not answered: the event
/// and their personal invitation link; no calendar file.
pub fn render_invitee_reminder(
    event: &event::Model,
    invitation: &invitation::Model,
    payload: &Payload,
    rule: &reminder_rule::Model,
    base_url: &url::Url,
) -> RenderedEmail {
    // Invitations go out in Swedish (the invitee has chosen no language).
    let locale = Locale::Sv;
    let tz = format::zone(&event.time_zone);
    let (title, date) = event_vars(event, locale);
    let closes = event
        .registration_closes_at
        .map(|at| format::date_time(at, tz, locale))
        .unwrap_or_else(|| date.clone());
    let pairs = [
        ("event", title.as_str()),
        ("date", date.as_str()),
        ("closes", closes.as_str()),
        ("name", invitation.name.as_str()),
    ];
    let words = OwnWords::of_rule(rule);
    let event_url = super::messages::event_page(base_url, event);
    let link = payload
        .token
        .as_deref()
        .and_then(|token| base_url.join(&format!("i/{token}")).ok())
        .map(|url| (locale.t("mail.invitation_link"), String::from(url)));
    let place = super::messages::venue(event);
    let letter = Letter {
        subject: words.subject(locale).map_or_else(
            || fill(locale.t("reminders.mail.subject_invitees"), &pairs),
            str::to_owned,
        ),
        greeting: fill(locale.t("mail.greeting"), &pairs),
        lead: words
            .paragraphs(locale)
            .unwrap_or_else(|| vec![fill(locale.t("reminders.mail.lead_invitees"), &pairs)]),
        facts: vec![
            (
                locale.t("event.when"),
                format::span(event.starts_at, event.ends_at, tz, locale),
            ),
            (locale.t("event.where"), place),
            (locale.t("reminders.mail.closes"), closes.clone()),
        ],
        programme: Vec::new(),
        choices: Vec::new(),
        notes: Vec::new(),
        link,
        footer: vec![
            fill(locale.t("mail.event_page"), &[("url", &event_url)]),
            locale.t("mail.footer"),
        ],
    };
    RenderedEmail {
        subject: letter.subject.clone(),
        text: text_of(&letter, locale),
        html: html_of(&letter, locale).into_string(),
        calendar: None,
    }
}
