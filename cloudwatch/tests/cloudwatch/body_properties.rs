//! Property tests: shorthand expansion against a reference compressor, round trips of
//! generated bodies, and arbitrary JSON never panicking.

use cloudwatch::body::{expand_shorthand, DashboardBody, MetricWidget, WidgetKind};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::body_common::*;

/// A full row: namespace, metric name, dimension pairs. Values come from a tiny alphabet so
/// that neighbouring rows often share positions.
fn full_row() -> impl Strategy<Value = Vec<String>> {
    let word = prop::sample::select(vec!["a", "b", "c", "AWS/EC2", "i-1"]).prop_map(String::from);
    (word.clone(), word.clone(), prop::collection::vec((word.clone(), word), 0..4)).prop_map(|(ns, name, dims)| {
        let mut v = vec![ns, name];
        for (n, val) in dims {
            v.push(n);
            v.push(val);
        }
        v
    })
}

/// Reference compressor: writes `row` relative to `prev` using `"."` where the positions agree
/// (when `dots` allows) and, when `ellipsis` picks a split and the rows agree in between,
/// `"..."` for the middle.
fn compress(row: &[String], prev: Option<&[String]>, dots: &[bool], ellipsis: Option<(usize, usize)>) -> Vec<String> {
    let Some(prev) = prev else { return row.to_vec() };
    let dot = |i: usize, s: &String| -> String {
        if dots.get(i).copied().unwrap_or(false) && prev.get(i) == Some(s) {
            ".".to_string()
        } else {
            s.clone()
        }
    };
    if let Some((a, b)) = ellipsis {
        let n = row.len();
        // "..." covers row[a..n-b] when the rows are as long and agree there; when the row is
        // longer than the previous one, "..." covers nothing and may sit anywhere.
        let (start, end) = (a.min(n), n.saturating_sub(b).max(a.min(n)));
        let usable = if n == prev.len() {
            row[start..end] == prev[start..end]
        } else {
            n > prev.len() && start == end
        };
        if usable {
            let mut out: Vec<String> = row[..start].iter().enumerate().map(|(i, s)| dot(i, s)).collect();
            out.push("...".to_string());
            out.extend(row[end..].iter().enumerate().map(|(i, s)| dot(end + i, s)));
            return out;
        }
    }
    row.iter().enumerate().map(|(i, s)| dot(i, s)).collect()
}

#[derive(Debug, Clone)]
enum GenRow {
    /// A full row (or, with `Some(last)` and a previous metric row, that row with its last
    /// value replaced, as dashboards do), how to compress it, and an optional stat.
    Metric(Vec<String>, Option<String>, Vec<bool>, Option<(usize, usize)>, Option<String>),
    Expression(String),
}

fn gen_row() -> impl Strategy<Value = GenRow> {
    prop_oneof![
        6 => (
            full_row(),
            prop::option::of(prop::sample::select(vec!["a", "z", "i-2"]).prop_map(String::from)),
            prop::collection::vec(any::<bool>(), 10),
            prop::option::of((0usize..8, 0usize..8)),
            prop::option::of("p[0-9]{2}"),
        )
            .prop_map(|(r, last, d, e, s)| GenRow::Metric(r, last, d, e, s)),
        1 => "m[0-9] \\* [0-9]".prop_map(GenRow::Expression),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn shorthand_expands_back_to_the_full_rows(rows in prop::collection::vec(gen_row(), 1..10)) {
        let mut written = Vec::new();
        let mut expected = Vec::new();
        let mut prev: Option<Vec<String>> = None;
        for row in &rows {
            match row {
                GenRow::Metric(full, last, dots, ellipsis, stat) => {
                    let full = match (last, &prev) {
                        (Some(last), Some(p)) => {
                            let mut f = p.clone();
                            if let Some(end) = f.last_mut() {
                                *end = last.clone();
                            }
                            f
                        }
                        _ => full.clone(),
                    };
                    let full = &full;
                    let mut w: Vec<Value> = compress(full, prev.as_deref(), dots, *ellipsis).into_iter().map(Value::from).collect();
                    if let Some(s) = stat {
                        w.push(json!({ "stat": s }));
                    }
                    written.push(Value::Array(w));
                    expected.push(full.clone());
                    prev = Some(full.clone());
                }
                GenRow::Expression(e) => {
                    written.push(json!([{ "expression": e }]));
                    expected.push(vec![]);
                }
            }
        }
        let body = json!({ "widgets": [ { "type": "metric", "properties": { "metrics": written } } ] });
        let b = parse(&body);
        let got: Vec<Vec<String>> = metric_widget(&b, 0).metrics.iter().map(positions).collect();
        prop_assert_eq!(got, expected);
        assert_round_trip(&b);
    }

    #[test]
    fn expand_shorthand_agrees_with_the_compressor(prev in full_row(), row in full_row(), dots in prop::collection::vec(any::<bool>(), 10), e in prop::option::of((0usize..8, 0usize..8))) {
        let written = compress(&row, Some(&prev), &dots, e);
        let refs: Vec<&str> = written.iter().map(String::as_str).collect();
        prop_assert_eq!(expand_shorthand(&refs, Some(&prev)).unwrap(), row);
    }
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        prop::sample::select(vec![".", "...", "metric", "text", "log", "alarm", "left", "x", "AWS/EC2", "auto"]).prop_map(Value::from),
    ]
}

