//! An in-memory backend with a small catalogue and hand-checkable series, and request helpers.
//!
//! The requested window is 2024-01-15 (a Monday) 10:00–10:30 UTC at 300 s: six periods T0..T5 =
//! 10:00, 10:05, 10:10, 10:15, 10:20, 10:25; `now` is 12:00 the same day. Table series have a value (or
//! none: `N`) at each of T0..T5; "generated" series have a value at every period at any time.

use std::cell::RefCell;
use std::collections::HashMap;

use cloudwatch::metrics::{GetMetricDataInput, GetMetricDataOutput, Metric, MetricDataQuery, MetricDataResult, MetricStat, ScanBy};
use cloudwatch::SourceError;
use metricmath::{Backend, Statistic};
use time::macros::datetime;
use time::OffsetDateTime;

pub const N: Option<f64> = None;
pub const PERIOD: i64 = 300;

pub fn start() -> OffsetDateTime {
    datetime!(2024-01-15 10:00 UTC)
}
pub fn end() -> OffsetDateTime {
    datetime!(2024-01-15 10:30 UTC)
}
pub fn now() -> OffsetDateTime {
    datetime!(2024-01-15 12:00 UTC)
}
/// T0..T5 as Unix seconds.
pub fn t(i: i64) -> i64 {
    start().unix_timestamp() + i * PERIOD
}

