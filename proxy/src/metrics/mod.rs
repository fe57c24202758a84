//! Metrics through the proxy: callers ask per widget; the proxy answers from its cache, shares
//! identical work, and packs what is missing into as few `GetMetricData` calls as the limits
//! allow.
//!
//! A request's path:
//! 1. each widget is validated and [split](units::split) into units (ranges aligned to periods);
//! 2. each unit is looked up in the cache, keyed by (connection, unit): fresh (inside the clock
//!    window of its TTL it was fetched in, see [`window_end`]) → used; expired but within the next
//!    window → refreshed, waiting at most `revalidate_wait` before the old
//!    data is served while the refresh completes (stale-while-revalidate); older or missing →
//!    fetched, waiting at most `wait_timeout`;
//! 3. units to fetch join the in-flight fetch of an identical unit (single-flight) or are queued;
//!    the first queuer becomes the connection's *leader* for `batch_window`, then drains the
//!    queue, [packs](pack::pack) it and runs each call on its own task (so a viewer who leaves
//!    never cancels a fetch others wait for);
//! 4. a call takes its tokens ([`crate::limits`]), retries throttling with full-jitter backoff,
//!    follows `NextToken`, and, if CloudWatch refuses a packed call as invalid, asks each unit
//!    alone so that one widget's bad query never fails another's;
//! 5. the answer is assembled with each caller's own ids and serialised (and gzipped) once per
//!    distinct content: viewers of the same view get the same bytes from the response cache.
//!
//! When a fetch fails, the last good data stays and is served marked stale (with the time it
//! was fetched); a unit with no data yet shows the error for that series only.

pub mod pack;
pub mod units;

use std::collections::{hash_map, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cloudwatch::metrics::{GetMetricDataInput, GetMetricDataOutput, LabelOptions, MessageData, MetricDataQuery, MetricDataResult};
use cloudwatch::{ErrorKind, Source, SourceError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::oneshot;

use crate::limits::Limits;
use crate::usage::{Usage, UsageEvent};
use crate::RequestContext;
use pack::Call;
use units::{Unit, UnitKey};

/// Tuning of the metrics path. Every field has a default suited to a war room.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// Memory for cached series (bytes, approximate), and as much again for prepared answers.
    pub cache_bytes: u64,
    /// TTL of a range that includes the still-open period: a sixth of the period, within
    /// `[min_ttl, max_ttl]`. Entries stay fresh until the end of their TTL's clock window.
    pub min_ttl: Duration,
    pub max_ttl: Duration,
    /// A range that ended more than `settle` ago is closed: kept `closed_ttl`, or `old_ttl` when
    /// it ended more than 3 hours ago (sub-minute data is gone upstream by then).
    pub settle: Duration,
    pub closed_ttl: Duration,
    pub old_ttl: Duration,
    /// How long queued units wait for others to share a call.
    pub batch_window: Duration,
    /// How long a request waits for missing data before answering without it.
    pub wait_timeout: Duration,
    /// How long a request waits for the refresh of data that just expired before it is
    /// answered with the old data (which the refresh then replaces for the next viewer).
    pub revalidate_wait: Duration,
    /// Attempts of a throttled call, and its backoff (full jitter, doubling from `backoff_base`).
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// The longest range a viewer (not an editor or admin) may ask for.
    pub max_viewer_range: Duration,
    /// Per principal: upstream unit fetches per second (and burst) before their requests are
    /// answered from the cache only.
    pub principal_rate: f64,
    pub principal_burst: f64,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            cache_bytes: 256 << 20,
            min_ttl: Duration::from_secs(10),
            max_ttl: Duration::from_secs(300),
            settle: Duration::from_secs(300),
            closed_ttl: Duration::from_secs(3_600),
            old_ttl: Duration::from_secs(86_400),
            batch_window: Duration::from_millis(5),
            wait_timeout: Duration::from_secs(20),
            revalidate_wait: Duration::from_secs(2),
            max_attempts: 5,
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(5),
            max_viewer_range: Duration::from_secs(35 * 86_400),
            principal_rate: 20.0,
            principal_burst: 400.0,
        }
    }
}

/// A time in a widget request: epoch milliseconds, an RFC 3339 instant, or relative to now as
/// CloudWatch dashboards write it (`-PT3H`, `-P7D`, `-PT15M`; `P0D` is now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TimeSpec {
    EpochMs(i64),
    Text(String),
}

impl TimeSpec {
    pub fn resolve(&self, now: OffsetDateTime) -> Result<OffsetDateTime, SourceError> {
        match self {
            TimeSpec::EpochMs(ms) => OffsetDateTime::from_unix_timestamp_nanos(i128::from(*ms) * 1_000_000)
                .map_err(|_| SourceError::invalid_parameter(format!("{ms} is not a valid time"))),
            TimeSpec::Text(t) => {
                let t = t.trim();
                if t.starts_with('-') || t.starts_with('P') {
                    let secs = cloudwatch::timestamp::iso_duration_secs(t.trim_start_matches('-'))
                        .ok_or_else(|| SourceError::invalid_parameter(format!("`{t}` is not a relative time such as -PT3H")))?;
                    Ok(now - time::Duration::seconds(secs))
                } else {
                    OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| SourceError::invalid_parameter(format!("`{t}` is not an ISO 8601 time such as 2026-11-22T10:00:00Z")))
                }
            }
        }
    }
}

