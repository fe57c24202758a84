//! GetMetricData request validation, with CloudWatch's error codes and wording, and the time rules of
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html> and
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html>:
//!
//! - 1 to 500 queries; ids match `^[a-z][a-zA-Z0-9_]*$` (at most 255 characters) and are unique; each query
//!   has exactly one of `MetricStat` and `Expression`; at least one has `ReturnData` true.
//! - Periods are 1, 5, 10, 30 or a multiple of 60; `StartTime` is before `EndTime`.
//! - `StartTime` is rounded down: to the period for 1/5/10/30-second periods, else to the minute when it is
//!   less than 15 days ago, to 5 minutes between 15 and 63 days, to the hour beyond.
//! - Retention: data at periods under 60 s is kept 3 hours, at multiples of 60 s 15 days, of 300 s 63 days,
//!   of 3600 s 455 days; older data points are not returned ("no data points in that time range is returned").
//! - A series may span at most [`MAX_DATAPOINTS`] periods (the limit of one call; as GetMetricStatistics
//!   words it: "You have requested up to N datapoints, which exceeds the limit of ...").
//!
//! Messages observed from CloudWatch are used verbatim (`The value ... for parameter
//! MetricDataQueries.member.N.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`, `The values for
//! parameter id in MetricDataQueries are not unique.`, `... is not a valid statistic.`); the others follow
//! the AWS query-protocol phrasing.

use std::collections::{HashMap, HashSet};

use cloudwatch::metrics::{GetMetricDataInput, MetricDataQuery, MAX_DATAPOINTS, MAX_QUERIES};
use cloudwatch::{ErrorKind, SourceError};
use time::UtcOffset;

use crate::expr::eval::{FUNCTIONS, UNSUPPORTED_FUNCTIONS};
use crate::expr::{parse, Node};
use crate::stat::{invalid_statistic, Statistic};

/// Longest `Expression` accepted.
pub const MAX_EXPRESSION_CHARS: usize = 2048;
/// Longest `Id` accepted.
pub const MAX_ID_CHARS: usize = 255;
/// Most dimensions a metric may have.
pub const MAX_DIMENSIONS: usize = 30;
/// Most `SEARCH` expressions in one request ("You can have as many as 100 search expressions on one graph").
pub const MAX_SEARCHES: usize = 100;

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The units `MetricStat.Unit` accepts.
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// CloudWatch's `ValidationError`.
pub fn validation_error(message: impl Into<String>) -> SourceError {
    SourceError::new(ErrorKind::Validation, "ValidationError", message)
}

/// An error in one expression, naming its query.
pub fn expression_error(id: &str, pos: Option<usize>, message: &str) -> SourceError {
    match pos {
        Some(p) => validation_error(format!("Error in expression {id} at position {p}: {message}")),
        None => validation_error(format!("Error in expression {id}: {message}")),
    }
}

/// 1, 5, 10, 30 or a multiple of 60.
pub fn valid_period(period: i64) -> bool {
    period > 0 && (matches!(period, 1 | 5 | 10 | 30) || period % MINUTE == 0)
}

/// How long data at `period` is kept.
pub fn retention(period: i64) -> i64 {
    if period % HOUR == 0 {
        455 * DAY
    } else if period % 300 == 0 {
        63 * DAY
    } else if period % MINUTE == 0 {
        15 * DAY
    } else {
        3 * HOUR
    }
}

pub fn align_down(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step
}

pub fn align_up(t: i64, step: i64) -> i64 {
    let down = align_down(t, step);
    if down == t {
        t
    } else {
        down + step
    }
}

/// `StartTime` as CloudWatch rounds it for a query at `period`.
pub fn round_start(start: i64, period: i64, now: i64) -> i64 {
    if period < MINUTE {
        return align_down(start, period);
    }
    let age = now - start;
    if age < 15 * DAY {
        align_down(start, MINUTE)
    } else if age <= 63 * DAY {
        align_down(start, 300)
    } else {
        align_down(start, HOUR)
    }
}

/// The earliest time data at `period` is returned from: the rounded start, or the retention horizon.
pub fn effective_start(start: i64, period: i64, now: i64) -> i64 {
    round_start(start, period, now).max(now - retention(period))
}

/// `You have requested up to N datapoints, which exceeds the limit of 100800. ...`
pub fn too_many_datapoints(requested: i64) -> SourceError {
    SourceError::invalid_combination(format!(
        "You have requested up to {requested} datapoints, which exceeds the limit of {MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range."
    ))
}

