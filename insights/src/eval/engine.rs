//! The engine: compiles a parsed query into a plan and runs it over log events.
//!
//! Plan: the commands up to the first "blocking" one (`stats`, `sort`, `limit`, `dedup`, or the
//! end) run per record in parallel workers; the blocking command becomes a mergeable *sink*
//! (grouped aggregates, a bounded top-k heap, or a dedup map); the remaining commands run on the
//! (bounded) rows the sink produced. Memory is therefore bounded by groups and heap sizes, never
//! by the input. Fields are addressed by slot numbers resolved at compile time; JSON fields are
//! extracted lazily (only the paths the query reads).

use super::agg::{AggKind, AggState};
use super::event::{EventRef, LogEvent};
use super::flatten::{extract, FxMap, PathSet};
use super::funcs::{call, Func};
use super::value::{loose_cmp, loose_eq, sort_cmp, Value};
use crate::analyze::output_fields;
use crate::ast::{BinaryOp, Command, Expr, Order, ParsePattern, Projection, Query, UnaryOp};
use crate::parser::output_name;
use regex::Regex;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};

/// CloudWatch returns at most this many rows.
pub const MAX_ROWS: usize = 10_000;

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Inclusive start (epoch ms); events before it are not scanned.
    pub start: Option<i64>,
    /// Exclusive end (epoch ms).
    pub end: Option<i64>,
    /// The value of `now()`.
    pub now_ms: i64,
    /// Worker threads (at least 1).
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        RunOptions {
            start: None,
            end: None,
            now_ms,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()).min(8),
        }
    }
}

/// Statistics of a run, as CloudWatch reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueryStats {
    pub records_scanned: u64,
    pub records_matched: u64,
    pub bytes_scanned: u64,
}

/// The result: column names, and rows of (field, text) pairs in column order. A field missing
/// from a row is left out, as CloudWatch does.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<(String, String)>>,
    pub stats: QueryStats,
}

/// Why a query could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A command the local engine does not run.
    Unsupported(String),
    /// A regex that does not compile.
    Regex(String),
    /// An unsubstituted `{{name}}` parameter.
    Parameter(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Unsupported(c) => write!(f, "`{c}` is not supported by the local engine"),
            EvalError::Regex(m) => write!(f, "invalid regex: {m}"),
            EvalError::Parameter(p) => write!(f, "parameter `{{{{{p}}}}}` has no value; substitute parameters before running"),
        }
    }
}

impl std::error::Error for EvalError {}

// ---------------------------------------------------------------- compiled expressions

#[derive(Debug, Clone)]
enum Like {
    Contains(String),
    Regex(Regex),
    Dynamic(Box<CExpr>),
}

#[derive(Debug, Clone)]
enum CExpr {
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
}

fn text_of<'v>(v: &'v Value<'_>) -> Option<Cow<'v, str>> {
    v.as_text()
}

impl CExpr {
    fn eval<'r>(&self, rec: &'r [Value<'_>], now: i64) -> Value<'r> {
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
        }
    }
}

// ---------------------------------------------------------------- plan

#[derive(Debug, Clone, Copy, PartialEq)]
enum EventField {
    Timestamp,
    Message,
    LogStream,
    Log,
    Ptr,
    IngestionTime,
}

#[derive(Debug, Default, Clone)]
struct Schema {
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// Only for the first segment: slots filled from the event.
    defined: Vec<bool>,
    from_event: Vec<bool>,
}

impl Schema {
    fn slot(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        self.defined.push(false);
        self.from_event.push(false);
        i
    }
    fn read(&mut self, name: &str) -> usize {
        let i = self.slot(name);
        if !self.defined[i] {
            self.from_event[i] = true;
        }
        i
    }
    fn define(&mut self, name: &str) -> usize {
        let i = self.slot(name);
        self.defined[i] = true;
        i
    }
}

#[derive(Debug, Clone)]
enum Op {
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
    /// One record per element of the JSON list in `src` (handled by the callers of `apply`).
    Unnest {
        src: usize,
        into: usize,
    },
}

