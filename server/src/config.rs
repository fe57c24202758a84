//! Typed settings from the environment (and an optional `.env` file, read with `dotenvy`; the
//! real environment wins). Secrets are `secrecy` strings so they never reach a log line.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use app::backend::identity::{IdentitySettings, SessionSettings, ThrottleSettings};
use app::backend::sources::{ProxySettings, SecretCipher, SourcePolicy};
use app::domain::{Email, NewPassword};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// How the server meets the network.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub bind: SocketAddr,
    /// The address people use (e.g. `https://watchpost.example.com`), without a trailing slash:
    /// our own origin for cross-site checks, and https here makes cookies Secure.
    pub public_url: Option<String>,
    /// Proxies in front of us whose `X-Forwarded-For`/`-Proto` we believe (1 behind an ALB).
    pub trusted_proxies: usize,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
}

/// The account `serve` makes sure exists.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub email: Option<Email>,
    pub password: Option<SecretString>,
}

/// Telemetry sources: the demo switch, the AWS guard rails, the key for secrets at rest.
#[derive(Debug, Clone)]
pub struct SourcesSettings {
    pub policy: SourcePolicy,
    /// `WATCHPOST_SECRET_KEY`: 64 hex characters; needed only to store static AWS keys.
    pub secret_key: Option<SecretString>,
    /// The proxy's cache, quotas, scheduler and prices.
    pub proxy: ProxySettings,
}

impl SourcesSettings {
    pub fn cipher(&self) -> Result<Option<SecretCipher>, ConfigError> {
        self.secret_key
            .as_ref()
            .map(|k| {
                SecretCipher::from_hex(k.expose_secret()).map_err(|problem| ConfigError {
                    name: "WATCHPOST_SECRET_KEY",
                    problem,
                })
            })
            .transpose()
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub http: HttpSettings,
    pub sources: SourcesSettings,
    pub database: DatabaseSettings,
    pub identity: IdentitySettings,
    pub first_admin: FirstAdmin,
    pub log_format: LogFormat,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {name} {problem}")]
pub struct ConfigError {
    name: &'static str,
    problem: String,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn parsed<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|e| ConfigError {
            name,
            problem: format!("`{v}` is not valid: {e}"),
        }),
    }
}

/// The proxy's settings: every one has a default suited to a war room.
fn proxy_settings() -> Result<ProxySettings, ConfigError> {
    let mut p = ProxySettings::default();
    p.metrics.cache_bytes = parsed::<u64>("WATCHPOST_CACHE_MB", 256)? << 20;
    p.metrics.min_ttl = Duration::from_secs(parsed("WATCHPOST_MIN_TTL_SECS", 10)?);
    p.metrics.max_ttl = p.metrics.max_ttl.max(p.metrics.min_ttl);
    p.metrics.max_viewer_range = Duration::from_secs(parsed::<u64>("WATCHPOST_VIEWER_MAX_RANGE_DAYS", 35)? * 86_400);
    p.metrics.principal_rate = parsed("WATCHPOST_USER_FETCH_RATE", 20.0)?;
    p.metrics.principal_burst = p.metrics.principal_rate * 20.0;
    p.limits.share = parsed("WATCHPOST_QUOTA_SHARE", 0.8)?;
    if !(0.05..=1.0).contains(&p.limits.share) {
        return Err(ConfigError {
            name: "WATCHPOST_QUOTA_SHARE",
            problem: "must be between 0.05 and 1".into(),
        });
    }
    p.limits.burst = (1.0 - p.limits.share).max(0.05);
    // `GetMetricData=100,StartQuery=10`: raised account quotas (transactions per second).
    if let Some(list) = var("WATCHPOST_QUOTAS") {
        for part in list.split(',').filter(|p| !p.trim().is_empty()) {
            let (api, tps) = part.split_once('=').ok_or_else(|| ConfigError {
                name: "WATCHPOST_QUOTAS",
                problem: format!("`{part}` is not API=TPS"),
            })?;
            let tps: f64 = tps.trim().parse().map_err(|_| ConfigError {
                name: "WATCHPOST_QUOTAS",
                problem: format!("`{tps}` is not a number"),
            })?;
            p.limits.tps.insert(api.trim().to_string(), tps);
        }
    }
    p.scheduler.budget = parsed("WATCHPOST_INSIGHTS_CONCURRENCY", 30)?;
    p.scheduler.per_principal_cap = parsed("WATCHPOST_INSIGHTS_PER_USER", 5)?;
    p.prices.per_thousand_metrics = parsed("WATCHPOST_PRICE_PER_1000_METRICS", 0.01)?;
    p.prices.per_gb_scanned = parsed("WATCHPOST_PRICE_PER_GB_SCANNED", 0.005)?;
    p.daily_metric_budget = Some(parsed::<u64>("WATCHPOST_DAILY_METRIC_BUDGET", 1_000_000)?).filter(|b| *b > 0);
    Ok(p)
}