/// One widget's metrics, as the caller names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetQuery {
    /// The caller's name for the widget (echoed back).
    pub id: String,
    /// CloudWatch `MetricDataQueries` (PascalCase fields, as the AWS CLI takes them).
    pub queries: Vec<MetricDataQuery>,
    pub start: TimeSpec,
    #[serde(default)]
    pub end: Option<TimeSpec>,
    #[serde(default)]
    pub label_options: Option<LabelOptions>,
}

/// Every widget of a page (or a single one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsRequest {
    pub widgets: Vec<WidgetQuery>,
    /// For accounting: the dashboard the widgets belong to.
    #[serde(default)]
    pub dashboard: Option<String>,
}

/// The most widgets one request may carry.
pub const MAX_WIDGETS: usize = 200;

/// A failed series or widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesError {
    /// The caller's query id, or `None` for the whole widget.
    pub id: Option<String>,
    pub code: String,
    pub message: String,
}

/// One widget's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetData {
    pub id: String,
    /// The aligned range actually asked for (epoch ms) and the widget's period (s).
    pub start: i64,
    pub end: i64,
    pub period: i64,
    /// When the upstream answered (epoch ms) for the oldest series shown: the data's age is
    /// now minus this.
    pub fetched_at: Option<i64>,
    /// True when a refresh failed and older data is shown.
    pub stale: bool,
    pub results: Vec<MetricDataResult>,
    pub messages: Vec<MessageData>,
    /// Said to the user (a raised period).
    pub notes: Vec<String>,
    pub errors: Vec<SeriesError>,
}

/// The answer to a [`MetricsRequest`]: `{"widgets": [WidgetData…]}` serialised once, and gzipped.
#[derive(Debug)]
pub struct Prepared {
    pub json: Bytes,
    pub gzip: Bytes,
}

/// A cached unit: its root series (ids blank) as fetched, or the error of its last fetch.
#[derive(Debug)]
struct Entry {
    version: u64,
    /// Shared with the stand-ins made from it, which cost no copy.
    results: Arc<[MetricDataResult]>,
    /// Per result: its label was the query's id (an expression without a label), to be shown as
    /// each caller's own id.
    label_is_id: Arc<[bool]>,
    messages: Vec<MessageData>,
    /// When the upstream answered, if it ever did.
    fetched_at: Option<OffsetDateTime>,
    /// Fresh until here (epoch ms): the end of the clock window of length `ttl` it was made in
    /// (see [`window_end`]), so every viewer, alone or one of 200, refetches once per window.
    until: i64,
    ttl: Duration,
    /// The last fetch failed: `results` (if any) are older data.
    error: Option<SourceError>,
    /// Its range included the still-open period when fetched (a relative view's, typically), and
    /// where that range ended (epoch seconds).
    open: bool,
    end: i64,
    bytes: u64,
}

impl Entry {
    /// No data, only why: a fetch that failed, or one that was not made for this request.
    fn failed(error: SourceError, ttl: Duration, version: u64) -> Entry {
        Entry {
            version,
            results: Arc::from([]),
            label_is_id: Arc::from([]),
            messages: Vec::new(),
            fetched_at: None,
            until: window_end(ttl),
            ttl,
            error: Some(error),
            bytes: 256,
            open: false,
            end: 0,
        }
    }

    /// Fresh at `now_ms`: a request judges by the time its ranges were resolved at, so one that
    /// resolved "the last hour" just before a window's end does not refresh the entry its range
    /// names just after it (another request, a moment later, asks for the next range anyway).
    fn fresh(&self, now_ms: i64) -> bool {
        now_ms < self.until
    }

    /// Expired, but within one more window: refreshed while the old data can still stand in.
    fn revalidatable(&self, now_ms: i64) -> bool {
        self.error.is_none() && now_ms < self.until.saturating_add(self.ttl.as_millis() as i64)
    }
}

#[derive(Clone)]
struct EntryWeight;

impl quick_cache::Weighter<(Arc<str>, UnitKey), Arc<Entry>> for EntryWeight {
    fn weight(&self, _: &(Arc<str>, UnitKey), v: &Arc<Entry>) -> u64 {
        v.bytes.max(1)
    }
}

#[derive(Clone)]
struct PreparedWeight;

impl quick_cache::Weighter<[u8; 32], Arc<Prepared>> for PreparedWeight {
    fn weight(&self, _: &[u8; 32], v: &Arc<Prepared>) -> u64 {
        (v.json.len() + v.gzip.len()) as u64 + 64
    }
}

type Waiters = Vec<oneshot::Sender<Arc<Entry>>>;

/// A queued unit and who asked for it first (for accounting).
struct Queued {
    unit: Arc<Unit>,
    principal: Option<String>,
    dashboard: Option<String>,
}

