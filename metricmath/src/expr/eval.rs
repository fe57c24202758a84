//! Evaluation of a parsed expression: the operators and every function of
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax-functions-list>.
//! What the expression needs from the request (other queries' values, `METRICS()`, `SEARCH`, the time
//! grid, anomaly bands) comes from a [`Host`].

use cloudwatch::SourceError;
use time::OffsetDateTime;

use super::parser::{BinOp, Expr, Node};
use super::series::{self, binary, by_timestamp, map, mean, stddev, Drops, Series, Value};

/// Functions CloudWatch has that need services this crate does not model; they answer a
/// `ValidationError` naming the function.
pub const UNSUPPORTED_FUNCTIONS: &[&str] = &["INSIGHT_RULE_METRIC", "SERVICE_QUOTA", "LAMBDA", "DB_PERF_INSIGHTS"];

/// Every function evaluated here.
pub const FUNCTIONS: &[&str] = &[
    "ABS",
    "ANOMALY_DETECTION_BAND",
    "AVG",
    "CEIL",
    "DATAPOINT_COUNT",
    "DIFF",
    "DIFF_TIME",
    "FILL",
    "FIRST",
    "FLOOR",
    "IF",
    "LAST",
    "LOG",
    "LOG10",
    "MAX",
    "METRIC_COUNT",
    "METRICS",
    "MIN",
    "MINUTE",
    "HOUR",
    "DAY",
    "DATE",
    "MONTH",
    "YEAR",
    "EPOCH",
    "PERIOD",
    "RATE",
    "REMOVE_EMPTY",
    "RUNNING_SUM",
    "SEARCH",
    "SLICE",
    "SORT",
    "STDDEV",
    "SUM",
    "TIME_SERIES",
];

/// Why an expression failed: at a position in it, or a request-level error raised while evaluating
/// (too many datapoints, a backend failure).
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    At { pos: usize, message: String },
    Fatal(SourceError),
}

impl EvalError {
    pub fn at(pos: usize, message: impl Into<String>) -> EvalError {
        EvalError::At {
            pos,
            message: message.into(),
        }
    }

    /// The same error, pointing at `pos` (hosts answer without knowing where the call was).
    fn relocate(self, pos: usize) -> EvalError {
        match self {
            EvalError::At { message, .. } => EvalError::At { pos, message },
            fatal => fatal,
        }
    }
}

type Result<T> = std::result::Result<T, EvalError>;

/// What an expression can ask of the request it is part of.
pub trait Host {
    /// The value of the query with this id (already evaluated: the engine goes in dependency order).
    fn value_of(&self, id: &str) -> Option<Value>;
    /// The `MetricStat` queries of the request whose id contains `filter`, in request order.
    fn metrics(&self, filter: Option<&str>) -> Vec<Series>;
    /// The period of the `MetricStat` query with this id (`None` for an expression or an unknown id).
    fn metric_period(&self, id: &str) -> Option<i64>;
    /// The period of results that no input series decides (`TIME_SERIES(10)`).
    fn default_period(&self) -> i64;
    /// Every timestamp of the requested range at `period`, oldest first.
    fn grid(&mut self, period: i64) -> std::result::Result<Vec<i64>, SourceError>;
    /// `SEARCH(query, stat, period)`: the series found, labelled.
    fn search(&mut self, query: &str, stat: &str, period: Option<i64>) -> Result<Vec<Series>>;
    /// `ANOMALY_DETECTION_BAND(id, k)`: upper and lower band of the metric query `id`.
    fn anomaly_band(&mut self, id: &str, k: f64) -> Result<Vec<Series>>;
}

pub struct Evaluator<'h> {
    pub host: &'h mut dyn Host,
    pub drops: Drops,
}

impl<'h> Evaluator<'h> {
    pub fn new(host: &'h mut dyn Host) -> Self {
        Evaluator {
            host,
            drops: Drops::default(),
        }
    }

    pub fn eval(&mut self, node: &Node) -> Result<Value> {
        match &node.expr {
            Expr::Number(n) => Ok(Value::Scalar(*n)),
            Expr::Text(s) | Expr::Quoted(s) => Err(EvalError::at(
                node.pos,
                format!("A string (\"{s}\") is only valid as an argument of METRICS or SEARCH"),
            )),
            Expr::Keyword(k) => Err(EvalError::at(node.pos, format!("Unexpected keyword {k}"))),
            Expr::Ref(id) => self
                .host
                .value_of(id)
                .ok_or_else(|| EvalError::at(node.pos, format!("Unknown metric or expression id {id}"))),
            Expr::Array(items) => self.array(items),
            Expr::Neg(inner) => {
                let v = self.eval(inner)?;
                self.negate(v, node.pos)
            }
            Expr::Binary(..) => self.chain(node),
            Expr::Call(name, args) => self.call(name, args, node.pos),
        }
    }

