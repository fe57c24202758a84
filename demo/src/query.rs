//! Logs Insights for the demo: StartQuery validation as CloudWatch does it, queries run in the
//! background by the `insights` engine over generated events, the Scheduled → Running → Complete
//! lifecycle with partial results, StopQuery, timeouts, and `@ptr` values that GetLogRecord
//! resolves back to the event.
//!
//! Two bounds, on purpose separate: the account's *concurrency* (CloudWatch: 30 queries
//! Scheduled or Running; more answer LimitExceededException) is a set of permits, and the *CPU*
//! is a small fixed pool of worker threads ([`InsightsOptions::workers`]) that run admitted
//! queries one at a time each, earliest due first. So 30 running queries never take 30 cores
//! from the HTTP server; a query waiting for a worker is simply still `Scheduled`. A query's
//! permit is released the moment its status becomes final (StopQuery included), not when its
//! worker notices. Every query's run interval is kept (the last [`MAX_RUNS_KEPT`]) so tests and
//! operators can see how many ran at once ([`Queries::runs`]).

use crate::logs::LogWorld;
use crate::model::World;
use crate::quota::INSIGHTS_CONCURRENCY;
use cloudwatch::logs::{GetQueryResultsOutput, QueryStatistics, QueryStatus, ResultField, StartQueryInput};
use cloudwatch::SourceError;
use insights::eval::Permit;
use insights::eval::{LogEvent, Pool, RunOptions};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How the demo runs Logs Insights queries.
#[derive(Debug, Clone)]
pub struct InsightsOptions {
    /// Concurrent queries (CloudWatch: 30); more answer LimitExceededException.
    pub max_concurrent: usize,
    /// Runtime after which a query ends as `Timeout` (CloudWatch: 60 minutes).
    pub timeout: Duration,
    /// How long finished results are kept (CloudWatch: 7 days), and how many at most.
    pub retention: Duration,
    pub max_kept: usize,
    /// Time a query spends `Scheduled` before it starts.
    pub schedule_delay: Duration,
    /// A pause after each minute of data scanned (0 in production; tests slow queries down to
    /// watch them run).
    pub pace: Duration,
    /// Worker threads that run admitted queries (default: one less than the cores, at least 1).
    pub workers: usize,
}

/// The default number of query worker threads: leave a core to the HTTP server.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_sub(1)
        .max(1)
}

impl Default for InsightsOptions {
    fn default() -> Self {
        InsightsOptions {
            max_concurrent: INSIGHTS_CONCURRENCY,
            timeout: Duration::from_secs(60 * 60),
            retention: Duration::from_secs(7 * 24 * 3600),
            max_kept: 1_000,
            schedule_delay: Duration::ZERO,
            pace: Duration::ZERO,
            workers: default_workers(),
        }
    }
}

#[derive(Debug)]
struct QueryState {
    status: QueryStatus,
    results: Vec<Vec<ResultField>>,
    stats: QueryStatistics,
    finished: Option<Instant>,
    /// The concurrency permit, held while the status is not final.
    permit: Option<Permit>,
}

/// One query's run interval, wall-clock epoch milliseconds: from StartQuery's answer to the
/// status becoming final (`None` while it is Scheduled or Running).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRun {
    pub query_id: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    /// The final status, once there is one.
    pub status: Option<QueryStatus>,
}

/// Run intervals kept, newest last.
pub const MAX_RUNS_KEPT: usize = 10_000;

#[derive(Debug, Default)]
struct RunLog(Mutex<VecDeque<QueryRun>>);

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl RunLog {
    fn started(&self, id: &str) {
        if let Ok(mut log) = self.0.lock() {
            if log.len() >= MAX_RUNS_KEPT {
                log.pop_front();
            }
            log.push_back(QueryRun {
                query_id: id.to_string(),
                start_ms: wall_ms(),
                end_ms: None,
                status: None,
            });
        }
    }

    fn ended(&self, id: &str, status: QueryStatus) {
        if let Ok(mut log) = self.0.lock() {
            if let Some(r) = log.iter_mut().rev().find(|r| r.query_id == id) {
                r.end_ms.get_or_insert_with(wall_ms);
                r.status.get_or_insert(status);
            }
        }
    }
}

