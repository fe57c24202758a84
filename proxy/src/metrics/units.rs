//! Splitting a widget's queries into cacheable units.
//!
//! A *unit* is one returned query (a metric or an expression with `ReturnData` true) together with
//! every query it depends on, with ids renamed in request order to `q0`, `q1`, … so that two
//! viewers who named the same query `m1` and `cpu` share one cache entry. `METRICS()` (all
//! metrics of the request, or those whose id contains a string) is written out as the array of
//! the ids it stands for before renaming, so a unit means the same thing in any call it is packed
//! into. The range is aligned to the unit's period (start down, end up), so identical views
//! opened seconds apart share work.

use std::collections::{BTreeSet, HashMap};

use cloudwatch::metrics::{LabelOptions, MetricDataQuery};
use cloudwatch::SourceError;
use metricmath::expr::parser::{self, Node};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// GetMetricData's limits per call.
pub const MAX_QUERIES: usize = 500;
pub const MAX_POINTS: u64 = 100_800;

/// The cache key of a unit: a hash of its canonical queries, aligned range and label zone.
pub type UnitKey = [u8; 32];

/// One cacheable unit of work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    #[serde(skip)]
    pub key: UnitKey,
    /// The same unit over any range of the same length (a relative view as time moves on): its
    /// newest data stands in, marked stale, when this range cannot be fetched.
    #[serde(skip)]
    pub lineage: UnitKey,
    /// The unit's queries with canonical ids (`q0`…); only `root` returns data.
    pub queries: Vec<MetricDataQuery>,
    /// The canonical id of the returned query.
    pub root: String,
    /// Aligned range, epoch seconds.
    pub start: i64,
    pub end: i64,
    /// The period the range is aligned to (the largest period in the unit).
    pub period: i64,
    pub label_timezone: Option<String>,
    /// Data points the unit can return (every query's series over the range; a SEARCH counts
    /// as one series here, its real size is only known from the answer, which is paged).
    #[serde(skip)]
    pub points: u64,
    /// Said to the user when the period had to be raised.
    #[serde(skip)]
    pub note: Option<String>,
}

/// A widget's queries as units: for each returned query (in request order), its caller id and
/// its unit or the reason it cannot be asked.
pub type Split = Vec<(String, Result<Unit, SourceError>)>;

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && id.len() <= 255
}

