//! Metric math and `SEARCH` on the demo catalogue: expressions taken from AWS's pages (only metric
//! names, ids and dimensions adapted to the demo), each test citing its page, checked against raw
//! series of the same demo metrics fetched separately (one `MetricStat` query per metric), at a pinned
//! "now" over the three hours before it. Functions this source cannot compute must answer
//! CloudWatch's `ValidationError`, never an empty series.

use super::common::*;
use cloudwatch::metrics::*;
use cloudwatch::{Source, SourceError};
use demo::DemoSource;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

const MATH: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html";
const SYNTAX: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html";
const EXAMPLES: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-examples.html";
const LABELS: &str = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html";

const P: i64 = 300;
const SERVICES: [&str; 5] = ["web", "api", "checkout", "worker", "ai-service"];
const LAMBDAS: [&str; 3] = ["image-resize", "order-events", "nightly-report"];
const LB: &str = "app/shop-alb/5c0ffee0d15ea5e1";
const CPU_SEARCH: &str = r#"SEARCH('{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization"', 'Average', 300)"#;

type Pts = BTreeMap<i64, f64>;
type Op = fn(f64, f64) -> f64;

struct W {
    src: DemoSource,
    start: OffsetDateTime,
    end: OffsetDateTime,
}

fn world() -> W {
    let end = ANCHOR;
    W {
        src: source(1, end),
        start: end - Duration::hours(3),
        end,
    }
}

impl W {
    async fn gmd(&self, qs: Vec<MetricDataQuery>) -> Result<GetMetricDataOutput, SourceError> {
        self.src.get_metric_data(&cx(), gmd_input(qs, self.start, self.end)).await
    }

    async fn ok(&self, qs: Vec<MetricDataQuery>) -> GetMetricDataOutput {
        let out = self.gmd(qs).await.unwrap_or_else(|e| panic!("{e:?}"));
        assert!(out.next_token.is_none());
        out
    }

    async fn raw_at(&self, m: &Metric, stat: &str, period: i64) -> Pts {
        series(&self.src, m.clone(), stat, period, self.start, self.end)
            .await
            .into_iter()
            .collect()
    }

    async fn raw(&self, m: &Metric, stat: &str) -> Pts {
        let r = self.raw_at(m, stat, P).await;
        assert!(r.len() >= 30, "the demo should have data for {m:?}: {} points", r.len());
        r
    }
}

fn ecs_cpu(service: &str) -> Metric {
    Metric::new(
        "AWS/ECS",
        "CPUUtilization",
        &[("ClusterName", "shop-prod"), ("ServiceName", service)],
    )
}
fn lambda(name: &str, function: &str) -> Metric {
    Metric::new("AWS/Lambda", name, &[("FunctionName", function)])
}
fn alb(name: &str) -> Metric {
    Metric::new("AWS/ApplicationELB", name, &[("LoadBalancer", LB)])
}

fn q(id: &str, m: &Metric, stat: &str) -> MetricDataQuery {
    stat_query(id, m.clone(), stat, P)
}
fn hide(mut q: MetricDataQuery) -> MetricDataQuery {
    q.return_data = Some(false);
    q
}
fn lab(mut q: MetricDataQuery, label: &str) -> MetricDataQuery {
    q.label = Some(label.into());
    q
}
fn e(id: &str, text: &str) -> MetricDataQuery {
    MetricDataQuery {
        id: id.into(),
        expression: Some(text.into()),
        ..Default::default()
    }
}

fn pts(r: &MetricDataResult) -> Pts {
    r.timestamps
        .iter()
        .map(|t| t.unix_timestamp())
        .zip(r.values.iter().copied())
        .collect()
}
fn results<'a>(out: &'a GetMetricDataOutput, id: &str) -> Vec<&'a MetricDataResult> {
    out.metric_data_results.iter().filter(|r| r.id == id).collect()
}
fn one(out: &GetMetricDataOutput, id: &str) -> Pts {
    let rs = results(out, id);
    assert_eq!(
        rs.len(),
        1,
        "one result for {id}: {:?}",
        rs.iter().map(|r| &r.label).collect::<Vec<_>>()
    );
    pts(rs[0])
}
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// `got` agrees with `want` on every timestamp both have, and they share at least `min` of them.
fn agree_min(got: &Pts, want: &Pts, min: usize, what: &str) {
    let mut common = 0;
    for (t, w) in want {
        if let Some(g) = got.get(t) {
            common += 1;
            assert!(close(*g, *w), "{what} at {t}: got {g}, want {w}");
        }
    }
    assert!(
        common >= min,
        "{what}: only {common} common timestamps (got {}, want {})",
        got.len(),
        want.len()
    );
}
fn agree(got: &Pts, want: &Pts, what: &str) {
    agree_min(got, want, 30, what);
}

/// Pointwise combination of several raw series over the timestamps they all have.
fn zip_all(series: &[&Pts], f: impl Fn(&[f64]) -> Option<f64>) -> Pts {
    let mut out = Pts::new();
    for t in series[0].keys() {
        let vs: Option<Vec<f64>> = series.iter().map(|s| s.get(t).copied()).collect();
        if let Some(v) = vs.and_then(|vs| f(&vs)) {
            out.insert(*t, v);
        }
    }
    out
}
fn map(s: &Pts, f: impl Fn(f64) -> f64) -> Pts {
    s.iter().map(|(t, v)| (*t, f(*v))).collect()
}
fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}
fn max_of(s: &Pts) -> f64 {
    s.values().copied().fold(f64::NEG_INFINITY, f64::max)
}
fn min_of(s: &Pts) -> f64 {
    s.values().copied().fold(f64::INFINITY, f64::min)
}

