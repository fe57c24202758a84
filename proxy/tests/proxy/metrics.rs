//! The metrics path against real demo worlds: single-flight, batching, renaming, stale serving,
//! throttling, and answers equal to asking the source directly.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cloudwatch::alarms::*;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::{CallContext, LiveTailStream, Source, SourceError};
use demo::{DemoConfig, DemoSource};
use proptest::prelude::*;
use proxy::limits::{Limits, LimitsConfig};
use proxy::metrics::pack::pack;
use proxy::metrics::units::{split, validate, Unit, MAX_POINTS, MAX_QUERIES};
use proxy::metrics::{MetricsConfig, MetricsProxy, MetricsRequest, TimeSpec, WidgetData, WidgetQuery};
use proxy::usage::Usage;
use proxy::{Principal, RequestContext};
use serde::Deserialize;
use time::OffsetDateTime;

fn world(quotas: bool) -> Arc<DemoSource> {
    Arc::new(DemoSource::new(DemoConfig {
        seed: 7,
        anchor: OffsetDateTime::now_utc() - time::Duration::hours(1),
        quotas,
        ..DemoConfig::default()
    }))
}

fn viewer(name: &str) -> RequestContext {
    RequestContext {
        principal: Principal::User(format!("{name}@example.com")),
        privileged: false,
        dashboard: Some("war-room".into()),
        widget: None,
    }
}

fn proxy() -> MetricsProxy {
    MetricsProxy::new(MetricsConfig::default(), Limits::default(), Usage::default())
}

fn war_room_request(start: &str) -> MetricsRequest {
    MetricsRequest {
        widgets: demo::dashboards::war_room()
            .metric_widgets
            .into_iter()
            .enumerate()
            .map(|(i, (_, queries))| WidgetQuery {
                id: format!("w{i}"),
                queries,
                start: TimeSpec::Text(start.into()),
                end: None,
                label_options: None,
            })
            .collect(),
        dashboard: Some("war-room".into()),
    }
}

#[derive(Deserialize)]
struct Body {
    widgets: Vec<WidgetData>,
}

fn body(bytes: &[u8]) -> Vec<WidgetData> {
    serde_json::from_slice::<Body>(bytes).unwrap().widgets
}

/// One widget, `cpu`: the api service's average CPU over `[start, end]` at 60 s.
/// Now, but never in a minute's first second. A fixed range ending on that very second counts as
/// open (aligned a minute on) only while the second lasts, so a test asking the same range again
/// a moment later would see a second range: one CI run in sixty failed on it.
async fn now_off_a_minute_boundary() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    if now.unix_timestamp() % 60 != 0 {
        return now;
    }
    tokio::time::sleep(Duration::from_millis(1_050 - u64::from(now.millisecond()))).await;
    OffsetDateTime::now_utc()
}

fn cpu_last(start: i64, end: i64) -> MetricsRequest {
    MetricsRequest {
        widgets: vec![widget(
            "cpu",
            vec![metric("m1", "CPUUtilization", "api", "Average", 60)],
            start,
            end,
        )],
        dashboard: None,
    }
}

/// A proxy whose open ranges stay fresh for `ttl` windows.
fn proxy_with_ttl(ttl: Duration) -> MetricsProxy {
    let config = MetricsConfig {
        min_ttl: ttl,
        max_ttl: ttl,
        ..MetricsConfig::default()
    };
    MetricsProxy::new(config, Limits::default(), Usage::default())
}

fn gmd_calls(w: &DemoSource) -> u64 {
    w.call_log().totals().get("GetMetricData").map_or(0, |c| c.calls)
}

fn metric(id: &str, name: &str, service: &str, stat: &str, period: i64) -> MetricDataQuery {
    MetricDataQuery {
        id: id.into(),
        metric_stat: Some(MetricStat {
            metric: Metric::new("AWS/ECS", name, &[("ClusterName", "shop-prod"), ("ServiceName", service)]),
            period,
            stat: stat.into(),
            unit: None,
        }),
        ..MetricDataQuery::default()
    }
}

fn expression(id: &str, e: &str) -> MetricDataQuery {
    MetricDataQuery {
        id: id.into(),
        expression: Some(e.into()),
        ..MetricDataQuery::default()
    }
}

