//! Compilation: a parsed [`Query`] becomes a [`Plan`], with field names resolved to slots,
//! regexes compiled and the blocking command chosen as the sink.
//!
//! Everything that can fail for a query (unsupported commands, bad regexes, unsubstituted
//! parameters) fails here, before any event is read; this module must never look at events.

use super::agg::AggKind;
use super::discover;
use super::engine::{EvalError, MAX_ROWS};
use super::flatten::PathSet;
use super::funcs::Func;
use super::plan::{AggSpec, CExpr, EventField, Like, Op, PatternSpec, Plan, SinkSpec, SortSpec, Stage, StatsSpec};
use super::value::Value;
use crate::analyze::output_fields;
use crate::ast::{BinaryOp, Command, DiffPeriod, Expr, Order, ParsePattern, Projection, Query, UnaryOp, DIFF_COLUMNS, PATTERN_COLUMNS};
use crate::lexer::TimeUnit;
use crate::parser::output_name;
use crate::parser::MAX_LIMIT;
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashMap;

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

struct Compiler {
    schemas: Vec<Schema>,
}

impl Compiler {
    fn seg(&mut self) -> &mut Schema {
        let n = self.schemas.len() - 1;
        &mut self.schemas[n]
    }

    /// A field read: its slot, or for `m.a.b` where `m` is a field this query defined (a
    /// `jsonParse` result, an `unnest` item) and `m.a.b` itself is not, a path into `m`.
    fn field(&mut self, n: &str) -> CExpr {
        let seg = self.seg();
        let defined = |s: &Schema, name: &str| s.index.get(name).is_some_and(|&i| s.defined.get(i).copied().unwrap_or(true));
        if !defined(seg, n) {
            let mut cut = n.len();
            while let Some(dot) = n[..cut].rfind('.') {
                if dot > 0 && defined(seg, &n[..dot]) {
                    let base = seg.index[&n[..dot]];
                    let keys = n[dot + 1..].split('.').map(str::to_string).collect();
                    return CExpr::Path(Box::new(CExpr::Slot(base)), keys);
                }
                cut = dot;
            }
        }
        CExpr::Slot(seg.read(n))
    }

    /// A bare field named by `fields`/`display`: a path gets a slot of its own.
    fn show(&mut self, n: &str) -> Option<Stage> {
        match self.field(n) {
            CExpr::Slot(_) => None,
            path => Some(Stage::Op(Op::Assign(self.seg().define(n), path))),
        }
    }