async fn cpus(w: &W) -> Vec<Pts> {
    let mut v = Vec::new();
    for s in SERVICES {
        v.push(w.raw(&ecs_cpu(s), "Average").await);
    }
    v
}
fn cpu_queries() -> Vec<MetricDataQuery> {
    SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| hide(lab(q(&format!("m{}", i + 1), &ecs_cpu(s), "Average"), s)))
        .collect()
}

/// How many catalogue metrics a search with this namespace, schema dimensions and metric name must find.
fn catalogue_count(ns: &str, dims: &[&str], name: Option<&str>) -> usize {
    demo::metrics::catalogue()
        .iter()
        .filter(|d| {
            let m = &d.metric;
            m.namespace.as_deref() == Some(ns)
                && name.is_none_or(|n| m.metric_name.as_deref() == Some(n))
                && m.dimensions.len() == dims.len()
                && dims.iter().all(|n| m.dimension(n).is_some())
        })
        .count()
}

// ---------------------------------------------------------------------------------------------
// using-metric-math.html
// ---------------------------------------------------------------------------------------------

/// MATH, "Basic arithmetic functions" / the error-rate example: `m1/m2*100` (5XX over requests, in percent).
#[tokio::test]
async fn error_rate_percent() {
    let _ = MATH;
    let w = world();
    let (m5, req) = (alb("HTTPCode_Target_5XX_Count"), alb("RequestCount"));
    let out = w
        .ok(vec![hide(q("m1", &m5, "Sum")), hide(q("m2", &req, "Sum")), e("e1", "m1/m2*100")])
        .await;
    let (a, b) = (w.raw(&m5, "Sum").await, w.raw(&req, "Sum").await);
    let want = zip_all(&[&a, &b], |v| (v[1] != 0.0).then(|| v[0] / v[1] * 100.0));
    assert!(want.values().any(|v| *v > 0.0), "the incident's 5XX should be in the window");
    agree(&one(&out, "e1"), &want, "m1/m2*100");
}

/// MATH, "To add a math expression to a graph": `m1+m2`; "Basic arithmetic functions": `m1 - m2`, `m1 * m2`.
#[tokio::test]
async fn binary_arithmetic() {
    let w = world();
    let (web, api) = (ecs_cpu("web"), ecs_cpu("api"));
    let (a, b) = (w.raw(&web, "Average").await, w.raw(&api, "Average").await);
    let ops: [(&str, Op); 3] = [("m1+m2", |x, y| x + y), ("m1 - m2", |x, y| x - y), ("m1 * m2", |x, y| x * y)];
    for (text, f) in ops {
        let out = w
            .ok(vec![hide(q("m1", &web, "Average")), hide(q("m2", &api, "Average")), e("e1", text)])
            .await;
        agree(&one(&out, "e1"), &zip_all(&[&a, &b], |v| Some(f(v[0], v[1]))), text);
    }
}

/// MATH, "Basic arithmetic functions": `5 * m1`, and `m1 ^ 2` (exponentiation).
#[tokio::test]
async fn scalar_arithmetic() {
    let w = world();
    let m = ecs_cpu("checkout");
    let a = w.raw(&m, "Average").await;
    let out = w.ok(vec![hide(q("m1", &m, "Average")), e("e1", "5 * m1"), e("e2", "m1 ^ 2")]).await;
    agree(&one(&out, "e1"), &map(&a, |v| 5.0 * v), "5 * m1");
    agree(&one(&out, "e2"), &map(&a, |v| v * v), "m1 ^ 2");
}

/// MATH, "To add a math expression to a graph", step 5: `e1-MIN(e1)`, an expression on an expression.
#[tokio::test]
async fn e1_minus_min_e1() {
    let w = world();
    let m = ecs_cpu("web");
    let a = w.raw(&m, "Average").await;
    let out = w
        .ok(vec![hide(q("m1", &m, "Average")), hide(e("e1", "m1*2")), e("e2", "e1-MIN(e1)")])
        .await;
    let lo = min_of(&a) * 2.0;
    agree(&one(&out, "e2"), &map(&a, |v| 2.0 * v - lo), "e1-MIN(e1)");
}

/// MATH, "Functions": `m1 - AVG(m1)` and `m1 / MAX(m1)` (AVG and MAX of one series are scalars).
#[tokio::test]
async fn series_minus_its_scalars() {
    let w = world();
    let m = ecs_cpu("api");
    let a = w.raw(&m, "Average").await;
    let out = w
        .ok(vec![hide(q("m1", &m, "Average")), e("e1", "m1 - AVG(m1)"), e("e2", "m1 / MAX(m1)")])
        .await;
    let avg = mean(&a.values().copied().collect::<Vec<_>>());
    let hi = max_of(&a);
    agree(&one(&out, "e1"), &map(&a, |v| v - avg), "m1 - AVG(m1)");
    agree(&one(&out, "e2"), &map(&a, |v| v / hi), "m1 / MAX(m1)");
}

/// MATH, PERIOD: `m1/PERIOD(m1)` (a sum per second), and `TIME_SERIES(PERIOD(m1)/60)`.
#[tokio::test]
async fn period_function() {
    let w = world();
    let m = alb("RequestCount");
    let a = w.raw(&m, "Sum").await;
    let out = w
        .ok(vec![
            hide(q("m1", &m, "Sum")),
            e("e1", "m1/PERIOD(m1)"),
            e("e2", "TIME_SERIES(PERIOD(m1)/60)"),
        ])
        .await;
    agree(&one(&out, "e1"), &map(&a, |v| v / 300.0), "m1/PERIOD(m1)");
    let minutes = one(&out, "e2");
    assert!(minutes.len() >= 35 && minutes.values().all(|v| *v == 5.0), "{minutes:?}");
}