/// The elements of a list value (a JSON array as text, as auto-discovery leaves containers).
/// Anything else has no elements, so `unnest` drops the record.
fn list_elements(v: &Value<'_>) -> Vec<Value<'static>> {
    let Some(text) = v.as_text() else { return Vec::new() };
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    items
        .into_iter()
        .map(|item| match item {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, Value::Num),
            serde_json::Value::String(s) => Value::Str(Cow::Owned(s)),
            other => Value::Str(Cow::Owned(other.to_string())),
        })
        .collect()
}

#[derive(Debug, Clone)]
struct AggSpec {
    kind: AggKind,
    arg: Option<CExpr>,
}

#[derive(Debug, Clone)]
struct StatsSpec {
    keys: Vec<CExpr>,
    aggs: Vec<AggSpec>,
    /// Output expressions over [key values..., aggregate values...].
    outputs: Vec<CExpr>,
    ts_slot: Option<usize>,
    /// The segment (schema) the output rows belong to.
    out_segment: usize,
}

#[derive(Debug, Clone)]
struct SortSpec {
    keys: Vec<(CExpr, bool)>,
}

#[derive(Debug, Clone)]
enum Stage {
    Op(Op),
    Stats(StatsSpec),
    Sort(SortSpec),
    Limit(usize),
    Dedup(Vec<usize>),
}

#[derive(Debug, Clone)]
enum SinkSpec {
    Stats(StatsSpec),
    TopK { sort: SortSpec, k: usize },
    Dedup { slots: Vec<usize>, ts_slot: usize },
}

/// A compiled query.
#[derive(Debug, Clone)]
pub struct Plan {
    event_slots: Vec<(usize, EventField)>,
    paths: PathSet,
    seg0_len: usize,
    stream: Vec<Op>,
    sink: SinkSpec,
    rest: Vec<Stage>,
    seg_lens: Vec<usize>,
    output: Vec<(String, Option<usize>)>,
}

struct Compiler {
    schemas: Vec<Schema>,
}

impl Compiler {
    fn seg(&mut self) -> &mut Schema {
        let n = self.schemas.len() - 1;
        &mut self.schemas[n]
    }

    fn expr(&mut self, e: &Expr, aggs: &mut Option<(&mut Vec<AggSpec>, usize, &mut Schema)>) -> Result<CExpr, EvalError> {
        Ok(match e {
            Expr::Field(n) => match aggs {
                Some(_) => CExpr::Lit(Value::Null),
                None => CExpr::Slot(self.seg().read(n)),
            },
            Expr::Str(s) => CExpr::Lit(Value::Str(Cow::Owned(s.clone()))),
            Expr::Num(n) => CExpr::Lit(Value::Num(*n)),
            Expr::Duration(n, u) => CExpr::Lit(Value::Num(
                (*n as i64).saturating_mul(u.fixed_millis().unwrap_or(30 * 86_400_000)) as f64
            )),
            Expr::Regex { pattern, .. } => CExpr::Lit(Value::Str(Cow::Owned(pattern.clone()))),
            // A list only has meaning after `in`.
            Expr::List(_) => CExpr::Lit(Value::Null),
            Expr::Param(p) => return Err(EvalError::Parameter(p.clone())),
            Expr::Star => CExpr::Lit(Value::Bool(true)),
            Expr::Unary(UnaryOp::Not, x) => CExpr::Not(Box::new(self.expr(x, aggs)?)),
            Expr::Unary(UnaryOp::Neg, x) => CExpr::Neg(Box::new(self.expr(x, aggs)?)),
            Expr::Binary(op, l, r) => {
                let lc = Box::new(self.expr(l, aggs)?);
                match op {
                    BinaryOp::And => CExpr::And(lc, Box::new(self.expr(r, aggs)?)),
                    BinaryOp::Or => CExpr::Or(lc, Box::new(self.expr(r, aggs)?)),
                    BinaryOp::Like | BinaryOp::NotLike | BinaryOp::Match => {
                        let pat = match &**r {
                            Expr::Regex { pattern, flags } => Like::Regex(compile_regex(pattern, flags)?),
                            Expr::Str(s) if *op == BinaryOp::Match => Like::Regex(compile_regex(s, "")?),
                            Expr::Str(s) => Like::Contains(s.clone()),
                            other => Like::Dynamic(Box::new(self.expr(other, aggs)?)),
                        };
                        CExpr::Like(lc, pat, *op == BinaryOp::NotLike)
                    }
                    BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                        CExpr::Cmp(*op, lc, Box::new(self.expr(r, aggs)?))
                    }
                    _ => CExpr::Arith(*op, lc, Box::new(self.expr(r, aggs)?)),
                }
            }
            Expr::In { expr, list, negated } => {
                let items = match &**list {
                    Expr::List(items) => items.iter().map(|i| self.expr(i, aggs)).collect::<Result<_, _>>()?,
                    other => vec![self.expr(other, aggs)?],
                };
                CExpr::In(Box::new(self.expr(expr, aggs)?), items, *negated)
            }
            Expr::Call { name, args } => {
                if let Some(kind) = AggKind::from_name(name, pct_arg(args), args.first() == Some(&Expr::Star) || args.is_empty()) {
                    let Some((specs, nkeys, schema)) = aggs else {
                        return Ok(CExpr::Lit(Value::Null));
                    };
                    let arg = match args.first() {
                        Some(Expr::Star) | None => None,
                        Some(a) => Some(compile_plain(self, schema, a)?),
                    };
                    specs.push(AggSpec { kind, arg });
                    return Ok(CExpr::Slot(*nkeys + specs.len() - 1));
                }
                let period = |i: usize| match args.get(i) {
                    Some(Expr::Duration(n, u)) => (*n, *u),
                    _ => (1, crate::lexer::TimeUnit::M),
                };
                match name.as_str() {
                    "bin" => {
                        let (n, u) = period(0);
                        let ts = self.expr(&Expr::Field("@timestamp".into()), aggs)?;
                        CExpr::Call(Func::Bin(n, u), vec![ts])
                    }
                    "datefloor" | "dateceil" => {
                        let (n, u) = period(1);
                        let a = self.expr(&args[0], aggs)?;
                        CExpr::Call(
                            if name == "datefloor" {
                                Func::Datefloor(n, u)
                            } else {
                                Func::Dateceil(n, u)
                            },
                            vec![a],
                        )
                    }
                    _ => {
                        let f = Func::from_name(name).ok_or_else(|| EvalError::Unsupported(format!("{name}()")))?;
                        CExpr::Call(f, args.iter().map(|a| self.expr(a, aggs)).collect::<Result<_, _>>()?)
                    }
                }
            }
        })
    }
}

