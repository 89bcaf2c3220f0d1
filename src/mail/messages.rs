//! The text of every email, rendered in the registrant's language as plain
//! text and as HTML (maud) from one description, plus its calendar object.
use crate::domain::event::{EventStatus, RegistrationStatus};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::enqueue::{InviteKind, MessageKind, Payload};
use crate::calendar::{self, CalendarMethod, Invite};
use crate::db::entities::{event, programme_item, registration};
use crate::domain::choice::{ChoiceLine, DietChoice};
use crate::i18n::Locale;
use crate::i18n::format;

/// Everything a message is rendered from.
pub struct MessageContext<'a> {
    pub payload: &'a Payload,
    pub event: &'a event::Model,
    pub registration: &'a registration::Model,
    pub programme: &'a [programme_item::Model],
    /// The registration's programme choices as they stand.
    pub choices: &'a [ChoiceLine],
    pub waitlist_position: Option<u64>,
    /// The member municipality's name, or the organisation.
    pub affiliation: String,
    pub base_url: &'a url::Url,
}

/// A rendered email, before it becomes MIME.
#[derive(Debug, Clone)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub calendar: Option<(CalendarMethod, String)>,
}

pub(crate) fn fill(template: String, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template, |text, (key, value)| {
        text.replace(&format!("%{{{key}}}"), value)
    })
}

/// The manage link, or `None` when this message does not carry one.
pub(crate) fn manage_url(ctx: &MessageContext<'_>) -> Option<String> {
    let token = ctx.payload.token.as_deref()?;
    ctx.base_url
        .join(&format!("r/{token}"))
        .ok()
        .map(String::from)
}

pub(crate) fn event_url(ctx: &MessageContext<'_>) -> String {
    event_page(ctx.base_url, ctx.event)
}

/// The public address of the event's page.
pub(crate) fn event_page(base_url: &url::Url, event: &event::Model) -> String {
    base_url
        .join(&format!("events/{}", event.slug))
        .map(String::from)
        .unwrap_or_default()
}

/// The event's place as one line: the venue, and its address when it has one.
pub(crate) fn venue(event: &event::Model) -> String {
    if event.venue_address.is_empty() {
        event.venue_name.clone()
    } else {
        format!("{}, {}", event.venue_name, event.venue_address)
    }
}

/// One paragraph-level description of the message, shared by both forms.
pub(crate) struct Letter {
    pub(crate) subject: String,
    pub(crate) greeting: String,
    pub(crate) lead: Vec<String>,
    pub(crate) facts: Vec<(String, String)>,
    pub(crate) programme: Vec<String>,
    /// The programme choices and where each stands.
    pub(crate) choices: Vec<String>,
    /// What happened to them that the registrant did not do.
    pub(crate) notes: Vec<String>,
    pub(crate) link: Option<(String, String)>,
    pub(crate) footer: Vec<String>,
}

