//! Expressions taken verbatim (ids adapted where the page uses other names) from
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html>, each checked
//! against the semantics that page documents. Every test names the section it comes from.
//!
//! Data (see backend.rs): Lambda `Errors`/checkout = [1, 4, -, 8, 2, 0], `Invocations`/checkout =
//! [100, 200, 100, 400, 200, 100]; EC2 CPU i-aaa = [10..60 by 10], i-bbb = [50, 50, -, 50, 50, 50],
//! i-1234567890123456 = [90..40 by -10]; `Gappy` = [1.5, -, -, 7.5, -, -2.5].

use super::backend::*;

const PAGE: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html";

fn errors(id: &str) -> cloudwatch::metrics::MetricDataQuery {
    lambda(id, "Errors", "checkout")
}
fn invocations(id: &str) -> cloudwatch::metrics::MetricDataQuery {
    lambda(id, "Invocations", "checkout")
}
fn three_cpus() -> Vec<cloudwatch::metrics::MetricDataQuery> {
    vec![
        hidden(labelled(cpu("m1", "i-aaa"), "a")),
        hidden(labelled(cpu("m2", "i-bbb"), "b")),
        hidden(labelled(cpu("m3", "i-1234567890123456"), "c")),
    ]
}
fn gappy(id: &str) -> cloudwatch::metrics::MetricDataQuery {
    doc(id, "Doc/Sparse", "Gappy")
}
fn with(
    mut queries: Vec<cloudwatch::metrics::MetricDataQuery>,
    e: cloudwatch::metrics::MetricDataQuery,
) -> Vec<cloudwatch::metrics::MetricDataQuery> {
    queries.push(e);
    queries
}

/// "To add a math expression to a graph", step 5: `m1+m2` (missing values count as 0).
#[test]
fn m1_plus_m2() {
    let _ = PAGE;
    let out = ok(vec![hidden(errors("m1")), hidden(invocations("m2")), expr("e2", "m1+m2")]);
    assert_eq!(single(&out, "e2"), s(&[101.0, 204.0, 100.0, 408.0, 202.0, 100.0]));
    // The same with the gap on the left-hand side.
    let out = ok(vec![hidden(invocations("m1")), hidden(errors("m2")), expr("e2", "m1+m2")]);
    assert_eq!(single(&out, "e2"), s(&[101.0, 204.0, 100.0, 408.0, 202.0, 100.0]));
}

/// Step 5: `e1-MIN(e1)`, an expression using another expression.
#[test]
fn e1_minus_min_e1() {
    let out = ok(vec![
        hidden(cpu("m1", "i-aaa")),
        hidden(expr("e1", "m1*2")),
        expr("e2", "e1-MIN(e1)"),
    ]);
    assert_eq!(single(&out, "e2"), s(&[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]));
}

/// "The METRICS() function": `SUM(METRICS())` is one series, the sum of all metrics (not expressions).
#[test]
fn sum_of_metrics() {
    let out = ok(with(three_cpus(), expr("e1", "SUM(METRICS())")));
    assert_eq!(single(&out, "e1"), s(&[150.0, 150.0, 100.0, 150.0, 150.0, 150.0]));
}

/// "The METRICS() function": `METRICS()/100` is an array, each metric divided by 100.
#[test]
fn metrics_divided_by_100() {
    let out = ok(with(three_cpus(), expr("e1", "METRICS()/100")));
    assert_eq!(
        members(&out, "e1"),
        vec![
            ("a".to_string(), s(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6])),
            ("b".to_string(), vec![Some(0.5), Some(0.5), N, Some(0.5), Some(0.5), Some(0.5)]),
            ("c".to_string(), s(&[0.9, 0.8, 0.7, 0.6, 0.5, 0.4])),
        ]
    );
}

/// "The METRICS() function": `SUM(METRICS("errors"))` sums the metrics whose Id contains `errors`.
#[test]
fn sum_of_metrics_filtered_by_id() {
    let out = ok(vec![
        hidden(errors("errors_checkout")),
        hidden(lambda("errors_sync", "Errors", "ProjectA-sync")),
        hidden(invocations("requests")),
        expr("e1", r#"SUM(METRICS("errors"))"#),
    ]);
    assert_eq!(single(&out, "e1"), s(&[1.0, 5.0, 0.0, 9.0, 2.0, 1.0]));
}

/// "The METRICS() function": `SUM([METRICS(“4xx”), METRICS(“5xx”)])`, typographic quotes as printed.
#[test]
fn sum_of_two_metrics_filters() {
    let alb = |id: &str, name: &str| {
        hidden(metric_query(
            id,
            "AWS/ApplicationELB",
            name,
            &[("LoadBalancer", "app/shop/1")],
            "Sum",
        ))
    };
    let out = ok(vec![
        alb("http4xx", "HTTPCode_Target_4XX_Count"),
        alb("http5xx", "HTTPCode_Target_5XX_Count"),
        alb("requests", "RequestCount"),
        expr("e1", "SUM([METRICS(“4xx”), METRICS(“5xx”)])"),
    ]);
    assert_eq!(single(&out, "e1"), s(&[6.0, 5.0, 7.0, 5.0, 8.0, 5.0]));
}

/// "Basic arithmetic functions": `PERIOD(m1)/60` is a scalar; "the final result of any math expression
/// must be a single time series or an array of time series".
#[test]
fn period_over_60_is_a_scalar_and_not_a_result() {
    let e = err(vec![errors("m1"), expr("e1", "PERIOD(m1)/60")]);
    assert_eq!(e.code, "ValidationError");
    assert!(
        e.message.contains("Error in expression e1") && e.message.contains("scalar"),
        "{}",
        e.message
    );
    // Within a series expression it is the period in minutes.
    let out = ok(vec![hidden(errors("m1")), expr("e1", "TIME_SERIES(PERIOD(m1)/60)")]);
    assert_eq!(single(&out, "e1"), s(&[5.0; 6]));
}

/// "Basic arithmetic functions": `5 * m1`.
#[test]
fn five_times_m1() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "5 * m1")]);
    assert_eq!(
        single(&out, "e1"),
        vec![Some(5.0), Some(20.0), N, Some(40.0), Some(10.0), Some(0.0)]
    );
}