/// Per connection: what is in flight and what waits for the leader.
struct ConnState {
    name: Arc<str>,
    source: Mutex<Arc<dyn Source>>,
    inflight: Mutex<HashMap<UnitKey, Waiters>>,
    queue: Mutex<Vec<Queued>>,
    leader: AtomicBool,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A lineage's newest fetched unit: its key, and where its range ends (epoch seconds).
type Head = (UnitKey, i64);

struct Inner {
    config: MetricsConfig,
    cache: quick_cache::sync::Cache<(Arc<str>, UnitKey), Arc<Entry>, EntryWeight>,
    prepared: quick_cache::sync::Cache<[u8; 32], Arc<Prepared>, PreparedWeight>,
    conns: Mutex<HashMap<String, Arc<ConnState>>>,
    /// (connection, lineage) → the key of its newest fetched unit, and where that unit's range ends.
    lineage: Mutex<HashMap<(Arc<str>, UnitKey), Head>>,
    principals: Mutex<HashMap<String, Bucket>>,
    versions: AtomicU64,
    limits: Limits,
    usage: Usage,
}

/// The metrics half of the proxy. Cheap to clone.
#[derive(Clone)]
pub struct MetricsProxy {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MetricsProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsProxy")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

impl MetricsProxy {
    pub fn new(config: MetricsConfig, limits: Limits, usage: Usage) -> Self {
        let items = 100_000;
        Self {
            inner: Arc::new(Inner {
                cache: quick_cache::sync::Cache::with_weighter(items, config.cache_bytes, EntryWeight),
                prepared: quick_cache::sync::Cache::with_weighter(items, config.cache_bytes, PreparedWeight),
                config,
                conns: Mutex::new(HashMap::new()),
                lineage: Mutex::new(HashMap::new()),
                principals: Mutex::new(HashMap::new()),
                versions: AtomicU64::new(1),
                limits,
                usage,
            }),
        }
    }

    pub fn config(&self) -> &MetricsConfig {
        &self.inner.config
    }

    /// The weight of the cached series (bytes, approximately as bounded by `cache_bytes`).
    pub fn cached_bytes(&self) -> u64 {
        self.inner.cache.weight()
    }

    /// Forgets everything cached for a connection (its settings changed).
    pub fn forget(&self, connection: &str) {
        lock(&self.inner.conns).remove(connection);
        self.inner.cache.retain(|k, _| &*k.0 != connection);
    }

    fn conn(&self, connection: &str, source: Arc<dyn Source>) -> Arc<ConnState> {
        let mut conns = lock(&self.inner.conns);
        let state = conns.entry(connection.to_string()).or_insert_with(|| {
            Arc::new(ConnState {
                name: Arc::from(connection),
                source: Mutex::new(source.clone()),
                inflight: Mutex::new(HashMap::new()),
                queue: Mutex::new(Vec::new()),
                leader: AtomicBool::new(false),
            })
        });
        *lock(&state.source) = source;
        state.clone()
    }

    /// Takes `n` unit fetches from the principal's bucket; false when they are over their rate.
    fn principal_allows(&self, principal: &str, n: usize) -> bool {
        if n == 0 {
            return true;
        }
        let c = &self.inner.config;
        let mut map = lock(&self.inner.principals);
        if map.len() > 100_000 {
            map.clear();
        }
        let b = map.entry(principal.to_string()).or_insert(Bucket {
            tokens: c.principal_burst,
            at: Instant::now(),
        });
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * c.principal_rate).min(c.principal_burst);
        b.at = now;
        let n = n as f64;
        if b.tokens >= n {
            b.tokens -= n;
            true
        } else {
            false
        }
    }

