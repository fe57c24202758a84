//! A dashboard's widgets for one time range: metric widgets become `GetMetricData` queries
//! answered through the proxy in one request (cache, single-flight, batching), their results
//! become chart series; text widgets become sanitised HTML; alarm widgets read their alarms'
//! states in one `DescribeAlarms`; log widgets show their query.

use std::collections::HashMap;

use cloudwatch::alarms::{AlarmType, DescribeAlarmsInput};
use cloudwatch::body::{self as cwbody, DashboardBody, HAnnotation, MetricRow, MetricWidget, QueryContext, VAnnotation, WidgetKind};
use cloudwatch::metrics::MetricDataResult;
use proxy::metrics::{MetricsRequest, TimeSpec, WidgetData, WidgetQuery};
use serde::Deserialize;

use super::{body, variables};
use crate::backend::markdown;
use crate::backend::sources::{Asker, Telemetry};
use crate::domain::dashboard::DashboardDoc;
use crate::domain::variables::VariableChoices;
use crate::domain::widget::{AlarmRow, DashboardData, MetricContent, MetricView, WidgetContent, WidgetView};
use crate::domain::{ConnectionId, Role, TimeRange};
use crate::error::{AppError, AppResult};

#[derive(Deserialize)]
struct Answer {
    widgets: Vec<WidgetData>,
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The alarm name of an alarm ARN (`arn:aws:cloudwatch:region:account:alarm:NAME`), or the
/// text itself when it is a plain name.
pub fn alarm_name(arn: &str) -> &str {
    arn.split_once(":alarm:").map_or(arn, |(_, name)| name)
}

/// Every widget of `doc` for `range`, as `asker` may read it (a signed-in caller, or a public
/// link to this dashboard), with the dashboard's variables set to `choices` (else their
/// defaults) before any query is built.
pub async fn data<'a>(
    telemetry: &Telemetry,
    asker: impl Into<Asker<'a>>,
    doc: &DashboardDoc,
    range: &TimeRange,
    choices: &VariableChoices,
) -> AppResult<DashboardData> {
    let asker: Asker<'_> = asker.into();
    let connection: ConnectionId = doc.summary.connection.parse()?;
    let parsed = variables::apply(telemetry, asker, &connection, body::parse_stored(&doc.body)?, choices).await?;
    let now = now_ms();
    let (start, end) = range.resolve(now, 0);
    let ctx = QueryContext {
        range_seconds: ((end - start) / 1000).max(1),
        period_override: period_override(&parsed),
    };
    let mut views = Vec::with_capacity(parsed.widgets.len());
    let mut queries = Vec::new();
    let mut alarm_names: Vec<String> = Vec::new();
    // Alarms shown on a metric widget (`annotations.alarms`): their threshold and their state
    // changes in the range are drawn on it.
    let mut annotated: Vec<String> = Vec::new();
    let mut logs_asked = Vec::new();
    let mut bottom = 0;
    for (i, w) in parsed.widgets.iter().enumerate() {
        let (x, y) = (w.x.unwrap_or(0).min(23), w.y.unwrap_or(bottom));
        bottom = bottom.max(y + w.height);
        let content = match &w.kind {
            WidgetKind::Metric(m) => {
                queries.push(WidgetQuery {
                    id: i.to_string(),
                    queries: m.queries(&ctx),
                    start: TimeSpec::EpochMs(start),
                    end: Some(TimeSpec::EpochMs(end)),
                    label_options: None,
                });
                if let Some(a) = &m.annotations {
                    alarm_names.extend(a.alarms.iter().map(|a| alarm_name(a).to_string()));
                    annotated.extend(a.alarms.iter().map(|a| alarm_name(a).to_string()));
                }
                // Filled in below, once the proxy answered.
                WidgetContent::Unsupported {
                    type_name: "metric".into(),
                }
            }
            WidgetKind::Text(t) => WidgetContent::Text {
                html: markdown::to_safe_html(&t.markdown),
            },
            WidgetKind::Alarm(a) => {
                alarm_names.extend(a.alarms.iter().map(|a| alarm_name(a).to_string()));
                WidgetContent::Alarms {
                    rows: Vec::new(),
                    error: None,
                }
            }
            WidgetKind::Log(l) => {
                logs_asked.push((i, l.clone()));
                WidgetContent::Logs {
                    query: l.query.clone(),
                    region: l.region.clone(),
                    // Filled in below, once the queries ran.
                    result: Box::default(),
                }
            }
            WidgetKind::Unsupported { type_name, .. } => WidgetContent::Unsupported {
                type_name: type_name.clone(),
            },
        };
        views.push(WidgetView {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            x,
            y,
            width: w.width.clamp(1, 24),
            height: w.height.max(1),
            title: body::title(&w.kind),
            content,
        });
    }

    // Every log widget's query, submitted together (they run while the metrics are read).
    let log_results = async {
        if logs_asked.is_empty() {
            HashMap::new()
        } else {
            let dashboard = Some(doc.summary.id.to_string());
            super::logs::results(telemetry, asker, &connection, dashboard, &logs_asked, start, end).await
        }
    };
    // Every metric widget in one proxy request.
    let metric_answers = async {
        if queries.is_empty() {
            return Ok(HashMap::new());
        }
        let request = MetricsRequest {
            widgets: queries,
            dashboard: Some(doc.summary.id.to_string()),
        };
        match telemetry.widget_metrics(asker, &connection, &request).await {
            Ok(prepared) => serde_json::from_slice::<Answer>(&prepared.json)
                .map(|a| a.widgets.into_iter().map(|w| (w.id.clone(), w)).collect())
                .map_err(|e| format!("the proxy's answer did not read: {e}")),
            Err(e) => Err(e.to_string()),
        }
    };
    let (answers, mut log_results): (Result<HashMap<String, WidgetData>, String>, _) = tokio::join!(metric_answers, log_results);
    for v in &mut views {
        if let WidgetContent::Logs { result, .. } = &mut v.content {
            if let Some(r) = log_results.remove(&(v.index as usize)) {
                **result = r;
            }
        }
    }

    // Alarm states (and thresholds for alarm annotations) in one call.
    let mut alarms: HashMap<String, (AlarmRow, Option<f64>)> = HashMap::new();
    let mut alarm_error = None;
    alarm_names.sort();
    alarm_names.dedup();
    alarm_names.truncate(100);
    if !alarm_names.is_empty() {
        let read = async {
            let conn = telemetry.conn(asker, &connection, Role::Viewer).await?;
            conn.describe_alarms(DescribeAlarmsInput {
                alarm_names: alarm_names.clone(),
                alarm_types: vec![AlarmType::MetricAlarm, AlarmType::CompositeAlarm],
                max_records: Some(100),
                ..Default::default()
            })
            .await
        };
        match read.await {
            Ok(out) => {
                for a in out.metric_alarms {
                    let row = AlarmRow {
                        name: a.alarm_name.clone(),
                        state: a.state_value.map_or("INSUFFICIENT_DATA", |s| s.as_str()).to_string(),
                        reason: a.state_reason.clone().unwrap_or_default(),
                        updated_ms: a.state_updated_timestamp.map(crate::backend::ms),
                    };
                    alarms.insert(a.alarm_name, (row, a.threshold));
                }
                for a in out.composite_alarms {
                    let row = AlarmRow {
                        name: a.alarm_name.clone(),
                        state: a.state_value.map_or("INSUFFICIENT_DATA", |s| s.as_str()).to_string(),
                        reason: a.state_reason.clone().unwrap_or_default(),
                        updated_ms: a.state_updated_timestamp.map(crate::backend::ms),
                    };
                    alarms.insert(a.alarm_name, (row, None));
                }
            }
            Err(e) => alarm_error = Some(e.to_string()),
        }
    }

    let changes = if annotated.is_empty() {
        Vec::new()
    } else {
        state_changes(telemetry, asker, &connection, start, end).await
    };

    for (view, w) in views.iter_mut().zip(parsed.widgets.iter()) {
        match (&w.kind, &mut view.content) {
            (WidgetKind::Metric(m), content) => {
                let key = view.index.to_string();
                let thresholds: Vec<(String, f64)> = m
                    .annotations
                    .iter()
                    .flat_map(|a| a.alarms.iter())
                    .filter_map(|arn| {
                        let name = alarm_name(arn);
                        alarms.get(name).and_then(|(_, t)| t.map(|t| (name.to_string(), t)))
                    })
                    .collect();
                let mut metric = match &answers {
                    Ok(map) => metric_content(m, &parsed, map.get(&key), start, end, now, &thresholds),
                    Err(e) => failed(m, &parsed, start, end, e.clone()),
                };
                let mine: Vec<&str> = m.annotations.iter().flat_map(|a| a.alarms.iter()).map(|a| alarm_name(a)).collect();
                metric.chart.vlines.extend(
                    changes
                        .iter()
                        .filter(|(name, _)| mine.contains(&name.as_str()))
                        .map(|(_, v)| v.clone()),
                );
                *content = WidgetContent::Metric(Box::new(metric));
            }
            (WidgetKind::Alarm(a), WidgetContent::Alarms { rows, error }) => {
                *error = alarm_error.clone();
                for arn in &a.alarms {
                    let name = alarm_name(arn);
                    match alarms.get(name) {
                        Some((row, _)) => rows.push(row.clone()),
                        None if alarm_error.is_none() => rows.push(AlarmRow {
                            name: name.to_string(),
                            state: "MISSING".into(),
                            reason: "No alarm by this name on the connection.".into(),
                            updated_ms: None,
                        }),
                        None => {}
                    }
                }
                // ALARM first, then INSUFFICIENT_DATA, then OK, as the console sorts them.
                rows.sort_by_key(|r| match r.state.as_str() {
                    "ALARM" => 0,
                    "INSUFFICIENT_DATA" => 1,
                    "OK" => 2,
                    _ => 3,
                });
            }
            _ => {}
        }
    }
    Ok(DashboardData {
        start,
        end,
        widgets: views,
    })
}