#[derive(Clone)]
enum Data {
    Table([Option<f64>; 6]),
    /// value(t) for every period-aligned t.
    Generated(fn(i64) -> Option<f64>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub metric: Metric,
    pub stat: Statistic,
    pub period: i64,
    pub unit: Option<String>,
    pub start: i64,
    pub end: i64,
}

pub struct TestBackend {
    catalogue: Vec<Metric>,
    data: HashMap<String, Data>,
    pub calls: RefCell<Vec<Call>>,
    pub last: HashMap<String, OffsetDateTime>,
}

fn key(m: &Metric) -> String {
    let mut dims: Vec<String> = m.dimensions.iter().map(|d| format!("{}={}", d.name, d.value)).collect();
    dims.sort();
    format!(
        "{}|{}|{}",
        m.namespace.as_deref().unwrap_or(""),
        m.metric_name.as_deref().unwrap_or(""),
        dims.join(",")
    )
}

/// Today's "Load" is 11 except an anomalous 20 at T3; on earlier days it alternates 10 (even days since
/// the epoch) and 12 (odd days), so the 14 previous days give mean 11 and σ 1 at every time of day.
fn anomaly_load(t: i64) -> Option<f64> {
    let today = start().unix_timestamp() / 86_400;
    let day = t.div_euclid(86_400);
    if day == today {
        Some(if t == start().unix_timestamp() + 3 * PERIOD { 20.0 } else { 11.0 })
    } else if day % 2 == 0 {
        Some(10.0)
    } else {
        Some(12.0)
    }
}

/// One data point per period, valued by its minute of the hour.
fn minute_of_hour(t: i64) -> Option<f64> {
    Some(((t / 60) % 60) as f64)
}

impl TestBackend {
    pub fn new() -> TestBackend {
        let mut b = TestBackend {
            catalogue: Vec::new(),
            data: HashMap::new(),
            calls: RefCell::new(Vec::new()),
            last: HashMap::new(),
        };
        let lambda = "AWS/Lambda";
        b.table(
            lambda,
            "Invocations",
            &[("FunctionName", "checkout")],
            [Some(100.0), Some(200.0), Some(100.0), Some(400.0), Some(200.0), Some(100.0)],
        );
        b.table(
            lambda,
            "Errors",
            &[("FunctionName", "checkout")],
            [Some(1.0), Some(4.0), N, Some(8.0), Some(2.0), Some(0.0)],
        );
        b.table(
            lambda,
            "Invocations",
            &[("FunctionName", "ProjectA-sync")],
            [Some(10.0), Some(20.0), Some(30.0), Some(40.0), Some(50.0), Some(60.0)],
        );
        b.table(
            lambda,
            "Errors",
            &[("FunctionName", "ProjectA-sync")],
            [Some(0.0), Some(1.0), Some(0.0), Some(1.0), Some(0.0), Some(1.0)],
        );
        b.table(lambda, "Invocations", &[("FunctionName", "ProjectB-report")], [Some(5.0); 6]);
        b.table(lambda, "Errors", &[("FunctionName", "ProjectB-report")], [N; 6]);
        b.table(
            lambda,
            "Errors",
            &[],
            [Some(1.0), Some(5.0), Some(0.0), Some(9.0), Some(2.0), Some(1.0)],
        );

        let ec2 = "AWS/EC2";
        b.table(
            ec2,
            "CPUUtilization",
            &[("InstanceId", "i-aaa")],
            [Some(10.0), Some(20.0), Some(30.0), Some(40.0), Some(50.0), Some(60.0)],
        );
        b.table(
            ec2,
            "CPUUtilization",
            &[("InstanceId", "i-bbb")],
            [Some(50.0), Some(50.0), N, Some(50.0), Some(50.0), Some(50.0)],
        );
        b.table(
            ec2,
            "CPUUtilization",
            &[("InstanceId", "i-1234567890123456")],
            [Some(90.0), Some(80.0), Some(70.0), Some(60.0), Some(50.0), Some(40.0)],
        );
        b.table(
            ec2,
            "CPUUtilization",
            &[("InstanceType", "t2.micro")],
            [Some(30.0), Some(35.0), Some(40.0), Some(45.0), Some(50.0), Some(55.0)],
        );
        b.table(ec2, "CPUUtilization", &[("InstanceType", "t3.large")], [Some(70.0); 6]);
        b.table(ec2, "CPUUtilization", &[("InstanceType", "t3.micro")], [Some(20.0); 6]);
        b.table(ec2, "CPUUtilization", &[], [Some(50.0); 6]);
        b.table(
            ec2,
            "NetworkIn",
            &[("InstanceId", "i-aaa")],
            [Some(1000.0), Some(2000.0), Some(3000.0), Some(4000.0), Some(5000.0), Some(6000.0)],
        );
        b.table(ec2, "NetworkPacketsIn", &[("InstanceId", "i-aaa")], [Some(10.0); 6]);
        b.table(ec2, "DiskReadOps", &[("InstanceId", "i-aaa")], [Some(3.0); 6]);

        b.table("AWS/EBS", "VolumeReadOps", &[("VolumeId", "vol-1")], [Some(7.0); 6]);
        b.table("AWS/EBS", "VolumeReadOps", &[("VolumeId", "vol-ProjectA")], [Some(8.0); 6]);
        b.table("AWS/EBS", "VolumeWriteOps", &[("VolumeId", "vol-1")], [Some(9.0); 6]);

        let alb = "AWS/ApplicationELB";
        let lb = [("LoadBalancer", "app/shop/1")];
        b.table(
            alb,
            "RequestCount",
            &lb,
            [Some(100.0), Some(120.0), Some(140.0), Some(160.0), Some(180.0), Some(200.0)],
        );
        b.table(alb, "HTTPCode_Target_5XX_Count", &lb, [Some(1.0), N, Some(2.0), N, Some(3.0), N]);
        b.table(alb, "HTTPCode_Target_4XX_Count", &lb, [Some(5.0); 6]);
        b.table(
            alb,
            "TargetResponseTime",
            &lb,
            [Some(0.1), Some(0.2), Some(0.3), Some(0.4), Some(0.5), Some(0.6)],
        );

        let nlb = [("LoadBalancer", "net/edge/1")];
        b.table("AWS/NetworkELB", "ConsumedLCUs", &nlb, [Some(1.0); 6]);
        b.table("AWS/NetworkELB", "ActiveFlowCount", &nlb, [Some(2.0); 6]);
        b.table("AWS/NetworkELB", "NewFlowCount", &nlb, [Some(3.0); 6]);
        b.table("AWS/NetworkELB", "ProcessedBytes", &nlb, [Some(4.0); 6]);

        b.table("AWS/ECS", "CPUUtilization", &[("ClusterName", "prod")], [Some(33.0); 6]);
        b.table(
            "AWS/ES",
            "CPUUtilization",
            &[("DomainName", "logs"), ("ClientId", "123456789012")],
            [Some(44.0); 6],
        );

        b.table(
            "MyNamespace",
            "CustomCount1",
            &[],
            [Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(5.0), Some(6.0)],
        );
        b.table(
            "Custom-Namespace",
            "ErrorCount",
            &[("Dimension Name With Spaces", "blue")],
            [Some(2.0); 6],
        );
        b.table(
            "My Namespace",
            "Custom:Name[Special_Characters",
            &[("Dimension@Name", "x")],
            [Some(3.0); 6],
        );
        b.table("Shop/Checkout", "ConnectionErrors", &[("Service", "cart")], [Some(1.0); 6]);
        b.table("Shop/Legacy", "errors", &[], [Some(1.0); 6]);

        // The documentation's own example series.
        b.table(
            "Doc/Comparison",
            "metric1",
            &[],
            [Some(30.0), Some(20.0), Some(0.0), Some(0.0), N, N],
        );
        b.table("Doc/Comparison", "metric2", &[], [Some(20.0), N, Some(20.0), N, N, N]);
        b.table("Doc/If", "metric1", &[], [Some(1.0), Some(1.0), Some(0.0), Some(0.0), N, N]);
        b.table("Doc/If", "metric2", &[], [Some(30.0), N, Some(0.0), Some(0.0), Some(30.0), N]);
        b.table("Doc/If", "metric3", &[], [Some(0.0), Some(0.0), Some(20.0), N, Some(20.0), N]);
        b.table(
            "Doc/If",
            "Low",
            &[],
            [Some(100.0), Some(500.0), Some(300.0), Some(450.0), N, Some(200.0)],
        );
        b.table("Doc/Sparse", "Gappy", &[], [Some(1.5), N, N, Some(7.5), N, Some(-2.5)]);

        b.generated("Doc/Anomaly", "Load", &[], anomaly_load);
        b.generated("Doc/Clock", "Minute", &[], minute_of_hour);
        b
    }

