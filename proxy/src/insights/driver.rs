//! The scheduler's background work: the listener, the worker loop (leases, take-overs, giving
//! slots to the queue), and one task per execution this replica holds a slot for, which is the
//! only place upstream is called.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use cloudwatch::logs::{GetQueryResultsOutput, QueryIdInput, QueryStatus, StartQueryInput};
use cloudwatch::{CallContext, ErrorKind, Source, SourceError};
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::key::full_jitter;
use super::{store, Event, Inner};
use crate::usage::UsageEvent;
use crate::Principal;

/// Retries of StartQuery start at this pause and grow to [`START_RETRY_CAP`].
const START_RETRY_BASE: Duration = Duration::from_millis(250);
const START_RETRY_CAP: Duration = Duration::from_secs(8);
/// StartQuery again at most this many times when the upstream forgets a query (a crash, an
/// eviction), then fail.
const MAX_RESTARTS: i32 = 3;

/// Fans the channel's notifications out to this process.
pub(super) async fn listen(inner: Arc<Inner>, mut listener: PgListener) {
    loop {
        match listener.recv().await {
            Ok(n) => {
                if let Some(ev) = Event::parse(n.payload()) {
                    let _ = inner.events.send(ev);
                }
            }
            Err(e) => {
                // PgListener reconnects on the next recv; notifications in between are lost, which
                // the periodic passes and waits' re-reads cover.
                tracing::warn!(error = %e, "insights: listener error");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The worker loop: on every connection event and every `renew_every`.
pub(super) async fn work(inner: Arc<Inner>) {
    let mut rx = inner.events.subscribe();
    let mut tick = tokio::time::interval(inner.config.renew_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let renew = tokio::select! {
            _ = tick.tick() => true,
            ev = rx.recv() => match ev {
                Ok(Event::Connection(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    // One pass answers a burst.
                    while rx.try_recv().is_ok() {}
                    false
                }
                Ok(Event::Execution(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
        if renew {
            match store::renew(&inner).await {
                Ok(held) => {
                    for exec in held {
                        spawn_drive(&inner, exec);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "insights: could not renew leases"),
            }
        }
        if let Err(e) = pass(&inner).await {
            tracing::warn!(error = %e, "insights: scheduling pass failed");
        }
    }
}

/// Takes over expired slots, then starts queued executions while slots are free.
async fn pass(inner: &Arc<Inner>) -> Result<(), sqlx::Error> {
    for connection in store::connections_with_work(&inner.db).await? {
        inner.prepare(&connection).await?;
        while let Some(exec) = store::take_over(inner, &connection).await? {
            spawn_drive(inner, exec);
        }
        while let Some(exec) = store::start_next(inner, &connection).await? {
            spawn_drive(inner, exec);
        }
    }
    Ok(())
}

/// Removes a finished (or aborted) drive task from the map, unless a newer one replaced it.
struct Driving {
    inner: Arc<Inner>,
    exec: Uuid,
    generation: u64,
}

impl Drop for Driving {
    fn drop(&mut self) {
        if let Ok(mut d) = self.inner.driving.lock() {
            if d.get(&self.exec).is_some_and(|(g, _)| *g == self.generation) {
                d.remove(&self.exec);
            }
        }
    }
}

/// Starts the task that drives `exec`, unless one is alive.
fn spawn_drive(inner: &Arc<Inner>, exec: Uuid) {
    if inner.stopped.load(Ordering::SeqCst) {
        return;
    }
    let Ok(mut driving) = inner.driving.lock() else { return };
    if driving.get(&exec).is_some_and(|(_, t)| !t.is_finished()) {
        return;
    }
    let generation = inner.generation.fetch_add(1, Ordering::Relaxed);
    let guard = Driving {
        inner: Arc::clone(inner),
        exec,
        generation,
    };
    let task = tokio::spawn(async move {
        let inner = Arc::clone(&guard.inner);
        if let Err(e) = drive(&inner, exec).await {
            tracing::warn!(execution = %exec, error = %e, "insights: driving an execution failed; the lease loop retries");
        }
        drop(guard);
    });
    driving.insert(exec, (generation, task.abort_handle()));
}

/// How a phase of driving ended.
enum Phase {
    /// Nothing more to do here (finished, stopped, or the slot is someone else's).
    Done,
    /// The upstream query is known by this id.
    Started(String),
    /// The upstream no longer knows the query: start it again.
    Lost,
}

struct Exec<'a> {
    inner: &'a Inner,
    id: Uuid,
    connection: String,
    input: StartQueryInput,
    cx: CallContext,
    principal_key: String,
    source: Arc<dyn Source>,
    events: broadcast::Receiver<Event>,
}

fn retryable(e: &SourceError) -> bool {
    e.kind.is_transient() || e.kind == ErrorKind::LimitExceeded
}

async fn drive(inner: &Arc<Inner>, id: Uuid) -> Result<(), sqlx::Error> {
    let events = inner.events.subscribe();
    let Some(held) = store::held(inner, id).await? else { return Ok(()) };
    if held.state != "running" {
        // Stopped by an owner that crashed before it sent StopQuery and freed the slot.
        if let (Some(qid), Ok(source)) = (held.query_id.as_deref(), inner.sources.source(&held.connection).await) {
            let x = Exec {
                inner,
                id,
                connection: held.connection.clone(),
                input: StartQueryInput::default(),
                cx: CallContext::system(),
                principal_key: held.principal_key.clone(),
                source,
                events,
            };
            x.stop(qid).await;
        }
        store::release(inner, id, &held.connection).await?;
        return Ok(());
    }
    let input: StartQueryInput = match serde_json::from_value(held.input) {
        Ok(i) => i,
        Err(e) => {
            let err = SourceError::internal(format!("stored query input is unreadable: {e}"));
            store::finish(inner, id, &held.connection, "failed", None, Some(&err)).await?;
            return Ok(());
        }
    };
    let principal: Principal = serde_json::from_value(held.principal).unwrap_or(Principal::System);
    let mut attempt = 0;
    let source = loop {
        match inner.sources.source(&held.connection).await {
            Ok(s) => break s,
            Err(e) if retryable(&e) => {
                tokio::time::sleep(full_jitter(attempt, START_RETRY_BASE, START_RETRY_CAP)).await;
                attempt += 1;
            }
            Err(e) => {
                store::finish(inner, id, &held.connection, "failed", None, Some(&e)).await?;
                return Ok(());
            }
        }
    };
    let mut x = Exec {
        inner,
        id,
        connection: held.connection,
        input,
        cx: principal.call_context(),
        principal_key: held.principal_key,
        source,
        events,
    };
    let mut query_id = held.query_id;
    let mut restarts = held.restarts;
    let mut first_start = !held.started_before;
    loop {
        let qid = match query_id.take() {
            Some(q) => q,
            None => match x.start(restarts, first_start).await? {
                Phase::Started(q) => q,
                Phase::Done | Phase::Lost => return Ok(()),
            },
        };
        first_start = false;
        match x.poll(&qid).await? {
            Phase::Done | Phase::Started(_) => return Ok(()),
            Phase::Lost => {
                restarts += 1;
                if restarts > MAX_RESTARTS {
                    let err = SourceError::internal("the query was lost upstream too many times");
                    store::finish(inner, id, &x.connection, "failed", None, Some(&err)).await?;
                    return Ok(());
                }
                if !store::forget_query(inner, id).await? {
                    return Ok(());
                }
                tracing::info!(execution = %id, restarts, "insights: upstream query lost; starting it again");
            }
        }
    }
}

impl Exec<'_> {
    fn record(&self, api: &'static str, calls: u64, throttles: u64, queue_wait_ms: u64, bytes: f64) {
        self.inner.usage.record(UsageEvent {
            connection: self.connection.clone(),
            api,
            principal: Some(self.principal_key.clone()),
            calls,
            throttles,
            queue_wait_ms,
            bytes_scanned: bytes,
            ..Default::default()
        });
    }

    /// Sleeps for `d`, waking early when this execution is notified (a cancel).
    async fn pause(&mut self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => return,
                ev = self.events.recv() => match ev {
                    Ok(Event::Execution(e)) if e == self.id => return,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep_until(until).await;
                        return;
                    }
                },
            }
        }
    }

    /// Whether to go on: `Some(true)` yes; `Some(false)` nobody wants it any more and it was
    /// cancelled here (send StopQuery if it was started); `None` the slot is not ours.
    async fn still_wanted(&self) -> Result<Option<bool>, sqlx::Error> {
        let (owned, wanted) = store::owned_and_wanted(self.inner, self.id).await?;
        if !owned {
            return Ok(None);
        }
        if wanted {
            return Ok(Some(true));
        }
        Ok(store::stop_unwanted(self.inner, self.id).await?.map(|stopped| !stopped))
    }

    async fn start(&mut self, restarts: i32, first: bool) -> Result<Phase, sqlx::Error> {
        let mut attempt = 0;
        loop {
            match self.still_wanted().await? {
                Some(true) => {}
                None => return Ok(Phase::Done),
                Some(false) => {
                    // Nothing was started upstream: only the slot to give back.
                    store::release(self.inner, self.id, &self.connection).await?;
                    return Ok(Phase::Done);
                }
            }
            if let Err(e) = self.inner.limits.acquire(&*self.source, &self.connection, "StartQuery").await {
                tracing::debug!(execution = %self.id, error = %e, "insights: StartQuery not allowed yet");
                self.pause(full_jitter(attempt, START_RETRY_BASE, START_RETRY_CAP)).await;
                attempt += 1;
                continue;
            }
            match self.source.start_query(&self.cx, self.input.clone()).await {
                Ok(out) => {
                    let Some(wait_ms) = store::started(self.inner, self.id, &out.query_id, restarts).await? else {
                        // The slot went to another replica meanwhile: leave the query to it.
                        return Ok(Phase::Done);
                    };
                    let wait = if first { wait_ms.max(0.0) as u64 } else { 0 };
                    self.record("StartQuery", 1, 0, wait, 0.0);
                    return Ok(Phase::Started(out.query_id));
                }
                Err(e) if retryable(&e) => {
                    self.record("StartQuery", 1, 1, 0, 0.0);
                    tracing::debug!(execution = %self.id, error = %e, attempt, "insights: StartQuery refused; retrying");
                    self.pause(full_jitter(attempt, START_RETRY_BASE, START_RETRY_CAP)).await;
                    attempt += 1;
                }
                Err(e) => {
                    self.record("StartQuery", 1, 0, 0, 0.0);
                    store::finish(self.inner, self.id, &self.connection, "failed", None, Some(&e)).await?;
                    return Ok(Phase::Done);
                }
            }
        }
    }

    async fn poll(&mut self, query_id: &str) -> Result<Phase, sqlx::Error> {
        let (min, max) = (
            self.inner.config.poll_min,
            self.inner.config.poll_max.max(self.inner.config.poll_min),
        );
        let mut delay = min;
        let mut last: Option<GetQueryResultsOutput> = None;
        loop {
            self.pause(delay).await;
            delay = (delay * 2).min(max);
            match self.still_wanted().await? {
                Some(true) => {}
                None => return Ok(Phase::Done),
                Some(false) => {
                    self.stop(query_id).await;
                    store::release(self.inner, self.id, &self.connection).await?;
                    return Ok(Phase::Done);
                }
            }
            if let Err(e) = self.inner.limits.acquire(&*self.source, &self.connection, "GetQueryResults").await {
                tracing::debug!(execution = %self.id, error = %e, "insights: GetQueryResults not allowed yet");
                continue;
            }
            let qid = QueryIdInput {
                query_id: query_id.to_string(),
            };
            match self.source.get_query_results(&self.cx, qid).await {
                Ok(out) if out.status.is_final() => {
                    self.record("GetQueryResults", 1, 0, 0, 0.0);
                    // Bytes scanned are known now: charge them to the StartQuery.
                    self.record("StartQuery", 0, 0, 0, out.statistics.bytes_scanned);
                    let (state, error) = final_state(&out);
                    store::finish(self.inner, self.id, &self.connection, state, Some(&out), error.as_ref()).await?;
                    return Ok(Phase::Done);
                }
                Ok(out) => {
                    self.record("GetQueryResults", 1, 0, 0, 0.0);
                    if last.as_ref() != Some(&out) {
                        if !store::partial(self.inner, self.id, &out).await? {
                            return Ok(Phase::Done);
                        }
                        last = Some(out);
                    }
                }
                Err(e) if e.kind == ErrorKind::NotFound => {
                    self.record("GetQueryResults", 1, 0, 0, 0.0);
                    return Ok(Phase::Lost);
                }
                Err(e) if retryable(&e) => {
                    self.record("GetQueryResults", 1, 1, 0, 0.0);
                    delay = max;
                }
                Err(e) => {
                    self.record("GetQueryResults", 1, 0, 0, 0.0);
                    store::finish(self.inner, self.id, &self.connection, "failed", None, Some(&e)).await?;
                    return Ok(Phase::Done);
                }
            }
        }
    }

    /// StopQuery for an execution already marked cancelled; failures are only logged (the
    /// upstream ends it at its own timeout at worst).
    async fn stop(&self, query_id: &str) {
        for attempt in 0..3 {
            if self
                .inner
                .limits
                .acquire(&*self.source, &self.connection, "StopQuery")
                .await
                .is_ok()
            {
                let qid = QueryIdInput {
                    query_id: query_id.to_string(),
                };
                match self.source.stop_query(&self.cx, qid).await {
                    Ok(_) => {
                        self.record("StopQuery", 1, 0, 0, 0.0);
                        return;
                    }
                    Err(e) if retryable(&e) => self.record("StopQuery", 1, 1, 0, 0.0),
                    Err(e) => {
                        self.record("StopQuery", 1, 0, 0, 0.0);
                        tracing::debug!(execution = %self.id, error = %e, "insights: StopQuery refused");
                        return;
                    }
                }
            }
            tokio::time::sleep(full_jitter(attempt, START_RETRY_BASE, START_RETRY_CAP)).await;
        }
        tracing::warn!(execution = %self.id, "insights: StopQuery kept failing; the query runs to its end upstream");
    }
}

/// The execution's final state for an upstream final status, and an error to show for failures.
fn final_state(out: &GetQueryResultsOutput) -> (&'static str, Option<SourceError>) {
    match out.status {
        QueryStatus::Complete => ("complete", None),
        QueryStatus::Cancelled => ("cancelled", None),
        QueryStatus::Timeout => (
            "timeout",
            Some(SourceError::new(
                ErrorKind::LimitExceeded,
                "QueryTimeout",
                "The query ran longer than CloudWatch Logs allows (60 minutes) and timed out.",
            )),
        ),
        _ => {
            let detail = out
                .results
                .first()
                .and_then(|row| row.iter().find(|f| f.field == "@error"))
                .map(|f| f.value.clone())
                .unwrap_or_else(|| "The query failed in CloudWatch Logs.".to_string());
            ("failed", Some(SourceError::new(ErrorKind::Internal, "QueryFailed", detail)))
        }
    }
}
