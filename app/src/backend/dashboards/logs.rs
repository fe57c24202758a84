//! Log widgets: each widget's Logs Insights query (its `SOURCE` clauses name the log groups) runs
//! through the connection's scheduler — the same queue, budget and shared executions as Explore —
//! all of a page's queries submitted at once and waited for together, up to [`LOG_WAIT`]. The
//! rows become a table; `stats … by bin()` in a `timeSeries` or `bar` widget becomes a chart.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cloudwatch::body::LogWidget;
use cloudwatch::logs::StartQueryInput;
use proxy::insights::{RunStatus, RunView};

use crate::backend::sources::{Asker, Telemetry};
use crate::domain::widget::{LogResult, MetricContent, MetricView, MAX_LOG_ROWS};
use crate::domain::ConnectionId;

/// How long a page waits for its log widgets' queries, all together.
pub const LOG_WAIT: Duration = Duration::from_secs(12);

/// The results of every log widget (by index) for the range (epoch ms).
pub async fn results(
    telemetry: &Telemetry,
    asker: Asker<'_>,
    connection: &ConnectionId,
    dashboard: Option<String>,
    widgets: &[(usize, LogWidget)],
    start_ms: i64,
    end_ms: i64,
) -> HashMap<usize, LogResult> {
    let mut out = HashMap::new();
    let mut runs: Vec<(usize, RunView)> = Vec::new();
    for (i, w) in widgets {
        let groups = w.log_groups();
        if groups.is_empty() {
            out.insert(*i, failed("The query names no log group: start it with SOURCE 'log-group-name' |"));
            continue;
        }
        let input = StartQueryInput {
            log_group_names: groups,
            start_time: start_ms.div_euclid(1000),
            end_time: end_ms.div_euclid(1000),
            query_string: w.query_string(),
            ..StartQueryInput::default()
        };
        match telemetry.insights_submit(asker, connection, input, dashboard.clone()).await {
            Ok(run) => runs.push((*i, run)),
            Err(e) => {
                out.insert(*i, failed(&e.to_string()));
            }
        }
    }
    let deadline = Instant::now() + LOG_WAIT;
    for (i, mut run) in runs {
        while !run.status.is_final() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match telemetry.insights_run(asker, run.run_id, Some(run.version), left).await {
                Ok(next) => run = next,
                Err(_) => break,
            }
        }
        let w = widgets.iter().find(|(j, _)| *j == i).map(|(_, w)| w);
        out.insert(i, to_result(&run, w, start_ms, end_ms));
    }
    out
}

fn failed(message: &str) -> LogResult {
    LogResult {
        status: "Failed".into(),
        error: Some(message.to_string()),
        ..LogResult::default()
    }
}

/// A run as the widget shows it.
pub fn to_result(run: &RunView, widget: Option<&LogWidget>, start_ms: i64, end_ms: i64) -> LogResult {
    let status = match run.status {
        RunStatus::Queued { .. } => "Queued",
        RunStatus::Running => "Running",
        RunStatus::Complete => "Complete",
        RunStatus::Failed => "Failed",
        RunStatus::Cancelled => "Cancelled",
        RunStatus::Timeout => "Timeout",
    };
    let mut columns: Vec<String> = Vec::new();
    let rows_in = run.output.as_ref().map(|o| o.results.as_slice()).unwrap_or_default();
    for row in rows_in {
        for f in row {
            if f.field != "@ptr" && !columns.contains(&f.field) {
                columns.push(f.field.clone());
            }
        }
    }
    let rows: Vec<Vec<String>> = rows_in
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| row.iter().find(|f| &f.field == c).map(|f| f.value.clone()).unwrap_or_default())
                .collect()
        })
        .collect();
    let stats = run.output.as_ref().map(|o| o.statistics).unwrap_or_default();
    let chart = widget.and_then(|w| {
        let view = w.view.as_deref().unwrap_or("table");
        let bar = match view {
            "timeSeries" => false,
            "bar" => true,
            _ => return None,
        };
        bin_chart(&columns, &rows, bar, w.stacked.unwrap_or(false), start_ms, end_ms).map(Box::new)
    });
    LogResult {
        status: status.into(),
        total: u32::try_from(rows.len()).unwrap_or(u32::MAX),
        rows: rows.into_iter().take(MAX_LOG_ROWS).collect(),
        columns,
        bytes_scanned: stats.bytes_scanned,
        records_scanned: stats.records_scanned,
        error: run.error.as_ref().map(ToString::to_string),
        chart,
    }
}

/// Logs Insights' timestamps (`2026-11-23 10:05:00.000`, UTC) in epoch ms.
pub fn parse_time(s: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    let t = time::PrimitiveDateTime::parse(whole, &format).ok()?.assume_utc();
    let ms: i64 = match frac.len() {
        0 => 0,
        _ => frac.get(..3.min(frac.len()))?.parse::<i64>().ok()? * 10_i64.pow(3 - frac.len().min(3) as u32),
    };
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64 + ms)
}

