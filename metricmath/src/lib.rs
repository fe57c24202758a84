//! CloudWatch's GetMetricData and ListMetrics semantics over any [`Backend`] that can produce the
//! datapoints of one metric at one statistic and period: validation with CloudWatch's own error
//! codes and messages, statistics (`p99`, `tm90`, ...), metric math expressions, `SEARCH`, dynamic
//! labels, `ScanBy`, `MaxDatapoints` and `NextToken` paging. The demo source uses it; the AWS source
//! does not (CloudWatch does all this itself).
//!
//! Modules, each built to the AWS page it cites: [`stat`] (statistics), [`validate`] (request rules, time
//! rounding, retention), [`expr`] (metric math: lexer, parser, evaluator), [`search`] (`SEARCH`), [`labels`]
//! (default and dynamic labels), [`anomaly`] (`ANOMALY_DETECTION_BAND`), [`paging`] (tokens and pages),
//! [`list`] (ListMetrics).

pub mod anomaly;
mod engine;
pub mod expr;
pub mod labels;
pub mod list;
pub mod paging;
pub mod search;
pub mod stat;
pub mod validate;

use cloudwatch::metrics::{GetMetricDataInput, GetMetricDataOutput, ListMetricsInput, ListMetricsOutput, Metric};
use cloudwatch::SourceError;
use time::OffsetDateTime;

pub use engine::{ARITHMETIC_ERROR, FALLBACK_PERIOD, MAX_EVALUATED_DATAPOINTS};
pub use stat::{Bounds, Statistic};

/// The account the answers speak for when nothing else is said.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// The Region `${PROP('Region')}` shows when nothing else is said.
pub const DEFAULT_REGION: &str = "us-east-1";

/// What a metric store has to offer for GetMetricData to be computed over it.
pub trait Backend {
    /// Every metric the account has (what `SEARCH` and ListMetrics look through).
    fn catalogue(&self) -> &[Metric];

    /// The datapoints of `metric` at `stat` and `period` seconds over `[start, end)`, one per period
    /// that has data, each stamped with the start of its period (periods aligned to the epoch),
    /// ascending. An empty vector when the metric has no data there.
    fn series(
        &self,
        metric: &Metric,
        stat: &Statistic,
        period: i64,
        unit: Option<&str>,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<(OffsetDateTime, f64)>, SourceError>;

    /// When `metric` last had a datapoint, if the store can tell cheaply. `None` (the default) means
    /// "unknown": the metric counts as active for the two-week rule of ListMetrics and `SEARCH`, and
    /// ListMetrics' `RecentlyActive` probes [`Backend::series`] over the last three hours instead.
    fn last_datapoint(&self, metric: &Metric) -> Option<OffsetDateTime> {
        let _ = metric;
        None
    }
}

/// Who is answering: the account id (`${PROP('AccountId')}`, `OwningAccounts`, `AccountId` of a query,
/// `:aws.AccountId` in `SEARCH`) and the Region (`${PROP('Region')}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub account_id: String,
    pub region: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            account_id: DEFAULT_ACCOUNT_ID.to_string(),
            region: DEFAULT_REGION.to_string(),
        }
    }
}

/// GetMetricData as CloudWatch answers it. `now` decides retention and what is still in the future
/// (a `NextToken` carries the `now` of its first page, so every page is cut from the same answer).
pub fn get_metric_data(input: &GetMetricDataInput, backend: &dyn Backend, now: OffsetDateTime) -> Result<GetMetricDataOutput, SourceError> {
    engine::get_metric_data(input, backend, now, &Options::default())
}

/// [`get_metric_data`] for a given account and Region.
pub fn get_metric_data_with(
    input: &GetMetricDataInput,
    backend: &dyn Backend,
    now: OffsetDateTime,
    options: &Options,
) -> Result<GetMetricDataOutput, SourceError> {
    engine::get_metric_data(input, backend, now, options)
}

/// ListMetrics as CloudWatch answers it (filters, 500 per page, `NextToken`), at the current time.
pub fn list_metrics(input: &ListMetricsInput, backend: &dyn Backend) -> Result<ListMetricsOutput, SourceError> {
    list::list_metrics(input, backend, OffsetDateTime::now_utc(), &Options::default())
}

/// [`list_metrics`] at a given time (for `RecentlyActive` and the two-week rule), account and Region.
pub fn list_metrics_with(
    input: &ListMetricsInput,
    backend: &dyn Backend,
    now: OffsetDateTime,
    options: &Options,
) -> Result<ListMetricsOutput, SourceError> {
    list::list_metrics(input, backend, now, options)
}
