//! GetMetricData: validate, fetch every `MetricStat`, evaluate the expressions in dependency order, label,
//! order by `ScanBy`, page.

use std::collections::HashMap;

use cloudwatch::metrics::{
    GetMetricDataInput, GetMetricDataOutput, MessageData, MetricDataQuery, MetricDataResult, ScanBy, StatusCode, MAX_DATAPOINTS,
};
use cloudwatch::SourceError;
use time::OffsetDateTime;

use crate::anomaly;
use crate::expr::eval::{EvalError, Evaluator, Host};
use crate::expr::{Series, Source, Value};
use crate::labels::{expand, member_template, LabelContext};
use crate::list::{active_since, LISTED_FOR_SECONDS};
use crate::paging::{self, Position};
use crate::search;
use crate::stat::Statistic;
use crate::validate::{self, align_up, effective_start, expression_error, periods_in, retention, too_many_datapoints, Kind, Plan};
use crate::{Backend, Options};

/// Most data points one request may make the backend produce, all series together (its `MetricStat`s,
/// search results and anomaly-band history): 50 full series.
pub const MAX_EVALUATED_DATAPOINTS: i64 = 50 * MAX_DATAPOINTS as i64;
/// The period of results nothing else decides when the request has no `MetricStat` either.
pub const FALLBACK_PERIOD: i64 = 300;

const TOKEN_KIND: &str = "gmd1";

/// CloudWatch's message when a data point of an expression was not a finite number.
pub const ARITHMETIC_ERROR: &str = "One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)";

struct Window {
    start: i64,
    /// `EndTime`, or `now` when that is earlier.
    end: i64,
    now: i64,
}

#[derive(Default)]
struct Notes {
    dropped: usize,
    truncated_search: Option<usize>,
    forbidden: bool,
}

struct Engine<'a> {
    queries: &'a [MetricDataQuery],
    plan: &'a Plan,
    backend: &'a dyn Backend,
    options: &'a Options,
    window: Window,
    values: HashMap<usize, Value>,
    notes: HashMap<usize, Notes>,
    /// Data points asked of the backend so far.
    spent: i64,
    request_period: i64,
}

pub fn get_metric_data(
    input: &GetMetricDataInput,
    backend: &dyn Backend,
    now: OffsetDateTime,
    options: &Options,
) -> Result<GetMetricDataOutput, SourceError> {
    let request = {
        let mut canonical = input.clone();
        canonical.next_token = None;
        canonical.max_datapoints = None;
        paging::fingerprint(serde_json::to_string(&canonical).unwrap_or_default().as_bytes())
    };
    let (offset, now) = match &input.next_token {
        Some(token) => {
            let p = paging::decode(TOKEN_KIND, token, request)?;
            (
                p.offset,
                OffsetDateTime::from_unix_timestamp_nanos(p.now).map_err(|_| paging::invalid_token())?,
            )
        }
        None => (0, now),
    };
    let plan = validate::plan(input)?;
    let now_s = now.unix_timestamp();
    let window = Window {
        start: input.start_time.unix_timestamp(),
        end: input.end_time.unix_timestamp().min(now_s),
        now: now_s,
    };
    let request_period = input
        .metric_data_queries
        .iter()
        .filter_map(|q| q.metric_stat.as_ref().map(|m| m.period))
        .min()
        .unwrap_or(FALLBACK_PERIOD);
    let mut engine = Engine {
        queries: &input.metric_data_queries,
        plan: &plan,
        backend,
        options,
        window,
        values: HashMap::new(),
        notes: HashMap::new(),
        spent: 0,
        request_period,
    };
    engine.check_requested(input)?;
    for i in 0..engine.queries.len() {
        if let Kind::Metric { stat } = &plan.kinds[i] {
            let series = engine.fetch_metric(i, stat)?;
            engine.values.insert(i, Value::Series(series));
        }
    }
    for &i in &plan.expression_order {
        let value = engine.evaluate(i)?;
        engine.values.insert(i, value);
    }

    let scan = input.scan_by.unwrap_or_default();
    let mut results = Vec::new();
    for (i, q) in engine.queries.iter().enumerate() {
        if q.returns_data() {
            results.extend(engine.results(i, q, scan));
        }
    }
    let size = input
        .max_datapoints
        .map_or(MAX_DATAPOINTS, |m| (m.max(1) as u64).min(MAX_DATAPOINTS));
    let (metric_data_results, next) = paging::page(&results, offset, size)?;
    let next_token = next.map(|offset| {
        paging::encode(
            TOKEN_KIND,
            Position {
                offset,
                now: now.unix_timestamp_nanos(),
            },
            request,
        )
    });
    Ok(GetMetricDataOutput {
        metric_data_results,
        next_token,
        messages: Vec::new(),
    })
}