pub(crate) fn letter(ctx: &MessageContext<'_>, locale: Locale) -> Letter {
    let event = ctx.event;
    let tz = format::zone(&event.time_zone);
    let kind = ctx.payload.kind.as_str();
    let position = ctx.waitlist_position.unwrap_or(0).to_string();
    let when = format::span(event.starts_at, event.ends_at, tz, locale);
    let place = venue(event);
    let previously = ctx
        .payload
        .previously
        .as_ref()
        .map(|p| {
            format!(
                "{}, {}",
                format::span(p.starts_at, p.ends_at, tz, locale),
                p.venue
            )
        })
        .unwrap_or_default();
    let pairs = [
        ("event", event.title.as_str()),
        ("name", ctx.registration.name.as_str()),
        ("position", position.as_str()),
        ("previously", previously.as_str()),
        (
            "other",
            ctx.payload.counterpart.as_deref().unwrap_or_default(),
        ),
    ];
    let status_key = match ctx.registration.status {
        RegistrationStatus::Confirmed => "status.confirmed",
        RegistrationStatus::Waitlisted => "status.waitlisted",
        RegistrationStatus::Cancelled => "status.cancelled",
    };
    let mut facts = vec![
        (locale.t("event.when"), when),
        (locale.t("event.where"), place),
        (
            locale.t("manage.status"),
            fill(locale.t(status_key), &pairs),
        ),
        (locale.t("field.name"), ctx.registration.name.clone()),
        (locale.t("manage.affiliation"), ctx.affiliation.clone()),
        (
            locale.t("field.role_title"),
            ctx.registration.role_title.clone(),
        ),
    ];
    for (key, value) in [
        ("field.phone", &ctx.registration.phone),
        ("field.dietary_needs", &ctx.registration.dietary_needs),
        (
            "field.accessibility_needs",
            &ctx.registration.accessibility_needs,
        ),
    ] {
        if let Some(value) = value {
            facts.push((locale.t(key), value.clone()));
        }
    }
    let diet = DietChoice::from_stored(
        ctx.registration.diet.as_deref(),
        &ctx.registration.allergens,
    );
    if let Some(kind) = diet.diet {
        facts.push((locale.t("field.diet"), locale.t(&kind.label_key())));
    }
    if !diet.allergens.is_empty() {
        let names: Vec<String> = diet
            .allergens
            .iter()
            .map(|a| locale.t(&a.label_key()))
            .collect();
        facts.push((locale.t("field.allergens"), names.join(", ")));
    }
    let with_programme = matches!(
        ctx.payload.kind,
        MessageKind::Confirmed
            | MessageKind::Promoted
            | MessageKind::EventMoved
            | MessageKind::TookOver
    ) && ctx.registration.status == RegistrationStatus::Confirmed;
    let programme = if with_programme {
        ctx.programme
            .iter()
            .map(|item| {
                let mut line = format::item_time(item.starts_at, item.ends_at, tz, locale);
                line.push_str(&format!(" {}", item.title));
                if let Some(place) = &item.place {
                    line.push_str(&format!(", {place}"));
                }
                line
            })
            .collect()
    } else {
        Vec::new()
    };
    let choices = if ctx.registration.status == RegistrationStatus::Cancelled
        || event.status == EventStatus::Cancelled
    {
        Vec::new()
    } else {
        choice_lines(ctx, tz, locale)
    };
    let notes = ctx
        .payload
        .notes
        .iter()
        .map(|note| {
            let what = serde_json::to_value(note.what)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            locale
                .t(&format!("mail.note.{what}"))
                .replace("%{item}", &note.item)
        })
        .collect();
    // The reminder's words are with the questions' (`questions.mail`).
    let text_key = |part: &str| match ctx.payload.kind {
        MessageKind::AnswersReminder => format!("questions.mail.{part}"),
        _ => format!("mail.{kind}.{part}"),
    };
    let mut lead = vec![fill(locale.t(&text_key("lead")), &pairs)];
    if ctx.payload.kind == MessageKind::TookOver {
        let status = match ctx.registration.status {
            RegistrationStatus::Waitlisted => "mail.took-over.waitlisted",
            _ => "mail.took-over.seat",
        };
        lead.push(fill(locale.t(status), &pairs));
        lead.push(locale.t("mail.took-over.details"));
    }
    // Registered by a colleague: the data came from them.
    if matches!(
        ctx.payload.kind,
        MessageKind::Confirmed | MessageKind::Waitlisted
    ) && ctx.payload.counterpart.is_some()
    {
        lead.push(fill(locale.t("mail.registered_by"), &pairs));
    }
    if ctx.payload.invite == Some(InviteKind::Request) {
        lead.push(locale.t("mail.invite_attached"));
    } else if ctx.payload.invite == Some(InviteKind::Cancel) {
        lead.push(locale.t("mail.cancel_attached"));
    }
    let active = ctx.registration.status != RegistrationStatus::Cancelled
        && event.status != EventStatus::Cancelled;
    let link = manage_url(ctx)
        .filter(|_| active)
        .map(|url| (locale.t("mail.manage_link"), url));
    let mut footer = Vec::new();
    if link.is_none() && active {
        footer.push(locale.t("mail.use_latest_link"));
    }
    footer.push(fill(
        locale.t("mail.event_page"),
        &[("url", &event_url(ctx))],
    ));
    footer.push(locale.t("mail.footer"));
    Letter {
        subject: fill(locale.t(&text_key("subject")), &pairs),
        greeting: fill(locale.t("mail.greeting"), &pairs),
        lead,
        facts,
        programme,
        choices,
        notes,
        link,
        footer,
    }
}

/// Each chosen item as a line: "Nätverksmiddag, 6 april 19:00–22:00: Plats".
pub(crate) fn choice_lines(
    ctx: &MessageContext<'_>,
    tz: chrono_tz::Tz,
    locale: Locale,
) -> Vec<String> {
    ctx.choices
        .iter()
        .filter_map(|line| {
            let item = ctx.programme.iter().find(|i| i.id == line.item_id)?;
            Some(format!(
                "{}, {}: {}",
                item.title,
                format::item_time(item.starts_at, item.ends_at, tz, locale),
                format::choice_status(line, locale)
            ))
        })
        .collect()
}

