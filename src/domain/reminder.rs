//! Reminder rules: who a reminder goes to, when it is due, and where a rule
//! stands. Pure: the clock and the event's times are parameters.
//!
//! Decisions (issue 15, where it is silent):
//! - A due time is computed from the event every time it is needed, never
//!   stored, so moving the event (or its registration close) moves it. "N
//!   days before at 09.00" is 09.00 on the wall clock of the event's time
//!   zone, whatever daylight-saving time does in between.
//! - A rule runs once. It sends when its due time has come, provided the
//!   time came no more than [`GRACE`] ago and after the rule was created;
//!   otherwise it is *missed* and waits for an organiser to confirm it. So
//!   a rule created too late, an event moved so that a reminder is overdue,
//!   or every instance being down for hours never sends by surprise.
//! - Nothing is sent once the event has ended or when it is cancelled.
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::StringLen;

use super::stored::stored_enum;

/// How late a due rule may still send on its own.
pub const GRACE: Duration = Duration::hours(1);

/// People who registered less than this long ago get no reminder (their
/// confirmation is fresh).
pub const FRESH: Duration = Duration::hours(24);

stored_enum!(
    /// Who a reminder rule reaches.
    Audience {
        /// Everyone with a seat.
        Confirmed = "confirmed",
        /// Everyone with a seat who holds a seat of one programme item.
        Item = "item",
        /// Everyone on the waitlist, told their position.
        Waitlisted = "waitlisted",
        /// Invitees who have neither registered nor declined.
        Invitees = "invitees",
    }
);

stored_enum!(
    /// How a rule's due time is set.
    TimingKind {
        /// N days before the start, at a local time.
        BeforeStart = "before-start",
        /// N hours before registration closes.
        BeforeClose = "before-close",
        /// At a fixed time.
        Fixed = "fixed",
    }
);

/// When a rule is due, as the organiser set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// `days` days before the start's local date, at `at` local time.
    BeforeStart { days: u32, at: NaiveTime },
    /// `hours` hours before registration closes (or before the start, for
    /// an event that closes registration only when it starts).
    BeforeClose { hours: u32 },
    /// At this instant.
    Fixed(DateTime<Utc>),
}

/// The instant a local wall-clock time stands for. A time that does not
/// exist (the hour skipped in spring) moves an hour later; one that occurs
/// twice (autumn) is the first.
pub fn local_instant(tz: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) => at.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        chrono::LocalResult::None => local_instant(tz, local + Duration::hours(1)),
    }
}

impl Timing {
    /// The due time for an event that starts at `starts_at` and closes
    /// registration at `closes_at`, in time zone `tz`.
    pub fn due_at(
        self,
        starts_at: DateTime<Utc>,
        closes_at: Option<DateTime<Utc>>,
        tz: Tz,
    ) -> DateTime<Utc> {
        match self {
            Timing::BeforeStart { days, at } => {
                let day =
                    starts_at.with_timezone(&tz).date_naive() - Duration::days(i64::from(days));
                local_instant(tz, day.and_time(at))
            }
            Timing::BeforeClose { hours } => {
                closes_at.unwrap_or(starts_at) - Duration::hours(i64::from(hours))
            }
            Timing::Fixed(at) => at,
        }
    }
}

/// Where a rule stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleState {
    /// Its time has not come.
    Scheduled,
    /// It sends at the scheduler's next look.
    Due,
    /// Its time passed before it could send: it waits for a confirmation.
    Missed,
    /// It ran.
    Sent,
    /// The event is cancelled or over: it will not send.
    Stopped,
}

impl RuleState {
    /// The catalogue key of the state's name.
    pub fn key(self) -> &'static str {
        match self {
            RuleState::Scheduled => "reminders.state.scheduled",
            RuleState::Due => "reminders.state.due",
            RuleState::Missed => "reminders.state.missed",
            RuleState::Sent => "reminders.state.sent",
            RuleState::Stopped => "reminders.state.stopped",
        }
    }
}

/// What a rule's state is at `now`.
#[derive(Debug, Clone, Copy)]
pub struct RuleClock {
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub ran_at: Option<DateTime<Utc>>,
    pub event_cancelled: bool,
    pub event_ends_at: DateTime<Utc>,
}

