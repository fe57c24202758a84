//! Helpers shared by the body tests.

use cloudwatch::body::{BodyError, DashboardBody, MetricRow, MetricWidget, WidgetKind};
use serde_json::Value;

pub fn parse(v: &Value) -> DashboardBody {
    match DashboardBody::from_value(v) {
        Ok(b) => b,
        Err(e) => panic!("did not parse: {e:?}"),
    }
}

pub fn errors(v: &Value) -> Vec<BodyError> {
    match DashboardBody::from_value(v) {
        Ok(b) => panic!("parsed, but should not have: {b:?}"),
        Err(e) => e,
    }
}

/// parse(export(parse(x))) == parse(x), and the export is valid JSON text that parses the same.
pub fn assert_round_trip(b: &DashboardBody) {
    let again = parse(&b.to_value());
    assert_eq!(&again, b, "round trip changed the body");
    let from_text = DashboardBody::parse(&b.to_json_string()).unwrap();
    assert_eq!(&from_text, b);
}

pub fn metric_widget(b: &DashboardBody, i: usize) -> &MetricWidget {
    match &b.widgets[i].kind {
        WidgetKind::Metric(m) => m,
        other => panic!("widget {i} is {}", other.type_name()),
    }
}

/// A metric row's positional strings, fully expanded.
pub fn positions(row: &MetricRow) -> Vec<String> {
    match row {
        MetricRow::Metric {
            namespace,
            metric_name,
            dimensions,
            ..
        } => {
            let mut v = vec![namespace.clone(), metric_name.clone()];
            for (n, val) in dimensions {
                v.push(n.clone());
                v.push(val.clone());
            }
            v
        }
        MetricRow::Expression { .. } => vec![],
    }
}

pub fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}

/// Every property of `input` is in `output` with the same value, recursively; in `metrics`
/// arrays the positional strings (which may be shorthand) are skipped and only the rendering
/// properties object is compared.
pub fn assert_contains(input: &Value, output: &Value, path: &str) {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let Some(w) = b.get(k) else {
                    panic!("{path}.{k} is missing from the export");
                };
                // A metric widget's rows (arrays); an explorer widget's `metrics` are objects.
                let rows = v.as_array().filter(|rows| k == "metrics" && rows.iter().all(Value::is_array));
                if let Some(ra) = rows {
                    let rb = w.as_array().unwrap();
                    assert_eq!(ra.len(), rb.len(), "{path}.metrics length");
                    for (i, (x, y)) in ra.iter().zip(rb).enumerate() {
                        let (x, y) = (x.as_array().unwrap(), y.as_array().unwrap());
                        if let Some(o @ Value::Object(_)) = x.last() {
                            assert_contains(o, y.last().unwrap(), &format!("{path}.metrics[{i}]"));
                        }
                    }
                } else {
                    assert_contains(v, w, &format!("{path}.{k}"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path} length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_contains(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(a), Value::Number(b)) => assert_eq!(a.as_f64(), b.as_f64(), "{path}"),
        (a, b) => assert_eq!(a, b, "{path}"),
    }
}
