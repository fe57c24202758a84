//! No input makes GetMetricData panic or recurse without bound.

use proptest::prelude::*;

use super::backend::*;

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for text in [
        format!("{}m1{}", "(".repeat(1000), ")".repeat(1000)),
        format!("{}m1{}", "ABS(".repeat(400), ")".repeat(400)),
        format!("{}m1", "-".repeat(2000)),
        format!("{}m1{}", "[".repeat(1000), "]".repeat(1000)),
        format!("2{}", "^2".repeat(1000)),
    ] {
        let e = err(vec![cpu("m1", "i-aaa"), expr("e1", &text)]);
        assert_eq!(e.code, "ValidationError");
    }
}

/// A long chain of operators is not nesting: `m1+m1+...` (680 terms, 2,039 characters) evaluates.
#[test]
fn long_operator_chains_evaluate() {
    let text = vec!["m1"; 680].join("+");
    let out = ok(vec![hidden(cpu("m1", "i-aaa")), expr("e1", &text)]);
    assert_eq!(single(&out, "e1"), s(&[6800.0, 13_600.0, 20_400.0, 27_200.0, 34_000.0, 40_800.0]));
}

fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "m1",
        "m2",
        "e2",
        "(",
        ")",
        "[",
        "]",
        ",",
        "+",
        "-",
        "*",
        "/",
        "^",
        "==",
        "<",
        ">=",
        " AND ",
        " OR ",
        "&&",
        "1",
        "0",
        "2.5",
        "1e400",
        "\"",
        "'",
        "METRICS(",
        "SEARCH('{AWS/EC2,InstanceId} CPU', 'Average')",
        "SEARCH(",
        "FILL(",
        "REPEAT",
        "LINEAR",
        "IF(",
        "SORT(",
        "AVG",
        "DESC",
        "SLICE(",
        "TIME_SERIES(",
        "RATE(",
        "DIFF(",
        "LOG(",
        "ABS(",
        "SUM(",
        "MAX(",
        "PERIOD(",
        "ANOMALY_DETECTION_BAND(",
        "FIRST(",
        "REMOVE_EMPTY(",
        "DAY(",
        "\u{201c}x\u{201d}",
        "${",
        "=",
        "!",
        "#",
        " ",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_expressions_never_panic(parts in prop::collection::vec(fragment(), 0..24)) {
        let text: String = parts.concat();
        let _ = run(vec![hidden(cpu("m1", "i-aaa")), hidden(cpu("m2", "i-bbb")), hidden(expr("e2", "m1 + 1")), labelled(expr("e1", &text), "${AVG} ${LABEL}")]);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,60}") {
        let _ = run(vec![cpu("m1", "i-aaa"), expr("e1", &text)]);
        let _ = run(vec![labelled(cpu("m1", "i-aaa"), &text)]);
        let _ = metricmath::search::parse(&text);
    }
}
