#![recursion_limit = "512"]

//! The Watchpost server: configuration, telemetry, the router (composed by trust boundary in
//! `routes/`) and the command-line subcommands. The binary (`main.rs`) only dispatches.

pub mod aws;
pub mod cli;
pub mod client;
pub mod config;
pub mod layers;
pub mod metrics;
pub mod routes;
pub mod startup;
pub mod telemetry;