/// The body's `periodOverride`; `auto` when it says nothing, as the console does.
fn period_override(body: &DashboardBody) -> Option<cwbody::PeriodOverride> {
    Some(body.period_override.clone().unwrap_or(cwbody::PeriodOverride::Auto))
}

/// Every alarm's state changes in the range (one DescribeAlarmHistory, newest 100), as vertical
/// lines by alarm name: red into ALARM, green into OK, grey otherwise. A failure leaves the
/// charts without them (the alarm widgets say what failed).
async fn state_changes(
    telemetry: &Telemetry,
    asker: Asker<'_>,
    connection: &ConnectionId,
    start: i64,
    end: i64,
) -> Vec<(String, chart::VLine)> {
    use cloudwatch::alarms::{DescribeAlarmHistoryInput, HistoryItemType};
    let at = |ms: i64| time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok();
    let read = async {
        let conn = telemetry.conn(asker, connection, Role::Viewer).await?;
        conn.describe_alarm_history(DescribeAlarmHistoryInput {
            alarm_types: vec![AlarmType::MetricAlarm, AlarmType::CompositeAlarm],
            history_item_type: Some(HistoryItemType::StateUpdate),
            start_date: at(start),
            end_date: at(end),
            max_records: Some(100),
            ..Default::default()
        })
        .await
    };
    match read.await {
        Ok(out) => out
            .alarm_history_items
            .into_iter()
            .map(|h| {
                let into = |s: &str| h.history_summary.trim_end().ends_with(&format!("to {s}"));
                let color = if into("ALARM") {
                    "#d62728"
                } else if into("OK") {
                    "#2ca02c"
                } else {
                    "#7f7f7f"
                };
                let line = chart::VLine {
                    t: crate::backend::ms(h.timestamp),
                    label: Some(format!("{}: {}", h.alarm_name, h.history_summary)),
                    color: Some(color.into()),
                };
                (h.alarm_name, line)
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "alarm history for chart annotations");
            Vec::new()
        }
    }
}