    /// A left-deep chain `((a op b) op c) op d` evaluated without recursing down its spine.
    fn chain(&mut self, node: &Node) -> Result<Value> {
        let mut spine = Vec::new();
        let mut cur = node;
        while let Expr::Binary(op, l, r) = &cur.expr {
            spine.push((*op, r.as_ref(), cur.pos));
            cur = l;
        }
        let mut acc = self.eval(cur)?;
        for (op, right, pos) in spine.into_iter().rev() {
            let r = self.eval(right)?;
            acc = binary(op, acc, r, &mut self.drops).map_err(|m| EvalError::at(pos, m))?;
        }
        Ok(acc)
    }

    fn negate(&mut self, v: Value, pos: usize) -> Result<Value> {
        binary(BinOp::Mul, Value::Scalar(-1.0), v, &mut self.drops).map_err(|m| EvalError::at(pos, m))
    }

    fn array(&mut self, items: &[Node]) -> Result<Value> {
        let mut out = Vec::new();
        for item in items {
            match self.eval(item)? {
                Value::Series(s) => out.push(s),
                Value::Array(xs) => out.extend(xs),
                Value::Scalar(_) => return Err(EvalError::at(item.pos, "An array can hold only time series, not a scalar")),
            }
        }
        Ok(Value::Array(out))
    }

