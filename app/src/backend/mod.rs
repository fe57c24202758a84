//! Everything that only runs on the server: state, database services, authentication.
//!
//! Compiled only with the `ssr` feature, so none of it (nor sqlx, argon2, tokio) can reach the
//! browser bundle. Server functions in `crate::api` are thin: they call [`auth::require`], parse
//! their input into domain types, and call a service here.

pub mod audit;
pub mod auth;
pub mod db_error;
pub mod sessions;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use auth::{require, Auth, ClientMeta};
pub use state::{use_state, AppState, Settings};

/// `OffsetDateTime` → epoch ms for the wire.
pub(crate) fn ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