/// "Basic arithmetic functions": `m1 - m2`.
#[test]
fn m1_minus_m2() {
    let out = ok(vec![hidden(errors("m1")), hidden(invocations("m2")), expr("e1", "m1 - m2")]);
    assert_eq!(single(&out, "e1"), s(&[-99.0, -196.0, -100.0, -392.0, -198.0, -100.0]));
}

/// "Basic arithmetic functions": `SUM(100/[m1, m2])`; the division by m1's 0 at T5 is dropped ("If the
/// value of a data point causes a function to attempt to divide by zero, the data point is dropped").
#[test]
fn sum_of_100_over_array() {
    let out = ok(vec![
        hidden(errors("m1")),
        hidden(invocations("m2")),
        expr("e1", "SUM(100/[m1, m2])"),
    ]);
    assert_eq!(single(&out, "e1"), s(&[101.0, 25.5, 1.0, 12.75, 50.5, 1.0]));
    let r = results(&out, "e1")[0];
    assert_eq!(r.messages.first().and_then(|m| m.code.as_deref()), Some("ArithmeticError"));
}

/// "Basic arithmetic functions" and the AVG row: `AVG(METRICS())`, missing values treated as 0.
#[test]
fn avg_of_metrics_counts_missing_as_zero() {
    let out = ok(with(three_cpus(), expr("e1", "AVG(METRICS())")));
    assert_close(&single(&out, "e1"), &s(&[50.0, 50.0, 100.0 / 3.0, 50.0, 50.0, 50.0]));
}

/// "Basic arithmetic functions": `METRICS()*100`.
#[test]
fn metrics_times_100() {
    let out = ok(with(three_cpus(), expr("e1", "METRICS()*100")));
    let m = members(&out, "e1");
    assert_eq!(m.len(), 3);
    assert_eq!(
        m[1].1,
        vec![Some(5000.0), Some(5000.0), N, Some(5000.0), Some(5000.0), Some(5000.0)]
    );
}

/// "Basic arithmetic functions", unary subtraction: `-5*m1`.
#[test]
fn minus_five_times_m1() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "-5*m1")]);
    assert_eq!(
        single(&out, "e1"),
        vec![Some(-5.0), Some(-20.0), N, Some(-40.0), Some(-10.0), Some(0.0)]
    );
}

/// Unary subtraction: `-m1`.
#[test]
fn minus_m1() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "-m1")]);
    assert_eq!(
        single(&out, "e1"),
        vec![Some(-1.0), Some(-4.0), N, Some(-8.0), Some(-2.0), Some(0.0)]
    );
}

/// Unary subtraction: `SUM(-[m1, m2])`.
#[test]
fn sum_of_negated_array() {
    let out = ok(vec![hidden(errors("m1")), hidden(invocations("m2")), expr("e1", "SUM(-[m1, m2])")]);
    assert_eq!(single(&out, "e1"), s(&[-101.0, -204.0, -100.0, -408.0, -202.0, -100.0]));
}

fn comparison_pair() -> Vec<cloudwatch::metrics::MetricDataQuery> {
    vec![
        hidden(doc("metric1", "Doc/Comparison", "metric1")),
        hidden(doc("metric2", "Doc/Comparison", "metric2")),
    ]
}

/// "Comparison and logical operators" table: metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -];
/// `(metric1 < metric2)` = 0, 0, 1, 0.
#[test]
fn documented_less_than() {
    let out = ok(with(comparison_pair(), expr("e1", "(metric1 < metric2)")));
    assert_eq!(&single(&out, "e1")[..4], &s(&[0.0, 0.0, 1.0, 0.0])[..]);
}

/// Same table: `(metric1 >= 30)` = 1, 0, 0, 0.
#[test]
fn documented_greater_or_equal() {
    let out = ok(with(comparison_pair(), expr("e1", "(metric1 >= 30)")));
    assert_eq!(&single(&out, "e1")[..4], &s(&[1.0, 0.0, 0.0, 0.0])[..]);
}