/// One metric widget of the dashboard (by its position in `widgets`), for an image of it, with
/// the variables set as the page has them.
pub async fn widget_chart<'a>(
    telemetry: &Telemetry,
    asker: impl Into<Asker<'a>>,
    doc: &DashboardDoc,
    range: &TimeRange,
    index: usize,
    choices: &VariableChoices,
) -> AppResult<MetricContent> {
    let mut one = doc.clone();
    let widget = doc
        .body
        .get("widgets")
        .and_then(|w| w.get(index))
        .filter(|w| w.get("type").and_then(|t| t.as_str()) == Some("metric"))
        .cloned()
        .ok_or_else(|| AppError::not_found("a metric widget at that position"))?;
    one.body["widgets"] = serde_json::Value::Array(vec![widget]);
    let data = data(telemetry, asker, &one, range, choices).await?;
    match data.widgets.into_iter().next().map(|w| w.content) {
        Some(WidgetContent::Metric(m)) => Ok(*m),
        _ => Err(AppError::not_found("a metric widget at that position")),
    }
}

fn view_of(m: &MetricWidget) -> (MetricView, chart::View) {
    use cwbody::MetricView as V;
    match m.view() {
        V::Bar | V::Pie => (MetricView::Bar, chart::View::Bar),
        V::SingleValue => (MetricView::SingleValue, chart::View::Line),
        V::Gauge => (MetricView::Gauge, chart::View::Line),
        V::Table => (MetricView::Table, chart::View::Line),
        _ if m.is_stacked() => (MetricView::TimeSeries, chart::View::StackedArea),
        _ => (MetricView::TimeSeries, chart::View::Line),
    }
}

