//! The mergeable sinks a blocking command becomes: grouped aggregates ([`StatsState`]) and a
//! bounded top-k heap ([`TopK`]); dedup keeps a plain map (see [`SinkState`]).
//!
//! Each worker fills its own sink and sinks are merged at the end, so a sink must never depend
//! on the order events arrive in: ties are broken by the event sequence number, never by
//! arrival. Memory is bounded by groups and `k`, never by the input.

use super::agg::AggState;
use super::flatten::FxMap;
use super::plan::{Row, SortSpec, StatsSpec};
use super::value::{sort_cmp, Value};
use std::cmp::Ordering;

pub(super) fn encode_key(buf: &mut Vec<u8>, v: &Value<'_>) {
    match v {
        Value::Null => buf.push(0),
        Value::Str(s) => {
            buf.push(1);
            buf.extend_from_slice(s.as_bytes());
            buf.push(0xff);
        }
        Value::Num(n) => {
            buf.push(2);
            buf.extend_from_slice(&n.to_bits().to_le_bytes());
        }
        Value::Bool(b) => buf.extend_from_slice(&[3, u8::from(*b)]),
        Value::Time(t) => {
            buf.push(4);
            buf.extend_from_slice(&t.to_le_bytes());
        }
        Value::Json(j) => {
            buf.push(6);
            buf.extend_from_slice(j.to_string().as_bytes());
            buf.push(0xff);
        }
    }
}

pub(super) struct StatsState {
    groups: FxMap<Box<[u8]>, usize>,
    entries: Vec<(Row, Vec<AggState>)>,
    buf: Vec<u8>,
}

impl StatsState {
    pub(super) fn new() -> Self {
        StatsState {
            groups: FxMap::default(),
            entries: Vec::new(),
            buf: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, spec: &StatsSpec, rec: &[Value<'_>], now: i64) {
        self.buf.clear();
        let mut keyvals: Vec<Value<'_>> = Vec::with_capacity(spec.keys.len());
        for k in &spec.keys {
            let v = k.eval(rec, now);
            encode_key(&mut self.buf, &v);
            keyvals.push(v);
        }
        let idx = match self.groups.get(self.buf.as_slice()) {
            Some(&i) => i,
            None => {
                let i = self.entries.len();
                self.groups.insert(self.buf.clone().into_boxed_slice(), i);
                let states = spec.aggs.iter().map(|a| AggState::new(a.kind)).collect();
                self.entries.push((keyvals.iter().map(Value::to_owned_value).collect(), states));
                i
            }
        };
        let ts = spec.ts_slot.and_then(|s| rec.get(s)).and_then(Value::as_millis).unwrap_or(0);
        let states = &mut self.entries[idx].1;
        for (a, st) in spec.aggs.iter().zip(states.iter_mut()) {
            match &a.arg {
                None => st.update(a.kind, &Value::Bool(true), ts),
                Some(e) => {
                    let v = e.eval(rec, now);
                    st.update(a.kind, &v, ts);
                }
            }
        }
    }

    pub(super) fn merge(&mut self, spec: &StatsSpec, other: StatsState) {
        let mut keys: Vec<(Box<[u8]>, usize)> = other.groups.into_iter().collect();
        keys.sort_by_key(|(_, i)| *i);
        let mut entries: Vec<Option<(Row, Vec<AggState>)>> = other.entries.into_iter().map(Some).collect();
        for (k, i) in keys {
            let Some((row, states)) = entries[i].take() else { continue };
            match self.groups.get(&k) {
                Some(&j) => {
                    for ((a, mine), theirs) in spec.aggs.iter().zip(self.entries[j].1.iter_mut()).zip(states) {
                        mine.merge(a.kind, theirs);
                    }
                }
                None => {
                    self.groups.insert(k, self.entries.len());
                    self.entries.push((row, states));
                }
            }
        }
    }

    pub(super) fn finish(self, spec: &StatsSpec, out_len: usize, now: i64) -> Vec<Row> {
        let mut rows: Vec<Row> = self
            .entries
            .into_iter()
            .map(|(keys, states)| {
                let mut layout: Row = keys;
                for (a, st) in spec.aggs.iter().zip(states) {
                    layout.push(st.finish(a.kind));
                }
                let mut row: Row = spec.outputs.iter().map(|o| o.eval(&layout, now).into_owned()).collect();
                row.resize(out_len, Value::Null);
                row
            })
            .collect();
        let nkeys = spec.keys.len();
        rows.sort_by(|a, b| {
            for i in 0..nkeys {
                let o = sort_cmp(&a[i], &b[i]);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        rows
    }
}

pub(super) fn cmp_keys(sort: &SortSpec, a: &[Value<'_>], b: &[Value<'_>]) -> Ordering {
    for (i, (_, desc)) in sort.keys.iter().enumerate() {
        let (x, y) = (&a[i], &b[i]);
        let o = match (x.is_null(), y.is_null()) {
            (false, false) => {
                let o = sort_cmp(x, y);
                if *desc {
                    o.reverse()
                } else {
                    o
                }
            }
            _ => sort_cmp(x, y), // missing last either way
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A bounded heap keeping the best `k` rows; the root is the worst kept row.
pub(super) struct TopK {
    pub(super) k: usize,
    pub(super) heap: Vec<(Row, u64, Row)>,
}

impl TopK {
    /// True if `a` ranks after `b` (is worse).
    fn worse(sort: &SortSpec, a: &(Row, u64, Row), b: &(Row, u64, Row)) -> bool {
        match cmp_keys(sort, &a.0, &b.0) {
            Ordering::Equal => a.1 > b.1,
            o => o == Ordering::Greater,
        }
    }

    pub(super) fn would_accept(&self, sort: &SortSpec, keys: &[Value<'_>], seq: u64) -> bool {
        if self.heap.len() < self.k {
            return true;
        }
        let Some(root) = self.heap.first() else { return false };
        match cmp_keys(sort, keys, &root.0) {
            Ordering::Equal => seq < root.1,
            o => o == Ordering::Less,
        }
    }

    pub(super) fn push(&mut self, sort: &SortSpec, item: (Row, u64, Row)) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(item);
            let mut i = self.heap.len() - 1;
            while i > 0 {
                let p = (i - 1) / 2;
                if Self::worse(sort, &self.heap[i], &self.heap[p]) {
                    self.heap.swap(i, p);
                    i = p;
                } else {
                    break;
                }
            }
            return;
        }
        self.heap[0] = item;
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut w = i;
            if l < n && Self::worse(sort, &self.heap[l], &self.heap[w]) {
                w = l;
            }
            if r < n && Self::worse(sort, &self.heap[r], &self.heap[w]) {
                w = r;
            }
            if w == i {
                break;
            }
            self.heap.swap(i, w);
            i = w;
        }
    }

    pub(super) fn into_sorted(self, sort: &SortSpec) -> Vec<Row> {
        let mut v = self.heap;
        v.sort_by(|a, b| match cmp_keys(sort, &a.0, &b.0) {
            Ordering::Equal => a.1.cmp(&b.1),
            o => o,
        });
        v.into_iter().map(|(_, _, r)| r).collect()
    }
}

pub(super) enum SinkState {
    Stats(StatsState),
    TopK(TopK),
    Dedup(FxMap<Box<[u8]>, (i64, u64, Row)>, Vec<u8>),
    Pattern(super::pattern::Patterns),
}
