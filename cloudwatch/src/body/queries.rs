//! A metric widget → GetMetricData's `MetricDataQueries`, and the style of each series.

use std::collections::HashSet;

use super::metric::{Axis, MetricRow, MetricWidget, RenderOptions};
use super::PeriodOverride;
use crate::metrics::{Dimension, Metric, MetricDataQuery, MetricStat};

/// CloudWatch's default period of a metric widget, seconds ("The default is 300").
pub const DEFAULT_PERIOD: i64 = 300;
/// CloudWatch's default statistic ("By default CloudWatch uses Average if you don't specify a
/// statistic at array or at metric level").
pub const DEFAULT_STAT: &str = "Average";

/// What the dashboard around a widget decides about its queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryContext {
    /// Length of the dashboard's time range, seconds.
    pub range_seconds: i64,
    /// The dashboard's `periodOverride` (or the user's choice). `None` obeys each widget's
    /// period, as `inherit` does. (The console's own default, when a body says nothing, is
    /// `auto`; pass `Some(Auto)` to behave so.)
    pub period_override: Option<PeriodOverride>,
}

/// How the UI draws one row's series: parallel to [`MetricWidget::queries`] (same order, same
/// ids), so a `MetricDataResult`'s id finds its colour, label and axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesStyle {
    pub id: String,
    pub label: Option<String>,
    pub color: Option<String>,
    /// Left unless the row says right.
    pub y_axis: Axis,
    /// False for hidden helper series (`"visible": false`).
    pub visible: bool,
    /// The row's region, else the widget's.
    pub region: Option<String>,
    /// The row's account, else the widget's.
    pub account_id: Option<String>,
}

/// The period `periodOverride: auto` gives a time range of `range_seconds`.
///
/// AWS documents only that "the period of all graphs on the dashboard automatically adapt\[s\]
/// to the time range"; it publishes no table. This takes the smallest of 1 minute, 5 minutes,
/// 15 minutes, 1 hour, 6 hours and 1 day that keeps a series at or under 1,440 points (the
/// GetMetricStatistics limit per call, and one point per minute over a day), and beyond that
/// whole days. Each of these is valid for the data's age under CloudWatch's retention rules
/// (a multiple of 60 s up to 15 days back, of 300 s up to 63 days, of 3,600 s beyond).
pub fn auto_period(range_seconds: i64) -> i64 {
    const STEPS: [i64; 6] = [60, 300, 900, 3_600, 21_600, 86_400];
    const MAX_POINTS: i64 = 1_440;
    let range = range_seconds.max(1);
    STEPS
        .iter()
        .copied()
        .find(|p| ceil_div(range, *p) <= MAX_POINTS)
        .unwrap_or_else(|| ceil_div(ceil_div(range, MAX_POINTS), 86_400).saturating_mul(86_400))
}

/// The period that gives one point for the whole range (`setPeriodToTimeRange`): the range
/// rounded up to a multiple CloudWatch accepts for data that old (60 s up to 15 days, 300 s up
/// to 63 days, 3,600 s beyond).
fn whole_range_period(range_seconds: i64) -> i64 {
    let range = range_seconds.max(60);
    let step = if range > 63 * 86_400 {
        3_600
    } else if range > 15 * 86_400 {
        300
    } else {
        60
    };
    ceil_div(range, step).saturating_mul(step)
}

/// `a / b` rounded up, for `a >= 0`, `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    a / b + i64::from(a % b != 0)
}

fn is_search_or_insights(expression: &str) -> bool {
    let upper = expression.trim_start().to_ascii_uppercase();
    upper.contains("SEARCH(") || upper.starts_with("SELECT ")
}

impl MetricWidget {
    /// The ids of the rows, in order: the row's own `id`, or one CloudWatch-style generated
    /// id: `m1`, `m2`, ... for metric rows and `e1`, `e2`, ... for expression rows, skipping
    /// ids any row already uses.
    pub fn row_ids(&self) -> Vec<String> {
        let mut used: HashSet<String> = self.metrics.iter().filter_map(|r| r.options().id.clone()).collect();
        let (mut next_m, mut next_e) = (1u32, 1u32);
        self.metrics
            .iter()
            .map(|row| {
                if let Some(id) = &row.options().id {
                    return id.clone();
                }
                let (prefix, n) = match row {
                    MetricRow::Metric { .. } => ("m", &mut next_m),
                    MetricRow::Expression { .. } => ("e", &mut next_e),
                };
                loop {
                    let candidate = format!("{prefix}{n}");
                    *n += 1;
                    if used.insert(candidate.clone()) {
                        return candidate;
                    }
                }
            })
            .collect()
    }

