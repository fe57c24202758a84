//! Round trips through the ministack emulator. It accepts any credentials and fakes metric math
//! and Logs Insights, so those are not tested here. Every test uses its own names (tests run in
//! parallel against one emulator).

use std::time::Duration;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types as cwt;
use aws_sdk_cloudwatchlogs::types as lt;
use cloudwatch::alarms::*;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::{ErrorKind, Source};
use futures_util::StreamExt;
use time::OffsetDateTime;

use crate::common::{cx, ministack_or_skip, raw_cloudwatch, raw_logs, source_at, static_credentials, unique, Must};
use aws_source::Timeouts;

async fn source(url: &str) -> aws_source::AwsSource {
    source_at(url, static_credentials("AKIDMINISTACK"), Timeouts::default()).await
}

fn minute(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_second(0).and_then(|t| t.replace_nanosecond(0)).must("whole minute")
}

fn dt(t: OffsetDateTime) -> DateTime {
    DateTime::from_secs(t.unix_timestamp())
}

#[tokio::test]
async fn metrics_put_then_get_and_list() {
    let url = ministack_or_skip!();
    let raw = raw_cloudwatch(&url);
    let namespace = unique("Watchpost/Test");
    let now = minute(OffsetDateTime::now_utc());
    let (t1, t2) = (now - time::Duration::minutes(3), now - time::Duration::minutes(2));
    let dim = |v: &str| cwt::Dimension::builder().name("Service").value(v).build();
    let datum = |name: &str, service: &str, at: OffsetDateTime, value: f64| {
        cwt::MetricDatum::builder()
            .metric_name(name)
            .dimensions(dim(service))
            .timestamp(dt(at))
            .value(value)
            .build()
    };
    raw.put_metric_data()
        .namespace(&namespace)
        .metric_data(datum("Latency", "api", t1, 10.0))
        .metric_data(datum("Latency", "api", t1 + time::Duration::seconds(5), 5.0))
        .metric_data(datum("Latency", "api", t2, 20.0))
        .metric_data(datum("Latency", "web", t2, 99.0))
        .metric_data(datum("Errors", "api", t2, 1.0))
        .send()
        .await
        .must("PutMetricData");

    let source = source(&url).await;
    let stat = |name: &str, stat: &str| MetricStat {
        metric: Metric::new(&namespace, name, &[("Service", "api")]),
        period: 60,
        stat: stat.into(),
        unit: None,
    };
    let out = source
        .get_metric_data(
            &cx(),
            GetMetricDataInput {
                metric_data_queries: vec![
                    MetricDataQuery {
                        id: "latency".into(),
                        metric_stat: Some(stat("Latency", "Sum")),
                        label: Some("api latency".into()),
                        ..Default::default()
                    },
                    MetricDataQuery {
                        id: "errors".into(),
                        metric_stat: Some(stat("Errors", "Maximum")),
                        ..Default::default()
                    },
                    MetricDataQuery {
                        id: "hidden".into(),
                        metric_stat: Some(stat("Errors", "Sum")),
                        return_data: Some(false),
                        ..Default::default()
                    },
                ],
                start_time: now - time::Duration::minutes(10),
                end_time: now + time::Duration::minutes(1),
                next_token: None,
                scan_by: Some(ScanBy::TimestampAscending),
                max_datapoints: Some(1000),
                label_options: Some(LabelOptions {
                    timezone: Some("+0000".into()),
                }),
            },
        )
        .await
        .must("GetMetricData");
    let ids: Vec<&str> = out.metric_data_results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["latency", "errors"]);
    let latency = &out.metric_data_results[0];
    assert_eq!(latency.label, "api latency");
    assert_eq!(latency.status_code, StatusCode::Complete);
    assert_eq!(latency.timestamps, vec![t1, t2]);
    assert_eq!(latency.values, vec![15.0, 20.0]);
    assert_eq!(out.metric_data_results[1].timestamps, vec![t2]);
    assert_eq!(out.metric_data_results[1].values, vec![1.0]);

    // ListMetrics: by namespace, then narrowed by name and dimension.
    let all = source
        .list_metrics(
            &cx(),
            ListMetricsInput {
                namespace: Some(namespace.clone()),
                ..Default::default()
            },
        )
        .await
        .must("ListMetrics");
    let mut seen: Vec<(String, String)> = all
        .metrics
        .iter()
        .map(|m| {
            (
                m.metric_name.clone().unwrap_or_default(),
                m.dimension("Service").unwrap_or_default().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Errors".into(), "api".into()),
            ("Latency".into(), "api".into()),
            ("Latency".into(), "web".into())
        ]
    );
    assert!(all.metrics.iter().all(|m| m.namespace.as_deref() == Some(namespace.as_str())));
    let narrowed = source
        .list_metrics(
            &cx(),
            ListMetricsInput {
                namespace: Some(namespace.clone()),
                metric_name: Some("Latency".into()),
                dimensions: vec![DimensionFilter {
                    name: "Service".into(),
                    value: Some("web".into()),
                }],
                ..Default::default()
            },
        )
        .await
        .must("ListMetrics narrowed");
    assert_eq!(narrowed.metrics, vec![Metric::new(&namespace, "Latency", &[("Service", "web")])]);
    assert_eq!(narrowed.next_token, None);
}

