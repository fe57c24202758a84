//! The cloudwatch test suite (one binary). `body_*`: the dashboard body module against AWS's
//! documented examples (each cites the page), the shop-overview fixture, the demo's prebuilt
//! dashboards, error reporting, GetMetricData queries, variables applied, and property tests.

#![allow(clippy::unwrap_used)]

#[path = "cloudwatch/body_common.rs"]
mod body_common;
#[path = "cloudwatch/body_documented.rs"]
mod body_documented;
#[path = "cloudwatch/body_errors.rs"]
mod body_errors;
#[path = "cloudwatch/body_fixtures.rs"]
mod body_fixtures;
#[path = "cloudwatch/body_properties.rs"]
mod body_properties;
#[path = "cloudwatch/body_queries.rs"]
mod body_queries;
#[path = "cloudwatch/body_variables.rs"]
mod body_variables;
