//! Running queries from async code without blocking the async runtime, and without letting a
//! burst of users start an unbounded number of threads.
//!
//! [`run`] blocks its caller until the query is done and spawns `opts.threads` scoped workers.
//! Called from an async task it would stall the executor thread; called from one new thread per
//! request it would let any burst exhaust the machine. [`Pool`] bounds the number of queries in
//! flight with permits and runs each admitted query on its own dedicated thread, handing back a
//! [`QueryFuture`] that any executor can await.
//!
//! This module is runtime-agnostic on purpose (std only: `std::thread`, `std::sync`,
//! `std::task`): it must never depend on tokio or another executor, and must never block the
//! thread that polls a [`QueryFuture`]. It refuses instead of queueing, so memory stays bounded
//! too: a refused query has not had its events loaded yet if the caller used [`Pool::try_acquire`]
//! first.

use super::engine::{EvalError, QueryResult, RunOptions};
use super::event::LogEvent;
use super::run::run;
use crate::ast::Query;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// A bounded set of query slots: at most [`Pool::permits`] queries run at once, each on its own
/// thread. Cloning shares the slots.
///
/// When every permit is taken, [`Pool::try_acquire`] and [`Pool::submit`] fail at once with
/// [`EvalError::Busy`] instead of waiting: an async server should answer "503, retry later"
/// rather than pile up requests. Each running query also starts its own `opts.threads`
/// workers, so the threads in use stay under `permits × (1 + opts.threads)`; a server running
/// many small queries is better served by `threads: 1` and more permits.
///
/// ```
/// use insights::eval::{EvalError, LogEvent, Pool, QueryResult, RunOptions};
/// use insights::Query;
///
/// // In an async handler (any executor): check capacity first, then load the events, then await.
/// async fn handle(pool: &Pool, query: Query) -> Result<QueryResult, EvalError> {
///     let permit = pool.try_acquire()?; // EvalError::Busy: answer 503
///     let events = vec![LogEvent::new(0, r#"{"level":"error"}"#)]; // e.g. read from storage
///     let opts = RunOptions { threads: 1, ..RunOptions::default() };
///     permit.run(query, events, opts).await
/// }
///
/// let pool = Pool::new(4);
/// assert_eq!((pool.permits(), pool.running()), (4, 0));
/// # let _ = handle(&pool, insights::parse("stats count(*)").unwrap());
/// ```
#[derive(Debug, Clone)]
pub struct Pool {
    gauge: Arc<Gauge>,
}

#[derive(Debug)]
struct Gauge {
    permits: usize,
    running: AtomicUsize,
}

impl Pool {
    /// A pool admitting `permits` queries at once (at least 1).
    #[must_use]
    pub fn new(permits: usize) -> Self {
        Pool {
            gauge: Arc::new(Gauge {
                permits: permits.max(1),
                running: AtomicUsize::new(0),
            }),
        }
    }

    /// How many queries may run at once.
    #[must_use]
    pub fn permits(&self) -> usize {
        self.gauge.permits
    }

    /// How many permits are taken right now (a gauge for metrics; never above [`Pool::permits`]).
    #[must_use]
    pub fn running(&self) -> usize {
        self.gauge.running.load(Ordering::Acquire)
    }

    /// Reserves a slot without starting anything, so a caller can refuse a request before it
    /// loads any events. Fails with [`EvalError::Busy`] when every permit is taken.
    pub fn try_acquire(&self) -> Result<Permit, EvalError> {
        let mut current = self.gauge.running.load(Ordering::Relaxed);
        loop {
            if current >= self.gauge.permits {
                return Err(EvalError::Busy);
            }
            // A compare-and-swap rather than add-then-check, so `running` never overshoots.
            match self
                .gauge
                .running
                .compare_exchange_weak(current, current + 1, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    return Ok(Permit {
                        gauge: Arc::clone(&self.gauge),
                    })
                }
                Err(now) => current = now,
            }
        }
    }

    /// [`Pool::try_acquire`] then [`Permit::run`]. On [`EvalError::Busy`] the query and events
    /// are dropped; use the two steps to avoid building them for nothing.
    pub fn submit<I>(&self, query: Query, events: I, opts: RunOptions) -> Result<QueryFuture, EvalError>
    where
        I: IntoIterator<Item = LogEvent>,
        I::IntoIter: Send + 'static,
    {
        Ok(self.try_acquire()?.run(query, events, opts))
    }
}