/// Same table: `(metric1 > 15 AND metric2 > 15)` = 1, 0, 0, 0.
#[test]
fn documented_and() {
    let out = ok(with(comparison_pair(), expr("e1", "(metric1 > 15 AND metric2 > 15)")));
    assert_eq!(&single(&out, "e1")[..4], &s(&[1.0, 0.0, 0.0, 0.0])[..]);
    // `&&` is the same operator, `OR`/`||` the other one.
    let out = ok(with(
        comparison_pair(),
        expr("e1", "(metric1 > 15 && metric2 > 15) || metric1 == 0"),
    ));
    assert_eq!(&single(&out, "e1")[..4], &s(&[1.0, 0.0, 1.0, 1.0])[..]);
}

/// ABS: `ABS(m1-m2)`.
#[test]
fn abs_of_difference() {
    let out = ok(vec![hidden(errors("m1")), hidden(invocations("m2")), expr("e1", "ABS(m1-m2)")]);
    assert_eq!(single(&out, "e1"), s(&[99.0, 196.0, 100.0, 392.0, 198.0, 100.0]));
}

/// ABS: `MIN(ABS([m1, m2]))`.
#[test]
fn min_of_abs_array() {
    let out = ok(vec![
        hidden(errors("m1")),
        hidden(invocations("m2")),
        expr("e1", "MIN(ABS([m1, m2]))"),
    ]);
    assert_eq!(single(&out, "e1"), s(&[1.0, 4.0, 100.0, 8.0, 2.0, 0.0]));
}

/// ABS: `ABS(METRICS())`.
#[test]
fn abs_of_metrics() {
    let out = ok(vec![hidden(gappy("m1")), expr("e1", "ABS(METRICS())")]);
    assert_eq!(members(&out, "e1")[0].1, vec![Some(1.5), N, N, Some(7.5), N, Some(2.5)]);
}

fn load(id: &str) -> cloudwatch::metrics::MetricDataQuery {
    doc(id, "Doc/Anomaly", "Load")
}

/// ANOMALY_DETECTION_BAND: `ANOMALY_DETECTION_BAND(m1)`, two series (upper, lower), 2 standard deviations
/// by default. The metric's previous 14 days alternate 10 and 12 at every time of day: mean 11, σ 1.
#[test]
fn anomaly_detection_band_default() {
    let out = ok(vec![load("m1"), expr("ad1", "ANOMALY_DETECTION_BAND(m1)")]);
    let band = members(&out, "ad1");
    assert_eq!(band.len(), 2);
    assert_eq!(band[0], ("Load Upper Bound".to_string(), s(&[13.0; 6])));
    assert_eq!(band[1], ("Load Lower Bound".to_string(), s(&[9.0; 6])));
    assert_eq!(single(&out, "m1"), s(&[11.0, 11.0, 11.0, 20.0, 11.0, 11.0]));
}

/// ANOMALY_DETECTION_BAND: `ANOMALY_DETECTION_BAND(m1,4)`: four standard deviations.
#[test]
fn anomaly_detection_band_four_sigma() {
    let b = TestBackend::new();
    let out =
        run_input(&b, &input(vec![hidden(load("m1")), expr("ad1", "ANOMALY_DETECTION_BAND(m1,4)")])).unwrap_or_else(|e| panic!("{e}"));
    let band = members(&out, "ad1");
    assert_eq!(band[0].1, s(&[15.0; 6]));
    assert_eq!(band[1].1, s(&[7.0; 6]));
    // The history is one backend call, same statistic and period, over the 14 days before the range.
    let calls = b.calls.borrow();
    let history = calls
        .iter()
        .find(|c| c.start < start().unix_timestamp())
        .unwrap_or_else(|| panic!("no history call: {calls:?}"));
    assert_eq!((history.period, history.stat.to_string()), (300, "Average".to_string()));
    assert_eq!(history.start, start().unix_timestamp() - 14 * 86_400);
    assert_eq!(history.end, end().unix_timestamp() - 86_400);
}

/// FIRST/LAST: `LAST(ANOMALY_DETECTION_BAND(m1))` "returns the lower bound of the anomaly prediction band".
#[test]
fn last_of_band_is_lower_bound() {
    let out = ok(vec![hidden(load("m1")), expr("e1", "LAST(ANOMALY_DETECTION_BAND(m1))")]);
    assert_eq!(single(&out, "e1"), s(&[9.0; 6]));
}

/// AVG: `SUM([m1,m2])/AVG(m2)`; the AVG of one series is a scalar.
#[test]
fn sum_over_avg() {
    let out = ok(vec![
        hidden(cpu("m1", "i-aaa")),
        hidden(cpu("m2", "i-bbb")),
        expr("e1", "SUM([m1,m2])/AVG(m2)"),
    ]);
    assert_close(&single(&out, "e1"), &s(&[1.2, 1.4, 0.6, 1.8, 2.0, 2.2]));
}

fn latency(id: &str) -> cloudwatch::metrics::MetricDataQuery {
    metric_query(
        id,
        "AWS/ApplicationELB",
        "TargetResponseTime",
        &[("LoadBalancer", "app/shop/1")],
        "Average",
    )
}

/// CEIL: `CEIL(m1)`.
#[test]
fn ceil_of_m1() {
    let out = ok(vec![hidden(latency("m1")), expr("e1", "CEIL(m1)")]);
    assert_eq!(single(&out, "e1"), s(&[1.0; 6]));
}