    fn expr(&mut self, e: &Expr, aggs: &mut Option<(&mut Vec<AggSpec>, usize, &mut Schema)>) -> Result<CExpr, EvalError> {
        Ok(match e {
            Expr::Field(n) => match aggs {
                Some(_) => CExpr::Lit(Value::Null),
                None => self.field(n),
            },
            Expr::Index(base, idx) => CExpr::Index(Box::new(self.expr(base, aggs)?), Box::new(self.expr(idx, aggs)?)),
            Expr::Str(s) => CExpr::Lit(Value::Str(Cow::Owned(s.clone()))),
            Expr::Num(n) => CExpr::Lit(Value::Num(*n)),
            Expr::Duration(n, u) => CExpr::Lit(Value::Num(period_ms(*n, *u) as f64)),
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
                if let Some(mut kind) = AggKind::from_name(name, pct_arg(args), args.first() == Some(&Expr::Star) || args.is_empty()) {
                    if let (AggKind::Rate(_), Some(Expr::Duration(n, u))) = (kind, args.get(1)) {
                        kind = AggKind::Rate(period_ms(*n, *u));
                    }
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
                // CloudWatch caps the count per unit (`bin(300s)` runs as 60 s): see `TimeUnit::cap`.
                let period = |i: usize| match args.get(i) {
                    Some(Expr::Duration(n, u)) => (u.capped(*n), *u),
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
                        let mut cargs = Vec::with_capacity(args.len());
                        for (i, a) in args.iter().enumerate() {
                            cargs.push(match a {
                                // `strcontains(s, "x", true)`: the bare words `true`/`false` there
                                // are the case flag, not fields.
                                Expr::Field(w) if f == Func::Strcontains && i == 2 && w.eq_ignore_ascii_case("true") => {
                                    CExpr::Lit(Value::Bool(true))
                                }
                                Expr::Field(w) if f == Func::Strcontains && i == 2 && w.eq_ignore_ascii_case("false") => {
                                    CExpr::Lit(Value::Bool(false))
                                }
                                _ => self.expr(a, aggs)?,
                            });
                        }
                        CExpr::Call(f, cargs)
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
    // CWL_QuerySyntax-Addtotals: the local engine totals the final result, so `addtotals` must
    // end the query; it adds its column to the output and is applied when rows are rendered.
    if let Some(Command::AddTotals(t)) = q.commands.last() {
        let mut core = q.clone();
        core.commands.pop();
        let mut plan = compile(&core)?;
        if t.row && !plan.output.iter().any(|(n, _)| n == &t.fieldname) {
            plan.output.push((t.fieldname.clone(), None));
        }
        plan.totals = Some(t.clone());
        return Ok(plan);
    }
    if let Some(Command::Unsupported { name, .. }) = q.commands.iter().find(|c| matches!(c, Command::Unsupported { .. })) {
        return Err(EvalError::Unsupported(name.clone()));
    }
    // Each `unnest` and `parse ... multi` makes several records of one, recursively.
    let fan_outs = q
        .commands
        .iter()
        .filter(|c| {
            matches!(
                c,
                Command::Unnest { .. }
                    | Command::Parse {
                        pattern: ParsePattern::Regex { multi: true, .. },
                        ..
                    }
            )
        })
        .count();
    if fan_outs > 16 {
        return Err(EvalError::Unsupported(
            "more than 16 `unnest` and `parse ... multi` commands in one query".into(),
        ));
    }
    let mut c = Compiler {
        schemas: vec![Schema::default()],
    };
    let ts0 = c.seg().read("@timestamp");
    let blocking = q.commands.iter().position(|c| {
        matches!(
            c,
            Command::Stats { .. }
                | Command::Sort(_)
                | Command::Limit(_)
                | Command::LimitAny(_)
                | Command::Dedup(_)
                | Command::Pattern(_)
                | Command::Diff(_)
        )
    });
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
        // `limit any n` may return any n matches (CWL_QuerySyntax-Limit); the newest n are as
        // good as any, and deterministic.
        Some((i, Command::Limit(n) | Command::LimitAny(n))) => (
            SinkSpec::TopK {
                sort: default_sort,
                k: limit_rows(*n),
            },
            i + 1,
        ),
        Some((i, Command::Sort(_))) => {
            let Some(Stage::Sort(sort)) = compile_command(&mut c, &q.commands[i])?.pop() else {
                return Err(EvalError::Unsupported("internal: sort".into()));
            };
            match q.commands.get(i + 1) {
                Some(Command::Limit(n) | Command::LimitAny(n)) => (SinkSpec::TopK { sort, k: limit_rows(*n) }, i + 2),
                _ => (SinkSpec::TopK { sort, k: MAX_ROWS }, i + 1),
            }
        }
        Some((i, Command::Dedup(names))) => {
            let slots = names.iter().map(|n| c.seg().read(n)).collect();
            (SinkSpec::Dedup { slots, ts_slot: ts0 }, i + 1)
        }
        Some((i, Command::Pattern(e))) => match q.commands.get(i + 1) {
            Some(Command::Diff(period)) => (SinkSpec::Pattern(compile_pattern(&mut c, e, Some(*period))?), i + 2),
            _ => (SinkSpec::Pattern(compile_pattern(&mut c, e, None)?), i + 1),
        },
        Some((i, Command::Diff(period))) => (
            SinkSpec::Pattern(compile_pattern(&mut c, &Expr::Field("@message".into()), Some(*period))?),
            i + 1,
        ),
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
    let mut discovered = Vec::new();
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
        if let Some(f) = f {
            event_slots.push((i, f));
            continue;
        }
        discovered.extend(discover::known(name).into_iter().map(|k| (i, k)));
        // "If the name of a discovered log field starts with the @ character, CloudWatch Logs
        // Insights displays it with an additional @" (CWL_AnalyzeLogData-discoverable-fields):
        // the JSON key `@x` is the field `@@x`, and `@x` is never a JSON key.
        match name.strip_prefix('@') {
            Some(key) if key.starts_with('@') => paths.insert(key, i),
            Some(_) => {}
            None => paths.insert(name, i),
        }
    }
    // Without `limit` CloudWatch returns up to 10,000 rows; an explicit `limit` may ask for
    // more, up to 100,000 (CWL_QuerySyntax-Limit).
    let max_rows = q
        .commands
        .iter()
        .filter_map(|c| match c {
            Command::Limit(n) | Command::LimitAny(n) => Some(limit_rows(*n)),
            _ => None,
        })
        .fold(MAX_ROWS, usize::max);
    let time_shift_ms = match &sink {
        SinkSpec::Stats(_) => match blocking.map(|i| &q.commands[i]) {
            Some(Command::Stats { offset: Some((n, u)), .. }) => period_ms(*n, *u),
            _ => 0,
        },
        _ => 0,
    };
    Ok(Plan {
        totals: None,
        max_rows,
        time_shift_ms,
        event_slots,
        paths,
        discovered,
        seg0_len: s0.names.len(),
        stream,
        sink,
        rest,
        seg_lens: c.schemas.iter().map(|s| s.names.len()).collect(),
        output,
    })
}

/// `e` with every field named in `earlier` (outside aggregate calls) replaced by its expression.
fn inline_aliases(e: &Expr, earlier: &[(String, Expr)]) -> Expr {
    let rec = |x: &Expr| inline_aliases(x, earlier);
    match e {
        Expr::Field(n) => earlier
            .iter()
            .rev()
            .find(|(name, _)| name == n)
            .map_or_else(|| e.clone(), |(_, x)| x.clone()),
        Expr::Call { name, .. } if AggKind::from_name(name, 50.0, false).is_some() => e.clone(),
        Expr::Call { name, args } => Expr::Call {
            name: name.clone(),
            args: args.iter().map(rec).collect(),
        },
        Expr::Unary(op, x) => Expr::Unary(*op, Box::new(rec(x))),
        Expr::Binary(op, l, r) => Expr::Binary(*op, Box::new(rec(l)), Box::new(rec(r))),
        Expr::In { expr, list, negated } => Expr::In {
            expr: Box::new(rec(expr)),
            list: Box::new(rec(list)),
            negated: *negated,
        },
        Expr::List(items) => Expr::List(items.iter().map(rec).collect()),
        other => other.clone(),
    }
}

/// A period in milliseconds; a month counts 30 days (quarters 90, years 365) where a length
/// is needed rather than a calendar step.
fn period_ms(n: u64, u: TimeUnit) -> i64 {
    let unit = u.fixed_millis().unwrap_or(match u {
        TimeUnit::Q => 90 * 86_400_000,
        TimeUnit::Y => 365 * 86_400_000,
        _ => 30 * 86_400_000,
    });
    (n as i64).saturating_mul(unit)
}

fn limit_rows(n: u64) -> usize {
    n.min(MAX_LIMIT) as usize
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
                    (Expr::Field(n), None) => out.extend(c.show(n)),
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
                out.extend(c.show(n));
            }
        }
        Command::Filter(e) | Command::FilterIndex(e) => {
            let e = c.expr(e, &mut None)?;
            out.push(Stage::Op(Op::Filter(e)));
        }
        Command::Unmask(f) => {
            c.seg().read(f);
        }
        Command::Parse {
            field,
            pattern: ParsePattern::Json { path, alias },
        } => {
            // `json field=f "a.b" as x`: the value at the path inside f's structure.
            let src = c.field(field);
            let e = CExpr::Path(Box::new(src), path.split('.').map(str::to_string).collect());
            let slot = c.seg().define(alias);
            out.push(Stage::Op(Op::Assign(slot, e)));
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
                ParsePattern::Regex {
                    pattern,
                    flags,
                    names,
                    aliased,
                    multi,
                } => {
                    let re = compile_regex(pattern, flags)?;
                    let mut slots = Vec::new();
                    if *aliased {
                        // `as a, b`: the capturing groups in order, named or not.
                        if re.captures_len() != names.len() + 1 {
                            return Err(EvalError::Regex(format!(
                                "the regex has {} capturing groups but {} names follow `as`",
                                re.captures_len() - 1,
                                names.len()
                            )));
                        }
                        for (i, n) in names.iter().enumerate() {
                            slots.push((i + 1, c.seg().define(n)));
                        }
                    } else {
                        for n in names {
                            if let Some(gi) = re.capture_names().position(|g| g == Some(n.as_str())) {
                                slots.push((gi, c.seg().define(n)));
                            }
                        }
                    }
                    out.push(Stage::Op(if *multi {
                        Op::RegexMulti { src, re, slots }
                    } else {
                        Op::Regex { src, re, slots }
                    }));
                }
                ParsePattern::Logfmt { alias } => {
                    let slot = c.seg().define(alias);
                    out.push(Stage::Op(Op::Logfmt { src, slot }));
                }
                ParsePattern::Csv { names } => {
                    let slots = names.iter().map(|n| c.seg().define(n)).collect();
                    out.push(Stage::Op(Op::Csv { src, slots }));
                }
                ParsePattern::Json { .. } => return Err(EvalError::Unsupported("internal: json".into())),
            }
        }
        Command::Sort(keys) => {
            let mut ks = Vec::new();
            for k in keys {
                ks.push((c.expr(&k.expr, &mut None)?, k.order == Some(Order::Desc)));
            }
            out.push(Stage::Sort(SortSpec { keys: ks }));
        }
        Command::Limit(n) | Command::LimitAny(n) => out.push(Stage::Limit(limit_rows(*n))),
        Command::Dedup(names) => {
            let slots = names.iter().map(|n| c.seg().read(n)).collect();
            out.push(Stage::Dedup(slots));
        }
        Command::Stats { aggregates, by, offset } => out.push(Stage::Stats(compile_stats(c, aggregates, by, *offset)?)),
        Command::Unnest { field, into } => {
            let src = c.field(field);
            let into = c.seg().define(into);
            out.push(Stage::Op(Op::Unnest { src, into }));
        }
        Command::Unsupported { name, .. } => return Err(EvalError::Unsupported(name.clone())),
        // `compile` takes a final `addtotals` off before it compiles the rest.
        Command::AddTotals(_) => return Err(EvalError::Unsupported("addtotals before another command".into())),
        // Over rows a `sort`, `limit`, `dedup` or `stats` produced: plain clustering.
        Command::Pattern(e) => out.push(Stage::Pattern(compile_pattern(c, e, None)?)),
        // The earlier period's events are gone once a blocking command ran.
        Command::Diff(_) => return Err(EvalError::Unsupported("`diff` after `sort`, `limit`, `dedup` or `stats`".into())),
    }
    Ok(out)
}

