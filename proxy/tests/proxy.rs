//! The proxy's integration tests: real demo worlds as sources, a real Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// A test crate root's `mod x;` looks in `tests/`, not `tests/proxy/`.
#[path = "proxy/insights.rs"]
mod insights;
#[path = "proxy/metrics.rs"]
mod metrics;