/// CEIL: `CEIL(METRICS())`.
#[test]
fn ceil_of_metrics() {
    let out = ok(vec![hidden(gappy("m1")), expr("e1", "CEIL(METRICS())")]);
    assert_eq!(members(&out, "e1")[0].1, vec![Some(2.0), N, N, Some(8.0), N, Some(-2.0)]);
}

/// CEIL: `SUM(CEIL(METRICS()))`.
#[test]
fn sum_of_ceil_of_metrics() {
    let out = ok(vec![hidden(latency("m1")), hidden(gappy("m2")), expr("e1", "SUM(CEIL(METRICS()))")]);
    assert_eq!(single(&out, "e1"), s(&[3.0, 1.0, 1.0, 9.0, 1.0, -1.0]));
}

/// DATAPOINT_COUNT: `SUM(m1) / DATAPOINT_COUNT(m1)` divides two scalars (15 / 5): a scalar, which the
/// footnote of the functions table says cannot be the final result; inside TIME_SERIES it is the
/// average of the reported values.
#[test]
fn sum_over_datapoint_count() {
    let e = err(vec![errors("m1"), expr("e1", "SUM(m1) / DATAPOINT_COUNT(m1)")]);
    assert!(e.message.contains("scalar"), "{}", e.message);
    let out = ok(vec![hidden(errors("m1")), expr("e1", "TIME_SERIES(SUM(m1) / DATAPOINT_COUNT(m1))")]);
    assert_eq!(single(&out, "e1"), s(&[3.0; 6]));
}

/// DATAPOINT_COUNT: `DATAPOINT_COUNT(METRICS())`, per timestamp the number of metrics reporting.
#[test]
fn datapoint_count_of_metrics() {
    let out = ok(with(three_cpus(), expr("e1", "DATAPOINT_COUNT(METRICS())")));
    assert_eq!(single(&out, "e1"), s(&[3.0, 3.0, 2.0, 3.0, 3.0, 3.0]));
}

/// DIFF: `DIFF(m1)`, each value minus the preceding value.
#[test]
fn diff_of_m1() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "DIFF(m1)")]);
    assert_eq!(single(&out, "e1"), vec![N, Some(3.0), N, Some(4.0), Some(-6.0), Some(-2.0)]);
}

/// DIFF_TIME: `DIFF_TIME(METRICS())`, seconds since the preceding value.
#[test]
fn diff_time_of_metrics() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "DIFF_TIME(METRICS())")]);
    assert_eq!(
        members(&out, "e1")[0].1,
        vec![N, Some(300.0), N, Some(600.0), Some(300.0), Some(300.0)]
    );
}

/// FILL: `FILL(m1,10)`.
#[test]
fn fill_with_value() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "FILL(m1,10)")]);
    assert_eq!(single(&out, "e1"), s(&[1.0, 4.0, 10.0, 8.0, 2.0, 0.0]));
}

/// FILL: `FILL(METRICS(), 0)`, and the legend example of "To add a math expression to a graph", step 6:
/// a metric labelled `Errors` in an expression labelled `Filled With 0:` shows as `Filled With 0: Errors`.
#[test]
fn fill_metrics_with_zero_and_its_label() {
    let out = ok(vec![
        hidden(labelled(errors("m1"), "Errors")),
        labelled(expr("e1", "FILL(METRICS(), 0)"), "Filled With 0:"),
    ]);
    assert_eq!(
        members(&out, "e1"),
        vec![("Filled With 0: Errors".to_string(), s(&[1.0, 4.0, 0.0, 8.0, 2.0, 0.0]))]
    );
    // "To have the legend show only the original metric labels, set Expression-Label to be empty."
    let out = ok(vec![
        hidden(labelled(errors("m1"), "Errors")),
        labelled(expr("e1", "FILL(METRICS(), 0)"), ""),
    ]);
    assert_eq!(labels(&out, "e1"), vec!["Errors".to_string()]);
}

/// FILL: `FILL(METRICS(), m1)`, filled from another series.
#[test]
fn fill_metrics_from_a_series() {
    let out = ok(vec![
        hidden(labelled(cpu("m1", "i-aaa"), "a")),
        hidden(labelled(cpu("m2", "i-bbb"), "b")),
        expr("e1", "FILL(METRICS(), m1)"),
    ]);
    let m = members(&out, "e1");
    assert_eq!(m[0].1, s(&[10.0, 20.0, 30.0, 40.0, 50.0, 60.0]));
    assert_eq!(m[1].1, s(&[50.0, 50.0, 30.0, 50.0, 50.0, 50.0]));
}

/// FILL: `FILL(m1, MIN(m1))`.
#[test]
fn fill_with_minimum() {
    let out = ok(vec![hidden(gappy("m1")), expr("e1", "FILL(m1, MIN(m1))")]);
    assert_eq!(single(&out, "e1"), s(&[1.5, -2.5, -2.5, 7.5, -2.5, -2.5]));
}

/// FILL: `FILL(m1, REPEAT)`, the most recent actual value before the missing one.
#[test]
fn fill_repeat() {
    let out = ok(vec![hidden(gappy("m1")), expr("e1", "FILL(m1, REPEAT)")]);
    assert_eq!(single(&out, "e1"), s(&[1.5, 1.5, 1.5, 7.5, 7.5, -2.5]));
}

