//! Default and dynamic labels
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html>,
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_LabelOptions.html>).

use cloudwatch::metrics::LabelOptions;

use super::backend::*;

#[test]
fn default_labels() {
    let out = ok(vec![
        cpu("m1", "i-aaa"),
        expr("e1", "m1 * 2"),
        labelled(expr("e2", "m1 * 3"), "Tripled"),
        labelled(cpu("m2", "i-bbb"), "B"),
    ]);
    assert_eq!(labels(&out, "m1"), vec!["CPUUtilization"]);
    assert_eq!(labels(&out, "e1"), vec!["e1"]);
    assert_eq!(labels(&out, "e2"), vec!["Tripled"]);
    assert_eq!(labels(&out, "m2"), vec!["B"]);
    // An array without an expression label shows its members' labels; with one, "Expression-Label Metric-Label".
    let out = ok(vec![
        hidden(cpu("m1", "i-aaa")),
        hidden(labelled(cpu("m2", "i-bbb"), "B")),
        expr("e1", "METRICS()"),
        labelled(expr("e2", "METRICS()"), "All"),
    ]);
    assert_eq!(labels(&out, "e1"), vec!["CPUUtilization", "B"]);
    assert_eq!(labels(&out, "e2"), vec!["All CPUUtilization", "All B"]);
}

#[test]
fn statistics_and_properties_in_labels() {
    let out = ok(vec![
        labelled(lambda("m1", "Errors", "checkout"), "${LABEL} of ${PROP('Dim.FunctionName')} in ${PROP('Namespace')}: avg ${AVG}, min ${MIN}, max ${MAX}, sum ${SUM}, first ${FIRST}, last ${LAST}, n ${DATAPOINT_COUNT}"),
        labelled(lambda("m2", "Invocations", "checkout"), "${PROP('MetricName')} ${PROP('Stat')} ${PROP('Period')} ${PROP('AccountId')} ${PROP('Region')} ${PROP('Dim.Nope')}|"),
    ]);
    assert_eq!(
        labels(&out, "m1"),
        vec!["Errors of checkout in AWS/Lambda: avg 3, min 0, max 8, sum 15, first 1, last 0, n 5"]
    );
    assert_eq!(labels(&out, "m2"), vec!["Invocations Sum 300 123456789012 us-east-1 |"]);
}

/// "`+0130` indicates a time zone that is 1 hour and 30 minutes ahead of UTC": time values in labels.
#[test]
fn times_in_labels_follow_the_timezone() {
    let template = "${FIRST_TIME} ${LAST_TIME} ${MIN_TIME} ${MAX_TIME} ${FIRST_LAST_TIME_RANGE} ${LAST_TIME_RELATIVE}";
    let mut i = input(vec![labelled(lambda("m1", "Errors", "checkout"), template)]);
    let b = TestBackend::new();
    let utc = run_input(&b, &i).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        utc.metric_data_results[0].label,
        "2024-01-15T10:00:00Z 2024-01-15T10:25:00Z 2024-01-15T10:25:00Z 2024-01-15T10:15:00Z 25m 1h 35m"
    );
    i.label_options = Some(LabelOptions {
        timezone: Some("+0130".into()),
    });
    let shifted = run_input(&b, &i).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        shifted.metric_data_results[0]
            .label
            .starts_with("2024-01-15T11:30:00+01:30 2024-01-15T11:55:00+01:30"),
        "{}",
        shifted.metric_data_results[0].label
    );
    i.label_options = Some(LabelOptions {
        timezone: Some("-0800".into()),
    });
    let west = run_input(&b, &i).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        west.metric_data_results[0].label.starts_with("2024-01-15T02:00:00-08:00"),
        "{}",
        west.metric_data_results[0].label
    );
}

/// A single-series expression's `${LABEL}` is the label of the metric it came from, else its id.
#[test]
fn label_placeholder_in_expressions() {
    let out = ok(vec![
        hidden(gappy_query()),
        labelled(expr("e1", "FILL(m1, 0)"), "${LABEL} filled (${DATAPOINT_COUNT})"),
        labelled(expr("e2", "TIME_SERIES(1)"), "[${LABEL}]"),
    ]);
    assert_eq!(labels(&out, "e1"), vec!["Gappy filled (6)"]);
    assert_eq!(labels(&out, "e2"), vec!["[e2]"]);
}

fn gappy_query() -> cloudwatch::metrics::MetricDataQuery {
    doc("m1", "Doc/Sparse", "Gappy")
}