/// Makes a status final: records when, frees the concurrency permit, closes the run interval.
fn finish(s: &mut QueryState, status: QueryStatus, log: &RunLog, id: &str) {
    s.status = status;
    s.finished = Some(Instant::now());
    s.permit = None;
    log.ended(id, status);
}

type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Default)]
struct JobQueue {
    /// (due, sequence, job): at most `max_concurrent` long, so a scan finds the earliest.
    jobs: Vec<(Instant, u64, Job)>,
    seq: u64,
    threads: usize,
    shutdown: bool,
}

/// The worker threads of one source, started on first use and stopped when it is dropped.
#[derive(Default)]
struct Workers {
    queue: Mutex<JobQueue>,
    ready: Condvar,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").finish_non_exhaustive()
    }
}

impl Workers {
    /// Queues `job` to run on a worker at `due` or later, starting workers up to `threads`.
    fn submit(self: &Arc<Self>, due: Instant, threads: usize, job: Job) -> Result<(), SourceError> {
        let mut q = self.queue.lock().map_err(|_| SourceError::internal("query workers poisoned"))?;
        while q.threads < threads.max(1) {
            let me = Arc::clone(self);
            std::thread::Builder::new()
                .name("demo-insights".into())
                .spawn(move || me.work())
                .map_err(|e| SourceError::internal(format!("could not start a query worker: {e}")))?;
            q.threads += 1;
        }
        q.seq += 1;
        let seq = q.seq;
        q.jobs.push((due, seq, job));
        drop(q);
        self.ready.notify_one();
        Ok(())
    }

    fn work(&self) {
        loop {
            let job = {
                let Ok(mut q) = self.queue.lock() else { return };
                loop {
                    if q.shutdown {
                        return;
                    }
                    let now = Instant::now();
                    let next = q.jobs.iter().enumerate().min_by_key(|(_, j)| (j.0, j.1)).map(|(i, j)| (i, j.0));
                    match next {
                        Some((i, due)) if due <= now => break q.jobs.swap_remove(i).2,
                        Some((_, due)) => match self.ready.wait_timeout(q, due - now) {
                            Ok((g, _)) => q = g,
                            Err(_) => return,
                        },
                        None => match self.ready.wait(q) {
                            Ok(g) => q = g,
                            Err(_) => return,
                        },
                    }
                }
            };
            // Another job may be due already: let a sleeping worker look.
            self.ready.notify_one();
            // A bug in one query must not take a worker away from all the others.
            let _ = catch_unwind(AssertUnwindSafe(job));
        }
    }

    fn stop(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.shutdown = true;
            q.jobs.clear();
        }
        self.ready.notify_all();
    }
}

#[derive(Debug)]
struct Entry {
    state: Mutex<QueryState>,
    cancel: AtomicBool,
}

/// Result rows kept across all finished queries.
const MAX_ROWS_KEPT: usize = 200_000;

/// Queries by id, and ids oldest first.
type Registry = (HashMap<String, Arc<Entry>>, VecDeque<String>);
/// (first sequence number, group, minute, original indices when some were not yet ingested).
type Mark = (u64, usize, i64, Option<Vec<u32>>);

/// The queries of one source.
#[derive(Debug)]
pub struct Queries {
    pub opts: InsightsOptions,
    pool: Pool,
    map: Mutex<Registry>,
    counter: std::sync::atomic::AtomicU64,
    workers: Arc<Workers>,
    runs: Arc<RunLog>,
}

impl Drop for Queries {
    fn drop(&mut self) {
        self.workers.stop();
    }
}

/// A record pointer: which event of which (group, minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ptr {
    pub group: usize,
    pub minute: i64,
    pub index: u32,
}

impl Ptr {
    pub fn encode(&self) -> String {
        format!("Cm{:02x}{:010x}{:06x}", self.group, self.minute, self.index)
    }

    pub fn decode(s: &str) -> Option<Ptr> {
        let h = s.strip_prefix("Cm")?;
        if h.len() != 18 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(Ptr {
            group: usize::from_str_radix(&h[0..2], 16).ok()?,
            minute: i64::from_str_radix(&h[2..12], 16).ok()?,
            index: u32::from_str_radix(&h[12..18], 16).ok()?,
        })
    }
}

