//! "Test connection": every API Watchpost uses, called read-only with a minimal request, with
//! the outcome per IAM action, so an admin sees exactly which permission is missing.

use time::OffsetDateTime;

use crate::alarms::{DescribeAlarmHistoryInput, DescribeAlarmsInput};
use crate::dashboards::ListDashboardsInput;
use crate::logs::*;
use crate::metrics::{GetMetricDataInput, ListMetricsInput, Metric, MetricDataQuery, MetricStat};
use crate::source::{CallContext, Source};
use crate::{ErrorKind, SourceError};

/// One API's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCheck {
    /// The IAM action, e.g. `logs:StartQuery`.
    pub action: &'static str,
    pub outcome: Result<(), SourceError>,
}

/// Calls each API read-only with a minimal request and reports per IAM action. A missing
/// resource (no log groups yet) counts as reachable.
pub async fn test_connection(source: &dyn Source, cx: &CallContext) -> Vec<ApiCheck> {
    let now = OffsetDateTime::now_utc();
    let mut checks = Vec::new();
    fn check<T>(action: &'static str, r: Result<T, SourceError>) -> ApiCheck {
        ApiCheck {
            action,
            outcome: match r {
                Ok(_) => Ok(()),
                Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            },
        }
    }
    checks.push(check(
        "cloudwatch:ListMetrics",
        source.list_metrics(cx, ListMetricsInput::default()).await,
    ));
    let gmd = GetMetricDataInput {
        metric_data_queries: vec![MetricDataQuery {
            id: "probe".into(),
            metric_stat: Some(MetricStat {
                metric: Metric::new("AWS/Logs", "IncomingLogEvents", &[]),
                period: 300,
                stat: "Sum".into(),
                unit: None,
            }),
            ..MetricDataQuery::default()
        }],
        start_time: now - time::Duration::minutes(10),
        end_time: now,
        next_token: None,
        scan_by: None,
        max_datapoints: Some(10),
        label_options: None,
    };
    checks.push(check("cloudwatch:GetMetricData", source.get_metric_data(cx, gmd).await));
    checks.push(check(
        "cloudwatch:DescribeAlarms",
        source
            .describe_alarms(
                cx,
                DescribeAlarmsInput {
                    max_records: Some(1),
                    ..Default::default()
                },
            )
            .await,
    ));
    checks.push(check(
        "cloudwatch:DescribeAlarmHistory",
        source
            .describe_alarm_history(
                cx,
                DescribeAlarmHistoryInput {
                    max_records: Some(1),
                    ..Default::default()
                },
            )
            .await,
    ));
    checks.push(check(
        "cloudwatch:ListDashboards",
        source.list_dashboards(cx, ListDashboardsInput::default()).await,
    ));
    let groups = source
        .describe_log_groups(
            cx,
            DescribeLogGroupsInput {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await;
    let first = groups
        .as_ref()
        .ok()
        .and_then(|g| g.log_groups.first())
        .map(|g| g.log_group_name.clone());
    checks.push(check("logs:DescribeLogGroups", groups));
    if let Some(group) = first {
        checks.push(check(
            "logs:GetLogGroupFields",
            source
                .get_log_group_fields(
                    cx,
                    GetLogGroupFieldsInput {
                        log_group_name: Some(group.clone()),
                        ..Default::default()
                    },
                )
                .await,
        ));
        let started = source
            .start_query(
                cx,
                StartQueryInput {
                    log_group_names: vec![group.clone()],
                    start_time: (now - time::Duration::minutes(1)).unix_timestamp(),
                    end_time: now.unix_timestamp(),
                    query_string: "fields @timestamp | limit 1".into(),
                    ..Default::default()
                },
            )
            .await;
        if let Ok(q) = &started {
            let _ = source
                .stop_query(
                    cx,
                    QueryIdInput {
                        query_id: q.query_id.clone(),
                    },
                )
                .await;
        }
        checks.push(check("logs:StartQuery", started));
        checks.push(check(
            "logs:FilterLogEvents",
            source
                .filter_log_events(
                    cx,
                    FilterLogEventsInput {
                        log_group_name: Some(group),
                        limit: Some(1),
                        start_time: Some((now - time::Duration::minutes(5)).unix_timestamp() * 1000),
                        ..Default::default()
                    },
                )
                .await,
        ));
    }
    checks.push(check(
        "logs:DescribeQueryDefinitions",
        source
            .describe_query_definitions(
                cx,
                DescribeQueryDefinitionsInput {
                    max_results: Some(1),
                    ..Default::default()
                },
            )
            .await,
    ));
    checks
}