    fn table(&mut self, ns: &str, name: &str, dims: &[(&str, &str)], values: [Option<f64>; 6]) {
        let m = Metric::new(ns, name, dims);
        self.data.insert(key(&m), Data::Table(values));
        self.catalogue.push(m);
    }

    fn generated(&mut self, ns: &str, name: &str, dims: &[(&str, &str)], f: fn(i64) -> Option<f64>) {
        let m = Metric::new(ns, name, dims);
        self.data.insert(key(&m), Data::Generated(f));
        self.catalogue.push(m);
    }

    /// A catalogue of `n` generated metrics only (for ListMetrics paging).
    pub fn many(n: usize) -> TestBackend {
        let mut b = TestBackend {
            catalogue: Vec::new(),
            data: HashMap::new(),
            calls: RefCell::new(Vec::new()),
            last: HashMap::new(),
        };
        for i in 0..n {
            let id = format!("i-{i:05}");
            b.generated("AWS/EC2", "CPUUtilization", &[("InstanceId", id.as_str())], minute_of_hour);
        }
        b
    }

    /// Says when a metric last had data (for the two-week and three-hour rules).
    pub fn set_last(&mut self, m: &Metric, at: OffsetDateTime) {
        self.last.insert(key(m), at);
    }

    pub fn metric(&self, ns: &str, name: &str, dims: &[(&str, &str)]) -> Metric {
        Metric::new(ns, name, dims)
    }
}

impl Backend for TestBackend {
    fn catalogue(&self) -> &[Metric] {
        &self.catalogue
    }

