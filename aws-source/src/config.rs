//! What the app tells the AWS source about one connection.

use std::fmt;
use std::time::Duration;

/// One configured AWS connection.
#[derive(Debug, Clone)]
pub struct AwsSourceConfig {
    /// The connection slug, for log and metric labels.
    pub connection: String,
    /// `us-east-1`, ...
    pub region: String,
    /// Overrides the CloudWatch and CloudWatch Logs endpoints (not STS). Already validated by the
    /// app (https and on its allowlist, or loopback in tests).
    pub endpoint_url: Option<String>,
    pub credentials: Credentials,
    pub timeouts: Timeouts,
}

impl AwsSourceConfig {
    /// A connection with the default credential chain and default timeouts.
    pub fn new(connection: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            connection: connection.into(),
            region: region.into(),
            endpoint_url: None,
            credentials: Credentials::DefaultChain,
            timeouts: Timeouts::default(),
        }
    }
}

/// Where the credentials come from.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// The SDK's default chain: environment, shared config/credentials profile (incl. SSO and
    /// `credential_process`), web identity, ECS task role, EC2 instance role.
    DefaultChain,
    /// A named profile of the shared config and credentials files (only that profile: environment
    /// credentials do not take precedence).
    Profile { name: String },
    /// Keys decrypted by the app. Never logged: `Debug` shows the access key id only.
    Static {
        access_key_id: String,
        secret_access_key: String,
        session_token: Option<String>,
    },
    /// `sts:AssumeRole` with `base`'s credentials. The role session name is `watchpost-<principal>`
    /// (sanitised), so CloudTrail shows which Watchpost user asked.
    AssumeRole {
        role_arn: String,
        external_id: Option<String>,
        base: Box<Credentials>,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::DefaultChain => f.write_str("DefaultChain"),
            Credentials::Profile { name } => f.debug_struct("Profile").field("name", name).finish(),
            Credentials::Static {
                access_key_id,
                session_token,
                ..
            } => f
                .debug_struct("Static")
                .field("access_key_id", access_key_id)
                .field("secret_access_key", &"** redacted **")
                .field("session_token", &session_token.as_ref().map(|_| "** redacted **"))
                .finish(),
            Credentials::AssumeRole {
                role_arn,
                external_id,
                base,
            } => f
                .debug_struct("AssumeRole")
                .field("role_arn", role_arn)
                .field("external_id", external_id)
                .field("base", base)
                .finish(),
        }
    }
}

/// Time limits for every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the TCP + TLS connection (default 3 s).
    pub connect: Duration,
    /// One HTTP attempt (default 10 s).
    pub attempt: Duration,
    /// The whole operation including retries (default 30 s).
    pub operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            attempt: Duration::from_secs(10),
            operation: Duration::from_secs(30),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_or_token() {
        let creds = Credentials::AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/watchpost".into(),
            external_id: Some("ext".into()),
            base: Box::new(Credentials::Static {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG".into(),
                session_token: Some("FwoGZXIvYXdzEJr".into()),
            }),
        };
        let text = format!(
            "{creds:?} {:?}",
            AwsSourceConfig {
                credentials: creds.clone(),
                ..AwsSourceConfig::new("c", "r")
            }
        );
        assert!(text.contains("AKIDEXAMPLE"), "{text}");
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
        assert!(!text.contains("FwoGZXIvYXdzEJr"), "{text}");
    }
}