fn axis(a: Option<cwbody::Axis>) -> chart::Axis {
    match a {
        Some(cwbody::Axis::Right) => chart::Axis::Right,
        _ => chart::Axis::Left,
    }
}

fn y_axis(side: Option<&cwbody::YAxisSide>) -> chart::YAxis {
    let label = side.and_then(|s| s.label.clone());
    let unit = match label.as_deref().map(str::trim) {
        Some("%") | Some("Percent") => chart::Unit::Percent,
        Some("ms") | Some("Milliseconds") => chart::Unit::Milliseconds,
        Some("s") | Some("Seconds") => chart::Unit::Seconds,
        Some("Bytes") => chart::Unit::Bytes,
        _ => chart::Unit::None,
    };
    chart::YAxis {
        min: side.and_then(|s| s.min),
        max: side.and_then(|s| s.max),
        label,
        log: false,
        unit,
    }
}

fn rfc3339_ms(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(crate::backend::ms)
}

/// One line per row, for "no data": what was asked.
fn describe_rows(m: &MetricWidget) -> Vec<String> {
    m.metrics
        .iter()
        .map(|r| match r {
            MetricRow::Metric {
                namespace,
                metric_name,
                dimensions,
                options,
            } => {
                let dims: Vec<String> = dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let stat = options
                    .stat
                    .clone()
                    .or_else(|| m.stat.clone())
                    .unwrap_or_else(|| cwbody::DEFAULT_STAT.to_string());
                format!("{namespace} {metric_name} {} ({stat})", dims.join(" "))
            }
            MetricRow::Expression { options } => options.expression.clone().unwrap_or_default(),
        })
        .collect()
}

fn base_chart(m: &MetricWidget, body: &DashboardBody, start: i64, end: i64) -> (MetricView, chart::Chart, i64) {
    let (view, chart_view) = view_of(m);
    let ctx = QueryContext {
        range_seconds: ((end - start) / 1000).max(1),
        period_override: period_override(body),
    };
    let period = m
        .queries(&ctx)
        .iter()
        .filter_map(|q| q.metric_stat.as_ref().map(|s| s.period).or(q.period))
        .max()
        .unwrap_or(300);
    let axes = m.y_axis.as_ref();
    let mut hlines = Vec::new();
    let mut vlines = Vec::new();
    if let Some(a) = &m.annotations {
        for h in &a.horizontal {
            let lines: Vec<&cwbody::HLine> = match h {
                HAnnotation::Line(l) => vec![l],
                HAnnotation::Band(a, b) => vec![a, b],
            };
            for l in lines.into_iter().filter(|l| l.visible != Some(false)) {
                hlines.push(chart::HLine {
                    value: l.value,
                    label: l.label.clone(),
                    color: l.color.clone(),
                    fill: match l.fill {
                        Some(cwbody::Fill::Above) => chart::Fill::Above,
                        Some(cwbody::Fill::Below) => chart::Fill::Below,
                        _ => chart::Fill::None,
                    },
                    axis: axis(l.y_axis),
                });
            }
        }
        for v in &a.vertical {
            let lines: Vec<&cwbody::VLine> = match v {
                VAnnotation::Line(l) => vec![l],
                VAnnotation::Band(a, b) => vec![a, b],
            };
            for l in lines.into_iter().filter(|l| l.visible != Some(false)) {
                if let Some(t) = rfc3339_ms(&l.value) {
                    vlines.push(chart::VLine {
                        t,
                        label: l.label.clone(),
                        color: l.color.clone(),
                    });
                }
            }
        }
    }
    let chart = chart::Chart {
        series: Vec::new(),
        view: chart_view,
        start,
        end,
        period_ms: period * 1000,
        open_from: None,
        left: y_axis(axes.and_then(|a| a.left.as_ref())),
        right: y_axis(axes.and_then(|a| a.right.as_ref())),
        hlines,
        vlines,
        bands: Vec::new(),
    };
    (view, chart, period)
}

