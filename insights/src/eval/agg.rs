//! Aggregate states for `stats`: updated per record, merged across worker threads, finished into
//! a value. Every state is bounded except `count_distinct` (one entry per distinct value) and
//! `pct`, which keeps exact values up to [`PCT_EXACT`] per group and then switches to a
//! log-bucket sketch (about 1% relative error) so memory stays bounded.

use super::value::{sort_cmp, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

pub const PCT_EXACT: usize = 10_000;
const GAMMA: f64 = 1.02;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggKind {
    Count,
    CountStar,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
    Pct(f64),
    Stddev,
    Earliest,
    Latest,
    SortsFirst,
    SortsLast,
    /// `rate(field, interval)`: the interval in milliseconds.
    Rate(i64),
}

impl AggKind {
    pub fn from_name(name: &str, pct: f64, star: bool) -> Option<AggKind> {
        Some(match name {
            "count" if star => AggKind::CountStar,
            "count" | "count_over_time" => AggKind::Count,
            "count_distinct" => AggKind::CountDistinct,
            "sum" | "sum_over_time" => AggKind::Sum,
            "avg" => AggKind::Avg,
            "min" => AggKind::Min,
            "max" => AggKind::Max,
            "pct" => AggKind::Pct(pct),
            "stddev" => AggKind::Stddev,
            "earliest" => AggKind::Earliest,
            "latest" => AggKind::Latest,
            "sortsFirst" => AggKind::SortsFirst,
            "sortsLast" => AggKind::SortsLast,
            // The interval is filled in by the compiler from the call's second argument.
            "rate" => AggKind::Rate(0),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Sketch {
    pos: BTreeMap<i32, u64>,
    neg: BTreeMap<i32, u64>,
    zero: u64,
}

impl Sketch {
    fn add(&mut self, x: f64, c: u64) {
        if x > 0.0 {
            *self.pos.entry((x.ln() / GAMMA.ln()).ceil() as i32).or_default() += c;
        } else if x < 0.0 {
            *self.neg.entry(((-x).ln() / GAMMA.ln()).ceil() as i32).or_default() += c;
        } else {
            self.zero += c;
        }
    }
    fn merge(&mut self, o: &Sketch) {
        for (k, v) in &o.pos {
            *self.pos.entry(*k).or_default() += v;
        }
        for (k, v) in &o.neg {
            *self.neg.entry(*k).or_default() += v;
        }
        self.zero += o.zero;
    }
    fn quantile(&self, rank: u64) -> f64 {
        let mid = |k: i32| 2.0 * GAMMA.powi(k) / (GAMMA + 1.0);
        let mut seen = 0;
        for (k, c) in self.neg.iter().rev() {
            seen += c;
            if seen >= rank {
                return -mid(*k);
            }
        }
        seen += self.zero;
        if seen >= rank {
            return 0.0;
        }
        for (k, c) in &self.pos {
            seen += c;
            if seen >= rank {
                return mid(*k);
            }
        }
        self.pos.keys().next_back().map_or(0.0, |k| mid(*k))
    }
}

#[derive(Debug, Clone)]
pub enum AggState {
    Count(u64),
    Distinct(HashSet<String>),
    Sum(f64, bool),
    Avg(f64, u64),
    Best(Option<Value<'static>>),
    Pct(Vec<f64>, Option<Box<Sketch>>, u64),
    Stddev {
        n: u64,
        mean: f64,
        m2: f64,
    },
    Timed(Option<(i64, Value<'static>)>),
    /// The earliest and latest (time, number) of `rate`; ties on time keep the smaller
    /// (earliest) or larger (latest) number, so worker order cannot change the answer.
    Rate(Option<(i64, f64)>, Option<(i64, f64)>),
}

impl AggState {
    pub fn new(kind: AggKind) -> AggState {
        match kind {
            AggKind::Count | AggKind::CountStar => AggState::Count(0),
            AggKind::CountDistinct => AggState::Distinct(HashSet::new()),
            AggKind::Sum => AggState::Sum(0.0, false),
            AggKind::Avg => AggState::Avg(0.0, 0),
            AggKind::Min | AggKind::Max | AggKind::SortsFirst | AggKind::SortsLast => AggState::Best(None),
            AggKind::Pct(_) => AggState::Pct(Vec::new(), None, 0),
            AggKind::Stddev => AggState::Stddev { n: 0, mean: 0.0, m2: 0.0 },
            AggKind::Earliest | AggKind::Latest => AggState::Timed(None),
            AggKind::Rate(_) => AggState::Rate(None, None),
        }
    }

    /// Adds one record's argument value `v` (and its timestamp, for earliest/latest).
    pub fn update(&mut self, kind: AggKind, v: &Value<'_>, ts: i64) {
        if kind == AggKind::CountStar {
            if let AggState::Count(c) = self {
                *c += 1;
            }
            return;
        }
        if v.is_null() {
            return;
        }
        match self {
            AggState::Count(c) => *c += 1,
            AggState::Distinct(set) => {
                if let Some(t) = v.as_text() {
                    if !set.contains(t.as_ref()) {
                        set.insert(t.into_owned());
                    }
                }
            }
            AggState::Sum(s, any) => {
                if let Some(x) = v.as_num() {
                    *s += x;
                    *any = true;
                }
            }
            AggState::Avg(s, n) => {
                if let Some(x) = v.as_num() {
                    *s += x;
                    *n += 1;
                }
            }
            AggState::Best(best) => {
                let want = match kind {
                    AggKind::Min | AggKind::SortsFirst => Ordering::Less,
                    _ => Ordering::Greater,
                };
                let better = match best {
                    None => true,
                    Some(b) => best_cmp(kind, v, b) == want,
                };
                if better {
                    *best = Some(v.to_owned_value());
                }
            }
            AggState::Pct(vals, sketch, n) => {
                if let Some(x) = v.as_num() {
                    *n += 1;
                    match sketch {
                        Some(s) => s.add(x, 1),
                        None => {
                            vals.push(x);
                            if vals.len() > PCT_EXACT {
                                let mut s = Sketch::default();
                                for y in vals.drain(..) {
                                    s.add(y, 1);
                                }
                                *sketch = Some(Box::new(s));
                            }
                        }
                    }
                }
            }
            AggState::Stddev { n, mean, m2 } => {
                if let Some(x) = v.as_num() {
                    *n += 1;
                    let d = x - *mean;
                    *mean += d / *n as f64;
                    *m2 += d * (x - *mean);
                }
            }
            AggState::Rate(first, last) => {
                if let Some(x) = v.as_num() {
                    let p = (ts, x);
                    let key = |q: &(i64, f64)| (q.0, ordered(q.1));
                    if first.as_ref().is_none_or(|f| key(&p) < key(f)) {
                        *first = Some(p);
                    }
                    if last.as_ref().is_none_or(|l| key(&p) > key(l)) {
                        *last = Some(p);
                    }
                }
            }
            AggState::Timed(cur) => {
                let replace = match cur {
                    None => true,
                    Some((t, _)) => {
                        if kind == AggKind::Earliest {
                            ts < *t
                        } else {
                            ts > *t
                        }
                    }
                };
                if replace {
                    *cur = Some((ts, v.to_owned_value()));
                }
            }
        }
    }

    pub fn merge(&mut self, kind: AggKind, other: AggState) {
        match (self, other) {
            (AggState::Count(a), AggState::Count(b)) => *a += b,
            (AggState::Distinct(a), AggState::Distinct(b)) => a.extend(b),
            (AggState::Sum(a, x), AggState::Sum(b, y)) => {
                *a += b;
                *x |= y;
            }
            (AggState::Avg(a, n), AggState::Avg(b, m)) => {
                *a += b;
                *n += m;
            }
            (s @ AggState::Best(_), AggState::Best(Some(v))) => s.update(kind, &v, 0),
            (AggState::Pct(va, sa, na), AggState::Pct(vb, sb, nb)) => {
                *na += nb;
                if sa.is_none() && sb.is_none() && va.len() + vb.len() <= PCT_EXACT {
                    va.extend(vb);
                } else {
                    let mut s = sa.take().map_or_else(Sketch::default, |b| *b);
                    for y in va.drain(..).chain(vb) {
                        s.add(y, 1);
                    }
                    if let Some(o) = sb {
                        s.merge(&o);
                    }
                    *sa = Some(Box::new(s));
                }
            }
            (AggState::Stddev { n, mean, m2 }, AggState::Stddev { n: nb, mean: mb, m2: m2b }) if nb > 0 => {
                let total = *n + nb;
                let d = mb - *mean;
                *m2 += m2b + d * d * (*n as f64) * (nb as f64) / total as f64;
                *mean += d * nb as f64 / total as f64;
                *n = total;
            }
            (s @ AggState::Timed(_), AggState::Timed(Some((t, v)))) => s.update(kind, &v, t),
            (s @ AggState::Rate(..), AggState::Rate(f, l)) => {
                for (t, x) in f.into_iter().chain(l) {
                    s.update(kind, &Value::Num(x), t);
                }
            }
            _ => {}
        }
    }

    pub fn finish(self, kind: AggKind) -> Value<'static> {
        match self {
            AggState::Count(c) => Value::Num(c as f64),
            AggState::Distinct(s) => Value::Num(s.len() as f64),
            AggState::Sum(s, any) => {
                if any {
                    Value::Num(s)
                } else {
                    Value::Null
                }
            }
            AggState::Avg(s, n) => {
                if n == 0 {
                    Value::Null
                } else {
                    Value::Num(s / n as f64)
                }
            }
            AggState::Best(v) => v.unwrap_or(Value::Null),
            AggState::Pct(mut vals, sketch, n) => {
                let AggKind::Pct(p) = kind else { return Value::Null };
                if n == 0 {
                    return Value::Null;
                }
                let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as u64;
                match sketch {
                    Some(s) => Value::Num(s.quantile(rank)),
                    None => {
                        vals.sort_by(f64::total_cmp);
                        let idx = (rank as usize).min(vals.len()) - 1;
                        Value::Num(vals[idx])
                    }
                }
            }
            AggState::Stddev { n, m2, .. } => {
                if n == 0 {
                    Value::Null
                } else if n == 1 {
                    Value::Num(0.0)
                } else {
                    Value::Num((m2 / (n - 1) as f64).sqrt())
                }
            }
            AggState::Timed(v) => v.map_or(Value::Null, |(_, v)| v),
            // CWL_QuerySyntax-timeseries-functions: "the per-interval rate of change": the
            // change from the earliest to the latest value, per `interval` of time between them.
            AggState::Rate(Some((t0, x0)), Some((t1, x1))) if t1 > t0 => {
                let AggKind::Rate(per) = kind else { return Value::Null };
                // In i128: the times of two events may be any two i64s (the fuzzer found it).
                let r = (x1 - x0) / (i128::from(t1) - i128::from(t0)) as f64 * per as f64;
                if r.is_finite() {
                    Value::Num(r)
                } else {
                    Value::Null
                }
            }
            AggState::Rate(..) => Value::Null,
        }
    }
}

/// A total order key for an `f64` (the bits of `total_cmp`).
fn ordered(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ (((b >> 63) as u64) >> 1) as i64
}

fn best_cmp(kind: AggKind, a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match kind {
        // min/max compare numbers numerically; text only when a side is not a number.
        AggKind::Min | AggKind::Max => match (a.as_num(), b.as_num()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => sort_cmp(a, b),
        },
        _ => sort_cmp(a, b),
    }
}