/// MATH, "The METRICS() function": `SUM(METRICS())` is one series, the pointwise sum of the metrics.
#[tokio::test]
async fn sum_of_metrics() {
    let w = world();
    let raw = cpus(&w).await;
    let mut qs = cpu_queries();
    qs.push(e("e1", "SUM(METRICS())"));
    let out = w.ok(qs).await;
    let refs: Vec<&Pts> = raw.iter().collect();
    agree(&one(&out, "e1"), &zip_all(&refs, |v| Some(v.iter().sum())), "SUM(METRICS())");
}

/// MATH, "Functions": `AVG(METRICS())`, `MAX(METRICS())`, `MIN(METRICS())`, `STDDEV(METRICS())` of an
/// array are pointwise across its series (STDDEV the population standard deviation).
#[tokio::test]
async fn array_aggregates() {
    let w = world();
    let raw = cpus(&w).await;
    let refs: Vec<&Pts> = raw.iter().collect();
    let mut qs = cpu_queries();
    for (id, text) in [
        ("avg", "AVG(METRICS())"),
        ("mx", "MAX(METRICS())"),
        ("mn", "MIN(METRICS())"),
        ("sd", "STDDEV(METRICS())"),
    ] {
        qs.push(e(id, text));
    }
    let out = w.ok(qs).await;
    agree(&one(&out, "avg"), &zip_all(&refs, |v| Some(mean(v))), "AVG");
    agree(
        &one(&out, "mx"),
        &zip_all(&refs, |v| Some(v.iter().copied().fold(f64::NEG_INFINITY, f64::max))),
        "MAX",
    );
    agree(
        &one(&out, "mn"),
        &zip_all(&refs, |v| Some(v.iter().copied().fold(f64::INFINITY, f64::min))),
        "MIN",
    );
    let sd = |v: &[f64]| {
        let m = mean(v);
        Some((v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt())
    };
    agree(&one(&out, "sd"), &zip_all(&refs, sd), "STDDEV");
}

/// MATH, "The METRICS() function": `METRICS()/100` is an array, each metric divided by 100, labelled as its metric.
#[tokio::test]
async fn metrics_divided_by_100() {
    let w = world();
    let raw = cpus(&w).await;
    let mut qs = cpu_queries();
    qs.push(e("e1", "METRICS()/100"));
    let out = w.ok(qs).await;
    let rs = results(&out, "e1");
    assert_eq!(rs.len(), SERVICES.len());
    for (svc, a) in SERVICES.iter().zip(&raw) {
        let r = rs
            .iter()
            .find(|r| r.label.contains(svc))
            .unwrap_or_else(|| panic!("{svc}: {:?}", rs.iter().map(|r| &r.label).collect::<Vec<_>>()));
        agree(&pts(r), &map(a, |v| v / 100.0), svc);
    }
}

/// MATH, "The METRICS() function": `SUM(METRICS("errors"))` sums only the metrics whose id contains `errors`.
#[tokio::test]
async fn sum_of_metrics_filtered_by_id() {
    let w = world();
    let (e1, e2, inv) = (
        lambda("Errors", "image-resize"),
        lambda("Errors", "order-events"),
        lambda("Invocations", "image-resize"),
    );
    let out = w
        .ok(vec![
            hide(q("errors_resize", &e1, "Sum")),
            hide(q("errors_orders", &e2, "Sum")),
            hide(q("requests", &inv, "Sum")),
            e("e1", r#"SUM(METRICS("errors"))"#),
        ])
        .await;
    let (a, b) = (w.raw_at(&e1, "Sum", P).await, w.raw_at(&e2, "Sum", P).await);
    let want = zip_all(&[&a, &b], |v| Some(v[0] + v[1]));
    agree_min(&one(&out, "e1"), &want, want.len().min(30), "SUM(METRICS(\"errors\"))");
    // The invocations are not in it: were they, the sum would exceed the errors.
    let i = w.raw(&inv, "Sum").await;
    let got = one(&out, "e1");
    assert!(got.iter().any(|(t, v)| i.get(t).is_some_and(|x| *x > 0.0 && *v < *x)));
}

/// MATH, "Functions": `SUM([m1, m2])`, an array built with brackets, and `ABS(m1 - m2)`.
#[tokio::test]
async fn bracket_array_and_abs() {
    let w = world();
    let (web, api) = (ecs_cpu("web"), ecs_cpu("worker"));
    let (a, b) = (w.raw(&web, "Average").await, w.raw(&api, "Average").await);
    let out = w
        .ok(vec![
            hide(q("m1", &web, "Average")),
            hide(q("m2", &api, "Average")),
            e("e1", "SUM([m1, m2])"),
            e("e2", "ABS(m1 - m2)"),
        ])
        .await;
    agree(&one(&out, "e1"), &zip_all(&[&a, &b], |v| Some(v[0] + v[1])), "SUM([m1, m2])");
    agree(&one(&out, "e2"), &zip_all(&[&a, &b], |v| Some((v[0] - v[1]).abs())), "ABS");
}

/// MATH, "Functions": `CEIL(m1)`, `FLOOR(m1)`, `LOG10(m1)`.
#[tokio::test]
async fn rounding_and_logs() {
    let w = world();
    let m = ecs_cpu("ai-service");
    let a = w.raw(&m, "Average").await;
    let out = w
        .ok(vec![
            hide(q("m1", &m, "Average")),
            e("c", "CEIL(m1)"),
            e("f", "FLOOR(m1)"),
            e("l", "LOG10(m1)"),
        ])
        .await;
    agree(&one(&out, "c"), &map(&a, f64::ceil), "CEIL");
    agree(&one(&out, "f"), &map(&a, f64::floor), "FLOOR");
    agree(&one(&out, "l"), &map(&a, f64::log10), "LOG10");
}

/// Consecutive pairs of a raw series: (t, previous t, previous value, value).
fn pairs(a: &Pts) -> Vec<(i64, i64, f64, f64)> {
    let v: Vec<(i64, f64)> = a.iter().map(|(t, v)| (*t, *v)).collect();
    v.windows(2).map(|w| (w[1].0, w[0].0, w[0].1, w[1].1)).collect()
}

/// MATH, RATE: "the difference between the latest data point value and the previous data point value,
/// divided by the time difference in seconds between the two values"; DIFF and DIFF_TIME likewise.
#[tokio::test]
async fn rate_diff_diff_time() {
    let w = world();
    let m = alb("RequestCount");
    let a = w.raw(&m, "Sum").await;
    let out = w
        .ok(vec![
            hide(q("m1", &m, "Sum")),
            e("r", "RATE(m1)"),
            e("d", "DIFF(m1)"),
            e("dt", "DIFF_TIME(m1)"),
        ])
        .await;
    let ps = pairs(&a);
    let rate: Pts = ps.iter().map(|(t, t0, v0, v)| (*t, (v - v0) / (t - t0) as f64)).collect();
    let diff: Pts = ps.iter().map(|(t, _, v0, v)| (*t, v - v0)).collect();
    let dt: Pts = ps.iter().map(|(t, t0, _, _)| (*t, (t - t0) as f64)).collect();
    agree(&one(&out, "r"), &rate, "RATE(m1)");
    agree(&one(&out, "d"), &diff, "DIFF(m1)");
    agree(&one(&out, "dt"), &dt, "DIFF_TIME(m1)");
    assert!(!one(&out, "d").contains_key(a.keys().next().unwrap()), "no DIFF at the first point");
}

/// MATH, RUNNING_SUM: `RUNNING_SUM(m1)`, the sum of the values so far.
#[tokio::test]
async fn running_sum() {
    let w = world();
    let m = alb("RequestCount");
    let a = w.raw(&m, "Sum").await;
    let out = w.ok(vec![hide(q("m1", &m, "Sum")), e("e1", "RUNNING_SUM(m1)")]).await;
    let mut acc = 0.0;
    let want: Pts = a
        .iter()
        .map(|(t, v)| {
            acc += v;
            (*t, acc)
        })
        .collect();
    agree(&one(&out, "e1"), &want, "RUNNING_SUM(m1)");
}

/// The period-aligned timestamps of the window.
fn grid(w: &W, period: i64) -> Vec<i64> {
    let (s, e) = (secs(w.start), secs(w.end));
    let first = s.div_euclid(period) * period + if s.rem_euclid(period) == 0 { 0 } else { period };
    (first..e).step_by(period as usize).collect()
}

/// MATH, FILL: `FILL(m1, 0)` gives a value at every period, 0 where the metric has none; `FILL(m1, REPEAT)`
/// the most recent value before the gap.
#[tokio::test]
async fn fill_zero_and_repeat() {
    let w = world();
    // A sparse metric of the catalogue: one with per-minute gaps in the window.
    let mut picked = None;
    for d in demo::metrics::catalogue() {
        let m = d.metric;
        let a = w.raw_at(&m, "Sum", 60).await;
        if !a.is_empty() && a.len() < 170 {
            picked = Some((m, a));
            break;
        }
    }
    let (m, a) = picked.expect("a catalogue metric with gaps in the window");
    let out = w
        .ok(vec![
            hide(stat_query("m1", m.clone(), "Sum", 60)),
            e("z", "FILL(m1, 0)"),
            e("r", "FILL(m1, REPEAT)"),
        ])
        .await;
    let z = one(&out, "z");
    let g = grid(&w, 60);
    let last_raw = *a.keys().last().unwrap();
    for t in &g {
        if *t <= last_raw {
            assert_eq!(z.get(t).copied(), Some(a.get(t).copied().unwrap_or(0.0)), "FILL(m1, 0) at {t}");
        }
    }
    assert!(g.iter().filter(|t| !a.contains_key(t)).count() > 0);
    let r = one(&out, "r");
    let mut prev = None;
    for t in g.iter().filter(|t| **t <= last_raw) {
        if let Some(v) = a.get(t) {
            prev = Some(*v);
        }
        if let Some(p) = prev {
            assert_eq!(r.get(t).copied(), Some(p), "FILL(m1, REPEAT) at {t}");
        }
    }
}

/// MATH, IF: `IF(m1 > 50, 1, 0)`-style comparison (the threshold adapted to the data) and `IF(m1 > x, m1)`,
/// which leaves out the points where the condition is false.
#[tokio::test]
async fn if_expressions() {
    let w = world();
    let m = ecs_cpu("checkout");
    let a = w.raw(&m, "Average").await;
    let mut sorted: Vec<f64> = a.values().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let thr = sorted[sorted.len() / 2];
    let out = w
        .ok(vec![
            hide(q("m1", &m, "Average")),
            e("e1", &format!("IF(m1 > {thr}, 1, 0)")),
            e("e2", &format!("IF(m1 > {thr}, m1)")),
        ])
        .await;
    let e1 = one(&out, "e1");
    agree(&e1, &map(&a, |v| if v > thr { 1.0 } else { 0.0 }), "IF(m1 > x, 1, 0)");
    assert!(e1.values().any(|v| *v == 1.0) && e1.values().any(|v| *v == 0.0));
    let e2 = one(&out, "e2");
    let want: Pts = a.iter().filter(|(_, v)| **v > thr).map(|(t, v)| (*t, *v)).collect();
    agree_min(&e2, &want, 10, "IF(m1 > x, m1)");
    assert!(e2.iter().all(|(t, _)| a.get(t).is_some_and(|v| *v > thr)), "no points where false");
}

/// The services in order of a statistic of their raw series, descending.
fn ranked(raw: &[Pts], stat: fn(&Pts) -> f64) -> Vec<&'static str> {
    let mut v: Vec<(f64, &str)> = raw.iter().map(stat).zip(SERVICES).collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0));
    v.into_iter().map(|p| p.1).collect()
}
fn avg_of(s: &Pts) -> f64 {
    mean(&s.values().copied().collect::<Vec<_>>())
}
fn sum_of(s: &Pts) -> f64 {
    s.values().sum()
}