/// Compiles an aggregate's argument against the segment schema.
fn compile_plain(c: &mut Compiler, schema: &mut Schema, e: &Expr) -> Result<CExpr, EvalError> {
    std::mem::swap(c.seg(), schema);
    let r = c.expr(e, &mut None);
    std::mem::swap(c.seg(), schema);
    r
}

fn pct_arg(args: &[Expr]) -> f64 {
    match args.get(1) {
        Some(Expr::Num(p)) => *p,
        _ => 50.0,
    }
}

fn compile_regex(pattern: &str, flags: &str) -> Result<Regex, EvalError> {
    let full = if flags.is_empty() {
        pattern.to_string()
    } else {
        format!("(?{flags}){pattern}")
    };
    Regex::new(&full).map_err(|e| EvalError::Regex(e.to_string()))
}

/// Compiles a query into a plan.
pub fn compile(q: &Query) -> Result<Plan, EvalError> {
    if let Some(Command::Unsupported { name, .. }) = q.commands.iter().find(|c| matches!(c, Command::Unsupported { .. })) {
        return Err(EvalError::Unsupported(name.clone()));
    }
    if q.commands.iter().filter(|c| matches!(c, Command::Unnest { .. })).count() > 16 {
        return Err(EvalError::Unsupported("more than 16 `unnest` commands in one query".into()));
    }
    let mut c = Compiler {
        schemas: vec![Schema::default()],
    };
    let ts0 = c.seg().read("@timestamp");
    let blocking = q
        .commands
        .iter()
        .position(|c| matches!(c, Command::Stats { .. } | Command::Sort(_) | Command::Limit(_) | Command::Dedup(_)));
    let split = blocking.unwrap_or(q.commands.len());
    let mut stream = Vec::new();
    for cmd in &q.commands[..split] {
        for st in compile_command(&mut c, cmd)? {
            match st {
                Stage::Op(op) => stream.push(op),
                _ => return Err(EvalError::Unsupported("internal: blocking command in stream".into())),
            }
        }
    }
    let default_sort = SortSpec {
        keys: vec![(CExpr::Slot(ts0), true)],
    };
    let (sink, rest_from) = match blocking.map(|i| (i, &q.commands[i])) {
        None => (
            SinkSpec::TopK {
                sort: default_sort,
                k: MAX_ROWS,
            },
            split,
        ),
        Some((i, Command::Limit(n))) => (
            SinkSpec::TopK {
                sort: default_sort,
                k: (*n as usize).min(MAX_ROWS),
            },
            i + 1,
        ),
        Some((i, Command::Sort(_))) => {
            let Some(Stage::Sort(sort)) = compile_command(&mut c, &q.commands[i])?.pop() else {
                return Err(EvalError::Unsupported("internal: sort".into()));
            };
            match q.commands.get(i + 1) {
                Some(Command::Limit(n)) => (
                    SinkSpec::TopK {
                        sort,
                        k: (*n as usize).min(MAX_ROWS),
                    },
                    i + 2,
                ),
                _ => (SinkSpec::TopK { sort, k: MAX_ROWS }, i + 1),
            }
        }
        Some((i, Command::Dedup(names))) => {
            let slots = names.iter().map(|n| c.seg().read(n)).collect();
            (SinkSpec::Dedup { slots, ts_slot: ts0 }, i + 1)
        }
        Some((i, cmd)) => {
            let Some(Stage::Stats(spec)) = compile_command(&mut c, cmd)?.pop() else {
                return Err(EvalError::Unsupported("internal: stats".into()));
            };
            (SinkSpec::Stats(spec), i + 1)
        }
    };
    let mut rest = Vec::new();
    for cmd in &q.commands[rest_from..] {
        rest.extend(compile_command(&mut c, cmd)?);
    }
    let last = c.schemas.len() - 1;
    let output = output_fields(q)
        .into_iter()
        .map(|n| {
            let slot = c.schemas[last].index.get(&n).copied();
            (n, slot)
        })
        .collect();
    let s0 = &c.schemas[0];
    let mut paths = PathSet::default();
    let mut event_slots = Vec::new();
    for (i, name) in s0.names.iter().enumerate() {
        if !s0.from_event[i] {
            continue;
        }
        let f = match name.as_str() {
            "@timestamp" => Some(EventField::Timestamp),
            "@message" => Some(EventField::Message),
            "@logStream" => Some(EventField::LogStream),
            "@log" => Some(EventField::Log),
            "@ptr" => Some(EventField::Ptr),
            "@ingestionTime" => Some(EventField::IngestionTime),
            _ => None,
        };
        match f {
            Some(f) => event_slots.push((i, f)),
            None => paths.insert(name, i),
        }
    }
    Ok(Plan {
        event_slots,
        paths,
        seg0_len: s0.names.len(),
        stream,
        sink,
        rest,
        seg_lens: c.schemas.iter().map(|s| s.names.len()).collect(),
        output,
    })
}