    fn call(&mut self, name: &str, args: &[Node], pos: usize) -> Result<Value> {
        if UNSUPPORTED_FUNCTIONS.contains(&name) {
            return Err(EvalError::at(
                pos,
                format!("The function {name} is not supported by this metric source"),
            ));
        }
        match name {
            "METRICS" => self.metrics_fn(args, pos),
            "SEARCH" => self.search_fn(args, pos),
            "PERIOD" => {
                arity(name, args, 1, 1, pos)?;
                match &args[0].expr {
                    Expr::Ref(id) => self
                        .host
                        .metric_period(id)
                        .map(|p| Value::Scalar(p as f64))
                        .ok_or_else(|| EvalError::at(args[0].pos, format!("PERIOD takes the id of a metric, and {id} is not one"))),
                    _ => Err(EvalError::at(args[0].pos, "PERIOD takes the id of a metric, not an expression")),
                }
            }
            "ANOMALY_DETECTION_BAND" => {
                arity(name, args, 1, 2, pos)?;
                let Expr::Ref(id) = &args[0].expr else {
                    return Err(EvalError::at(args[0].pos, "ANOMALY_DETECTION_BAND takes the id of a metric"));
                };
                let k = match args.get(1) {
                    Some(a) => self.scalar_arg(name, a)?,
                    None => 2.0,
                };
                if !(k.is_finite() && k >= 0.0) {
                    return Err(EvalError::at(
                        pos,
                        "The number of standard deviations must be a non-negative number",
                    ));
                }
                self.host.anomaly_band(id, k).map(Value::Array).map_err(|e| e.relocate(args[0].pos))
            }
            "ABS" | "CEIL" | "FLOOR" | "LOG" | "LOG10" => {
                arity(name, args, 1, 1, pos)?;
                let f: fn(f64) -> f64 = match name {
                    "ABS" => f64::abs,
                    "CEIL" => f64::ceil,
                    "FLOOR" => f64::floor,
                    "LOG" => f64::ln,
                    _ => f64::log10,
                };
                let v = self.eval(&args[0])?;
                Ok(self.each(v, |s, d| map(s, d, f), Some(f)))
            }
            "AVG" | "SUM" | "MIN" | "MAX" | "STDDEV" | "DATAPOINT_COUNT" => {
                arity(name, args, 1, 1, pos)?;
                match self.eval(&args[0])? {
                    Value::Series(s) => Ok(Value::Scalar(aggregate(name, &s))),
                    Value::Array(xs) => Ok(Value::Series(self.across(name, &xs))),
                    Value::Scalar(_) => Err(type_error(name, &args[0], "a time series or an array of time series", "a scalar")),
                }
            }
            "METRIC_COUNT" => {
                arity(name, args, 1, 1, pos)?;
                match self.eval(&args[0])? {
                    Value::Array(xs) => Ok(Value::Scalar(xs.len() as f64)),
                    Value::Series(_) => Ok(Value::Scalar(1.0)),
                    Value::Scalar(_) => Err(type_error(name, &args[0], "an array of time series", "a scalar")),
                }
            }
            "DIFF" | "DIFF_TIME" | "RATE" | "RUNNING_SUM" => {
                arity(name, args, 1, 1, pos)?;
                let v = self.eval(&args[0])?;
                if let Value::Scalar(_) = v {
                    return Err(type_error(name, &args[0], "a time series or an array of time series", "a scalar"));
                }
                let name = name.to_string();
                Ok(self.each(v, |s, d| sequential(&name, s, d), None))
            }
            "FILL" => self.fill_fn(args, pos),
            "FIRST" | "LAST" => {
                arity(name, args, 1, 1, pos)?;
                match self.eval(&args[0])? {
                    Value::Array(xs) => {
                        let picked = if name == "FIRST" {
                            xs.into_iter().next()
                        } else {
                            xs.into_iter().last()
                        };
                        Ok(Value::Series(
                            picked.unwrap_or_else(|| Series::derived(self.host.default_period(), Vec::new())),
                        ))
                    }
                    Value::Series(s) => Ok(Value::Series(s)),
                    Value::Scalar(_) => Err(type_error(name, &args[0], "an array of time series", "a scalar")),
                }
            }
            "REMOVE_EMPTY" => {
                arity(name, args, 1, 1, pos)?;
                match self.eval(&args[0])? {
                    Value::Array(xs) => Ok(Value::Array(xs.into_iter().filter(|s| !s.points.is_empty()).collect())),
                    other => Err(type_error(name, &args[0], "an array of time series", other.kind())),
                }
            }
            "IF" => self.if_fn(args, pos),
            "MINUTE" | "HOUR" | "DAY" | "DATE" | "MONTH" | "YEAR" | "EPOCH" => {
                arity(name, args, 1, 1, pos)?;
                match self.eval(&args[0])? {
                    Value::Series(s) => {
                        let grid = self.grid(s.period)?;
                        let points = grid.into_iter().map(|t| (t, calendar(name, t))).collect();
                        Ok(Value::Series(Series::derived(s.period, points)))
                    }
                    other => Err(type_error(name, &args[0], "a time series", other.kind())),
                }
            }
            "TIME_SERIES" => {
                arity(name, args, 1, 1, pos)?;
                let x = self.scalar_arg(name, &args[0])?;
                let period = self.host.default_period();
                let grid = self.grid(period)?;
                let mut points = Vec::with_capacity(grid.len());
                for t in grid {
                    self.drops.push(&mut points, t, x);
                }
                Ok(Value::Series(Series::derived(period, points)))
            }
            "SLICE" => self.slice_fn(args, pos),
            "SORT" => self.sort_fn(args, pos),
            _ => Err(EvalError::at(pos, format!("Unrecognized function {name}"))),
        }
    }

    /// Applies a per-series function to a series or to every member of an array; `scalar` says how a
    /// scalar argument is treated (`None`: refused by the caller before).
    fn each(&mut self, v: Value, f: impl Fn(&Series, &mut Drops) -> Series, scalar: Option<fn(f64) -> f64>) -> Value {
        match v {
            Value::Series(s) => Value::Series(f(&s, &mut self.drops)),
            Value::Array(xs) => Value::Array(xs.iter().map(|s| f(s, &mut self.drops)).collect()),
            Value::Scalar(x) => Value::Scalar(scalar.map_or(f64::NAN, |g| g(x))),
        }
    }

    fn scalar_arg(&mut self, name: &str, arg: &Node) -> Result<f64> {
        match self.eval(arg)? {
            Value::Scalar(x) => Ok(x),
            other => Err(type_error(name, arg, "a scalar", other.kind())),
        }
    }

    fn grid(&mut self, period: i64) -> Result<Vec<i64>> {
        self.host.grid(period).map_err(EvalError::Fatal)
    }

    fn metrics_fn(&mut self, args: &[Node], pos: usize) -> Result<Value> {
        arity("METRICS", args, 0, 1, pos)?;
        let filter = match args.first() {
            None => None,
            Some(Node { expr: Expr::Text(s), .. }) => Some(s.as_str()),
            Some(a) => {
                return Err(EvalError::at(
                    a.pos,
                    "METRICS takes a double-quoted string, such as METRICS(\"errors\")",
                ))
            }
        };
        Ok(Value::Array(self.host.metrics(filter)))
    }

