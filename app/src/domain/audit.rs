//! What the audit log records: a closed set of actions, so a typo cannot invent a new one and the
//! admin page's filter offers exactly what exists.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! audit_actions {
    ($($variant:ident => $text:literal,)*) => {
        /// A security-relevant action, written as `area.verb` text in the `audit_log` table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction {
            $($variant,)*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $text,)*
                }
            }
        }
    };
}

audit_actions! {
    SignIn => "auth.sign_in",
    SignInFailed => "auth.sign_in_failed",
    SignInRefused => "auth.sign_in_refused",
    SignOut => "auth.sign_out",
    UserCreate => "user.create",
    RoleChange => "user.role_change",
    Deactivate => "user.deactivate",
    Reactivate => "user.reactivate",
    PasswordReset => "user.password_reset",
    PasswordChange => "user.password_change",
    PasswordChangeFailed => "user.password_change_failed",
    TokenCreate => "token.create",
    TokenRevoke => "token.revoke",
    SessionRevoke => "session.revoke",
    ConnectionCreate => "connection.create",
    ConnectionUpdate => "connection.update",
    ConnectionRemove => "connection.remove",
    DrillStart => "drill.start",
    DrillEnd => "drill.end",
    DashboardCreate => "dashboard.create",
    DashboardSave => "dashboard.save",
    DashboardRestore => "dashboard.restore",
    DashboardDelete => "dashboard.delete",
    DashboardLinkCreate => "dashboard.link_create",
    DashboardLinkRevoke => "dashboard.link_revoke",
}

impl AuditAction {
    /// The areas (`auth.`, `user.`, …) the audit page filters by.
    pub fn areas() -> Vec<&'static str> {
        let mut areas: Vec<&'static str> = Self::ALL
            .iter()
            .filter_map(|a| a.as_str().split_once('.').map(|(area, _)| area))
            .collect();
        areas.dedup();
        areas
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_distinct_area_dot_verb() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.as_str()), "{a} twice");
            assert!(a.as_str().split_once('.').is_some_and(|(x, y)| !x.is_empty() && !y.is_empty()));
        }
        assert_eq!(
            AuditAction::areas(),
            ["auth", "user", "token", "session", "connection", "drill", "dashboard"]
        );
    }
}
