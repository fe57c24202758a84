//! The application state every request handler and server function reaches.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

use crate::error::AppError;

/// Runtime settings the services need (parsed from the environment by the server binary).
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub session_absolute: Duration,
    /// Failed sign-ins allowed per account within `throttle_window`.
    pub max_failures_per_account: i64,
    /// Failed sign-ins allowed per client address within `throttle_window`.
    pub max_failures_per_ip: i64,
    pub throttle_window: Duration,
    /// Trust `X-Forwarded-For` (only behind a load balancer that sets it).
    pub trust_proxy: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(12 * 3_600),
            session_absolute: Duration::from_secs(7 * 86_400),
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
            throttle_window: Duration::from_secs(15 * 60),
            trust_proxy: false,
        }
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub settings: Arc<Settings>,
}

/// The state inside a server function (provided as Leptos context for every request).
pub fn use_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the Leptos context");
        AppError::Internal { reference: "state".into() }
    })
}
