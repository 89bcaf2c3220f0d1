//! What an organiser account may do.

/// An organiser's role. Each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The check-in page only.
    Checkin,
    /// Events, invitations, attendees, exports.
    Organiser,
    /// Everything, including accounts and the audit log.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Checkin => "checkin",
            Role::Organiser => "organiser",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "checkin" => Some(Role::Checkin),
            "organiser" => Some(Role::Organiser),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn each_role_includes_the_ones_below() {
        assert!(Role::Admin.allows(Role::Organiser));
        assert!(Role::Organiser.allows(Role::Checkin));
        assert!(!Role::Checkin.allows(Role::Organiser));
        assert!(!Role::Organiser.allows(Role::Admin));
        assert_eq!(Role::parse("checkin"), Some(Role::Checkin));
        assert_eq!(Role::parse("root"), None);
    }
}