    /// Answers every widget of `request` on `connection` (served by `source`) as of `now`.
    pub async fn widgets(
        &self,
        cx: &RequestContext,
        connection: &str,
        source: Arc<dyn Source>,
        request: &MetricsRequest,
        now: OffsetDateTime,
    ) -> Arc<Prepared> {
        let state = self.conn(connection, source);
        let c = &self.inner.config;
        // 1. Split every widget.
        struct Plan {
            id: String,
            start: i64,
            end: i64,
            period: i64,
            error: Option<SourceError>,
            series: Vec<(String, Result<Arc<Unit>, SourceError>)>,
        }
        let mut plans: Vec<Plan> = Vec::with_capacity(request.widgets.len());
        for (i, w) in request.widgets.iter().enumerate() {
            let mut plan = Plan {
                id: w.id.clone(),
                start: 0,
                end: 0,
                period: 0,
                error: None,
                series: Vec::new(),
            };
            if i >= MAX_WIDGETS {
                plan.error = Some(SourceError::invalid_parameter(format!(
                    "A request may carry at most {MAX_WIDGETS} widgets."
                )));
                plans.push(plan);
                continue;
            }
            let range = (|| {
                let start = w.start.resolve(now)?;
                let end = w.end.as_ref().map_or(Ok(now), |e| e.resolve(now))?;
                if !cx.privileged && end - start > c.max_viewer_range {
                    return Err(SourceError::new(
                        ErrorKind::LimitExceeded,
                        "RangeTooLong",
                        format!(
                            "Viewers may look at up to {} days at once; ask an editor, or choose a shorter range.",
                            c.max_viewer_range.as_secs() / 86_400
                        ),
                    ));
                }
                Ok((start.unix_timestamp(), end.unix_timestamp()))
            })();
            match range.and_then(|(s, e)| units::validate(&w.queries, s, e).map(|()| (s, e))) {
                Err(e) => plan.error = Some(e),
                Ok((s, e)) => {
                    plan.start = s * 1000;
                    plan.end = e * 1000;
                    // A range that ends now is aligned to the period boundary *after* now, even
                    // in the first second of a period (when now is on the boundary itself); without
                    // this, the viewers of that one second made a range of their own (one more
                    // fetch per period for a war room than for one viewer).
                    let open_end = if e == now.unix_timestamp() { e + 1 } else { e };
                    for (id, unit) in units::split(&w.queries, s, open_end, w.label_options.as_ref()) {
                        if let Ok(u) = &unit {
                            plan.start = plan.start.min(u.start * 1000);
                            plan.end = plan.end.max(u.end * 1000);
                            plan.period = plan.period.max(u.period);
                        }
                        plan.series.push((id, unit.map(Arc::new)));
                    }
                }
            }
            plans.push(plan);
        }

        // 2. The cache, and what must be fetched.
        let mut have: HashMap<UnitKey, Arc<Entry>> = HashMap::new();
        let mut fetch: Vec<Arc<Unit>> = Vec::new();
        let mut refresh: Vec<Arc<Unit>> = Vec::new();
        let mut hits = 0u64;
        let now_ms = ms(now);
        for unit in plans.iter().flat_map(|p| p.series.iter()).filter_map(|(_, u)| u.as_ref().ok()) {
            if have.contains_key(&unit.key) || fetch.iter().chain(refresh.iter()).any(|u| u.key == unit.key) {
                continue;
            }
            match self.inner.cache.get(&(state.name.clone(), unit.key)) {
                Some(e) if e.fresh(now_ms) => {
                    hits += 1;
                    have.insert(unit.key, e);
                }
                Some(e) if e.revalidatable(now_ms) => {
                    hits += 1;
                    have.insert(unit.key, e);
                    refresh.push(unit.clone());
                }
                // Expired: its old data stands in if the fetch fails. A failure that expired
                // has no data, so the unit is fetched as if never cached (and its lineage's
                // data stands in, below).
                Some(e) => {
                    if e.fetched_at.is_some() {
                        have.insert(unit.key, e);
                    }
                    fetch.push(unit.clone());
                }
                None => fetch.push(unit.clone()),
            }
        }
        let principal = cx.principal.key();
        if !fetch.is_empty() || !refresh.is_empty() {
            tracing::debug!(
                connection,
                principal = %principal,
                now_ms,
                missing = fetch.len(),
                refresh = refresh.len(),
                "proxy: a request needs data"
            );
        }
        let misses = fetch.len() as u64;
        let wants = fetch.len() + refresh.len();
        let refusal = if wants == 0 {
            None
        } else if !self.principal_allows(&principal, wants) {
            Some((
                "PrincipalRateExceeded",
                "You are asking for new data faster than your share of the connection's quota; cached data is shown where there is some. Try again in a few seconds.",
            ))
        } else if self.inner.usage.over_budget(&principal).await {
            Some((
                "DailyBudgetExceeded",
                "You have used today's budget of CloudWatch metrics for one person; cached data is shown where there is some. An admin can raise WATCHPOST_DAILY_METRIC_BUDGET.",
            ))
        } else {
            None
        };
        // What stands in for a unit not cached yet: its lineage's newest data (the same view a
        // period ago), marked stale, if this range cannot be had in time.
        let fallbacks: HashMap<UnitKey, Arc<Entry>> = fetch
            .iter()
            .filter(|u| !have.contains_key(&u.key))
            .filter_map(|u| self.fallback(&state.name, u).map(|e| (u.key, e)))
            .collect();
        // Why a unit has nothing, for this request only (version 0); its stand-in, if it has
        // one, is attached below with the others.
        let unavailable = |error: SourceError| Arc::new(Entry::failed(error, Duration::ZERO, 0));
        if let Some((code, message)) = refusal {
            // Over this person's share: what is cached is served, nothing new is asked.
            refresh.clear();
            for u in fetch.drain(..) {
                have.entry(u.key)
                    .or_insert_with(|| unavailable(SourceError::new(ErrorKind::Throttled, code, message)));
            }
        }
        if hits + misses > 0 {
            self.inner.usage.record(UsageEvent {
                connection: connection.to_string(),
                api: "GetMetricData",
                principal: Some(principal.clone()),
                dashboard: request.dashboard.clone(),
                cache_hits: hits,
                cache_misses: misses,
                ..UsageEvent::default()
            });
        }

        // 3. Fetch (single-flight + batching) and wait. A refresh of an entry that just expired
        // is waited for only briefly: when the upstream is slow the old entry is served and the
        // refresh lands for the next viewer (stale-while-revalidate), so an answer is never
        // held up by a slow upstream while data exists.
        let now_i = tokio::time::Instant::now();
        let (deadline, revalidate_deadline) = (now_i + c.wait_timeout, now_i + c.revalidate_wait);
        let waits: Vec<(Arc<Unit>, tokio::time::Instant)> = fetch
            .into_iter()
            .map(|u| {
                let until = if fallbacks.contains_key(&u.key) {
                    revalidate_deadline
                } else {
                    deadline
                };
                (u, until)
            })
            .chain(refresh.into_iter().map(|u| (u, revalidate_deadline)))
            .collect();
        let waits = self.submit(&state, waits, &principal, request.dashboard.as_deref());
        for (u, rx, until) in waits {
            match tokio::time::timeout_at(until, rx).await {
                Ok(Ok(entry)) => {
                    have.insert(u.key, entry);
                }
                _ => {
                    have.entry(u.key).or_insert_with(|| {
                        unavailable(SourceError::new(
                            ErrorKind::Unavailable,
                            "Timeout",
                            "CloudWatch did not answer in time; this series will appear on the next refresh.",
                        ))
                    });
                }
            }
        }

        // A unit with nothing to show but an error (its fetch failed, was refused or timed out, or
        // failed a moment ago and that is cached) shows its lineage's newest data instead, marked
        // stale with the error. The one place a stand-in is attached.
        for unit in plans.iter().flat_map(|p| p.series.iter()).filter_map(|(_, u)| u.as_ref().ok()) {
            let Some(entry) = have.get(&unit.key) else { continue };
            let Some(error) = entry.error.clone().filter(|_| entry.fetched_at.is_none()) else {
                continue;
            };
            if let Some(old) = fallbacks.get(&unit.key).cloned().or_else(|| self.fallback(&state.name, unit)) {
                have.insert(unit.key, Arc::new(self.stale_from(&old, error, Duration::ZERO, false)));
            }
        }

        // 4. The answer: served from the prepared cache when its content was seen before.
        let mut key = Sha256::new();
        key.update(connection.as_bytes());
        for p in &plans {
            key.update([0]);
            key.update(p.id.as_bytes());
            key.update(p.start.to_le_bytes());
            key.update(p.end.to_le_bytes());
            if let Some(e) = &p.error {
                key.update(e.code.as_bytes());
                key.update(e.message.as_bytes());
            }
            for (id, unit) in &p.series {
                key.update([1]);
                key.update(id.as_bytes());
                match unit {
                    Ok(u) => {
                        key.update(u.key);
                        let v = have.get(&u.key).map_or(0, |e| e.version);
                        key.update(v.to_le_bytes());
                        if v == 0 {
                            // Errors made for this request only (rate, timeout) have no version.
                            if let Some(e) = have.get(&u.key).and_then(|e| e.error.as_ref()) {
                                key.update(e.code.as_bytes());
                            }
                        }
                    }
                    Err(e) => key.update(e.message.as_bytes()),
                }
            }
        }
        let key: [u8; 32] = key.finalize().into();
        if let Some(p) = self.inner.prepared.get(&key) {
            return p;
        }
        let widgets: Vec<WidgetData> = plans
            .into_iter()
            .map(|p| {
                let mut w = WidgetData {
                    id: p.id,
                    start: p.start,
                    end: p.end,
                    period: p.period,
                    fetched_at: None,
                    stale: false,
                    results: Vec::new(),
                    messages: Vec::new(),
                    notes: Vec::new(),
                    errors: Vec::new(),
                };
                if let Some(e) = p.error {
                    w.errors.push(SeriesError {
                        id: None,
                        code: e.code,
                        message: e.message,
                    });
                }
                for (id, unit) in p.series {
                    let unit = match unit {
                        Ok(u) => u,
                        Err(e) => {
                            w.errors.push(SeriesError {
                                id: Some(id),
                                code: e.code,
                                message: e.message,
                            });
                            continue;
                        }
                    };
                    if let Some(n) = &unit.note {
                        w.notes.push(n.clone());
                    }
                    let Some(entry) = have.get(&unit.key) else { continue };
                    if let Some(e) = &entry.error {
                        if entry.fetched_at.is_some() {
                            w.stale = true;
                        } else {
                            w.errors.push(SeriesError {
                                id: Some(id.clone()),
                                code: e.code.clone(),
                                message: e.message.clone(),
                            });
                        }
                    }
                    if let Some(f) = entry.fetched_at {
                        let f = ms(f);
                        w.fetched_at = Some(w.fetched_at.map_or(f, |o: i64| o.min(f)));
                    }
                    for (i, r) in entry.results.iter().enumerate() {
                        let mut r = r.clone();
                        r.id.clone_from(&id);
                        if entry.label_is_id.get(i).copied().unwrap_or(false) {
                            r.label.clone_from(&id);
                        }
                        w.results.push(r);
                    }
                    for m in &entry.messages {
                        if !w.messages.contains(m) {
                            w.messages.push(m.clone());
                        }
                    }
                }
                w
            })
            .collect();
        let prepared = Arc::new(prepare(&widgets));
        self.inner.prepared.insert(key, prepared.clone());
        prepared
    }

