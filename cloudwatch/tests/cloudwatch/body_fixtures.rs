//! The shop-overview fixture and the demo's prebuilt dashboards (their JSON shapes copied from
//! `demo/src/dashboards.rs`, so this crate does not depend on the demo).

use cloudwatch::body::{Axis, DashboardBody, Fill, HAnnotation, MetricRow, MetricView, PeriodOverride, QueryContext, WidgetKind};
use serde_json::{json, Value};

use super::body_common::*;

const SHOP_OVERVIEW: &str = include_str!("fixtures/shop-overview.json");

#[test]
fn shop_overview_parses_with_every_widget_typed() {
    let b = DashboardBody::parse(SHOP_OVERVIEW).unwrap();
    assert_eq!(b.start.as_deref(), Some("-PT3H"));
    assert_eq!(b.period_override, Some(PeriodOverride::Inherit));
    let kinds: Vec<&str> = b.widgets.iter().map(|w| w.kind.type_name()).collect();
    assert_eq!(kinds, ["text", "metric", "metric", "metric", "metric", "alarm", "log", "log"]);
    assert_eq!(
        (b.widgets[1].x, b.widgets[1].y, b.widgets[1].width, b.widgets[1].height),
        (Some(0), Some(2), 12, 6)
    );
    let WidgetKind::Text(t) = &b.widgets[0].kind else { panic!() };
    assert!(t.markdown.starts_with("## Shop — production"));
    let WidgetKind::Alarm(a) = &b.widgets[5].kind else { panic!() };
    assert_eq!(a.alarms.len(), 2);
    let WidgetKind::Log(l) = &b.widgets[7].kind else { panic!() };
    assert_eq!(l.view.as_deref(), Some("table"));
    assert_eq!(l.log_groups(), ["/ecs/checkout"]);
    assert!(l.query_string().starts_with("fields @timestamp"));
}

#[test]
fn shop_overview_expands_dots_and_ellipses() {
    let b = DashboardBody::parse(SHOP_OVERVIEW).unwrap();
    let ecs = metric_widget(&b, 1);
    let rows: Vec<Vec<String>> = ecs.metrics.iter().map(positions).collect();
    assert_eq!(
        rows[1],
        strs(&[
            "AWS/ECS",
            "MemoryUtilization",
            "ClusterName",
            "shop-prod",
            "ServiceName",
            "checkout"
        ])
    );
    assert_eq!(
        rows[2],
        strs(&["AWS/ECS", "CPUUtilization", "ClusterName", "shop-prod", "ServiceName", "api"])
    );
    assert_eq!(ecs.metrics[1].options().y_axis, Some(Axis::Right));
    let y = ecs.y_axis.as_ref().unwrap();
    assert_eq!(
        (y.left.as_ref().unwrap().max, y.left.as_ref().unwrap().label.as_deref()),
        (Some(100.0), Some("%"))
    );
    let HAnnotation::Line(line) = &ecs.annotations.as_ref().unwrap().horizontal[0] else {
        panic!()
    };
    assert_eq!((line.value, line.fill.clone()), (80.0, Some(Fill::Above)));

    // ["...", {"stat": "p90", ...}] is the previous metric with its own options.
    let latency = metric_widget(&b, 3);
    let first = positions(&latency.metrics[0]);
    for row in &latency.metrics[1..] {
        assert_eq!(positions(row), first);
    }
    let stats: Vec<_> = latency.metrics.iter().map(|r| r.options().stat.clone().unwrap()).collect();
    assert_eq!(stats, ["p50", "p90", "p99"]);
    assert_eq!(latency.metrics[2].options().color.as_deref(), Some("#d62728"));
    assert_eq!(latency.metrics[1].options().color, None, "options are not inherited");

    let single = metric_widget(&b, 4);
    assert_eq!((single.view(), single.has_sparkline()), (MetricView::SingleValue, true));
}

#[test]
fn shop_overview_round_trips_and_keeps_every_property() {
    let input: Value = serde_json::from_str(SHOP_OVERVIEW).unwrap();
    let b = parse(&input);
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
}

