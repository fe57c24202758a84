//! People, roles and what is shown about them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::ids::{SessionHandle, TokenId, UserId};
use super::text::text_newtype;
use crate::error::AppError;

/// Roles are ordered: every admin can do what an editor can, every editor what a viewer can.
/// Stored as the Postgres enum `user_role`, declared in the same order, so SQL compares roles
/// (`LEAST`, `>`) exactly as Rust does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(type_name = "user_role", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(AppError::validation(
                "role",
                format!("`{other}` is not a role; use viewer, editor or admin"),
            )),
        }
    }
}

/// An email address, trimmed and lower-cased so that one person has one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Email {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_lowercase();
        let bad = |m: &str| Err(AppError::validation("email", m));
        if s.is_empty() {
            return bad("enter an email address");
        }
        if s.len() > 254 {
            return bad("is longer than 254 characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return bad("needs an @, like name@example.com");
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return bad("is not an address like name@example.com");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("must not contain spaces");
        }
        Ok(Email(s))
    }
}

impl TryFrom<String> for Email {
    type Error = AppError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

text_newtype!(
    /// A display name: what colleagues see on timelines and in the admin pages.
    DisplayName,
    "display name",
    |raw: &str| {
        let name = raw.trim();
        if name.is_empty() {
            return Err("enter a name".into());
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(format!("is longer than {} characters", Self::MAX_CHARS));
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(name.to_string())
    }
);

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    /// The part of an email address before the `@`, for accounts created without a name.
    pub fn from_email(email: &Email) -> Self {
        let local = email.as_str().split('@').next().unwrap_or_default();
        local.parse().unwrap_or_else(|_| Self("user".into()))
    }
}

text_newtype!(
    /// What a personal API token is for ("CI deploy markers").
    TokenName,
    "name",
    |raw: &str| {
        let name = raw.trim();
        if name.is_empty() {
            return Err("say what the token is for".into());
        }
        if name.chars().count() > Self::MAX_CHARS || name.chars().any(char::is_control) {
            return Err(format!("use at most {} printable characters", Self::MAX_CHARS));
        }
        Ok(name.to_string())
    }
);

impl TokenName {
    pub const MAX_CHARS: usize = 100;
}

/// A new password. Length is what matters; no composition rules (NIST 800-63B). Never printed,
/// never serialised: it exists only between the form and the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_BYTES: usize = 1024;

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

impl FromStr for NewPassword {
    type Err = AppError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(AppError::validation(
                "password",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(AppError::validation(
                "password",
                format!("is longer than {} bytes", Self::MAX_BYTES),
            ));
        }
        Ok(Self(raw.to_string()))
    }
}

/// The person behind the current request, as every server function sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: Email,
    pub display_name: DisplayName,
    /// The effective role: for an API token, the lower of the token's and the owner's.
    pub role: Role,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role >= Role::Admin
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub active: bool,
    /// Epoch milliseconds (never `usize` or a platform type on the wire).
    pub created_at_ms: i64,
    pub last_sign_in_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub handle: SessionHandle,
    pub user_email: Email,
    pub created_at_ms: i64,
    pub last_seen_ms: i64,
    pub expires_at_ms: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session this very request came with.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub name: TokenName,
    pub role: Role,
    pub created_at_ms: i64,
    pub last_used_ms: Option<i64>,
    pub expires_at_ms: Option<i64>,
    pub revoked: bool,
}

/// A token as created: the secret is in here once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub info: TokenInfo,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
        assert_eq!("ADMIN".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(" Ann@Example.COM ".parse::<Email>().map(String::from), Ok("ann@example.com".into()));
        for bad in ["", "ann", "@x", "a@", "a b@x.y", "a@b@c"] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn passwords_need_length_and_never_print() {
        assert!("short".parse::<NewPassword>().is_err());
        let p: NewPassword = "correct horse battery".parse().expect("long enough");
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!("  Ann  ".parse::<DisplayName>().map(|n| n.to_string()), Ok("Ann".into()));
        assert!("".parse::<DisplayName>().is_err());
        assert!("a\u{7}b".parse::<TokenName>().is_err());
        assert!("x".repeat(101).parse::<TokenName>().is_err());
        let json = serde_json::to_string(&"x".repeat(101)).expect("json");
        assert!(
            serde_json::from_str::<DisplayName>(&json).is_err(),
            "the wire cannot smuggle an invalid name"
        );
        let email: Email = "ann.lee@example.com".parse().expect("email");
        assert_eq!(DisplayName::from_email(&email).as_str(), "ann.lee");
    }
}
