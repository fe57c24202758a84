//! The demo world through its public surface (one test binary; the areas are submodules).
#![allow(clippy::unwrap_used)]

#[path = "demo/common.rs"]
mod common;

#[path = "demo/acceptance.rs"]
mod acceptance;
#[path = "demo/alarms.rs"]
mod alarms;
#[path = "demo/determinism.rs"]
mod determinism;
#[path = "demo/drills.rs"]
mod drills;
#[path = "demo/insights.rs"]
mod insights_lifecycle;
#[path = "demo/logs.rs"]
mod logs;
#[path = "demo/math.rs"]
mod math;
#[path = "demo/patterns.rs"]
mod patterns;
#[path = "demo/properties.rs"]
mod properties;
#[path = "demo/quotas.rs"]
mod quotas;
