//! `SEARCH` expressions taken verbatim (ids adapted) from
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html> (SYNTAX),
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-examples.html>
//! (EXAMPLES) and <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html>,
//! run over the test catalogue (backend.rs) and checked against what those pages say they find.

use cloudwatch::metrics::GetMetricDataOutput;
use metricmath::{Backend, Options};

use super::backend::*;

const SYNTAX: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html";
const EXAMPLES: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-examples.html";

fn search(text: &str) -> GetMetricDataOutput {
    ok(vec![expr("e1", text)])
}

/// The labels of what a search found (one empty result with the id as label when it found nothing).
fn found(text: &str) -> Vec<String> {
    let out = search(text);
    let rs = results(&out, "e1");
    if rs.len() == 1 && rs[0].values.is_empty() && rs[0].label == "e1" {
        return Vec::new();
    }
    rs.iter().map(|r| r.label.clone()).collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const INSTANCES: [&str; 3] = ["i-aaa", "i-bbb", "i-1234567890123456"];

/// SYNTAX, the format's example: `SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average')`,
/// every `CPUUtilization` of the `AWS/EC2` metrics whose dimension is `InstanceId`, labelled by instance.
#[test]
fn syntax_schema_and_metric_name() {
    let _ = (SYNTAX, EXAMPLES);
    let out = search(r#"SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average')"#);
    assert_eq!(
        members(&out, "e1"),
        vec![
            ("i-aaa".to_string(), s(&[10.0, 20.0, 30.0, 40.0, 50.0, 60.0])),
            (
                "i-bbb".to_string(),
                vec![Some(50.0), Some(50.0), N, Some(50.0), Some(50.0), Some(50.0)]
            ),
            ("i-1234567890123456".to_string(), s(&[90.0, 80.0, 70.0, 60.0, 50.0, 40.0])),
        ]
    );
}

/// SYNTAX: the statistic and the optional period are what the backend is asked for.
#[test]
fn search_statistic_and_period_reach_the_backend() {
    for (text, stat, period) in [
        (
            r#"SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average', 300)"#,
            "Average",
            300,
        ),
        (
            r#"SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'p99', 60)"#,
            "p99",
            60,
        ),
        (
            r#"SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'TM(10%:90%)', 3600)"#,
            "TM(10%:90%)",
            3600,
        ),
    ] {
        let b = TestBackend::new();
        run_input(&b, &input(vec![expr("e1", text)])).unwrap_or_else(|e| panic!("{text}: {e}"));
        let calls = b.calls.borrow();
        assert_eq!(calls.len(), 3, "{text}");
        assert!(
            calls.iter().all(|c| c.stat.to_string() == stat && c.period == period),
            "{text}: {calls:?}"
        );
    }
    // Without a period argument the query's Period decides.
    let b = TestBackend::new();
    let mut q = expr("e1", r#"SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Maximum')"#);
    q.period = Some(600);
    run_input(&b, &input(vec![q])).unwrap_or_else(|e| panic!("{e}"));
    assert!(b.calls.borrow().iter().all(|c| c.period == 600));
    let e = err(vec![expr("e1", r#"SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Avg')"#)]);
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("The value Avg is not a valid statistic."), "{}", e.message);
}

/// SYNTAX, "Exact matches": `SEARCH(' {MyNamespace}, "CustomCount1" ', 'Maximum')` finds `CustomCount1`.
#[test]
fn exact_match_in_schema() {
    assert_eq!(
        found(r#"SEARCH(' {MyNamespace}, "CustomCount1" ', 'Maximum')"#),
        strings(&["CustomCount1"])
    );
}

/// SYNTAX, "Exact matches": `SEARCH(' {MyNamespace}, "customcount1" ', 'Maximum')` does not find it.
#[test]
fn exact_match_is_case_sensitive() {
    assert!(found(r#"SEARCH(' {MyNamespace}, "customcount1" ', 'Maximum')"#).is_empty());
}

/// SYNTAX, "Exact matches": `SEARCH(' {MyNamespace}, "Custom" ', 'Maximum')` does not find it either.
#[test]
fn exact_match_is_whole() {
    assert!(found(r#"SEARCH(' {MyNamespace}, "Custom" ', 'Maximum')"#).is_empty());
}

/// SYNTAX, "Exact matches": `SEARCH(' {AWS/NetworkELB, LoadBalancer} "ConsumedLCUs" OR flow ', 'Maximum')`
/// returns `ConsumedLCUs` and every metric with the token `flow`.
#[test]
fn exact_or_partial() {
    assert_eq!(
        found(r#"SEARCH(' {AWS/NetworkELB, LoadBalancer} "ConsumedLCUs" OR flow ', 'Maximum')"#),
        strings(&["net/edge/1 ConsumedLCUs", "net/edge/1 ActiveFlowCount", "net/edge/1 NewFlowCount"])
    );
}

/// SYNTAX, "Exact matches": special characters, quoted names in the schema.
#[test]
fn special_characters() {
    assert_eq!(
        found(r#"SEARCH(' {"My Namespace", "Dimension@Name"}, "Custom:Name[Special_Characters" ', 'Maximum')"#),
        strings(&["x"])
    );
}

/// SYNTAX, "Excluding a metric schema": `SEARCH(' "CPUUtilization" ', 'Average')`, every namespace.
#[test]
fn exact_match_without_schema() {
    assert_eq!(found(r#"SEARCH(' "CPUUtilization" ', 'Average')"#).len(), 9);
}

/// SYNTAX, "Excluding a metric schema": `SEARCH(' {AWS/EC2, InstanceType} "CPUUtilization" ', 'Average')`.
#[test]
fn exact_match_narrowed_by_schema() {
    assert_eq!(
        found(r#"SEARCH(' {AWS/EC2, InstanceType} "CPUUtilization" ', 'Average')"#),
        strings(&["t2.micro", "t3.large", "t3.micro"])
    );
}

/// SYNTAX, "Excluding a metric schema": `SEARCH(' "AWS/EC2" MetricName="CPUUtilization" ', 'Average')`.
#[test]
fn namespace_as_exact_term() {
    assert_eq!(found(r#"SEARCH(' "AWS/EC2" MetricName="CPUUtilization" ', 'Average')"#).len(), 7);
}

/// SYNTAX, "Specifying property names": `SEARCH(' "CustomCount1" ', 'Maximum')`.
#[test]
fn exact_term_anywhere() {
    assert_eq!(found(r#"SEARCH(' "CustomCount1" ', 'Maximum')"#), strings(&["CustomCount1"]));
}

/// SYNTAX, "Specifying property names": `SEARCH(' MetricName="CustomCount1" ', 'Maximum')`.
#[test]
fn metric_name_designator() {
    assert_eq!(
        found(r#"SEARCH(' MetricName="CustomCount1" ', 'Maximum')"#),
        strings(&["CustomCount1"])
    );
}

/// SYNTAX, "Specifying property names": `SEARCH(' InstanceType=micro ', 'Average')`, a partial match on
/// a dimension.
#[test]
fn dimension_designator_partial() {
    assert_eq!(
        found(r#"SEARCH(' InstanceType=micro ', 'Average')"#),
        strings(&["t2.micro", "t3.micro"])
    );
}

/// SYNTAX, "Specifying property names": `SEARCH(' InstanceType="t2.micro" Namespace="AWS/EC2" ', 'Average')`.
#[test]
fn dimension_and_namespace_designators_exact() {
    assert_eq!(
        found(r#"SEARCH(' InstanceType="t2.micro" Namespace="AWS/EC2" ', 'Average')"#),
        strings(&["t2.micro"])
    );
}

/// SYNTAX, "Boolean operators": `SEARCH('{AWS/EC2,InstanceId} network AND packets', 'Average')` and the
/// implicit AND of `SEARCH(' {AWS/EC2,InstanceId} network packets ', 'Average')` find the same.
#[test]
fn explicit_and_implicit_and() {
    let explicit = found(r#"SEARCH('{AWS/EC2,InstanceId} network AND packets', 'Average')"#);
    assert_eq!(explicit, strings(&["i-aaa"]));
    assert_eq!(found(r#"SEARCH(' {AWS/EC2,InstanceId} network packets ', 'Average')"#), explicit);
    let out = search(r#"SEARCH(' {AWS/EC2,InstanceId} network packets ', 'Average')"#);
    assert_eq!(single(&out, "e1"), s(&[10.0; 6]));
}

/// SYNTAX, "Boolean operators": `... MetricName="CPUUtilization" NOT i-1234567890123456 ...` excludes
/// that instance.
#[test]
fn not_excludes_an_instance() {
    assert_eq!(
        found(r#"SEARCH(' {AWS/EC2,InstanceId} MetricName="CPUUtilization" NOT i-1234567890123456 ', 'Average')"#),
        strings(&["i-aaa", "i-bbb"])
    );
}

/// SYNTAX, "Boolean operators": `SEARCH( 'NOT Namespace=AWS ', 'Maximum')`, every custom metric.
#[test]
fn not_as_the_only_term() {
    let b = TestBackend::new();
    let custom = b
        .catalogue()
        .iter()
        .filter(|m| !m.namespace.as_deref().unwrap_or("").starts_with("AWS/"))
        .count();
    assert_eq!(custom, 14);
    let out = run_input(&b, &input(vec![expr("e1", r#"SEARCH( 'NOT Namespace=AWS ', 'Maximum')"#)])).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(results(&out, "e1").len(), custom);
}

/// SYNTAX, "Boolean operators": `SEARCH(' (EC2 OR EBS) AND MetricName=ReadOps ', 'Maximum')` and
/// `SEARCH(' (EC2 OR EBS) MetricName=ReadOps ', 'Maximum')` both find the `ReadOps` metrics of EC2 and EBS.
#[test]
fn grouped_or_with_and() {
    let want = strings(&["i-aaa DiskReadOps", "vol-1 VolumeReadOps", "vol-ProjectA VolumeReadOps"]);
    assert_eq!(found(r#"SEARCH(' (EC2 OR EBS) AND MetricName=ReadOps ', 'Maximum')"#), want);
    assert_eq!(found(r#"SEARCH(' (EC2 OR EBS) MetricName=ReadOps ', 'Maximum')"#), want);
}

/// SYNTAX, "Boolean operators": `SEARCH(' (EC2 OR EBS) AND ReadOps AND ProjectA ', 'Maximum')`.
#[test]
fn narrowed_to_project_a() {
    assert_eq!(
        found(r#"SEARCH(' (EC2 OR EBS) AND ReadOps AND ProjectA ', 'Maximum')"#),
        strings(&["vol-ProjectA"])
    );
}

const NESTED: [&str; 5] = [
    "checkout Errors",
    "ProjectA-sync Invocations",
    "ProjectA-sync Errors",
    "ProjectB-report Invocations",
    "ProjectB-report Errors",
];

/// SYNTAX, "Boolean operators", nested grouping: `Errors` of every function and `Invocations` of the
/// functions named with `ProjectA` or `ProjectB`.
#[test]
fn nested_grouping_syntax_page() {
    assert_eq!(
        found(
            r#"SEARCH(' {AWS/Lambda,FunctionName} MetricName="Errors" OR (MetricName="Invocations" AND (ProjectA OR ProjectB)) ', 'Average')"#
        ),
        strings(&NESTED)
    );
}

/// SYNTAX, "Using math expressions": `SUM(SEARCH(' {AWS/Lambda, FunctionName} MetricName="Errors" ', 'Sum'))`.
#[test]
fn sum_of_search() {
    let out = search(r#"SUM(SEARCH(' {AWS/Lambda, FunctionName} MetricName="Errors" ', 'Sum'))"#);
    assert_eq!(single(&out, "e1"), s(&[1.0, 5.0, 0.0, 9.0, 2.0, 1.0]));
}

/// SYNTAX, "Using math expressions": the two lines `SEARCH(' {AWS/Lambda, FunctionName}, MetricName="Errors" ', 'Sum')`
/// (id e1) and `SUM(e1)`.
#[test]
fn search_line_and_sum_line() {
    let out = ok(vec![
        expr("e1", r#"SEARCH(' {AWS/Lambda, FunctionName}, MetricName="Errors" ', 'Sum')"#),
        expr("e2", "SUM(e1)"),
    ]);
    assert_eq!(labels(&out, "e1"), strings(&["checkout", "ProjectA-sync", "ProjectB-report"]));
    assert_eq!(single(&out, "e2"), s(&[1.0, 5.0, 0.0, 9.0, 2.0, 1.0]));
}

/// EXAMPLES: `SEARCH(' {AWS/EC2,InstanceId} MetricName="CPUUtilization" ', 'Average')`, one line per instance.
#[test]
fn one_line_per_instance() {
    assert_eq!(
        found(r#"SEARCH(' {AWS/EC2,InstanceId} MetricName="CPUUtilization" ', 'Average')"#),
        strings(&INSTANCES)
    );
}

/// EXAMPLES: `SEARCH(' {AWS/EC2,InstanceType} MetricName="CPUUtilization" ', 'Average')`, one line per type.
#[test]
fn one_line_per_instance_type() {
    let out = search(r#"SEARCH(' {AWS/EC2,InstanceType} MetricName="CPUUtilization" ', 'Average')"#);
    assert_eq!(
        members(&out, "e1"),
        vec![
            ("t2.micro".to_string(), s(&[30.0, 35.0, 40.0, 45.0, 50.0, 55.0])),
            ("t3.large".to_string(), s(&[70.0; 6])),
            ("t3.micro".to_string(), s(&[20.0; 6])),
        ]
    );
}

/// EXAMPLES: `SEARCH('{AWS/EC2,InstanceType} InstanceType=micro MetricName="CPUUtilization" ', 'Average')`.
#[test]
fn instance_types_with_micro() {
    assert_eq!(
        found(r#"SEARCH('{AWS/EC2,InstanceType} InstanceType=micro MetricName="CPUUtilization" ', 'Average')"#),
        strings(&["t2.micro", "t3.micro"])
    );
}

/// EXAMPLES: `SEARCH('{AWS/EC2,InstanceType} InstanceType="t2.micro" MetricName="CPUUtilization" ', 'Average')`.
#[test]
fn exactly_t2_micro() {
    assert_eq!(
        found(r#"SEARCH('{AWS/EC2,InstanceType} InstanceType="t2.micro" MetricName="CPUUtilization" ', 'Average')"#),
        strings(&["t2.micro"])
    );
}

/// EXAMPLES: `SEARCH('MetricName="CPUUtilization" ', 'Average')`, from every namespace.
#[test]
fn cpu_from_every_namespace() {
    let labels = found(r#"SEARCH('MetricName="CPUUtilization" ', 'Average')"#);
    assert_eq!(labels.len(), 9);
    assert!(
        labels.contains(&"prod".to_string()) && labels.contains(&"logs 123456789012".to_string()),
        "{labels:?}"
    );
}

/// EXAMPLES: `SEARCH('MetricName="CPUUtilization" AND ("AWS/ECS" OR "AWS/ES") ', 'Average')`.
#[test]
fn two_namespaces() {
    assert_eq!(
        found(r#"SEARCH('MetricName="CPUUtilization" AND ("AWS/ECS" OR "AWS/ES") ', 'Average')"#),
        strings(&["prod", "logs 123456789012"])
    );
}

/// EXAMPLES: `SEARCH('{AWS/ECS ClusterName}, MetricName="CPUUtilization" ', 'Average')` (a space separates
/// the schema's names) and `SEARCH(' {AWS/EBS} MetricName="CPUUtilization" ', 'Average')` (EBS has none).
#[test]
fn two_structured_queries() {
    let out = ok(vec![
        expr("e1", r#"SEARCH('{AWS/ECS ClusterName}, MetricName="CPUUtilization" ', 'Average')"#),
        expr("e2", r#"SEARCH(' {AWS/EBS} MetricName="CPUUtilization" ', 'Average')"#),
    ]);
    assert_eq!(members(&out, "e1"), vec![("prod".to_string(), s(&[33.0; 6]))]);
    let e2 = results(&out, "e2");
    assert_eq!((e2.len(), e2[0].values.len(), e2[0].label.as_str()), (1, 0, "e2"));
}

/// EXAMPLES: `SEARCH('{AWS/NetworkELB, LoadBalancer} "ConsumedLCUs" OR flow ', 'Maximum')`.
#[test]
fn consumed_lcus_or_flow_examples_page() {
    assert_eq!(
        found(r#"SEARCH('{AWS/NetworkELB, LoadBalancer} "ConsumedLCUs" OR flow ', 'Maximum')"#).len(),
        3
    );
}

/// EXAMPLES: the nested grouping example.
#[test]
fn nested_grouping_examples_page() {
    assert_eq!(
        found(
            r#"SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors" OR (MetricName="Invocations" AND (ProjectA OR ProjectB)) ', 'Average')"#
        ),
        strings(&NESTED)
    );
}

/// EXAMPLES: `SEARCH('NOT Namespace=AWS ', 'Average')`, custom metrics only.
#[test]
fn custom_metrics_only() {
    let out = search(r#"SEARCH('NOT Namespace=AWS ', 'Average')"#);
    let rs = results(&out, "e1");
    assert_eq!(rs.len(), 14);
    assert!(rs.iter().all(|r| r.label != "CPUUtilization"));
}

/// EXAMPLES: `SEARCH('Errors', 'Average')`: names containing the token `errors` (any case), so also
/// `ConnectionErrors` and `errors`, but not `ErrorCount`.
#[test]
fn partial_errors() {
    let labels = found("SEARCH('Errors', 'Average')");
    assert_eq!(labels.len(), 6, "{labels:?}");
    assert!(
        labels.contains(&"cart ConnectionErrors".to_string()) && labels.contains(&"errors".to_string()),
        "{labels:?}"
    );
}

/// EXAMPLES: `SEARCH(' "Errors" ', 'Average')` "finds the metric name `Errors` but not metrics named
/// `ConnectionErrors` or `errors`".
#[test]
fn exact_errors() {
    let labels = found(r#"SEARCH(' "Errors" ', 'Average')"#);
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert!(
        !labels.iter().any(|l| l.contains("ConnectionErrors") || l == "errors"),
        "{labels:?}"
    );
}

/// EXAMPLES: `SEARCH('{"Custom-Namespace", "Dimension Name With Spaces"}, ErrorCount ', 'Maximum')`.
#[test]
fn schema_names_with_spaces() {
    assert_eq!(
        found(r#"SEARCH('{"Custom-Namespace", "Dimension Name With Spaces"}, ErrorCount ', 'Maximum')"#),
        strings(&["blue"])
    );
}

/// EXAMPLES, cross-account: `SEARCH(' AWS/Lambda :aws.AccountId = "111122223333" ', 'Average')` finds the
/// Lambda metrics of that account: none here, all of them when this is account 111122223333.
#[test]
fn account_designator() {
    let text = r#"SEARCH(' AWS/Lambda :aws.AccountId = "111122223333" ', 'Average')"#;
    assert!(found(text).is_empty());
    let other = Options {
        account_id: "111122223333".into(),
        region: "eu-west-1".into(),
    };
    let out = metricmath::get_metric_data_with(&input(vec![expr("e1", text)]), &TestBackend::new(), now(), &other)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(results(&out, "e1").len(), 7);
}

/// EXAMPLES, cross-account: `SEARCH(' AWS/EC2 :aws.AccountId = ("111122223333" OR "777788889999") ', 'Average')`.
#[test]
fn account_list_without_this_account() {
    assert!(found(r#"SEARCH(' AWS/EC2 :aws.AccountId = ("111122223333" OR "777788889999") ', 'Average')"#).is_empty());
}

/// EXAMPLES, cross-account: `SEARCH(' AWS/EC2 :aws.AccountId = ("111122223333" OR 'LOCAL') ', 'Average')`:
/// `'LOCAL'` is this account (single quotes inside the single-quoted query).
#[test]
fn account_list_with_local() {
    assert_eq!(
        found(r#"SEARCH(' AWS/EC2 :aws.AccountId = ("111122223333" OR 'LOCAL') ', 'Average')"#).len(),
        10
    );
}

/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html>: with
/// `SEARCH(' {AWS/Lambda, FunctionName} Errors ', 'Sum')` and the label
/// `[max: ${MAX} Errors for Function Name ${LABEL}]`, each label is `[max: number Errors for Function Name Name]`.
#[test]
fn dynamic_label_on_a_search() {
    let out = ok(vec![labelled(
        expr("e1", r#"SEARCH(' {AWS/Lambda, FunctionName} Errors ', 'Sum')"#),
        "[max: ${MAX} Errors for Function Name ${LABEL}]",
    )]);
    assert_eq!(
        labels(&out, "e1"),
        strings(&[
            "[max: 8 Errors for Function Name checkout]",
            "[max: 1 Errors for Function Name ProjectA-sync]",
            "[max: - Errors for Function Name ProjectB-report]",
        ])
    );
}

// ---- beyond the pages' own examples ----

/// `MAX(SEARCH(...))` and `SORT(SEARCH(...), MAX, DESC, 10)`: searches inside math.
#[test]
fn search_inside_math() {
    let out = search(r#"MAX(SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average', 300))"#);
    assert_eq!(single(&out, "e1"), s(&[90.0, 80.0, 70.0, 60.0, 50.0, 60.0]));
    let sorted = found(r#"SORT(SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average', 300), MAX, DESC, 10)"#);
    assert_eq!(sorted, strings(&["i-1234567890123456", "i-aaa", "i-bbb"]));
    let top = found(r#"SORT(SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average', 300), MAX, DESC, 1)"#);
    assert_eq!(top, strings(&["i-1234567890123456"]));
}

/// "A graph can display as many as 500 time series": a search finding more answers the first 500,
/// marked PartialData.
#[test]
fn at_most_500_results() {
    let b = TestBackend::many(620);
    let out = run_input(
        &b,
        &input(vec![expr("e1", "SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Average')")]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let rs = results(&out, "e1");
    assert_eq!(rs.len(), 500);
    assert!(rs.iter().all(|r| r.status_code == cloudwatch::metrics::StatusCode::PartialData));
    assert!(
        rs[0].messages.iter().any(|m| m.value.as_deref().is_some_and(|v| v.contains("620"))),
        "{:?}",
        rs[0].messages
    );
}

/// "A search expression can find only metrics that have reported data within the past two weeks."
#[test]
fn stale_metrics_are_not_found() {
    let mut b = TestBackend::new();
    let stale = b.metric("AWS/EC2", "CPUUtilization", &[("InstanceId", "i-aaa")]);
    b.set_last(&stale, now() - time::Duration::days(20));
    let fresh = b.metric("AWS/EC2", "CPUUtilization", &[("InstanceId", "i-bbb")]);
    b.set_last(&fresh, now() - time::Duration::days(2));
    let out = run_input(
        &b,
        &input(vec![expr(
            "e1",
            r#"SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average')"#,
        )]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(labels(&out, "e1"), strings(&["i-bbb", "i-1234567890123456"]));
}

/// Limits: 1,024 characters a query, 100 searches a request; syntax errors are ValidationErrors.
#[test]
fn search_limits_and_errors() {
    let long = format!("SEARCH('{}', 'Average')", "a ".repeat(520));
    let e = err(vec![expr("e1", &long)]);
    assert!(e.message.contains("1024"), "{}", e.message);
    let many: Vec<_> = (0..101)
        .map(|i| expr(&format!("e{i}"), "SEARCH('CPUUtilization', 'Average')"))
        .collect();
    let e = err(many);
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("100"), "{}", e.message);
    for bad in [
        "SEARCH('(CPU', 'Average')",
        "SEARCH('', 'Average')",
        "SEARCH('CPU')",
        r#"SEARCH("CPU", 'Average')"#,
        "SEARCH('{AWS/EC2', 'Average')",
    ] {
        let e = err(vec![expr("e1", bad)]);
        assert_eq!(e.code, "ValidationError", "{bad}");
        assert!(e.message.starts_with("Error in expression e1"), "{bad}: {}", e.message);
    }
}
