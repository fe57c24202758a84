//! Examples from AWS's "Dashboard Body Structure and Syntax"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>),
//! one test per example or section.

use cloudwatch::body::{
    Axis, Fill, HAnnotation, InputType, LegendPosition, MetricRow, MetricView, PeriodOverride, VAnnotation, VariableKind, WidgetKind,
};
use serde_json::{json, Value};

use super::body_common::*;

fn one_metric_widget(properties: Value) -> Value {
    json!({ "widgets": [ { "type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": properties } ] })
}

/// "Overall Structure": one metric widget and one text widget.
#[test]
fn overall_structure() {
    let input = json!({
       "start": "-PT6H", "periodOverride": "inherit",
       "widgets": [
          { "type":"metric", "x":0, "y":0, "width":12, "height":6,
            "properties":{ "metrics":[ [ "AWS/EC2", "CPUUtilization", "InstanceId", "i-012345" ] ],
               "period":300, "stat":"Average", "region":"us-east-1", "title":"EC2 Instance CPU",
               "liveData": false, "legend": { "position": "right" } } },
          { "type":"text", "x":0, "y":7, "width":3, "height":3, "properties":{ "markdown":"Hello world" } }
       ]
    });
    let b = parse(&input);
    assert_eq!(
        (b.start.as_deref(), b.period_override.clone()),
        (Some("-PT6H"), Some(PeriodOverride::Inherit))
    );
    let m = metric_widget(&b, 0);
    assert_eq!(
        (m.period, m.stat.as_deref(), m.live_data),
        (Some(300), Some("Average"), Some(false))
    );
    assert_eq!(m.legend_position(), LegendPosition::Right);
    assert_eq!(positions(&m.metrics[0]), ["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"]);
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
}

/// The Lambda example with a dashboard variable found by a metric search. The page writes
/// `metrics` as one flat row (a known mistake in the page, aws/aws-cdk#28286); that is reported,
/// and the corrected form parses.
#[test]
fn lambda_variable_example() {
    let variables = json!([{
        "type": "property", "property": "FunctionName", "inputType": "select", "id": "LambdaFunction_Variable",
        "label": "Function", "visible": true,
        "search": "{AWS/Lambda,FunctionName} MetricName=\"Duration\"", "populateFrom": "FunctionName"
    }]);
    let as_written = json!({
        "widgets": [{ "height": 6, "width": 6, "y": 0, "x": 0, "type": "metric",
            "properties": { "view": "timeSeries", "stacked": false,
                "metrics": ["AWS/Lambda", "Invocations", "FunctionName", "my-function-name"],
                "region": "us-east-1", "liveData": true } }],
        "variables": variables
    });
    let e = errors(&as_written);
    assert_eq!(e[0].path, "widgets[0].properties.metrics[0]");
    assert_eq!(e.len(), 4, "one error per string: {e:?}");

    let mut fixed = as_written.clone();
    fixed["widgets"][0]["properties"]["metrics"] = json!([["AWS/Lambda", "Invocations", "FunctionName", "my-function-name"]]);
    let b = parse(&fixed);
    let v = &b.variables[0];
    assert_eq!((v.kind.clone(), v.input_type.clone()), (VariableKind::Property, InputType::Select));
    assert_eq!(
        (v.id.as_str(), v.property.as_deref(), v.populate_from.as_deref()),
        ("LambdaFunction_Variable", Some("FunctionName"), Some("FunctionName"))
    );
    assert!(metric_widget(&b, 0).is_live_data());
    assert_round_trip(&b);
    assert_contains(&fixed, &b.to_value(), "");
}

/// Two metrics and a math expression, and a SEARCH expression widget.
#[test]
fn math_and_search_example() {
    let input = one_metric_widget(json!({
        "metrics": [
            [ "AWS/EC2", "DiskReadBytes", "InstanceId", "i-123", { "id": "m1" } ],
            [ ".", ".", ".", "i-abc", { "id": "m2" } ],
            [ { "expression": "SUM(METRICS())", "label": "Sum of DiskReadbytes", "id": "e3" } ]
        ],
        "view": "timeSeries", "stacked": false, "period": 300, "stat": "Average", "region": "us-east-1"
    }));
    let b = parse(&input);
    let m = metric_widget(&b, 0);
    assert_eq!(positions(&m.metrics[1]), ["AWS/EC2", "DiskReadBytes", "InstanceId", "i-abc"]);
    let MetricRow::Expression { options } = &m.metrics[2] else {
        panic!()
    };
    assert_eq!(options.expression.as_deref(), Some("SUM(METRICS())"));
    assert_round_trip(&b);
}

