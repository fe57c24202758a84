//! The compiled form of a query, shared by [`super::compile`] (which builds it) and the run
//! modules (which execute it), plus the per-record evaluation of its expressions and ops.
//!
//! Plan: the commands up to the first "blocking" one (`stats`, `sort`, `limit`, `dedup`, or the
//! end) run per record in parallel workers; the blocking command becomes a mergeable *sink*
//! (grouped aggregates, a bounded top-k heap, or a dedup map); the remaining commands run on the
//! (bounded) rows the sink produced. Memory is therefore bounded by groups and heap sizes, never
//! by the input. Fields are addressed by slot numbers resolved at compile time, so nothing here
//! may look a field up by name or touch the AST: per-record code is the hot path.

use super::agg::AggKind;
use super::flatten::PathSet;
use super::funcs::{call, Func};
use super::value::{loose_cmp, loose_eq, Value};
use crate::ast::BinaryOp;
use regex::Regex;
use std::borrow::Cow;
use std::cmp::Ordering;

// ---------------------------------------------------------------- compiled expressions

#[derive(Debug, Clone)]
pub(super) enum Like {
    Contains(String),
    Regex(Regex),
    Dynamic(Box<CExpr>),
}

#[derive(Debug, Clone)]
pub(super) enum CExpr {
    Slot(usize),
    Lit(Value<'static>),
    Not(Box<CExpr>),
    Neg(Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    Cmp(BinaryOp, Box<CExpr>, Box<CExpr>),
    Arith(BinaryOp, Box<CExpr>, Box<CExpr>),
    Like(Box<CExpr>, Like, bool),
    In(Box<CExpr>, Vec<CExpr>, bool),
    Call(Func, Vec<CExpr>),
    /// `l[i]`, `` m.`k` ``: an element of a structure.
    Index(Box<CExpr>, Box<CExpr>),
    /// `m.a.b` where `m` is a field the query defined: keys into its structure.
    Path(Box<CExpr>, Vec<String>),
}

/// The structure in `v`: a `jsonParse` result, or JSON text of an object or array (containers
/// that auto-discovery left as text).
fn structure(v: &Value<'_>) -> Option<std::sync::Arc<serde_json::Value>> {
    match v {
        Value::Json(j) => Some(j.clone()),
        Value::Str(s) if s.starts_with(['[', '{']) => serde_json::from_str(s).ok().map(std::sync::Arc::new),
        _ => None,
    }
}

/// `j[key]`: a map's value by key, or a list's element by (whole, non-negative) number.
fn element(j: &serde_json::Value, key: &Value<'_>) -> Value<'static> {
    let found = match j {
        serde_json::Value::Array(items) => key
            .as_num()
            .filter(|n| n.fract() == 0.0 && *n >= 0.0)
            .and_then(|n| items.get(n as usize)),
        serde_json::Value::Object(m) => key.as_text().and_then(|k| m.get(k.as_ref())),
        _ => None,
    };
    found.cloned().map_or(Value::Null, Value::from_json)
}

fn text_of<'v>(v: &'v Value<'_>) -> Option<Cow<'v, str>> {
    v.as_text()
}

impl CExpr {
    pub(super) fn eval<'r>(&self, rec: &'r [Value<'_>], now: i64) -> Value<'r> {
        match self {
            CExpr::Slot(i) => match rec.get(*i) {
                Some(Value::Str(s)) => Value::Str(Cow::Borrowed(s.as_ref())),
                Some(v) => v.to_owned_value(),
                None => Value::Null,
            },
            CExpr::Lit(v) => v.clone(),
            CExpr::Not(e) => Value::Bool(!e.eval(rec, now).truthy()),
            CExpr::Neg(e) => e.eval(rec, now).as_num().map_or(Value::Null, |n| Value::Num(-n)),
            CExpr::And(a, b) => Value::Bool(a.eval(rec, now).truthy() && b.eval(rec, now).truthy()),
            CExpr::Or(a, b) => Value::Bool(a.eval(rec, now).truthy() || b.eval(rec, now).truthy()),
            CExpr::Cmp(op, a, b) => {
                let (x, y) = (a.eval(rec, now), b.eval(rec, now));
                let r = match op {
                    BinaryOp::Eq => loose_eq(&x, &y),
                    BinaryOp::Ne => loose_eq(&x, &y).map(|e| !e),
                    _ => loose_cmp(&x, &y).map(|o| match op {
                        BinaryOp::Lt => o == Ordering::Less,
                        BinaryOp::Le => o != Ordering::Greater,
                        BinaryOp::Gt => o == Ordering::Greater,
                        _ => o != Ordering::Less,
                    }),
                };
                Value::Bool(r.unwrap_or(false))
            }
            CExpr::Arith(op, a, b) => {
                let (Some(x), Some(y)) = (a.eval(rec, now).as_num(), b.eval(rec, now).as_num()) else {
                    return Value::Null;
                };
                let r = match op {
                    BinaryOp::Add => x + y,
                    BinaryOp::Sub => x - y,
                    BinaryOp::Mul => x * y,
                    BinaryOp::Div => x / y,
                    BinaryOp::Mod => x % y,
                    _ => x.powf(y),
                };
                if r.is_finite() {
                    Value::Num(r)
                } else {
                    Value::Null
                }
            }
            CExpr::Like(e, pat, negated) => {
                let v = e.eval(rec, now);
                let Some(s) = text_of(&v) else { return Value::Bool(false) };
                let m = match pat {
                    Like::Contains(p) => s.contains(p.as_str()),
                    Like::Regex(r) => r.is_match(&s),
                    Like::Dynamic(p) => {
                        let pv = p.eval(rec, now);
                        text_of(&pv).is_some_and(|p| s.contains(p.as_ref()))
                    }
                };
                Value::Bool(m != *negated)
            }
            CExpr::In(e, items, negated) => {
                let v = e.eval(rec, now);
                if v.is_null() {
                    return Value::Bool(false);
                }
                let found = items.iter().any(|i| loose_eq(&v, &i.eval(rec, now)) == Some(true));
                Value::Bool(found != *negated)
            }
            CExpr::Call(f, args) => {
                let vals: Vec<Value<'r>> = args.iter().map(|a| a.eval(rec, now)).collect();
                call(*f, vals, now)
            }
            CExpr::Index(base, idx) => match structure(&base.eval(rec, now)) {
                Some(j) => element(&j, &idx.eval(rec, now)),
                None => Value::Null,
            },
            CExpr::Path(base, keys) => {
                let mut v: Value<'static> = base.eval(rec, now).into_owned();
                for k in keys {
                    v = match structure(&v) {
                        Some(j) => element(&j, &Value::str(k)),
                        None => return Value::Null,
                    };
                }
                v
            }
        }
    }
}

// ---------------------------------------------------------------- plan

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum EventField {
    Timestamp,
    Message,
    LogStream,
    Log,
    Ptr,
    IngestionTime,
}

#[derive(Debug, Clone)]
pub(super) enum Op {
    Filter(CExpr),
    Assign(usize, CExpr),
    Glob {
        src: usize,
        parts: Vec<String>,
        slots: Vec<usize>,
    },
    Regex {
        src: usize,
        re: Regex,
        slots: Vec<(usize, usize)>,
    },
    /// `parse ... /re/ multi`: one record per match (see [`Op::fan_out`]).
    RegexMulti {
        src: usize,
        re: Regex,
        slots: Vec<(usize, usize)>,
    },
    /// `parse ... logfmt as m`: the `key=value` pairs as a map in `slot`.
    Logfmt {
        src: usize,
        slot: usize,
    },
    /// `parse ... csv as a, b`: the values in order.
    Csv {
        src: usize,
        slots: Vec<usize>,
    },
    /// One record per element of the list `src` evaluates to (see [`Op::fan_out`]).
    Unnest {
        src: CExpr,
        into: usize,
    },
}

/// What `unnest` makes of a value (CWL_QuerySyntax-Unnest): a list's elements; "any other
/// types, such as MAP, String and numbers, are treated as a list with one item". Text that is
/// a JSON array (a container auto-discovery left as text) counts as a list; a missing value
/// has no items, so its record is dropped.
pub(super) fn list_elements(v: &Value<'_>) -> Vec<Value<'static>> {
    match v {
        Value::Null => Vec::new(),
        Value::Json(j) => match &**j {
            serde_json::Value::Array(items) => items.iter().cloned().map(Value::from_json).collect(),
            _ => vec![v.to_owned_value()],
        },
        Value::Str(s) if s.starts_with('[') => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Array(items)) => items.into_iter().map(Value::from_json).collect(),
            _ => vec![v.to_owned_value()],
        },
        other => vec![other.to_owned_value()],
    }
}

#[derive(Debug, Clone)]
pub(super) struct AggSpec {
    pub(super) kind: AggKind,
    pub(super) arg: Option<CExpr>,
}

#[derive(Debug, Clone)]
pub(super) struct StatsSpec {
    pub(super) keys: Vec<CExpr>,
    pub(super) aggs: Vec<AggSpec>,
    /// Output expressions over [key values..., aggregate values...].
    pub(super) outputs: Vec<CExpr>,
    pub(super) ts_slot: Option<usize>,
    /// The segment (schema) the output rows belong to.
    pub(super) out_segment: usize,
}

#[derive(Debug, Clone)]
pub(super) struct SortSpec {
    pub(super) keys: Vec<(CExpr, bool)>,
}

/// `pattern expr` (and `diff`): the text to cluster and, for `diff`, the earlier period.
#[derive(Debug, Clone)]
pub(super) struct PatternSpec {
    pub(super) text: CExpr,
    pub(super) diff: Option<crate::ast::DiffPeriod>,
    /// The segment (schema) the pattern rows belong to.
    pub(super) out_segment: usize,
}

#[derive(Debug, Clone)]
pub(super) enum Stage {
    Op(Op),
    Stats(StatsSpec),
    Sort(SortSpec),
    Limit(usize),
    Dedup(Vec<usize>),
    Pattern(PatternSpec),
}

#[derive(Debug, Clone)]
pub(super) enum SinkSpec {
    Stats(StatsSpec),
    TopK { sort: SortSpec, k: usize },
    Dedup { slots: Vec<usize>, ts_slot: usize },
    Pattern(PatternSpec),
}

/// A compiled query.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The most rows the result may have: 10,000, or the largest `limit` (up to 100,000).
    pub(super) max_rows: usize,
    /// The first `stats`'s `offset`: the scan window moves this much earlier.
    pub(super) time_shift_ms: i64,
    pub(super) event_slots: Vec<(usize, EventField)>,
    pub(super) paths: PathSet,
    /// Fields of recognised plain-text log types (Lambda, VPC flow, Route 53) the query reads.
    pub(super) discovered: Vec<(usize, super::discover::Known)>,
    pub(super) seg0_len: usize,
    pub(super) stream: Vec<Op>,
    pub(super) sink: SinkSpec,
    pub(super) rest: Vec<Stage>,
    pub(super) seg_lens: Vec<usize>,
    pub(super) output: Vec<(String, Option<usize>)>,
    /// A final `addtotals`, applied to the rendered rows.
    pub(super) totals: Option<crate::ast::AddTotals>,
}

// ---------------------------------------------------------------- per-record ops

fn glob_match<'a>(s: &'a str, parts: &[String]) -> Option<Vec<&'a str>> {
    let mut caps = Vec::with_capacity(parts.len().saturating_sub(1));
    let first = &parts[0];
    let mut pos = if first.is_empty() {
        0
    } else {
        s.find(first.as_str())? + first.len()
    };
    for (i, lit) in parts.iter().enumerate().skip(1) {
        if i == parts.len() - 1 && lit.is_empty() {
            caps.push(&s[pos..]);
            pos = s.len();
        } else {
            let at = s[pos..].find(lit.as_str())?;
            caps.push(&s[pos..pos + at]);
            pos += at + lit.len();
        }
    }
    Some(caps)
}