/// Number of periods of `period` seconds in `[start, end)`.
pub fn periods_in(start: i64, end: i64, period: i64) -> i64 {
    if end <= start {
        0
    } else {
        (end - start + period - 1) / period
    }
}

/// `+HHMM` or `-HHMM` (the default is `+0000`).
pub fn parse_timezone(tz: &str) -> Result<UtcOffset, SourceError> {
    let bad = || {
        SourceError::invalid_parameter(format!(
            "The value {tz} for parameter LabelOptions.Timezone is invalid. Use + or - followed by four digits, such as +0130."
        ))
    };
    let bytes = tz.as_bytes();
    if bytes.len() != 5 || !(bytes[0] == b'+' || bytes[0] == b'-') || !bytes[1..].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let hours = i8::try_from((bytes[1] - b'0') * 10 + (bytes[2] - b'0')).map_err(|_| bad())?;
    let minutes = i8::try_from((bytes[3] - b'0') * 10 + (bytes[4] - b'0')).map_err(|_| bad())?;
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    let sign = if bytes[0] == b'-' { -1 } else { 1 };
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).map_err(|_| bad())
}

/// What one query is, once validated.
#[derive(Debug, Clone)]
pub enum Kind {
    Metric { stat: Statistic },
    Expression { ast: Node },
}

/// A validated request: the kind of every query (in request order) and the order to evaluate the
/// expressions in (each after the expressions it uses).
#[derive(Debug, Clone)]
pub struct Plan {
    pub kinds: Vec<Kind>,
    pub expression_order: Vec<usize>,
    pub index: HashMap<String, usize>,
    pub offset: UtcOffset,
}

fn member(i: usize, field: &str) -> String {
    format!("MetricDataQueries.member.{}.{field}", i + 1)
}

fn check_id(i: usize, id: &str) -> Result<(), SourceError> {
    let mut chars = id.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && id.len() <= MAX_ID_CHARS;
    if ok {
        Ok(())
    } else {
        Err(validation_error(format!(
            "The value {id} for parameter {} is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.",
            member(i, "Id")
        )))
    }
}

fn check_metric_stat(i: usize, q: &MetricDataQuery) -> Result<Statistic, SourceError> {
    let Some(ms) = &q.metric_stat else {
        return Err(SourceError::missing_parameter(format!(
            "The parameter {} is required.",
            member(i, "MetricStat")
        )));
    };
    if ms.metric.namespace.as_deref().is_none_or(str::is_empty) {
        return Err(SourceError::missing_parameter(format!(
            "The parameter {} is required.",
            member(i, "MetricStat.Metric.Namespace")
        )));
    }
    if ms.metric.metric_name.as_deref().is_none_or(str::is_empty) {
        return Err(SourceError::missing_parameter(format!(
            "The parameter {} is required.",
            member(i, "MetricStat.Metric.MetricName")
        )));
    }
    if ms.metric.dimensions.len() > MAX_DIMENSIONS {
        return Err(validation_error(format!(
            "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length less than or equal to {MAX_DIMENSIONS}",
            member(i, "MetricStat.Metric.Dimensions")
        )));
    }
    if !valid_period(ms.period) {
        return Err(SourceError::invalid_parameter(format!(
            "The value {} for parameter {} is not a valid period. Valid values are 1, 5, 10, 30 and any multiple of 60.",
            ms.period,
            member(i, "MetricStat.Period")
        )));
    }
    if let Some(unit) = &ms.unit {
        if !UNITS.contains(&unit.as_str()) {
            return Err(SourceError::invalid_parameter(format!(
                "The value {unit} for parameter {} is not a valid unit.",
                member(i, "MetricStat.Unit")
            )));
        }
    }
    ms.stat
        .parse::<Statistic>()
        .map_err(|_| invalid_statistic(&ms.stat, Some(&member(i, "MetricStat.Stat"))))
}

