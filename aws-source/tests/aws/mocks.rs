//! aws-smithy-mocks: the APIs the emulator lacks (query definitions), every field of the shapes it
//! fakes or drops (GetMetricData status and messages, linked accounts, query results), and modeled
//! error shapes.

use aws_sdk_cloudwatch::config::retry::RetryConfig as CwRetry;
use aws_sdk_cloudwatch::error::ErrorMetadata;
use aws_sdk_cloudwatch::operation::get_metric_data::{GetMetricDataError, GetMetricDataOutput as SdkGetMetricDataOutput};
use aws_sdk_cloudwatch::operation::list_dashboards::ListDashboardsOutput as SdkListDashboardsOutput;
use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput as SdkListMetricsOutput;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types as cwt;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig as LogsRetry;
use aws_sdk_cloudwatchlogs::operation::delete_query_definition::DeleteQueryDefinitionOutput as SdkDeleteOutput;
use aws_sdk_cloudwatchlogs::operation::describe_query_definitions::DescribeQueryDefinitionsOutput as SdkDescribeOutput;
use aws_sdk_cloudwatchlogs::operation::get_query_results::GetQueryResultsOutput as SdkQueryResults;
use aws_sdk_cloudwatchlogs::operation::put_query_definition::{PutQueryDefinitionError, PutQueryDefinitionOutput as SdkPutOutput};
use aws_sdk_cloudwatchlogs::operation::start_query::{StartQueryError, StartQueryOutput as SdkStartQueryOutput};
use aws_sdk_cloudwatchlogs::types as lt;
use aws_sdk_cloudwatchlogs::types::error::{LimitExceededException, MalformedQueryException};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_source::AwsSource;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::{ErrorKind, Source};
use time::OffsetDateTime;

use crate::common::{cx, Must};

/// An AWS source whose clients answer from `cw_rules` and `logs_rules` (retries off, so one error
/// rule answers once).
fn mocked(cw_rules: &[&Rule], logs_rules: &[&Rule]) -> AwsSource {
    let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, cw_rules, |c| c
        .retry_config(CwRetry::disabled()));
    let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, logs_rules, |c| c
        .retry_config(LogsRetry::disabled()));
    AwsSource::from_clients("mocked", cw, logs)
}