#[test]
fn shop_overview_export_writes_rows_expanded() {
    let b = DashboardBody::parse(SHOP_OVERVIEW).unwrap();
    let v = b.to_value();
    assert_eq!(
        v["widgets"][1]["properties"]["metrics"][2],
        json!(["AWS/ECS", "CPUUtilization", "ClusterName", "shop-prod", "ServiceName", "api", {"stat": "Average", "label": "api CPU"}])
    );
    assert_eq!(
        v["widgets"][2]["properties"]["metrics"][0],
        json!([{"expression": "100 * errors / requests", "label": "5XX %", "id": "rate"}])
    );
    let text = v.to_string();
    assert!(!text.contains("\"...\"") && !text.contains("\".\""));
}

#[test]
fn shop_overview_queries() {
    let b = DashboardBody::parse(SHOP_OVERVIEW).unwrap();
    let ctx = QueryContext {
        range_seconds: 3 * 3600,
        period_override: b.period_override.clone(),
    };
    let rate = metric_widget(&b, 2).queries(&ctx);
    let ids: Vec<&str> = rate.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["rate", "errors", "requests"]);
    assert_eq!(rate[0].expression.as_deref(), Some("100 * errors / requests"));
    assert!(rate[0].returns_data() && !rate[1].returns_data() && !rate[2].returns_data());
    let stat = rate[1].metric_stat.as_ref().unwrap();
    assert_eq!((stat.period, stat.stat.as_str()), (60, "Sum"));
    assert_eq!(stat.metric.dimension("LoadBalancer"), Some("app/shop-alb/5c0ffee0d15ea5e1"));

    let ecs = metric_widget(&b, 1);
    let q = ecs.queries(&ctx);
    assert_eq!(q.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["m1", "m2", "m3"]);
    assert_eq!(q[2].label.as_deref(), Some("api CPU"));
    assert_eq!(ecs.row_labels()[1], ("m2".to_string(), "checkout memory".to_string()));
    let styles = metric_widget(&b, 3).series_styles();
    assert_eq!(styles[2].color.as_deref(), Some("#d62728"));
    assert_eq!(metric_widget(&b, 3).row_colors(), [("m3".to_string(), "#d62728".to_string())]);
}

const LB: &str = "app/shop-alb/5c0ffee0d15ea5e1";
const TG: [&str; 3] = [
    "targetgroup/web/3f1a6c2b9e8d7a51",
    "targetgroup/api/8b2e4d6f0a1c3e57",
    "targetgroup/checkout/0badc0de12345678",
];

fn demo_widget(x: i64, y: i64, title: &str, metrics: Value, stat: &str) -> Value {
    json!({
        "type": "metric", "x": x, "y": y, "width": 12, "height": 6,
        "properties": { "title": title, "view": "timeSeries", "stacked": false, "region": "us-east-1", "stat": stat, "period": 60, "metrics": metrics }
    })
}

fn demo_overview() -> Value {
    json!({
        "start": "-PT3H", "periodOverride": "inherit",
        "widgets": [
            demo_widget(0, 0, "Requests by target group", json!([
                ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, "TargetGroup", TG[0]], ["...", TG[1]], ["...", TG[2]]
            ]), "Sum"),
            demo_widget(0, 6, "Checkout latency (p50 / p99)", json!([
                ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", LB, "TargetGroup", TG[2], {"stat": "p50"}], ["...", {"stat": "p99"}]
            ]), "p99"),
            demo_widget(12, 6, "ECS CPU by service", json!([
                ["AWS/ECS", "CPUUtilization", "ClusterName", "shop-prod", "ServiceName", "web"],
                ["...", "api"], ["...", "checkout"], ["...", "worker"], ["...", "ai-service"]
            ]), "Average"),
            demo_widget(0, 12, "Database connections", json!([
                ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", "shop-db", {"id": "m1"}],
                [{"expression": "ANOMALY_DETECTION_BAND(m1, 2)", "label": "expected", "id": "ad1"}]
            ]), "Average"),
            { "type": "alarm", "x": 12, "y": 12, "width": 12, "height": 6,
              "properties": { "title": "Alarms", "alarms": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-unhealthy"] } },
            { "type": "log", "x": 0, "y": 18, "width": 24, "height": 6,
              "properties": { "title": "Checkout errors", "region": "us-east-1", "view": "table",
                              "query": "SOURCE '/ecs/checkout' | fields @timestamp, requestId\n| filter level = \"error\"\n| limit 50" } }
        ]
    })
}

fn demo_ai_and_serverless() -> Value {
    json!({ "widgets": [
        demo_widget(12, 0, "LLM cost (USD)", json!([
            [{"expression": "SUM(SEARCH('{Shop/AI,Model} MetricName=\"Cost\"', 'Sum', 300))", "label": "total cost", "id": "e1"}]
        ]), "Sum"),
        demo_widget(0, 6, "LLM errors", json!([
            ["Shop/AI", "Errors", "Model", "gpt-4o-mini"], ["...", "gpt-4o"], ["...", "claude-3-5-sonnet"],
            ["Shop/LogMetrics", "LLMRequestFailures", {"label": "from logs"}]
        ]), "Sum"),
        demo_widget(12, 0, "Lambda errors and throttles", json!([
            ["AWS/Lambda", "Errors", "FunctionName", "order-events"], [".", "Throttles", ".", "."]
        ]), "Sum"),
        demo_widget(0, 6, "order-events queue", json!([
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "order-events"],
            [".", "ApproximateAgeOfOldestMessage", ".", ".", {"yAxis": "right"}]
        ]), "Maximum")
    ]})
}