const KEYS: &[&str] = &[
    "widgets",
    "type",
    "properties",
    "metrics",
    "x",
    "y",
    "width",
    "height",
    "expression",
    "id",
    "stat",
    "period",
    "annotations",
    "horizontal",
    "vertical",
    "value",
    "yAxis",
    "left",
    "variables",
    "inputType",
    "values",
    "markdown",
    "query",
    "alarms",
    "legend",
];

fn any_json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())),
        ]
    })
}

/// A generated body that parses: widgets of every kind with random optional properties.
fn valid_body() -> impl Strategy<Value = Value> {
    let metric = (
        prop::collection::vec(full_row(), 0..4),
        any::<bool>(),
        prop::option::of(60i64..4000),
        prop::option::of(0.0f64..100.0),
    )
        .prop_map(|(rows, stacked, period, ann)| {
            let mut p = json!({ "metrics": rows, "stacked": stacked, "custom": { "kept": [1, 2] } });
            if let Some(period) = period {
                p["period"] = json!(period);
            }
            if let Some(a) = ann {
                p["annotations"] = json!({ "horizontal": [ { "value": a }, [ { "value": a, "label": "t" }, { "value": 1.5 } ] ] });
            }
            json!({ "type": "metric", "width": 12, "properties": p })
        });
    let other = prop_oneof![
        "[a-z ]{0,8}".prop_map(|m| json!({ "type": "text", "properties": { "markdown": m } })),
        "[a-z |]{0,8}".prop_map(|q| json!({ "type": "log", "x": 3, "y": 4, "properties": { "query": q, "view": "bar" } })),
        Just(json!({ "type": "alarm", "properties": { "alarms": ["arn:1"], "states": [] } })),
        any_json().prop_map(|p| json!({ "type": "explorer", "properties": p, "note": true })),
    ];
    prop::collection::vec(prop_oneof![metric, other], 0..5).prop_map(|w| json!({ "start": "-PT1H", "widgets": w, "unknownTop": 1 }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_bodies_round_trip(body in valid_body()) {
        let b = parse(&body);
        assert_round_trip(&b);
        assert_contains(&body, &b.to_value(), "");
        // A metric widget's properties on their own (the metrics explorer's URL) read back the same.
        for w in &b.widgets {
            if let WidgetKind::Metric(m) = &w.kind {
                let again = MetricWidget::from_properties(&m.to_properties(), "properties");
                prop_assert_eq!(again.as_ref(), Ok(m));
            }
        }
    }

    #[test]
    fn arbitrary_json_never_panics(v in any_json()) {
        if let Err(errs) = MetricWidget::from_properties(&v, "properties") {
            prop_assert!(!errs.is_empty());
            prop_assert!(errs.iter().all(|e| e.path.starts_with("properties")), "{:?}", errs);
        }
        if let Ok(b) = DashboardBody::from_value(&v) {
            assert_round_trip(&b);
        }
        let _ = DashboardBody::from_value(&json!({ "widgets": [ v.clone() ] }));
        let _ = DashboardBody::from_value(&json!({ "widgets": [ { "type": "metric", "properties": { "metrics": [ v ] } } ] }));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,64}") {
        let _ = DashboardBody::parse(&s);
    }
}

/// The reference compressor writes what a person would: `["...", "v2"]` for "the same, with
/// another last value", and dots where positions repeat.
#[test]
fn the_reference_compressor_writes_dashboard_shorthand() {
    let prev = strs(&["AWS/ECS", "CPUUtilization", "ServiceName", "web"]);
    let row = strs(&["AWS/ECS", "CPUUtilization", "ServiceName", "api"]);
    assert_eq!(compress(&row, Some(&prev), &[], Some((0, 1))), ["...", "api"]);
    assert_eq!(compress(&row, Some(&prev), &[true; 4], None), [".", ".", ".", "api"]);
    assert_eq!(compress(&row, Some(&prev), &[true; 4], Some((1, 1))), [".", "...", "api"]);
    let refs = [".", "...", "api"];
    assert_eq!(expand_shorthand(&refs, Some(&prev)).unwrap(), row);
}
