//! The application state every request handler and server function reaches: one field per
//! concern, each with its own settings.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use sqlx::PgPool;

use super::dashboards::public::PublicLinks;
use super::identity::Identity;
use super::sources::Telemetry;
use crate::error::AppError;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    /// Sessions, tokens, sign-in throttling and password hashing.
    pub identity: Identity,
    /// The one way to reach CloudWatch or the demo world.
    pub telemetry: Telemetry,
    /// The per-link rate limit of public dashboard links.
    pub public_links: PublicLinks,
}

/// The state inside a server function (provided as Leptos context for every request).
pub fn use_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the Leptos context");
        AppError::Internal { reference: "state".into() }
    })
}