    /// Joins the in-flight fetch of each unit, or queues it (and leads the batch if nobody does).
    /// A request's units go in under one lock, so the leader never sends half of them in one
    /// call and the rest in the next (which costs a second call, and the shared metrics twice).
    #[allow(clippy::type_complexity)]
    fn submit(
        &self,
        state: &Arc<ConnState>,
        units: Vec<(Arc<Unit>, tokio::time::Instant)>,
        principal: &str,
        dashboard: Option<&str>,
    ) -> Vec<(Arc<Unit>, oneshot::Receiver<Arc<Entry>>, tokio::time::Instant)> {
        let mut out = Vec::with_capacity(units.len());
        let mut queued = Vec::new();
        {
            let mut inflight = lock(&state.inflight);
            let now_ms = epoch_ms();
            for (unit, until) in units {
                let (tx, rx) = oneshot::channel();
                if let Some(waiters) = inflight.get_mut(&unit.key) {
                    waiters.push(tx);
                } else if let Some(e) = self.inner.cache.get(&(state.name.clone(), unit.key)).filter(|e| e.fresh(now_ms)) {
                    // A fetch that settled after this caller looked at the cache (and before it
                    // got here: the budget check awaits) has already put a fresh entry there.
                    // `settle` puts the entry in before it clears the in-flight mark, so under
                    // this lock either the fetch is still in flight or its entry is visible.
                    // Without this, a viewer who looked during a refresh and asked after it
                    // fetched the same unit again.
                    let _ = tx.send(e);
                } else {
                    inflight.insert(unit.key, vec![tx]);
                    queued.push(Queued {
                        unit: unit.clone(),
                        principal: Some(principal.to_string()),
                        dashboard: dashboard.map(str::to_string),
                    });
                }
                out.push((unit, rx, until));
            }
            // Still under the in-flight lock: the leader drains the queue whole.
            if queued.is_empty() {
                return out;
            }
            lock(&state.queue).extend(queued);
        }
        if !state.leader.swap(true, Ordering::AcqRel) {
            let this = self.clone();
            let state = state.clone();
            tokio::spawn(async move { this.lead(state).await });
        }
        out
    }

