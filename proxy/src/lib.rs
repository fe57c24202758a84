//! The proxy: one layer between every page and every telemetry source, so that a war room of 200
//! browsers costs CloudWatch what one browser costs.
//!
//! - [`metrics`]: callers ask per widget (a list of `MetricDataQuery` with their own ids, a range);
//!   the proxy splits each widget into cacheable *units* (an expression with every query it
//!   depends on, ids renamed so that viewers' `m1`s never collide), aligns ranges to period
//!   boundaries, answers from a byte-bounded cache (stale-while-revalidate), coalesces identical
//!   concurrent requests into one upstream call, and packs what is missing into `GetMetricData`
//!   calls of at most 500 queries and 100,800 data points.
//! - [`limits`]: token buckets per (AWS account, Region, API) at the documented quotas, shared by
//!   every replica through Postgres; backoff with jitter; per-principal fairness.
//! - [`insights`]: the per-connection Logs Insights scheduler (a concurrency budget held across
//!   replicas with lease rows in Postgres, a FIFO queue, one `StartQuery` per identical query).
//! - [`usage`]: accounting of upstream calls and their estimated cost.
//!
//! The crate knows nothing of users or roles: the app's `Telemetry` handle authorises the caller
//! once and hands the proxy a [`RequestContext`].

pub mod insights;
pub mod limits;
pub mod metrics;
pub mod usage;

use std::sync::Arc;

use async_trait::async_trait;
use cloudwatch::{Source, SourceError};
use serde::{Deserialize, Serialize};

/// Who a request is for, already authenticated and authorised by the caller of the proxy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Principal {
    /// A signed-in user (by e-mail).
    User(String),
    /// An API token (by its id), acting for its user.
    Token(String),
    /// A public link (by its id).
    PublicLink(String),
    /// The server's own work (alarm bookkeeping, scheduled runs).
    System,
}

impl Principal {
    /// A stable text form for accounting rows and logs: `user:a@b.c`, `token:…`, `link:…`, `system`.
    pub fn key(&self) -> String {
        match self {
            Principal::User(e) => format!("user:{e}"),
            Principal::Token(t) => format!("token:{t}"),
            Principal::PublicLink(l) => format!("link:{l}"),
            Principal::System => "system".to_string(),
        }
    }

    /// The principal as the upstream's `CallContext` names it.
    pub fn call_context(&self) -> cloudwatch::CallContext {
        match self {
            Principal::User(e) => cloudwatch::CallContext::new(e.as_str()),
            Principal::Token(t) => cloudwatch::CallContext::new(format!("token:{t}")),
            Principal::PublicLink(l) => cloudwatch::CallContext::new(format!("link:{l}")),
            Principal::System => cloudwatch::CallContext::system(),
        }
    }
}

/// The context of one request: who asks, and (for accounting) which dashboard and widget it
/// serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestContext {
    pub principal: Principal,
    /// Viewers may be limited to a maximum range; editors and admins are not.
    pub privileged: bool,
    pub dashboard: Option<String>,
    pub widget: Option<String>,
}

impl RequestContext {
    pub fn system() -> Self {
        Self {
            principal: Principal::System,
            privileged: true,
            dashboard: None,
            widget: None,
        }
    }
}

/// Finds the live source of a connection by its slug. The app's `Telemetry` implements it; the
/// Insights scheduler uses it to start queries queued by other replicas.
#[async_trait]
pub trait Sources: Send + Sync + 'static {
    async fn source(&self, connection: &str) -> Result<Arc<dyn Source>, SourceError>;
}