    /// The period of a row under `ctx`:
    /// - `setPeriodToTimeRange: true`: the whole time range (one point per series);
    /// - else `periodOverride: auto`: [`auto_period`] of the range, whatever the rows say;
    /// - else the row's `period`, the widget's `period`, or 300 s.
    pub fn period_for(&self, row: Option<&RenderOptions>, ctx: &QueryContext) -> i64 {
        if self.is_period_set_to_time_range() {
            return whole_range_period(ctx.range_seconds);
        }
        if ctx.period_override == Some(PeriodOverride::Auto) {
            return auto_period(ctx.range_seconds);
        }
        row.and_then(|r| r.period).or(self.period).unwrap_or(DEFAULT_PERIOD)
    }

    /// The GetMetricData queries for this widget, one per row in order (ids from
    /// [`Self::row_ids`]):
    /// - metric rows as `MetricStat` with the stat of the row, else of the widget, else
    ///   `Average`, and the period of [`Self::period_for`]; the account of the row, else the
    ///   widget's;
    /// - expression rows as `Expression`; a `SEARCH(...)` or Metrics Insights (`SELECT ...`)
    ///   expression gets the row's period, else the widget's (after `ctx`), as its `Period`,
    ///   other expressions only a period the row itself gives; only the row's own account;
    /// - `"visible": false` → `ReturnData: false` (a helper series for expressions);
    /// - labels passed through untouched (dynamic labels like `${PROP('Dim.ServiceName')}`
    ///   are CloudWatch's to fill in).
    pub fn queries(&self, ctx: &QueryContext) -> Vec<MetricDataQuery> {
        self.metrics
            .iter()
            .zip(self.row_ids())
            .map(|(row, id)| {
                let o = row.options();
                let return_data = (o.visible == Some(false)).then_some(false);
                match row {
                    MetricRow::Metric {
                        namespace,
                        metric_name,
                        dimensions,
                        options,
                    } => MetricDataQuery {
                        id,
                        metric_stat: Some(MetricStat {
                            metric: Metric {
                                namespace: Some(namespace.clone()),
                                metric_name: Some(metric_name.clone()),
                                dimensions: dimensions.iter().map(|(n, v)| Dimension::new(n, v)).collect(),
                            },
                            period: self.period_for(Some(options), ctx),
                            stat: options
                                .stat
                                .clone()
                                .or_else(|| self.stat.clone())
                                .unwrap_or_else(|| DEFAULT_STAT.to_string()),
                            unit: None,
                        }),
                        label: options.label.clone(),
                        return_data,
                        account_id: options.account_id.clone().or_else(|| self.account_id.clone()),
                        ..MetricDataQuery::default()
                    },
                    MetricRow::Expression { options } => {
                        let expression = options.expression.clone().unwrap_or_default();
                        let period =
                            (is_search_or_insights(&expression) || options.period.is_some()).then(|| self.period_for(Some(options), ctx));
                        MetricDataQuery {
                            id,
                            expression: Some(expression),
                            label: options.label.clone(),
                            return_data,
                            period,
                            account_id: options.account_id.clone(),
                            ..MetricDataQuery::default()
                        }
                    }
                }
            })
            .collect()
    }

    /// How each row's series is drawn, parallel to [`Self::queries`].
    pub fn series_styles(&self) -> Vec<SeriesStyle> {
        self.metrics
            .iter()
            .zip(self.row_ids())
            .map(|(row, id)| {
                let o = row.options();
                SeriesStyle {
                    id,
                    label: o.label.clone(),
                    color: o.color.clone(),
                    y_axis: o.y_axis.unwrap_or(Axis::Left),
                    visible: o.visible != Some(false),
                    region: o.region.clone().or_else(|| self.region.clone()),
                    account_id: o.account_id.clone().or_else(|| self.account_id.clone()),
                }
            })
            .collect()
    }

    /// Result id → colour, for the rows that set one.
    pub fn row_colors(&self) -> Vec<(String, String)> {
        self.series_styles().into_iter().filter_map(|s| Some((s.id, s.color?))).collect()
    }

    /// Result id → label, for the rows that set one.
    pub fn row_labels(&self) -> Vec<(String, String)> {
        self.series_styles().into_iter().filter_map(|s| Some((s.id, s.label?))).collect()
    }
}