    fn series(
        &self,
        metric: &Metric,
        stat: &Statistic,
        period: i64,
        unit: Option<&str>,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<(OffsetDateTime, f64)>, SourceError> {
        let (s, e) = (start.unix_timestamp(), end.unix_timestamp());
        self.calls.borrow_mut().push(Call {
            metric: metric.clone(),
            stat: stat.clone(),
            period,
            unit: unit.map(str::to_string),
            start: s,
            end: e,
        });
        if metric.namespace.as_deref() == Some("Test/Failing") {
            return Err(SourceError::internal("backend down"));
        }
        let Some(data) = self.data.get(&key(metric)) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut at = s.div_euclid(period) * period;
        if at < s {
            at += period;
        }
        while at < e {
            let v = match data {
                Data::Table(values) => {
                    let i = (at - start_s()) / PERIOD;
                    if (at - start_s()) % PERIOD == 0 && (0..6).contains(&i) {
                        values[i as usize]
                    } else {
                        None
                    }
                }
                Data::Generated(f) => f(at),
            };
            if let Some(v) = v {
                if let Ok(ts) = OffsetDateTime::from_unix_timestamp(at) {
                    out.push((ts, v));
                }
            }
            at += period;
        }
        Ok(out)
    }

    fn last_datapoint(&self, metric: &Metric) -> Option<OffsetDateTime> {
        self.last.get(&key(metric)).copied()
    }
}

fn start_s() -> i64 {
    start().unix_timestamp()
}

// ---- requests ----

pub fn metric_query(id: &str, ns: &str, name: &str, dims: &[(&str, &str)], stat: &str) -> MetricDataQuery {
    MetricDataQuery {
        id: id.to_string(),
        metric_stat: Some(MetricStat {
            metric: Metric::new(ns, name, dims),
            period: PERIOD,
            stat: stat.to_string(),
            unit: None,
        }),
        ..MetricDataQuery::default()
    }
}

pub fn hidden(mut q: MetricDataQuery) -> MetricDataQuery {
    q.return_data = Some(false);
    q
}

pub fn expr(id: &str, text: &str) -> MetricDataQuery {
    MetricDataQuery {
        id: id.to_string(),
        expression: Some(text.to_string()),
        ..MetricDataQuery::default()
    }
}

pub fn labelled(mut q: MetricDataQuery, label: &str) -> MetricDataQuery {
    q.label = Some(label.to_string());
    q
}

pub fn input(queries: Vec<MetricDataQuery>) -> GetMetricDataInput {
    GetMetricDataInput {
        metric_data_queries: queries,
        start_time: start(),
        end_time: end(),
        next_token: None,
        scan_by: Some(ScanBy::TimestampAscending),
        max_datapoints: None,
        label_options: None,
    }
}

pub fn run_input(b: &TestBackend, i: &GetMetricDataInput) -> Result<GetMetricDataOutput, SourceError> {
    metricmath::get_metric_data(i, b, now())
}

pub fn run(queries: Vec<MetricDataQuery>) -> Result<GetMetricDataOutput, SourceError> {
    run_input(&TestBackend::new(), &input(queries))
}

/// The request must succeed.
pub fn ok(queries: Vec<MetricDataQuery>) -> GetMetricDataOutput {
    run(queries).unwrap_or_else(|e| panic!("request failed: {e}"))
}

/// The request must fail; its error.
pub fn err(queries: Vec<MetricDataQuery>) -> SourceError {
    match run(queries) {
        Ok(out) => panic!("request succeeded: {out:?}"),
        Err(e) => e,
    }
}

/// The results with this id.
pub fn results<'a>(out: &'a GetMetricDataOutput, id: &str) -> Vec<&'a MetricDataResult> {
    out.metric_data_results.iter().filter(|r| r.id == id).collect()
}

/// The values of a result at T0..T5 (`None` where it has no data point).
pub fn on_grid(r: &MetricDataResult) -> Vec<Option<f64>> {
    (0..6)
        .map(|i| r.timestamps.iter().position(|ts| ts.unix_timestamp() == t(i)).map(|k| r.values[k]))
        .collect()
}

/// The one result with this id, on the grid.
pub fn single(out: &GetMetricDataOutput, id: &str) -> Vec<Option<f64>> {
    let rs = results(out, id);
    assert_eq!(
        rs.len(),
        1,
        "expected one result for {id}, got {}: {:?}",
        rs.len(),
        rs.iter().map(|r| &r.label).collect::<Vec<_>>()
    );
    on_grid(rs[0])
}

/// (label, values on the grid) of every result with this id.
pub fn members(out: &GetMetricDataOutput, id: &str) -> Vec<(String, Vec<Option<f64>>)> {
    results(out, id).into_iter().map(|r| (r.label.clone(), on_grid(r))).collect()
}

/// The labels of every result with this id.
pub fn labels(out: &GetMetricDataOutput, id: &str) -> Vec<String> {
    results(out, id).into_iter().map(|r| r.label.clone()).collect()
}

/// Approximate equality of grids (for results of division and logarithms).
pub fn assert_close(got: &[Option<f64>], want: &[Option<f64>]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        match (g, w) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{got:?} vs {want:?}"),
            (None, None) => {}
            _ => panic!("{got:?} vs {want:?}"),
        }
    }
}

pub fn s(values: &[f64]) -> Vec<Option<f64>> {
    values.iter().map(|v| Some(*v)).collect()
}

// Frequently used queries.
pub fn lambda(id: &str, name: &str, function: &str) -> MetricDataQuery {
    metric_query(id, "AWS/Lambda", name, &[("FunctionName", function)], "Sum")
}
pub fn cpu(id: &str, instance: &str) -> MetricDataQuery {
    metric_query(id, "AWS/EC2", "CPUUtilization", &[("InstanceId", instance)], "Average")
}
pub fn doc(id: &str, ns: &str, name: &str) -> MetricDataQuery {
    metric_query(id, ns, name, &[], "Average")
}