fn to_time(t: i64) -> Result<OffsetDateTime, SourceError> {
    OffsetDateTime::from_unix_timestamp(t).map_err(|e| SourceError::invalid_parameter(format!("Time out of range: {e}")))
}

impl Engine<'_> {
    /// Every `MetricStat` may span at most 100,800 periods of the requested range.
    fn check_requested(&self, input: &GetMetricDataInput) -> Result<(), SourceError> {
        let (start, end) = (input.start_time.unix_timestamp(), input.end_time.unix_timestamp());
        for q in self.queries {
            let period = match &q.metric_stat {
                Some(ms) => ms.period,
                None => continue,
            };
            let requested = periods_in(start, end, period);
            if requested > MAX_DATAPOINTS as i64 {
                return Err(too_many_datapoints(requested));
            }
        }
        Ok(())
    }

    fn spend(&mut self, points: i64) -> Result<(), SourceError> {
        self.spent = self.spent.saturating_add(points);
        if self.spent > MAX_EVALUATED_DATAPOINTS {
            return Err(SourceError::limit_exceeded(format!(
                "The request needs more than {MAX_EVALUATED_DATAPOINTS} datapoints across all its metrics, search results and anomaly bands. Reduce the time range, increase the periods or request fewer metrics."
            )));
        }
        Ok(())
    }

    /// The series of one metric at one statistic and period over the window, from the backend.
    fn fetch(
        &mut self,
        metric: &cloudwatch::metrics::Metric,
        stat: &Statistic,
        period: i64,
        unit: Option<&str>,
        start: i64,
        end: i64,
    ) -> Result<Vec<(i64, f64)>, SourceError> {
        if start >= end {
            return Ok(Vec::new());
        }
        self.spend(periods_in(align_up(start, period), end, period))?;
        let mut points: Vec<(i64, f64)> = self
            .backend
            .series(metric, stat, period, unit, to_time(start)?, to_time(end)?)?
            .into_iter()
            .map(|(t, v)| (t.unix_timestamp(), v))
            .filter(|(t, _)| *t >= start && *t < end)
            .collect();
        Series::normalize(&mut points);
        Ok(points)
    }

    fn fetch_metric(&mut self, i: usize, stat: &Statistic) -> Result<Series, SourceError> {
        let queries = self.queries;
        let q = &queries[i];
        let Some(ms) = &q.metric_stat else {
            return Ok(Series::default());
        };
        let name = ms.metric.metric_name.clone().unwrap_or_default();
        let mut series = Series {
            points: Vec::new(),
            label: q.label.clone().unwrap_or_else(|| name.clone()),
            default_label: name,
            period: ms.period,
            source: Some(Source {
                metric: ms.metric.clone(),
                stat: ms.stat.clone(),
            }),
        };
        if q.account_id.as_deref().is_some_and(|a| a != self.options.account_id) {
            self.notes.entry(i).or_default().forbidden = true;
            return Ok(series);
        }
        let start = effective_start(self.window.start, ms.period, self.window.now);
        series.points = self.fetch(&ms.metric, stat, ms.period, ms.unit.as_deref(), start, self.window.end)?;
        Ok(series)
    }

    fn evaluate(&mut self, i: usize) -> Result<Value, SourceError> {
        let (queries, plan) = (self.queries, self.plan);
        let q = &queries[i];
        let Kind::Expression { ast } = &plan.kinds[i] else {
            return Ok(Value::Array(Vec::new()));
        };
        let id = q.id.as_str();
        let mut host = QueryHost { engine: self, query: i };
        let mut evaluator = Evaluator::new(&mut host);
        let result = evaluator.eval(ast);
        let dropped = evaluator.drops.dropped;
        let value = match result {
            Ok(v) => v,
            Err(EvalError::At { pos, message }) => return Err(expression_error(id, Some(pos), &message)),
            Err(EvalError::Fatal(e)) => return Err(e),
        };
        self.notes.entry(i).or_default().dropped += dropped;
        Ok(match value {
            Value::Scalar(_) => {
                return Err(expression_error(
                    id,
                    None,
                    "The expression returns a scalar; the result of an expression must be a time series or an array of time series",
                ))
            }
            Value::Series(mut s) => {
                if s.default_label.is_empty() {
                    s.default_label = id.to_string();
                }
                s.label = q.label.clone().unwrap_or_else(|| id.to_string());
                Value::Series(s)
            }
            Value::Array(members) => Value::Array(
                members
                    .into_iter()
                    .map(|mut s| {
                        s.label = member_template(q.label.as_deref(), &s.label);
                        if s.default_label.is_empty() {
                            s.default_label = id.to_string();
                        }
                        s
                    })
                    .collect(),
            ),
        })
    }

    fn label(&self, template: &str, s: &Series) -> String {
        expand(
            template,
            &LabelContext {
                default_label: &s.default_label,
                points: &s.points,
                period: s.period,
                source: s.source.as_ref(),
                offset: self.plan.offset,
                now: self.window.now,
                account_id: &self.options.account_id,
                region: &self.options.region,
            },
        )
    }

    fn results(&self, i: usize, q: &MetricDataQuery, scan: ScanBy) -> Vec<MetricDataResult> {
        let notes = self.notes.get(&i);
        let mut messages = Vec::new();
        let mut status = StatusCode::Complete;
        if let Some(n) = notes {
            if n.dropped > 0 {
                messages.push(MessageData::new("ArithmeticError", ARITHMETIC_ERROR));
            }
            if let Some(found) = n.truncated_search {
                status = StatusCode::PartialData;
                messages.push(MessageData::new(
                    "MaxMetricsExceeded",
                    format!(
                        "The search found {found} metrics; only the first {} are returned.",
                        search::MAX_RESULTS
                    ),
                ));
            }
            if n.forbidden {
                status = StatusCode::Forbidden;
                messages.push(MessageData::new(
                    "Forbidden",
                    format!(
                        "Access denied when getting data from account {}: it is not linked to this account.",
                        q.account_id.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        let series: Vec<&Series> = match self.values.get(&i) {
            Some(Value::Series(s)) => vec![s],
            Some(Value::Array(xs)) => xs.iter().collect(),
            _ => Vec::new(),
        };
        let result = |id: &str, label: String, s: Option<&Series>| {
            let mut points: Vec<(i64, f64)> = s.map(|s| s.points.clone()).unwrap_or_default();
            if scan == ScanBy::TimestampDescending {
                points.reverse();
            }
            let (timestamps, values) = points
                .iter()
                .filter_map(|p| OffsetDateTime::from_unix_timestamp(p.0).ok().map(|t| (t, p.1)))
                .unzip();
            MetricDataResult {
                id: id.to_string(),
                label,
                timestamps,
                values,
                status_code: status,
                messages: messages.clone(),
            }
        };
        if series.is_empty() {
            let label = q.label.clone().unwrap_or_else(|| q.id.clone());
            let empty = Series {
                default_label: q.id.clone(),
                period: self.request_period,
                ..Series::default()
            };
            return vec![result(&q.id, self.label(&label, &empty), None)];
        }
        series
            .into_iter()
            .map(|s| result(&q.id, self.label(&s.label, s), Some(s)))
            .collect()
    }
}

/// What one expression sees of the request.
struct QueryHost<'e, 'a> {
    engine: &'e mut Engine<'a>,
    query: usize,
}

impl QueryHost<'_, '_> {
    fn period(&self) -> i64 {
        self.engine.queries[self.query].period.unwrap_or(self.engine.request_period)
    }
}

impl Host for QueryHost<'_, '_> {
    fn value_of(&self, id: &str) -> Option<Value> {
        let i = *self.engine.plan.index.get(id)?;
        self.engine.values.get(&i).cloned()
    }

    fn metrics(&self, filter: Option<&str>) -> Vec<Series> {
        let e = &*self.engine;
        e.queries
            .iter()
            .enumerate()
            .filter(|(_, q)| q.metric_stat.is_some() && filter.is_none_or(|f| q.id.contains(f)))
            .filter_map(|(i, _)| match e.values.get(&i) {
                Some(Value::Series(s)) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    fn metric_period(&self, id: &str) -> Option<i64> {
        let i = *self.engine.plan.index.get(id)?;
        self.engine.queries[i].metric_stat.as_ref().map(|m| m.period)
    }

    fn default_period(&self) -> i64 {
        self.period()
    }

    fn grid(&mut self, period: i64) -> Result<Vec<i64>, SourceError> {
        let period = if period > 0 { period } else { self.period() };
        let w = &self.engine.window;
        let start = align_up(effective_start(w.start, period, w.now), period);
        let count = periods_in(start, w.end, period);
        if count > MAX_DATAPOINTS as i64 {
            return Err(too_many_datapoints(count));
        }
        Ok((0..count).map(|k| start + k * period).collect())
    }

    fn search(&mut self, query: &str, stat: &str, period: Option<i64>) -> Result<Vec<Series>, EvalError> {
        let parsed = search::parse(query).map_err(|m| EvalError::at(0, m))?;
        let statistic: Statistic = stat.parse().map_err(|e: SourceError| EvalError::at(0, e.message))?;
        let period = period.unwrap_or_else(|| self.period());
        let (w_start, w_end, now) = (self.engine.window.start, self.engine.window.end, self.engine.window.now);
        let requested = periods_in(w_start, w_end, period);
        if requested > MAX_DATAPOINTS as i64 {
            return Err(EvalError::Fatal(too_many_datapoints(requested)));
        }
        let backend = self.engine.backend;
        let account = self.engine.options.account_id.clone();
        let mut found = Vec::new();
        let mut total = 0;
        for m in backend.catalogue() {
            if !parsed.matches(m, &account) {
                continue;
            }
            if !active_since(backend, m, now - LISTED_FOR_SECONDS, now, false).map_err(EvalError::Fatal)? {
                continue;
            }
            total += 1;
            if found.len() < search::MAX_RESULTS {
                found.push(m);
            }
        }
        if total > found.len() {
            self.engine.notes.entry(self.query).or_default().truncated_search = Some(total);
        }
        let labels = search::labels(&parsed, &found);
        let start = effective_start(w_start, period, now);
        let mut out = Vec::with_capacity(found.len());
        for (m, label) in found.into_iter().zip(labels) {
            let points = self
                .engine
                .fetch(m, &statistic, period, None, start, w_end)
                .map_err(EvalError::Fatal)?;
            out.push(Series {
                points,
                default_label: label.clone(),
                label,
                period,
                source: Some(Source {
                    metric: m.clone(),
                    stat: stat.to_string(),
                }),
            });
        }
        Ok(out)
    }

    fn anomaly_band(&mut self, id: &str, k: f64) -> Result<Vec<Series>, EvalError> {
        let not_metric = || {
            EvalError::at(
                0,
                format!("ANOMALY_DETECTION_BAND takes the id of a metric (a MetricStat query), and {id} is not one"),
            )
        };
        let (queries, plan) = (self.engine.queries, self.engine.plan);
        let i = *plan.index.get(id).ok_or_else(not_metric)?;
        let (Some(ms), Kind::Metric { stat }) = (&queries[i].metric_stat, &plan.kinds[i]) else {
            return Err(not_metric());
        };
        let base = match self.engine.values.get(&i) {
            Some(Value::Series(s)) => s.clone(),
            _ => Series::default(),
        };
        let period = ms.period;
        let (w_start, w_end, now) = (self.engine.window.start, self.engine.window.end, self.engine.window.now);
        let day = 86_400;
        let start = effective_start(w_start, period, now);
        let history_start = (start - anomaly::HISTORY_DAYS * day).max(now - retention(period));
        let history_end = w_end - day;
        let grid = self.grid(period).map_err(EvalError::Fatal)?;
        let history = if self.engine.notes.get(&i).is_some_and(|n| n.forbidden) {
            Vec::new()
        } else {
            self.engine
                .fetch(&ms.metric, stat, period, ms.unit.as_deref(), history_start, history_end)
                .map_err(EvalError::Fatal)?
        };
        let (upper, lower) = anomaly::band(&history, &grid, period, k);
        let side = |points: Vec<(i64, f64)>, which: &str| Series {
            points,
            label: format!("{} {which}", base.label),
            default_label: base.default_label.clone(),
            period,
            source: base.source.clone(),
        };
        Ok(vec![side(upper, "Upper Bound"), side(lower, "Lower Bound")])
    }
}
