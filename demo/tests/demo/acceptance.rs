//! The issue's acceptance criteria, through the public Source API: for each minute of the scripted
//! incident, the 5XX lines in `/ecs/checkout` times the sampling ratio equal the sum of
//! `HTTPCode_Target_5XX_Count`; each metric-filter metric equals its pattern's match count;
//! `TargetResponseTime` p99 is within 1 % of `pct(durationMs, 99)` over the logs.

use crate::common::*;
use cloudwatch::metrics::Metric;
use demo::SAMPLING_RATIO;
use std::collections::BTreeMap;
use time::Duration;

fn incident() -> (time::OffsetDateTime, time::OffsetDateTime) {
    (ANCHOR - Duration::minutes(40), ANCHOR + Duration::minutes(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_xx_lines_times_ratio_equal_the_alb_metric_each_minute() {
    let src = source(42, ANCHOR + Duration::hours(2));
    let (start, end) = incident();
    let logs = query(
        &src,
        &["/ecs/checkout"],
        start,
        end,
        "filter statusCode >= 500 | stats count(*) as c by bin(1m)",
    )
    .await;
    let per_minute: BTreeMap<i64, f64> = logs
        .results
        .iter()
        .map(|row| {
            (
                parse_bin(field(row, "bin(1m)").unwrap()),
                field(row, "c").unwrap().parse::<f64>().unwrap(),
            )
        })
        .collect();
    let metric = series(&src, checkout_tg("HTTPCode_Target_5XX_Count"), "Sum", 60, start, end).await;
    assert_eq!(metric.len(), 60, "one datapoint per minute of the incident");
    let mut total = 0.0;
    for (t, v) in &metric {
        let lines = per_minute.get(t).copied().unwrap_or(0.0);
        assert_eq!(*v, lines * SAMPLING_RATIO as f64, "minute {t}");
        total += v;
    }
    assert!(total > 1000.0, "the incident produces many 5XX ({total})");
    // And the request count agrees too.
    let logs = query(
        &src,
        &["/ecs/checkout"],
        start,
        end,
        "filter ispresent(statusCode) | stats count(*) as c",
    )
    .await;
    let n: f64 = field(&logs.results[0], "c").unwrap().parse().unwrap();
    let reqs: f64 = series(&src, checkout_tg("RequestCount"), "Sum", 60, start, end)
        .await
        .iter()
        .map(|p| p.1)
        .sum();
    assert_eq!(reqs, n * SAMPLING_RATIO as f64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_metric_filter_metric_equals_its_pattern_match_count() {
    let src = source(42, ANCHOR + Duration::hours(2));
    let (start, end) = incident();
    let filters = [
        ("/ecs/web", r#"{ $.level = "error" }"#, "WebErrors"),
        ("/ecs/api", r#"{ $.level = "error" }"#, "ApiErrors"),
        ("/ecs/checkout", r#"{ $.level = "error" }"#, "CheckoutErrors"),
        ("/ecs/worker", r#"{ $.level = "ERROR" }"#, "WorkerErrors"),
        ("/ecs/ai-service", r#"{ $.event = "llm_request_failed" }"#, "LLMRequestFailures"),
        ("/ecs/checkout", r#"{ $.durationMs > 2000 }"#, "CheckoutSlowRequests"),
    ];
    for (group, pattern, name) in filters {
        let events = filter_all(&src, group, pattern, start, end).await;
        let mut counts: BTreeMap<i64, f64> = BTreeMap::new();
        for e in &events {
            *counts.entry(e.timestamp.div_euclid(60_000) * 60).or_default() += 1.0;
        }
        let metric = series(&src, Metric::new("Shop/LogMetrics", name, &[]), "Sum", 60, start, end).await;
        assert_eq!(metric.len(), 60, "{name}: a value (0 by default) every minute");
        for (t, v) in &metric {
            assert_eq!(*v, counts.get(t).copied().unwrap_or(0.0), "{name} at {t}");
        }
        let sum: f64 = metric.iter().map(|p| p.1).sum();
        assert_eq!(sum, events.len() as f64, "{name}");
        if name == "CheckoutErrors" || name == "CheckoutSlowRequests" {
            assert!(sum > 100.0, "{name} is busy during the incident ({sum})");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_response_time_p99_matches_the_logs() {
    let src = source(42, ANCHOR + Duration::hours(2));
    let (start, end) = incident();
    let logs = query(
        &src,
        &["/ecs/checkout"],
        start,
        end,
        "filter ispresent(durationMs) | stats pct(durationMs, 99) as p99 by bin(1m)",
    )
    .await;
    let per_minute: BTreeMap<i64, f64> = logs
        .results
        .iter()
        .map(|row| {
            (
                parse_bin(field(row, "bin(1m)").unwrap()),
                field(row, "p99").unwrap().parse::<f64>().unwrap(),
            )
        })
        .collect();
    let metric = series(&src, checkout_tg("TargetResponseTime"), "p99", 60, start, end).await;
    assert_eq!(metric.len(), 60);
    for (t, v) in &metric {
        let want = per_minute[t] / 1000.0;
        assert!((v - want).abs() <= want * 0.01, "minute {t}: metric {v} vs logs {want}");
    }
    // Over a whole hour (one period) as well.
    let (h0, h1) = (ANCHOR - Duration::hours(1), ANCHOR);
    let logs = query(&src, &["/ecs/checkout"], h0, h1, "stats pct(durationMs, 99) as p99").await;
    let want: f64 = field(&logs.results[0], "p99").unwrap().parse::<f64>().unwrap() / 1000.0;
    let metric = series(&src, checkout_tg("TargetResponseTime"), "p99", 3600, h0, h1).await;
    assert_eq!(metric.len(), 1);
    assert!(
        (metric[0].1 - want).abs() <= want * 0.01,
        "hour: metric {} vs logs {want}",
        metric[0].1
    );
}