fn failed(m: &MetricWidget, body: &DashboardBody, start: i64, end: i64, error: String) -> MetricContent {
    let (view, chart, period) = base_chart(m, body, start, end);
    MetricContent {
        view,
        chart,
        period,
        stale: false,
        fetched_at: None,
        errors: vec![error],
        notes: Vec::new(),
        queries: describe_rows(m),
        gauge: None,
    }
}

/// Per row id: its statistic and dimensions (metric rows only).
type RowInfo = HashMap<String, (String, Vec<(String, String)>)>;

fn series_rows(m: &MetricWidget) -> RowInfo {
    m.series_styles()
        .into_iter()
        .zip(m.metrics.iter())
        .filter_map(|(s, row)| match row {
            MetricRow::Metric { dimensions, options, .. } => {
                let stat = options
                    .stat
                    .clone()
                    .or_else(|| m.stat.clone())
                    .unwrap_or_else(|| cwbody::DEFAULT_STAT.to_string());
                Some((s.id, (stat, dimensions.clone())))
            }
            MetricRow::Expression { .. } => None,
        })
        .collect()
}

/// Series that would read alike in the legend (CloudWatch's default label is the metric name)
/// get what tells them apart: the dimension values that differ among them, and the statistic
/// when that differs. Labels written in the body are left as they are when already distinct.
fn disambiguate(series: &mut [chart::Series], rows: &RowInfo, ids: &[String]) {
    let labels: Vec<String> = series.iter().map(|s| s.label.clone()).collect();
    for (i, label) in labels.iter().enumerate() {
        let same: Vec<usize> = labels.iter().enumerate().filter(|(_, l)| *l == label).map(|(j, _)| j).collect();
        if same.len() < 2 {
            continue;
        }
        let Some((stat, dims)) = ids.get(i).and_then(|id| rows.get(id)) else {
            continue;
        };
        let others: Vec<&(String, Vec<(String, String)>)> = same
            .iter()
            .filter(|j| **j != i)
            .filter_map(|j| ids.get(*j).and_then(|id| rows.get(id)))
            .collect();
        let mut parts: Vec<String> = dims
            .iter()
            .filter(|d| others.iter().any(|(_, od)| !od.contains(d)))
            .map(|(_, v)| v.clone())
            .collect();
        if others.iter().any(|(os, _)| os != stat) {
            parts.push(stat.clone());
        }
        if let Some(s) = series.get_mut(i) {
            if !parts.is_empty() {
                s.label = format!("{label} {}", parts.join(" "));
            }
        }
    }
}

fn points(r: &MetricDataResult) -> Vec<chart::Point> {
    let mut p: Vec<chart::Point> = r
        .timestamps
        .iter()
        .zip(r.values.iter())
        .filter(|(_, v)| v.is_finite())
        .map(|(t, v)| chart::Point {
            t: crate::backend::ms(*t),
            v: *v,
        })
        .collect();
    p.sort_by_key(|p| p.t);
    p
}

