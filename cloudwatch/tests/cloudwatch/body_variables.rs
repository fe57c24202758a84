//! Property tests of dashboard variables applied to generated bodies: a property variable
//! changes its dimension and nothing else, applying is idempotent and the defaults are a fixed
//! point of a body already at them, multi-value expansion makes one row per value, pattern
//! values go in as written whatever regex characters they hold, and no pattern panics.

use std::collections::HashMap;

use cloudwatch::body::{apply_variables, resolve, DashboardBody, MetricRow, VariableValues};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::body_common::*;

const DIMENSIONS: [&str; 3] = ["ServiceName", "ClusterName", "TargetGroup"];
/// Values with regex and JSON specials among them.
const VALUES: [&str; 6] = ["web", "api", "a.b", "$1", "x\\y", "(q)"];

/// A metric row as written: namespace, name, up to three distinct dimensions, maybe an id.
fn metric_row(i: usize) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["AWS/ECS", "AWS/ApplicationELB"]),
        prop::sample::select(vec!["CPUUtilization", "RequestCount"]),
        prop::sample::subsequence(DIMENSIONS.to_vec(), 0..=3),
        prop::collection::vec(prop::sample::select(VALUES.to_vec()), 3),
        any::<bool>(),
    )
        .prop_map(move |(ns, name, dims, vals, with_id)| {
            let mut row = vec![json!(ns), json!(name)];
            for (d, v) in dims.iter().zip(vals) {
                row.push(json!(d));
                row.push(json!(v));
            }
            if with_id {
                row.push(json!({ "id": format!("m{i}") }));
            }
            Value::Array(row)
        })
}

fn metric_rows() -> impl Strategy<Value = Vec<Value>> {
    (1usize..6).prop_flat_map(|n| {
        let rows: Vec<_> = (0..n)
            .map(|i| {
                prop_oneof![
                    5 => metric_row(i).boxed(),
                    1 => Just(json!([{ "expression": "SUM(METRICS())", "id": format!("e{i}") }])).boxed(),
                ]
            })
            .collect();
        rows
    })
}

fn ecs_body(rows: Vec<Value>, multi: bool, default: Option<&str>) -> DashboardBody {
    let mut variable = json!({ "type": "property", "property": "ServiceName", "inputType": "select", "id": "svc" });
    if multi {
        variable["multiValue"] = json!(true);
    }
    if let Some(d) = default {
        variable["defaultValue"] = json!(d);
    }
    parse(&json!({
        "variables": [variable],
        "widgets": [
            { "type": "metric", "properties": { "title": "t", "metrics": rows } },
            { "type": "text", "properties": { "markdown": "ServiceName web" } }
        ]
    }))
}

fn one(id: &str, values: &[&str]) -> VariableValues {
    [(id.to_string(), values.iter().map(|s| s.to_string()).collect())].into()
}

