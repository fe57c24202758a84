//! What a dashboard page draws: each widget's place on the 24-column grid and its content for
//! one time range — a chart (series ready for [`chart::svg`]), rendered markdown, alarm states,
//! a Logs Insights query, or a placeholder that says what it could not show.

use serde::{Deserialize, Serialize};

/// Every widget of a dashboard for one resolved range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    /// The resolved range (epoch ms).
    pub start: i64,
    pub end: i64,
    pub widgets: Vec<WidgetView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetView {
    /// Position in the body's `widgets` array.
    pub index: u32,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub title: String,
    pub content: WidgetContent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WidgetContent {
    Metric(Box<MetricContent>),
    /// Sanitised HTML from the widget's markdown (rendered on the server).
    Text {
        html: String,
    },
    Alarms {
        rows: Vec<AlarmRow>,
        error: Option<String>,
    },
    /// A Logs Insights query's results: a table, or a chart of `stats … by bin()`.
    Logs {
        query: String,
        region: Option<String>,
        result: Box<LogResult>,
    },
    /// A widget type Watchpost does not draw (kept in the body unchanged).
    Unsupported {
        type_name: String,
    },
}

/// How a metric widget is shown (CloudWatch's `view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricView {
    TimeSeries,
    Bar,
    SingleValue,
    Gauge,
    Table,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricContent {
    pub view: MetricView,
    pub chart: chart::Chart,
    /// The widget's period (s) as asked.
    pub period: i64,
    /// The proxy served older data because a refresh failed.
    pub stale: bool,
    /// When the upstream answered (epoch ms) for the oldest series shown.
    pub fetched_at: Option<i64>,
    /// CloudWatch's messages for the widget or one of its series (a bad expression).
    pub errors: Vec<String>,
    /// Said to the user (a raised period, a missing connection).
    pub notes: Vec<String>,
    /// The metrics asked, one line each, shown with "no data".
    pub queries: Vec<String>,
    /// Gauge range (`yAxis.left` min/max) when the view is a gauge.
    pub gauge: Option<(f64, f64)>,
}

/// The rows of a log widget's query as CloudWatch answered them (cells are strings), at most
/// [`MAX_LOG_ROWS`] of them, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LogResult {
    /// `Complete`, `Running` (still running when the page was drawn), `Failed`, `Timeout`, ...
    pub status: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Rows the query returned (more than `rows` when cut).
    pub total: u32,
    pub bytes_scanned: f64,
    pub records_scanned: f64,
    /// The query's error, in CloudWatch's words.
    pub error: Option<String>,
    /// `stats … by bin()` drawn as the widget's `view` asks (`timeSeries`, `bar`).
    pub chart: Option<Box<MetricContent>>,
}

/// The most rows a log widget carries into the page.
pub const MAX_LOG_ROWS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmRow {
    pub name: String,
    pub state: String,
    pub reason: String,
    pub updated_ms: Option<i64>,
}

/// Last, average and maximum of a series' values (None when it has none).
pub fn summary(points: &[chart::Point]) -> Option<(f64, f64, f64)> {
    let last = points.iter().rev().find(|p| p.v.is_finite())?.v;
    let values: Vec<f64> = points.iter().map(|p| p.v).filter(|v| v.is_finite()).collect();
    let avg = values.iter().sum::<f64>() / values.len() as f64;
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((last, avg, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chart::Point;

    #[test]
    fn summary_reads_last_average_and_maximum() {
        let p = |t, v| Point { t, v };
        assert_eq!(summary(&[p(0, 1.0), p(1, 5.0), p(2, 3.0)]), Some((3.0, 3.0, 5.0)));
        assert_eq!(summary(&[]), None);
        assert_eq!(summary(&[p(0, 2.0), p(1, f64::NAN)]), Some((2.0, 2.0, 2.0)));
    }
}