/// Checks the request as CloudWatch would before any unit is made (these errors fail the whole
/// widget, as they would the whole call).
pub fn validate(queries: &[MetricDataQuery], start: i64, end: i64) -> Result<(), SourceError> {
    if queries.is_empty() {
        return Err(SourceError::invalid_parameter("The widget has no metrics."));
    }
    if queries.len() > MAX_QUERIES {
        return Err(SourceError::invalid_parameter(format!(
            "The collection MetricDataQueries must not have a size greater than {MAX_QUERIES} (it has {}).",
            queries.len()
        )));
    }
    if end <= start {
        return Err(SourceError::invalid_parameter(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let mut seen = BTreeSet::new();
    for q in queries {
        if !valid_id(&q.id) {
            return Err(SourceError::invalid_parameter(format!(
                "The value {} for parameter MetricDataQueries.member.Id is not valid: it must start with a lower-case letter and contain only letters, numbers and underscores.",
                q.id
            )));
        }
        if !seen.insert(q.id.as_str()) {
            return Err(SourceError::invalid_parameter(format!(
                "The value {} for parameter MetricDataQueries.member.Id is not unique.",
                q.id
            )));
        }
        match (&q.metric_stat, &q.expression) {
            (Some(ms), None) if ms.period <= 0 => {
                return Err(SourceError::invalid_parameter(format!("The period of {} must be positive.", q.id)));
            }
            (Some(_), None) | (None, Some(_)) => {}
            _ => {
                return Err(SourceError::invalid_parameter(format!(
                    "Exactly one of MetricStat and Expression must be specified for {}.",
                    q.id
                )))
            }
        }
    }
    if !queries.iter().any(returns) {
        return Err(SourceError::invalid_parameter("No query of the widget returns data."));
    }
    Ok(())
}

fn returns(q: &MetricDataQuery) -> bool {
    q.return_data.unwrap_or(true)
}

/// A parsed expression's references: ids, and `METRICS(...)` calls with their byte span and
/// filter.
struct Refs {
    ids: Vec<(String, usize)>,
    metrics_calls: Vec<(usize, usize, Option<String>)>,
}

/// The byte offset of a 1-based character position (as the metric-math parser reports them).
fn byte_at(expr: &str, pos: usize) -> usize {
    expr.char_indices().nth(pos.saturating_sub(1)).map_or(expr.len(), |(b, _)| b)
}

fn refs_of(expr: &str) -> Result<Refs, SourceError> {
    let node: Node = parser::parse(expr).map_err(|e| SourceError::invalid_parameter(format!("Error in expression: {}", e.message)))?;
    let mut ids = Vec::new();
    node.refs(&mut ids);
    for r in &mut ids {
        r.1 = byte_at(expr, r.1);
    }
    let mut calls = Vec::new();
    node.calls(&mut calls);
    for c in &mut calls {
        c.1 = byte_at(expr, c.1);
    }
    let mut metrics_calls = Vec::new();
    for (name, pos) in calls {
        if name.eq_ignore_ascii_case("METRICS") {
            let (end, filter) =
                call_span(expr, pos).ok_or_else(|| SourceError::invalid_parameter("Error in expression: unterminated METRICS call"))?;
            metrics_calls.push((pos, end, filter));
        }
    }
    Ok(Refs { ids, metrics_calls })
}

/// The end (exclusive) of the call starting at `pos` (`NAME ( ["text"] )`) and its string argument.
fn call_span(expr: &str, pos: usize) -> Option<(usize, Option<String>)> {
    let bytes = expr.as_bytes();
    let mut i = pos;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    if bytes.get(i) != Some(&b'(') {
        return None;
    }
    i = skip_ws(i + 1);
    let mut filter = None;
    if let Some(&q @ (b'"' | b'\'')) = bytes.get(i) {
        let close = expr[i + 1..].find(q as char)? + i + 1;
        filter = Some(expr[i + 1..close].to_string());
        i = skip_ws(close + 1);
    }
    (bytes.get(i) == Some(&b')')).then_some((i + 1, filter))
}

/// `expr` with each referenced id replaced by `rename(id)` and each `METRICS(...)` by `[ids]`.
pub fn rewrite(
    expr: &str,
    rename: &dyn Fn(&str) -> Option<String>,
    metrics: &dyn Fn(Option<&str>) -> Vec<String>,
) -> Result<String, SourceError> {
    let refs = refs_of(expr)?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (id, pos) in &refs.ids {
        if let Some(new) = rename(id) {
            edits.push((*pos, pos + id.len(), new));
        }
    }
    for (start, end, filter) in &refs.metrics_calls {
        let ids = metrics(filter.as_deref());
        let ids: Vec<String> = ids.iter().filter_map(|i| rename(i)).collect();
        edits.push((*start, *end, format!("[{}]", ids.join(", "))));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = expr.to_string();
    for (s, e, new) in edits {
        if s <= e && e <= out.len() && out.is_char_boundary(s) && out.is_char_boundary(e) {
            out.replace_range(s..e, &new);
        }
    }
    Ok(out)
}

fn floor(t: i64, p: i64) -> i64 {
    t.div_euclid(p) * p
}

fn ceil(t: i64, p: i64) -> i64 {
    -floor(-t, p)
}

/// The smallest valid period (a multiple of 60) at which one series over `span` seconds stays
/// within the point limit.
fn raised_period(span: i64) -> i64 {
    let needed = (span + MAX_POINTS as i64 - 1) / MAX_POINTS as i64;
    ceil(needed.max(60), 60)
}

/// Splits a widget's queries (already [`validate`]d) over `[start, end)` (epoch seconds).
pub fn split(queries: &[MetricDataQuery], start: i64, end: i64, label_options: Option<&LabelOptions>) -> Split {
    let index: HashMap<&str, usize> = queries.iter().enumerate().map(|(i, q)| (q.id.as_str(), i)).collect();
    let metric_ids = |filter: Option<&str>| -> Vec<String> {
        queries
            .iter()
            .filter(|q| q.metric_stat.is_some() && filter.is_none_or(|f| q.id.contains(f)))
            .map(|q| q.id.clone())
            .collect()
    };
    // Direct dependencies of every query (by index).
    let mut deps: Vec<Result<Vec<usize>, SourceError>> = Vec::with_capacity(queries.len());
    for q in queries {
        deps.push(match &q.expression {
            None => Ok(Vec::new()),
            Some(e) => refs_of(e).and_then(|r| {
                let mut d = Vec::new();
                for (id, _) in &r.ids {
                    match index.get(id.as_str()) {
                        Some(&i) => d.push(i),
                        None => {
                            return Err(SourceError::invalid_parameter(format!(
                                "Error in expression {}: Unrecognized metric or expression id {id}",
                                q.id
                            )))
                        }
                    }
                }
                for (_, _, f) in &r.metrics_calls {
                    d.extend(metric_ids(f.as_deref()).iter().filter_map(|id| index.get(id.as_str()).copied()));
                }
                Ok(d)
            }),
        });
    }
    let tz = label_options.and_then(|l| l.timezone.clone());
    let mut out = Vec::new();
    for (root, q) in queries.iter().enumerate() {
        if !returns(q) {
            continue;
        }
        out.push((q.id.clone(), unit_for(queries, &deps, root, start, end, tz.clone(), &metric_ids)));
    }
    out
}

fn unit_for(
    queries: &[MetricDataQuery],
    deps: &[Result<Vec<usize>, SourceError>],
    root: usize,
    start: i64,
    end: i64,
    tz: Option<String>,
    metric_ids: &dyn Fn(Option<&str>) -> Vec<String>,
) -> Result<Unit, SourceError> {
    // The closure, in request order.
    let mut member = vec![false; queries.len()];
    let mut stack = vec![root];
    while let Some(i) = stack.pop() {
        if member[i] {
            continue;
        }
        member[i] = true;
        match &deps[i] {
            Ok(d) => stack.extend(d.iter().copied()),
            Err(e) => return Err(e.clone()),
        }
    }
    let members: Vec<usize> = (0..queries.len()).filter(|&i| member[i]).collect();
    let canon: HashMap<&str, String> = members
        .iter()
        .enumerate()
        .map(|(k, &i)| (queries[i].id.as_str(), format!("q{k}")))
        .collect();
    let rename = |id: &str| canon.get(id).cloned();
    let mut period = members
        .iter()
        .filter_map(|&i| queries[i].metric_stat.as_ref().map(|m| m.period).or(queries[i].period))
        .max()
        .unwrap_or(60)
        .max(1);
    let mut note = None;
    let span = end - start;
    if span / period > MAX_POINTS as i64 {
        let raised = raised_period(span);
        note = Some(format!(
            "{}: the period was raised from {period} s to {raised} s, because one series over this range would exceed {MAX_POINTS} data points.",
            queries[root].id
        ));
        period = raised;
    }
    let (a_start, a_end) = (floor(start, period), ceil(end, period));
    let mut out = Vec::with_capacity(members.len());
    let mut points = 0u64;
    for &i in &members {
        let q = &queries[i];
        let mut c = q.clone();
        c.id = canon[q.id.as_str()].clone();
        c.return_data = Some(i == root);
        if let Some(e) = &q.expression {
            c.expression = Some(rewrite(e, &rename, metric_ids)?);
            if c.period.is_some_and(|p| p < period) && note.is_some() {
                c.period = Some(period);
            }
        }
        let mut qp = period;
        if let Some(ms) = c.metric_stat.as_mut() {
            if ms.period < period && note.is_some() {
                ms.period = period;
            }
            qp = ms.period;
        }
        points += ((a_end - a_start) / qp.max(1)).max(1) as u64;
        out.push(c);
    }
    let mut unit = Unit {
        key: [0; 32],
        lineage: [0; 32],
        queries: out,
        root: canon[queries[root].id.as_str()].clone(),
        start: a_start,
        end: a_end,
        period,
        label_timezone: tz,
        points,
        note,
    };
    unit.key = key_of(&unit);
    unit.lineage = lineage_of(&unit);
    Ok(unit)
}

fn lineage_of(unit: &Unit) -> UnitKey {
    let mut h = Sha256::new();
    h.update(
        serde_json::to_vec(&(&unit.queries, &unit.root, unit.period, &unit.label_timezone, unit.end - unit.start)).unwrap_or_default(),
    );
    h.finalize().into()
}

fn key_of(unit: &Unit) -> UnitKey {
    let mut h = Sha256::new();
    // Serialising plain data cannot fail; an empty hash input would only merge nothing.
    h.update(serde_json::to_vec(unit).unwrap_or_default());
    h.finalize().into()
}