fn trim_cap(s: &str) -> &str {
    s.trim()
}

impl Op {
    /// For the ops that make several records of one (`unnest`, `parse ... multi`): what each
    /// record sets, as (slot, value) pairs; `None` for every other op. Callers copy the record
    /// once per item and go on with the next op.
    pub(super) fn fan_out(&self, rec: &[Value<'_>], now: i64) -> Option<Vec<Vec<(usize, Value<'static>)>>> {
        match self {
            Op::Unnest { src, into } => Some(list_elements(&src.eval(rec, now)).into_iter().map(|v| vec![(*into, v)]).collect()),
            Op::RegexMulti { src, re, slots } => {
                let Some(text) = rec.get(*src).and_then(Value::as_text) else {
                    return Some(vec![Vec::new()]);
                };
                let items: Vec<Vec<(usize, Value<'static>)>> = re
                    .captures_iter(&text)
                    .map(|caps| {
                        slots
                            .iter()
                            .filter_map(|(gi, slot)| caps.get(*gi).map(|m| (*slot, Value::Str(Cow::Owned(m.as_str().to_string())))))
                            .collect()
                    })
                    .collect();
                // "If a log event doesn't match the specified pattern, you still see it in the
                // results, but without the extracted fields" (CWL_QuerySyntax-Parse).
                Some(if items.is_empty() { vec![Vec::new()] } else { items })
            }
            _ => None,
        }
    }

    /// Applies the op; false when a filter drops the record. The [`Op::fan_out`] ops are
    /// expanded by callers.
    pub(super) fn apply<'a>(&self, rec: &mut [Value<'a>], now: i64) -> bool {
        match self {
            Op::Unnest { .. } | Op::RegexMulti { .. } => true,
            Op::Logfmt { src, slot } => {
                let parsed = rec[*src].as_text().and_then(|t| super::formats::logfmt(&t));
                if let Some(map) = parsed {
                    rec[*slot] = Value::Json(std::sync::Arc::new(serde_json::Value::Object(map)));
                }
                true
            }
            Op::Csv { src, slots } => {
                let parsed = rec[*src].as_text().and_then(|t| super::formats::csv_line(&t));
                if let Some(values) = parsed {
                    for (slot, v) in slots.iter().zip(values) {
                        rec[*slot] = Value::Str(Cow::Owned(v));
                    }
                }
                true
            }
            Op::Filter(e) => e.eval(rec, now).truthy(),
            Op::Assign(slot, e) => {
                let v = e.eval(rec, now).into_owned();
                rec[*slot] = v;
                true
            }
            Op::Glob { src, parts, slots } => {
                match &rec[*src] {
                    Value::Str(Cow::Borrowed(s)) => {
                        let s: &'a str = s;
                        if let Some(caps) = glob_match(s, parts) {
                            for (slot, cap) in slots.iter().zip(caps) {
                                rec[*slot] = Value::str(trim_cap(cap));
                            }
                        }
                    }
                    other => {
                        if let Some(t) = other.as_text() {
                            let owned: Vec<String> = glob_match(&t, parts)
                                .map(|c| c.into_iter().map(|x| trim_cap(x).to_string()).collect())
                                .unwrap_or_default();
                            for (slot, cap) in slots.iter().zip(owned) {
                                rec[*slot] = Value::Str(Cow::Owned(cap));
                            }
                        }
                    }
                }
                true
            }
            Op::Regex { src, re, slots } => {
                match &rec[*src] {
                    Value::Str(Cow::Borrowed(s)) => {
                        let s: &'a str = s;
                        if let Some(caps) = re.captures(s) {
                            for (gi, slot) in slots {
                                if let Some(m) = caps.get(*gi) {
                                    rec[*slot] = Value::str(m.as_str());
                                }
                            }
                        }
                    }
                    other => {
                        if let Some(t) = other.as_text() {
                            let found: Vec<(usize, String)> = re
                                .captures(&t)
                                .map(|caps| {
                                    slots
                                        .iter()
                                        .filter_map(|(gi, slot)| caps.get(*gi).map(|m| (*slot, m.as_str().to_string())))
                                        .collect()
                                })
                                .unwrap_or_default();
                            for (slot, v) in found {
                                rec[slot] = Value::Str(Cow::Owned(v));
                            }
                        }
                    }
                }
                true
            }
        }
    }
}

pub(super) type Row = Vec<Value<'static>>;