    /// The batch leader: waits a moment for company, then sends what is queued.
    async fn lead(&self, state: Arc<ConnState>) {
        loop {
            tokio::time::sleep(self.inner.config.batch_window).await;
            let queued = std::mem::take(&mut *lock(&state.queue));
            if queued.is_empty() {
                state.leader.store(false, Ordering::Release);
                // Someone may have queued between the take and the store.
                if lock(&state.queue).is_empty() || state.leader.swap(true, Ordering::AcqRel) {
                    return;
                }
                continue;
            }
            let who: HashMap<UnitKey, (Option<String>, Option<String>)> = queued
                .iter()
                .map(|q| (q.unit.key, (q.principal.clone(), q.dashboard.clone())))
                .collect();
            for call in pack::pack(queued.into_iter().map(|q| q.unit).collect()) {
                let (principal, dashboard) = call.units.first().and_then(|u| who.get(&u.key).cloned()).unwrap_or_default();
                let this = self.clone();
                let state = state.clone();
                tokio::spawn(async move {
                    let alone = this.execute(&state, call, principal.clone(), dashboard.clone()).await;
                    for call in alone {
                        this.execute(&state, call, principal.clone(), dashboard.clone()).await;
                    }
                });
            }
        }
    }

    /// Runs one packed call and hands each unit its entry. When CloudWatch refuses a call of
    /// several units as invalid, returns one call per unit to be asked alone instead.
    async fn execute(&self, state: &ConnState, call: Call, principal: Option<String>, dashboard: Option<String>) -> Vec<Call> {
        let source = lock(&state.source).clone();
        tracing::debug!(
            connection = %state.name,
            units = call.units.len(),
            period = call.units.first().map_or(0, |u| u.period),
            start = call.units.first().map_or(0, |u| u.start),
            end = call.units.first().map_or(0, |u| u.end),
            principal = principal.as_deref().unwrap_or(""),
            "proxy: GetMetricData call"
        );
        match self.fetch(state, source.as_ref(), &call, principal, dashboard).await {
            Ok(out) => {
                for (k, unit) in call.units.iter().enumerate() {
                    let root = &call.roots[k];
                    let results: Vec<MetricDataResult> = out
                        .metric_data_results
                        .iter()
                        .filter(|r| &r.id == root)
                        .map(|r| MetricDataResult {
                            id: String::new(),
                            ..r.clone()
                        })
                        .collect();
                    let label_is_id: Arc<[bool]> = results.iter().map(|r| &r.label == root).collect();
                    let bytes = results
                        .iter()
                        .map(|r| 64 + r.label.len() as u64 + 16 * r.values.len() as u64)
                        .sum::<u64>()
                        + 256;
                    let ttl = self.ttl_for(unit);
                    let open = OffsetDateTime::now_utc().unix_timestamp() - unit.end <= self.inner.config.settle.as_secs() as i64;
                    let entry = Arc::new(Entry {
                        version: self.inner.versions.fetch_add(1, Ordering::Relaxed),
                        results: results.into(),
                        label_is_id,
                        messages: out.messages.clone(),
                        fetched_at: Some(OffsetDateTime::now_utc()),
                        until: window_end(ttl),
                        ttl,
                        error: None,
                        bytes,
                        open,
                        end: unit.end,
                    });
                    self.settle(state, unit, entry);
                }
                Vec::new()
            }
            // One unit's bad query must not fail the others: each is asked alone.
            Err(e) if e.kind == ErrorKind::Validation && call.units.len() > 1 => {
                call.units.into_iter().flat_map(|u| pack::pack(vec![u])).collect()
            }
            Err(e) => {
                for unit in &call.units {
                    // Only the unit's own older data is kept under its key. Its lineage's data (a
                    // range that moved on) stands in at answer time instead: a copy under each
                    // new range's key filled the cache with one dead copy per view per minute
                    // while upstream was short, until the byte bound evicted the stand-ins
                    // themselves and pages showed errors (the 10x throttle storm).
                    let old = self
                        .inner
                        .cache
                        .get(&(state.name.clone(), unit.key))
                        .filter(|o| o.fetched_at.is_some());
                    let ttl = self.inner.config.min_ttl;
                    let entry = Arc::new(match old {
                        Some(o) => self.stale_from(&o, e.clone(), ttl, true),
                        None => Entry::failed(e.clone(), ttl, self.inner.versions.fetch_add(1, Ordering::Relaxed)),
                    });
                    self.settle(state, unit, entry);
                }
                Vec::new()
            }
        }
    }