impl RuleClock {
    /// The rule's state at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> RuleState {
        if self.ran_at.is_some() {
            RuleState::Sent
        } else if self.event_cancelled || now >= self.event_ends_at {
            RuleState::Stopped
        } else if self.due_at > now {
            RuleState::Scheduled
        } else if self.confirmed_at.is_some() {
            RuleState::Due
        } else if self.due_at < self.created_at || now - self.due_at > GRACE {
            RuleState::Missed
        } else {
            RuleState::Due
        }
    }
}

/// Parses `HH:MM` (or `HH.MM`, as Swedes write it).
pub fn parse_local_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(&text.trim().replace('.', ":"), "%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn days_before_keeps_the_local_time_across_daylight_saving() {
        let tz = chrono_tz::Europe::Stockholm;
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let rule = Timing::BeforeStart { days: 2, at: nine };
        // Winter: 09.00 CET is 08.00 UTC.
        assert_eq!(
            rule.due_at(utc(2027, 3, 10, 9, 0), None, tz),
            utc(2027, 3, 8, 8, 0)
        );
        // Summer time began on 28 March 2027: 09.00 CEST is 07.00 UTC.
        assert_eq!(
            rule.due_at(utc(2027, 4, 6, 8, 0), None, tz),
            utc(2027, 4, 4, 7, 0)
        );
        // Across the change itself: start in summer time, due in winter time.
        assert_eq!(
            rule.due_at(utc(2027, 3, 29, 8, 0), None, tz),
            utc(2027, 3, 27, 8, 0)
        );
    }

    #[test]
    fn a_skipped_local_time_moves_an_hour_later() {
        let tz = chrono_tz::Europe::Stockholm;
        let local = NaiveDate::from_ymd_opt(2027, 3, 28)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(local_instant(tz, local), utc(2027, 3, 28, 1, 30));
    }

    #[test]
    fn before_close_falls_back_to_the_start() {
        let tz = chrono_tz::Europe::Stockholm;
        let rule = Timing::BeforeClose { hours: 48 };
        let start = utc(2027, 4, 6, 8, 0);
        assert_eq!(rule.due_at(start, None, tz), start - Duration::hours(48));
        let close = utc(2027, 4, 1, 22, 0);
        assert_eq!(
            rule.due_at(start, Some(close), tz),
            close - Duration::hours(48)
        );
    }

    #[test]
    fn a_rule_created_after_its_time_is_missed_until_confirmed() {
        let now = utc(2027, 4, 1, 12, 0);
        let mut clock = RuleClock {
            due_at: now - Duration::minutes(10),
            created_at: now,
            confirmed_at: None,
            ran_at: None,
            event_cancelled: false,
            event_ends_at: now + Duration::days(5),
        };
        assert_eq!(clock.state(now), RuleState::Missed);
        clock.confirmed_at = Some(now);
        assert_eq!(clock.state(now), RuleState::Due);
        clock.ran_at = Some(now);
        assert_eq!(clock.state(now), RuleState::Sent);
    }

    #[test]
    fn a_rule_due_long_ago_is_missed_and_a_future_one_scheduled() {
        let now = utc(2027, 4, 1, 12, 0);
        let mut clock = RuleClock {
            due_at: now - Duration::hours(3),
            created_at: now - Duration::days(3),
            confirmed_at: None,
            ran_at: None,
            event_cancelled: false,
            event_ends_at: now + Duration::days(5),
        };
        assert_eq!(clock.state(now), RuleState::Missed);
        clock.due_at = now - Duration::minutes(5);
        assert_eq!(clock.state(now), RuleState::Due);
        clock.due_at = now + Duration::minutes(5);
        assert_eq!(clock.state(now), RuleState::Scheduled);
        clock.event_cancelled = true;
        assert_eq!(clock.state(now), RuleState::Stopped);
    }

    #[test]
    fn times_are_read_with_a_colon_or_a_dot() {
        assert_eq!(parse_local_time("08.15"), NaiveTime::from_hms_opt(8, 15, 0));
        assert_eq!(parse_local_time("18:00"), NaiveTime::from_hms_opt(18, 0, 0));
        assert_eq!(parse_local_time("25:00"), None);
    }
}
