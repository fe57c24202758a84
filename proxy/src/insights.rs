//! The per-connection Logs Insights scheduler: every replica of the server shares one concurrency
//! budget per connection, one FIFO queue, and one upstream query per identical request, all held
//! in Postgres. No home-made cluster and no advisory locks: rows with leases, `FOR UPDATE SKIP
//! LOCKED`, and LISTEN/NOTIFY carrying ids only.
//!
//! # Words
//! - A **run** is one user's request (who, the parameters, when): a row in `insights_runs`, the
//!   id the user keeps, reopens and shares.
//! - An **execution** is one upstream query shared by every identical run (same query string,
//!   sorted log groups, range widened to whole minutes, limit, language: [`key`]). A unique
//!   partial index on (connection, key) over `queued`/`running` makes concurrent submitters on
//!   different replicas converge on one row; a `complete` one younger than
//!   [`SchedulerConfig::reuse_for`] is reused instead of run again.
//! - A **slot** is one unit of the budget: `budget` rows per connection in `insights_slots`. An
//!   execution runs while it holds a slot. The replica holding it (`owner_replica`) renews its
//!   `lease_until` every [`SchedulerConfig::renew_every`]; a slot whose lease ran out is taken
//!   over by any replica (`FOR UPDATE SKIP LOCKED`), which resumes the upstream query by its id
//!   or, when the upstream no longer knows it (the demo keeps queries in the crashed process),
//!   starts it again.
//!
//! # How it runs
//! Each [`Scheduler`] has one `PgListener` on channel [`CHANNEL`] (payloads `e:<execution id>`
//! and `c:<connection>`) fanned out in-process, and one worker loop that, on every `c:` wake-up
//! and every `renew_every`, renews its leases (re-driving any slot it owns without a task, e.g.
//! after a restart under the same replica name), takes over expired slots, then gives free slots
//! to the oldest queued executions. Each execution it holds gets a task that calls `StartQuery`
//! (retrying throttles and `LimitExceededException` with full-jitter backoff while the run
//! waits; any other error fails the execution at once with CloudWatch's code and message), then
//! polls `GetQueryResults` with backoff ([`SchedulerConfig::poll_min`] doubling to
//! [`SchedulerConfig::poll_max`]) — once per execution, never per viewer — and writes partial
//! and final results (the `GetQueryResultsOutput` JSON) to the execution row, then NOTIFYs. Every
//! write checks the slot is still this replica's, so a replica that lost its lease stops.
//!
//! A cancel detaches one run; when no attached run remains, a queued execution is cancelled at
//! once, and a running one is stopped by its owner (`StopQuery`) on its next poll (the cancel's
//! NOTIFY wakes it). Each principal may have [`SchedulerConfig::per_principal_cap`] runs queued
//! or running; beyond that `submit` answers `LimitExceededException` naming the cap.
//!
//! Every upstream call first waits for [`crate::limits::Limits::acquire`] and is recorded with
//! [`crate::usage::Usage::record`] (`StartQuery` with its queue wait, and its bytes scanned once
//! the final statistics are known, as a second event with `calls: 0`).
//!
//! # The view's version
//! [`RunView::version`] only grows: it is the run's version plus the execution's, plus — while
//! queued — the connection's queue generation (bumped whenever an execution leaves the queue, so
//! a position change is a change). When an execution leaves the queue its version jumps past the
//! generation, so the sum never goes back. [`Scheduler::wait`] returns when it passes what the
//! caller saw.
//!
//! # Never
//! This module never holds a database lock across an upstream call, never calls upstream for a
//! viewer (only the slot's owner does), and never releases a lease on [`Scheduler::shutdown`]
//! (a stopped replica is indistinguishable from a crashed one, which is what tests rely on).

mod driver;
mod key;
mod store;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudwatch::logs::{GetQueryResultsOutput, StartQueryInput};
use cloudwatch::{ErrorKind, SourceError};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::sync::broadcast;
use tokio::task::AbortHandle;
use uuid::Uuid;

use crate::limits::Limits;
use crate::usage::Usage;
use crate::{Principal, RequestContext, Sources};

/// The LISTEN/NOTIFY channel of the scheduler. Payloads: `e:<execution uuid>` (an execution's
/// view changed) and `c:<connection>` (its queue or slots changed).
pub const CHANNEL: &str = "watchpost_insights";

