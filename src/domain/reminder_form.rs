//! The reminder-rule form: what an organiser posts, checked into a
//! [`NewRule`] or a list of field errors (the same errors as the event form).
use serde::Deserialize;

use super::event_form::{EventFieldError, parse_local};
use super::reminder::{Audience, Timing, TimingKind, local_instant, parse_local_time};
use crate::db::entities::programme_item;

/// The longest subject and text an organiser may write.
const SUBJECT_MAX: usize = 200;
const BODY_MAX: usize = 5000;

/// The new-rule form exactly as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub timing: String,
    #[serde(default)]
    pub days_before: String,
    #[serde(default)]
    pub local_time: String,
    #[serde(default)]
    pub hours_before: String,
    #[serde(default)]
    pub fixed_at: String,
    #[serde(default)]
    pub subject_sv: String,
    #[serde(default)]
    pub subject_en: String,
    #[serde(default)]
    pub body_sv: String,
    #[serde(default)]
    pub body_en: String,
}

impl RuleForm {
    /// A blank form with useful defaults: confirmed, two days before at 09.00.
    pub fn blank() -> Self {
        Self {
            audience: Audience::Confirmed.as_str().to_owned(),
            timing: TimingKind::BeforeStart.as_str().to_owned(),
            days_before: "2".to_owned(),
            local_time: "09:00".to_owned(),
            hours_before: "48".to_owned(),
            ..Self::default()
        }
    }
}

/// A checked rule, ready to store.
#[derive(Debug, Clone)]
pub struct NewRule {
    pub audience: Audience,
    pub item_id: Option<i32>,
    pub timing: Timing,
    pub form: RuleForm,
}

/// A field error of this form.
fn error(field: &'static str, key: &'static str) -> EventFieldError {
    EventFieldError {
        field,
        key,
        line: None,
    }
}

/// A one-line text: control characters become spaces, ends trimmed.
pub fn clean_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Checks the organiser's own subject and text (rules and messages).
pub fn check_words(
    form_subjects: [(&'static str, &str); 2],
    form_bodies: [(&'static str, &str); 2],
    errors: &mut Vec<EventFieldError>,
) {
    for (field, subject) in form_subjects {
        if subject.chars().count() > SUBJECT_MAX {
            errors.push(error(field, "reminders.error.too_long"));
        }
    }
    for (field, body) in form_bodies {
        if body.chars().count() > BODY_MAX {
            errors.push(error(field, "reminders.error.too_long"));
        }
    }
}

impl RuleForm {
    /// Parses the form against the event's choosable `items` and time zone.
    pub fn parse(
        &self,
        items: &[programme_item::Model],
        tz: chrono_tz::Tz,
    ) -> Result<NewRule, Vec<EventFieldError>> {
        let mut errors = Vec::new();
        let audience = Audience::parse(self.audience.trim());
        if audience.is_none() {
            errors.push(error("audience", "reminders.error.audience"));
        }
        let item_id = if audience == Some(Audience::Item) {
            let found = self
                .item
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|id| items.iter().any(|i| i.id == *id));
            if found.is_none() {
                errors.push(error("item", "reminders.error.item"));
            }
            found
        } else {
            None
        };
        let timing = match TimingKind::parse(self.timing.trim()) {
            Some(TimingKind::BeforeStart) => {
                let days = self
                    .days_before
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|d| *d <= 365);
                if days.is_none() {
                    errors.push(error("days_before", "reminders.error.days"));
                }
                let at = parse_local_time(&self.local_time);
                if at.is_none() {
                    errors.push(error("local_time", "reminders.error.time"));
                }
                days.zip(at)
                    .map(|(days, at)| Timing::BeforeStart { days, at })
            }
            Some(TimingKind::BeforeClose) => {
                let hours = self
                    .hours_before
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|h| *h <= 24 * 365);
                if hours.is_none() {
                    errors.push(error("hours_before", "reminders.error.hours"));
                }
                hours.map(|hours| Timing::BeforeClose { hours })
            }
            Some(TimingKind::Fixed) => {
                let at = parse_local(&self.fixed_at).map(|local| local_instant(tz, local));
                if at.is_none() {
                    errors.push(error("fixed_at", "reminders.error.fixed"));
                }
                at.map(Timing::Fixed)
            }
            None => {
                errors.push(error("timing", "reminders.error.timing"));
                None
            }
        };
        check_words(
            [
                ("subject_sv", &self.subject_sv),
                ("subject_en", &self.subject_en),
            ],
            [("body_sv", &self.body_sv), ("body_en", &self.body_en)],
            &mut errors,
        );
        match (audience, timing) {
            (Some(audience), Some(timing)) if errors.is_empty() => Ok(NewRule {
                audience,
                item_id,
                timing,
                form: self.clone(),
            }),
            _ => Err(errors),
        }
    }
}
