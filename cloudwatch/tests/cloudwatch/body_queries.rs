//! Metric widget → GetMetricData queries: ids, stat and period fallbacks, period overrides,
//! hidden rows, labels, SEARCH periods.

use cloudwatch::body::{auto_period, MetricWidget, PeriodOverride, QueryContext, DEFAULT_PERIOD};
use serde_json::{json, Value};

use super::body_common::*;

fn widget(properties: Value) -> MetricWidget {
    let b = parse(&json!({ "widgets": [ { "type": "metric", "properties": properties } ] }));
    metric_widget(&b, 0).clone()
}

fn ctx(range_seconds: i64, period_override: Option<PeriodOverride>) -> QueryContext {
    QueryContext {
        range_seconds,
        period_override,
    }
}

#[test]
fn generated_ids_skip_ids_in_use() {
    let w = widget(json!({ "metrics": [
        ["A", "x"],
        ["A", "y", { "id": "m1" }],
        ["A", "z"],
        [{ "expression": "m1 + m2", "label": "sum" }],
        [{ "expression": "m1 * 2", "id": "e1" }],
        ["A", "w", { "id": "m3" }]
    ]}));
    assert_eq!(w.row_ids(), ["m2", "m1", "m4", "e2", "e1", "m3"]);
    let q = w.queries(&ctx(3600, None));
    assert_eq!(
        q.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(),
        ["m2", "m1", "m4", "e2", "e1", "m3"]
    );
}

#[test]
fn stat_and_period_fall_back_row_widget_default() {
    let w = widget(json!({ "metrics": [["A", "x"], ["A", "y", { "stat": "p99", "period": 60 }]] }));
    let q = w.queries(&ctx(3600, None));
    let s0 = q[0].metric_stat.as_ref().unwrap();
    let s1 = q[1].metric_stat.as_ref().unwrap();
    assert_eq!((s0.stat.as_str(), s0.period), ("Average", DEFAULT_PERIOD));
    assert_eq!((s1.stat.as_str(), s1.period), ("p99", 60));
    let w = widget(
        json!({ "stat": "Sum", "period": 900, "accountId": "111122223333", "metrics": [["A", "x"], ["A", "y", { "accountId": "444455556666" }]] }),
    );
    let q = w.queries(&ctx(3600, Some(PeriodOverride::Inherit)));
    assert_eq!(q[0].metric_stat.as_ref().unwrap().stat, "Sum");
    assert_eq!(q[0].metric_stat.as_ref().unwrap().period, 900);
    assert_eq!(q[0].account_id.as_deref(), Some("111122223333"));
    assert_eq!(q[1].account_id.as_deref(), Some("444455556666"));
}

#[test]
fn auto_period_adapts_to_the_range() {
    for (range, period) in [
        (300, 60),
        (3 * 3600, 60),
        (86_400, 60),
        (2 * 86_400, 300),
        (5 * 86_400, 300),
        (7 * 86_400, 900),
        (15 * 86_400, 900),
        (30 * 86_400, 3600),
        (90 * 86_400, 21_600),
        (300 * 86_400, 21_600),
        (365 * 86_400, 86_400),
        (3 * 365 * 86_400, 86_400),
        (20 * 365 * 86_400, 6 * 86_400),
    ] {
        assert_eq!(auto_period(range), period, "range {range}");
    }
    let w = widget(
        json!({ "period": 60, "metrics": [["A", "x", { "period": 300 }], [{ "expression": "SEARCH('{A} x', 'Sum')", "id": "s" }]] }),
    );
    let q = w.queries(&ctx(7 * 86_400, Some(PeriodOverride::Auto)));
    assert_eq!(q[0].metric_stat.as_ref().unwrap().period, 900);
    assert_eq!(q[1].period, Some(900));
}

#[test]
fn set_period_to_time_range_gives_one_point() {
    let w = widget(json!({ "view": "singleValue", "setPeriodToTimeRange": true, "period": 60, "metrics": [["A", "x"]] }));
    assert_eq!(w.queries(&ctx(3 * 3600, None))[0].metric_stat.as_ref().unwrap().period, 3 * 3600);
    assert_eq!(
        w.queries(&ctx(3 * 3600 + 7, Some(PeriodOverride::Auto)))[0]
            .metric_stat
            .as_ref()
            .unwrap()
            .period,
        3 * 3600 + 60
    );
    assert_eq!(
        w.queries(&ctx(30 * 86_400 + 1, None))[0].metric_stat.as_ref().unwrap().period,
        30 * 86_400 + 300
    );
}

#[test]
fn hidden_rows_labels_and_expressions() {
    let w = widget(json!({ "period": 120, "metrics": [
        ["AWS/ECS", "CPUUtilization", "ServiceName", "web", { "visible": false, "label": "${PROP('Dim.ServiceName')} CPU" }],
        [{ "expression": "SEARCH('{AWS/ECS,ServiceName} MetricName=\"CPUUtilization\"', 'Average')", "id": "s1", "label": "${PROP('Dim.ServiceName')}" }],
        [{ "expression": "m1 * 100", "color": "#ff0000", "yAxis": "right" }],
        [{ "expression": "m1 * 2", "period": 600 }]
    ]}));
    let q = w.queries(&ctx(3600, None));
    assert_eq!(q[0].return_data, Some(false));
    assert_eq!(q[0].label.as_deref(), Some("${PROP('Dim.ServiceName')} CPU"));
    assert_eq!(
        (
            q[1].expression.as_deref().map(|e| e.starts_with("SEARCH(")),
            q[1].period,
            q[1].return_data
        ),
        (Some(true), Some(120), None)
    );
    assert_eq!(q[1].label.as_deref(), Some("${PROP('Dim.ServiceName')}"));
    assert_eq!((q[2].id.as_str(), q[2].period, q[2].metric_stat.is_none()), ("e1", None, true));
    assert_eq!(q[3].period, Some(600));
    let styles = w.series_styles();
    assert!(!styles[0].visible && styles[1].visible);
    assert_eq!(styles[2].color.as_deref(), Some("#ff0000"));
    assert_eq!(w.row_colors(), [("e1".to_string(), "#ff0000".to_string())]);
    assert_eq!(w.row_labels().len(), 2);
}

#[test]
fn region_of_a_series_is_the_rows_else_the_widgets() {
    let w = widget(json!({ "region": "us-east-1", "metrics": [["A", "x"], ["A", "y", { "region": "eu-west-1" }]] }));
    let s = w.series_styles();
    assert_eq!(
        (s[0].region.as_deref(), s[1].region.as_deref()),
        (Some("us-east-1"), Some("eu-west-1"))
    );
}