fn check_expression(q: &MetricDataQuery, text: &str) -> Result<Node, SourceError> {
    let id = q.id.as_str();
    if text.trim().is_empty() {
        return Err(expression_error(id, None, "The expression is empty"));
    }
    if text.chars().count() > MAX_EXPRESSION_CHARS {
        return Err(expression_error(
            id,
            None,
            &format!("The expression is longer than {MAX_EXPRESSION_CHARS} characters"),
        ));
    }
    if text.trim_start().get(..6).is_some_and(|w| w.eq_ignore_ascii_case("SELECT")) {
        return Err(SourceError::unsupported(format!(
            "Error in expression {id}: Metrics Insights queries (SELECT ...) are not supported by this metric source"
        )));
    }
    let ast = parse(text).map_err(|e| expression_error(id, Some(e.pos), &e.message))?;
    let mut calls = Vec::new();
    ast.calls(&mut calls);
    calls.sort_by_key(|c| c.1);
    for (name, pos) in &calls {
        if UNSUPPORTED_FUNCTIONS.contains(&name.as_str()) {
            return Err(expression_error(
                id,
                Some(*pos),
                &format!("The function {name} is not supported by this metric source"),
            ));
        }
        if !FUNCTIONS.contains(&name.as_str()) {
            return Err(expression_error(id, Some(*pos), &format!("Unrecognized function {name}")));
        }
    }
    Ok(ast)
}