fn glob_parts(pattern: &str) -> Vec<String> {
    pattern.split('*').map(str::to_string).collect()
}

fn compile_command(c: &mut Compiler, cmd: &Command) -> Result<Vec<Stage>, EvalError> {
    let mut out = Vec::new();
    match cmd {
        Command::Fields(ps) => {
            for p in ps {
                match (&p.expr, &p.alias) {
                    (Expr::Field(n), None) => {
                        c.seg().read(n);
                    }
                    _ => {
                        let e = c.expr(&p.expr, &mut None)?;
                        let slot = c.seg().define(&output_name(p));
                        out.push(Stage::Op(Op::Assign(slot, e)));
                    }
                }
            }
        }
        Command::Display(names) => {
            for n in names {
                c.seg().read(n);
            }
        }
        Command::Filter(e) | Command::FilterIndex(e) => {
            let e = c.expr(e, &mut None)?;
            out.push(Stage::Op(Op::Filter(e)));
        }
        Command::Unmask(f) => {
            c.seg().read(f);
        }
        Command::Parse { field, pattern } => {
            let src = c.seg().read(field);
            match pattern {
                ParsePattern::Glob { pattern, names } => {
                    let slots = names.iter().map(|n| c.seg().define(n)).collect();
                    out.push(Stage::Op(Op::Glob {
                        src,
                        parts: glob_parts(pattern),
                        slots,
                    }));
                }
                ParsePattern::Regex { pattern, flags, names } => {
                    let re = compile_regex(pattern, flags)?;
                    let mut slots = Vec::new();
                    for n in names {
                        if let Some(gi) = re.capture_names().position(|g| g == Some(n.as_str())) {
                            slots.push((gi, c.seg().define(n)));
                        }
                    }
                    out.push(Stage::Op(Op::Regex { src, re, slots }));
                }
            }
        }
        Command::Sort(keys) => {
            let mut ks = Vec::new();
            for k in keys {
                ks.push((c.expr(&k.expr, &mut None)?, k.order == Some(Order::Desc)));
            }
            out.push(Stage::Sort(SortSpec { keys: ks }));
        }
        Command::Limit(n) => out.push(Stage::Limit(*n as usize)),
        Command::Dedup(names) => {
            let slots = names.iter().map(|n| c.seg().read(n)).collect();
            out.push(Stage::Dedup(slots));
        }
        Command::Stats { aggregates, by } => out.push(Stage::Stats(compile_stats(c, aggregates, by)?)),
        Command::Unnest { field, into } => {
            let src = c.seg().read(field);
            let into = c.seg().define(into);
            out.push(Stage::Op(Op::Unnest { src, into }));
        }
        Command::Unsupported { name, .. } => return Err(EvalError::Unsupported(name.clone())),
    }
    Ok(out)
}