fn compile_pattern(c: &mut Compiler, text: &Expr, diff: Option<DiffPeriod>) -> Result<PatternSpec, EvalError> {
    let text = c.expr(text, &mut None)?;
    let mut next = Schema::default();
    let columns: &[&str] = if diff.is_some() { &DIFF_COLUMNS } else { &PATTERN_COLUMNS };
    for n in columns {
        next.define(n);
    }
    c.schemas.push(next);
    Ok(PatternSpec {
        text,
        diff,
        out_segment: c.schemas.len() - 1,
    })
}

fn compile_stats(
    c: &mut Compiler,
    aggregates: &[Projection],
    by: &[Projection],
    offset: Option<(u64, TimeUnit)>,
) -> Result<StatsSpec, EvalError> {
    let shift = offset.map_or(0, |(n, u)| period_ms(n, u));
    let keys: Vec<CExpr> = by
        .iter()
        .map(|p| {
            let k = c.expr(&p.expr, &mut None)?;
            // `offset` moves each time bin later by its period (the scan window moves earlier
            // by as much: see `Plan::time_shift_ms`).
            Ok(match &p.expr {
                Expr::Call { name, .. } if name == "bin" && shift != 0 => CExpr::Call(Func::Shift(shift), vec![k]),
                _ => k,
            })
        })
        .collect::<Result<_, EvalError>>()?;
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
    let mut earlier: Vec<(String, Expr)> = Vec::new();
    for p in aggregates {
        // An aggregate may use the names of the aggregates before it (AWS's Lambda sample
        // query: `max(...) as a, max(...) as b, a - b as c`): inline their expressions.
        let e = inline_aliases(&p.expr, &earlier);
        let mut ctx = Some((&mut specs, by.len(), &mut seg));
        outputs.push(c.expr(&e, &mut ctx)?);
        earlier.push((output_name(p), e));
    }
    *c.seg() = seg;
    let mut next = Schema::default();
    for p in by.iter().chain(aggregates) {
        next.define(&output_name(p));
    }
    // A second `stats` may bin again (CWL_QuerySyntax-Stats, `... BY bin(5m) | ... | STATS
    // max(...) BY bin(1h)`): there @timestamp is the first one's time bin.
    if let Some(p) = by.iter().find(|p| matches!(&p.expr, Expr::Call { name, .. } if name == "bin")) {
        let slot = next.slot(&output_name(p));
        next.index.entry("@timestamp".to_string()).or_insert(slot);
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
