//! Typed settings from the environment (and an optional `.env` file beside the binary's working
//! directory). Secrets are wrapped so they never reach a log line.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use app::backend::Settings;
use app::domain::Email;

/// A value that must never be printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: Secret,
    pub db_max_connections: u32,
    /// The address people use (e.g. `https://watchpost.example.com`); decides Secure cookies and
    /// which Origin is our own.
    pub public_url: Option<String>,
    pub cookie_secure: bool,
    pub settings: Settings,
    pub admin_email: Option<Email>,
    pub admin_password: Option<Secret>,
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

impl Config {
    /// Reads `.env` (when present, without overriding the real environment) and then the
    /// environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv(".env");
        let default_bind: SocketAddr = parsed("LEPTOS_SITE_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;
        let bind = parsed("WATCHPOST_BIND", default_bind)?;
        let database_url = var("DATABASE_URL").unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432/watchpost".into());
        let public_url = var("WATCHPOST_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(ConfigError {
                    name: "WATCHPOST_PUBLIC_URL",
                    problem: "must start with http:// or https://".into(),
                });
            }
        }
        let cookie_secure = parsed(
            "WATCHPOST_COOKIE_SECURE",
            public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
        )?;
        let settings = Settings {
            session_idle: hours("WATCHPOST_SESSION_IDLE_HOURS", 12)?,
            session_absolute: hours("WATCHPOST_SESSION_ABSOLUTE_HOURS", 7 * 24)?,
            max_failures_per_account: parsed("WATCHPOST_MAX_FAILURES_PER_ACCOUNT", 5)?,
            max_failures_per_ip: parsed("WATCHPOST_MAX_FAILURES_PER_IP", 20)?,
            throttle_window: Duration::from_secs(parsed("WATCHPOST_THROTTLE_WINDOW_SECS", 900)?),
            trust_proxy: parsed("WATCHPOST_TRUST_PROXY", false)?,
        };
        let admin_email = var("WATCHPOST_ADMIN_EMAIL")
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
        Ok(Self {
            bind,
            database_url: Secret::new(database_url),
            db_max_connections: parsed("WATCHPOST_DB_MAX_CONNECTIONS", 10)?,
            public_url,
            cookie_secure,
            settings,
            admin_email,
            admin_password: var("WATCHPOST_ADMIN_PASSWORD").map(Secret::new),
            log_format,
        })
    }
}

/// Minimal `.env` reader: `KEY=VALUE` lines, `#` comments, optional surrounding quotes. Values
/// already in the environment win.
fn load_dotenv(path: &str) {
    let Ok(text) = std::fs::read_to_string(path) else { return };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = line.split_once('=') {
            let k = k.trim();
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            if std::env::var_os(k).is_none() {
                // Edition 2021: safe. `main` reads the configuration before the runtime starts
                // any other thread, so nothing reads the environment concurrently.
                std::env::set_var(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("postgres://user:hunter2@db/x");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert!(!format!("{:?}", Some(s)).contains("hunter2"));
    }
}