fn compile_stats(c: &mut Compiler, aggregates: &[Projection], by: &[Projection]) -> Result<StatsSpec, EvalError> {
    let keys: Vec<CExpr> = by.iter().map(|p| c.expr(&p.expr, &mut None)).collect::<Result<_, _>>()?;
    let ts_slot = c.seg().index.get("@timestamp").copied().or_else(|| {
        let uses_ts = aggregates.iter().any(|p| {
            let mut f = false;
            p.expr
                .walk(&mut |e| f |= matches!(e, Expr::Call { name, .. } if name == "earliest" || name == "latest"));
            f
        });
        uses_ts.then(|| c.seg().read("@timestamp"))
    });
    let mut specs = Vec::new();
    let mut outputs: Vec<CExpr> = (0..by.len()).map(CExpr::Slot).collect();
    let mut seg = std::mem::take(c.seg());
    for p in aggregates {
        let mut ctx = Some((&mut specs, by.len(), &mut seg));
        let e = c.expr(&p.expr, &mut ctx)?;
        outputs.push(e);
    }
    *c.seg() = seg;
    let mut next = Schema::default();
    for p in by.iter().chain(aggregates) {
        next.define(&output_name(p));
    }
    c.schemas.push(next);
    Ok(StatsSpec {
        keys,
        aggs: specs,
        outputs,
        ts_slot,
        out_segment: c.schemas.len() - 1,
    })
}