#[tokio::test]
async fn query_definitions_map_both_ways() {
    let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_query_definitions)
        .match_requests(|r| {
            r.query_definition_name_prefix() == Some("team/") && r.max_results() == Some(5) && r.next_token() == Some("page-2")
        })
        .then_output(|| {
            SdkDescribeOutput::builder()
                .query_definitions(
                    lt::QueryDefinition::builder()
                        .query_definition_id("qd-1")
                        .name("team/errors")
                        .query_string("fields @message | filter @message like /ERROR/")
                        .last_modified(1_700_000_000_000)
                        .log_group_names("/app/a")
                        .log_group_names("/app/b")
                        .query_language(lt::QueryLanguage::Cwli)
                        .build(),
                )
                .next_token("page-3")
                .build()
        });
    let put = mock!(aws_sdk_cloudwatchlogs::Client::put_query_definition)
        .match_requests(|r| {
            r.query_definition_id() == Some("qd-1")
                && r.name() == Some("team/errors")
                && r.query_string() == Some("stats count(*)")
                && r.log_group_names() == ["/app/a"]
                && r.query_language() == Some(&lt::QueryLanguage::Cwli)
        })
        .then_output(|| SdkPutOutput::builder().query_definition_id("qd-1").build());
    let create = mock!(aws_sdk_cloudwatchlogs::Client::put_query_definition)
        .match_requests(|r| r.query_definition_id().is_none() && r.log_group_names().is_empty() && r.query_language().is_none())
        .then_output(|| SdkPutOutput::builder().query_definition_id("qd-new").build());
    let delete = mock!(aws_sdk_cloudwatchlogs::Client::delete_query_definition)
        .match_requests(|r| r.query_definition_id() == Some("qd-1"))
        .then_output(|| SdkDeleteOutput::builder().success(true).build());
    let source = mocked(&[], &[&describe, &put, &create, &delete]);

    let listed = source
        .describe_query_definitions(
            &cx(),
            DescribeQueryDefinitionsInput {
                query_definition_name_prefix: Some("team/".into()),
                max_results: Some(5),
                next_token: Some("page-2".into()),
            },
        )
        .await
        .must("DescribeQueryDefinitions");
    assert_eq!(listed.next_token.as_deref(), Some("page-3"));
    assert_eq!(
        listed.query_definitions,
        vec![QueryDefinition {
            query_definition_id: Some("qd-1".into()),
            name: "team/errors".into(),
            query_string: "fields @message | filter @message like /ERROR/".into(),
            last_modified: Some(1_700_000_000_000),
            log_group_names: vec!["/app/a".into(), "/app/b".into()],
            query_language: Some("CWLI".into()),
        }]
    );

    let updated = source
        .put_query_definition(
            &cx(),
            QueryDefinition {
                query_definition_id: Some("qd-1".into()),
                name: "team/errors".into(),
                query_string: "stats count(*)".into(),
                log_group_names: vec!["/app/a".into()],
                query_language: Some("CWLI".into()),
                last_modified: None,
            },
        )
        .await
        .must("PutQueryDefinition (update)");
    assert_eq!(updated.query_definition_id, "qd-1");
    let created = source
        .put_query_definition(
            &cx(),
            QueryDefinition {
                name: "new".into(),
                query_string: "fields @timestamp".into(),
                ..Default::default()
            },
        )
        .await
        .must("PutQueryDefinition (create)");
    assert_eq!(created.query_definition_id, "qd-new");

    let deleted = source
        .delete_query_definition(
            &cx(),
            DeleteQueryDefinitionInput {
                query_definition_id: "qd-1".into(),
            },
        )
        .await
        .must("DeleteQueryDefinition");
    assert!(deleted.success);
    assert_eq!(
        (describe.num_calls(), put.num_calls(), create.num_calls(), delete.num_calls()),
        (1, 1, 1, 1)
    );
}

#[tokio::test]
async fn get_metric_data_carries_every_field() {
    let t0 = OffsetDateTime::from_unix_timestamp(1_763_800_000).must("t0");
    let rule = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .match_requests(move |r| {
            let q = &r.metric_data_queries()[0];
            let stat = q.metric_stat();
            r.metric_data_queries().len() == 2
                && q.id() == Some("m1")
                && q.account_id() == Some("111122223333")
                && q.return_data() == Some(false)
                && stat.and_then(|s| s.metric()).and_then(|m| m.namespace()) == Some("AWS/EC2")
                && stat.and_then(|s| s.metric()).map(|m| m.dimensions().len()) == Some(1)
                && stat.and_then(|s| s.period()) == Some(300)
                && stat.and_then(|s| s.stat()) == Some("p99")
                && stat.and_then(|s| s.unit()) == Some(&cwt::StandardUnit::Percent)
                && r.metric_data_queries()[1].expression() == Some("m1 * 2")
                && r.metric_data_queries()[1].period() == Some(60)
                && r.start_time().map(|d| d.secs()) == Some(t0.unix_timestamp())
                && r.end_time().map(|d| d.secs()) == Some(t0.unix_timestamp() + 3600)
                && r.next_token() == Some("tok-1")
                && r.scan_by() == Some(&cwt::ScanBy::TimestampAscending)
                && r.max_datapoints() == Some(500)
                && r.label_options().and_then(|l| l.timezone()) == Some("-0130")
        })
        .then_output(move || {
            SdkGetMetricDataOutput::builder()
                .metric_data_results(
                    cwt::MetricDataResult::builder()
                        .id("e1")
                        .label("doubled")
                        .timestamps(DateTime::from_secs(t0.unix_timestamp()))
                        .timestamps(DateTime::from_secs(t0.unix_timestamp() + 60))
                        .values(1.5)
                        .values(2.5)
                        .status_code(cwt::StatusCode::PartialData)
                        .messages(
                            cwt::MessageData::builder()
                                .code("ArithmeticError")
                                .value("division by zero")
                                .build(),
                        )
                        .build(),
                )
                .next_token("tok-2")
                .messages(cwt::MessageData::builder().code("MaxQueryTimeRangeExceed").value("trimmed").build())
                .build()
        });
    let source = mocked(&[&rule], &[]);
    let out = source
        .get_metric_data(
            &cx(),
            GetMetricDataInput {
                metric_data_queries: vec![
                    MetricDataQuery {
                        id: "m1".into(),
                        metric_stat: Some(MetricStat {
                            metric: Metric::new("AWS/EC2", "CPUUtilization", &[("InstanceId", "i-1")]),
                            period: 300,
                            stat: "p99".into(),
                            unit: Some("Percent".into()),
                        }),
                        return_data: Some(false),
                        account_id: Some("111122223333".into()),
                        ..Default::default()
                    },
                    MetricDataQuery {
                        id: "e1".into(),
                        expression: Some("m1 * 2".into()),
                        period: Some(60),
                        ..Default::default()
                    },
                ],
                start_time: t0,
                end_time: t0 + time::Duration::hours(1),
                next_token: Some("tok-1".into()),
                scan_by: Some(ScanBy::TimestampAscending),
                max_datapoints: Some(500),
                label_options: Some(LabelOptions {
                    timezone: Some("-0130".into()),
                }),
            },
        )
        .await
        .must("GetMetricData");
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(out.next_token.as_deref(), Some("tok-2"));
    assert_eq!(out.messages, vec![MessageData::new("MaxQueryTimeRangeExceed", "trimmed")]);
    let r = &out.metric_data_results[0];
    assert_eq!((r.id.as_str(), r.label.as_str()), ("e1", "doubled"));
    assert_eq!(r.timestamps, vec![t0, t0 + time::Duration::minutes(1)]);
    assert_eq!(r.values, vec![1.5, 2.5]);
    assert_eq!(r.status_code, StatusCode::PartialData);
    assert_eq!(r.messages, vec![MessageData::new("ArithmeticError", "division by zero")]);
}

