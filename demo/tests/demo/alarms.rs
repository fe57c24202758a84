//! Alarms through the public API: the scripted incident fires the expected alarms, history and
//! actions are recorded as CloudWatch words them, drills mark their transitions.

use crate::common::*;
use cloudwatch::alarms::*;
use cloudwatch::Source;
use demo::{Drill, DrillKind};
use time::Duration;

fn first(ts: &[demo::AlarmTransition], name: &str, new: StateValue) -> Option<time::OffsetDateTime> {
    ts.iter().find(|t| t.alarm_name == name && t.new == new).map(|t| t.at)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scripted_incident_fires_the_expected_alarms_within_minutes() {
    let src = source(42, ANCHOR + Duration::hours(1));
    let impact = ANCHOR - Duration::minutes(40);
    let ts = src.alarm_transitions(impact - Duration::minutes(30), ANCHOR + Duration::hours(1));
    for (name, within) in [
        ("checkout-5xx-rate", 7),
        ("checkout-unhealthy", 7),
        ("db-connections-anomaly", 7),
        ("checkout-p99-latency", 8),
    ] {
        let at = first(&ts, name, StateValue::Alarm).unwrap_or_else(|| panic!("{name} never fired: {ts:#?}"));
        assert!(at >= impact && at <= impact + Duration::minutes(within), "{name} fired at {at}");
        assert!(
            first(&ts, name, StateValue::Ok).is_some_and(|ok| ok > at),
            "{name} recovers after the incident"
        );
    }
    // Nothing about checkout fired in the quiet half hour before.
    assert!(
        ts.iter().filter(|t| t.at < impact).all(|t| !t.alarm_name.starts_with("checkout")),
        "{ts:#?}"
    );
    let t = ts
        .iter()
        .find(|t| t.alarm_name == "checkout-5xx-rate" && t.new == StateValue::Alarm)
        .unwrap();
    assert!(t.reason.starts_with("Threshold Crossed: "), "{}", t.reason);
    assert!(
        t.reason
            .ends_with("were greater than the threshold (30.0) (minimum 2 datapoints for OK -> ALARM transition)."),
        "{}",
        t.reason
    );
    assert_eq!(t.drill, None, "the daily incident is not a drill");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_alarms_history_and_validation() {
    let src = source(42, ANCHOR);
    let all = src
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                alarm_types: vec![AlarmType::MetricAlarm, AlarmType::CompositeAlarm],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let state = |n: &str| all.metric_alarms.iter().find(|a| a.alarm_name == n).and_then(|a| a.state_value);
    assert_eq!(state("checkout-5xx-rate"), Some(StateValue::Alarm));
    assert_eq!(state("web-cpu-high"), Some(StateValue::Ok));
    assert_eq!(all.composite_alarms.len(), 1);
    assert_eq!(all.composite_alarms[0].state_value, Some(StateValue::Alarm));
    let p99 = all.metric_alarms.iter().find(|a| a.alarm_name == "checkout-p99-latency").unwrap();
    assert_eq!(p99.extended_statistic.as_deref(), Some("p99"));
    let band = all.metric_alarms.iter().find(|a| a.alarm_name == "db-connections-anomaly").unwrap();
    assert_eq!(band.threshold_metric_id.as_deref(), Some("ad1"));

    // Filters and paging.
    let only = src
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                state_value: Some(StateValue::Alarm),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(only.metric_alarms.iter().all(|a| a.state_value == Some(StateValue::Alarm)) && !only.metric_alarms.is_empty());
    let p1 = src
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                max_records: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p1.metric_alarms.len(), 3);
    let p2 = src
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                max_records: Some(3),
                next_token: p1.next_token.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_ne!(p1.metric_alarms[0].alarm_name, p2.metric_alarms[0].alarm_name);
    for bad in [0, 101] {
        let e = src
            .describe_alarms(
                &cx(),
                DescribeAlarmsInput {
                    max_records: Some(bad),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
    }
    let e = src
        .describe_alarms(
            &cx(),
            DescribeAlarmsInput {
                next_token: Some("garbage".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidNextToken");
    let by_metric = src
        .describe_alarms_for_metric(
            &cx(),
            DescribeAlarmsForMetricInput {
                metric_name: "HTTPCode_Target_5XX_Count".into(),
                namespace: "AWS/ApplicationELB".into(),
                dimensions: checkout_tg("x").dimensions,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_metric.metric_alarms.len(), 1);

    // History: StateUpdate and Action items.
    let h = src
        .describe_alarm_history(
            &cx(),
            DescribeAlarmHistoryInput {
                alarm_name: Some("checkout-5xx-rate".into()),
                start_date: Some(ANCHOR - Duration::hours(1)),
                end_date: Some(ANCHOR),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let upd = h
        .alarm_history_items
        .iter()
        .find(|i| i.history_item_type == HistoryItemType::StateUpdate)
        .unwrap();
    assert_eq!(upd.history_summary, "Alarm updated from OK to ALARM");
    let data: serde_json::Value = serde_json::from_str(upd.history_data.as_deref().unwrap()).unwrap();
    assert_eq!(data["newState"]["stateValue"], "ALARM");
    assert_eq!(data["oldState"]["stateValue"], "OK");
    assert!(data["newState"]["stateReasonData"]["evaluatedDatapoints"].is_array());
    let act = h
        .alarm_history_items
        .iter()
        .find(|i| i.history_item_type == HistoryItemType::Action)
        .unwrap();
    assert_eq!(
        act.history_summary,
        "Successfully executed action arn:aws:sns:us-east-1:123456789012:oncall"
    );
    let e = src
        .describe_alarm_history(
            &cx(),
            DescribeAlarmHistoryInput {
                max_records: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_start_in_insufficient_data_and_settle() {
    let created = ANCHOR - Duration::days(30);
    let src = source(42, created + Duration::hours(2));
    let ts = src.alarm_transitions(created, created + Duration::hours(2));
    let t = ts.iter().find(|t| t.alarm_name == "web-cpu-high").unwrap();
    assert_eq!((t.old, t.new), (StateValue::InsufficientData, StateValue::Ok));
    assert!(t.at <= created + Duration::minutes(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_transitions_are_marked_with_the_drill() {
    let start = ANCHOR + Duration::hours(3);
    let src = source(42, start + Duration::hours(2));
    src.set_drills(vec![Drill {
        id: "drill-cpu-1".into(),
        kind: DrillKind::CpuSaturation,
        service: "web".into(),
        start,
        end: start + Duration::minutes(20),
    }]);
    let ts = src.alarm_transitions(start - Duration::minutes(30), start + Duration::hours(1));
    let fired = ts
        .iter()
        .find(|t| t.alarm_name == "web-cpu-high" && t.new == StateValue::Alarm)
        .expect("web-cpu-high fires");
    assert_eq!(fired.drill.as_deref(), Some("drill-cpu-1"));
    assert!(fired.at >= start && fired.at <= start + Duration::minutes(8));
    let ok = ts
        .iter()
        .find(|t| t.alarm_name == "web-cpu-high" && t.new == StateValue::Ok)
        .expect("recovers after the drill");
    assert!(ok.at >= start + Duration::minutes(20) && ok.at <= start + Duration::minutes(26));
    let h = src
        .describe_alarm_history(
            &cx(),
            DescribeAlarmHistoryInput {
                alarm_name: Some("web-cpu-high".into()),
                history_item_type: Some(HistoryItemType::StateUpdate),
                start_date: Some(start),
                end_date: Some(start + Duration::minutes(10)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(h.alarm_history_items[0].history_data.as_deref().unwrap().contains("drill-cpu-1"));
    // Without the drill, nothing happens.
    src.set_drills(vec![]);
    let quiet = src.alarm_transitions(start - Duration::minutes(30), start + Duration::hours(1));
    assert!(!quiet.iter().any(|t| t.alarm_name == "web-cpu-high"));
}