fn hours(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    let h: f64 = parsed(name, default as f64)?;
    if !(h > 0.0 && h < 24.0 * 366.0) {
        return Err(ConfigError {
            name,
            problem: "must be a positive number of hours".into(),
        });
    }
    Ok(Duration::from_secs_f64(h * 3_600.0))
}

fn positive(name: &'static str, default: i64) -> Result<i64, ConfigError> {
    let n: i64 = parsed(name, default)?;
    if n < 1 {
        return Err(ConfigError {
            name,
            problem: "must be at least 1".into(),
        });
    }
    Ok(n)
}

impl Config {
    /// Reads `.env` (when present, without overriding the real environment) and then the
    /// environment. Call before any other thread starts: `.env` sets process variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let default_bind: SocketAddr = parsed("LEPTOS_SITE_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;
        let public_url = var("WATCHPOST_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(ConfigError {
                    name: "WATCHPOST_PUBLIC_URL",
                    problem: "must start with http:// or https://".into(),
                });
            }
        }
        // WATCHPOST_TRUST_PROXY=true is the older spelling of one trusted proxy.
        let legacy = usize::from(parsed("WATCHPOST_TRUST_PROXY", false)?);
        let http = HttpSettings {
            bind: parsed("WATCHPOST_BIND", default_bind)?,
            trusted_proxies: parsed("WATCHPOST_TRUSTED_PROXIES", legacy)?,
            public_url,
        };
        let always_secure = parsed(
            "WATCHPOST_COOKIE_SECURE",
            http.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
        )?;
        let identity = IdentitySettings {
            sessions: SessionSettings {
                idle: hours("WATCHPOST_SESSION_IDLE_HOURS", 12)?,
                absolute: hours("WATCHPOST_SESSION_ABSOLUTE_HOURS", 7 * 24)?,
                always_secure,
            },
            throttle: ThrottleSettings {
                window: Duration::from_secs(positive("WATCHPOST_THROTTLE_WINDOW_SECS", 900)?.unsigned_abs()),
                max_per_account_address: positive("WATCHPOST_MAX_FAILURES_PER_ACCOUNT_ADDRESS", 5)?,
                max_per_account: positive("WATCHPOST_MAX_FAILURES_PER_ACCOUNT", 50)?,
                max_per_address: positive("WATCHPOST_MAX_FAILURES_PER_IP", 20)?,
            },
            max_concurrent_hashes: parsed(
                "WATCHPOST_MAX_CONCURRENT_HASHES",
                app::backend::identity::password::default_concurrency(),
            )?,
        };
        let email = var("WATCHPOST_ADMIN_EMAIL")
            .map(|e| {
                e.parse::<Email>().map_err(|err| ConfigError {
                    name: "WATCHPOST_ADMIN_EMAIL",
                    problem: err.to_string(),
                })
            })
            .transpose()?;
        let log_format = match var("WATCHPOST_LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError {
                    name: "WATCHPOST_LOG_FORMAT",
                    problem: format!("`{other}` is not json or pretty"),
                })
            }
        };
        let defaults = SourcePolicy::default();
        let list = |name: &str, default: Vec<String>| {
            var(name).map_or(default, |v| {
                v.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
            })
        };
        let sources = SourcesSettings {
            policy: SourcePolicy {
                demo_enabled: parsed("WATCHPOST_DEMO", true)?,
                endpoint_allowlist: list("WATCHPOST_AWS_ENDPOINT_ALLOWLIST", defaults.endpoint_allowlist),
                allow_loopback_endpoints: parsed("WATCHPOST_AWS_ALLOW_LOOPBACK", false)?,
                role_arn_patterns: list("WATCHPOST_AWS_ROLE_ARN_PATTERNS", defaults.role_arn_patterns),
            },
            secret_key: var("WATCHPOST_SECRET_KEY").map(Into::into),
            proxy: proxy_settings()?,
        };
        let settings = Self {
            http,
            sources,
            database: DatabaseSettings {
                url: var("DATABASE_URL")
                    .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432/watchpost".into())
                    .into(),
                max_connections: parsed("WATCHPOST_DB_MAX_CONNECTIONS", 10)?,
            },
            identity,
            first_admin: FirstAdmin {
                email,
                password: var("WATCHPOST_ADMIN_PASSWORD").map(Into::into),
            },
            log_format,
        };
        settings.sources.cipher()?;
        Ok(settings)
    }
}

impl FirstAdmin {
    /// The configured password, checked like any new password.
    pub fn password(&self) -> Result<Option<NewPassword>, ConfigError> {
        self.password
            .as_ref()
            .map(|p| {
                p.expose_secret().parse().map_err(|e: app::error::AppError| ConfigError {
                    name: "WATCHPOST_ADMIN_PASSWORD",
                    problem: e.to_string(),
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let db = DatabaseSettings {
            url: SecretString::from("postgres://user:hunter2@db/x"),
            max_connections: 1,
        };
        assert!(!format!("{db:?}").contains("hunter2"));
    }
}
