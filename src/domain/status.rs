//! The stored states of invitations, outbox rows and form submissions, and
//! the kinds of email. (Event and registration states live in `event`.)
use sea_orm::sea_query::StringLen;

use super::stored::stored_enum;

stored_enum!(
    /// Where a personal invitation stands.
    InvitationStatus {
        /// Emailed, not answered yet.
        Sent = "sent",
        /// The invitee registered.
        Registered = "registered",
        /// The invitee said no.
        Declined = "declined",
    }
);

stored_enum!(
    /// An outbox row's life: pending → sending (leased) → sent, or back to
    /// pending with a later attempt, or failed.
    OutboxStatus {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        Failed = "failed",
    }
);

impl MessageKind {
    /// The registration ended with this message: its CANCEL must still
    /// reach the calendar after the registrant's data is erased.
    pub fn ends_registration(self) -> bool {
        matches!(self, Self::Cancelled | Self::HandedOver)
    }
}

impl OutboxStatus {
    /// Not delivered yet, and still being tried.
    pub fn in_flight(self) -> bool {
        matches!(self, Self::Pending | Self::Sending)
    }
}

stored_enum!(
    /// Which message an outbox row is.
    MessageKind {
        Confirmed = "confirmed",
        Waitlisted = "waitlisted",
        Promoted = "promoted",
        Edited = "edited",
        Cancelled = "cancelled",
        EventMoved = "event-moved",
        EventCancelled = "event-cancelled",
        LinkAgain = "link-again",
        /// Programme choices changed (by the registrant, an organiser, or a
        /// seat that came free).
        ChoicesChanged = "choices-changed",
        /// To the person who handed their registration to a substitute
        /// (with a CANCEL of their invite when they held a seat).
        HandedOver = "handed-over",
        /// To the substitute who took a registration over (with a fresh
        /// invite of their own when it holds a seat).
        TookOver = "took-over",
        Invitation = "invitation",
        InvitationReminder = "invitation-reminder",
        /// A required question of the organiser's is still unanswered.
        AnswersReminder = "answers-reminder",
        /// A reminder rule's email (`services::reminders`).
        Reminder = "reminder",
        /// An organiser's message to a filtered audience (`services::messages`).
        OrganiserMessage = "organiser-message",
        /// To a delegation's contact: the link to the delegation's page.
        Delegation = "delegation",
    }
);

stored_enum!(
    /// What a claimed form submission key produced.
    SubmissionOutcome {
        /// A new registration.
        Registered = "registered",
        /// The address was registered already; its link was emailed.
        AlreadyRegistered = "already-registered",
        /// A delegation (its sealed token opens the delegation's page).
        Delegation = "delegation",
    }
);