async fn put_alarm(raw: &aws_sdk_cloudwatch::Client, name: &str, namespace: &str, threshold: f64) {
    raw.put_metric_alarm()
        .alarm_name(name)
        .alarm_description("latency too high")
        .namespace(namespace)
        .metric_name("Latency")
        .dimensions(cwt::Dimension::builder().name("Service").value("api").build())
        .statistic(cwt::Statistic::Average)
        .period(60)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(threshold)
        .comparison_operator(cwt::ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .must("PutMetricAlarm");
}

#[tokio::test]
async fn alarms_page_and_keep_their_fields() {
    let url = ministack_or_skip!();
    let raw = raw_cloudwatch(&url);
    let prefix = unique("wp-alarm");
    let namespace = unique("Watchpost/Alarms");
    for (suffix, threshold) in [("a", 100.0), ("b", 200.0), ("c", 300.0)] {
        put_alarm(&raw, &format!("{prefix}-{suffix}"), &namespace, threshold).await;
    }
    raw.put_composite_alarm()
        .alarm_name(format!("{prefix}-composite"))
        .alarm_rule(format!("ALARM(\"{prefix}-a\") OR ALARM(\"{prefix}-b\")"))
        .send()
        .await
        .must("PutCompositeAlarm");

    let source = source(&url).await;
    let page = |token: Option<String>| DescribeAlarmsInput {
        alarm_name_prefix: Some(prefix.clone()),
        max_records: Some(2),
        next_token: token,
        ..Default::default()
    };
    let first = source.describe_alarms(&cx(), page(None)).await.must("DescribeAlarms page 1");
    assert_eq!(first.metric_alarms.len(), 2, "{first:?}");
    let token = first.next_token.clone().must("a NextToken after page 1");
    let second = source.describe_alarms(&cx(), page(Some(token))).await.must("DescribeAlarms page 2");
    assert_eq!(second.next_token, None);
    let mut names: Vec<String> = first
        .metric_alarms
        .iter()
        .chain(&second.metric_alarms)
        .map(|a| a.alarm_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, [format!("{prefix}-a"), format!("{prefix}-b"), format!("{prefix}-c")]);
    // Metric alarms only by default, as CloudWatch does.
    assert!(first.composite_alarms.is_empty() && second.composite_alarms.is_empty());

    let a = first.metric_alarms.iter().find(|a| a.alarm_name.ends_with("-a")).must("alarm a");
    assert_eq!(a.namespace.as_deref(), Some(namespace.as_str()));
    assert_eq!(a.metric_name.as_deref(), Some("Latency"));
    assert_eq!(a.dimensions, vec![Dimension::new("Service", "api")]);
    assert_eq!(a.statistic.as_deref(), Some("Average"));
    assert_eq!(a.period, Some(60));
    assert_eq!(a.evaluation_periods, Some(3));
    assert_eq!(a.datapoints_to_alarm, Some(2));
    assert_eq!(a.threshold, Some(100.0));
    assert_eq!(a.comparison_operator, Some(ComparisonOperator::GreaterThanThreshold));
    assert_eq!(a.treat_missing_data.as_deref(), Some("notBreaching"));
    assert_eq!(a.alarm_description.as_deref(), Some("latency too high"));
    assert!(a.alarm_arn.contains(&a.alarm_name), "{}", a.alarm_arn);
    assert!(a.state_value.is_some());

    let both = source
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                alarm_name_prefix: Some(prefix.clone()),
                alarm_types: vec![AlarmType::CompositeAlarm],
                ..Default::default()
            },
        )
        .await
        .must("DescribeAlarms composite");
    assert_eq!(both.composite_alarms.len(), 1, "{both:?}");
    assert_eq!(
        both.composite_alarms[0].alarm_rule,
        format!("ALARM(\"{prefix}-a\") OR ALARM(\"{prefix}-b\")")
    );

    let for_metric = source
        .describe_alarms_for_metric(
            &cx(),
            DescribeAlarmsForMetricInput {
                metric_name: "Latency".into(),
                namespace: namespace.clone(),
                dimensions: vec![Dimension::new("Service", "api")],
                ..Default::default()
            },
        )
        .await
        .must("DescribeAlarmsForMetric");
    assert_eq!(for_metric.metric_alarms.len(), 3);

    // History: a state change is recorded.
    raw.set_alarm_state()
        .alarm_name(format!("{prefix}-b"))
        .state_value(cwt::StateValue::Alarm)
        .state_reason("test")
        .send()
        .await
        .must("SetAlarmState");
    let history = source
        .describe_alarm_history(
            &cx(),
            DescribeAlarmHistoryInput {
                alarm_name: Some(format!("{prefix}-b")),
                history_item_type: Some(HistoryItemType::StateUpdate),
                max_records: Some(10),
                ..Default::default()
            },
        )
        .await
        .must("DescribeAlarmHistory");
    let item = history.alarm_history_items.first().must("a history item");
    assert_eq!(item.alarm_name, format!("{prefix}-b"));
    assert_eq!(item.alarm_type, AlarmType::MetricAlarm);
    assert_eq!(item.history_item_type, HistoryItemType::StateUpdate);
    assert!(item.history_summary.contains("ALARM"), "{}", item.history_summary);
    assert!((OffsetDateTime::now_utc() - item.timestamp).abs() < time::Duration::minutes(5));

    let now_alarm = source
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                alarm_names: vec![format!("{prefix}-b")],
                state_value: Some(StateValue::Alarm),
                ..Default::default()
            },
        )
        .await
        .must("DescribeAlarms by state");
    assert_eq!(now_alarm.metric_alarms.len(), 1);
    assert_eq!(now_alarm.metric_alarms[0].state_value, Some(StateValue::Alarm));
}

