//! Connections (data sources) as the shell and every request name them.

use serde::{Deserialize, Serialize};

use super::text::text_newtype;

text_newtype!(
    /// A connection's immutable slug, used in URLs (`?conn=demo`), cache keys and stored widgets:
    /// 1–40 lower-case letters, digits and dashes, starting with a letter. Renaming a connection
    /// changes its display name only, never this.
    ConnectionId,
    "connection",
    |raw: &str| {
        let s = raw.trim();
        let valid = !s.is_empty()
            && s.len() <= ConnectionId::MAX_LEN
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(s.to_string())
        } else {
            Err(format!(
                "`{}` is not a connection id: use 1–{} lower-case letters, digits and dashes, starting with a letter",
                s.chars().take(60).collect::<String>(),
                ConnectionId::MAX_LEN
            ))
        }
    }
);

impl ConnectionId {
    pub const MAX_LEN: usize = 40;
    /// The built-in demo connection every installation has.
    pub const DEMO: &'static str = "demo";

    pub fn demo() -> Self {
        Self(Self::DEMO.to_string())
    }
}

impl Default for ConnectionId {
    fn default() -> Self {
        Self::demo()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert_eq!("demo".parse::<ConnectionId>(), Ok(ConnectionId::demo()));
        assert_eq!(" prod-eu-1 ".parse::<ConnectionId>().map(String::from), Ok("prod-eu-1".into()));
        for bad in ["", "Prod", "1prod", "prod_eu", "a/b", &"a".repeat(41)] {
            assert!(bad.parse::<ConnectionId>().is_err(), "{bad:?}");
        }
    }
}

/// The kinds of data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "connection_kind", rename_all = "snake_case"))]
pub enum ConnectionKind {
    Aws,
    Demo,
}

impl ConnectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Aws => "aws",
            ConnectionKind::Demo => "demo",
        }
    }
}

impl std::str::FromStr for ConnectionKind {
    type Err = crate::error::AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "aws" => Ok(Self::Aws),
            "demo" => Ok(Self::Demo),
            other => Err(crate::error::AppError::validation(
                "kind",
                format!(
                    "`{}` is not a connection kind; use aws or demo",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        }
    }
}

/// How an AWS connection gets credentials. No mode stores a secret in clear: `StaticKeys` keeps its
/// secret access key encrypted in its own column, write-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AwsCredentialMode {
    /// The standard chain: environment, shared profile, SSO, ECS task role, instance role.
    DefaultChain,
    /// A named profile from the shared config files.
    Profile { profile: String },
    /// An access key pair; the secret is stored encrypted with `WATCHPOST_SECRET_KEY`.
    StaticKeys { access_key_id: String },
    /// Assume a role (from the default chain, or a profile). Watchpost generates the external id per
    /// connection and names each session `watchpost-<user>`.
    AssumeRole {
        role_arn: String,
        external_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_profile: Option<String>,
    },
}