    fn search_fn(&mut self, args: &[Node], pos: usize) -> Result<Value> {
        arity("SEARCH", args, 2, 3, pos)?;
        let Expr::Quoted(query) = &args[0].expr else {
            return Err(EvalError::at(args[0].pos, "The search query must be enclosed in single quotes"));
        };
        let Expr::Quoted(stat) = &args[1].expr else {
            return Err(EvalError::at(
                args[1].pos,
                "The statistic of SEARCH must be enclosed in single quotes",
            ));
        };
        let period = match args.get(2) {
            Some(a) => {
                let p = self.scalar_arg("SEARCH", a)?;
                if p.fract() != 0.0 || !crate::validate::valid_period(p as i64) {
                    return Err(EvalError::at(
                        a.pos,
                        format!("{p} is not a valid period: use 1, 5, 10, 30 or a multiple of 60"),
                    ));
                }
                Some(p as i64)
            }
            None => None,
        };
        self.host.search(query, stat, period).map(Value::Array).map_err(|e| e.relocate(pos))
    }

    fn fill_fn(&mut self, args: &[Node], pos: usize) -> Result<Value> {
        arity("FILL", args, 2, 2, pos)?;
        let target = self.eval(&args[0])?;
        let filler = match &args[1].expr {
            Expr::Keyword(k) if k == "REPEAT" => Filler::Repeat,
            Expr::Keyword(k) if k == "LINEAR" => Filler::Linear,
            Expr::Keyword(k) => {
                return Err(EvalError::at(
                    args[1].pos,
                    format!("FILL takes a number, a time series, REPEAT or LINEAR, not {k}"),
                ))
            }
            _ => match self.eval(&args[1])? {
                Value::Scalar(x) => Filler::Value(x),
                Value::Series(s) => Filler::Series(s),
                Value::Array(_) => {
                    return Err(type_error(
                        "FILL",
                        &args[1],
                        "a scalar, a time series, REPEAT or LINEAR",
                        "an array of time series",
                    ))
                }
            },
        };
        match target {
            Value::Series(s) => Ok(Value::Series(self.fill(&s, &filler)?)),
            Value::Array(xs) => {
                let mut out = Vec::with_capacity(xs.len());
                for s in &xs {
                    out.push(self.fill(s, &filler)?);
                }
                Ok(Value::Array(out))
            }
            Value::Scalar(_) => Err(type_error("FILL", &args[0], "a time series or an array of time series", "a scalar")),
        }
    }

    fn fill(&mut self, s: &Series, filler: &Filler) -> Result<Series> {
        let grid = self.grid(s.period)?;
        let mut points: Vec<(i64, f64)> = Vec::with_capacity(grid.len().max(s.points.len()));
        match filler {
            Filler::Value(x) => {
                for &t in &grid {
                    match s.at(t) {
                        Some(v) => points.push((t, v)),
                        None => self.drops.push(&mut points, t, *x),
                    }
                }
            }
            Filler::Series(f) => {
                for &t in &grid {
                    if let Some(v) = s.at(t).or_else(|| f.at(t)) {
                        points.push((t, v));
                    }
                }
            }
            Filler::Repeat => {
                let mut last = None;
                let mut src = s.points.iter().peekable();
                for &t in &grid {
                    while let Some(&&(ts, v)) = src.peek() {
                        if ts > t {
                            break;
                        }
                        last = Some(v);
                        src.next();
                    }
                    if let Some(v) = s.at(t).or(last) {
                        points.push((t, v));
                    }
                }
            }
            Filler::Linear => {
                for &t in &grid {
                    if let Some(v) = s.at(t) {
                        points.push((t, v));
                        continue;
                    }
                    let after = s.points.partition_point(|p| p.0 < t);
                    if after == 0 || after == s.points.len() {
                        continue;
                    }
                    let (t0, v0) = s.points[after - 1];
                    let (t1, v1) = s.points[after];
                    let v = v0 + (v1 - v0) * (t - t0) as f64 / (t1 - t0) as f64;
                    self.drops.push(&mut points, t, v);
                }
            }
        }
        // Points off the grid (a backend stamping differently) are kept as they are.
        points.extend(s.points.iter().filter(|p| grid.binary_search(&p.0).is_err()));
        Series::normalize(&mut points);
        Ok(Series {
            points,
            ..Series::empty_like(s)
        })
    }

