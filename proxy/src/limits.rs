//! Rate limits: a token bucket per (AWS account, Region, API) at CloudWatch's documented quotas,
//! shared by every replica through one Postgres row per bucket.
//!
//! Taking tokens is a single `INSERT … ON CONFLICT DO UPDATE … RETURNING`: the row is refilled
//! for the time since it was last touched, the tokens are taken, and the balance may go negative
//! — a caller that finds too few has *reserved* the moment its tokens exist and sleeps until
//! then. Calls therefore leave every replica spaced at the quota, without retries against the
//! database and without a leader. Within a replica, callers of one bucket that arrive while its
//! upsert is in flight are taken together by the next one (one round trip for the lot, each
//! caller's balance as if it had taken its tokens alone, in arrival order), so a storm of calls
//! does not become a storm of database writes that starves the pool. A caller who would have to wait longer than `max_wait` gives
//! its tokens back and is answered with a throttling error at once (the metrics path then serves
//! what it has cached).
//!
//! The account comes from the source ([`cloudwatch::Source::account`]: STS `GetCallerIdentity` for
//! AWS), looked up once an hour per connection, so two connections to one account share its
//! buckets. Without a database (tests, the CLI) the buckets are per process.
//!
//! Last, each call passes a guard of this replica's sends in the last second: reservations are
//! spaced at the rate, but sleepers wake late and together after the machine stalls (and round
//! trips to the shared bucket come back with different delays), so the guard holds a call until
//! the last second's sends leave it room. No one-second window sees more than rate + burst (the
//! quota, at the default shares) from one replica. A sliding-window log of at most a quota's worth
//! of instants is a few lines; a rate-limiting crate's GCRA would not count sends after a stall.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use cloudwatch::{AccountRegion, CallContext, ErrorKind, Source, SourceError};
use sqlx::PgPool;

/// The documented default quotas (transactions per second per account and Region) of the APIs
/// Watchpost calls, and `GetMetricData`'s data points per second.
pub fn documented_tps(api: &str) -> Option<f64> {
    Some(match api {
        "GetMetricData" => 50.0,
        "GetMetricData.datapoints" => 180_000.0,
        "ListMetrics" => 25.0,
        "DescribeAlarms" | "DescribeAlarmsForMetric" | "DescribeAlarmHistory" => 9.0,
        "ListDashboards" | "GetDashboard" | "PutDashboard" => 10.0,
        "FilterLogEvents" => 5.0,
        "GetLogEvents" => 25.0,
        "DescribeLogGroups" => 10.0,
        "GetLogGroupFields" | "GetLogRecord" => 10.0,
        "StartQuery" | "StopQuery" | "GetQueryResults" => 5.0,
        "DescribeQueryDefinitions" | "PutQueryDefinition" | "DeleteQueryDefinition" => 5.0,
        "StartLiveTail" => 10.0,
        _ => return None,
    })
}

#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// Overrides of [`documented_tps`] by API name (an account with raised quotas).
    pub tps: HashMap<String, f64>,
    /// The share of each quota Watchpost spends steadily (the rest is left for other tools on
    /// the account, and for the burst).
    pub share: f64,
    /// The burst a bucket holds, as a share of the quota. `share + burst` ≤ 1 keeps the calls of
    /// any one-second window within the quota.
    pub burst: f64,
    /// The longest a call waits for its tokens before it is answered as throttled.
    pub max_wait: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            tps: HashMap::new(),
            share: 0.8,
            burst: 0.2,
            max_wait: Duration::from_secs(10),
        }
    }
}

struct Local {
    tokens: f64,
    at: Instant,
}

/// Callers of one shared bucket waiting for the next round trip.
#[derive(Default)]
struct Batch {
    /// A round trip is under way (its task takes `pending` when it is done).
    running: bool,
    pending: Vec<(f64, oneshot::Sender<Result<f64, SourceError>>)>,
}

#[derive(Default)]
struct State {
    accounts: HashMap<String, (Option<AccountRegion>, Instant)>,
    local: HashMap<String, Local>,
    batches: HashMap<String, Batch>,
    /// Tokens given back to shared buckets, returned with the bucket's next round trip rather
    /// than one write each (a storm refuses thousands of calls a minute).
    refunds: HashMap<String, f64>,
    /// Per bucket: this replica's sends in the last second (instant, tokens), and their sum.
    sent: HashMap<String, (VecDeque<(Instant, f64)>, f64)>,
}