/// How a replica's scheduler behaves. Every replica should use the same `budget`.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// This replica's name in lease rows; unique per live process (default: a random one).
    pub replica: String,
    /// Concurrent upstream queries per connection, across all replicas (CloudWatch: 30 per
    /// account and Region).
    pub budget: usize,
    /// How long a lease lasts without renewal (a crashed replica's slots are free after this).
    pub lease: Duration,
    /// How often the owner renews its leases (and looks for expired ones).
    pub renew_every: Duration,
    /// Runs a principal may have queued or running at once.
    pub per_principal_cap: usize,
    /// `GetQueryResults` polling backoff, from `poll_min` doubling to `poll_max`.
    pub poll_min: Duration,
    pub poll_max: Duration,
    /// A completed identical execution younger than this is reused instead of run again.
    pub reuse_for: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            replica: format!("replica-{}", Uuid::new_v4().simple()),
            budget: 30,
            lease: Duration::from_secs(15),
            renew_every: Duration::from_secs(5),
            per_principal_cap: 5,
            poll_min: Duration::from_millis(250),
            poll_max: Duration::from_secs(2),
            reuse_for: Duration::from_secs(60),
        }
    }
}

/// Where a run stands, for its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum RunStatus {
    /// Waiting for a slot; `position` 1 is next.
    Queued {
        position: u32,
    },
    /// Holding a slot (starting, scheduled or running upstream).
    Running,
    Complete,
    Failed,
    /// This user cancelled (the shared execution may go on for others), or it was stopped.
    Cancelled,
    Timeout,
}

impl RunStatus {
    /// No further change will happen.
    pub fn is_final(self) -> bool {
        !matches!(self, RunStatus::Queued { .. } | RunStatus::Running)
    }
}

/// One run as its user sees it. Times are the database's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub run_id: Uuid,
    pub execution_id: Uuid,
    pub connection: String,
    pub principal: Principal,
    pub status: RunStatus,
    /// Grows with every visible change; see the module docs.
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// When the execution took a slot.
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// When the execution ended, or this run was cancelled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Partial while running, final after: CloudWatch's shape.
    pub output: Option<GetQueryResultsOutput>,
    pub error: Option<SourceError>,
    pub query: String,
    pub log_groups: Vec<String>,
    /// The range actually queried (epoch seconds, widened to whole minutes).
    pub start_time: i64,
    pub end_time: i64,
    pub limit: Option<i64>,
}

/// What the listener fans out in-process.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Execution(Uuid),
    Connection(String),
}

impl Event {
    fn parse(payload: &str) -> Option<Event> {
        match payload.split_once(':')? {
            ("e", id) => id.parse().ok().map(Event::Execution),
            ("c", conn) => Some(Event::Connection(conn.to_string())),
            _ => None,
        }
    }
}

struct Inner {
    db: PgPool,
    sources: Arc<dyn Sources>,
    limits: Limits,
    usage: Usage,
    config: SchedulerConfig,
    events: broadcast::Sender<Event>,
    stopped: AtomicBool,
    /// The listener and the worker loop.
    background: Mutex<Vec<AbortHandle>>,
    /// Executions this replica drives: (spawn generation, task).
    driving: Mutex<HashMap<Uuid, (u64, AbortHandle)>>,
    generation: AtomicU64,
    /// Connections whose slot rows exist (created once per process).
    prepared: Mutex<HashSet<String>>,
}

/// The scheduler of this replica. Cheap to clone; see the module docs.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// A database failure as callers see it: opaque, the cause logged here.
fn db_error(e: sqlx::Error) -> SourceError {
    let reference = Uuid::new_v4();
    tracing::error!(%reference, error = %e, "insights scheduler: database error");
    SourceError::internal(format!("internal error (reference {reference})"))
}

