#![recursion_limit = "512"]

//! Integration tests: the real router on port 0, each test with a database of its own
//! (`#[sqlx::test]` creates it and applies the workspace migrations), driven over HTTP.

mod helpers;

mod access;
mod accounts;
mod cli;
mod dashboards;
mod explorer;
mod health;
mod proxy;
mod public_links;
mod replicas;
mod sessions;
mod sign_in;
mod sources;
mod tokens;
mod usage;