#[tokio::test]
async fn list_metrics_pages_and_reports_owning_accounts() {
    let first = mock!(aws_sdk_cloudwatch::Client::list_metrics)
        .match_requests(|r| {
            r.next_token().is_none()
                && r.include_linked_accounts() == Some(true)
                && r.owning_account() == Some("111122223333")
                && r.recently_active() == Some(&cwt::RecentlyActive::Pt3H)
                && r.dimensions().first().map(|d| (d.name(), d.value())) == Some((Some("InstanceId"), None))
        })
        .then_output(|| {
            SdkListMetricsOutput::builder()
                .metrics(cwt::Metric::builder().namespace("AWS/EC2").metric_name("CPUUtilization").build())
                .owning_accounts("111122223333")
                .next_token("page-2")
                .build()
        });
    let second = mock!(aws_sdk_cloudwatch::Client::list_metrics)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            SdkListMetricsOutput::builder()
                .metrics(cwt::Metric::builder().namespace("AWS/EC2").metric_name("NetworkIn").build())
                .owning_accounts("111122223333")
                .build()
        });
    let source = mocked(&[&first, &second], &[]);
    let input = |token: Option<String>| ListMetricsInput {
        namespace: Some("AWS/EC2".into()),
        dimensions: vec![DimensionFilter {
            name: "InstanceId".into(),
            value: None,
        }],
        next_token: token,
        recently_active: Some("PT3H".into()),
        include_linked_accounts: Some(true),
        owning_account: Some("111122223333".into()),
        ..Default::default()
    };
    let mut names = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = source.list_metrics(&cx(), input(token)).await.must("ListMetrics");
        assert_eq!(page.owning_accounts, vec!["111122223333".to_string()]);
        names.extend(page.metrics.into_iter().filter_map(|m| m.metric_name));
        pages += 1;
        token = page.next_token;
        if token.is_none() || pages > 5 {
            break;
        }
    }
    assert_eq!(names, ["CPUUtilization", "NetworkIn"]);
    assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
}

