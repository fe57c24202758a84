//! Request validation with CloudWatch's codes and messages
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html>), and the
//! time rules of <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html>.

use cloudwatch::metrics::{LabelOptions, StatusCode};
use cloudwatch::ErrorKind;
use time::Duration;

use super::backend::*;

#[test]
fn bad_period() {
    let mut q = cpu("m1", "i-aaa");
    if let Some(ms) = q.metric_stat.as_mut() {
        ms.period = 45;
    }
    let e = err(vec![q]);
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(
        e.message
            .starts_with("The value 45 for parameter MetricDataQueries.member.1.MetricStat.Period is not a valid period."),
        "{}",
        e.message
    );
    let mut x = expr("e1", "TIME_SERIES(1)");
    x.period = Some(90);
    let e = err(vec![x]);
    assert!(e.message.contains("MetricDataQueries.member.1.Period"), "{}", e.message);
    for p in [1, 5, 10, 30, 60, 120, 86_400] {
        let mut q = cpu("m1", "i-aaa");
        if let Some(ms) = q.metric_stat.as_mut() {
            ms.period = p;
        }
        assert!(run(vec![q]).is_ok(), "{p}");
    }
}

#[test]
fn bad_statistic() {
    for stat in ["p101", "average", "TM(90%:10%)", "tm(10%:90%)", "PR(10%:)"] {
        let e = err(vec![
            cpu("m0", "i-aaa"),
            metric_query("m1", "AWS/EC2", "CPUUtilization", &[("InstanceId", "i-aaa")], stat),
        ]);
        assert_eq!(e.code, "ValidationError");
        assert_eq!(
            e.message,
            format!("The value {stat} for parameter MetricDataQueries.member.2.MetricStat.Stat is not a valid statistic.")
        );
    }
}

#[test]
fn too_many_queries() {
    let queries = |n: usize| (0..n).map(|i| cpu(&format!("m{i}"), "i-aaa")).collect::<Vec<_>>();
    let e = err(queries(501));
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("less than or equal to 500"), "{}", e.message);
    assert_eq!(ok(queries(500)).metric_data_results.len(), 500);
    let e = err(Vec::new());
    assert_eq!(e.code, "MissingParameter");
}

#[test]
fn too_many_datapoints() {
    let mut i = input(vec![metric_query("m1", "Doc/Clock", "Minute", &[], "Average")]);
    if let Some(ms) = i.metric_data_queries[0].metric_stat.as_mut() {
        ms.period = 60;
    }
    i.end_time = now();
    i.start_time = now() - Duration::days(71);
    let e = run_input(&TestBackend::new(), &i).expect_err("71 days at one minute");
    assert_eq!(e.code, "InvalidParameterCombination");
    assert_eq!(
        e.message,
        "You have requested up to 102240 datapoints, which exceeds the limit of 100800. You may reduce the datapoints requested by increasing Period, or decreasing the time range."
    );
    // Exactly 100,800 periods is allowed (retention then keeps only the last 15 days at one minute).
    i.start_time = now() - Duration::days(70);
    let out = run_input(&TestBackend::new(), &i).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.metric_data_results[0].values.len(), 15 * 1440);
}

#[test]
fn duplicate_id() {
    let e = err(vec![cpu("m1", "i-aaa"), cpu("m1", "i-bbb")]);
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "ValidationError",
            "The values for parameter id in MetricDataQueries are not unique."
        )
    );
}

#[test]
fn bad_ids() {
    for (i, id) in ["M1", "1m", "m-1", "", "_m", "m1 "].iter().enumerate() {
        let e = err(vec![cpu("ok", "i-aaa"), cpu(id, "i-bbb")]);
        assert_eq!(e.code, "ValidationError", "{i}");
        assert_eq!(
            e.message,
            format!(
                "The value {id} for parameter MetricDataQueries.member.2.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$."
            )
        );
    }
    assert!(run(vec![cpu(&format!("m{}", "x".repeat(254)), "i-aaa")]).is_ok());
    assert!(run(vec![cpu(&format!("m{}", "x".repeat(255)), "i-aaa")]).is_err());
}