#[tokio::test]
async fn alarm_validation_errors_are_validation() {
    let url = ministack_or_skip!();
    let source = source(&url).await;
    let err = source
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                max_records: Some(1000),
                ..Default::default()
            },
        )
        .await
        .err()
        .must("MaxRecords 1000 refused");
    assert_eq!(err.kind, ErrorKind::Validation, "{err:?}");
    assert_eq!(err.code, "ValidationError");
    assert!(
        err.message.contains("MaxRecords") || err.message.contains("maxRecords"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn dashboards_put_get_list() {
    let url = ministack_or_skip!();
    let source = source(&url).await;
    let name = unique("wp-dash");
    let body = r#"{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":3,"properties":{"markdown":"hi"}}]}"#;
    let put = source
        .put_dashboard(
            &cx(),
            PutDashboardInput {
                dashboard_name: name.clone(),
                dashboard_body: body.into(),
            },
        )
        .await
        .must("PutDashboard");
    assert!(put.dashboard_validation_messages.is_empty());

    let got = source
        .get_dashboard(
            &cx(),
            GetDashboardInput {
                dashboard_name: name.clone(),
            },
        )
        .await
        .must("GetDashboard");
    assert_eq!(got.dashboard_name, name);
    assert_eq!(got.dashboard_body, body);
    assert!(got.dashboard_arn.ends_with(&name), "{}", got.dashboard_arn);

    // ListDashboards with entries is covered by the mocks: ministack 1.5.33 encodes their
    // LastModified as an ISO string inside CBOR, which no SDK can read.
    let mut changed = body.replace("hi", "bye");
    changed.push(' ');
    source
        .put_dashboard(
            &cx(),
            PutDashboardInput {
                dashboard_name: name.clone(),
                dashboard_body: changed.clone(),
            },
        )
        .await
        .must("PutDashboard again");
    let got = source
        .get_dashboard(
            &cx(),
            GetDashboardInput {
                dashboard_name: name.clone(),
            },
        )
        .await
        .must("GetDashboard again");
    assert_eq!(got.dashboard_body, changed);
}

#[tokio::test]
async fn a_missing_dashboard_is_not_found() {
    let url = ministack_or_skip!();
    let source = source(&url).await;
    let err = source
        .get_dashboard(
            &cx(),
            GetDashboardInput {
                dashboard_name: unique("wp-missing"),
            },
        )
        .await
        .err()
        .must("a missing dashboard fails");
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");
    assert_eq!(err.code, "ResourceNotFound");
    assert!(err.message.contains("does not exist"), "{}", err.message);
}

#[tokio::test]
async fn log_groups_by_prefix_with_paging() {
    let url = ministack_or_skip!();
    let raw = raw_logs(&url);
    let prefix = format!("/{}", unique("wp-groups"));
    for g in ["a", "b", "c"] {
        raw.create_log_group()
            .log_group_name(format!("{prefix}/{g}"))
            .send()
            .await
            .must("CreateLogGroup");
    }
    raw.put_retention_policy()
        .log_group_name(format!("{prefix}/a"))
        .retention_in_days(7)
        .send()
        .await
        .must("PutRetentionPolicy");

    let source = source(&url).await;
    let page = |token| DescribeLogGroupsInput {
        log_group_name_prefix: Some(prefix.clone()),
        limit: Some(2),
        next_token: token,
        ..Default::default()
    };
    let first = source.describe_log_groups(&cx(), page(None)).await.must("DescribeLogGroups page 1");
    assert_eq!(first.log_groups.len(), 2);
    let second = source
        .describe_log_groups(&cx(), page(Some(first.next_token.clone().must("nextToken"))))
        .await
        .must("DescribeLogGroups page 2");
    assert_eq!(second.next_token, None);
    let names: Vec<String> = first
        .log_groups
        .iter()
        .chain(&second.log_groups)
        .map(|g| g.log_group_name.clone())
        .collect();
    assert_eq!(names, [format!("{prefix}/a"), format!("{prefix}/b"), format!("{prefix}/c")]);
    let a = &first.log_groups[0];
    assert_eq!(a.retention_in_days, Some(7));
    assert!(a.arn.as_deref().is_some_and(|arn| arn.contains(&a.log_group_name)), "{a:?}");
    let created = a.creation_time.must("creationTime");
    assert!(
        (OffsetDateTime::now_utc().unix_timestamp() * 1000 - created).abs() < 300_000,
        "{created}"
    );
    assert_eq!(second.log_groups[0].retention_in_days, None);
}

/// A group with one stream and three events a millisecond apart; returns (group, stream, first ms).
async fn group_with_events(url: &str) -> (String, String, i64) {
    let raw = raw_logs(url);
    let group = format!("/{}", unique("wp-events"));
    let stream = "app/1".to_string();
    raw.create_log_group().log_group_name(&group).send().await.must("CreateLogGroup");
    raw.create_log_stream()
        .log_group_name(&group)
        .log_stream_name(&stream)
        .send()
        .await
        .must("CreateLogStream");
    let t0 = OffsetDateTime::now_utc().unix_timestamp() * 1000 - 60_000;
    let event = |i: i64, text: &str| lt::InputLogEvent::builder().timestamp(t0 + i).message(text).build().must("event");
    raw.put_log_events()
        .log_group_name(&group)
        .log_stream_name(&stream)
        .log_events(event(0, "INFO started"))
        .log_events(event(1, "ERROR disk full"))
        .log_events(event(2, "INFO retrying"))
        .send()
        .await
        .must("PutLogEvents");
    (group, stream, t0)
}

#[tokio::test]
async fn log_events_filter_and_get() {
    let url = ministack_or_skip!();
    let (group, stream, t0) = group_with_events(&url).await;
    let source = source(&url).await;

    let filtered = source
        .filter_log_events(
            &cx(),
            FilterLogEventsInput {
                log_group_name: Some(group.clone()),
                filter_pattern: Some("ERROR".into()),
                start_time: Some(t0 - 1000),
                end_time: Some(t0 + 1000),
                ..Default::default()
            },
        )
        .await
        .must("FilterLogEvents");
    assert_eq!(filtered.events.len(), 1, "{filtered:?}");
    let e = &filtered.events[0];
    assert_eq!(
        (e.message.as_str(), e.timestamp, e.log_stream_name.as_str()),
        ("ERROR disk full", t0 + 1, stream.as_str())
    );
    assert!(!e.event_id.is_empty());
    assert!(e.ingestion_time >= t0);

    let all = source
        .get_log_events(
            &cx(),
            GetLogEventsInput {
                log_group_name: Some(group.clone()),
                log_stream_name: stream.clone(),
                start_from_head: Some(true),
                ..Default::default()
            },
        )
        .await
        .must("GetLogEvents");
    let messages: Vec<&str> = all.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["INFO started", "ERROR disk full", "INFO retrying"]);
    assert_eq!(all.events.iter().map(|e| e.timestamp).collect::<Vec<_>>(), [t0, t0 + 1, t0 + 2]);

    // Paging forward two at a time.
    let page = |token: Option<String>| GetLogEventsInput {
        log_group_name: Some(group.clone()),
        log_stream_name: stream.clone(),
        start_from_head: Some(true),
        limit: Some(2),
        next_token: token,
        ..Default::default()
    };
    let first = source.get_log_events(&cx(), page(None)).await.must("GetLogEvents page 1");
    assert_eq!(first.events.len(), 2);
    let second = source
        .get_log_events(&cx(), page(first.next_forward_token.clone()))
        .await
        .must("GetLogEvents page 2");
    assert_eq!(
        second.events.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["INFO retrying"]
    );
}

#[tokio::test]
async fn log_errors_keep_their_codes() {
    let url = ministack_or_skip!();
    let source = source(&url).await;
    let missing = source
        .filter_log_events(
            &cx(),
            FilterLogEventsInput {
                log_group_name: Some(format!("/{}", unique("wp-none"))),
                ..Default::default()
            },
        )
        .await
        .err()
        .must("a missing group fails");
    assert_eq!(missing.kind, ErrorKind::NotFound, "{missing:?}");
    assert_eq!(missing.code, "ResourceNotFoundException");

    let (group, stream, _) = group_with_events(&url).await;
    let invalid = source
        .get_log_events(
            &cx(),
            GetLogEventsInput {
                log_group_name: Some(group),
                log_stream_name: stream,
                next_token: Some("not-a-token".into()),
                ..Default::default()
            },
        )
        .await
        .err()
        .must("a bad nextToken fails");
    assert_eq!(invalid.kind, ErrorKind::Validation, "{invalid:?}");
    assert_eq!(invalid.code, "InvalidParameterException");
    assert!(invalid.message.contains("nextToken"), "{}", invalid.message);
}

#[tokio::test]
async fn live_tail_streams_new_events() {
    let url = ministack_or_skip!();
    let raw = raw_logs(&url);
    let group = format!("/{}", unique("wp-tail"));
    raw.create_log_group().log_group_name(&group).send().await.must("CreateLogGroup");
    raw.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("s")
        .send()
        .await
        .must("CreateLogStream");
    let source = source(&url).await;
    let mut tail = source
        .start_live_tail(
            &cx(),
            StartLiveTailInput {
                log_group_identifiers: vec![group.clone()],
                ..Default::default()
            },
        )
        .await
        .must("StartLiveTail");

    let now = OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let writer = tokio::spawn(async move {
        // Give the session a moment to register, then write.
        tokio::time::sleep(Duration::from_millis(300)).await;
        raw.put_log_events()
            .log_group_name(&group)
            .log_stream_name("s")
            .log_events(lt::InputLogEvent::builder().timestamp(now).message("tail me").build().must("event"))
            .send()
            .await
            .must("PutLogEvents");
    });
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(update) = tail.next().await {
            let update = update.must("a Live Tail update");
            if let Some(e) = update.session_results.iter().find(|e| e.message == "tail me") {
                return Some(e.clone());
            }
        }
        None
    })
    .await
    .must("an update within 15 s")
    .must("the event before the stream ended");
    writer.await.must("writer");
    assert_eq!(found.timestamp, now);
    assert_eq!(found.log_stream_name, "s");
}