/// MATH, FIRST/LAST and SORT: `FIRST(SORT(METRICS(), AVG, DESC))` is the metric with the highest average,
/// `LAST(SORT(METRICS(), AVG, DESC))` the lowest.
#[tokio::test]
async fn first_and_last_of_sort() {
    let w = world();
    let raw = cpus(&w).await;
    let order = ranked(&raw, avg_of);
    let mut qs = cpu_queries();
    qs.push(e("f", "FIRST(SORT(METRICS(), AVG, DESC))"));
    qs.push(e("l", "LAST(SORT(METRICS(), AVG, DESC))"));
    let out = w.ok(qs).await;
    let idx = |s: &str| SERVICES.iter().position(|x| *x == s).unwrap();
    agree(&one(&out, "f"), &raw[idx(order[0])], "FIRST");
    agree(&one(&out, "l"), &raw[idx(order[4])], "LAST");
}

/// MATH, SORT: `SORT(METRICS(), MAX, DESC, 3)`, the three highest maxima in order; SLICE:
/// `SLICE(SORT(METRICS(), SUM, DESC), 0, 2)`, the two highest sums.
#[tokio::test]
async fn sort_and_slice() {
    let w = world();
    let raw = cpus(&w).await;
    let mut qs = cpu_queries();
    qs.push(e("s", "SORT(METRICS(), MAX, DESC, 3)"));
    qs.push(e("sl", "SLICE(SORT(METRICS(), SUM, DESC), 0, 2)"));
    let out = w.ok(qs).await;
    let labels = |id: &str| results(&out, id).iter().map(|r| r.label.clone()).collect::<Vec<_>>();
    assert_eq!(labels("s"), ranked(&raw, max_of)[..3].to_vec());
    assert_eq!(labels("sl"), ranked(&raw, sum_of)[..2].to_vec());
}