pub struct Validated {
    pub groups: Vec<usize>,
    /// Per group, the oldest instant it still holds (epoch ms; retention and creation).
    pub floors: Vec<i64>,
    pub query: insights::Query,
    pub start_ms: i64,
    pub end_ms: i64,
    pub limit: usize,
}

/// StartQuery's checks, as CloudWatch makes them.
pub fn validate(input: &StartQueryInput, logs: &LogWorld) -> Result<Validated, SourceError> {
    if let Some(lang) = input.query_language.as_deref() {
        if lang != "CWLI" {
            return Err(SourceError::unsupported(format!(
                "queryLanguage {lang} is not supported by Watchpost; use CWLI (the Logs Insights query language)"
            )));
        }
    }
    let fields = [
        input.log_group_name.is_some(),
        !input.log_group_names.is_empty(),
        !input.log_group_identifiers.is_empty(),
    ];
    if fields.iter().filter(|b| **b).count() != 1 {
        return Err(SourceError::logs_invalid_parameter(
            "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified",
        ));
    }
    let names = input.groups();
    if names.len() > 50 {
        return Err(SourceError::logs_invalid_parameter("Query exceeds the maximum of 50 log groups"));
    }
    if input.query_string.is_empty() {
        return Err(SourceError::logs_invalid_parameter("1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length greater than or equal to 0"));
    }
    if input.query_string.chars().count() > 10_000 {
        return Err(SourceError::logs_invalid_parameter(
            "1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to 10000",
        ));
    }
    if input.start_time < 0 || input.end_time < 0 {
        return Err(SourceError::logs_invalid_parameter(
            "startTime and endTime must be non-negative epoch seconds",
        ));
    }
    if input.end_time < input.start_time {
        return Err(SourceError::logs_invalid_parameter(
            "End time must be greater than or equal to start time",
        ));
    }
    if input.end_time > 32_503_680_000 {
        return Err(SourceError::logs_invalid_parameter("endTime is too far in the future"));
    }
    let limit = input.limit.unwrap_or(1_000);
    if !(1..=10_000).contains(&limit) {
        return Err(SourceError::logs_invalid_parameter(
            "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000",
        ));
    }
    let mut groups = Vec::new();
    for n in names {
        match logs.group_index(n) {
            Some(g) => {
                if !groups.contains(&g) {
                    groups.push(g)
                }
            }
            None => {
                return Err(SourceError::not_found(
                    "ResourceNotFoundException",
                    format!("Log group '{n}' does not exist for account ID '123456789012' (Service: CloudWatchLogs)"),
                ))
            }
        }
    }
    let query = insights::parse(&input.query_string).map_err(|diags| {
        let text = diags
            .first()
            .map(|d| format!("{} at line {} and position {}", d.message, d.span.line, d.span.column))
            .unwrap_or_else(|| "unexpected input".into());
        SourceError::malformed_query(text)
    })?;
    Ok(Validated {
        floors: vec![i64::MIN; groups.len()],
        groups,
        query,
        start_ms: input.start_time * 1000,
        end_ms: input.end_time.saturating_mul(1000) + 999,
        limit: limit as usize,
    })
}

/// Adds `@ptr` to a non-aggregating query's output, as CloudWatch returns it on every row.
fn with_ptr(src: &str, q: insights::Query) -> insights::Query {
    if insights::analyze(&q).aggregates || src.contains("@ptr") || src.contains("display") {
        return q;
    }
    insights::parse(&format!("{src}\n| fields @ptr")).unwrap_or(q)
}

impl Queries {
    pub fn new(opts: InsightsOptions) -> Self {
        let pool = Pool::new(opts.max_concurrent.max(1));
        Queries {
            opts,
            pool,
            map: Mutex::new((HashMap::new(), VecDeque::new())),
            counter: Default::default(),
            workers: Arc::default(),
            runs: Arc::default(),
        }
    }

