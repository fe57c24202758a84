//! Execution: feeds events through a [`Plan`] on worker threads, merges the workers' sinks,
//! runs the commands after the sink and renders the result.
//!
//! `run_chunks` blocks the calling thread until the query is done and spawns `opts.threads`
//! scoped workers; async callers go through [`super::Pool`] instead. Nothing here may fail for
//! a query that compiled: malformed input only leaves fields missing.

use super::compile::compile;
use super::discover;
use super::engine::{EvalError, QueryResult, QueryStats, RunOptions};
use super::event::{EventRef, LogEvent};
use super::flatten::{extract, FxMap};
use super::pattern::{earlier_range, to_rows, Patterns};
use super::plan::{EventField, Op, PatternSpec, Plan, Row, SinkSpec, Stage};
use super::sink::{cmp_keys, encode_key, SinkState, StatsState, TopK};
use super::value::Value;
use crate::ast::Query;
use std::borrow::Cow;
use std::sync::{mpsc, Arc, Mutex};

struct Worker<'p> {
    plan: &'p Plan,
    account: Option<&'p str>,
    now: i64,
    start: Option<i64>,
    end: Option<i64>,
    /// `[start, end)` of the earlier period of a `diff`.
    baseline: Option<(i64, i64)>,
    /// True while the current event belongs to that earlier period.
    previous: bool,
    sink: SinkState,
    stats: QueryStats,
}

impl<'p> Worker<'p> {
    fn new(plan: &'p Plan, opts: &'p RunOptions) -> Self {
        let sink = match &plan.sink {
            SinkSpec::Stats(_) => SinkState::Stats(StatsState::new()),
            SinkSpec::TopK { k, .. } => SinkState::TopK(TopK { k: *k, heap: Vec::new() }),
            SinkSpec::Dedup { .. } => SinkState::Dedup(FxMap::default(), Vec::new()),
            SinkSpec::Pattern(_) => SinkState::Pattern(Patterns::new()),
        };
        // `diff`: events of the earlier period are read too, and counted apart.
        let baseline = match (&plan.sink, opts.start, opts.end) {
            (SinkSpec::Pattern(PatternSpec { diff: Some(p), .. }), Some(s), Some(e)) => Some(earlier_range(*p, s, e)),
            _ => None,
        };
        Worker {
            plan,
            account: opts.account_id.as_deref(),
            now: opts.now_ms,
            start: opts.start.map(|s| s.saturating_sub(plan.time_shift_ms)),
            end: opts.end.map(|e| e.saturating_sub(plan.time_shift_ms)),
            baseline,
            previous: false,
            sink,
            stats: QueryStats::default(),
        }
    }

    fn event(&mut self, ev: EventRef<'_>, seq: u64) {
        if let Some((s, e)) = self.baseline {
            // An event in both periods (`diff previousDay` over more than a day) counts in each.
            if ev.timestamp >= s && ev.timestamp < e {
                self.previous = true;
                self.event_in_range(ev, seq);
                self.previous = false;
            }
        }
        if self.start.is_some_and(|s| ev.timestamp < s) || self.end.is_some_and(|e| ev.timestamp >= e) {
            return;
        }
        self.event_in_range(ev, seq);
    }

    fn event_in_range(&mut self, ev: EventRef<'_>, seq: u64) {
        self.stats.records_scanned += 1;
        self.stats.bytes_scanned += ev.message.len() as u64;
        let plan = self.plan;
        let mut rec: Vec<Value<'_>> = vec![Value::Null; plan.seg0_len];
        for (slot, f) in &plan.event_slots {
            rec[*slot] = match f {
                EventField::Timestamp => Value::Time(ev.timestamp),
                EventField::Message => Value::str(ev.message),
                EventField::LogStream if ev.log_stream.is_empty() => Value::Null,
                EventField::LogStream => Value::str(ev.log_stream),
                EventField::Log if ev.log_group.is_empty() => Value::Null,
                EventField::Log => match self.account {
                    Some(a) if !ev.log_group.contains(':') => Value::Str(Cow::Owned(format!("{a}:{}", ev.log_group))),
                    _ => Value::str(ev.log_group),
                },
                EventField::Ptr => Value::Str(Cow::Owned(format!("{:016x}", seq))),
                EventField::IngestionTime => ev.ingestion_time.map_or(Value::Null, Value::Time),
            };
        }
        extract(ev.message, &plan.paths, &mut rec);
        if !plan.discovered.is_empty() {
            discover::fill(ev.message, &plan.discovered, &mut rec);
        }
        self.process(rec, 0, seq);
    }