    /// The newest data of `unit`'s lineage (the same view over an earlier range of the same
    /// length), to stand in, marked stale, when `unit` itself cannot be had.
    fn fallback(&self, name: &Arc<str>, unit: &Unit) -> Option<Arc<Entry>> {
        let (key, _) = *lock(&self.inner.lineage).get(&(name.clone(), unit.lineage))?;
        self.inner.cache.get(&(name.clone(), key)).filter(|e| e.fetched_at.is_some())
    }

    /// `fallback` as the entry of a failed fetch: its data, with the error.
    fn stale_from(&self, old: &Entry, error: SourceError, ttl: Duration, versioned: bool) -> Entry {
        Entry {
            // A stand-in keeps the version of the data it shows, so the prepared answers built from
            // it change when that data does.
            version: if versioned {
                self.inner.versions.fetch_add(1, Ordering::Relaxed)
            } else {
                old.version
            },
            results: old.results.clone(),
            label_is_id: old.label_is_id.clone(),
            messages: old.messages.clone(),
            fetched_at: old.fetched_at,
            until: window_end(ttl),
            ttl,
            error: Some(error),
            bytes: old.bytes,
            open: old.open,
            end: old.end,
        }
    }

    fn settle(&self, state: &ConnState, unit: &Unit, entry: Arc<Entry>) {
        let mut keep = true;
        if entry.error.is_none() {
            let replaced = {
                let mut lineage = lock(&self.inner.lineage);
                if lineage.len() > 200_000 {
                    lineage.clear();
                }
                match lineage.entry((state.name.clone(), unit.lineage)) {
                    // A range that moved on before its fetch came back (it waited for tokens
                    // while the view asked for the next one) is not the newest data: the newer
                    // range stays the stand-in, and this one, open and dead, is only handed to
                    // its waiters.
                    hash_map::Entry::Occupied(o) if o.get().1 > unit.end => {
                        keep = !entry.open;
                        None
                    }
                    hash_map::Entry::Occupied(mut o) => Some(o.insert((unit.key, unit.end)).0),
                    hash_map::Entry::Vacant(v) => {
                        v.insert((unit.key, unit.end));
                        None
                    }
                }
            };
            // The same view's previous open range has moved on: its entry would only take the
            // room that other views' stand-ins need. (A war wall of long relative ranges otherwise
            // keeps one dead entry per view per minute until the byte bound evicts live ones, and
            // a view whose stand-in was evicted shows an error when upstream is short.) A closed
            // range of the same length (a fixed window) stays, and so does an open one when a
            // fixed window is what replaced it: only a range that moved on is dropped.
            if let Some(old) = replaced.filter(|k| *k != unit.key) {
                let old = (state.name.clone(), old);
                if self.inner.cache.get(&old).is_some_and(|e| e.open && e.end < unit.end) {
                    self.inner.cache.remove(&old);
                }
            }
        }
        if keep {
            self.inner.cache.insert((state.name.clone(), unit.key), entry.clone());
        }
        let waiters = lock(&state.inflight).remove(&unit.key).unwrap_or_default();
        for w in waiters {
            let _ = w.send(entry.clone());
        }
    }

    fn ttl_for(&self, unit: &Unit) -> Duration {
        let c = &self.inner.config;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let ended_ago = now - unit.end;
        if ended_ago > 3 * 3_600 {
            c.old_ttl
        } else if ended_ago > c.settle.as_secs() as i64 {
            c.closed_ttl
        } else {
            // Not `clamp`: it panics when a setting puts the minimum above the maximum.
            Duration::from_secs((unit.period / 6).max(0) as u64).min(c.max_ttl).max(c.min_ttl)
        }
    }