/// Validates the request and orders its expressions.
pub fn plan(input: &GetMetricDataInput) -> Result<Plan, SourceError> {
    let queries = &input.metric_data_queries;
    if queries.is_empty() {
        return Err(SourceError::missing_parameter("The parameter MetricDataQueries is required."));
    }
    if queries.len() > MAX_QUERIES {
        return Err(validation_error(format!(
            "1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to {MAX_QUERIES}"
        )));
    }
    if input.start_time >= input.end_time {
        return Err(SourceError::invalid_parameter(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    if let Some(m) = input.max_datapoints {
        if m < 1 {
            return Err(SourceError::invalid_parameter(format!(
                "The value {m} for parameter MaxDatapoints is invalid. It must be a positive number."
            )));
        }
    }
    let offset = match input.label_options.as_ref().and_then(|o| o.timezone.as_deref()) {
        Some(tz) => parse_timezone(tz)?,
        None => UtcOffset::UTC,
    };

    let mut index = HashMap::new();
    for (i, q) in queries.iter().enumerate() {
        check_id(i, &q.id)?;
        if index.insert(q.id.clone(), i).is_some() {
            return Err(validation_error("The values for parameter id in MetricDataQueries are not unique."));
        }
    }

    let mut kinds = Vec::with_capacity(queries.len());
    let mut searches = 0;
    for (i, q) in queries.iter().enumerate() {
        if let Some(p) = q.period {
            if !valid_period(p) {
                return Err(SourceError::invalid_parameter(format!(
                    "The value {p} for parameter {} is not a valid period. Valid values are 1, 5, 10, 30 and any multiple of 60.",
                    member(i, "Period")
                )));
            }
        }
        match (&q.metric_stat, &q.expression) {
            (Some(_), Some(_)) => {
                return Err(SourceError::invalid_combination(format!(
                    "The parameters {} and {} are mutually exclusive and you have specified both.",
                    member(i, "Expression"),
                    member(i, "MetricStat")
                )))
            }
            (None, None) => {
                return Err(SourceError::missing_parameter(format!(
                    "One of the parameters {} and {} is required.",
                    member(i, "Expression"),
                    member(i, "MetricStat")
                )))
            }
            (Some(_), None) => kinds.push(Kind::Metric {
                stat: check_metric_stat(i, q)?,
            }),
            (None, Some(text)) => {
                let ast = check_expression(q, text)?;
                let mut calls = Vec::new();
                ast.calls(&mut calls);
                searches += calls.iter().filter(|c| c.0 == "SEARCH").count();
                kinds.push(Kind::Expression { ast });
            }
        }
    }
    if searches > MAX_SEARCHES {
        return Err(validation_error(format!(
            "The request has {searches} SEARCH expressions; at most {MAX_SEARCHES} are allowed."
        )));
    }
    if !queries.iter().any(MetricDataQuery::returns_data) {
        return Err(validation_error(
            "At least one of the MetricDataQueries must have ReturnData set to true: nothing would be returned.",
        ));
    }

    let expression_order = order_expressions(queries, &kinds, &index)?;
    Ok(Plan {
        kinds,
        expression_order,
        index,
        offset,
    })
}

/// Expressions in dependency order; unknown ids and cycles are errors.
fn order_expressions(queries: &[MetricDataQuery], kinds: &[Kind], index: &HashMap<String, usize>) -> Result<Vec<usize>, SourceError> {
    // uses[e] = the expressions expression e refers to.
    let mut uses: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, kind) in kinds.iter().enumerate() {
        let Kind::Expression { ast } = kind else { continue };
        let mut refs = Vec::new();
        ast.refs(&mut refs);
        refs.sort_by_key(|r| r.1);
        let mut deps = Vec::new();
        for (id, pos) in refs {
            match index.get(&id) {
                None => {
                    return Err(expression_error(
                        &queries[i].id,
                        Some(pos),
                        &format!("Unknown metric or expression id {id}"),
                    ))
                }
                Some(&j) if matches!(kinds[j], Kind::Expression { .. }) => deps.push(j),
                Some(_) => {}
            }
        }
        deps.sort_unstable();
        deps.dedup();
        uses.insert(i, deps);
    }
    // Kahn's algorithm, lowest index first among the ready ones (deterministic).
    let mut pending: HashMap<usize, usize> = uses.iter().map(|(e, d)| (*e, d.len())).collect();
    let mut used_by: HashMap<usize, Vec<usize>> = HashMap::new();
    for (e, deps) in &uses {
        for d in deps {
            used_by.entry(*d).or_default().push(*e);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = pending.iter().filter(|(_, n)| **n == 0).map(|(e, _)| *e).collect();
    let mut order = Vec::with_capacity(uses.len());
    while let Some(e) = ready.pop_first() {
        order.push(e);
        pending.remove(&e);
        for user in used_by.get(&e).into_iter().flatten() {
            if let Some(n) = pending.get_mut(user) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(*user);
                }
            }
        }
    }
    if let Some(&start) = pending.keys().min() {
        // Walk from the lowest stuck expression through stuck dependencies until one repeats.
        let mut path = vec![start];
        let mut seen = HashSet::from([start]);
        let mut cur = start;
        while let Some(next) = uses.get(&cur).and_then(|d| d.iter().copied().find(|x| pending.contains_key(x))) {
            path.push(next);
            if !seen.insert(next) {
                break;
            }
            cur = next;
        }
        let first = path.last().copied().unwrap_or(start);
        let from = path.iter().position(|x| *x == first).unwrap_or(0);
        let cycle: Vec<&str> = path[from..].iter().map(|i| queries[*i].id.as_str()).collect();
        return Err(expression_error(
            &queries[first].id,
            None,
            &format!("Circular dependency between expressions: {}", cycle.join(" -> ")),
        ));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        for p in [1, 5, 10, 30, 60, 120, 300, 3600, 86_400] {
            assert!(valid_period(p), "{p}");
        }
        for p in [0, -60, 2, 15, 45, 90, 61] {
            assert!(!valid_period(p), "{p}");
        }
    }

    #[test]
    fn start_rounding_follows_the_documented_examples() {
        let now = 100 * DAY;
        let t = now - DAY + 12 * HOUR + 32 * MINUTE + 34; // "12:32:34", less than 15 days ago
        assert_eq!(round_start(t, 60, now) % HOUR, 32 * MINUTE);
        let t = now - 20 * DAY + 12 * HOUR + 32 * MINUTE + 34;
        assert_eq!(round_start(t, 300, now) % HOUR, 30 * MINUTE);
        let t = now - 70 * DAY + 12 * HOUR + 32 * MINUTE + 34;
        assert_eq!(round_start(t, 3600, now) % HOUR, 0);
        // "01:05:23 for the previous 10-second period ... from 01:05:10"
        let t = HOUR + 5 * MINUTE + 13;
        assert_eq!(round_start(t, 10, now), HOUR + 5 * MINUTE + 10);
    }

    #[test]
    fn retention_by_period() {
        assert_eq!(retention(10), 3 * HOUR);
        assert_eq!(retention(60), 15 * DAY);
        assert_eq!(retention(600), 63 * DAY);
        assert_eq!(retention(7200), 455 * DAY);
    }

    #[test]
    fn timezones() {
        assert_eq!(parse_timezone("+0130").ok(), UtcOffset::from_hms(1, 30, 0).ok());
        assert_eq!(parse_timezone("-0800").ok(), UtcOffset::from_hms(-8, 0, 0).ok());
        for bad in ["0130", "+130", "+2500", "+0160", "UTC", "+01:30"] {
            assert_eq!(
                parse_timezone(bad).map_err(|e| e.code).err().as_deref(),
                Some("InvalidParameterValue")
            );
        }
    }
}