#[test]
fn demo_dashboards_parse_expand_and_round_trip() {
    for input in [demo_overview(), demo_ai_and_serverless()] {
        let b = parse(&input);
        assert_round_trip(&b);
        assert_contains(&input, &b.to_value(), "");
    }
    let b = parse(&demo_overview());
    let tgs: Vec<String> = metric_widget(&b, 0).metrics.iter().map(|r| positions(r)[5].clone()).collect();
    assert_eq!(tgs, TG);
    assert!(metric_widget(&b, 0).metrics.iter().all(|r| positions(r)[3] == LB));
    let services: Vec<String> = metric_widget(&b, 2).metrics.iter().map(|r| positions(r)[5].clone()).collect();
    assert_eq!(services, ["web", "api", "checkout", "worker", "ai-service"]);

    let b = parse(&demo_ai_and_serverless());
    let errors = metric_widget(&b, 1);
    assert_eq!(positions(&errors.metrics[3]), ["Shop/LogMetrics", "LLMRequestFailures"]);
    assert_eq!(
        positions(&metric_widget(&b, 2).metrics[1]),
        ["AWS/Lambda", "Throttles", "FunctionName", "order-events"]
    );
    let sqs = metric_widget(&b, 3);
    assert_eq!(positions(&sqs.metrics[1])[3], "order-events");
    assert_eq!(sqs.series_styles()[1].y_axis, Axis::Right);
}

#[test]
fn demo_queries_use_widget_stat_period_and_given_ids() {
    let ctx = QueryContext {
        range_seconds: 3 * 3600,
        period_override: None,
    };
    let b = parse(&demo_overview());
    let latency = metric_widget(&b, 1).queries(&ctx);
    let stats: Vec<_> = latency.iter().map(|q| q.metric_stat.as_ref().unwrap().stat.clone()).collect();
    assert_eq!(stats, ["p50", "p99"]);
    let db = metric_widget(&b, 3).queries(&ctx);
    assert_eq!((db[0].id.as_str(), db[1].id.as_str()), ("m1", "ad1"));
    assert_eq!(db[1].period, None, "plain math takes its period from its inputs");

    let b = parse(&demo_ai_and_serverless());
    let cost = metric_widget(&b, 0).queries(&ctx);
    assert_eq!(
        (cost[0].id.as_str(), cost[0].period),
        ("e1", Some(60)),
        "a SEARCH takes the widget's period"
    );
    let errors = metric_widget(&b, 1).queries(&ctx);
    assert!(errors
        .iter()
        .all(|q| q.metric_stat.as_ref().unwrap().stat == "Sum" && q.metric_stat.as_ref().unwrap().period == 60));
    assert!(matches!(metric_widget(&b, 1).metrics[3], MetricRow::Metric { ref dimensions, .. } if dimensions.is_empty()));
}