    /// One call, every page, with its tokens and retries.
    async fn fetch(
        &self,
        state: &ConnState,
        source: &dyn Source,
        call: &Call,
        principal: Option<String>,
        dashboard: Option<String>,
    ) -> Result<GetMetricDataOutput, SourceError> {
        let c = &self.inner.config;
        let cx = cloudwatch::CallContext::system();
        let mut input = GetMetricDataInput {
            metric_data_queries: call.queries.clone(),
            start_time: OffsetDateTime::from_unix_timestamp(call.start).map_err(|e| SourceError::internal(e.to_string()))?,
            end_time: OffsetDateTime::from_unix_timestamp(call.end).map_err(|e| SourceError::internal(e.to_string()))?,
            next_token: None,
            scan_by: Some(cloudwatch::metrics::ScanBy::TimestampAscending),
            max_datapoints: None,
            label_options: call.label_timezone.as_ref().map(|tz| LabelOptions {
                timezone: Some(tz.clone()),
            }),
        };
        let mut merged = GetMetricDataOutput::default();
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        for page in 0.. {
            if page >= 100 {
                merged.messages.push(MessageData::new("MaxPages", "Stopped after 100 pages."));
                break;
            }
            let mut attempt = 0;
            if page == 0 {
                self.inner
                    .limits
                    .acquire_n(
                        source,
                        &state.name,
                        "GetMetricData.datapoints",
                        call.points.min(units::MAX_POINTS) as f64,
                    )
                    .await?;
            }
            let out = loop {
                self.inner.limits.acquire(source, &state.name, "GetMetricData").await?;
                let result = source.get_metric_data(&cx, input.clone()).await;
                let throttled = matches!(&result, Err(e) if e.kind == ErrorKind::Throttled);
                self.inner.usage.record(UsageEvent {
                    connection: state.name.to_string(),
                    api: "GetMetricData",
                    principal: principal.clone(),
                    dashboard: dashboard.clone(),
                    calls: 1,
                    metrics: if page == 0 && result.is_ok() { call.metrics() } else { 0 },
                    throttles: u64::from(throttled),
                    queue_wait_ms: 0,
                    ..UsageEvent::default()
                });
                match result {
                    Ok(out) => break out,
                    Err(e) if retryable(&e) && attempt + 1 < c.max_attempts => {
                        attempt += 1;
                        tokio::time::sleep(backoff(c.backoff_base, c.backoff_cap, attempt)).await;
                    }
                    Err(e) => return Err(e),
                }
            };
            for r in out.metric_data_results {
                let k = (r.id.clone(), r.label.clone());
                match index.get(&k) {
                    Some(&i) => {
                        let m = &mut merged.metric_data_results[i];
                        m.timestamps.extend(r.timestamps);
                        m.values.extend(r.values);
                        m.status_code = r.status_code;
                        m.messages.extend(r.messages);
                    }
                    None => {
                        index.insert(k, merged.metric_data_results.len());
                        merged.metric_data_results.push(r);
                    }
                }
            }
            for m in out.messages {
                if !merged.messages.contains(&m) {
                    merged.messages.push(m);
                }
            }
            match out.next_token {
                Some(t) => input.next_token = Some(t),
                None => break,
            }
        }
        Ok(merged)
    }
}

/// The end of the wall-clock window of length `ttl` that holds now: windows are multiples of
/// `ttl` since the Unix epoch, the same on every replica. Freshness that ended `ttl` after each
/// fetch would drift with each viewer's phase: a lone viewer refreshing every `ttl` lands just
/// inside it every other time (one fetch per two refreshes) while a war room of spread phases
/// refetches every `ttl`. Ending it on the clock makes both one fetch per window.
pub fn window_end(ttl: Duration) -> i64 {
    let now = epoch_ms();
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    if ttl_ms == 0 {
        return now;
    }
    now - now.rem_euclid(ttl_ms) + ttl_ms
}

/// The wall clock in epoch milliseconds.
fn epoch_ms() -> i64 {
    ms(OffsetDateTime::now_utc())
}

fn retryable(e: &SourceError) -> bool {
    matches!(e.kind, ErrorKind::Throttled | ErrorKind::Unavailable | ErrorKind::Internal)
}

/// Full jitter: a uniform wait in `[0, min(cap, base · 2^attempt))`, so retries of many callers
/// never fall into step.
pub fn backoff(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let ceiling = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    ceiling.mul_f64(rand::random::<f64>())
}

fn prepare(widgets: &[WidgetData]) -> Prepared {
    #[derive(Serialize)]
    struct Body<'a> {
        widgets: &'a [WidgetData],
    }
    let json = serde_json::to_vec(&Body { widgets }).unwrap_or_else(|_| b"{\"widgets\":[]}".to_vec());
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 4), flate2::Compression::fast());
    let gzip = gz.write_all(&json).and_then(|()| gz.finish()).unwrap_or_default();
    Prepared {
        json: Bytes::from(json),
        gzip: Bytes::from(gzip),
    }
}