#[tokio::test]
async fn query_results_keep_status_statistics_and_rows() {
    let rule = mock!(aws_sdk_cloudwatchlogs::Client::get_query_results)
        .match_requests(|r| r.query_id() == Some("q-9"))
        .then_output(|| {
            SdkQueryResults::builder()
                .status(lt::QueryStatus::Timeout)
                .query_language(lt::QueryLanguage::Cwli)
                .statistics(
                    lt::QueryStatistics::builder()
                        .records_matched(2.0)
                        .records_scanned(10.0)
                        .bytes_scanned(512.0)
                        .log_groups_scanned(1.0)
                        .build(),
                )
                .results(vec![
                    lt::ResultField::builder()
                        .field("@timestamp")
                        .value("2026-01-01 00:00:00.000")
                        .build(),
                    lt::ResultField::builder().field("@ptr").value("ptr-1").build(),
                ])
                .build()
        });
    let source = mocked(&[], &[&rule]);
    let out = source
        .get_query_results(&cx(), QueryIdInput { query_id: "q-9".into() })
        .await
        .must("GetQueryResults");
    assert_eq!(out.status, QueryStatus::Timeout);
    assert!(out.status.is_final());
    assert_eq!(out.query_language.as_deref(), Some("CWLI"));
    assert_eq!(
        out.statistics,
        QueryStatistics {
            records_matched: 2.0,
            records_scanned: 10.0,
            bytes_scanned: 512.0,
            log_groups_scanned: 1.0
        }
    );
    assert_eq!(
        out.results,
        vec![vec![
            ResultField {
                field: "@timestamp".into(),
                value: "2026-01-01 00:00:00.000".into()
            },
            ResultField {
                field: "@ptr".into(),
                value: "ptr-1".into()
            },
        ]]
    );
}

#[tokio::test]
async fn only_cwli_reaches_start_query() {
    let rule = mock!(aws_sdk_cloudwatchlogs::Client::start_query)
        .match_requests(|r| {
            r.query_language() == Some(&lt::QueryLanguage::Cwli)
                && r.log_group_names() == ["/app/a"]
                && r.start_time() == Some(100)
                && r.end_time() == Some(200)
                && r.limit() == Some(50)
        })
        .then_output(|| SdkStartQueryOutput::builder().query_id("q-1").build());
    let source = mocked(&[], &[&rule]);
    let input = |language: &str| StartQueryInput {
        log_group_names: vec!["/app/a".into()],
        start_time: 100,
        end_time: 200,
        query_string: "fields @message".into(),
        limit: Some(50),
        query_language: Some(language.into()),
        ..Default::default()
    };
    for refused in ["SQL", "PPL"] {
        let err = source.start_query(&cx(), input(refused)).await.err().must("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err:?}");
        assert_eq!(err.code, "UnsupportedOperation");
    }
    assert_eq!(rule.num_calls(), 0, "refused before calling AWS");
    let started = source.start_query(&cx(), input("CWLI")).await.must("CWLI query");
    assert_eq!(started.query_id, "q-1");
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn modeled_errors_map_to_their_kinds() {
    let malformed = mock!(aws_sdk_cloudwatchlogs::Client::start_query)
        .match_requests(|r| r.query_string() == Some("bad |"))
        // Built without error metadata: the code comes from the modeled type.
        .then_error(|| {
            StartQueryError::MalformedQueryException(MalformedQueryException::builder().message("unexpected symbol at 1:5").build())
        });
    let too_many = mock!(aws_sdk_cloudwatchlogs::Client::start_query)
        .match_requests(|r| r.query_string() == Some("busy"))
        .then_error(|| {
            StartQueryError::LimitExceededException(
                LimitExceededException::builder()
                    .message("Account maximum query concurrency limit of [30] reached.")
                    .meta(
                        ErrorMetadata::builder()
                            .code("LimitExceededException")
                            .message("Account maximum query concurrency limit of [30] reached.")
                            .build(),
                    )
                    .build(),
            )
        });
    let throttled = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .then_error(|| GetMetricDataError::generic(ErrorMetadata::builder().code("Throttling").message("Rate exceeded").build()));
    let put_throttled = mock!(aws_sdk_cloudwatchlogs::Client::put_query_definition).then_error(|| {
        PutQueryDefinitionError::generic(
            ErrorMetadata::builder()
                .code("ThrottlingException")
                .message("Rate exceeded")
                .build(),
        )
    });
    let source = mocked(&[&throttled], &[&malformed, &too_many, &put_throttled]);

    let query = |q: &str| StartQueryInput {
        log_group_names: vec!["/app".into()],
        start_time: 0,
        end_time: 60,
        query_string: q.into(),
        ..Default::default()
    };
    let err = source.start_query(&cx(), query("bad |")).await.err().must("malformed");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::MalformedQuery, "MalformedQueryException"),
        "{err:?}"
    );
    assert_eq!(err.message, "unexpected symbol at 1:5");

    let err = source.start_query(&cx(), query("busy")).await.err().must("limit");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::LimitExceeded, "LimitExceededException"),
        "{err:?}"
    );
    assert!(err.message.contains("concurrency"), "{}", err.message);

    let input = GetMetricDataInput {
        metric_data_queries: vec![MetricDataQuery {
            id: "e".into(),
            expression: Some("1".into()),
            ..Default::default()
        }],
        start_time: OffsetDateTime::UNIX_EPOCH,
        end_time: OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1),
        next_token: None,
        scan_by: None,
        max_datapoints: None,
        label_options: None,
    };
    let err = source.get_metric_data(&cx(), input).await.err().must("throttled");
    assert_eq!(
        (err.kind, err.code.as_str(), err.message.as_str()),
        (ErrorKind::Throttled, "Throttling", "Rate exceeded")
    );
    assert!(err.kind.is_transient());

    let err = source
        .put_query_definition(
            &cx(),
            QueryDefinition {
                name: "n".into(),
                query_string: "q".into(),
                ..Default::default()
            },
        )
        .await
        .err()
        .must("throttled put");
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Throttled, "ThrottlingException"));
}

