//! Accounting: upstream calls per connection and API, metrics requested, bytes scanned, cache hits
//! and misses, throttles and queue waits, with an estimated cost.
//!
//! Events are added to in-memory counters (a mutex held for one map update) and flushed to the
//! day's rows in Postgres (`usage_daily`, one upsert per changed row) every few seconds by
//! [`Usage::spawn_flusher`], so recording costs a request nothing. Totals since start are kept
//! too, for `/metrics`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

/// One thing that happened, to be added to the day's counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageEvent {
    pub connection: String,
    /// The upstream API (`GetMetricData`, `StartQuery`, …).
    pub api: &'static str,
    /// [`crate::Principal::key`] of whoever caused it, when one did.
    pub principal: Option<String>,
    pub dashboard: Option<String>,
    pub calls: u64,
    pub metrics: u64,
    pub bytes_scanned: f64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub throttles: u64,
    pub queue_wait_ms: u64,
}

/// Counters of one (connection, API, principal, dashboard).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    pub calls: u64,
    pub metrics: u64,
    pub bytes_scanned: f64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub throttles: u64,
    pub queue_wait_ms: u64,
}

impl Counters {
    fn add(&mut self, e: &UsageEvent) {
        self.calls += e.calls;
        self.metrics += e.metrics;
        self.bytes_scanned += e.bytes_scanned;
        self.cache_hits += e.cache_hits;
        self.cache_misses += e.cache_misses;
        self.throttles += e.throttles;
        self.queue_wait_ms += e.queue_wait_ms;
    }
}

/// What upstream work costs (USD). Defaults: CloudWatch's list prices in us-east-1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub per_thousand_metrics: f64,
    pub per_gb_scanned: f64,
}

impl Default for Prices {
    fn default() -> Self {
        Self {
            per_thousand_metrics: 0.01,
            per_gb_scanned: 0.005,
        }
    }
}

impl Prices {
    pub fn cost(&self, metrics: u64, bytes_scanned: f64) -> f64 {
        metrics as f64 / 1_000.0 * self.per_thousand_metrics + bytes_scanned / 1e9 * self.per_gb_scanned
    }
}

type Key = (Date, String, &'static str, String, String);

#[derive(Default)]
struct State {
    pending: HashMap<Key, Counters>,
    totals: HashMap<(String, &'static str), Counters>,
    budget_seen: HashMap<String, (u64, Instant)>,
}

struct Inner {
    db: Option<PgPool>,
    prices: Prices,
    daily_metric_budget: Option<u64>,
    state: Mutex<State>,
}

/// Where usage is recorded. Cheap to clone.
#[derive(Clone)]
pub struct Usage {
    inner: Arc<Inner>,
}

impl Default for Usage {
    fn default() -> Self {
        Self::new(None, Prices::default(), None)
    }
}

impl std::fmt::Debug for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Usage").field("prices", &self.inner.prices).finish_non_exhaustive()
    }
}