/// "Variable examples": pattern variables, radio buttons, `__FIRST`, `values` with labels,
/// numbers as values.
#[test]
fn variable_examples() {
    let input = json!({ "widgets": [], "variables": [
        { "type": "pattern", "pattern": "us-east-1", "inputType": "input", "id": "region", "label": "Region",
          "defaultValue": "us-east-1", "visible": true },
        { "type": "pattern", "pattern": "originalFuncNameInDashboard", "inputType": "radio", "id": "functionName",
          "label": "Function", "visible": true, "search": "{AWS/Lambda,FunctionName} MetricName=\"Duration\"",
          "populateFrom": "FunctionName", "defaultValue": "__FIRST" },
        { "type": "property", "property": "region", "inputType": "select", "id": "unique_id_1", "label": "Region",
          "defaultValue": "us-east-1", "visible": true,
          "values": [{ "label": "IAD", "value": "us-east-1" }, { "label": "CMH", "value": "us-east-2" }] },
        { "type": "property", "property": "accountId", "inputType": "radio", "id": "unique_id_3",
          "defaultValue": "111122223333", "visible": true, "values": [{ "value": "111122223333" }, { "value": 42 }] }
    ]});
    let b = parse(&input);
    assert_eq!(b.variables.len(), 4);
    assert_eq!(b.variables[0].kind, VariableKind::Pattern);
    assert_eq!(b.variables[0].pattern.as_deref(), Some("us-east-1"));
    assert_eq!(b.variables[1].input_type, InputType::Radio);
    assert_eq!(b.variables[1].default_value, Some(json!("__FIRST")));
    let values = b.variables[2].values.as_ref().unwrap();
    assert_eq!((values[1].label.as_deref(), &values[1].value), (Some("CMH"), &json!("us-east-2")));
    assert_eq!(b.variables[3].values.as_ref().unwrap()[1].value, json!(42));
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
}

/// Text widget with `background`, and the log widget example.
#[test]
fn text_and_log_widgets() {
    let input = json!({ "widgets": [
        { "type": "text", "x": 0, "y": 7, "width": 3, "height": 3, "properties": { "markdown": "Hello world", "background": "transparent" } },
        { "type": "log", "x": 12, "y": 24, "width": 12, "height": 6, "properties": {
            "region": "us-east-1", "title": "Errors (Application Log)",
            "query": "SOURCE 'application1.log' | SOURCE 'application2.log' | filter @message like \"[ERROR]\"\n| stats count() as errCount by canaryName\n| sort errCount DESC",
            "view": "table" } }
    ]});
    let b = parse(&input);
    let WidgetKind::Text(t) = &b.widgets[0].kind else { panic!() };
    assert_eq!(t.background.as_deref(), Some("transparent"));
    let WidgetKind::Log(l) = &b.widgets[1].kind else { panic!() };
    assert_eq!(l.log_groups(), ["application1.log", "application2.log"]);
    assert!(l.query_string().starts_with("filter @message like"));
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
}

