//! CloudWatch metrics: GetMetricData and ListMetrics.
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html>

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Most queries one GetMetricData call may carry.
pub const MAX_QUERIES: usize = 500;
/// Most data points one GetMetricData call may return (across all queries).
pub const MAX_DATAPOINTS: u64 = 100_800;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

impl Dimension {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A metric's identity: namespace, name and the full set of dimensions (order does not matter to
/// CloudWatch; sources keep them as given).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metric {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<Dimension>,
}

impl Metric {
    pub fn new(namespace: &str, name: &str, dimensions: &[(&str, &str)]) -> Self {
        Self {
            namespace: Some(namespace.to_string()),
            metric_name: Some(name.to_string()),
            dimensions: dimensions.iter().map(|(n, v)| Dimension::new(*n, *v)).collect(),
        }
    }

    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions.iter().find(|d| d.name == name).map(|d| d.value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStat {
    pub metric: Metric,
    /// Seconds; 1, 5, 10, 30 or a multiple of 60.
    pub period: i64,
    /// `SampleCount`, `Average`, `Sum`, `Minimum`, `Maximum`, or an extended statistic
    /// (`p99`, `tm90`, `TM(10%:90%)`, `wm98`, `PR(:300)`, `TC(..)`, `TS(..)`, `IQM`).
    pub stat: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// One entry of `MetricDataQueries`: exactly one of `MetricStat` and `Expression`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataQuery {
    /// Starts with a lower-case letter; letters, digits and underscores.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStat>,
    /// Metric math or a `SEARCH(...)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// May use dynamic labels (`${LABEL}`, `${PROP('Dim.X')}`, `${AVG}`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_data: Option<bool>,
    /// Period of an expression's result (for SEARCH and metric-less expressions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// The account to read from, in a monitoring account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

impl MetricDataQuery {
    pub fn returns_data(&self) -> bool {
        self.return_data.unwrap_or(true)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ScanBy {
    #[default]
    TimestampDescending,
    TimestampAscending,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LabelOptions {
    /// `+HHMM` or `-HHMM`, used for times shown in dynamic labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricDataInput {
    pub metric_data_queries: Vec<MetricDataQuery>,
    #[serde(with = "crate::timestamp")]
    pub start_time: OffsetDateTime,
    #[serde(with = "crate::timestamp")]
    pub end_time: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_by: Option<ScanBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_datapoints: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_options: Option<LabelOptions>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StatusCode {
    #[default]
    Complete,
    InternalError,
    PartialData,
    Forbidden,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl MessageData {
    pub fn new(code: &str, value: impl Into<String>) -> Self {
        Self {
            code: Some(code.to_string()),
            value: Some(value.into()),
        }
    }
}

/// One series. Timestamps and values are parallel, in the order asked for by `ScanBy`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataResult {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default, with = "crate::timestamp::vec")]
    pub timestamps: Vec<OffsetDateTime>,
    #[serde(default)]
    pub values: Vec<f64>,
    #[serde(default)]
    pub status_code: StatusCode,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageData>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricDataOutput {
    pub metric_data_results: Vec<MetricDataResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageData>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DimensionFilter {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMetricsInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<DimensionFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Only `PT3H` is accepted: metrics with data in the past three hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recently_active: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_linked_accounts: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_account: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMetricsOutput {
    pub metrics: Vec<Metric>,
    /// Parallel to `Metrics` when `IncludeLinkedAccounts` was asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owning_accounts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