/// FILL: `FILL(METRICS(), LINEAR)`, a straight line between the values at the ends of each gap.
#[test]
fn fill_linear() {
    let out = ok(vec![hidden(gappy("m1")), expr("e1", "FILL(METRICS(), LINEAR)")]);
    assert_close(&members(&out, "e1")[0].1, &s(&[1.5, 3.5, 5.5, 7.5, 2.5, -2.5]));
}

/// FIRST/LAST: `IF(FIRST(SORT(METRICS(), AVG, DESC))>100, 1, 0)`: the metric with the highest average,
/// 1 where above 100.
#[test]
fn if_first_of_sorted() {
    let out = ok(vec![
        hidden(lambda("m1", "Invocations", "ProjectA-sync")),
        hidden(invocations("m2")),
        expr("e1", "IF(FIRST(SORT(METRICS(), AVG, DESC))>100, 1, 0)"),
    ]);
    assert_eq!(single(&out, "e1"), s(&[0.0, 1.0, 0.0, 1.0, 1.0, 0.0]));
}

/// FLOOR: `FLOOR(m1)`.
#[test]
fn floor_of_m1() {
    let out = ok(vec![hidden(gappy("m1")), expr("e1", "FLOOR(m1)")]);
    assert_eq!(single(&out, "e1"), vec![Some(1.0), N, N, Some(7.0), N, Some(-3.0)]);
}

/// FLOOR: `FLOOR(METRICS())`.
#[test]
fn floor_of_metrics() {
    let out = ok(vec![hidden(latency("m1")), hidden(gappy("m2")), expr("e1", "FLOOR(METRICS())")]);
    let m = members(&out, "e1");
    assert_eq!(m[0].1, s(&[0.0; 6]));
    assert_eq!(m[1].1, vec![Some(1.0), N, N, Some(7.0), N, Some(-3.0)]);
}

/// LOG: `LOG(METRICS())`, the natural logarithm; LOG(0) is not a number, so that point is dropped.
#[test]
fn log_of_metrics() {
    let out = ok(vec![hidden(invocations("m1")), hidden(errors("m2")), expr("e1", "LOG(METRICS())")]);
    let m = members(&out, "e1");
    assert_close(&m[0].1, &[100f64, 200.0, 100.0, 400.0, 200.0, 100.0].map(|v| Some(v.ln())));
    assert_close(&m[1].1, &[Some(0.0), Some(4f64.ln()), N, Some(8f64.ln()), Some(2f64.ln()), N]);
    assert_eq!(
        results(&out, "e1")[1].messages.first().and_then(|m| m.code.as_deref()),
        Some("ArithmeticError")
    );
}

/// LOG10: `LOG10(m1)`.
#[test]
fn log10_of_m1() {
    let out = ok(vec![hidden(invocations("m1")), expr("e1", "LOG10(m1)")]);
    assert_close(
        &single(&out, "e1"),
        &[100f64, 200.0, 100.0, 400.0, 200.0, 100.0].map(|v| Some(v.log10())),
    );
}

/// MAX: `MAX(m1)/m1`; the MAX of one series is a scalar.
#[test]
fn max_over_m1() {
    let out = ok(vec![hidden(invocations("m1")), expr("e1", "MAX(m1)/m1")]);
    assert_eq!(single(&out, "e1"), s(&[4.0, 2.0, 4.0, 1.0, 2.0, 4.0]));
}

/// MAX: `MAX(METRICS())`; the MAX of an array is one series.
#[test]
fn max_of_metrics() {
    let out = ok(with(three_cpus(), expr("e1", "MAX(METRICS())")));
    assert_eq!(single(&out, "e1"), s(&[90.0, 80.0, 70.0, 60.0, 50.0, 60.0]));
}

/// METRIC_COUNT: `m1/METRIC_COUNT(METRICS())`.
#[test]
fn m1_over_metric_count() {
    let out = ok(vec![
        hidden(invocations("m1")),
        hidden(lambda("m2", "Invocations", "ProjectA-sync")),
        expr("e1", "m1/METRIC_COUNT(METRICS())"),
    ]);
    assert_eq!(single(&out, "e1"), s(&[50.0, 100.0, 50.0, 200.0, 100.0, 50.0]));
}

/// MIN: `m1-MIN(m1)`.
#[test]
fn m1_minus_its_minimum() {
    let out = ok(vec![hidden(invocations("m1")), expr("e1", "m1-MIN(m1)")]);
    assert_eq!(single(&out, "e1"), s(&[0.0, 100.0, 0.0, 300.0, 100.0, 0.0]));
}

/// MIN: `MIN(METRICS())`.
#[test]
fn min_of_metrics() {
    let out = ok(with(three_cpus(), expr("e1", "MIN(METRICS())")));
    assert_eq!(single(&out, "e1"), s(&[10.0, 20.0, 30.0, 40.0, 50.0, 40.0]));
}

