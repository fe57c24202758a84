//! The world is a function of (seed, anchor, drills, now): same inputs, same bytes.

use crate::common::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::Metric;
use cloudwatch::Source;
use time::Duration;

async fn snapshot(seed: u64) -> (String, String, String) {
    let now = ANCHOR + Duration::minutes(7) + Duration::seconds(13);
    let src = source(seed, now);
    let start = ANCHOR - Duration::hours(1);
    let qs = vec![
        stat_query("a", checkout_tg("RequestCount"), "Sum", 60),
        stat_query("b", checkout_tg("TargetResponseTime"), "p90", 300),
        stat_query(
            "c",
            Metric::new("AWS/ECS", "CPUUtilization", &[("ClusterName", "shop-prod"), ("ServiceName", "web")]),
            "Average",
            60,
        ),
        stat_query("d", Metric::new("Shop/AI", "Cost", &[("Model", "gpt-4o")]), "Sum", 60),
    ];
    let gmd = src.get_metric_data(&cx(), gmd_input(qs, start, now)).await.unwrap();
    let fle = src
        .filter_log_events(
            &cx(),
            FilterLogEventsInput {
                log_group_name: Some("/ecs/api".into()),
                start_time: Some(millis(now - Duration::minutes(5))),
                filter_pattern: Some(r#"{ $.statusCode >= 400 }"#.into()),
                limit: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let q = query(
        &src,
        &["/ecs/web", "/ecs/ai-service"],
        start,
        now,
        "stats count(*) as n, avg(durationMs) as d by level | sort n desc",
    )
    .await;
    (
        serde_json::to_string(&gmd).unwrap(),
        serde_json::to_string(&fle).unwrap(),
        serde_json::to_string(&q).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_inputs_same_bytes_different_seed_different() {
    let a = snapshot(7).await;
    let b = snapshot(7).await;
    assert_eq!(a, b);
    assert!(a.1.len() > 1000 && a.0.len() > 1000, "non-trivial answers");
    let c = snapshot(8).await;
    assert_ne!(a.0, c.0);
    assert_ne!(a.1, c.1);
    assert_ne!(a.2, c.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_past_never_changes_and_the_open_period_holds_only_samples_up_to_now() {
    let t = ANCHOR + Duration::hours(3) + Duration::seconds(25);
    let (src, clock) = source_with(config(3), t);
    let (w0, w1) = (t - Duration::hours(2), t - Duration::minutes(3));
    let qs = || {
        vec![
            stat_query("a", checkout_tg("RequestCount"), "Sum", 60),
            stat_query("b", checkout_tg("TargetResponseTime"), "p99", 60),
            stat_query(
                "c",
                Metric::new("AWS/RDS", "DatabaseConnections", &[("DBInstanceIdentifier", "shop-db")]),
                "Maximum",
                60,
            ),
        ]
    };
    let before = src.get_metric_data(&cx(), gmd_input(qs(), w0, w1)).await.unwrap();
    let logs_before = filter_all(&src, "/ecs/checkout", "", w0, t - Duration::seconds(30)).await;
    clock.set(t + Duration::hours(1));
    let after = src.get_metric_data(&cx(), gmd_input(qs(), w0, w1)).await.unwrap();
    let logs_after = filter_all(&src, "/ecs/checkout", "", w0, t - Duration::seconds(30)).await;
    assert_eq!(serde_json::to_string(&before).unwrap(), serde_json::to_string(&after).unwrap());
    assert_eq!(logs_before, logs_after);

    // The open period: nothing stamped within the last minute (ingestion delay), and a partial
    // minute only ever grows.
    clock.set(t);
    let now_view = series(
        &src,
        checkout_tg("RequestCount"),
        "Sum",
        60,
        t - Duration::minutes(10),
        t + Duration::minutes(5),
    )
    .await;
    assert!(now_view.iter().all(|p| p.0 <= t.unix_timestamp() - 60), "{now_view:?}");
    clock.set(t + Duration::hours(1));
    let later = series(
        &src,
        checkout_tg("RequestCount"),
        "Sum",
        60,
        t - Duration::minutes(10),
        t + Duration::minutes(5),
    )
    .await;
    for (ts, v) in &now_view {
        let full = later.iter().find(|p| p.0 == *ts).unwrap().1;
        assert!(*v <= full, "minute {ts}: {v} then {full}");
    }
    assert!(later.len() > now_view.len());
    // Logs: no event ingested after now is visible.
    clock.set(t);
    let recent = filter_all(&src, "/ecs/web", "", t - Duration::minutes(2), t + Duration::minutes(2)).await;
    assert!(recent.iter().all(|e| e.ingestion_time <= millis(t) && e.timestamp < millis(t)));
    assert!(!recent.is_empty());
}