struct Inner {
    db: Option<PgPool>,
    config: LimitsConfig,
    state: Mutex<State>,
    round_trips: AtomicU64,
}

/// Token buckets per (AWS account, Region, API). Cheap to clone.
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Inner>,
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(None, LimitsConfig::default())
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("shared", &self.inner.db.is_some())
            .field("config", &self.inner.config)
            .finish()
    }
}

const ACCOUNT_RECHECK: Duration = Duration::from_secs(3_600);

impl Limits {
    /// Buckets in Postgres when `db` is given (shared by replicas), else in this process.
    pub fn new(db: Option<PgPool>, config: LimitsConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                config,
                state: Mutex::new(State::default()),
                round_trips: AtomicU64::new(0),
            }),
        }
    }

    /// Round trips to the shared buckets so far (each takes the tokens of every caller queued
    /// behind the previous one).
    pub fn round_trips(&self) -> u64 {
        self.inner.round_trips.load(Ordering::Relaxed)
    }

    /// (steady rate, burst) of `api`'s bucket.
    fn rate(&self, api: &str) -> Option<(f64, f64)> {
        let c = &self.inner.config;
        c.tps
            .get(api)
            .copied()
            .or_else(|| documented_tps(api))
            .map(|q| (q * c.share, (q * c.burst).max(1.0)))
    }

    /// The bucket scope of a connection: its account and Region, or the connection itself.
    async fn scope(&self, source: &dyn Source, connection: &str) -> String {
        let cached = {
            let state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
            state
                .accounts
                .get(connection)
                .filter(|(_, at)| at.elapsed() < ACCOUNT_RECHECK)
                .map(|(a, _)| a.clone())
        };
        let account = match cached {
            Some(a) => a,
            None => {
                let found = source.account(&CallContext::system()).await.ok().flatten();
                self.inner
                    .state
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .accounts
                    .insert(connection.to_string(), (found.clone(), Instant::now()));
                found
            }
        };
        match account {
            Some(a) => format!("{}/{}", a.account, a.region),
            None => format!("connection:{connection}"),
        }
    }

    /// Waits for one call of `api` on `source` (of connection `connection`) to be allowed.
    pub async fn acquire(&self, source: &dyn Source, connection: &str, api: &'static str) -> Result<(), SourceError> {
        self.acquire_n(source, connection, api, 1.0).await
    }

    /// Waits for `n` tokens of `api` (data points for `GetMetricData.datapoints`).
    pub async fn acquire_n(&self, source: &dyn Source, connection: &str, api: &str, n: f64) -> Result<(), SourceError> {
        let Some((rate, burst)) = self.rate(api) else { return Ok(()) };
        let burst = burst.max(n);
        let bucket = format!("{}/{api}", self.scope(source, connection).await);
        let balance = match &self.inner.db {
            Some(db) => self.take_batched(db, &bucket, burst, rate, n).await?,
            None => self.take_local(&bucket, burst, rate, n),
        };
        if balance < 0.0 {
            let wait = Duration::from_secs_f64(-balance / rate);
            if wait > self.inner.config.max_wait {
                self.give_back(&bucket, n);
                return Err(SourceError::new(
                    ErrorKind::Throttled,
                    "ThrottlingException",
                    format!("Rate exceeded: Watchpost's share of the {api} quota on this account is spoken for; try again shortly."),
                ));
            }
            tokio::time::sleep(wait).await;
        }
        self.guard(&bucket, rate + burst, n).await;
        Ok(())
    }

    /// Holds a send of `n` tokens until this replica's sends in the last second leave room for
    /// it under `limit`.
    async fn guard(&self, bucket: &str, limit: f64, n: f64) {
        const SECOND: Duration = Duration::from_secs(1);
        loop {
            let wait = {
                let mut state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
                let (sent, total) = state.sent.entry(bucket.to_string()).or_default();
                let now = Instant::now();
                while let Some(&(at, k)) = sent.front() {
                    if now.duration_since(at) < SECOND {
                        break;
                    }
                    sent.pop_front();
                    *total -= k;
                }
                if sent.is_empty() || *total + n <= limit {
                    sent.push_back((now, n));
                    *total += n;
                    return;
                }
                // Until enough of the oldest sends are a second old.
                let mut left = *total;
                let mut until = now;
                for &(at, k) in sent.iter() {
                    left -= k;
                    until = at + SECOND;
                    if left + n <= limit {
                        break;
                    }
                }
                until.saturating_duration_since(now)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// `n` tokens from the shared bucket, in the next round trip of this replica.
    async fn take_batched(&self, db: &PgPool, bucket: &str, burst: f64, rate: f64, n: f64) -> Result<f64, SourceError> {
        let (tx, rx) = oneshot::channel();
        let lead = {
            let mut state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
            let batch = state.batches.entry(bucket.to_string()).or_default();
            batch.pending.push((n, tx));
            !std::mem::replace(&mut batch.running, true)
        };
        if lead {
            // Its own task: a caller that goes away never strands the others.
            let (this, db, bucket) = (self.clone(), db.clone(), bucket.to_string());
            tokio::spawn(async move { this.drain(&db, &bucket, burst, rate).await });
        }
        rx.await
            .unwrap_or_else(|_| Err(SourceError::internal("the shared rate limit stopped answering")))
    }

    /// Takes the queued callers' tokens in one round trip each time until nobody waits.
    async fn drain(&self, db: &PgPool, bucket: &str, burst: f64, rate: f64) {
        loop {
            let batch = {
                let mut state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(b) = state.batches.get_mut(bucket) else { return };
                if b.pending.is_empty() {
                    state.batches.remove(bucket);
                    return;
                }
                std::mem::take(&mut b.pending)
            };
            let total: f64 = batch.iter().map(|(n, _)| n).sum();
            let largest = batch.iter().map(|(n, _)| *n).fold(burst, f64::max);
            let refund = self
                .inner
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .refunds
                .remove(bucket)
                .unwrap_or(0.0);
            self.inner.round_trips.fetch_add(1, Ordering::Relaxed);
            // The refund goes back first (within the burst), then the callers take theirs: the
            // balance returned is the one after all of them.
            let result = take_shared(db, bucket, largest, rate, total, refund).await;
            // In arrival order: each caller's balance is the one it would have seen alone, so the
            // first is served first and the last waits longest.
            let mut after: f64 = total;
            for (n, tx) in batch {
                after -= n;
                let _ = tx.send(result.clone().map(|balance| balance + after));
            }
        }
    }

    fn take_local(&self, bucket: &str, burst: f64, rate: f64, n: f64) -> f64 {
        let mut state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let b = state.local.entry(bucket.to_string()).or_insert(Local { tokens: burst, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst) - n;
        b.at = now;
        b.tokens
    }

    fn give_back(&self, bucket: &str, n: f64) {
        match &self.inner.db {
            Some(_) => {
                *self
                    .inner
                    .state
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .refunds
                    .entry(bucket.to_string())
                    .or_default() += n;
            }
            None => {
                if let Some(b) = self
                    .inner
                    .state
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .local
                    .get_mut(bucket)
                {
                    b.tokens += n;
                }
            }
        }
    }
}

/// Refills the bucket for the time since its last use (up to `burst`), takes `n`, and returns
/// the balance (negative: the caller waits `-balance / rate` seconds for its reservation).
async fn take_shared(db: &PgPool, bucket: &str, burst: f64, rate: f64, n: f64, refund: f64) -> Result<f64, SourceError> {
    // The refund joins the refill under the cap: a storm's refused calls give back many tokens,
    // and a bucket above its burst would let that many calls out in one second.
    sqlx::query_scalar!(
        r#"INSERT INTO rate_buckets AS b (bucket, tokens, refilled_at)
           VALUES ($1, $2::float8 - $3::float8, clock_timestamp())
           ON CONFLICT (bucket) DO UPDATE SET
             tokens = LEAST($2::float8, b.tokens + $5::float8 + EXTRACT(EPOCH FROM clock_timestamp() - b.refilled_at)::float8 * $4::float8) - $3::float8,
             refilled_at = clock_timestamp()
           RETURNING tokens"#,
        bucket,
        burst,
        n,
        rate,
        refund
    )
    .fetch_one(db)
    .await
    .map_err(|e| SourceError::internal(format!("the shared rate limit could not be read: {e}")))
}
