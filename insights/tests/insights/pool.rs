//! The async-facing pool: bounded concurrency, correct results through a hand-written executor,
//! refusal when full, and panics turned into errors instead of hangs. Std only: the crate must
//! not need tokio, so neither do its tests.
#![cfg(feature = "eval")]

use insights::eval::{run, run_chunks, EvalError, LogEvent, Pool, QueryFuture, QueryResult, RunOptions};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Wakes the thread blocked in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// The smallest executor: poll, park until woken, repeat.
fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // A spurious unpark only costs one more poll.
        std::thread::park();
    }
}

fn opts(threads: usize) -> RunOptions {
    RunOptions {
        now_ms: 0,
        threads,
        ..RunOptions::default()
    }
}

const QUERY: &str = "filter n % 3 != 0 | stats count(*) as c, sum(n) as s, latest(tag) as t";

fn event(query_no: usize, k: usize) -> LogEvent {
    LogEvent::new(1_000 * k as i64, format!(r#"{{"n":{k},"tag":"q{query_no}"}}"#))
}

fn expected(query_no: usize, len: usize) -> QueryResult {
    let q = insights::parse(QUERY).expect("parses");
    run(&q, (0..len).map(|k| event(query_no, k)), &opts(1)).expect("runs")
}

/// Counts how many query threads are pulling events at once (the test's own high-water mark,
/// independent of the pool's bookkeeping).
#[derive(Default)]
struct Probe {
    live: AtomicUsize,
    high: AtomicUsize,
}

#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while !*open {
            open = self.cv.wait(open).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
    fn open(&self) {
        *self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        self.cv.notify_all();
    }
}

/// The events of query `query_no`, counted live from the first pull until dropped (the query
/// thread drops them when the run ends, before it frees its permit).
struct Events {
    query_no: usize,
    next: usize,
    len: usize,
    entered: bool,
    gate: Option<Arc<Gate>>,
    probe: Arc<Probe>,
}

impl Iterator for Events {
    type Item = LogEvent;
    fn next(&mut self) -> Option<LogEvent> {
        if !self.entered {
            self.entered = true;
            let now = self.probe.live.fetch_add(1, Ordering::SeqCst) + 1;
            self.probe.high.fetch_max(now, Ordering::SeqCst);
            if let Some(g) = &self.gate {
                g.wait();
            }
        }
        (self.next < self.len).then(|| {
            self.next += 1;
            event(self.query_no, self.next - 1)
        })
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        if self.entered {
            self.probe.live.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn bounded_concurrency_and_correct_results() {
    const PERMITS: usize = 2;
    const QUERIES: usize = 8;
    let pool = Pool::new(PERMITS);
    let probe = Arc::new(Probe::default());
    let gate = Arc::new(Gate::default());
    let q = insights::parse(QUERY).expect("parses");
    let len = |i: usize| 200 + 37 * i;
    let events = |i: usize, gate: Option<Arc<Gate>>| Events {
        query_no: i,
        next: 0,
        len: len(i),
        entered: false,
        gate,
        probe: Arc::clone(&probe),
    };

    // Fill every permit with a query held at the gate; the next submission must be refused.
    let mut futures: Vec<(usize, QueryFuture)> = Vec::new();
    for i in 0..PERMITS {
        let f = pool
            .submit(q.clone(), events(i, Some(Arc::clone(&gate))), opts(1 + i % 2))
            .expect("a permit is free");
        futures.push((i, f));
    }
    wait_until("both held queries run", || probe.live.load(Ordering::SeqCst) == PERMITS);
    assert_eq!(pool.running(), PERMITS);
    assert!(matches!(pool.try_acquire(), Err(EvalError::Busy)));
    assert_eq!(pool.submit(q.clone(), events(99, None), opts(1)).err(), Some(EvalError::Busy));
    assert!(futures.iter().all(|(_, f)| !f.is_finished()));
    gate.open();

    // The rest: reserve a permit first (retrying while busy), only then build the events.
    for i in PERMITS..QUERIES {
        let permit = loop {
            match pool.try_acquire() {
                Ok(p) => break p,
                Err(EvalError::Busy) => std::thread::sleep(Duration::from_millis(1)),
                Err(e) => panic!("unexpected {e}"),
            }
        };
        assert!(pool.running() <= PERMITS);
        futures.push((i, permit.run(q.clone(), events(i, None), opts(1 + i % 2))));
    }

    for (i, f) in futures {
        let got = block_on(f).expect("query runs");
        assert_eq!(got, expected(i, len(i)), "query {i}");
        assert_eq!(got.rows[0][2], ("t".to_string(), format!("q{i}")));
    }
    assert_eq!(probe.high.load(Ordering::SeqCst), PERMITS, "never more than the permits at once");
    assert_eq!(probe.live.load(Ordering::SeqCst), 0);
    // Permits are freed before results are delivered.
    assert_eq!(pool.running(), 0);
}

#[test]
fn a_panicking_query_is_an_error_and_frees_its_permit() {
    let pool = Pool::new(1);
    let q = insights::parse("stats count(*) as c").expect("parses");
    let boom = (0..10).map(|k| {
        assert!(k < 3, "event source failed at {k}");
        event(0, k)
    });
    let err = block_on(pool.submit(q.clone(), boom, opts(2)).expect("free")).expect_err("panicked");
    let EvalError::Internal(msg) = &err else { panic!("{err:?}") };
    assert!(msg.contains("event source failed at 3"), "{msg}");
    assert_eq!(pool.running(), 0);

    // The pool still works afterwards.
    let ok = block_on(pool.submit(q, (0..5).map(|k| event(0, k)), opts(1)).expect("free")).expect("runs");
    assert_eq!(ok.rows, vec![vec![("c".to_string(), "5".to_string())]]);
}

#[test]
fn a_dropped_future_stops_its_query_and_frees_the_permit() {
    let pool = Pool::new(1);
    let q = insights::parse("stats count(*) as c").expect("parses");
    // Endless input: only dropping the future can end this query.
    let endless = (0..).map(|k| event(0, k % 100));
    drop(pool.submit(q, endless, opts(1)).expect("free"));
    wait_until("the abandoned query ends", || pool.running() == 0);
}

#[test]
fn a_panicking_worker_is_not_swallowed() {
    // With several workers, a panic in one of them must not turn into a partial result.
    let q = insights::parse("stats count(*) as c").expect("parses");
    let outcome = std::panic::catch_unwind(|| {
        run_chunks(
            &q,
            0..8u32,
            |chunk: &u32, emit: &mut dyn FnMut(insights::eval::EventRef<'_>)| {
                assert!(*chunk != 5, "decoder failed");
                emit(event(0, *chunk as usize).as_ref());
            },
            &opts(2),
        )
    });
    assert!(outcome.is_err());
}