#[test]
fn cycles_between_expressions() {
    let e = err(vec![cpu("m1", "i-aaa"), expr("e1", "e2 + m1"), expr("e2", "e1 * 2")]);
    assert_eq!(e.code, "ValidationError");
    assert_eq!(
        e.message,
        "Error in expression e1: Circular dependency between expressions: e1 -> e2 -> e1"
    );
    let e = err(vec![expr("e1", "e1 + 1")]);
    assert!(e.message.contains("e1 -> e1"), "{}", e.message);
    // A chain is fine whatever the order of the queries.
    let out = ok(vec![
        expr("e3", "e2 + 1"),
        hidden(expr("e2", "e1 * 2")),
        hidden(expr("e1", "m1")),
        hidden(cpu("m1", "i-aaa")),
    ]);
    assert_eq!(single(&out, "e3"), s(&[21.0, 41.0, 61.0, 81.0, 101.0, 121.0]));
}

#[test]
fn unknown_id_in_expression() {
    let e = err(vec![cpu("m1", "i-aaa"), expr("e1", "m1 + m3")]);
    assert_eq!(e.code, "ValidationError");
    assert_eq!(
        e.message,
        "Error in expression e1 at position 6: Unknown metric or expression id m3"
    );
}

#[test]
fn nothing_returned() {
    let e = err(vec![hidden(cpu("m1", "i-aaa")), hidden(expr("e1", "m1 * 2"))]);
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("ReturnData"), "{}", e.message);
}

#[test]
fn exactly_one_of_metric_stat_and_expression() {
    let mut both = cpu("m1", "i-aaa");
    both.expression = Some("m1".into());
    let e = err(vec![both]);
    assert_eq!(e.code, "InvalidParameterCombination");
    assert_eq!(
        e.message,
        "The parameters MetricDataQueries.member.1.Expression and MetricDataQueries.member.1.MetricStat are mutually exclusive and you have specified both."
    );
    let mut neither = cpu("m1", "i-aaa");
    neither.metric_stat = None;
    assert_eq!(err(vec![neither]).code, "MissingParameter");
}

#[test]
fn time_range_and_paging_parameters() {
    let b = TestBackend::new();
    let mut i = input(vec![cpu("m1", "i-aaa")]);
    i.end_time = i.start_time;
    let e = run_input(&b, &i).expect_err("empty range");
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "InvalidParameterValue",
            "The parameter StartTime must be less than the parameter EndTime."
        )
    );
    let mut i = input(vec![cpu("m1", "i-aaa")]);
    i.max_datapoints = Some(0);
    assert_eq!(
        run_input(&b, &i).map_err(|e| e.code).err().as_deref(),
        Some("InvalidParameterValue")
    );
    let mut i = input(vec![cpu("m1", "i-aaa")]);
    i.label_options = Some(LabelOptions {
        timezone: Some("CET".into()),
    });
    let e = run_input(&b, &i).expect_err("bad timezone");
    assert!(e.message.contains("LabelOptions.Timezone"), "{}", e.message);
}

#[test]
fn metric_stat_fields() {
    let mut q = cpu("m1", "i-aaa");
    if let Some(ms) = q.metric_stat.as_mut() {
        ms.unit = Some("Furlongs".into());
    }
    let e = err(vec![q]);
    assert!(e.message.contains("MetricStat.Unit"), "{}", e.message);
    let mut q = cpu("m1", "i-aaa");
    if let Some(ms) = q.metric_stat.as_mut() {
        ms.metric.metric_name = None;
    }
    let e = err(vec![q]);
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "MissingParameter",
            "The parameter MetricDataQueries.member.1.MetricStat.Metric.MetricName is required."
        )
    );
    // The unit is passed on.
    let b = TestBackend::new();
    let mut q = cpu("m1", "i-aaa");
    if let Some(ms) = q.metric_stat.as_mut() {
        ms.unit = Some("Percent".into());
    }
    run_input(&b, &input(vec![q])).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.calls.borrow()[0].unit.as_deref(), Some("Percent"));
}