/// MATH, REMOVE_EMPTY: `REMOVE_EMPTY(METRICS())` drops the series without data.
#[tokio::test]
async fn remove_empty() {
    let w = world();
    let ghost = ecs_cpu("ghost");
    assert!(w.raw_at(&ghost, "Average", P).await.is_empty());
    let out = w
        .ok(vec![
            hide(lab(q("m1", &ecs_cpu("web"), "Average"), "web")),
            hide(lab(q("m2", &ghost, "Average"), "ghost")),
            hide(lab(q("m3", &ecs_cpu("api"), "Average"), "api")),
            e("e1", "REMOVE_EMPTY(METRICS())"),
            e("e2", "METRICS()"),
        ])
        .await;
    let labels = |id: &str| results(&out, id).iter().map(|r| r.label.clone()).collect::<Vec<_>>();
    assert_eq!(labels("e1"), vec!["web", "api"]);
    assert_eq!(labels("e2").len(), 3);
}

/// MATH, TIME_SERIES: `TIME_SERIES(MAX(m1))`, a scalar made a series over the whole range.
#[tokio::test]
async fn time_series_of_a_scalar() {
    let w = world();
    let m = ecs_cpu("web");
    let a = w.raw(&m, "Average").await;
    let out = w.ok(vec![hide(q("m1", &m, "Average")), e("e1", "TIME_SERIES(MAX(m1))")]).await;
    let got = one(&out, "e1");
    let hi = max_of(&a);
    assert!(got.len() >= 35 && got.values().all(|v| close(*v, hi)), "{got:?} vs {hi}");
}

/// MATH, ANOMALY_DETECTION_BAND: `ANOMALY_DETECTION_BAND(m1)` is two series, upper and lower bound, around
/// the metric's expected value; `ANOMALY_DETECTION_BAND(m1, 4)` is twice as wide around the same centre.
#[tokio::test]
async fn anomaly_detection_band() {
    let w = world();
    let m = alb("RequestCount");
    let a = w.raw(&m, "Sum").await;
    let out = w
        .ok(vec![
            lab(q("m1", &m, "Sum"), "Requests"),
            e("ad2", "ANOMALY_DETECTION_BAND(m1)"),
            e("ad4", "ANOMALY_DETECTION_BAND(m1, 4)"),
        ])
        .await;
    agree(&one(&out, "m1"), &a, "m1 itself");
    let b2 = results(&out, "ad2");
    let b4 = results(&out, "ad4");
    assert_eq!((b2.len(), b4.len()), (2, 2));
    assert!(
        b2[0].label.contains("Upper") && b2[1].label.contains("Lower"),
        "{} / {}",
        b2[0].label,
        b2[1].label
    );
    let (u2, l2, u4, l4) = (pts(b2[0]), pts(b2[1]), pts(b4[0]), pts(b4[1]));
    let mut inside = 0;
    let mut n = 0;
    for (t, v) in &a {
        let (Some(u2), Some(l2), Some(u4), Some(l4)) = (u2.get(t), l2.get(t), u4.get(t), l4.get(t)) else {
            continue;
        };
        n += 1;
        assert!(u2 >= l2);
        assert!(close((u2 + l2) / 2.0, (u4 + l4) / 2.0), "same centre at {t}");
        assert!(close(u4 - l4, 2.0 * (u2 - l2)), "twice as wide at {t}");
        if l4 <= v && v <= u4 {
            inside += 1;
        }
    }
    assert!(n >= 30, "{n}");
    assert!(inside * 2 >= n, "the band is around the metric: {inside} of {n} inside");
}