// ---------------------------------------------------------------- execution

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
    /// Applies the op; false when a filter drops the record. `Unnest` is expanded by callers.
    fn apply<'a>(&self, rec: &mut [Value<'a>], now: i64) -> bool {
        match self {
            Op::Unnest { .. } => true,
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

type Row = Vec<Value<'static>>;

fn encode_key(buf: &mut Vec<u8>, v: &Value<'_>) {
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
    }
}

struct StatsState {
    groups: FxMap<Box<[u8]>, usize>,
    entries: Vec<(Row, Vec<AggState>)>,
    buf: Vec<u8>,
}

impl StatsState {
    fn new() -> Self {
        StatsState {
            groups: FxMap::default(),
            entries: Vec::new(),
            buf: Vec::new(),
        }
    }

    fn add(&mut self, spec: &StatsSpec, rec: &[Value<'_>], now: i64) {
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

    fn merge(&mut self, spec: &StatsSpec, other: StatsState) {
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

    fn finish(self, spec: &StatsSpec, out_len: usize, now: i64) -> Vec<Row> {
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

fn cmp_keys(sort: &SortSpec, a: &[Value<'_>], b: &[Value<'_>]) -> Ordering {
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
struct TopK {
    k: usize,
    heap: Vec<(Row, u64, Row)>,
}

impl TopK {
    /// True if `a` ranks after `b` (is worse).
    fn worse(sort: &SortSpec, a: &(Row, u64, Row), b: &(Row, u64, Row)) -> bool {
        match cmp_keys(sort, &a.0, &b.0) {
            Ordering::Equal => a.1 > b.1,
            o => o == Ordering::Greater,
        }
    }

    fn would_accept(&self, sort: &SortSpec, keys: &[Value<'_>], seq: u64) -> bool {
        if self.heap.len() < self.k {
            return true;
        }
        let Some(root) = self.heap.first() else { return false };
        match cmp_keys(sort, keys, &root.0) {
            Ordering::Equal => seq < root.1,
            o => o == Ordering::Less,
        }
    }

    fn push(&mut self, sort: &SortSpec, item: (Row, u64, Row)) {
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

    fn into_sorted(self, sort: &SortSpec) -> Vec<Row> {
        let mut v = self.heap;
        v.sort_by(|a, b| match cmp_keys(sort, &a.0, &b.0) {
            Ordering::Equal => a.1.cmp(&b.1),
            o => o,
        });
        v.into_iter().map(|(_, _, r)| r).collect()
    }
}

enum SinkState {
    Stats(StatsState),
    TopK(TopK),
    Dedup(FxMap<Box<[u8]>, (i64, u64, Row)>, Vec<u8>),
}

struct Worker<'p> {
    plan: &'p Plan,
    now: i64,
    start: Option<i64>,
    end: Option<i64>,
    sink: SinkState,
    stats: QueryStats,
    key_buf: Vec<Value<'static>>,
}

impl<'p> Worker<'p> {
    fn new(plan: &'p Plan, opts: &RunOptions) -> Self {
        let sink = match &plan.sink {
            SinkSpec::Stats(_) => SinkState::Stats(StatsState::new()),
            SinkSpec::TopK { k, .. } => SinkState::TopK(TopK { k: *k, heap: Vec::new() }),
            SinkSpec::Dedup { .. } => SinkState::Dedup(FxMap::default(), Vec::new()),
        };
        Worker {
            plan,
            now: opts.now_ms,
            start: opts.start,
            end: opts.end,
            sink,
            stats: QueryStats::default(),
            key_buf: Vec::new(),
        }
    }

    fn event(&mut self, ev: EventRef<'_>, seq: u64) {
        if self.start.is_some_and(|s| ev.timestamp < s) || self.end.is_some_and(|e| ev.timestamp >= e) {
            return;
        }
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
                EventField::Log => Value::str(ev.log_group),
                EventField::Ptr => Value::Str(Cow::Owned(format!("{:016x}", seq))),
                EventField::IngestionTime => ev.ingestion_time.map_or(Value::Null, Value::Time),
            };
        }
        extract(ev.message, &plan.paths, &mut rec);
        self.process(rec, 0, seq);
    }

    /// Runs stream ops from `from` on, expanding `unnest` into one record per element.
    fn process(&mut self, mut rec: Vec<Value<'_>>, from: usize, seq: u64) {
        let plan = self.plan;
        for (i, op) in plan.stream.iter().enumerate().skip(from) {
            if let Op::Unnest { src, into } = op {
                for item in list_elements(&rec[*src]) {
                    let mut copy = rec.clone();
                    copy[*into] = item;
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
                for s in slots {
                    encode_key(buf, &rec[*s]);
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
            _ => {}
        }
        let _ = &self.key_buf;
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
            _ => Vec::new(),
        };
        (rows, self.stats)
    }
}

fn run_rest(plan: &Plan, mut rows: Vec<Row>, now: i64) -> Vec<Row> {
    let len0 = plan.seg_lens.first().copied().unwrap_or(0);
    let _ = len0;
    for stage in &plan.rest {
        match stage {
            Stage::Op(Op::Unnest { src, into }) => {
                rows = rows
                    .into_iter()
                    .flat_map(|r| {
                        list_elements(&r[*src])
                            .into_iter()
                            .map(|item| {
                                let mut copy = r.clone();
                                copy[*into] = item;
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
                    let mut buf = Vec::new();
                    for s in slots {
                        encode_key(&mut buf, r.get(*s).unwrap_or(&Value::Null));
                    }
                    seen.insert(buf)
                });
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
    rows.truncate(MAX_ROWS);
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
    QueryResult {
        columns: plan.output.iter().map(|(n, _)| n.clone()).collect(),
        rows: out,
        stats,
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
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
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