impl AwsCredentialMode {
    pub fn describe(&self) -> String {
        match self {
            Self::DefaultChain => "default credential chain".into(),
            Self::Profile { profile } => format!("profile {profile}"),
            Self::StaticKeys { access_key_id } => {
                let shown: String = access_key_id.chars().take(4).collect();
                format!("access key {shown}… (secret encrypted)")
            }
            Self::AssumeRole { role_arn, external_id, .. } => format!("assume role {role_arn} (external id {external_id})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsSettings {
    pub region: String,
    pub credentials: AwsCredentialMode,
    /// An endpoint override (VPC endpoints, emulators); https and on the server's allowlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
}

/// The demo world's identity and switches. `seed` and `anchor` are fixed when the connection is
/// created so every replica computes the same world; `version` changes only when it is reset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoSettings {
    pub seed: u64,
    /// Epoch milliseconds.
    pub anchor_ms: i64,
    pub version: i32,
    /// Enforce CloudWatch's documented API quotas.
    #[serde(default = "yes")]
    pub quotas: bool,
    /// Injected latency per call.
    #[serde(default)]
    pub latency_ms: u64,
    /// Injected error rate, 0–1.
    #[serde(default)]
    pub error_rate: f64,
    /// Log and request volume multiplier (1 = the default world).
    #[serde(default = "one")]
    pub volume: f64,
}

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectionSettings {
    Aws(AwsSettings),
    Demo(DemoSettings),
}

impl ConnectionSettings {
    pub fn kind(&self) -> ConnectionKind {
        match self {
            Self::Aws(_) => ConnectionKind::Aws,
            Self::Demo(_) => ConnectionKind::Demo,
        }
    }

    /// One line for lists: region and credential mode, or the demo's switches.
    pub fn describe(&self) -> String {
        match self {
            Self::Aws(a) => {
                let endpoint = a.endpoint_url.as_deref().map(|e| format!(", endpoint {e}")).unwrap_or_default();
                format!("{} · {}{endpoint}", a.region, a.credentials.describe())
            }
            Self::Demo(d) => format!(
                "synthetic shop · world v{} · quotas {}{}",
                d.version,
                if d.quotas { "on" } else { "off" },
                if d.error_rate > 0.0 || d.latency_ms > 0 {
                    " · faults on"
                } else {
                    ""
                }
            ),
        }
    }
}

/// A connection as admins see and edit it (never with a secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionDetail {
    pub id: ConnectionId,
    pub display_name: String,
    pub settings: ConnectionSettings,
    /// A secret access key is stored (encrypted); it is never sent back.
    pub has_secret: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A connection as every user sees it: in the shell's picker and `GET /api/v1/connections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    /// The slug used in URLs (`?conn=demo`).
    pub id: ConnectionId,
    pub name: String,
    pub kind: ConnectionKind,
}

impl From<ConnectionDetail> for ConnectionSummary {
    fn from(c: ConnectionDetail) -> Self {
        Self {
            kind: c.settings.kind(),
            id: c.id,
            name: c.display_name,
        }
    }
}

/// One API's answer to "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCheck {
    /// The IAM action, e.g. `logs:StartQuery`.
    pub action: String,
    /// `None`: ok. Otherwise CloudWatch's code and message.
    pub error: Option<(String, String)>,
}

/// The outcome of "Test connection" on one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub connection: ConnectionId,
    pub checks: Vec<ApiCheck>,
}

/// A drill (game day) on a demo connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillInfo {
    pub id: String,
    pub connection: ConnectionId,
    pub kind: String,
    pub service: String,
    pub started_at_ms: i64,
    pub ends_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub started_by: Option<String>,
    /// Still playing now.
    pub running: bool,
}

/// What the admin form (or `watchpost connections add`) sends for an AWS connection: raw text,
/// parsed on the server against the guard rails. `secret_access_key` is write-only: empty keeps
/// the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AwsForm {
    pub region: String,
    /// `default_chain`, `profile`, `static_keys` or `assume_role`.
    pub mode: String,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub access_key_id: String,
    #[serde(default)]
    pub secret_access_key: String,
    #[serde(default)]
    pub role_arn: String,
    #[serde(default)]
    pub endpoint_url: String,
}

/// The demo's switches an admin can change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DemoForm {
    pub quotas: bool,
    pub latency_ms: u64,
    pub error_rate: f64,
    pub volume: f64,
}

/// The drills an admin can start on a demo connection, with the services each can target.
pub const DRILL_KINDS: [(&str, &str); 6] = [
    ("cpu-saturation", "CPU saturation"),
    ("dependency-failure", "Database connections exhausted"),
    ("memory-leak", "Memory leak ending in OOM kills"),
    ("lambda-timeouts", "Lambda timeouts"),
    ("throttling", "Throttling"),
    ("incident-replay", "Replay the scripted checkout incident"),
];