fn widget(id: &str, queries: Vec<MetricDataQuery>, start: i64, end: i64) -> WidgetQuery {
    WidgetQuery {
        id: id.into(),
        queries,
        start: TimeSpec::EpochMs(start * 1000),
        end: Some(TimeSpec::EpochMs(end * 1000)),
        label_options: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_viewer_of_the_war_room_makes_one_call_per_range_and_period() {
    let w = world(true);
    let p = proxy();
    let now = OffsetDateTime::now_utc();
    let req = war_room_request("-PT3H");
    let answer = p.widgets(&viewer("a"), "demo", w.clone(), &req, now).await;
    // The war room has two (range, period) groups: 1-minute and 5-minute widgets.
    assert_eq!(gmd_calls(&w), 2, "{:?}", w.call_log().totals());
    let widgets = body(&answer.json);
    assert_eq!(widgets.len(), 16);
    for wd in &widgets {
        assert!(wd.errors.is_empty(), "{}: {:?}", wd.id, wd.errors);
        assert!(!wd.results.is_empty(), "{} has no series", wd.id);
        assert!(wd.results.iter().any(|r| !r.values.is_empty()), "{} has no data", wd.id);
    }
    // The SEARCH widget found every service.
    assert_eq!(widgets[15].results.len(), 5);
    // Asked again within the TTL: nothing goes upstream.
    let again = p.widgets(&viewer("b"), "demo", w.clone(), &req, now).await;
    assert_eq!(gmd_calls(&w), 2);
    assert_eq!(again.json, answer.json, "the same view is served the same bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_requests_share_one_upstream_call() {
    let w = world(false);
    let p = proxy();
    let now = OffsetDateTime::now_utc();
    let end = now.unix_timestamp();
    let req = MetricsRequest {
        widgets: vec![widget(
            "cpu",
            vec![metric("m1", "CPUUtilization", "checkout", "Average", 60)],
            end - 3600,
            end,
        )],
        dashboard: None,
    };
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (p, w, req) = (p.clone(), w.clone(), req.clone());
        tasks.push(tokio::spawn(async move {
            p.widgets(&viewer(&format!("u{i}")), "demo", w, &req, now).await
        }));
    }
    let mut bodies = HashSet::new();
    for t in tasks {
        bodies.insert(t.await.unwrap().json.clone());
    }
    assert_eq!(gmd_calls(&w), 1);
    assert_eq!(bodies.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_ids_are_their_own_and_answers_match_the_source() {
    let w = world(false);
    let p = proxy();
    let now = OffsetDateTime::now_utc();
    let end = now.unix_timestamp() / 60 * 60;
    let start = end - 7200;
    // Two viewers ask the same thing under different ids.
    let a = vec![
        metric("m1", "CPUUtilization", "api", "Average", 60),
        metric("m2", "CPUUtilization", "web", "Average", 60),
        expression("e1", "m1 + m2"),
    ];
    let b = vec![
        metric("api", "CPUUtilization", "api", "Average", 60),
        metric("web", "CPUUtilization", "web", "Average", 60),
        expression("both", "api + web"),
    ];
    let ra = body(
        &p.widgets(
            &viewer("a"),
            "demo",
            w.clone(),
            &MetricsRequest {
                widgets: vec![widget("x", a.clone(), start, end)],
                dashboard: None,
            },
            now,
        )
        .await
        .json,
    );
    let calls = gmd_calls(&w);
    let rb = body(
        &p.widgets(
            &viewer("b"),
            "demo",
            w.clone(),
            &MetricsRequest {
                widgets: vec![widget("y", b, start, end)],
                dashboard: None,
            },
            now,
        )
        .await
        .json,
    );
    assert_eq!(gmd_calls(&w), calls, "the second viewer is served from the cache");
    let ids_a: Vec<&str> = ra[0].results.iter().map(|r| r.id.as_str()).collect();
    let ids_b: Vec<&str> = rb[0].results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids_a, ["m1", "m2", "e1"]);
    assert_eq!(ids_b, ["api", "web", "both"]);
    for (x, y) in ra[0].results.iter().zip(&rb[0].results) {
        assert_eq!(x.values, y.values);
    }
    // The same queries asked of the source directly give the same series.
    let direct = w
        .get_metric_data(
            &CallContext::system(),
            GetMetricDataInput {
                metric_data_queries: a,
                start_time: OffsetDateTime::from_unix_timestamp(start).unwrap(),
                end_time: OffsetDateTime::from_unix_timestamp(end).unwrap(),
                scan_by: Some(ScanBy::TimestampAscending),
                next_token: None,
                max_datapoints: None,
                label_options: None,
            },
        )
        .await
        .unwrap();
    for r in &ra[0].results {
        let d = direct.metric_data_results.iter().find(|d| d.id == r.id).unwrap();
        assert_eq!(d.timestamps, r.timestamps, "{}", r.id);
        // (The answer went through JSON text: equal to the last printed digit.)
        assert_eq!(d.values.len(), r.values.len(), "{}", r.id);
        for (x, y) in d.values.iter().zip(&r.values) {
            assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{}: {x} != {y}", r.id);
        }
        assert_eq!(d.label, r.label, "{}", r.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_query_fails_only_its_series() {
    let w = world(false);
    let p = proxy();
    let now = OffsetDateTime::now_utc();
    let end = now.unix_timestamp();
    let req = MetricsRequest {
        widgets: vec![
            widget("good", vec![metric("m1", "CPUUtilization", "api", "Average", 60)], end - 3600, end),
            widget("bad", vec![metric("m1", "CPUUtilization", "api", "p999.5x", 60)], end - 3600, end),
            widget("unknown", vec![expression("e1", "m9 * 2")], end - 3600, end),
        ],
        dashboard: None,
    };
    let out = body(&p.widgets(&viewer("a"), "demo", w.clone(), &req, now).await.json);
    assert!(out[0].errors.is_empty(), "{:?}", out[0].errors);
    assert!(!out[0].results[0].values.is_empty());
    assert_eq!(out[1].errors.len(), 1, "{:?}", out[1]);
    assert!(out[1].results.is_empty());
    assert!(out[2].errors[0].message.contains("m9"), "{:?}", out[2].errors);
}

/// A demo world that can be made to fail, behind a proxy that tries each call once.
fn outage_proxy() -> (Arc<Outage>, MetricsProxy) {
    let src = Arc::new(Outage {
        world: world(false),
        down: AtomicBool::new(false),
    });
    let config = MetricsConfig {
        max_attempts: 1,
        ..MetricsConfig::default()
    };
    (src, MetricsProxy::new(config, Limits::default(), Usage::default()))
}

/// An epoch second as the time a request was made.
fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).expect("time")
}

/// A real demo world that can be made to fail (an upstream outage).
struct Outage {
    world: Arc<DemoSource>,
    down: AtomicBool,
}

macro_rules! delegate {
    ($($name:ident($input:ty) -> $output:ty;)*) => {
        #[async_trait]
        impl Source for Outage {
            fn kind(&self) -> &'static str {
                "demo"
            }
        $(
            async fn $name(&self, cx: &CallContext, input: $input) -> Result<$output, SourceError> {
                if self.down.load(Ordering::SeqCst) {
                    return Err(SourceError::new(cloudwatch::ErrorKind::Unavailable, "ServiceUnavailable", "CloudWatch is down"));
                }
                self.world.$name(cx, input).await
            }
        )*
        }
    };
}

delegate! {
        get_metric_data(GetMetricDataInput) -> GetMetricDataOutput;
        list_metrics(ListMetricsInput) -> ListMetricsOutput;
        describe_alarms(DescribeAlarmsInput) -> DescribeAlarmsOutput;
        describe_alarms_for_metric(DescribeAlarmsForMetricInput) -> DescribeAlarmsForMetricOutput;
        describe_alarm_history(DescribeAlarmHistoryInput) -> DescribeAlarmHistoryOutput;
        list_dashboards(ListDashboardsInput) -> ListDashboardsOutput;
        get_dashboard(GetDashboardInput) -> GetDashboardOutput;
        put_dashboard(PutDashboardInput) -> PutDashboardOutput;
        describe_log_groups(DescribeLogGroupsInput) -> DescribeLogGroupsOutput;
        get_log_group_fields(GetLogGroupFieldsInput) -> GetLogGroupFieldsOutput;
        start_query(StartQueryInput) -> StartQueryOutput;
        get_query_results(QueryIdInput) -> GetQueryResultsOutput;
        stop_query(QueryIdInput) -> StopQueryOutput;
        get_log_record(GetLogRecordInput) -> GetLogRecordOutput;
        get_log_events(GetLogEventsInput) -> GetLogEventsOutput;
        filter_log_events(FilterLogEventsInput) -> FilterLogEventsOutput;
        start_live_tail(StartLiveTailInput) -> LiveTailStream;
        describe_query_definitions(DescribeQueryDefinitionsInput) -> DescribeQueryDefinitionsOutput;
        put_query_definition(QueryDefinition) -> PutQueryDefinitionOutput;
        delete_query_definition(DeleteQueryDefinitionInput) -> DeleteQueryDefinitionOutput;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_good_data_is_served_stale_when_upstream_fails() {
    let src = Arc::new(Outage {
        world: world(false),
        down: AtomicBool::new(false),
    });
    let config = MetricsConfig {
        min_ttl: Duration::from_millis(200),
        max_ttl: Duration::from_millis(200),
        max_attempts: 2,
        backoff_base: Duration::from_millis(10),
        ..MetricsConfig::default()
    };
    let p = MetricsProxy::new(config, Limits::default(), Usage::default());
    let now = now_off_a_minute_boundary().await;
    let end = now.unix_timestamp();
    let req = cpu_last(end - 3600, end);
    let good = body(
        &p.widgets(&viewer("a"), "demo", src.clone(), &req, OffsetDateTime::now_utc())
            .await
            .json,
    );
    assert!(!good[0].stale);
    src.down.store(true, Ordering::SeqCst);
    // Past twice the TTL the entry is refetched (and fails): the old data is served, marked.
    tokio::time::sleep(Duration::from_millis(450)).await;
    let stale = body(
        &p.widgets(&viewer("a"), "demo", src.clone(), &req, OffsetDateTime::now_utc())
            .await
            .json,
    );
    assert!(stale[0].stale, "{:?}", stale[0]);
    assert!(stale[0].errors.is_empty(), "no error reaches the widget while old data exists");
    assert_eq!(stale[0].results[0].values, good[0].results[0].values);
    assert_eq!(stale[0].fetched_at, good[0].fetched_at, "the age is the age of the data");
    // A widget never fetched before gets its error, and the page still answers.
    let other = MetricsRequest {
        widgets: vec![
            widget("cpu", vec![metric("m1", "CPUUtilization", "api", "Average", 60)], end - 3600, end),
            widget(
                "mem",
                vec![metric("m1", "MemoryUtilization", "api", "Average", 60)],
                end - 3600,
                end,
            ),
        ],
        dashboard: None,
    };
    let mixed = body(
        &p.widgets(&viewer("a"), "demo", src.clone(), &other, OffsetDateTime::now_utc())
            .await
            .json,
    );
    assert!(mixed[0].stale && mixed[0].errors.is_empty());
    assert_eq!(mixed[1].errors[0].code, "ServiceUnavailable");
    // Upstream back: fresh again.
    src.down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(450)).await;
    let back = body(
        &p.widgets(&viewer("a"), "demo", src.clone(), &other, OffsetDateTime::now_utc())
            .await
            .json,
    );
    assert!(!back[0].stale && back[1].errors.is_empty(), "{back:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_by_the_demo_quota_never_reaches_the_page() {
    // 120 distinct widgets at different periods: far more GetMetricData calls than the demo's
    // 50-per-second quota allows at once.
    let w = world(true);
    let p = proxy();
    let now = OffsetDateTime::now_utc();
    let end = now.unix_timestamp();
    let services = ["web", "api", "checkout", "worker", "ai-service"];
    let mut widgets = Vec::new();
    for k in 0..120 {
        let period = 60 * (k + 1);
        widgets.push(widget(
            &format!("w{k}"),
            vec![metric("m1", "CPUUtilization", services[k as usize % 5], "Average", period)],
            end - 6 * 3600,
            end,
        ));
    }
    let out = body(
        &p.widgets(&viewer("a"), "demo", w.clone(), &MetricsRequest { widgets, dashboard: None }, now)
            .await
            .json,
    );
    for wd in &out {
        assert!(wd.errors.is_empty(), "{}: {:?}", wd.id, wd.errors);
    }
    let log = w.call_log().totals();
    let gmd = log.get("GetMetricData").copied().unwrap_or_default();
    assert_eq!(gmd.throttled, 0, "the proxy's bucket kept under the quota: {gmd:?}");
    for (_, n) in w.call_log().per_second("GetMetricData") {
        assert!(n <= 50, "{n} calls in one second");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn buckets_in_postgres_are_shared_by_replicas(db: sqlx::PgPool) {
    let w = world(false);
    let config = || LimitsConfig {
        tps: [("GetMetricData".to_string(), 20.0)].into_iter().collect(),
        share: 1.0,
        burst: 1.0,
        ..LimitsConfig::default()
    };
    let a = Limits::new(Some(db.clone()), config());
    let b = Limits::new(Some(db.clone()), config());
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let l = if i % 2 == 0 { a.clone() } else { b.clone() };
        let w = w.clone();
        tasks.push(tokio::spawn(async move { l.acquire(w.as_ref(), "demo-a", "GetMetricData").await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    // 20 tokens of burst, then 20 per second across both replicas: 40 more take 2 s at least
    // (each replica alone would have let its 30 through in half a second).
    assert!(started.elapsed() >= Duration::from_millis(1_900), "{:?}", started.elapsed());
    // Two connections to one account share it too: the bucket is the account's.
    let rows: Vec<String> = sqlx::query_scalar("SELECT bucket FROM rate_buckets").fetch_all(&db).await.unwrap();
    assert_eq!(rows, ["123456789012/us-east-1/GetMetricData"]);
    // Callers arriving together share round trips: 60 calls, far fewer writes.
    let trips = a.round_trips() + b.round_trips();
    assert!(trips <= 10, "{trips} round trips for 60 concurrent calls");
}

#[tokio::test(flavor = "current_thread")]
async fn calls_that_wake_together_after_a_stall_still_leave_at_most_the_quota_a_second() {
    // 150 calls reserve their turns at 40/s (plus 10 of burst), then the runtime stalls for
    // 800 ms: every sleeper due in that time wakes at its end, together with the next second's.
    // No one-second window may see more than the quota (50) leave.
    let w = world(false);
    let limits = Limits::default();
    let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..150 {
        let (l, w, sent) = (limits.clone(), w.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            l.acquire(w.as_ref(), "demo", "GetMetricData").await.unwrap();
            sent.lock().unwrap().push(std::time::Instant::now());
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    std::thread::sleep(Duration::from_millis(800));
    for t in tasks {
        t.await.unwrap();
    }
    let mut at = sent.lock().unwrap().clone();
    at.sort();
    assert_eq!(at.len(), 150);
    let busiest = (0..at.len())
        .map(|i| {
            at[i..]
                .iter()
                .take_while(|t| t.duration_since(at[i]) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(busiest <= 50, "{busiest} calls left within one second");
}

#[sqlx::test(migrations = "../migrations")]
async fn tokens_given_back_by_refused_calls_never_lift_a_bucket_above_its_burst(db: sqlx::PgPool) {
    let w = world(false);
    let limits = Limits::new(
        Some(db.clone()),
        LimitsConfig {
            tps: [("GetMetricData".to_string(), 10.0)].into_iter().collect(),
            share: 1.0,
            burst: 0.1,
            max_wait: Duration::from_millis(100),
        },
    );
    // A storm: most of 60 callers would wait too long, are refused and give their tokens back.
    let mut tasks = Vec::new();
    for _ in 0..60 {
        let (l, w) = (limits.clone(), w.clone());
        tasks.push(tokio::spawn(async move {
            l.acquire(w.as_ref(), "demo-a", "GetMetricData").await.is_ok()
        }));
    }
    let mut allowed = 0;
    for t in tasks {
        allowed += usize::from(t.await.unwrap());
    }
    assert!(allowed < 10, "{allowed} of 60 allowed at 10/s with a 100 ms wait");
    // Ten calls after it are still spaced at 10/s: the refunds did not become a burst.
    let started = std::time::Instant::now();
    let mut got = 0;
    while got < 10 {
        if limits.acquire(w.as_ref(), "demo-a", "GetMetricData").await.is_ok() {
            got += 1;
        }
    }
    assert!(started.elapsed() >= Duration::from_millis(700), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_series_too_long_for_one_call_has_its_period_raised_and_said() {
    let end = 1_700_000_000;
    let start = end - 90 * 86_400;
    let q = vec![metric("m1", "CPUUtilization", "api", "Average", 60)];
    validate(&q, start, end).unwrap();
    let units = split(&q, start, end, None);
    let unit = units[0].1.as_ref().unwrap();
    assert!(unit.points <= MAX_POINTS, "{}", unit.points);
    assert_eq!(unit.period, 120);
    assert!(unit.note.as_ref().unwrap().contains("raised from 60 s to 120 s"));
}

#[tokio::test]
async fn metrics_calls_are_written_out_before_renaming() {
    let q = vec![
        metric("err1", "CPUUtilization", "api", "Sum", 60),
        metric("err2", "CPUUtilization", "web", "Sum", 60),
        metric("ok", "CPUUtilization", "checkout", "Sum", 60),
        expression("total", "SUM(METRICS(\"err\"))"),
    ];
    let units = split(&q, 0, 3600, None);
    let total = units.iter().find(|(id, _)| id == "total").unwrap().1.as_ref().unwrap();
    assert_eq!(total.queries.len(), 3, "{:?}", total.queries);
    assert_eq!(total.queries[2].expression.as_deref(), Some("SUM([q0, q1])"));
}

fn arb_unit() -> impl Strategy<Value = Unit> {
    // Ranges from 1 h to 30 days, 1 to 40 metrics, a few expressions, periods 60..3600.
    (
        1i64..720,
        prop::sample::select(vec![60i64, 300, 3600]),
        1usize..40,
        0usize..3,
        0i64..3,
    )
        .prop_map(|(hours, period, n, exprs, offset)| {
            let mut q: Vec<MetricDataQuery> = (0..n)
                .map(|i| metric(&format!("m{i}"), "CPUUtilization", "api", &format!("p{}", i % 99 + 1), period))
                .collect();
            for (k, m) in q.iter_mut().enumerate() {
                m.return_data = Some(k == 0 && exprs == 0);
            }
            if exprs > 0 {
                q.push(expression(
                    "e0",
                    &format!("SUM([{}])", (0..n).map(|i| format!("m{i}")).collect::<Vec<_>>().join(", ")),
                ));
            }
            let end = 1_700_000_000 + offset * 86_400;
            let units = split(&q, end - hours * 3600, end, None);
            units.into_iter().next().unwrap().1.unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn packing_respects_the_limits_and_loses_nothing(units in prop::collection::vec(arb_unit(), 1..150)) {
        let units: Vec<Arc<Unit>> = units.into_iter().map(Arc::new).collect();
        let calls = pack(units.clone());
        let mut seen = 0;
        for call in &calls {
            prop_assert!(call.queries.len() <= MAX_QUERIES, "{} queries", call.queries.len());
            prop_assert!(call.points <= MAX_POINTS || call.units.len() == 1, "{} points", call.points);
            let ids: HashSet<&str> = call.queries.iter().map(|q| q.id.as_str()).collect();
            prop_assert_eq!(ids.len(), call.queries.len(), "ids collide");
            for (k, u) in call.units.iter().enumerate() {
                prop_assert_eq!((u.start, u.end, u.period), (call.start, call.end, call.period));
                let root = call.queries.iter().find(|q| q.id == call.roots[k]).unwrap();
                prop_assert_eq!(root.return_data, Some(true));
                // Every id an expression names is in the call.
                for q in &call.queries {
                    if let Some(e) = &q.expression {
                        let mut refs = Vec::new();
                        metricmath::expr::parse(e).unwrap().refs(&mut refs);
                        for (r, _) in refs {
                            prop_assert!(ids.contains(r.as_str()), "{} names {}", e, r);
                        }
                    }
                }
            }
            seen += call.units.len();
        }
        prop_assert_eq!(seen, units.len());
    }
}

/// Time left in the wall-clock window of length `ttl` (windows are multiples since the epoch).
fn until_next_window(ttl: Duration) -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    Duration::from_millis((ttl.as_millis() - now % ttl.as_millis()) as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_viewer_and_a_war_room_refetch_once_per_clock_window() {
    // A lone viewer refreshing every TTL, at any phase, refetches at every refresh: freshness
    // ends on the window's boundary, not a TTL after the fetch (which a viewer a TTL later would
    // land just inside of every other time).
    let w = world(false);
    let ttl = Duration::from_millis(400);
    let config = MetricsConfig {
        min_ttl: ttl,
        max_ttl: ttl,
        revalidate_wait: Duration::from_secs(2),
        ..MetricsConfig::default()
    };
    let p = MetricsProxy::new(config, Limits::default(), Usage::default());
    let now = now_off_a_minute_boundary().await;
    let end = now.unix_timestamp();
    let req = cpu_last(end - 3600, end);
    // Start a little after a boundary, then ask once per window at the same phase.
    tokio::time::sleep(until_next_window(ttl) + Duration::from_millis(100)).await;
    for _ in 0..4 {
        let _ = p.widgets(&viewer("a"), "demo", w.clone(), &req, OffsetDateTime::now_utc()).await;
        tokio::time::sleep(until_next_window(ttl) + Duration::from_millis(100)).await;
    }
    assert_eq!(gmd_calls(&w), 4, "one fetch per window for one viewer");
    // Twenty viewers asking through one window, at every phase of it, share one fetch.
    let start = gmd_calls(&w);
    for i in 0..20 {
        let _ = p
            .widgets(&viewer(&format!("v{i}")), "demo", w.clone(), &req, OffsetDateTime::now_utc())
            .await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        gmd_calls(&w) - start <= 2,
        "twenty viewers in one window: {}",
        gmd_calls(&w) - start
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_judged_at_the_time_it_resolved_its_ranges() {
    // A request that resolved "now" just before a window ended and reaches the cache just after
    // finds the entry of its own window fresh: it does not refresh a range the next request will
    // not ask for (at a minute boundary, relative ranges move on).
    let w = world(false);
    let ttl = Duration::from_millis(400);
    let p = proxy_with_ttl(ttl);
    let end = now_off_a_minute_boundary().await.unix_timestamp();
    let req = cpu_last(end - 3600, end);
    tokio::time::sleep(until_next_window(ttl) + Duration::from_millis(50)).await;
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &req, OffsetDateTime::now_utc()).await;
    assert_eq!(gmd_calls(&w), 1);
    // Resolved 40 ms before the window's end, looked up 40 ms after it.
    tokio::time::sleep(until_next_window(ttl).saturating_sub(Duration::from_millis(40))).await;
    let resolved = OffsetDateTime::now_utc();
    tokio::time::sleep(Duration::from_millis(80)).await;
    let _ = p.widgets(&viewer("b"), "demo", w.clone(), &req, resolved).await;
    assert_eq!(gmd_calls(&w), 1, "the straddling request refreshed its window's entry");
    // A request resolved in the new window refreshes it.
    let _ = p.widgets(&viewer("c"), "demo", w.clone(), &req, OffsetDateTime::now_utc()).await;
    assert_eq!(gmd_calls(&w), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relative_view_that_moved_on_leaves_no_dead_entry_but_a_fixed_window_stays() {
    let w = world(false);
    // Fresh all day, so no clock window ends during the test.
    let day = Duration::from_secs(86_400);
    let p = proxy_with_ttl(day);
    let now = OffsetDateTime::now_utc();
    let end = now.unix_timestamp() / 60 * 60;
    let ask = |end: i64| cpu_last(end - 3600, end);
    // An open view, then the same view a minute on: the first range's entry is dropped, so
    // asking for it again fetches it again.
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(end), now).await;
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(end + 60), now).await;
    assert_eq!(gmd_calls(&w), 2);
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(end), now).await;
    assert_eq!(gmd_calls(&w), 3, "the range that moved on was still cached");
    // Fixed windows of the same length, yesterday: both stay.
    let (a, b) = (end - 86_400, end - 86_400 + 60);
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(a), now).await;
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(b), now).await;
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(a), now).await;
    assert_eq!(gmd_calls(&w), 5, "a closed window was dropped");
    // ...and the open view's current range was not dropped for them.
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(end + 60), now).await;
    assert_eq!(gmd_calls(&w), 5, "the open view's entry was dropped for a fixed window");
    // The range that moved on, fetched again after the newer one, was handed over but not kept.
    let _ = p.widgets(&viewer("a"), "demo", w.clone(), &ask(end), now).await;
    assert_eq!(gmd_calls(&w), 6, "a range that had moved on was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_to_now_is_one_range_through_its_first_second() {
    // "The last hour" asked at 10:05:00 and at 10:05:01 is one range (up to 10:06): the viewers
    // of a period's first second do not make a range, and a fetch, of their own.
    let w = world(false);
    let day = Duration::from_secs(86_400);
    let p = proxy_with_ttl(day);
    let minute = OffsetDateTime::now_utc().unix_timestamp() / 60 * 60;
    let ask = |now: i64| cpu_last(now - 3600, now);
    let first = body(&p.widgets(&viewer("a"), "demo", w.clone(), &ask(minute), at(minute)).await.json);
    let later = body(
        &p.widgets(&viewer("b"), "demo", w.clone(), &ask(minute + 1), at(minute + 1))
            .await
            .json,
    );
    assert_eq!(gmd_calls(&w), 1, "the first second made a range of its own");
    assert_eq!(first[0].end, later[0].end);
    assert_eq!(later[0].end, (minute + 60) * 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_just_past_the_ttl_gets_the_refresh_not_the_old_data() {
    let w = world(false);
    let config = MetricsConfig {
        min_ttl: Duration::from_millis(300),
        max_ttl: Duration::from_millis(300),
        ..MetricsConfig::default()
    };
    let p = MetricsProxy::new(config, Limits::default(), Usage::default());
    let now = now_off_a_minute_boundary().await;
    let end = now.unix_timestamp();
    let req = cpu_last(end - 3600, end);
    let first = body(
        &p.widgets(&viewer("a"), "demo", w.clone(), &req, OffsetDateTime::now_utc())
            .await
            .json,
    );
    // Freshness ends on the clock's 300-ms windows: wait until just past the next boundary.
    tokio::time::sleep(until_next_window(Duration::from_millis(300)) + Duration::from_millis(50)).await;
    // Expired but within the next window: refreshed, and the refresh (quick here) is what is served.
    let second = body(
        &p.widgets(&viewer("a"), "demo", w.clone(), &req, OffsetDateTime::now_utc())
            .await
            .json,
    );
    assert_eq!(gmd_calls(&w), 2);
    assert!(
        second[0].fetched_at > first[0].fetched_at,
        "{:?} then {:?}",
        first[0].fetched_at,
        second[0].fetched_at
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_a_relative_view_moves_on_and_upstream_fails_the_previous_range_stands_in() {
    let (src, p) = outage_proxy();
    let now = OffsetDateTime::now_utc();
    let end = now.unix_timestamp() / 60 * 60;
    let ask = |end: i64| cpu_last(end - 3600, end);
    let before = body(&p.widgets(&viewer("a"), "demo", src.clone(), &ask(end), now).await.json);
    assert!(!before[0].results[0].values.is_empty());
    src.down.store(true, Ordering::SeqCst);
    // A minute later the last hour is a new range: not cached, and upstream is down.
    let later = body(&p.widgets(&viewer("a"), "demo", src.clone(), &ask(end + 60), now).await.json);
    assert!(later[0].errors.is_empty(), "{:?}", later[0].errors);
    assert!(later[0].stale);
    assert_eq!(later[0].results[0].values, before[0].results[0].values);
    assert_eq!(later[0].fetched_at, before[0].fetched_at);
    // A different view (another metric) has no stand-in: its error shows, for it alone.
    let other = MetricsRequest {
        widgets: vec![widget(
            "mem",
            vec![metric("m1", "MemoryUtilization", "api", "Average", 60)],
            end - 3540,
            end + 60,
        )],
        dashboard: None,
    };
    let other = body(&p.widgets(&viewer("a"), "demo", src.clone(), &other, now).await.json);
    assert_eq!(other[0].errors.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_outage_keeps_each_view_on_its_stand_in_without_filling_the_cache() {
    // Four views of the last day (1,440 points each) refreshed once a minute through a 30-minute
    // outage. Each minute's range is new and cannot be fetched: the last good data stands in,
    // and what the outage leaves in the cache per view and minute is a note of the failure, not
    // a copy of the data (copies filled the cache until the stand-ins themselves were evicted,
    // and pages showed errors: the 10x throttle storm).
    let (src, p) = outage_proxy();
    // The minutes are played back from 31 minutes ago (each ask says when it was made).
    let minute = OffsetDateTime::now_utc().unix_timestamp() / 60 * 60 - 1_860;
    let services = ["web", "api", "checkout", "worker"];
    let ask = |end: i64| MetricsRequest {
        widgets: services
            .iter()
            .map(|s| widget(s, vec![metric("m1", "CPUUtilization", s, "Average", 60)], end - 86_400, end))
            .collect(),
        dashboard: None,
    };
    let good = body(&p.widgets(&viewer("a"), "demo", src.clone(), &ask(minute), at(minute)).await.json);
    assert!(good.iter().all(|w| w.errors.is_empty() && w.results[0].values.len() > 1_000));
    let before = p.cached_bytes();
    src.down.store(true, Ordering::SeqCst);
    for m in 1..=30 {
        let t = minute + 60 * m;
        let out = body(&p.widgets(&viewer("a"), "demo", src.clone(), &ask(t), at(t)).await.json);
        for (w, g) in out.iter().zip(&good) {
            assert!(w.errors.is_empty() && w.stale, "minute {m}: {:?}", w.errors);
            assert_eq!(w.results[0].values, g.results[0].values, "minute {m}");
            assert_eq!(w.fetched_at, g.fetched_at);
        }
    }
    let grown = p.cached_bytes() - before.min(p.cached_bytes());
    // One copy of one view's data is over 20 KB; 120 notes of a failure are 30 KB in all.
    assert!(grown <= 120 * 512, "the outage grew the cache by {grown} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_fetched_after_the_next_one_does_not_become_the_stand_in() {
    // The range of minute M comes back after that of M+1 (it waited for tokens while the view
    // moved on). The newer data stays the stand-in for M+2.
    let (src, p) = outage_proxy();
    let minute = OffsetDateTime::now_utc().unix_timestamp() / 60 * 60 - 600;
    let ask = |end: i64| cpu_last(end - 3600, end);
    let newer = body(
        &p.widgets(&viewer("a"), "demo", src.clone(), &ask(minute + 60), at(minute + 60))
            .await
            .json,
    );
    let older = body(&p.widgets(&viewer("a"), "demo", src.clone(), &ask(minute), at(minute)).await.json);
    assert_ne!(newer[0].results[0].values, older[0].results[0].values);
    src.down.store(true, Ordering::SeqCst);
    let out = body(
        &p.widgets(&viewer("a"), "demo", src.clone(), &ask(minute + 120), at(minute + 120))
            .await
            .json,
    );
    assert!(out[0].stale && out[0].errors.is_empty(), "{:?}", out[0].errors);
    assert_eq!(out[0].results[0].values, newer[0].results[0].values, "the older range stood in");
}