/// MINUTE..EPOCH: `MINUTE(m1)`, a non-sparse series of each timestamp's minute (even where m1 has none).
#[test]
fn minute_of_m1() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "MINUTE(m1)")]);
    assert_eq!(single(&out, "e1"), s(&[0.0, 5.0, 10.0, 15.0, 20.0, 25.0]));
    let out = ok(vec![hidden(errors("m1")), expr("e1", "HOUR(m1) + DATE(m1) / 100 + YEAR(m1) * 0")]);
    assert_close(&single(&out, "e1"), &s(&[10.15; 6]));
    let out = ok(vec![hidden(errors("m1")), expr("e1", "EPOCH(m1)")]);
    assert_eq!(single(&out, "e1"), (0..6).map(|i| Some(t(i) as f64)).collect::<Vec<_>>());
}

/// MINUTE..EPOCH: `IF(DAY(m1)<6,m1)` "returns metrics only from weekdays, Monday to Friday"
/// (2024-01-15 is a Monday: DAY = 1). DAY(m1) is non-sparse, so where m1 has no data point the IF rule
/// applies: "has the value of 0, if the corresponding data point of metric1 is TRUE and the
/// corresponding data point does not exist in metric2".
#[test]
fn weekdays_only() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "IF(DAY(m1)<6,m1)")]);
    assert_eq!(single(&out, "e1"), s(&[1.0, 4.0, 0.0, 8.0, 2.0, 0.0]));
    let out = ok(vec![hidden(errors("m1")), expr("e1", "DAY(m1)")]);
    assert_eq!(single(&out, "e1"), s(&[1.0; 6]));
}

/// MINUTE..EPOCH: `IF(MONTH(m1) == 4,m1)` "returns only metrics published in April" (none in January).
#[test]
fn april_only() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "IF(MONTH(m1) == 4,m1)")]);
    assert_eq!(single(&out, "e1"), vec![N; 6]);
}

/// PERIOD: `m1/PERIOD(m1)`.
#[test]
fn m1_per_second() {
    let out = ok(vec![hidden(invocations("m1")), expr("e1", "m1/PERIOD(m1)")]);
    assert_close(
        &single(&out, "e1"),
        &s(&[
            100.0 / 300.0,
            200.0 / 300.0,
            100.0 / 300.0,
            400.0 / 300.0,
            200.0 / 300.0,
            100.0 / 300.0,
        ]),
    );
    // "Valid input is metrics, not the results of other expressions."
    let e = err(vec![invocations("m1"), hidden(expr("e2", "m1*2")), expr("e1", "m1/PERIOD(e2)")]);
    assert!(e.message.contains("PERIOD"), "{}", e.message);
}

/// RATE: `RATE(m1)`, change per second between consecutive values.
#[test]
fn rate_of_m1() {
    let out = ok(vec![hidden(invocations("m1")), expr("e1", "RATE(m1)")]);
    assert_close(
        &single(&out, "e1"),
        &[
            N,
            Some(100.0 / 300.0),
            Some(-100.0 / 300.0),
            Some(1.0),
            Some(-200.0 / 300.0),
            Some(-100.0 / 300.0),
        ],
    );
}

/// RATE: `RATE(METRICS())`, the time difference is between the two values (600 s over the gap).
#[test]
fn rate_of_metrics() {
    let out = ok(vec![hidden(errors("m1")), expr("e1", "RATE(METRICS())")]);
    assert_close(
        &members(&out, "e1")[0].1,
        &[N, Some(0.01), N, Some(4.0 / 600.0), Some(-6.0 / 300.0), Some(-2.0 / 300.0)],
    );
}

/// REMOVE_EMPTY: `REMOVE_EMPTY(METRICS())`.
#[test]
fn remove_empty_metrics() {
    let out = ok(vec![
        hidden(errors("m1")),
        hidden(lambda("m2", "Errors", "ProjectB-report")),
        expr("e1", "REMOVE_EMPTY(METRICS())"),
    ]);
    assert_eq!(labels(&out, "e1"), vec!["Errors".to_string()]);
    let out = ok(vec![
        hidden(errors("m1")),
        hidden(lambda("m2", "Errors", "ProjectB-report")),
        expr("e1", "METRICS()"),
    ]);
    assert_eq!(results(&out, "e1").len(), 2);
}

/// RUNNING_SUM: `RUNNING_SUM([m1,m2])`.
#[test]
fn running_sum_of_array() {
    let out = ok(vec![
        hidden(errors("m1")),
        hidden(lambda("m2", "Errors", "ProjectA-sync")),
        expr("e1", "RUNNING_SUM([m1,m2])"),
    ]);
    let m = members(&out, "e1");
    assert_eq!(m[0].1, vec![Some(1.0), Some(5.0), N, Some(13.0), Some(15.0), Some(15.0)]);
    assert_eq!(m[1].1, s(&[0.0, 1.0, 1.0, 2.0, 2.0, 3.0]));
}

fn seven_cpus() -> Vec<cloudwatch::metrics::MetricDataQuery> {
    let by_type = |id: &str, ty: &str| {
        hidden(labelled(
            metric_query(id, "AWS/EC2", "CPUUtilization", &[("InstanceType", ty)], "Average"),
            ty,
        ))
    };
    vec![
        hidden(labelled(cpu("m1", "i-aaa"), "i-aaa")),
        hidden(labelled(cpu("m2", "i-bbb"), "i-bbb")),
        hidden(labelled(cpu("m3", "i-1234567890123456"), "i-123")),
        by_type("m4", "t2.micro"),
        by_type("m5", "t3.large"),
        by_type("m6", "t3.micro"),
        hidden(labelled(metric_query("m7", "AWS/EC2", "CPUUtilization", &[], "Average"), "all")),
    ]
}