#[tokio::test]
async fn an_invalid_next_token_is_validation() {
    let rule = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_error(|| {
        GetMetricDataError::InvalidNextToken(
            cwt::error::InvalidNextToken::builder()
                .message("The service cannot complete the request.")
                .meta(
                    ErrorMetadata::builder()
                        .code("InvalidNextToken")
                        .message("The service cannot complete the request.")
                        .build(),
                )
                .build(),
        )
    });
    let source = mocked(&[&rule], &[]);
    let input = GetMetricDataInput {
        metric_data_queries: vec![],
        start_time: OffsetDateTime::UNIX_EPOCH,
        end_time: OffsetDateTime::UNIX_EPOCH,
        next_token: Some("stale".into()),
        scan_by: None,
        max_datapoints: None,
        label_options: None,
    };
    let err = source.get_metric_data(&cx(), input).await.err().must("invalid token");
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Validation, "InvalidNextToken"));
}

#[tokio::test]
async fn list_dashboards_maps_entries_and_paging() {
    let rule = mock!(aws_sdk_cloudwatch::Client::list_dashboards)
        .match_requests(|r| r.dashboard_name_prefix() == Some("ops-") && r.next_token() == Some("p2"))
        .then_output(|| {
            SdkListDashboardsOutput::builder()
                .dashboard_entries(
                    cwt::DashboardEntry::builder()
                        .dashboard_name("ops-main")
                        .dashboard_arn("arn:aws:cloudwatch::123456789012:dashboard/ops-main")
                        .last_modified(DateTime::from_secs(1_763_800_000))
                        .size(1234)
                        .build(),
                )
                .next_token("p3")
                .build()
        });
    let source = mocked(&[&rule], &[]);
    let out = source
        .list_dashboards(
            &cx(),
            ListDashboardsInput {
                dashboard_name_prefix: Some("ops-".into()),
                next_token: Some("p2".into()),
            },
        )
        .await
        .must("ListDashboards");
    assert_eq!(out.next_token.as_deref(), Some("p3"));
    assert_eq!(
        out.dashboard_entries,
        vec![DashboardEntry {
            dashboard_name: "ops-main".into(),
            dashboard_arn: "arn:aws:cloudwatch::123456789012:dashboard/ops-main".into(),
            last_modified: Some(OffsetDateTime::from_unix_timestamp(1_763_800_000).must("time")),
            size: 1234,
        }]
    );
}