    /// `IF(condition, trueValue[, falseValue])` as the "Using IF expressions" section defines it.
    fn if_fn(&mut self, args: &[Node], pos: usize) -> Result<Value> {
        arity("IF", args, 2, 3, pos)?;
        let cond = self.eval(&args[0])?;
        let yes = self.eval(&args[1])?;
        let no = match args.get(2) {
            Some(a) => Some(self.eval(a)?),
            None => None,
        };
        for (v, a) in [(Some(&yes), &args[1]), (no.as_ref(), args.get(2).unwrap_or(&args[1]))] {
            if let Some(Value::Array(_)) = v {
                return Err(type_error("IF", a, "a scalar or a time series", "an array of time series"));
            }
        }
        match cond {
            Value::Array(_) => Err(type_error("IF", &args[0], "a scalar or a time series", "an array of time series")),
            Value::Scalar(c) => {
                let truth = c != 0.0 && !c.is_nan();
                let template = match (&yes, &no) {
                    (Value::Series(s), _) | (_, Some(Value::Series(s))) => Series::empty_like(s),
                    _ => Series::derived(self.host.default_period(), Vec::new()),
                };
                Ok(match (truth, yes, no) {
                    (true, v, _) => v,
                    (false, _, Some(v)) => v,
                    (false, Value::Scalar(_), None) => Value::Scalar(f64::NAN),
                    (false, _, None) => Value::Series(template),
                })
            }
            Value::Series(c) => {
                let mut points = Vec::with_capacity(c.points.len());
                for &(t, cv) in &c.points {
                    let v = if cv != 0.0 {
                        match &yes {
                            Value::Scalar(x) => Some(*x),
                            Value::Series(s) => Some(s.at(t).unwrap_or(0.0)),
                            Value::Array(_) => None,
                        }
                    } else {
                        match &no {
                            Some(Value::Scalar(x)) => Some(*x),
                            Some(Value::Series(s)) => s.at(t),
                            _ => None,
                        }
                    };
                    if let Some(v) = v {
                        self.drops.push(&mut points, t, v);
                    }
                }
                let meta = match (&yes, &no) {
                    (Value::Series(s), _) | (_, Some(Value::Series(s))) => Series::empty_like(s),
                    _ => Series::empty_like(&c),
                };
                Ok(Value::Series(Series { points, ..meta }))
            }
        }
    }

    fn slice_fn(&mut self, args: &[Node], pos: usize) -> Result<Value> {
        arity("SLICE", args, 2, 3, pos)?;
        let xs = match self.eval(&args[0])? {
            Value::Array(xs) => xs,
            other => return Err(type_error("SLICE", &args[0], "an array of time series", other.kind())),
        };
        let start = self.index_arg("SLICE", &args[1])?;
        let end = match args.get(2) {
            Some(a) => self.index_arg("SLICE", a)?,
            None => xs.len(),
        };
        let (start, end) = (start.min(xs.len()), end.min(xs.len()));
        Ok(Value::Array(if start < end { xs[start..end].to_vec() } else { Vec::new() }))
    }

    fn index_arg(&mut self, name: &str, arg: &Node) -> Result<usize> {
        let x = self.scalar_arg(name, arg)?;
        if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
            return Err(EvalError::at(arg.pos, format!("{name} takes whole numbers from 0, not {x}")));
        }
        Ok(x.min(usize::MAX as f64) as usize)
    }

    fn sort_fn(&mut self, args: &[Node], pos: usize) -> Result<Value> {
        arity("SORT", args, 3, 4, pos)?;
        let mut xs = match self.eval(&args[0])? {
            Value::Array(xs) => xs,
            other => return Err(type_error("SORT", &args[0], "an array of time series", other.kind())),
        };
        let func = match &args[1].expr {
            Expr::Keyword(k) if ["AVG", "MIN", "MAX", "SUM"].contains(&k.as_str()) => k.clone(),
            _ => return Err(EvalError::at(args[1].pos, "SORT sorts by AVG, MIN, MAX or SUM")),
        };
        let descending = match &args[2].expr {
            Expr::Keyword(k) if k == "ASC" => false,
            Expr::Keyword(k) if k == "DESC" => true,
            _ => return Err(EvalError::at(args[2].pos, "The sort order is ASC or DESC")),
        };
        let limit = match args.get(3) {
            Some(a) => Some(self.index_arg("SORT", a)?),
            None => None,
        };
        let mut keyed: Vec<(f64, Series)> = xs.drain(..).map(|s| (aggregate(&func, &s), s)).collect();
        // Series without data (no key) go last whatever the order; the sort is stable.
        keyed.sort_by(|a, b| match (a.0.is_nan(), b.0.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            (false, false) if descending => b.0.total_cmp(&a.0),
            (false, false) => a.0.total_cmp(&b.0),
        });
        let mut out: Vec<Series> = keyed.into_iter().map(|(_, s)| s).collect();
        if let Some(n) = limit {
            out.truncate(n);
        }
        Ok(Value::Array(out))
    }

    /// `SUM`, `AVG`, `MIN`, `MAX`, `STDDEV`, `DATAPOINT_COUNT` of an array: one series over the union of
    /// the members' timestamps. `AVG` treats a missing value as 0 (as documented); `MIN`, `MAX` and
    /// `STDDEV` use the values present; `DATAPOINT_COUNT` counts them.
    fn across(&mut self, name: &str, xs: &[Series]) -> Series {
        let period = xs.iter().map(|s| s.period).min().unwrap_or_else(|| self.host.default_period());
        let n = xs.len() as f64;
        let mut points = Vec::new();
        for (t, values) in by_timestamp(xs) {
            let v = match name {
                "SUM" => values.iter().sum(),
                "AVG" => values.iter().sum::<f64>() / n,
                "MIN" => values.iter().copied().fold(f64::INFINITY, f64::min),
                "MAX" => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                "STDDEV" => stddev(&values),
                _ => values.len() as f64,
            };
            self.drops.push(&mut points, t, v);
        }
        Series::derived(period, points)
    }
}