fn metric_content(
    m: &MetricWidget,
    body: &DashboardBody,
    data: Option<&WidgetData>,
    start: i64,
    end: i64,
    now: i64,
    thresholds: &[(String, f64)],
) -> MetricContent {
    let (view, mut chart, period) = base_chart(m, body, start, end);
    let Some(d) = data else {
        return failed(m, body, start, end, "the proxy did not answer this widget".into());
    };
    let period = if d.period > 0 { d.period } else { period };
    chart.period_ms = period * 1000;
    chart.start = d.start.min(start);
    chart.end = d.end.max(end).min(end.max(d.end));
    // The period still being filled, drawn as incomplete.
    if end + period * 1000 >= now {
        chart.open_from = Some(now - now.rem_euclid(period * 1000));
    }
    // Row styles by id (parallel to the rows); a row whose expression is an anomaly band draws
    // its two results (upper first) as a shaded band.
    let styles: HashMap<String, (Option<String>, cwbody::Axis, bool)> = m
        .series_styles()
        .into_iter()
        .zip(m.metrics.iter())
        .map(|(s, row)| {
            let band = row
                .options()
                .expression
                .as_deref()
                .is_some_and(|e| e.trim_start().to_ascii_uppercase().starts_with("ANOMALY_DETECTION_BAND"));
            (s.id.clone(), (s.color.clone(), s.y_axis, band))
        })
        .collect();
    let mut by_id: Vec<(&str, Vec<&MetricDataResult>)> = Vec::new();
    for r in &d.results {
        match by_id.iter_mut().find(|(id, _)| *id == r.id) {
            Some((_, list)) => list.push(r),
            None => by_id.push((r.id.as_str(), vec![r])),
        }
    }
    let mut series_ids: Vec<String> = Vec::new();
    for (id, results) in by_id {
        let (color, ax, is_band) = styles.get(id).cloned().unwrap_or((None, cwbody::Axis::Left, false));
        if is_band && results.len() == 2 {
            chart.bands.push(chart::Band {
                upper: points(results[0]),
                lower: points(results[1]),
                label: results[0].label.clone(),
                color,
            });
            continue;
        }
        for r in results {
            series_ids.push(id.to_string());
            chart.series.push(chart::Series {
                label: r.label.clone(),
                color: color.clone(),
                axis: axis(Some(ax)),
                points: points(r),
                dashed: false,
            });
        }
    }
    disambiguate(&mut chart.series, &series_rows(m), &series_ids);
    for (name, t) in thresholds {
        chart.hlines.push(chart::HLine {
            value: *t,
            label: Some(name.clone()),
            color: Some("#d62728".into()),
            fill: chart::Fill::None,
            axis: chart::Axis::Left,
        });
    }
    let gauge = (view == MetricView::Gauge).then(|| (chart.left.min.unwrap_or(0.0), chart.left.max.unwrap_or(100.0)));
    MetricContent {
        view,
        chart,
        period,
        stale: d.stale,
        fetched_at: d.fetched_at,
        errors: d
            .errors
            .iter()
            .map(|e| match &e.id {
                Some(id) => format!("{id}: {} — {}", e.code, e.message),
                None => format!("{} — {}", e.code, e.message),
            })
            .collect(),
        notes: d.notes.clone(),
        queries: describe_rows(m),
        gauge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alike_labels_get_their_differing_dimensions_and_statistics() {
        let s = |l: &str| chart::Series {
            label: l.into(),
            ..Default::default()
        };
        let mut series = vec![s("RequestCount"), s("RequestCount"), s("Latency"), s("Latency"), s("Own")];
        let dims = |tg: &str| {
            vec![
                ("LoadBalancer".to_string(), "lb".to_string()),
                ("TargetGroup".to_string(), tg.to_string()),
            ]
        };
        let rows: RowInfo = [
            ("m1", ("Sum", dims("web"))),
            ("m2", ("Sum", dims("api"))),
            ("m3", ("p50", dims("web"))),
            ("m4", ("p99", dims("web"))),
            ("m5", ("Sum", dims("web"))),
        ]
        .into_iter()
        .map(|(id, (stat, d))| (id.to_string(), (stat.to_string(), d)))
        .collect();
        let ids: Vec<String> = ["m1", "m2", "m3", "m4", "m5"].iter().map(|s| s.to_string()).collect();
        disambiguate(&mut series, &rows, &ids);
        let labels: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            ["RequestCount web", "RequestCount api", "Latency p50", "Latency p99", "Own"]
        );
    }

    #[test]
    fn alarm_names_come_from_arns() {
        assert_eq!(
            alarm_name("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx-rate"),
            "checkout-5xx-rate"
        );
        assert_eq!(alarm_name("plain-name"), "plain-name");
    }
}
