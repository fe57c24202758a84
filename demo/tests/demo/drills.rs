//! Drills change metrics and logs only inside their window; ending restores normal behaviour.

use crate::common::*;
use cloudwatch::metrics::Metric;
use demo::{Drill, DrillKind};
use time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drills_change_the_world_only_inside_their_window() {
    let (d0, d1) = (ANCHOR + Duration::hours(4), ANCHOR + Duration::hours(4) + Duration::minutes(30));
    let now = ANCHOR + Duration::hours(6);
    let plain = source(9, now);
    let drilled = source(9, now);
    drilled.set_drills(vec![
        Drill {
            id: "d-db".into(),
            kind: DrillKind::DependencyFailure,
            service: "checkout".into(),
            start: d0,
            end: d1,
        },
        Drill {
            id: "d-lambda".into(),
            kind: DrillKind::LambdaTimeouts,
            service: "order-events".into(),
            start: d0,
            end: d1,
        },
    ]);
    let (w0, w1) = (d0 - Duration::hours(1), d1 + Duration::hours(1));
    let metrics = [
        (checkout_tg("HTTPCode_Target_5XX_Count"), "Sum"),
        (
            Metric::new("AWS/RDS", "DatabaseConnections", &[("DBInstanceIdentifier", "shop-db")]),
            "Maximum",
        ),
        (Metric::new("AWS/Lambda", "Errors", &[("FunctionName", "order-events")]), "Sum"),
        (
            Metric::new("AWS/Lambda", "Duration", &[("FunctionName", "order-events")]),
            "Maximum",
        ),
    ];
    for (m, stat) in metrics {
        let a = series(&plain, m.clone(), stat, 60, w0, w1).await;
        let b = series(&drilled, m.clone(), stat, 60, w0, w1).await;
        let mut changed_inside = 0;
        for (pa, pb) in a.iter().zip(&b) {
            assert_eq!(pa.0, pb.0);
            let inside = pa.0 >= d0.unix_timestamp() && pa.0 < d1.unix_timestamp();
            if !inside {
                assert_eq!(pa.1, pb.1, "{:?} changed outside the drill at {}", m.metric_name, pa.0);
            } else if pb.1 > pa.1 {
                changed_inside += 1;
            }
        }
        assert!(changed_inside > 10, "{:?} barely changed inside the drill", m.metric_name);
    }
    // Logs outside the window are the same lines; inside, the cause is named.
    let outside_a = filter_all(&plain, "/ecs/checkout", "", d1 + Duration::minutes(1), d1 + Duration::minutes(3)).await;
    let outside_b = filter_all(&drilled, "/ecs/checkout", "", d1 + Duration::minutes(1), d1 + Duration::minutes(3)).await;
    assert_eq!(outside_a, outside_b);
    let inside = filter_all(
        &drilled,
        "/ecs/checkout",
        "SequelizeConnectionAcquireTimeoutError",
        d0 + Duration::minutes(5),
        d0 + Duration::minutes(10),
    )
    .await;
    assert!(inside.len() > 10);
    let timeouts = filter_all(&drilled, "/aws/lambda/order-events", "\"Task timed out after\"", d0, d1).await;
    assert!(!timeouts.is_empty());
    assert!(
        timeouts[0].message.ends_with("Task timed out after 30.03 seconds") || timeouts[0].message.contains("Task timed out after 30.0"),
        "{}",
        timeouts[0].message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_leak_ends_in_oom_kills_and_incident_replay_replays() {
    let d0 = ANCHOR + Duration::hours(5);
    let now = d0 + Duration::hours(2);
    let src = source(9, now);
    src.set_drills(vec![
        Drill {
            id: "leak".into(),
            kind: DrillKind::MemoryLeak,
            service: "api".into(),
            start: d0,
            end: d0 + Duration::minutes(40),
        },
        Drill {
            id: "replay".into(),
            kind: DrillKind::IncidentReplay,
            service: "checkout".into(),
            start: d0,
            end: d0 + Duration::minutes(90),
        },
    ]);
    let oom = filter_all(&src, "/aws/events/ecs/shop", "137", d0, d0 + Duration::minutes(40)).await;
    assert!(oom.len() >= 2, "{oom:?}");
    assert!(oom[0].message.contains("OutOfMemoryError") && oom[0].message.contains("\"drill\":\"leak\""));
    let mem = series(
        &src,
        Metric::new(
            "AWS/ECS",
            "MemoryUtilization",
            &[("ClusterName", "shop-prod"), ("ServiceName", "api")],
        ),
        "Maximum",
        60,
        d0,
        d0 + Duration::minutes(40),
    )
    .await;
    assert!(mem.iter().any(|p| p.1 > 95.0));
    let ts = src.alarm_transitions(d0, d0 + Duration::minutes(90));
    assert!(
        ts.iter()
            .any(|t| t.alarm_name == "api-memory-high" && t.drill.as_deref() == Some("leak")),
        "{ts:#?}"
    );
    let five = ts
        .iter()
        .find(|t| t.alarm_name == "checkout-5xx-rate" && t.new == cloudwatch::alarms::StateValue::Alarm)
        .expect("replay fires 5xx");
    assert_eq!(five.drill.as_deref(), Some("replay"));
    let deploy = filter_all(&src, "/ecs/checkout", "\"Deploy started\"", d0, d0 + Duration::minutes(1)).await;
    assert_eq!(deploy.len(), 1);
}