    /// Runs stream ops from `from` on, expanding `unnest` into one record per element.
    fn process(&mut self, mut rec: Vec<Value<'_>>, from: usize, seq: u64) {
        let plan = self.plan;
        for (i, op) in plan.stream.iter().enumerate().skip(from) {
            if let Some(items) = op.fan_out(&rec, self.now) {
                for item in items {
                    let mut copy = rec.clone();
                    for (slot, v) in item {
                        copy[slot] = v;
                    }
                    self.process(copy, i + 1, seq);
                }
                return;
            }
            if !op.apply(&mut rec, self.now) {
                return;
            }
        }
        self.sink(rec, seq);
    }

    fn sink(&mut self, rec: Vec<Value<'_>>, seq: u64) {
        let plan = self.plan;
        self.stats.records_matched += 1;
        let now = self.now;
        match (&mut self.sink, &plan.sink) {
            (SinkState::Stats(st), SinkSpec::Stats(spec)) => st.add(spec, &rec, now),
            (SinkState::TopK(top), SinkSpec::TopK { sort, .. }) => {
                let keys: Vec<Value<'_>> = sort.keys.iter().map(|(e, _)| e.eval(&rec, now)).collect();
                if top.would_accept(sort, &keys, seq) {
                    let keys: Row = keys.into_iter().map(Value::into_owned).collect();
                    let row: Row = rec.into_iter().map(Value::into_owned).collect();
                    top.push(sort, (keys, seq, row));
                }
            }
            (SinkState::Dedup(map, buf), SinkSpec::Dedup { slots, ts_slot }) => {
                buf.clear();
                if slots.iter().any(|s| rec[*s].is_null()) {
                    // "Log events with null values for any of the specified fields are retained"
                    // (CWL_QuerySyntax-Dedup): a key of its own (tag 5, never a value's tag).
                    buf.push(5);
                    buf.extend_from_slice(&seq.to_le_bytes());
                } else {
                    for s in slots {
                        encode_key(buf, &rec[*s]);
                    }
                }
                let ts = rec[*ts_slot].as_millis().unwrap_or(i64::MIN);
                let better = |cur: &(i64, u64, Row)| ts > cur.0 || (ts == cur.0 && seq < cur.1);
                match map.get_mut(buf.as_slice()) {
                    Some(cur) => {
                        if better(cur) {
                            *cur = (ts, seq, rec.into_iter().map(Value::into_owned).collect());
                        }
                    }
                    None => {
                        map.insert(
                            buf.clone().into_boxed_slice(),
                            (ts, seq, rec.into_iter().map(Value::into_owned).collect()),
                        );
                    }
                }
            }
            (SinkState::Pattern(p), SinkSpec::Pattern(spec)) => {
                if let Some(text) = spec.text.eval(&rec, now).as_text() {
                    p.add(&text, seq, self.previous);
                }
            }
            _ => {}
        }
    }

    fn merge(&mut self, other: Worker<'p>) {
        self.stats.records_scanned += other.stats.records_scanned;
        self.stats.records_matched += other.stats.records_matched;
        self.stats.bytes_scanned += other.stats.bytes_scanned;
        match (&mut self.sink, other.sink, &self.plan.sink) {
            (SinkState::Stats(a), SinkState::Stats(b), SinkSpec::Stats(spec)) => a.merge(spec, b),
            (SinkState::TopK(a), SinkState::TopK(b), SinkSpec::TopK { sort, .. }) => {
                for item in b.heap {
                    if a.would_accept(sort, &item.0, item.1) {
                        a.push(sort, item);
                    }
                }
            }
            (SinkState::Dedup(a, _), SinkState::Dedup(b, _), _) => {
                for (k, v) in b {
                    match a.get_mut(&k) {
                        Some(cur) => {
                            if v.0 > cur.0 || (v.0 == cur.0 && v.1 < cur.1) {
                                *cur = v;
                            }
                        }
                        None => {
                            a.insert(k, v);
                        }
                    }
                }
            }
            (SinkState::Pattern(a), SinkState::Pattern(b), _) => a.merge(b),
            _ => {}
        }
    }

