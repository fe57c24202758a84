//! Everything that only runs on the server, one folder or file per area: `identity/` (users,
//! sessions, tokens, throttling, passwords), `audit`, `db`; later `sources/`, `proxy/`, `live/`,
//! `hooks/`.
//!
//! Compiled only with the `ssr` feature, so none of it (nor sqlx, argon2, tokio) can reach the
//! browser bundle. Server functions in `crate::api` are thin: they call [`identity::require`],
//! parse their input into domain types, and call a service here.

pub mod audit;
pub mod dashboards;
pub mod db;
pub mod identity;
pub mod markdown;
pub mod sources;
pub mod state;
pub mod usage;

pub use identity::{require, require_session, Caller, ClientMeta};
pub use state::{use_state, AppState};

/// `OffsetDateTime` → epoch ms for the wire.
pub(crate) fn ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