#[tokio::test]
async fn the_endpoint_override_and_static_credentials_are_used() {
    let url = ministack_or_skip!();
    // Without the override this would go to the real regional endpoint (and fail here).
    let source = source(&url).await;
    let out = source
        .list_dashboards(
            &cx(),
            ListDashboardsInput {
                dashboard_name_prefix: Some(unique("wp-none")),
                next_token: None,
            },
        )
        .await
        .must("ListDashboards through the override");
    assert!(out.dashboard_entries.is_empty());
}

#[tokio::test]
async fn live_tail_outlives_the_operation_timeout() {
    // The operation timeout bounds getting the stream, not how long it runs.
    let url = ministack_or_skip!();
    let raw = raw_logs(&url);
    let group = format!("/{}", unique("wp-tail-long"));
    raw.create_log_group().log_group_name(&group).send().await.must("CreateLogGroup");
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_millis(800),
        operation: Duration::from_secs(1),
    };
    let source = source_at(&url, static_credentials("AKIDTAIL"), timeouts).await;
    let mut tail = source
        .start_live_tail(
            &cx(),
            StartLiveTailInput {
                log_group_identifiers: vec![group],
                ..Default::default()
            },
        )
        .await
        .must("StartLiveTail");
    let started = std::time::Instant::now();
    let mut updates = 0;
    while started.elapsed() < Duration::from_millis(2600) {
        match tokio::time::timeout(Duration::from_secs(3), tail.next()).await {
            Ok(Some(update)) => {
                update.must("a Live Tail update");
                updates += 1;
            }
            Ok(None) => panic!("the stream ended after {:?} and {updates} updates", started.elapsed()),
            Err(_) => panic!("no update for 3 s"),
        }
    }
    assert!(updates >= 2, "{updates} updates");
}

#[tokio::test]
async fn the_account_comes_from_sts_so_connections_to_one_account_share_its_quotas() {
    let url = ministack_or_skip!();
    // Two sources with different keys on one account: STS GetCallerIdentity names the same one.
    let a = source(&url).await.account(&cx()).await.must("GetCallerIdentity");
    let b = source_at(&url, static_credentials("AKIDOTHERKEY"), Timeouts::default())
        .await
        .account(&cx())
        .await
        .must("GetCallerIdentity");
    let a = a.must("an account");
    assert_eq!(a.account.len(), 12, "{a:?}");
    assert!(a.account.bytes().all(|c| c.is_ascii_digit()), "{a:?}");
    assert_eq!(a.region, "us-east-1");
    assert_eq!(Some(a), b);
}
