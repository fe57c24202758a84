//! CloudWatch's GetMetricData and ListMetrics semantics over any [`Backend`] that can produce the
//! datapoints of one metric at one statistic and period: validation with CloudWatch's own error
//! codes and messages, statistics (`p99`, `tm90`, ...), metric math expressions, `SEARCH`, dynamic
//! labels, `ScanBy`, `MaxDatapoints` and `NextToken` paging. The demo source uses it; the AWS source
//! does not (CloudWatch does all this itself).

use cloudwatch::metrics::{GetMetricDataInput, GetMetricDataOutput, ListMetricsInput, ListMetricsOutput, Metric};
use cloudwatch::SourceError;
use time::OffsetDateTime;

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
}

/// A parsed CloudWatch statistic (placeholder until the statistics module lands).
#[derive(Debug, Clone, PartialEq)]
pub enum Statistic {
    SampleCount,
    Average,
    Sum,
    Minimum,
    Maximum,
    /// `p99`, `p99.9`.
    Percentile(f64),
}

/// GetMetricData as CloudWatch answers it. `now` decides retention and what is still in the future.
pub fn get_metric_data(
    input: &GetMetricDataInput,
    backend: &dyn Backend,
    now: OffsetDateTime,
) -> Result<GetMetricDataOutput, SourceError> {
    let _ = (input, backend, now);
    Err(SourceError::unsupported("GetMetricData is not implemented yet"))
}

/// ListMetrics as CloudWatch answers it (filters, 500 per page, `NextToken`).
pub fn list_metrics(input: &ListMetricsInput, backend: &dyn Backend) -> Result<ListMetricsOutput, SourceError> {
    let _ = (input, backend);
    Err(SourceError::unsupported("ListMetrics is not implemented yet"))
}
