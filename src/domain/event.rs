//! Event kinds, states and the rule for when registration is open.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::StringLen;

use super::stored::stored_enum;

stored_enum!(
    /// What sort of gathering an event is.
    EventKind { NetworkMeeting = "network-meeting", Seminar = "seminar" }
);
stored_enum!(
    /// Where an event is in its life.
    EventStatus { Draft = "draft", Published = "published", Closed = "closed", Cancelled = "cancelled" }
);
stored_enum!(
    /// Who may see and join an event.
    Visibility { Public = "public", InviteOnly = "invite-only" }
);
stored_enum!(
    /// Where a registration stands.
    #[derive(utoipa::ToSchema)]
    #[schema(as = RegistrationState)]
    RegistrationStatus { Confirmed = "confirmed", Waitlisted = "waitlisted", Cancelled = "cancelled" }
);

/// Whether someone can register now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationWindow {
    Open,
    NotYetOpen(DateTime<Utc>),
    Closed,
    Cancelled,
}

impl RegistrationWindow {
    /// Decides the window from the event's status and dates. Registration
    /// closes at `closes_at` if set, and otherwise when the event starts.
    pub fn at(
        status: EventStatus,
        opens_at: Option<DateTime<Utc>>,
        closes_at: Option<DateTime<Utc>>,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        match status {
            EventStatus::Cancelled => return Self::Cancelled,
            EventStatus::Closed | EventStatus::Draft => return Self::Closed,
            EventStatus::Published => {}
        }
        if let Some(opens) = opens_at
            && now < opens
        {
            return Self::NotYetOpen(opens);
        }
        if now >= closes_at.unwrap_or(starts_at) {
            return Self::Closed;
        }
        Self::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 4, day, 8, 0, 0).unwrap()
    }

    #[test]
    fn registration_follows_status_and_dates() {
        let open = |now| {
            RegistrationWindow::at(EventStatus::Published, Some(at(2)), Some(at(5)), at(6), now)
        };
        assert_eq!(open(at(1)), RegistrationWindow::NotYetOpen(at(2)));
        assert_eq!(open(at(3)), RegistrationWindow::Open);
        assert_eq!(open(at(5)), RegistrationWindow::Closed);
        let no_close = RegistrationWindow::at(EventStatus::Published, None, None, at(6), at(6));
        assert_eq!(no_close, RegistrationWindow::Closed);
        let cancelled = RegistrationWindow::at(EventStatus::Cancelled, None, None, at(6), at(1));
        assert_eq!(cancelled, RegistrationWindow::Cancelled);
    }

    #[test]
    fn stored_values_round_trip() {
        for kind in [EventKind::NetworkMeeting, EventKind::Seminar] {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(
            Visibility::parse("invite-only"),
            Some(Visibility::InviteOnly)
        );
        assert_eq!(RegistrationStatus::parse("nope"), None);
    }
}