/// MATH, "Functions": INSIGHT_RULE_METRIC, SERVICE_QUOTA and LAMBDA need Contributor Insights, Service
/// Quotas and Lambda: CloudWatch's ValidationError, never an empty series.
#[tokio::test]
async fn unsupported_functions_are_errors() {
    let w = world();
    for text in [
        r#"INSIGHT_RULE_METRIC("shop-top-talkers", "UniqueContributors")"#,
        "SERVICE_QUOTA(m1)",
        r#"LAMBDA("shop-metrics", m1)"#,
    ] {
        let r = w.gmd(vec![q("m1", &alb("RequestCount"), "Sum"), e("e1", text)]).await;
        let err = r.err().unwrap_or_else(|| panic!("{text} should be an error"));
        assert_eq!(err.code, "ValidationError", "{text}: {err:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// search-expression-syntax.html, search-expression-examples.html, graph-dynamic-labels.html
// ---------------------------------------------------------------------------------------------

/// Checks that a search result is exactly one series per expected metric, each equal to its direct query.
async fn check_found(w: &W, out: &GetMetricDataOutput, id: &str, expected: &[(String, Metric)], stat: &str, period: i64) {
    let rs = results(out, id);
    let labels: Vec<&str> = rs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(rs.len(), expected.len(), "{id}: {labels:?}");
    for (label, m) in expected {
        // A search's label is put before each series' default label (the dimension values).
        let r = rs
            .iter()
            .find(|r| r.label.starts_with(&format!("{label} ")))
            .unwrap_or_else(|| panic!("{label} in {labels:?}"));
        let raw = w.raw_at(m, stat, period).await;
        agree_min(&pts(r), &raw, raw.len().min(30), label);
    }
}

fn by_label(out: &GetMetricDataOutput, id: &str) -> BTreeMap<String, Pts> {
    results(out, id).into_iter().map(|r| (r.label.clone(), pts(r))).collect()
}

/// SYNTAX / EXAMPLES: `SEARCH('{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization"', 'Average', 300)`
/// finds every service's CPU (one series per catalogue metric), each equal to its direct query.
#[tokio::test]
async fn search_ecs_cpu_by_service() {
    let _ = (SYNTAX, EXAMPLES, LABELS);
    let w = world();
    let out = w.ok(vec![lab(e("e1", CPU_SEARCH), "${PROP('Dim.ServiceName')}")]).await;
    assert_eq!(
        results(&out, "e1").len(),
        catalogue_count("AWS/ECS", &["ClusterName", "ServiceName"], Some("CPUUtilization"))
    );
    let expected: Vec<(String, Metric)> = SERVICES.iter().map(|s| (s.to_string(), ecs_cpu(s))).collect();
    check_found(&w, &out, "e1", &expected, "Average", 300).await;
}

/// SYNTAX: the default label of a search result is made of its dimension values.
#[tokio::test]
async fn search_default_labels() {
    let w = world();
    let out = w.ok(vec![e("e1", CPU_SEARCH)]).await;
    let labels: Vec<String> = results(&out, "e1").iter().map(|r| r.label.clone()).collect();
    assert_eq!(labels.len(), 5);
    for s in SERVICES {
        assert!(labels.contains(&format!("shop-prod {s}")), "{s} in {labels:?}");
    }
}

/// SYNTAX: statistic and period of the search are those of each series: `'Maximum', 60`.
#[tokio::test]
async fn search_statistic_and_period() {
    let w = world();
    let text = r#"SEARCH('{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization"', 'Maximum', 60)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('Dim.ServiceName')}")]).await;
    let expected: Vec<(String, Metric)> = SERVICES.iter().map(|s| (s.to_string(), ecs_cpu(s))).collect();
    check_found(&w, &out, "e1", &expected, "Maximum", 60).await;
}

/// EXAMPLES (Lambda): `SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors"', 'Sum', 300)`, labelled by function.
#[tokio::test]
async fn search_lambda_errors() {
    let w = world();
    let text = r#"SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors"', 'Sum', 300)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('Dim.FunctionName')}")]).await;
    let expected: Vec<(String, Metric)> = LAMBDAS.iter().map(|f| (f.to_string(), lambda("Errors", f))).collect();
    check_found(&w, &out, "e1", &expected, "Sum", 300).await;
}

/// EXAMPLES: `SEARCH('{AWS/ApplicationELB,LoadBalancer,TargetGroup} MetricName="RequestCount"', 'Sum', 300)`,
/// one series per target group.
#[tokio::test]
async fn search_alb_target_groups() {
    let w = world();
    let text = r#"SEARCH('{AWS/ApplicationELB,LoadBalancer,TargetGroup} MetricName="RequestCount"', 'Sum', 300)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('Dim.TargetGroup')}")]).await;
    let n = catalogue_count("AWS/ApplicationELB", &["LoadBalancer", "TargetGroup"], Some("RequestCount"));
    assert_eq!(n, 3);
    let expected: Vec<(String, Metric)> = demo::metrics::catalogue()
        .into_iter()
        .map(|d| d.metric)
        .filter(|m| {
            m.namespace.as_deref() == Some("AWS/ApplicationELB")
                && m.metric_name.as_deref() == Some("RequestCount")
                && m.dimension("TargetGroup").is_some()
        })
        .map(|m| (m.dimension("TargetGroup").unwrap().to_string(), m))
        .collect();
    check_found(&w, &out, "e1", &expected, "Sum", 300).await;
}

/// EXAMPLES: `SUM(SEARCH('{AWS/Lambda,FunctionName} MetricName="Invocations"', 'Sum', 300))`, one line, the
/// pointwise sum of what the search found.
#[tokio::test]
async fn sum_of_search() {
    let w = world();
    let text = r#"SUM(SEARCH('{AWS/Lambda,FunctionName} MetricName="Invocations"', 'Sum', 300))"#;
    let out = w.ok(vec![e("e1", text)]).await;
    let mut raw = Vec::new();
    for f in LAMBDAS {
        raw.push(w.raw_at(&lambda("Invocations", f), "Sum", P).await);
    }
    // Where at least two functions report, the sum counts what every function has there.
    let got = one(&out, "e1");
    let mut checked = 0;
    for (t, v) in &got {
        let parts: Vec<f64> = raw.iter().filter_map(|r| r.get(t).copied()).collect();
        if !parts.is_empty() {
            checked += 1;
            assert!(close(*v, parts.iter().sum()), "at {t}: {v} vs {parts:?}");
        }
    }
    assert!(checked >= 30, "{checked}");
}

/// EXAMPLES: `AVG(SEARCH(...))` and `MAX(SEARCH(...))` over every service's CPU, pointwise.
#[tokio::test]
async fn avg_and_max_of_search() {
    let w = world();
    let raw = cpus(&w).await;
    let refs: Vec<&Pts> = raw.iter().collect();
    let out = w
        .ok(vec![e("a", &format!("AVG({CPU_SEARCH})")), e("m", &format!("MAX({CPU_SEARCH})"))])
        .await;
    agree(&one(&out, "a"), &zip_all(&refs, |v| Some(mean(v))), "AVG(SEARCH)");
    agree(
        &one(&out, "m"),
        &zip_all(&refs, |v| Some(v.iter().copied().fold(f64::NEG_INFINITY, f64::max))),
        "MAX(SEARCH)",
    );
}

/// EXAMPLES ("the top N"): `SORT(SEARCH(...), MAX, DESC, 3)`, the three services with the highest maximum CPU, in order.
#[tokio::test]
async fn sort_search_top_three() {
    let w = world();
    let raw = cpus(&w).await;
    let out = w
        .ok(vec![lab(
            e("e1", &format!("SORT({CPU_SEARCH}, MAX, DESC, 3)")),
            "${PROP('Dim.ServiceName')}",
        )])
        .await;
    let labels: Vec<String> = results(&out, "e1").iter().map(|r| r.label.clone()).collect();
    let want: Vec<String> = ranked(&raw, max_of)[..3].iter().map(|s| format!("{s} shop-prod {s}")).collect();
    assert_eq!(labels, want);
}

/// SYNTAX, Boolean operators: `NOT ServiceName="worker"` excludes one service.
#[tokio::test]
async fn search_not() {
    let w = world();
    let text = r#"SEARCH('{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization" NOT ServiceName="worker"', 'Average', 300)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('Dim.ServiceName')}")]).await;
    let expected: Vec<(String, Metric)> = SERVICES
        .iter()
        .filter(|s| **s != "worker")
        .map(|s| (s.to_string(), ecs_cpu(s)))
        .collect();
    check_found(&w, &out, "e1", &expected, "Average", 300).await;
}

/// SYNTAX, Boolean operators with grouping: `(ServiceName="web" OR ServiceName="api")`.
#[tokio::test]
async fn search_grouped_or() {
    let w = world();
    let text = r#"SEARCH('{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization" (ServiceName="web" OR ServiceName="api")', 'Average', 300)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('Dim.ServiceName')}")]).await;
    let expected = vec![("web".to_string(), ecs_cpu("web")), ("api".to_string(), ecs_cpu("api"))];
    check_found(&w, &out, "e1", &expected, "Average", 300).await;
}

/// SYNTAX: `MetricName="Errors" OR MetricName="Throttles"` in one schema.
#[tokio::test]
async fn search_metric_name_or() {
    let w = world();
    let text = r#"SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors" OR MetricName="Throttles"', 'Sum', 300)"#;
    let out = w
        .ok(vec![lab(e("e1", text), "${PROP('Dim.FunctionName')} ${PROP('MetricName')}")])
        .await;
    let mut expected = Vec::new();
    for f in LAMBDAS {
        for n in ["Errors", "Throttles"] {
            expected.push((format!("{f} {n}"), lambda(n, f)));
        }
    }
    check_found(&w, &out, "e1", &expected, "Sum", 300).await;
}

/// SYNTAX, partial match: the term `order` matches the token `order` of `order-events`.
#[tokio::test]
async fn search_partial_term() {
    let w = world();
    let text = r#"SEARCH('{AWS/Lambda,FunctionName} MetricName="Invocations" order', 'Sum', 300)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('Dim.FunctionName')}")]).await;
    let expected = vec![("order-events".to_string(), lambda("Invocations", "order-events"))];
    check_found(&w, &out, "e1", &expected, "Sum", 300).await;
}

/// SYNTAX, exact match: `FunctionName="order-events"` matches that function only (not `order` anything else).
#[tokio::test]
async fn search_exact_dimension() {
    let w = world();
    let text = r#"SEARCH('{AWS/Lambda,FunctionName} FunctionName="order-events"', 'Sum', 300)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('MetricName')}")]).await;
    let names = ["Invocations", "Errors", "Duration", "Throttles", "ConcurrentExecutions"];
    assert_eq!(catalogue_count("AWS/Lambda", &["FunctionName"], None), names.len() * LAMBDAS.len());
    let expected: Vec<(String, Metric)> = names.iter().map(|n| (n.to_string(), lambda(n, "order-events"))).collect();
    check_found(&w, &out, "e1", &expected, "Sum", 300).await;
}

/// SYNTAX: a schema alone, `SEARCH('{AWS/Lambda,FunctionName}', 'Sum', 300)`, finds every metric with exactly
/// that schema.
#[tokio::test]
async fn search_schema_only() {
    let w = world();
    let out = w.ok(vec![e("e1", "SEARCH('{AWS/Lambda,FunctionName}', 'Sum', 300)")]).await;
    assert_eq!(results(&out, "e1").len(), catalogue_count("AWS/Lambda", &["FunctionName"], None));
}

/// SYNTAX, exact match is case sensitive: `MetricName="cpuutilization"` finds nothing (an empty answer, no error).
#[tokio::test]
async fn search_exact_case_sensitive() {
    let w = world();
    let text = r#"SEARCH('{AWS/ECS,ClusterName,ServiceName} MetricName="cpuutilization"', 'Average', 300)"#;
    let out = w.ok(vec![e("e1", text)]).await;
    assert!(results(&out, "e1").iter().all(|r| r.values.is_empty()));
}

/// EXAMPLES: `SEARCH('MetricName="CPUUtilization"', 'Average', 300)` finds CPUUtilization in every namespace
/// (ECS cluster, ECS services, RDS).
#[tokio::test]
async fn search_metric_name_everywhere() {
    let w = world();
    let out = w
        .ok(vec![lab(
            e("e1", r#"SEARCH('MetricName="CPUUtilization"', 'Average', 300)"#),
            "${PROP('Namespace')}",
        )])
        .await;
    let n = demo::metrics::catalogue()
        .iter()
        .filter(|d| d.metric.metric_name.as_deref() == Some("CPUUtilization"))
        .count();
    let labels: Vec<String> = results(&out, "e1").iter().map(|r| r.label.clone()).collect();
    assert_eq!(labels.len(), n);
    assert_eq!(labels.iter().filter(|l| *l == "AWS/RDS shop-db").count(), 1, "{labels:?}");
    assert_eq!(labels.iter().filter(|l| l.starts_with("AWS/ECS shop")).count(), n - 1, "{labels:?}");
}

/// SYNTAX: `Namespace="AWS/SQS" MetricName="NumberOfMessagesSent"`, designators without a schema.
#[tokio::test]
async fn search_namespace_designator() {
    let w = world();
    let text = r#"SEARCH('Namespace="AWS/SQS" MetricName="NumberOfMessagesSent"', 'Sum', 300)"#;
    let out = w.ok(vec![lab(e("e1", text), "${PROP('Dim.QueueName')}")]).await;
    let expected: Vec<(String, Metric)> = ["order-events", "image-jobs"]
        .iter()
        .map(|qn| (qn.to_string(), Metric::new("AWS/SQS", "NumberOfMessagesSent", &[("QueueName", qn)])))
        .collect();
    check_found(&w, &out, "e1", &expected, "Sum", 300).await;
}

/// LABELS: `${MAX}` and `${LAST}` on each series of a search are that series' maximum and last value.
#[tokio::test]
async fn dynamic_labels_max_and_last() {
    let w = world();
    let raw = cpus(&w).await;
    let out = w
        .ok(vec![lab(e("e1", CPU_SEARCH), "${PROP('Dim.ServiceName')}|${MAX}|${LAST}|")])
        .await;
    let got = by_label(&out, "e1");
    assert_eq!(got.len(), 5);
    for (svc, a) in SERVICES.iter().zip(&raw) {
        let (label, series) = got
            .iter()
            .find(|(l, _)| l.starts_with(&format!("{svc}|")))
            .unwrap_or_else(|| panic!("{svc}: {:?}", got.keys()));
        let parts: Vec<&str> = label.split('|').collect();
        let (mx, last): (f64, f64) = (parts[1].parse().unwrap(), parts[2].parse().unwrap());
        // Of the answered series (the label speaks for what was returned).
        assert!((mx - max_of(series)).abs() <= 0.01, "{label}");
        assert!((last - series.values().last().unwrap()).abs() <= 0.01, "{label}");
        // And that series is the raw one.
        agree(series, a, svc);
    }
}

/// LABELS: `${PROP('Dim.ServiceName')}` and `${PROP('MetricName')}` on a MetricStat query; `${AVG}` is its average.
#[tokio::test]
async fn dynamic_labels_on_a_metric() {
    let w = world();
    let m = ecs_cpu("checkout");
    let a = w.raw(&m, "Average").await;
    let out = w
        .ok(vec![lab(
            q("m1", &m, "Average"),
            "${PROP('Dim.ServiceName')} ${PROP('MetricName')} avg ${AVG}",
        )])
        .await;
    let r = results(&out, "m1")[0];
    let prefix = "checkout CPUUtilization avg ";
    assert!(r.label.starts_with(prefix), "{}", r.label);
    let avg: f64 = r.label[prefix.len()..].parse().unwrap();
    assert!((avg - avg_of(&pts(r))).abs() <= 0.01, "{}", r.label);
    agree(&pts(r), &a, "m1");
}