pub(crate) fn text_of(letter: &Letter, locale: Locale) -> String {
    let mut out = format!("{}\n\n", letter.greeting);
    for paragraph in &letter.lead {
        out.push_str(paragraph);
        out.push_str("\n\n");
    }
    if let Some((label, url)) = &letter.link {
        out.push_str(&format!("{label}:\n{url}\n\n"));
    }
    for (label, value) in &letter.facts {
        out.push_str(&format!("{label}: {value}\n"));
    }
    for (title, lines) in [
        (locale.t("mail.notes"), &letter.notes),
        (locale.t("mail.choices"), &letter.choices),
    ] {
        if !lines.is_empty() {
            out.push_str(&format!("\n{title}:\n"));
            for line in lines {
                out.push_str(&format!("- {line}\n"));
            }
        }
    }
    if !letter.programme.is_empty() {
        out.push_str(&format!("\n{}:\n", locale.t("event.programme")));
        for line in &letter.programme {
            out.push_str(&format!("- {line}\n"));
        }
    }
    out.push('\n');
    for line in &letter.footer {
        out.push_str(line);
        out.push('\n');
    }
    out
}

pub(crate) fn html_of(letter: &Letter, locale: Locale) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.as_str()) {
            head { meta charset="utf-8"; title { (letter.subject) } }
            body style="font-family: sans-serif; line-height: 1.5; color: #1b1b1b;" {
                p { (letter.greeting) }
                @for paragraph in &letter.lead { p { (paragraph) } }
                @if let Some((label, url)) = &letter.link {
                    p { a href=(url) style="color: #0b4f6c; font-weight: bold;" { (label) } }
                }
                table role="presentation" {
                    @for (label, value) in &letter.facts {
                        tr { th align="left" valign="top" style="padding-right: 1em;" { (label) } td { (value) } }
                    }
                }
                @for (title, lines) in [(locale.t("mail.notes"), &letter.notes), (locale.t("mail.choices"), &letter.choices)] {
                    @if !lines.is_empty() {
                        h2 style="font-size: 1.1em;" { (title) }
                        ul { @for line in lines { li { (line) } } }
                    }
                }
                @if !letter.programme.is_empty() {
                    h2 style="font-size: 1.1em;" { (locale.t("event.programme")) }
                    ul { @for line in &letter.programme { li { (line) } } }
                }
                @for line in &letter.footer { p style="color: #4a4a4a;" { (line) } }
            }
        }
    }
}

/// Renders a message in the registrant's language.
pub fn render(ctx: &MessageContext<'_>, now: DateTime<Utc>) -> RenderedEmail {
    let locale = Locale::parse(&ctx.registration.locale).unwrap_or_default();
    let letter = letter(ctx, locale);
    let calendar = calendar_of(ctx, locale, now);
    RenderedEmail {
        subject: letter.subject.clone(),
        text: text_of(&letter, locale),
        html: html_of(&letter, locale).into_string(),
        calendar,
    }
}

/// The registration's own invite, as the payload asks for it.
pub(crate) fn calendar_of(
    ctx: &MessageContext<'_>,
    locale: Locale,
    now: DateTime<Utc>,
) -> Option<(CalendarMethod, String)> {
    ctx.payload.invite.map(|kind| {
        let method = match kind {
            InviteKind::Request => CalendarMethod::Request,
            InviteKind::Cancel => CalendarMethod::Cancel,
        };
        let mut description = ctx.event.summary.clone();
        let chosen = choice_lines(ctx, format::zone(&ctx.event.time_zone), locale);
        if !chosen.is_empty() && kind == InviteKind::Request {
            description.push_str(&format!("\n\n{}:", locale.t("mail.choices")));
            for line in chosen {
                description.push_str(&format!("\n- {line}"));
            }
        }
        match manage_url(ctx) {
            Some(url) => {
                description.push_str(&format!("\n\n{}: {url}", locale.t("mail.manage_link")))
            }
            None => description.push_str(&format!("\n\n{}", event_url(ctx))),
        }
        let host = calendar::uid_host(ctx.base_url);
        let invite = Invite {
            event: ctx.event,
            registration: ctx.registration,
            method,
            sequence: ctx.payload.sequence,
            uid_host: &host,
            event_url: event_url(ctx),
            description,
        };
        (method, calendar::invite(&invite, now))
    })
}

