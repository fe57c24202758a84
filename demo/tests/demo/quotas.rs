//! Quotas and injected faults.

use crate::common::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::GetMetricDataInput;
use cloudwatch::Source;
use demo::{DemoSource, InsightsOptions};
use std::sync::Arc;
use time::Duration;

#[tokio::test]
async fn the_51st_get_metric_data_call_within_a_second_is_throttled() {
    let mut c = config(1);
    c.quotas = true;
    let (src, _) = source_with(c, ANCHOR);
    let input = GetMetricDataInput {
        metric_data_queries: vec![],
        ..gmd_input(vec![], ANCHOR - Duration::hours(1), ANCHOR)
    };
    for i in 0..50 {
        let e = src.get_metric_data(&cx(), input.clone()).await.unwrap_err();
        assert_eq!(e.code, "MissingParameter", "call {i}");
    }
    let e = src.get_metric_data(&cx(), input.clone()).await.unwrap_err();
    assert_eq!(e.code, "ThrottlingException");
    // Other APIs have their own buckets: FilterLogEvents allows 5 a second.
    let f = || FilterLogEventsInput {
        log_group_name: Some("/nope".into()),
        ..Default::default()
    };
    for _ in 0..5 {
        assert_eq!(
            src.filter_log_events(&cx(), f()).await.unwrap_err().code,
            "ResourceNotFoundException"
        );
    }
    assert_eq!(src.filter_log_events(&cx(), f()).await.unwrap_err().code, "ThrottlingException");
}

#[tokio::test]
async fn get_metric_data_datapoint_rate_is_enforced() {
    let mut c = config(1);
    c.quotas = true;
    let (src, _) = source_with(c, ANCHOR);
    // 300 queries × 1,440 minutes = 432,000 datapoints: more than even the 396,000 a second
    // allowed for start times over 3 hours old.
    let qs: Vec<_> = (0..300)
        .map(|i| stat_query(&format!("q{i}"), checkout_tg("RequestCount"), "Sum", 60))
        .collect();
    let second = src
        .get_metric_data(&cx(), gmd_input(qs, ANCHOR - Duration::days(1), ANCHOR))
        .await
        .unwrap_err();
    assert_eq!(second.code, "ThrottlingException");
    assert!(second.message.contains("datapoints"), "{}", second.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insights_pool_exhaustion_answers_limit_exceeded() {
    let (src, _) = source_with(config(1), ANCHOR);
    let src = src.with_insights(InsightsOptions {
        max_concurrent: 2,
        pace: std::time::Duration::from_millis(50),
        ..Default::default()
    });
    async fn start(src: &DemoSource) -> cloudwatch::source::Result<StartQueryOutput> {
        src.start_query(
            &cx(),
            StartQueryInput {
                log_group_name: Some("/ecs/checkout".into()),
                start_time: secs(ANCHOR - Duration::hours(3)),
                end_time: secs(ANCHOR),
                query_string: "stats count(*)".into(),
                ..Default::default()
            },
        )
        .await
    }
    let a = start(&src).await.unwrap();
    let _b = start(&src).await.unwrap();
    let e = start(&src).await.unwrap_err();
    assert_eq!(e.code, "LimitExceededException");
    assert!(e.message.contains("[2]"), "{}", e.message);
    src.stop_query(&cx(), QueryIdInput { query_id: a.query_id }).await.unwrap();
    // The stopped query frees its slot once its thread notices.
    let mut ok = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if start(&src).await.is_ok() {
            ok = true;
            break;
        }
    }
    assert!(ok, "a slot frees after StopQuery");
}

#[tokio::test]
async fn faults_switch_on_and_off() {
    let mut c = config(1);
    c.error_rate = 1.0;
    let (src, _) = source_with(c.clone(), ANCHOR);
    let e = src.describe_log_groups(&cx(), DescribeLogGroupsInput::default()).await.unwrap_err();
    assert_eq!(e.code, "InternalServiceError");
    assert!(e.kind.is_transient());
    c.error_rate = 0.0;
    c.latency_ms = 150;
    let (src, _) = source_with(c, ANCHOR);
    let t = std::time::Instant::now();
    src.describe_log_groups(&cx(), DescribeLogGroupsInput::default()).await.unwrap();
    assert!(t.elapsed() >= std::time::Duration::from_millis(150));
    let _ = Arc::new(src);
}