/// "Example: Stacked area and gauge widgets": per-metric rendering properties, `timezone`
/// (kept as an unmodelled property), yAxis, a horizontal annotation on the right axis, gauge.
#[test]
fn stacked_area_and_gauge() {
    let input = json!({ "widgets": [
        { "type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
            "metrics": [
                [ "AWS/EC2", "CPUUtilization", "InstanceId", "i-012345" ],
                [ "AWS/EC2", "NetworkIn", "InstanceId", "i-012345", { "yAxis": "right", "label": "NetworkIn", "period": 3600, "stat": "Maximum" } ]
            ],
            "period": 300, "stat": "Average", "region": "us-east-1", "timezone": "+0300", "title": "EC2 Instance CPU",
            "stacked": true, "view": "timeSeries", "liveData": false,
            "yAxis": { "left": { "min": 0, "max": 100 }, "right": { "min": 50 } },
            "annotations": { "horizontal": [ { "visible": true, "color": "#9467bd", "label": "Critical range", "value": 20, "fill": "above", "yAxis": "right" } ] } } },
        { "type": "metric", "x": 18, "y": 60, "width": 6, "height": 6, "properties": {
            "metrics": [[ "AWSLogsShrinkRay", "disk_inodes_used", "path", "/dev/shm", "InstanceId", "i-012345" ]],
            "view": "gauge", "title": "Disk Inodes Used", "region": "us-east-1", "yAxis": { "left": { "min": 0, "max": 100 } } } }
    ]});
    let b = parse(&input);
    let m = metric_widget(&b, 0);
    assert!(m.is_stacked());
    assert_eq!(m.extra.get("timezone"), Some(&json!("+0300")));
    let o = m.metrics[1].options();
    assert_eq!(
        (o.y_axis, o.period, o.stat.as_deref()),
        (Some(Axis::Right), Some(3600), Some("Maximum"))
    );
    assert_eq!(m.y_axis.as_ref().unwrap().right.as_ref().unwrap().min, Some(50.0));
    let HAnnotation::Line(a) = &m.annotations.as_ref().unwrap().horizontal[0] else {
        panic!()
    };
    assert_eq!(
        (a.value, a.y_axis, a.visible, a.fill.clone()),
        (20.0, Some(Axis::Right), Some(true), Some(Fill::Above))
    );
    assert_eq!(metric_widget(&b, 1).view(), MetricView::Gauge);
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
}

/// "Dashboard Widget Object: Annotation Properties": bands, hidden annotations, vertical
/// annotations, an alarm annotation without `metrics`.
#[test]
fn annotation_examples() {
    let input = json!({ "widgets": [
        { "type": "metric", "properties": { "metrics": [["AWS/EC2", "CPUUtilization"]], "annotations": {
            "horizontal": [
                [ { "label": "Band top", "value": 200, "color": "#9467bd", "visible": true, "yAxis": "right" },
                  { "value": 95.5, "label": "Band bottom" } ],
                { "visible": true, "color": "#9467bd", "label": "Label for this annotation", "value": 20, "fill": "below", "yAxis": "right" },
                { "visible": false, "color": "#aaa", "label": "Hidden annotation", "value": 150 }
            ],
            "vertical": [
                { "visible": true, "color": "#9467bd", "label": "Bug fix deployed", "value": "2018-08-28T15:25:26Z", "fill": "after" },
                [ { "label": "Band start", "value": "2018-08-27T15:25:26Z", "color": "#9467bd", "visible": true },
                  { "value": "2018-08-28T15:25:26Z", "label": "Band end" } ]
            ] } } },
        { "type": "metric", "properties": { "annotations": { "alarms": [ "arn:aws:cloudwatch:us-east-1:012345678901:alarm:EC2FrontendCPU" ] } } }
    ]});
    let b = parse(&input);
    let a = metric_widget(&b, 0).annotations.as_ref().unwrap();
    let HAnnotation::Band(top, bottom) = &a.horizontal[0] else {
        panic!()
    };
    assert_eq!((top.value, bottom.value, top.y_axis), (200.0, 95.5, Some(Axis::Right)));
    let HAnnotation::Line(hidden) = &a.horizontal[2] else { panic!() };
    assert_eq!(hidden.visible, Some(false));
    let VAnnotation::Line(deploy) = &a.vertical[0] else { panic!() };
    assert_eq!(
        (deploy.value.as_str(), deploy.fill.clone()),
        ("2018-08-28T15:25:26Z", Some(Fill::After))
    );
    assert!(
        matches!(&a.vertical[1], VAnnotation::Band(s, e) if s.label.as_deref() == Some("Band start") && e.label.as_deref() == Some("Band end"))
    );
    let alarm_only = metric_widget(&b, 1);
    assert!(alarm_only.metrics.is_empty());
    assert_eq!(alarm_only.annotations.as_ref().unwrap().alarms.len(), 1);
    assert_eq!(b.widgets[1].width, 6, "width defaults to 6");
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
    assert!(
        b.to_value()["widgets"][1]["properties"].get("metrics").is_none(),
        "no metrics array beside an alarm annotation"
    );
}