/// Everything an invitation is rendered from.
pub struct InvitationContext<'a> {
    pub payload: &'a Payload,
    pub event: &'a event::Model,
    pub invitation: &'a crate::db::entities::invitation::Model,
    pub programme: &'a [programme_item::Model],
    pub base_url: &'a url::Url,
    /// The interface language of the invitation (invitations go out in Swedish).
    pub locale: Locale,
}

/// Renders an invitation or a reminder: the event, the personal link, and a
/// save-the-date calendar file (PUBLISH, no ATTENDEE).
pub fn render_invitation(ctx: &InvitationContext<'_>, now: DateTime<Utc>) -> RenderedEmail {
    let locale = ctx.locale;
    let event = ctx.event;
    let tz = format::zone(&event.time_zone);
    let kind = ctx.payload.kind.as_str();
    let pairs = [
        ("event", event.title.as_str()),
        ("name", ctx.invitation.name.as_str()),
    ];
    let event_url = event_page(ctx.base_url, event);
    let link = ctx
        .payload
        .token
        .as_deref()
        .and_then(|token| ctx.base_url.join(&format!("i/{token}")).ok())
        .map(|url| (locale.t("mail.invitation_link"), String::from(url)));
    let programme = ctx
        .programme
        .iter()
        .map(|item| {
            format!(
                "{} {} {}",
                format::day(item.starts_at, tz, locale),
                format::time(item.starts_at, tz, locale),
                item.title
            )
        })
        .collect();
    let letter = Letter {
        subject: fill(locale.t(&format!("mail.{kind}.subject")), &pairs),
        greeting: fill(locale.t("mail.greeting"), &pairs),
        lead: vec![
            fill(locale.t(&format!("mail.{kind}.lead")), &pairs),
            locale.t("mail.save_the_date"),
        ],
        facts: vec![
            (
                locale.t("event.when"),
                format::span(event.starts_at, event.ends_at, tz, locale),
            ),
            (locale.t("event.where"), venue(event)),
        ],
        programme,
        choices: Vec::new(),
        notes: Vec::new(),
        link,
        footer: vec![
            fill(locale.t("mail.event_page"), &[("url", &event_url)]),
            locale.t("mail.footer"),
        ],
    };
    let host = calendar::uid_host(ctx.base_url);
    RenderedEmail {
        subject: letter.subject.clone(),
        text: text_of(&letter, locale),
        html: html_of(&letter, locale).into_string(),
        calendar: Some((
            CalendarMethod::Publish,
            calendar::publish(event, &host, event_url, now),
        )),
    }
}

/// Everything a delegation's email to its contact is rendered from.
pub struct DelegationContext<'a> {
    pub payload: &'a Payload,
    pub event: &'a event::Model,
    pub delegation: &'a crate::db::entities::delegation::Model,
    /// The colleagues as they stand: name and where each stands.
    pub members: &'a [registration::Model],
    pub base_url: &'a url::Url,
}

/// Renders the contact's email: the link to the delegation's page and who
/// they registered, each with where they stand now.
pub fn render_delegation(ctx: &DelegationContext<'_>) -> RenderedEmail {
    let locale = Locale::parse(&ctx.delegation.locale).unwrap_or_default();
    let event = ctx.event;
    let tz = format::zone(&event.time_zone);
    let pairs = [
        ("event", event.title.as_str()),
        ("name", ctx.delegation.contact_name.as_str()),
    ];
    let event_url = event_page(ctx.base_url, event);
    let link = ctx
        .payload
        .token
        .as_deref()
        .and_then(|token| ctx.base_url.join(&format!("d/{token}")).ok())
        .map(|url| (locale.t("mail.delegation.link"), String::from(url)));
    let mut facts = vec![
        (
            locale.t("event.when"),
            format::span(event.starts_at, event.ends_at, tz, locale),
        ),
        (locale.t("event.where"), venue(event)),
    ];
    facts.extend(ctx.members.iter().map(|member| {
        let status = match member.status {
            RegistrationStatus::Confirmed => locale.t("delegation.status.confirmed"),
            RegistrationStatus::Waitlisted => locale.t("delegation.status.waitlisted"),
            RegistrationStatus::Cancelled => locale.t("delegation.status.cancelled"),
        };
        (member.name.clone(), status)
    }));
    let letter = Letter {
        subject: fill(locale.t("mail.delegation.subject"), &pairs),
        greeting: fill(locale.t("mail.greeting"), &pairs),
        lead: vec![
            fill(locale.t("mail.delegation.lead"), &pairs),
            locale.t("mail.delegation.page"),
        ],
        facts,
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