#[test]
fn expression_errors_have_positions() {
    for (text, pos) in [
        ("m1 +* 2", 5),
        ("(m1", 4),
        ("m1 = 2", 4),
        ("AVG(m1", 7),
        ("FILL(m1, SIDEWAYS)", 10),
        ("SORT(METRICS(), MEDIAN, ASC)", 17),
    ] {
        let e = err(vec![cpu("m1", "i-aaa"), expr("e1", text)]);
        assert_eq!(e.code, "ValidationError", "{text}");
        assert!(
            e.message.starts_with(&format!("Error in expression e1 at position {pos}:")),
            "{text}: {}",
            e.message
        );
    }
    let e = err(vec![cpu("m1", "i-aaa"), expr("e1", &format!("m1{}", " ".repeat(2100)))]);
    assert!(e.message.contains("2048"), "{}", e.message);
    let e = err(vec![cpu("m1", "i-aaa"), expr("e1", "ABS(m1, m1)")]);
    assert!(e.message.contains("ABS takes 1 arguments, not 2"), "{}", e.message);
    let e = err(vec![cpu("m1", "i-aaa"), expr("e1", "METRICS() + METRICS()")]);
    assert!(e.message.contains("two arrays"), "{}", e.message);
    let e = err(vec![cpu("m1", "i-aaa"), expr("e1", "SELECT AVG(CPUUtilization) FROM \"AWS/EC2\"")]);
    assert_eq!((e.code.as_str(), e.kind), ("UnsupportedOperation", ErrorKind::Unsupported));
}

/// "Start time between 3 hours and 15 days ago - Use a multiple of 60 seconds ... or no data points in
/// that time range is returned": at one minute nothing older than 15 days comes back.
#[test]
fn retention_by_period() {
    let b = TestBackend::new();
    let run_at = |period: i64, from: time::OffsetDateTime, to: time::OffsetDateTime| {
        let mut i = input(vec![metric_query("m1", "Doc/Clock", "Minute", &[], "Average")]);
        if let Some(ms) = i.metric_data_queries[0].metric_stat.as_mut() {
            ms.period = period;
        }
        (i.start_time, i.end_time) = (from, to);
        let out = run_input(&b, &i).unwrap_or_else(|e| panic!("{e}"));
        out.metric_data_results[0].timestamps.clone()
    };
    let from = now() - Duration::days(16);
    let to = now() - Duration::days(15) + Duration::hours(1);
    let at_minute = run_at(60, from, to);
    assert_eq!(at_minute.len(), 60);
    assert!(at_minute.iter().all(|t| *t >= now() - Duration::days(15)));
    assert_eq!(run_at(300, from, to).len(), 300);
    // Periods under a minute: the last three hours only.
    let at_ten = run_at(10, now() - Duration::hours(4), now());
    assert_eq!(at_ten.len(), 3 * 360);
    // What is still in the future has no data.
    assert_eq!(run_at(60, now() - Duration::hours(1), now() + Duration::hours(1)).len(), 60);
}

/// "Start time less than 15 days ago - Round down to the nearest whole minute."
#[test]
fn start_time_is_rounded_down() {
    let b = TestBackend::new();
    let mut i = input(vec![cpu("m1", "i-aaa")]);
    i.start_time = start() + Duration::seconds(2 * 60 + 34);
    if let Some(ms) = i.metric_data_queries[0].metric_stat.as_mut() {
        ms.period = 60;
    }
    run_input(&b, &i).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.calls.borrow()[0].start, start().unix_timestamp() + 120);
}

#[test]
fn other_accounts_are_forbidden_and_backend_errors_pass_through() {
    let mut q = cpu("m1", "i-aaa");
    q.account_id = Some("999999999999".into());
    let out = ok(vec![q, cpu("m2", "i-bbb")]);
    let r = &out.metric_data_results[0];
    assert_eq!((r.status_code, r.values.len()), (StatusCode::Forbidden, 0));
    assert_eq!(r.messages[0].code.as_deref(), Some("Forbidden"));
    assert_eq!(out.metric_data_results[1].status_code, StatusCode::Complete);
    let mut q = cpu("m1", "i-aaa");
    q.account_id = Some(metricmath::DEFAULT_ACCOUNT_ID.into());
    assert_eq!(ok(vec![q]).metric_data_results[0].values.len(), 6);
    let e = err(vec![metric_query("m1", "Test/Failing", "Down", &[], "Sum")]);
    assert_eq!(e.code, "InternalServiceError");
}