fn has_service(row: &MetricRow) -> bool {
    matches!(row, MetricRow::Metric { dimensions, .. } if dimensions.iter().any(|(n, _)| n == "ServiceName"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_property_variable_changes_its_dimension_and_nothing_else(rows in metric_rows(), value in prop::sample::select(VALUES.to_vec())) {
        let b = ecs_body(rows, false, None);
        let out = apply_variables(&b, &one("svc", &[value])).expect("a property variable always applies");
        let (before, after) = (metric_widget(&b, 0), metric_widget(&out, 0));
        prop_assert_eq!(before.metrics.len(), after.metrics.len());
        for (x, y) in before.metrics.iter().zip(&after.metrics) {
            prop_assert_eq!(x.options(), y.options());
            match (x, y) {
                (MetricRow::Metric { namespace: n1, metric_name: m1, dimensions: d1, .. },
                 MetricRow::Metric { namespace: n2, metric_name: m2, dimensions: d2, .. }) => {
                    prop_assert_eq!(n1, n2);
                    prop_assert_eq!(m1, m2);
                    prop_assert_eq!(d1.len(), d2.len());
                    for ((k1, v1), (k2, v2)) in d1.iter().zip(d2) {
                        prop_assert_eq!(k1, k2);
                        if k1 == "ServiceName" {
                            prop_assert_eq!(v2.as_str(), value);
                        } else {
                            prop_assert_eq!(v1, v2);
                        }
                    }
                }
                (x, y) => prop_assert_eq!(x, y),
            }
        }
        // Other widgets (a text widget mentioning the dimension) are untouched.
        prop_assert_eq!(&b.widgets[1], &out.widgets[1]);
        assert_round_trip(&out);
    }

    #[test]
    fn applying_twice_is_applying_once(rows in metric_rows(), value in prop::sample::select(VALUES.to_vec())) {
        let b = ecs_body(rows, false, None);
        let v = one("svc", &[value]);
        let once = apply_variables(&b, &v).expect("applies");
        let twice = apply_variables(&once, &v).expect("applies");
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn the_defaults_leave_a_body_already_at_them_as_it_is(rows in metric_rows(), default in prop::sample::select(VALUES.to_vec())) {
        // Every ServiceName of the generated rows set to the default first.
        let at_default = ecs_body(rows.clone(), false, None);
        let at_default = apply_variables(&at_default, &one("svc", &[default])).expect("applies");
        let mut json = at_default.to_value();
        json["variables"][0]["defaultValue"] = json!(default);
        let b = parse(&json);
        let chosen = resolve(&b, &VariableValues::new(), &HashMap::new()).expect("nothing chosen is valid");
        prop_assert_eq!(&chosen, &one("svc", &[default]));
        prop_assert_eq!(apply_variables(&b, &chosen).expect("applies"), b);
    }

    #[test]
    fn multi_value_makes_one_row_per_value_in_the_order_chosen(
        rows in metric_rows(),
        values in prop::sample::subsequence(VALUES.to_vec(), 1..=4).prop_shuffle(),
    ) {
        let b = ecs_body(rows, true, None);
        let chosen = resolve(&b, &one("svc", &values), &HashMap::new()).expect("valid");
        let out = apply_variables(&b, &chosen).expect("applies");
        let (before, after) = (metric_widget(&b, 0), metric_widget(&out, 0));
        let with = before.metrics.iter().filter(|r| has_service(r)).count();
        prop_assert_eq!(after.metrics.len(), before.metrics.len() + with * (values.len() - 1));
        let mut at = 0;
        for row in &before.metrics {
            if has_service(row) {
                for v in &values {
                    let MetricRow::Metric { dimensions, .. } = &after.metrics[at] else { panic!("a metric row") };
                    prop_assert!(dimensions.iter().any(|(n, x)| n == "ServiceName" && x == v));
                    at += 1;
                }
            } else {
                prop_assert_eq!(row, &after.metrics[at]);
                at += 1;
            }
        }
        // Ids stay unique, so the queries are valid.
        let ids = after.row_ids();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        prop_assert_eq!(unique.len(), ids.len());
    }

    #[test]
    fn a_pattern_value_goes_in_as_written(
        pieces in prop::collection::vec("[a-z ]{0,6}", 1..5),
        value in "[ -~]{0,12}",
    ) {
        let token = "SERVICE";
        let text = pieces.join(token);
        let b = parse(&json!({
            "variables": [{ "type": "pattern", "pattern": token, "inputType": "input", "id": "p" }],
            "widgets": [
                { "type": "text", "properties": { "markdown": text } },
                { "type": "log", "properties": { "title": text, "query": format!("SOURCE '/ecs/{text}' | limit 5") } }
            ]
        }));
        let out = apply_variables(&b, &one("p", &[&value])).expect("applies").to_value();
        let expected = text.replace(token, &value);
        prop_assert_eq!(out["widgets"][0]["properties"]["markdown"].as_str(), Some(expected.as_str()));
        prop_assert_eq!(out["widgets"][1]["properties"]["title"].as_str(), Some(expected.as_str()));
    }

    #[test]
    fn no_pattern_and_no_value_panics(pattern in "\\PC{1,10}", value in "\\PC{0,10}", rows in metric_rows()) {
        let b = ecs_body(rows, false, None);
        let mut json = b.to_value();
        json["variables"] = json!([{ "type": "pattern", "pattern": pattern, "inputType": "input", "id": "p" }]);
        let b = parse(&json);
        if let Ok(out) = apply_variables(&b, &one("p", &[&value])) {
            assert_round_trip(&out);
        }
    }

    #[test]
    fn an_unknown_variable_is_refused_by_name(id in "[a-z]{1,8}", value in "[a-z]{1,8}") {
        prop_assume!(id != "svc");
        let b = ecs_body(vec![json!(["AWS/ECS", "CPUUtilization", "ServiceName", "web"])], false, None);
        let e = resolve(&b, &one(&id, &[&value]), &HashMap::new()).expect_err("unknown");
        prop_assert_eq!(e.len(), 1);
        prop_assert_eq!(&e[0].id, &id);
    }
}