/// `stats … by bin(…)[, field…]` as series: the time column is the first whose every value is
/// a timestamp; each numeric column is a series, split by the other (group-by) columns' values.
pub fn bin_chart(columns: &[String], rows: &[Vec<String>], bar: bool, stacked: bool, start_ms: i64, end_ms: i64) -> Option<MetricContent> {
    if rows.is_empty() {
        return None;
    }
    let time_col = (0..columns.len()).find(|&c| rows.iter().all(|r| parse_time(&r[c]).is_some()))?;
    let numeric: Vec<usize> = (0..columns.len())
        .filter(|&c| c != time_col && rows.iter().all(|r| r[c].is_empty() || r[c].parse::<f64>().is_ok()))
        .collect();
    if numeric.is_empty() {
        return None;
    }
    let groups: Vec<usize> = (0..columns.len()).filter(|c| *c != time_col && !numeric.contains(c)).collect();
    let mut series: Vec<(String, Vec<chart::Point>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut times: Vec<i64> = Vec::new();
    for r in rows {
        let Some(t) = parse_time(&r[time_col]) else { continue };
        times.push(t);
        let group: Vec<&str> = groups.iter().map(|&g| r[g].as_str()).collect();
        for &c in &numeric {
            let Ok(v) = r[c].parse::<f64>() else { continue };
            let label = match (group.is_empty(), numeric.len()) {
                (true, _) => columns[c].clone(),
                (false, 1) => group.join(" "),
                (false, _) => format!("{} {}", group.join(" "), columns[c]),
            };
            let at = *index.entry(label.clone()).or_insert_with(|| {
                series.push((label, Vec::new()));
                series.len() - 1
            });
            series[at].1.push(chart::Point { t, v });
        }
    }
    times.sort_unstable();
    times.dedup();
    // The bin width: the smallest step between bins (one minute when there is one bin).
    let period_ms = times.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0).min().unwrap_or(60_000);
    let view = match (bar, stacked) {
        (true, _) => chart::View::Bar,
        (false, true) => chart::View::StackedArea,
        (false, false) => chart::View::Line,
    };
    let series = series
        .into_iter()
        .map(|(label, mut points)| {
            points.sort_by_key(|p| p.t);
            chart::Series {
                label,
                color: None,
                axis: chart::Axis::Left,
                points,
                dashed: false,
            }
        })
        .collect();
    Some(MetricContent {
        view: if bar { MetricView::Bar } else { MetricView::TimeSeries },
        chart: chart::Chart {
            series,
            view,
            start: start_ms,
            end: end_ms,
            period_ms,
            open_from: None,
            left: chart::YAxis::default(),
            right: chart::YAxis::default(),
            hlines: Vec::new(),
            vlines: Vec::new(),
            bands: Vec::new(),
        },
        period: period_ms / 1000,
        stale: false,
        fetched_at: None,
        errors: Vec::new(),
        notes: Vec::new(),
        queries: Vec::new(),
        gauge: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    fn rows(r: &[&[&str]]) -> Vec<Vec<String>> {
        r.iter().map(|row| row.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn insights_timestamps_read_as_utc_milliseconds() {
        assert_eq!(parse_time("2026-11-23 10:05:00.000"), Some(1_795_428_300_000));
        assert_eq!(parse_time("2026-11-23 10:05:00.250"), Some(1_795_428_300_250));
        assert_eq!(parse_time("2026-11-23 10:05:00"), Some(1_795_428_300_000));
        assert_eq!(parse_time("checkout"), None);
        assert_eq!(parse_time("2026-11-23 10:05:00.abc"), None);
    }

    #[test]
    fn stats_by_bin_and_a_field_become_one_series_per_group() {
        let c = cols(&["bin(5m)", "service", "count()"]);
        let r = rows(&[
            &["2026-11-23 10:05:00.000", "checkout", "3"],
            &["2026-11-23 10:00:00.000", "checkout", "2"],
            &["2026-11-23 10:00:00.000", "cart", "7"],
        ]);
        let m = bin_chart(&c, &r, false, false, 0, 1).expect("a chart");
        assert_eq!(m.chart.period_ms, 300_000);
        let s: Vec<(&str, Vec<f64>)> = m
            .chart
            .series
            .iter()
            .map(|s| (s.label.as_str(), s.points.iter().map(|p| p.v).collect()))
            .collect();
        assert_eq!(s, [("checkout", vec![2.0, 3.0]), ("cart", vec![7.0])]);
        // Two numeric columns without a group: one series each, named by the column.
        let c = cols(&["bin(1m)", "avg(latency)", "count()"]);
        let r = rows(&[&["2026-11-23 10:00:00.000", "12.5", "4"]]);
        let m = bin_chart(&c, &r, true, false, 0, 1).expect("a chart");
        let labels: Vec<&str> = m.chart.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["avg(latency)", "count()"]);
        assert_eq!(m.chart.view, chart::View::Bar);
        // No time column: a table, not a chart.
        assert!(bin_chart(&cols(&["service", "count()"]), &rows(&[&["a", "1"]]), false, false, 0, 1).is_none());
    }
}
