//! Errors name the path of the bad element, are all collected, convert to CloudWatch's
//! `DashboardValidationMessage`, and no input panics.

use cloudwatch::body::{BodyError, DashboardBody};
use cloudwatch::dashboards::DashboardValidationMessage;
use serde_json::json;

use super::body_common::*;

fn paths_and_messages(e: &[BodyError]) -> Vec<String> {
    e.iter().map(ToString::to_string).collect()
}

#[test]
fn malformed_json_and_wrong_top_level_shapes() {
    let e = DashboardBody::parse("{\"widgets\": [").unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].path, "");
    assert!(e[0].message.starts_with("The field DashboardBody must be a valid JSON object"));
    assert_eq!(
        errors(&json!([1, 2]))[0].message,
        "The field DashboardBody must be a valid JSON object"
    );
    assert_eq!(errors(&json!({}))[0].message, "Should have required property 'widgets'");
    assert_eq!(
        paths_and_messages(&errors(&json!({"widgets": {}}))),
        ["widgets: expected an array of widgets"]
    );
    assert_eq!(DashboardBody::parse(r#"{"widgets": []}"#).unwrap().widgets.len(), 0);
}

#[test]
fn metric_row_errors_name_their_path() {
    let body = json!({ "widgets": [
        { "type": "text", "properties": { "markdown": "x" } },
        { "type": "text", "properties": { "markdown": "x" } },
        { "type": "text", "properties": { "markdown": "x" } },
        { "type": "metric", "properties": { "metrics": [
            ["AWS/EC2", "CPUUtilization"],
            [{ "stat": "Sum" }],
            [".", ".", "InstanceId"],
            ["AWS/EC2", 5, "InstanceId", "i-1"],
            ["AWS/EC2", { "stat": "Sum" }, "InstanceId"],
            "AWS/EC2",
            ["...", "...", "x"],
            ["AWS/EC2", "CPUUtilization", { "yAxis": "middle", "period": "300" }]
        ] } }
    ]});
    let e = errors(&body);
    assert_eq!(
        paths_and_messages(&e),
        [
            "widgets[3].properties.metrics[1]: expected a namespace string",
            "widgets[3].properties.metrics[2]: dimension \"InstanceId\" has no value",
            "widgets[3].properties.metrics[3][1]: expected a string: namespace, metric name, dimension name or value, \".\" or \"...\"",
            "widgets[3].properties.metrics[4][1]: the rendering properties object must come last",
            "widgets[3].properties.metrics[5]: expected an array: one metric or expression",
            "widgets[3].properties.metrics[6][1]: a row may hold only one \"...\"",
            "widgets[3].properties.metrics[7][2].period: expected an integer",
            "widgets[3].properties.metrics[7][2].yAxis: expected \"left\" or \"right\"",
        ]
    );
    let m: DashboardValidationMessage = e[0].clone().into();
    assert_eq!(m.data_path.as_deref(), Some("/widgets/3/properties/metrics/1"));
    assert_eq!(m.message, "expected a namespace string");
    assert_eq!(
        DashboardValidationMessage::from(&e[6]).data_path.as_deref(),
        Some("/widgets/3/properties/metrics/7/2/period")
    );
}

#[test]
fn shorthand_without_a_previous_row_is_an_error() {
    let e = errors(&json!({ "widgets": [ { "type": "metric", "properties": { "metrics": [
        [".", "CPUUtilization"],
        [{ "expression": "m1 * 2" }],
        ["...", "x"]
    ] } } ] }));
    assert_eq!(e[0].path, "widgets[0].properties.metrics[0][0]");
    assert!(e[0].message.contains("there is none"));
    assert_eq!(e[1].path, "widgets[0].properties.metrics[2][0]");
    let e = errors(&json!({ "widgets": [ { "type": "metric", "properties": { "metrics": [
        ["AWS/EC2", "CPUUtilization"],
        [".", ".", ".", "v"]
    ] } } ] }));
    assert_eq!(e[0].path, "widgets[0].properties.metrics[1][2]");
    assert!(e[0].message.contains("shorter"), "{e:?}");
}

#[test]
fn widget_and_variable_shape_errors_are_all_collected() {
    let e = errors(&json!({
        "widgets": [
            { "properties": {} },
            { "type": "metric" },
            { "type": "text", "width": 25, "height": 0, "x": -1, "properties": { "markdown": 5 } },
            { "type": "log", "properties": { "title": "no query" } },
            { "type": "alarm", "properties": { "alarms": ["a", 7] } },
            { "type": "metric", "properties": { "stacked": "yes", "annotations": { "horizontal": [ { "label": "no value" }, [ {"value": 1} ] ] } } },
            7
        ],
        "variables": [ { "type": "property", "id": "v" } ]
    }));
    assert_eq!(
        paths_and_messages(&e),
        [
            "variables[0]: Should have required property 'inputType'",
            "widgets[0]: Should have required property 'type'",
            "widgets[1]: Should have required property 'properties'",
            "widgets[2].x: expected an integer from 0 to 23",
            "widgets[2].width: expected an integer from 1 to 24",
            "widgets[2].height: expected an integer from 1 to 1000",
            "widgets[2].properties.markdown: expected a string",
            "widgets[3].properties: Should have required property 'query'",
            "widgets[4].properties.alarms[1]: expected a string",
            "widgets[5].properties.stacked: expected true or false",
            "widgets[5].properties.annotations.horizontal[0]: Should have required property 'value'",
            "widgets[5].properties.annotations.horizontal[1]: a band annotation has exactly two ends",
            "widgets[6]: expected a widget object",
        ]
    );
    assert_eq!(e[3].data_path(), "/widgets/2/x");
}

#[test]
fn nulls_are_kept_not_rejected() {
    let input = json!({ "widgets": [ { "type": "metric", "properties": { "title": null, "metrics": [["A", "B", { "label": null }]] } } ] });
    let b = parse(&input);
    assert_eq!(metric_widget(&b, 0).title, None);
    assert_round_trip(&b);
    assert_contains(&input, &b.to_value(), "");
}