/// The alarm status widget examples, and the metrics explorer example kept as Unsupported.
#[test]
fn alarm_and_explorer_widgets() {
    let explorer = json!({ "type": "explorer", "width": 24, "height": 15, "x": 0, "y": 0, "properties": {
        "metrics": [ { "metricName": "CPUUtilization", "resourceType": "AWS::EC2::Instance", "stat": "Average" } ],
        "aggregateBy": { "key": "InstanceType", "func": "MAX" }, "labels": [ { "key": "State", "value": "running" } ],
        "widgetOptions": { "legend": { "position": "bottom" }, "view": "timeSeries", "rowsPerPage": 8, "widgetsPerRow": 2 },
        "period": 300, "splitBy": "AvailabilityZone", "title": "Running EC2 Instances by AZ" } });
    let input = json!({ "widgets": [
        { "type": "alarm", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
            "alarms": [ "arn:aws:cloudwatch:us-east-1:012345678901:alarm:EC2FrontendCPU", "arn:aws:cloudwatch:eu-west-1:987654321098:alarm:EC2BackendCPU" ],
            "sortBy": "stateUpdatedTimestamp", "states": [ "ALARM", "INSUFFICIENT_DATA" ], "title": "EC2 alarms that are not currently OK" } },
        explorer.clone(),
        { "type": "custom", "properties": { "endpoint": "arn:aws:lambda:us-east-1:123456789012:function:f", "params": { "a": [1, 2] } } }
    ]});
    let b = parse(&input);
    let WidgetKind::Alarm(a) = &b.widgets[0].kind else { panic!() };
    assert_eq!(
        (a.sort_by.as_deref(), a.states.as_ref().map(Vec::len)),
        (Some("stateUpdatedTimestamp"), Some(2))
    );
    let WidgetKind::Unsupported { type_name, properties } = &b.widgets[1].kind else {
        panic!()
    };
    assert_eq!((type_name.as_str(), properties), ("explorer", &explorer["properties"]));
    assert_eq!(b.to_value()["widgets"][1], explorer, "an unsupported widget survives unchanged");
    assert_eq!(b.widgets[2].kind.type_name(), "custom");
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
}

/// "Metric Widget: Format for Each Metric in the Array": the page's row examples, and the
/// `"..."` form from AWS's documentation issue awsdocs/amazon-cloudwatch-user-guide#10.
#[test]
fn metrics_array_examples() {
    let input = one_metric_widget(json!({ "metrics": [
        [ "AWS/EC2", "CPUUtilization" ],
        [ "AWS/EC2", "DiskReadBytes", "InstanceId", "i-xyz", { "yAxis": "right"} ],
        [ ".", ".", ".", "i-abc" ],
        [ "...", "i-123", { "label": "Instance i-123", "yAxis": "right" } ],
        [ { "expression": "SELECT MAX(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId) GROUP BY InstanceId LIMIT 10", "label": "View the 10 max CPU Utilization", "id": "q1" } ],
        [ ".", ".", ".", "i-456", { "accountId": "111122223333", "region": "eu-west-1" } ]
    ]}));
    let b = parse(&input);
    let rows: Vec<Vec<String>> = metric_widget(&b, 0).metrics.iter().map(positions).collect();
    assert_eq!(rows[0], ["AWS/EC2", "CPUUtilization"]);
    assert_eq!(rows[2], ["AWS/EC2", "DiskReadBytes", "InstanceId", "i-abc"]);
    assert_eq!(rows[3], ["AWS/EC2", "DiskReadBytes", "InstanceId", "i-123"]);
    assert!(rows[4].is_empty(), "an expression row");
    assert_eq!(
        rows[5],
        ["AWS/EC2", "DiskReadBytes", "InstanceId", "i-456"],
        "\".\" skips expression rows"
    );
    let o = metric_widget(&b, 0).metrics[5].options();
    assert_eq!(
        (o.account_id.as_deref(), o.region.as_deref()),
        (Some("111122223333"), Some("eu-west-1"))
    );
    assert_round_trip(&b);
}