/// SLICE: `SLICE(SORT(METRICS(), SUM, DESC), 0, 10)`, the (up to) 10 metrics with the highest SUM.
#[test]
fn slice_top_ten_by_sum() {
    let out = ok(with(three_cpus(), expr("e1", "SLICE(SORT(METRICS(), SUM, DESC), 0, 10)")));
    assert_eq!(labels(&out, "e1"), vec!["c", "b", "a"]);
}

/// SLICE: `SLICE(SORT(METRICS(), AVG, ASC), 5)`, all but the 5 with the lowest AVG.
#[test]
fn slice_all_but_lowest_five() {
    let out = ok(with(seven_cpus(), expr("e1", "SLICE(SORT(METRICS(), AVG, ASC), 5)")));
    assert_eq!(labels(&out, "e1"), vec!["i-123", "t3.large"]);
}

/// SORT: `SORT(METRICS(), AVG, DESC, 10)`, highest averages first, at most 10.
#[test]
fn sort_by_average_descending() {
    let out = ok(with(seven_cpus(), expr("e1", "SORT(METRICS(), AVG, DESC, 10)")));
    assert_eq!(
        labels(&out, "e1"),
        vec!["t3.large", "i-123", "i-bbb", "all", "t2.micro", "i-aaa", "t3.micro"]
    );
    let out = ok(with(seven_cpus(), expr("e1", "SORT(METRICS(), AVG, DESC, 2)")));
    assert_eq!(labels(&out, "e1"), vec!["t3.large", "i-123"]);
}

/// SORT: `SORT(METRICS(), MAX, ASC)`.
#[test]
fn sort_by_maximum_ascending() {
    let out = ok(with(three_cpus(), expr("e1", "SORT(METRICS(), MAX, ASC)")));
    assert_eq!(labels(&out, "e1"), vec!["b", "a", "c"]);
}

/// STDDEV: `m1/STDDEV(m1)` (population standard deviation of 10..60 is √(875/3)).
#[test]
fn m1_over_stddev() {
    let out = ok(vec![hidden(cpu("m1", "i-aaa")), expr("e1", "m1/STDDEV(m1)")]);
    let sd = (875.0f64 / 3.0).sqrt();
    assert_close(&single(&out, "e1"), &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0].map(|v| Some(v / sd)));
}

/// STDDEV: `STDDEV(METRICS())`, per timestamp over the metrics reporting.
#[test]
fn stddev_of_metrics() {
    let out = ok(vec![
        hidden(cpu("m1", "i-aaa")),
        hidden(cpu("m2", "i-bbb")),
        expr("e1", "STDDEV(METRICS())"),
    ]);
    assert_close(&single(&out, "e1"), &s(&[20.0, 15.0, 0.0, 5.0, 0.0, 5.0]));
}

/// SUM: `SUM(METRICS())/SUM(m1)`.
#[test]
fn sum_of_metrics_over_sum_of_m1() {
    let out = ok(vec![
        hidden(errors("m1")),
        hidden(lambda("m2", "Errors", "ProjectA-sync")),
        expr("e1", "SUM(METRICS())/SUM(m1)"),
    ]);
    assert_close(&single(&out, "e1"), &[1.0, 5.0, 0.0, 9.0, 2.0, 1.0].map(|v| Some(v / 15.0)));
}

/// SUM: `SUM([m1,m2])`.
#[test]
fn sum_of_pair() {
    let out = ok(vec![
        hidden(errors("m1")),
        hidden(lambda("m2", "Errors", "ProjectA-sync")),
        expr("e1", "SUM([m1,m2])"),
    ]);
    assert_eq!(single(&out, "e1"), s(&[1.0, 5.0, 0.0, 9.0, 2.0, 1.0]));
}

