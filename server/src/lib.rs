#![recursion_limit = "512"]

//! The Watchpost server: configuration, telemetry, the router (Leptos pages, health, metrics,
//! sign-in, token API) and the command-line subcommands. The binary (`main.rs`) only dispatches.

pub mod cli;
pub mod config;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod startup;
pub mod telemetry;