    fn finish(self) -> (Vec<Row>, QueryStats) {
        let plan = self.plan;
        let rows = match (self.sink, &plan.sink) {
            (SinkState::Stats(st), SinkSpec::Stats(spec)) => st.finish(spec, plan.seg_lens[spec.out_segment], self.now),
            (SinkState::TopK(top), SinkSpec::TopK { sort, .. }) => top.into_sorted(sort),
            (SinkState::Dedup(map, _), _) => {
                let mut v: Vec<(i64, u64, Row)> = map.into_values().collect();
                v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                v.into_iter().map(|(_, _, r)| r).collect()
            }
            (SinkState::Pattern(p), SinkSpec::Pattern(spec)) => to_rows(p.finish(), spec.diff.is_some(), plan.seg_lens[spec.out_segment]),
            _ => Vec::new(),
        };
        (rows, self.stats)
    }
}

fn run_rest(plan: &Plan, mut rows: Vec<Row>, now: i64) -> Vec<Row> {
    for stage in &plan.rest {
        match stage {
            Stage::Op(op @ (Op::Unnest { .. } | Op::RegexMulti { .. })) => {
                rows = rows
                    .into_iter()
                    .flat_map(|r| {
                        op.fan_out(&r, now)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|item| {
                                let mut copy = r.clone();
                                for (slot, v) in item {
                                    copy[slot] = v;
                                }
                                copy
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
            }
            Stage::Op(op) => rows.retain_mut(|r| op.apply(r, now)),
            Stage::Limit(n) => rows.truncate(*n),
            Stage::Sort(sort) => {
                let mut keyed: Vec<(Row, Row)> = rows
                    .into_iter()
                    .map(|r| {
                        let k: Row = sort.keys.iter().map(|(e, _)| e.eval(&r, now).into_owned()).collect();
                        (k, r)
                    })
                    .collect();
                keyed.sort_by(|a, b| cmp_keys(sort, &a.0, &b.0));
                rows = keyed.into_iter().map(|(_, r)| r).collect();
            }
            Stage::Dedup(slots) => {
                let mut seen = std::collections::HashSet::new();
                rows.retain(|r| {
                    let key: Vec<&Value<'_>> = slots.iter().map(|s| r.get(*s).unwrap_or(&Value::Null)).collect();
                    if key.iter().any(|v| v.is_null()) {
                        return true; // nulls are never duplicates (CWL_QuerySyntax-Dedup)
                    }
                    let mut buf = Vec::new();
                    for v in key {
                        encode_key(&mut buf, v);
                    }
                    seen.insert(buf)
                });
            }
            Stage::Pattern(spec) => {
                let mut p = Patterns::new();
                for (i, r) in rows.iter().enumerate() {
                    if let Some(text) = spec.text.eval(r, now).as_text() {
                        p.add(&text, i as u64, false);
                    }
                }
                rows = to_rows(p.finish(), false, plan.seg_lens[spec.out_segment]);
            }
            Stage::Stats(spec) => {
                let mut st = StatsState::new();
                for r in &rows {
                    st.add(spec, r, now);
                }
                rows = st.finish(spec, plan.seg_lens[spec.out_segment], now);
            }
        }
    }
    rows.truncate(plan.max_rows);
    rows
}

fn render(plan: &Plan, rows: Vec<Row>, stats: QueryStats) -> QueryResult {
    let out = rows
        .into_iter()
        .map(|r| {
            plan.output
                .iter()
                .filter_map(|(name, slot)| slot.and_then(|s| r.get(s)).and_then(Value::display).map(|v| (name.clone(), v)))
                .collect()
        })
        .collect();
    let mut rows: Vec<Vec<(String, String)>> = out;
    let columns: Vec<String> = plan.output.iter().map(|(n, _)| n.clone()).collect();
    if let Some(t) = &plan.totals {
        add_totals(t, &columns, &mut rows);
    }
    QueryResult { columns, rows, stats }
}

/// CWL_QuerySyntax-Addtotals: a row-total column summing each row's numeric values (of the
/// listed fields, or of every field), and with `col=true` a summary row at the bottom with the
/// sum of each summed column (and of the row totals). Text that does not read as a number is
/// skipped; a row or column with no number gets no total.
fn add_totals(t: &crate::ast::AddTotals, columns: &[String], rows: &mut Vec<Vec<(String, String)>>) {
    use super::value::{format_num, parse_num};
    let summed = |name: &str| {
        if t.fields.is_empty() {
            name != t.fieldname
        } else {
            t.fields.iter().any(|f| f == name)
        }
    };
    if t.row {
        for row in rows.iter_mut() {
            let nums: Vec<f64> = row.iter().filter(|(k, _)| summed(k)).filter_map(|(_, v)| parse_num(v)).collect();
            row.retain(|(k, _)| k != &t.fieldname);
            if !nums.is_empty() {
                row.push((t.fieldname.clone(), format_num(nums.iter().sum())));
            }
        }
    }
    if t.col {
        let mut summary = Vec::new();
        for c in columns {
            if !(summed(c) || (t.row && c == &t.fieldname)) {
                continue;
            }
            let nums: Vec<f64> = rows
                .iter()
                .filter_map(|r| r.iter().find(|(k, _)| k == c).and_then(|(_, v)| parse_num(v)))
                .collect();
            if !nums.is_empty() {
                summary.push((c.clone(), format_num(nums.iter().sum())));
            }
        }
        rows.push(summary);
    }
}

/// Runs a query over owned events (batched and spread over the worker threads).
pub fn run(q: &Query, events: impl IntoIterator<Item = LogEvent>, opts: &RunOptions) -> Result<QueryResult, EvalError> {
    let mut it = events.into_iter();
    let chunks = std::iter::from_fn(move || {
        let chunk: Vec<LogEvent> = it.by_ref().take(2048).collect();
        (!chunk.is_empty()).then_some(chunk)
    });
    run_chunks(
        q,
        chunks,
        |chunk: &Vec<LogEvent>, emit: &mut dyn FnMut(EventRef<'_>)| chunk.iter().for_each(|e| emit(e.as_ref())),
        opts,
    )
}

/// Runs a query over chunks of input decoded by `decode` inside the workers, so decoding (line
/// detection, JSON envelope parsing) is parallel too. Chunks are numbered in order; events get
/// a sequence number (chunk, index) that makes ties deterministic.
pub fn run_chunks<C, I, D>(q: &Query, chunks: I, decode: D, opts: &RunOptions) -> Result<QueryResult, EvalError>
where
    C: Send,
    I: Iterator<Item = C>,
    D: Fn(&C, &mut dyn FnMut(EventRef<'_>)) + Sync,
{
    let plan = compile(q)?;
    if matches!(&plan.sink, SinkSpec::Pattern(PatternSpec { diff: Some(_), .. })) && (opts.start.is_none() || opts.end.is_none()) {
        // The earlier period is defined by the query's range.
        return Err(EvalError::Unsupported("`diff` without a start and end time".into()));
    }
    let threads = opts.threads.max(1);
    let mut workers: Vec<Worker<'_>> = Vec::new();
    if threads == 1 {
        let mut w = Worker::new(&plan, opts);
        for (ci, chunk) in chunks.enumerate() {
            let mut idx = 0u64;
            decode(&chunk, &mut |ev| {
                w.event(ev, ((ci as u64) << 32) | idx);
                idx += 1;
            });
        }
        workers.push(w);
    } else {
        let (tx, rx) = mpsc::sync_channel::<(u64, C)>(threads * 2);
        let rx = Arc::new(Mutex::new(rx));
        let plan_ref = &plan;
        let decode = &decode;
        workers = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let rx = Arc::clone(&rx);
                    s.spawn(move || {
                        let mut w = Worker::new(plan_ref, opts);
                        loop {
                            let msg = match rx.lock() {
                                Ok(guard) => guard.recv(),
                                Err(_) => break,
                            };
                            let Ok((ci, chunk)) = msg else { break };
                            let mut idx = 0u64;
                            decode(&chunk, &mut |ev| {
                                w.event(ev, (ci << 32) | idx);
                                idx += 1;
                            });
                        }
                        w
                    })
                })
                .collect();
            for (ci, chunk) in chunks.enumerate() {
                if tx.send((ci as u64, chunk)).is_err() {
                    break;
                }
            }
            drop(tx);
            // A worker that panicked lost its share of the input: re-raise its panic on this
            // thread (as the single-threaded path would) rather than return partial results.
            let mut done = Vec::with_capacity(handles.len());
            for h in handles {
                match h.join() {
                    Ok(w) => done.push(w),
                    Err(payload) => std::panic::resume_unwind(payload),
                }
            }
            done
        });
    }
    let mut it = workers.into_iter();
    let Some(mut first) = it.next() else {
        return Ok(render(&plan, Vec::new(), QueryStats::default()));
    };
    for w in it {
        first.merge(w);
    }
    let (rows, stats) = first.finish();
    let rows = run_rest(&plan, rows, opts.now_ms);
    Ok(render(&plan, rows, stats))
}
