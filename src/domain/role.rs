//! What an organiser account may do.

use sea_orm::sea_query::StringLen;

use super::stored::stored_enum;

stored_enum!(
    /// An organiser's role. Each role includes the ones before it.
    Role {
        /// The check-in page only.
        Checkin = "checkin",
        /// Events, invitations, attendees, exports.
        Organiser = "organiser",
        /// Everything, including accounts and the audit log.
        Admin = "admin",
    }
);

impl Role {
    fn rank(self) -> u8 {
        match self {
            Role::Checkin => 0,
            Role::Organiser => 1,
            Role::Admin => 2,
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self.rank() >= needed.rank()
    }
}

stored_enum!(
    /// What an API token may do.
    TokenScope {
        /// GET only.
        Read = "read",
        /// Also create and cancel registrations.
        ReadWrite = "read-write",
    }
);

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
