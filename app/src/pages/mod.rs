//! One routed page a file.

pub mod account;
pub mod admin;
pub mod dashboards;
pub mod login;
pub mod metrics;
pub mod not_found;
pub mod sections;