enum Filler {
    Value(f64),
    Series(Series),
    Repeat,
    Linear,
}

fn arity(name: &str, args: &[Node], min: usize, max: usize, pos: usize) -> Result<()> {
    if args.len() < min || args.len() > max {
        let wanted = if min == max { format!("{min}") } else { format!("{min} to {max}") };
        return Err(EvalError::at(pos, format!("{name} takes {wanted} arguments, not {}", args.len())));
    }
    Ok(())
}

fn type_error(name: &str, arg: &Node, wanted: &str, got: &str) -> EvalError {
    EvalError::at(arg.pos, format!("{name} takes {wanted} here, not {got}"))
}

/// `AVG`, `SUM`, `MIN`, `MAX`, `STDDEV`, `DATAPOINT_COUNT` of one series: a scalar (NaN when empty,
/// except the count).
pub fn aggregate(name: &str, s: &Series) -> f64 {
    let values: Vec<f64> = s.values().collect();
    match name {
        "AVG" => mean(&values),
        "SUM" if values.is_empty() => f64::NAN,
        "SUM" => values.iter().sum(),
        "MIN" => values.iter().copied().reduce(f64::min).unwrap_or(f64::NAN),
        "MAX" => values.iter().copied().reduce(f64::max).unwrap_or(f64::NAN),
        "STDDEV" => stddev(&values),
        _ => values.len() as f64,
    }
}

/// `DIFF`, `DIFF_TIME`, `RATE` (per second) and `RUNNING_SUM` of one series.
fn sequential(name: &str, s: &Series, drops: &mut Drops) -> Series {
    let mut points = Vec::with_capacity(s.points.len());
    if name == "RUNNING_SUM" {
        let mut total = 0.0;
        for &(t, v) in &s.points {
            total += v;
            drops.push(&mut points, t, total);
        }
    } else {
        for w in s.points.windows(2) {
            let ((t0, v0), (t1, v1)) = (w[0], w[1]);
            let v = match name {
                "DIFF" => v1 - v0,
                "DIFF_TIME" => (t1 - t0) as f64,
                _ => series::apply(BinOp::Div, v1 - v0, (t1 - t0) as f64),
            };
            drops.push(&mut points, t1, v);
        }
    }
    Series {
        points,
        ..Series::empty_like(s)
    }
}

/// `MINUTE` (0–59), `HOUR` (0–23), `DAY` (1–7, Monday to Sunday), `DATE` (1–31), `MONTH` (1–12),
/// `YEAR`, `EPOCH` (seconds) of a timestamp, in UTC.
fn calendar(name: &str, t: i64) -> f64 {
    let Ok(dt) = OffsetDateTime::from_unix_timestamp(t) else {
        return f64::NAN;
    };
    match name {
        "MINUTE" => f64::from(dt.minute()),
        "HOUR" => f64::from(dt.hour()),
        "DAY" => f64::from(dt.weekday().number_from_monday()),
        "DATE" => f64::from(dt.day()),
        "MONTH" => f64::from(u8::from(dt.month())),
        "YEAR" => f64::from(dt.year()),
        _ => t as f64,
    }
}
