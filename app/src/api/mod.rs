//! Server functions, grouped by resource. Each one is a public HTTP endpoint under
//! [`PREFIX`] (never under `/api/`, which is the Bearer-token API's): it authenticates and
//! authorises through `backend::require`, parses its raw input into domain types, calls a
//! service, and answers with the shared `AppError`.

pub mod account;
pub mod admin;
pub mod connections;
pub mod dashboards;
pub mod links;
pub mod metrics;
pub mod usage;

/// Where server functions live. The `#[server]` macro needs a literal, so each function repeats
/// it; `server/tests` checks that every registered function is under it.
pub const PREFIX: &str = "/fn";
