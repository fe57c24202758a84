//! The demo world: a deterministic synthetic shop on AWS (account 123456789012, us-east-1) served
//! through the same [`cloudwatch::Source`] interface as CloudWatch itself.
//!
//! Everything the world shows is a pure function of `(seed, anchor, t)` and the drill list: every
//! replica and every viewer sees the same numbers, and nothing is stored but the anchor and the
//! drills (the app keeps both). Randomness is counter-based ([`rng`]: splitmix64 over
//! `(seed, stream, minute, index)`), so there is no RNG state; caches are small and bounded.
//!
//! # The world
//! - ECS cluster `shop` with services [`SERVICES`] (`web`, `api`, `checkout` behind the ALB
//!   `app/shop-alb/5c0ffee0d15ea5e1`; `worker`; `ai-service`), API Gateway `shop-public-api/prod`,
//!   Lambda `image-resize`, `order-events`, `nightly-report`, RDS `shop-db`, a NAT gateway, SQS
//!   `order-events` and `image-jobs`, and the apps' own `Shop/Requests`, `Shop/Orders`, `Shop/AI`
//!   and `Shop/LogMetrics` (metric filters) namespaces — see [`metrics::catalogue`].
//! - Traffic has daily and weekly seasonality, noise and rare spikes, and drives CPU, latency,
//!   errors and database connections.
//! - **Requests** ([`model`]): per (service, minute) a count `n` of *logged* requests, one logged
//!   per [`SAMPLING_RATIO`] (10) requests. ALB metrics are defined from those very requests:
//!   `RequestCount = 10·n`, `HTTPCode_Target_5XX_Count = 10·#5XX`, `TargetResponseTime` statistics
//!   over the logged durations (percentiles with metricmath's `Statistic::compute`). Counts are
//!   closed forms; per-request detail is drawn by index only for logs and percentiles. A checkout
//!   request's id is shared by its `web` and `api` hops, and by the `worker` job it enqueues.
//! - **Logs** ([`logs`]): JSON lines per request (and a `worker` with its own house style), LLM
//!   usage events, Lambda START/END/REPORT lines, VPC flow logs, ALB access logs and ECS service
//!   events, each event ingested 5–20 s after its timestamp; metric datapoints appear 60–120 s
//!   after their minute. Metric filters' metrics equal their patterns' match counts (closed forms
//!   proven equal to evaluating the pattern by a test, the pattern engine otherwise).
//! - **The scripted incident** recurs daily: `checkout` deploys 46 minutes before the anchor's
//!   time of day, database connections climb to the maximum from 40 minutes before it, checkout
//!   latency and 5XX rise with errors naming the cause, tasks fail health checks and restart, the
//!   alarms fire; it resolves an hour later. [`DrillKind::IncidentReplay`] replays it.
//! - **Alarms** ([`alarms`]) are evaluated with CloudWatch's semantics by bounded replay.
//! - **Quotas and faults** ([`quota`]) are switchable in [`DemoConfig`].

pub mod alarms;
pub mod clock;
pub mod dashboards;
pub mod logs;
pub mod metrics;
pub mod model;
pub mod pattern;
pub mod query;
pub mod quota;
pub mod rng;
mod source;

use std::str::FromStr;
use time::OffsetDateTime;

pub use cloudwatch::alarms::StateValue;
pub use model::{SAMPLING_RATIO, SERVICES};
pub use query::{InsightsOptions, QueryRun};
pub use source::DemoSource;

/// How the demo world is set up.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    pub seed: u64,
    /// "Now" when the demo was created; the scripted incident's impact began 40 minutes before it
    /// and recurs daily at that time of day.
    pub anchor: OffsetDateTime,
    /// Version of the world's rules (kept for the app's records; 1 today).
    pub version: i32,
    /// Log and request volume multiplier (1.0 default).
    pub volume: f64,
    /// Enforce CloudWatch's API quotas.
    pub quotas: bool,
    /// Latency injected into every call.
    pub latency_ms: u64,
    /// Share of calls (0..1) answered with `InternalServiceError`.
    pub error_rate: f64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 1,
            anchor: OffsetDateTime::now_utc(),
            version: 1,
            volume: 1.0,
            quotas: true,
            latency_ms: 0,
            error_rate: 0.0,
        }
    }
}

/// A game-day drill: a fault played through metrics, logs and alarms during `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    pub id: String,
    pub kind: DrillKind,
    /// The ECS service or Lambda function it targets (see [`DrillKind::targets`]).
    pub service: String,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrillKind {
    CpuSaturation,
    DependencyFailure,
    MemoryLeak,
    LambdaTimeouts,
    Throttling,
    IncidentReplay,
}

impl DrillKind {
    pub const ALL: [DrillKind; 6] = [
        DrillKind::CpuSaturation,
        DrillKind::DependencyFailure,
        DrillKind::MemoryLeak,
        DrillKind::LambdaTimeouts,
        DrillKind::Throttling,
        DrillKind::IncidentReplay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DrillKind::CpuSaturation => "cpu-saturation",
            DrillKind::DependencyFailure => "dependency-failure",
            DrillKind::MemoryLeak => "memory-leak",
            DrillKind::LambdaTimeouts => "lambda-timeouts",
            DrillKind::Throttling => "throttling",
            DrillKind::IncidentReplay => "incident-replay",
        }
    }

    /// The services (or Lambda functions) a drill of this kind may target.
    pub fn targets(self) -> &'static [&'static str] {
        match self {
            DrillKind::CpuSaturation | DrillKind::MemoryLeak => &SERVICES,
            DrillKind::DependencyFailure => &["api", "checkout", "worker"],
            DrillKind::LambdaTimeouts | DrillKind::Throttling => &model::LAMBDAS,
            DrillKind::IncidentReplay => &["checkout"],
        }
    }
}

impl std::fmt::Display for DrillKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDrillKind(pub String);

impl std::fmt::Display for UnknownDrillKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = DrillKind::ALL.iter().map(|k| k.as_str()).collect();
        write!(f, "unknown drill kind `{}` (expected one of: {})", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownDrillKind {}

impl FromStr for DrillKind {
    type Err = UnknownDrillKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DrillKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownDrillKind(s.to_string()))
    }
}

/// One alarm state change, for the app to record SNS-style actions idempotently by `(alarm, at)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmTransition {
    pub alarm_name: String,
    pub at: OffsetDateTime,
    pub old: StateValue,
    pub new: StateValue,
    pub reason: String,
    /// The drill that caused it, if any.
    pub drill: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn drill_kinds_round_trip() {
        for k in DrillKind::ALL {
            assert_eq!(k.as_str().parse::<DrillKind>(), Ok(k));
            assert!(!k.targets().is_empty());
        }
        assert!("nope".parse::<DrillKind>().is_err());
    }
}
