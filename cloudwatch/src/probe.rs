//! "Test connection": every API Watchpost reads, called once with minimal, read-only input, each
//! reported with the IAM action it needs. Works on any [`Source`]: the demo world, the AWS SDKs.

use crate::alarms::{DescribeAlarmHistoryInput, DescribeAlarmsInput};
use crate::dashboards::ListDashboardsInput;
use crate::logs::{
    DescribeLogGroupsInput, DescribeQueryDefinitionsInput, FilterLogEventsInput, GetLogGroupFieldsInput, QueryIdInput, StartQueryInput,
};
use crate::metrics::{GetMetricDataInput, ListMetricsInput, Metric, MetricDataQuery, MetricStat};
use crate::source::{CallContext, Source};
use crate::{ErrorKind, SourceError};
use time::{Duration, OffsetDateTime};

/// A namespace and log group that exist nowhere, so the metric and dashboard calls stay tiny.
const PROBE_NAMESPACE: &str = "Watchpost/ConnectionTest";
/// Used for the group calls when the account has no log group at all (AWS then answers
/// ResourceNotFound, which proves the permission).
const PLACEHOLDER_GROUP: &str = "/watchpost/connection-test";

/// One API's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCheck {
    /// The IAM action, e.g. `logs:StartQuery`.
    pub action: &'static str,
    pub outcome: Result<(), SourceError>,
}

impl ApiCheck {
    fn new<T>(action: &'static str, result: Result<T, SourceError>) -> Self {
        let outcome = match result {
            Ok(_) => Ok(()),
            // The thing asked for does not exist, so the permission was granted.
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        Self { action, outcome }
    }

    pub fn ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// Calls each API once (the independent ones concurrently) and reports every one, in a fixed
/// order: ListMetrics, GetMetricData, DescribeAlarms, DescribeAlarmHistory, ListDashboards,
/// DescribeLogGroups, GetLogGroupFields, StartQuery, StopQuery (only when StartQuery worked),
/// FilterLogEvents, DescribeQueryDefinitions.
pub async fn test_connection(source: &dyn Source, cx: &CallContext) -> Vec<ApiCheck> {
    let now = OffsetDateTime::now_utc();
    let (list_metrics, metric_data, alarms, history, dashboards, logs, definitions) = futures_util::join!(
        async {
            let input = ListMetricsInput {
                namespace: Some(PROBE_NAMESPACE.into()),
                ..Default::default()
            };
            ApiCheck::new("cloudwatch:ListMetrics", source.list_metrics(cx, input).await)
        },
        async {
            let input = GetMetricDataInput {
                metric_data_queries: vec![MetricDataQuery {
                    id: "probe".into(),
                    metric_stat: Some(MetricStat {
                        metric: Metric::new(PROBE_NAMESPACE, "Probe", &[]),
                        period: 300,
                        stat: "Sum".into(),
                        unit: None,
                    }),
                    ..Default::default()
                }],
                start_time: now - Duration::minutes(5),
                end_time: now,
                next_token: None,
                scan_by: None,
                max_datapoints: Some(10),
                label_options: None,
            };
            ApiCheck::new("cloudwatch:GetMetricData", source.get_metric_data(cx, input).await)
        },
        async {
            let input = DescribeAlarmsInput {
                max_records: Some(1),
                ..Default::default()
            };
            ApiCheck::new("cloudwatch:DescribeAlarms", source.describe_alarms(cx, input).await)
        },
        async {
            let input = DescribeAlarmHistoryInput {
                max_records: Some(1),
                ..Default::default()
            };
            ApiCheck::new("cloudwatch:DescribeAlarmHistory", source.describe_alarm_history(cx, input).await)
        },
        async {
            let input = ListDashboardsInput {
                dashboard_name_prefix: Some("watchpost-connection-test".into()),
                next_token: None,
            };
            ApiCheck::new("cloudwatch:ListDashboards", source.list_dashboards(cx, input).await)
        },
        logs_checks(source, cx, now),
        async {
            let input = DescribeQueryDefinitionsInput {
                max_results: Some(1),
                ..Default::default()
            };
            ApiCheck::new("logs:DescribeQueryDefinitions", source.describe_query_definitions(cx, input).await)
        },
    );
    let mut checks = vec![list_metrics, metric_data, alarms, history, dashboards];
    checks.extend(logs);
    checks.push(definitions);
    checks
}

/// DescribeLogGroups first: the other log calls use the first group it finds.
async fn logs_checks(source: &dyn Source, cx: &CallContext, now: OffsetDateTime) -> Vec<ApiCheck> {
    let groups = source
        .describe_log_groups(
            cx,
            DescribeLogGroupsInput {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await;
    let group = match &groups {
        Ok(out) => out.log_groups.first().map(|g| g.log_group_name.clone()),
        Err(_) => None,
    }
    .unwrap_or_else(|| PLACEHOLDER_GROUP.to_string());
    let mut checks = vec![ApiCheck::new("logs:DescribeLogGroups", groups)];

    let fields_input = GetLogGroupFieldsInput {
        log_group_name: Some(group.clone()),
        ..Default::default()
    };
    let query_input = StartQueryInput {
        log_group_names: vec![group.clone()],
        start_time: (now - Duration::minutes(1)).unix_timestamp(),
        end_time: now.unix_timestamp(),
        query_string: "fields @timestamp | limit 1".into(),
        limit: Some(1),
        ..Default::default()
    };
    let filter_input = FilterLogEventsInput {
        log_group_name: Some(group.clone()),
        start_time: Some((now - Duration::minutes(1)).unix_timestamp() * 1000),
        end_time: Some(now.unix_timestamp() * 1000),
        limit: Some(1),
        ..Default::default()
    };
    let (fields, query, filter) = futures_util::join!(
        source.get_log_group_fields(cx, fields_input),
        async {
            let started = source.start_query(cx, query_input).await;
            let stopped = match &started {
                Ok(out) => {
                    let stop = source
                        .stop_query(
                            cx,
                            QueryIdInput {
                                query_id: out.query_id.clone(),
                            },
                        )
                        .await;
                    // A query that already finished cannot be stopped; the permission was still granted.
                    let stop = match stop {
                        Err(e) if e.kind == ErrorKind::Validation => Ok(()),
                        other => other.map(|_| ()),
                    };
                    Some(ApiCheck::new("logs:StopQuery", stop))
                }
                Err(_) => None,
            };
            (ApiCheck::new("logs:StartQuery", started), stopped)
        },
        source.filter_log_events(cx, filter_input),
    );
    checks.push(ApiCheck::new("logs:GetLogGroupFields", fields));
    checks.push(query.0);
    checks.extend(query.1);
    checks.push(ApiCheck::new("logs:FilterLogEvents", filter));
    checks
}