    /// The run intervals of the last [`MAX_RUNS_KEPT`] queries, oldest first.
    pub fn runs(&self) -> Vec<QueryRun> {
        self.runs.0.lock().map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    fn evict(&self, map: &mut Registry) {
        while map.1.len() > self.opts.max_kept {
            if let Some(old) = map.1.pop_front() {
                map.0.remove(&old);
            }
        }
        let retention = self.opts.retention;
        let expired: Vec<String> = map
            .0
            .iter()
            .filter(|(_, e)| {
                e.state
                    .lock()
                    .ok()
                    .and_then(|s| s.finished)
                    .is_some_and(|f| f.elapsed() > retention)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in expired {
            map.0.remove(&k);
            map.1.retain(|x| *x != k);
        }
        // Memory stays bounded too: the oldest results go first past MAX_ROWS_KEPT rows in all.
        let rows = |e: &Arc<Entry>| e.state.lock().map_or(0, |s| s.results.len());
        let mut total: usize = map.0.values().map(rows).sum();
        while total > MAX_ROWS_KEPT && map.1.len() > 1 {
            let Some(old) = map.1.pop_front() else { break };
            if let Some(e) = map.0.remove(&old) {
                total -= rows(&e);
            }
        }
    }

    /// Starts a validated query over `world` as of `now_ms`; returns its id.
    pub fn start(self: &Arc<Self>, v: Validated, src: &str, world: World, logs: Arc<LogWorld>, now_ms: i64) -> Result<String, SourceError> {
        let permit = self.pool.try_acquire().map_err(|_| {
            SourceError::limit_exceeded(format!(
                "Account maximum query concurrency limit of [{}] reached.",
                self.pool.permits()
            ))
        })?;
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let id = crate::rng::uuid(crate::rng::h(world.seed, crate::rng::stream::QUERY, n as i64, now_ms as u64));
        let entry = Arc::new(Entry {
            state: Mutex::new(QueryState {
                status: QueryStatus::Scheduled,
                results: Vec::new(),
                stats: QueryStatistics::default(),
                finished: None,
                permit: Some(permit),
            }),
            cancel: AtomicBool::new(false),
        });
        {
            let mut map = self.map.lock().map_err(|_| SourceError::internal("query registry poisoned"))?;
            map.0.insert(id.clone(), Arc::clone(&entry));
            map.1.push_back(id.clone());
            self.evict(&mut map);
        }
        self.runs.started(&id);
        let opts = self.opts.clone();
        let query = with_ptr(src, v.query.clone());
        let runs = Arc::clone(&self.runs);
        let qid = id.clone();
        // The runtime limit counts from StartQuery, as CloudWatch's does, waiting included.
        let began = Instant::now();
        let job_entry = Arc::clone(&entry);
        let job = move || {
            let entry = job_entry;
            if let Ok(mut s) = entry.state.lock() {
                if s.status.is_final() {
                    return;
                }
                s.status = QueryStatus::Running;
            }
            let end = v.end_ms.min(now_ms);
            let m0 = v.start_ms.div_euclid(60_000);
            let m1 = if end < v.start_ms { m0 } else { end.div_euclid(60_000) + 1 };
            let total = (m1 - m0).max(0);
            // A first pass over the most recent tenth gives partial results early (not for
            // `diff`: a tenth of the range against a whole earlier period would mislead).
            let first = (total / 10).max(1).min(total);
            let compares = insights::eval::diff_range(&query, v.start_ms, v.end_ms + 1).is_some();
            let passes: Vec<i64> = if total > 4 && !compares { vec![m1 - first, m0] } else { vec![m0] };
            for (pi, from) in passes.iter().enumerate() {
                let last = pi + 1 == passes.len();
                let outcome = run_pass(&query, &v, &world, &logs, *from, m1, now_ms, &entry, &opts, began, last);
                let stop = entry.cancel.load(Ordering::Relaxed);
                let timed_out = began.elapsed() > opts.timeout;
                let Ok(mut s) = entry.state.lock() else { return };
                if s.status.is_final() {
                    return;
                }
                if stop {
                    finish(&mut s, QueryStatus::Cancelled, &runs, &qid);
                    return;
                }
                if timed_out {
                    finish(&mut s, QueryStatus::Timeout, &runs, &qid);
                    return;
                }
                match outcome {
                    Ok((rows, stats)) => {
                        s.results = rows;
                        s.stats = stats;
                        if last {
                            finish(&mut s, QueryStatus::Complete, &runs, &qid);
                        }
                    }
                    Err(e) => {
                        s.results = vec![vec![ResultField {
                            field: "@error".into(),
                            value: e,
                        }]];
                        finish(&mut s, QueryStatus::Failed, &runs, &qid);
                        return;
                    }
                }
            }
        };
        let due = began + self.opts.schedule_delay;
        if let Err(e) = self.workers.submit(due, self.opts.workers, Box::new(job)) {
            if let Ok(mut s) = entry.state.lock() {
                finish(&mut s, QueryStatus::Failed, &self.runs, &id);
            }
            return Err(e);
        }
        Ok(id)
    }

    fn get(&self, id: &str) -> Result<Arc<Entry>, SourceError> {
        self.map.lock().ok().and_then(|m| m.0.get(id).cloned()).ok_or_else(|| {
            SourceError::not_found(
                "ResourceNotFoundException",
                format!("Query {} does not exist", id.chars().take(64).collect::<String>()),
            )
        })
    }

    pub fn results(&self, id: &str) -> Result<GetQueryResultsOutput, SourceError> {
        let e = self.get(id)?;
        let s = e.state.lock().map_err(|_| SourceError::internal("query state poisoned"))?;
        Ok(GetQueryResultsOutput {
            results: s.results.clone(),
            statistics: s.stats,
            status: s.status,
            query_language: Some("CWLI".into()),
        })
    }

    pub fn stop(&self, id: &str) -> Result<bool, SourceError> {
        let e = self.get(id)?;
        let mut s = e.state.lock().map_err(|_| SourceError::internal("query state poisoned"))?;
        if s.status.is_final() {
            return Err(SourceError::logs_invalid_parameter(format!(
                "Query {id} is not running (status {:?})",
                s.status
            )));
        }
        e.cancel.store(true, Ordering::Relaxed);
        finish(&mut s, QueryStatus::Cancelled, &self.runs, id);
        Ok(true)
    }
}

type PassResult = Result<(Vec<Vec<ResultField>>, QueryStatistics), String>;

#[allow(clippy::too_many_arguments)]
fn run_pass(
    query: &insights::Query,
    v: &Validated,
    world: &World,
    logs: &LogWorld,
    m_from: i64,
    m_to: i64,
    now_ms: i64,
    entry: &Entry,
    opts: &InsightsOptions,
    began: Instant,
    last: bool,
) -> PassResult {
    let marks: RefCell<Vec<Mark>> = RefCell::new(Vec::new());
    let mut seq = 0u64;
    let mut pending: std::vec::IntoIter<LogEvent> = Vec::new().into_iter();
    // Minute spans to scan per group: the range, and for `diff` the earlier period too (the
    // engine tells the two apart by timestamp).
    let earlier = insights::eval::diff_range(query, v.start_ms, v.end_ms + 1);
    let mut spans = vec![(m_from, m_to)];
    if let Some((s, e)) = earlier {
        spans.push((s.div_euclid(60_000), e.saturating_sub(1).div_euclid(60_000) + 1));
    }
    let in_range = |ts: i64| (ts >= v.start_ms && ts <= v.end_ms) || earlier.is_some_and(|(s, e)| ts >= s && ts < e);
    // (group index, span index, minute)
    let mut cursor = (0usize, 0usize, m_from);
    let next = |gi: usize, si: usize| {
        if si + 1 < spans.len() {
            (gi, si + 1, spans[si + 1].0)
        } else {
            (gi + 1, 0, spans[0].0)
        }
    };
    let groups = &v.groups;
    let mut scanned = 0u64;
    let mut bytes = 0u64;
    let events = std::iter::from_fn(|| loop {
        if let Some(e) = pending.next() {
            return Some(e);
        }
        if entry.cancel.load(Ordering::Relaxed) || began.elapsed() > opts.timeout {
            return None;
        }
        let (gi, si, m) = cursor;
        if gi >= groups.len() {
            return None;
        }
        let span_end = spans[si].1;
        if m >= span_end {
            cursor = next(gi, si);
            continue;
        }
        cursor = if m + 1 >= span_end { next(gi, si) } else { (gi, si, m + 1) };
        let g = groups[gi];
        let lo = m * 60_000;
        let floor = v.floors.get(gi).copied().unwrap_or(i64::MIN);
        if lo + 60_000 <= floor {
            // Nothing is kept before the group's retention: jump to it.
            let to = floor.div_euclid(60_000);
            cursor = if to >= span_end { next(gi, si) } else { (gi, si, to) };
            continue;
        }
        let overlaps = |s: i64, e: i64| lo < e && lo + 60_000 > s;
        if !overlaps(v.start_ms, v.end_ms + 1) && !earlier.is_some_and(|(s, e)| overlaps(s, e)) {
            continue;
        }
        let me = logs.minute_events(world, g, m);
        let group_name = &logs.groups[g].name;
        let mut batch = Vec::with_capacity(me.events.len());
        let mut kept: Vec<u32> = Vec::new();
        let mut all = true;
        for (i, e) in me.events.into_iter().enumerate() {
            if e.ingest > now_ms || !in_range(e.ts) || e.ts < floor {
                all = false;
                continue;
            }
            kept.push(i as u32);
            scanned += 1;
            bytes += e.msg.len() as u64;
            batch.push(LogEvent {
                timestamp: e.ts,
                message: e.msg,
                log_stream: me.streams[e.stream as usize].clone(),
                log_group: group_name.clone(),
                ingestion_time: Some(e.ingest),
            });
        }
        if !batch.is_empty() {
            marks.borrow_mut().push((seq, g, m, if all { None } else { Some(kept) }));
            seq += batch.len() as u64;
        }
        if last {
            if let Ok(mut s) = entry.state.lock() {
                s.stats.records_scanned = scanned as f64;
                s.stats.bytes_scanned = bytes as f64;
                s.stats.log_groups_scanned = groups.len() as f64;
            }
        }
        if !opts.pace.is_zero() {
            std::thread::sleep(opts.pace);
        }
        pending = batch.into_iter();
    });
    let ropts = RunOptions {
        start: Some(v.start_ms),
        end: Some(v.end_ms + 1),
        now_ms,
        threads: 1,
        account_id: Some(crate::model::ACCOUNT.to_string()),
    };
    let res = insights::eval::run(query, events, &ropts).map_err(|e| e.to_string())?;
    let marks = marks.into_inner();
    let resolve = |hexseq: &str| -> Option<String> {
        let raw = u64::from_str_radix(hexseq, 16).ok()?;
        let global = (raw >> 32) * 2048 + (raw & 0xFFFF_FFFF);
        let at = marks.partition_point(|m| m.0 <= global).checked_sub(1)?;
        let (first, g, m, kept) = &marks[at];
        let local = (global - first) as usize;
        let index = match kept {
            Some(k) => *k.get(local)?,
            None => local as u32,
        };
        Some(
            Ptr {
                group: *g,
                minute: *m,
                index,
            }
            .encode(),
        )
    };
    let rows: Vec<Vec<ResultField>> = res
        .rows
        .into_iter()
        .take(v.limit)
        .map(|row| {
            row.into_iter()
                .map(|(field, value)| {
                    let value = if field == "@ptr" { resolve(&value).unwrap_or(value) } else { value };
                    ResultField { field, value }
                })
                .collect()
        })
        .collect();
    let stats = QueryStatistics {
        records_matched: res.stats.records_matched as f64,
        records_scanned: res.stats.records_scanned as f64,
        bytes_scanned: res.stats.bytes_scanned as f64,
        log_groups_scanned: groups.len() as f64,
    };
    Ok((rows, stats))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ptr_round_trips() {
        let p = Ptr {
            group: 3,
            minute: 29_922_385,
            index: 1234,
        };
        assert_eq!(Ptr::decode(&p.encode()), Some(p));
        assert_eq!(Ptr::decode("nope"), None);
        assert_eq!(Ptr::decode("Cmzz"), None);
    }
}