impl Usage {
    /// Counters flushed to `db` when given; `daily_metric_budget` caps the metrics one principal
    /// may cause per day (UTC).
    pub fn new(db: Option<PgPool>, prices: Prices, daily_metric_budget: Option<u64>) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                prices,
                daily_metric_budget,
                state: Mutex::new(State::default()),
            }),
        }
    }

    pub fn prices(&self) -> Prices {
        self.inner.prices
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn record(&self, event: UsageEvent) {
        let day = OffsetDateTime::now_utc().date();
        let mut state = self.state();
        state.totals.entry((event.connection.clone(), event.api)).or_default().add(&event);
        let key = (
            day,
            event.connection.clone(),
            event.api,
            event.principal.clone().unwrap_or_default(),
            event.dashboard.clone().unwrap_or_default(),
        );
        state.pending.entry(key).or_default().add(&event);
    }

    /// Totals since this process started, by (connection, API).
    pub fn totals(&self) -> Vec<((String, &'static str), Counters)> {
        let mut v: Vec<_> = self.state().totals.iter().map(|(k, c)| (k.clone(), *c)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Writes the pending counters to Postgres (added to the day's rows).
    pub async fn flush(&self) -> Result<(), sqlx::Error> {
        let Some(db) = &self.inner.db else {
            self.state().pending.clear();
            return Ok(());
        };
        let pending = std::mem::take(&mut self.state().pending);
        for ((day, connection, api, principal, dashboard), c) in pending {
            let wrote = sqlx::query!(
                "INSERT INTO usage_daily AS u (day, connection_id, api, principal, dashboard, calls, metrics, bytes_scanned,
                                               cache_hits, cache_misses, throttles, queue_wait_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (day, connection_id, api, principal, dashboard) DO UPDATE SET
                   calls = u.calls + EXCLUDED.calls, metrics = u.metrics + EXCLUDED.metrics,
                   bytes_scanned = u.bytes_scanned + EXCLUDED.bytes_scanned,
                   cache_hits = u.cache_hits + EXCLUDED.cache_hits, cache_misses = u.cache_misses + EXCLUDED.cache_misses,
                   throttles = u.throttles + EXCLUDED.throttles, queue_wait_ms = u.queue_wait_ms + EXCLUDED.queue_wait_ms",
                day,
                connection,
                api,
                principal,
                dashboard,
                c.calls as i64,
                c.metrics as i64,
                c.bytes_scanned,
                c.cache_hits as i64,
                c.cache_misses as i64,
                c.throttles as i64,
                c.queue_wait_ms as i64,
            )
            .execute(db)
            .await;
            if let Err(e) = wrote {
                // Put it back, to be written next time.
                let mut state = self.state();
                state
                    .pending
                    .entry((day, connection, api, principal, dashboard))
                    .or_default()
                    .add(&UsageEvent {
                        calls: c.calls,
                        metrics: c.metrics,
                        bytes_scanned: c.bytes_scanned,
                        cache_hits: c.cache_hits,
                        cache_misses: c.cache_misses,
                        throttles: c.throttles,
                        queue_wait_ms: c.queue_wait_ms,
                        ..UsageEvent::default()
                    });
                return Err(e);
            }
        }
        Ok(())
    }

    /// Flushes every `every` until the runtime stops.
    pub fn spawn_flusher(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = this.flush().await {
                    tracing::warn!(error = %e, "usage counters could not be written");
                }
            }
        })
    }

    /// Whether `principal` has used up the day's metric budget (checked against Postgres at most
    /// every 10 s per principal, plus what this process has not written yet).
    pub async fn over_budget(&self, principal: &str) -> bool {
        let Some(budget) = self.inner.daily_metric_budget else {
            return false;
        };
        let day = OffsetDateTime::now_utc().date();
        let unflushed: u64 = self
            .state()
            .pending
            .iter()
            .filter(|(k, _)| k.0 == day && k.3 == principal)
            .map(|(_, c)| c.metrics)
            .sum();
        let cached = self
            .state()
            .budget_seen
            .get(principal)
            .filter(|(_, at)| at.elapsed() < Duration::from_secs(10))
            .map(|(n, _)| *n);
        let stored = match (cached, &self.inner.db) {
            (Some(n), _) => n,
            (None, None) => 0,
            (None, Some(db)) => {
                let n = sqlx::query_scalar!(
                    r#"SELECT COALESCE(sum(metrics), 0)::bigint AS "n!" FROM usage_daily WHERE day = $1 AND principal = $2"#,
                    day,
                    principal
                )
                .fetch_one(db)
                .await
                .unwrap_or(0);
                let n = u64::try_from(n).unwrap_or(0);
                self.state().budget_seen.insert(principal.to_string(), (n, Instant::now()));
                n
            }
        };
        stored + unflushed >= budget
    }

    /// The daily budget, if any.
    pub fn daily_metric_budget(&self) -> Option<u64> {
        self.inner.daily_metric_budget
    }
}
