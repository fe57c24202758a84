//! Server functions, grouped by resource. Each one is a public HTTP endpoint: it authenticates
//! and authorises through `backend::require`, parses its raw input into domain types, calls a
//! service, and answers with the shared `AppError`.

pub mod account;
pub mod admin;
pub mod connections;