impl Scheduler {
    /// Connects the listener and spawns it with the worker loop.
    pub async fn start(
        db: PgPool,
        sources: Arc<dyn Sources>,
        limits: Limits,
        usage: Usage,
        config: SchedulerConfig,
    ) -> Result<Scheduler, sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&db).await?;
        listener.listen(CHANNEL).await?;
        let (events, _) = broadcast::channel(1024);
        let inner = Arc::new(Inner {
            db,
            sources,
            limits,
            usage,
            config,
            events,
            stopped: AtomicBool::new(false),
            background: Mutex::new(Vec::new()),
            driving: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            prepared: Mutex::new(HashSet::new()),
        });
        let listen = tokio::spawn(driver::listen(Arc::clone(&inner), listener));
        let work = tokio::spawn(driver::work(Arc::clone(&inner)));
        if let Ok(mut bg) = inner.background.lock() {
            bg.push(listen.abort_handle());
            bg.push(work.abort_handle());
        }
        Ok(Scheduler { inner })
    }

    /// Queues a run of `input` on `connection` for `cx.principal` (or attaches it to an identical
    /// execution) and returns its view.
    #[tracing::instrument(skip(self, input), fields(principal = %cx.principal.key()))]
    pub async fn submit(&self, cx: &RequestContext, connection: &str, input: StartQueryInput) -> Result<RunView, SourceError> {
        if self.inner.stopped.load(Ordering::Relaxed) {
            return Err(SourceError::new(
                ErrorKind::Unavailable,
                "ServiceUnavailable",
                "the scheduler is shutting down",
            ));
        }
        // An unknown or unusable connection answers now rather than failing in the queue.
        self.inner.sources.source(connection).await?;
        self.inner.prepare(connection).await.map_err(db_error)?;
        let norm = key::normalize(&input, time::OffsetDateTime::now_utc().unix_timestamp());
        let run_id = store::submit(&self.inner, cx, connection, &input, &norm).await?;
        self.run(run_id)
            .await?
            .ok_or_else(|| SourceError::internal("the run vanished after it was submitted"))
    }

    /// The run's current view; `None` for an unknown id.
    pub async fn run(&self, run_id: Uuid) -> Result<Option<RunView>, SourceError> {
        store::view(&self.inner.db, run_id).await
    }

    /// Waits until the run's view is newer than `seen_version` (woken by NOTIFY from any replica)
    /// or `timeout` passes, and returns the view then. `None` for an unknown id.
    pub async fn wait(&self, run_id: Uuid, seen_version: i64, timeout: Duration) -> Result<Option<RunView>, SourceError> {
        let mut rx = self.inner.events.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let Some(view) = self.run(run_id).await? else { return Ok(None) };
            if view.version > seen_version || tokio::time::Instant::now() >= deadline {
                return Ok(Some(view));
            }
            // A notification may be lost while the listener reconnects: look again now and then.
            let look_again = (tokio::time::Instant::now() + Duration::from_secs(2)).min(deadline);
            loop {
                tokio::select! {
                    ev = rx.recv() => match ev {
                        Ok(Event::Execution(id)) if id == view.execution_id => break,
                        Ok(Event::Connection(c)) if c == view.connection => break,
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => {
                            tokio::time::sleep_until(look_again).await;
                            break;
                        }
                    },
                    _ = tokio::time::sleep_until(look_again) => break,
                }
            }
        }
    }

    /// Detaches the run from its execution (only the run's own principal may). `Ok(true)` when it
    /// was detached now; `Ok(false)` when the id is unknown or the run had already ended.
    pub async fn cancel(&self, principal: &Principal, run_id: Uuid) -> Result<bool, SourceError> {
        store::cancel(&self.inner.db, principal, run_id).await
    }

    /// Stops this replica's background work at once. Leases are NOT released: the other replicas
    /// take the slots over when they expire, as after a crash.
    pub fn shutdown(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        let background = self
            .inner
            .background
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default();
        let driving = self.inner.driving.lock().map(|mut d| std::mem::take(&mut *d)).unwrap_or_default();
        for task in background {
            task.abort();
        }
        for (_, (_, task)) in driving {
            task.abort();
        }
    }

    /// This replica's configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.inner.config
    }
}

impl Inner {
    /// Creates the connection's queue row and slot rows once per process.
    async fn prepare(&self, connection: &str) -> Result<(), sqlx::Error> {
        if self.prepared.lock().is_ok_and(|p| p.contains(connection)) {
            return Ok(());
        }
        store::prepare(&self.db, connection, self.config.budget).await?;
        if let Ok(mut p) = self.prepared.lock() {
            p.insert(connection.to_string());
        }
        Ok(())
    }
}