impl Default for Pool {
    /// One permit per available core.
    fn default() -> Self {
        Pool::new(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
    }
}

/// One reserved query slot of a [`Pool`]; dropping it (or the query it ran ending) frees it.
#[derive(Debug)]
#[must_use = "a permit holds a query slot until it is dropped"]
pub struct Permit {
    gauge: Arc<Gauge>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gauge.running.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Permit {
    /// Runs `query` over `events` on a new thread holding this permit, like [`run`].
    ///
    /// The events are pulled on that thread, so a lazy iterator (reading a file, a database
    /// cursor) does its blocking work there too. A panic on that thread (or in the engine's
    /// workers) completes the future with [`EvalError::Internal`]; the permit is freed in every
    /// case. Dropping the future stops feeding events, so an abandoned query ends early.
    pub fn run<I>(self, query: Query, events: I, opts: RunOptions) -> QueryFuture
    where
        I: IntoIterator<Item = LogEvent>,
        I::IntoIter: Send + 'static,
    {
        let slot = Arc::new(Slot {
            state: Mutex::new(State::Waiting(None)),
            abandoned: AtomicBool::new(false),
        });
        let sender = Sender { slot: Arc::clone(&slot) };
        let events = events.into_iter();
        let job = move || {
            let permit = self;
            let watch = Arc::clone(&sender.slot);
            let events = events.take_while(move |_| !watch.abandoned.load(Ordering::Relaxed));
            let outcome = catch_unwind(AssertUnwindSafe(|| run(&query, events, &opts)))
                .unwrap_or_else(|payload| Err(EvalError::Internal(panic_message(payload.as_ref()))));
            // Free the slot before waking the caller, so it can submit again right away.
            drop(permit);
            sender.send(outcome);
        };
        if let Err(e) = std::thread::Builder::new().name("insights-query".into()).spawn(job) {
            // The job (permit and sender) was dropped unrun; say why instead of the generic text.
            *slot.lock() = State::Done(Err(EvalError::Internal(format!("could not start a query thread: {e}"))));
        }
        QueryFuture { slot }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("the query panicked: {text}")
}

/// A one-shot channel from the query thread to the future.
#[derive(Debug)]
struct Slot {
    state: Mutex<State>,
    /// Set when the future is dropped: the query thread stops reading events.
    abandoned: AtomicBool,
}

#[derive(Debug)]
enum State {
    Waiting(Option<Waker>),
    Done(Result<QueryResult, EvalError>),
    Taken,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock, but a poisoned slot must still deliver.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The query thread's end of the [`Slot`]. Dropped without sending (which `catch_unwind` should
/// prevent), it still completes the future with an error, so a caller can never hang.
struct Sender {
    slot: Arc<Slot>,
}

impl Sender {
    fn send(self, result: Result<QueryResult, EvalError>) {
        self.complete(Some(result));
    }

    fn complete(&self, result: Option<Result<QueryResult, EvalError>>) {
        let mut state = self.slot.lock();
        let State::Waiting(waker) = &mut *state else { return };
        let waker = waker.take();
        *state = State::Done(result.unwrap_or_else(|| Err(EvalError::Internal("the query thread ended without a result".into()))));
        // Wake outside the lock: a waker may run the executor inline and poll right away.
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.complete(None);
    }
}

/// The result of a query running in a [`Pool`]: a [`Future`] for any executor. Polling never
/// blocks. Dropping it lets the query stop early; its permit is freed when the thread ends.
#[derive(Debug)]
#[must_use = "a query's result is only delivered when the future is awaited"]
pub struct QueryFuture {
    slot: Arc<Slot>,
}

impl QueryFuture {
    /// True once the result is ready (awaiting will not wait).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        !matches!(*self.slot.lock(), State::Waiting(_))
    }
}

impl Future for QueryFuture {
    type Output = Result<QueryResult, EvalError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.lock();
        match std::mem::replace(&mut *state, State::Taken) {
            State::Done(result) => Poll::Ready(result),
            State::Waiting(waker) => {
                let waker = match waker {
                    Some(w) if w.will_wake(cx.waker()) => w,
                    _ => cx.waker().clone(),
                };
                *state = State::Waiting(Some(waker));
                Poll::Pending
            }
            // Polling a finished future is a caller bug; an error beats a panic in a server.
            State::Taken => Poll::Ready(Err(EvalError::Internal("the query's result was already taken".into()))),
        }
    }
}

impl Drop for QueryFuture {
    fn drop(&mut self) {
        self.slot.abandoned.store(true, Ordering::Relaxed);
    }
}