/// SUM: `SUM(METRICS("errors"))/SUM(METRICS("requests"))*100`, an error rate in percent.
#[test]
fn error_rate_from_id_filters() {
    let out = ok(vec![
        hidden(errors("errors_a")),
        hidden(lambda("errors_b", "Errors", "ProjectA-sync")),
        hidden(invocations("requests_a")),
        hidden(lambda("requests_b", "Invocations", "ProjectA-sync")),
        expr("e1", r#"SUM(METRICS("errors"))/SUM(METRICS("requests"))*100"#),
    ]);
    let want = [(1.0, 110.0), (5.0, 220.0), (0.0, 130.0), (9.0, 440.0), (2.0, 250.0), (1.0, 160.0)].map(|(e, r)| Some(e / r * 100.0));
    assert_close(&single(&out, "e1"), &want);
}

/// TIME_SERIES: `TIME_SERIES(MAX(m1))`.
#[test]
fn time_series_of_max() {
    let out = ok(vec![hidden(invocations("m1")), expr("e1", "TIME_SERIES(MAX(m1))")]);
    assert_eq!(single(&out, "e1"), s(&[400.0; 6]));
}

/// TIME_SERIES: `TIME_SERIES(5*AVG(m1))`.
#[test]
fn time_series_of_five_averages() {
    let out = ok(vec![hidden(invocations("m1")), expr("e1", "TIME_SERIES(5*AVG(m1))")]);
    assert_close(&single(&out, "e1"), &s(&[5.0 * 1100.0 / 6.0; 6]));
}

/// TIME_SERIES: `TIME_SERIES(10)`, non-sparse, alone in the request.
#[test]
fn time_series_of_ten() {
    let out = ok(vec![expr("e1", "TIME_SERIES(10)")]);
    assert_eq!(single(&out, "e1"), s(&[10.0; 6]));
}

fn if_inputs() -> Vec<cloudwatch::metrics::MetricDataQuery> {
    vec![
        hidden(doc("metric1", "Doc/If", "metric1")),
        hidden(doc("metric2", "Doc/If", "metric2")),
        hidden(doc("metric3", "Doc/If", "metric3")),
    ]
}

/// "Using IF expressions": metric1 = [1, 1, 0, 0, -], metric2 = [30, -, 0, 0, 30], metric3 =
/// [0, 0, 20, -, 20]; `IF(metric1, metric2, metric3)` = [30, 0, 20, -, -].
#[test]
fn if_series_series_series() {
    let out = ok(with(if_inputs(), expr("e1", "IF(metric1, metric2, metric3)")));
    assert_eq!(single(&out, "e1"), vec![Some(30.0), Some(0.0), Some(20.0), N, N, N]);
}

/// "Using IF expressions": `IF(metric1, scalar2, metric3)` with scalar2 = 5 gives [5, 5, 20, -, -].
#[test]
fn if_series_scalar_series() {
    let out = ok(with(if_inputs(), expr("e1", "IF(metric1, 5, metric3)")));
    assert_eq!(single(&out, "e1"), vec![Some(5.0), Some(5.0), Some(20.0), N, N, N]);
}

/// "Using IF expressions": `IF(metric1, metric2, scalar3)` with scalar3 = 5 gives [30, 0, 5, 5, -].
#[test]
fn if_series_series_scalar() {
    let out = ok(with(if_inputs(), expr("e1", "IF(metric1, metric2, 5)")));
    assert_eq!(single(&out, "e1"), vec![Some(30.0), Some(0.0), Some(5.0), Some(5.0), N, N]);
}

/// "Using IF expressions": `IF(scalar1, metric2, metric3)`; without metric3 a false scalar gives an
/// empty time series.
#[test]
fn if_scalar_condition() {
    let out = ok(with(if_inputs(), expr("e1", "IF(1, metric2, metric3)")));
    assert_eq!(single(&out, "e1"), vec![Some(30.0), N, Some(0.0), Some(0.0), Some(30.0), N]);
    let out = ok(with(if_inputs(), expr("e1", "IF(0, metric2)")));
    assert_eq!(single(&out, "e1"), vec![N; 6]);
}

/// "Use case examples for IF expressions": `IF(metric1<400, metric1)` displays only the low values.
#[test]
fn if_low_values_only() {
    let out = ok(vec![
        hidden(doc("metric1", "Doc/If", "Low")),
        expr("e1", "IF(metric1<400, metric1)"),
    ]);
    assert_eq!(single(&out, "e1"), vec![Some(100.0), N, Some(300.0), N, N, Some(200.0)]);
}

/// "Use case examples for IF expressions": `IF(metric1<400, 10, 2)`.
#[test]
fn if_highs_and_lows() {
    let out = ok(vec![hidden(doc("metric1", "Doc/If", "Low")), expr("e1", "IF(metric1<400, 10, 2)")]);
    assert_eq!(
        single(&out, "e1"),
        vec![Some(10.0), Some(2.0), Some(10.0), Some(2.0), N, Some(10.0)]
    );
}

/// "Use case examples for IF expressions": `IF(latency>threshold, 1, 0)`.
#[test]
fn if_latency_over_threshold() {
    let out = ok(vec![
        hidden(latency("latency")),
        hidden(expr("threshold", "TIME_SERIES(0.35)")),
        expr("e1", "IF(latency>threshold, 1, 0)"),
    ]);
    assert_eq!(single(&out, "e1"), s(&[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]));
}

/// INSIGHT_RULE_METRIC and SERVICE_QUOTA are in the functions table but need Contributor Insights and
/// Service Quotas: a ValidationError naming the function, never an empty series.
#[test]
fn functions_this_source_cannot_compute() {
    for (text, name) in [
        (r#"INSIGHT_RULE_METRIC("rule", "UniqueContributors")"#, "INSIGHT_RULE_METRIC"),
        ("SERVICE_QUOTA(m1)", "SERVICE_QUOTA"),
        (r#"LAMBDA("fn", m1)"#, "LAMBDA"),
        ("SQRT(m1)", "SQRT"),
        ("m1 + PERCENTILE(m1, 90)", "PERCENTILE"),
    ] {
        let e = err(vec![errors("m1"), expr("e1", text)]);
        assert_eq!(e.code, "ValidationError", "{text}");
        assert!(e.message.contains(name) && e.message.contains("e1"), "{text}: {}", e.message);
    }
}
