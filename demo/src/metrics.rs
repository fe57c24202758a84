//! The metric catalogue (CloudWatch's real namespaces, names, dimensions and units) and the
//! per-minute samples behind every metric, with CloudWatch's statistic semantics per period.

use crate::clock::MINUTE_MS;
use crate::logs::{self, LogWorld};
use crate::model::*;
use crate::rng::{gauss, h, stream as st, unit};
use cloudwatch::metrics::Metric;
use cloudwatch::SourceError;
use metricmath::Statistic;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// What a metric is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    EcsCpu(Option<usize>),
    EcsMem(Option<usize>),
    CiRunning(usize),
    CiDesired(usize),
    CiPending(usize),
    CiMemoryUtilized(usize),
    AlbRequests(Option<usize>),
    AlbTarget5xx(Option<usize>),
    AlbTarget4xx(Option<usize>),
    AlbElb5xx,
    AlbResponseTime(Option<usize>),
    AlbHealthy(usize),
    AlbUnhealthy(usize),
    ApiCount,
    Api4xx,
    Api5xx,
    ApiLatency,
    ApiIntegrationLatency,
    LambdaInvocations(usize),
    LambdaErrors(usize),
    LambdaDuration(usize),
    LambdaThrottles(usize),
    LambdaConcurrent(usize),
    RdsCpu,
    RdsConnections,
    RdsFreeableMemory,
    RdsReadLatency,
    NatBytesOut,
    NatActiveConnections,
    NatPortAllocationErrors,
    SqsVisible(usize),
    SqsAge(usize),
    SqsSent(usize),
    ShopLatency(usize, u8),
    ShopRequests(usize, u8),
    Orders(usize),
    OrderValue(usize),
    AiCalls(usize),
    AiInputTokens(usize),
    AiOutputTokens(usize),
    AiLatency(usize),
    AiCost(usize),
    AiErrors(usize),
    LogMetric(usize),
}

#[derive(Debug, Clone)]
pub struct MetricDef {
    pub metric: Metric,
    pub kind: Kind,
    pub unit: &'static str,
}

/// The catalogue: every metric the account has, in a stable order.
pub fn catalogue() -> Vec<MetricDef> {
    let mut v = Vec::new();
    let mut add = |ns: &str, name: &str, dims: &[(&str, &str)], kind: Kind, unit: &'static str| {
        v.push(MetricDef {
            metric: Metric::new(ns, name, dims),
            kind,
            unit,
        });
    };
    add(
        "AWS/ECS",
        "CPUUtilization",
        &[("ClusterName", CLUSTER)],
        Kind::EcsCpu(None),
        "Percent",
    );
    add(
        "AWS/ECS",
        "MemoryUtilization",
        &[("ClusterName", CLUSTER)],
        Kind::EcsMem(None),
        "Percent",
    );
    for (s, name) in SERVICES.iter().enumerate() {
        let d = [("ClusterName", CLUSTER), ("ServiceName", *name)];
        add("AWS/ECS", "CPUUtilization", &d, Kind::EcsCpu(Some(s)), "Percent");
        add("AWS/ECS", "MemoryUtilization", &d, Kind::EcsMem(Some(s)), "Percent");
        add("ECS/ContainerInsights", "RunningTaskCount", &d, Kind::CiRunning(s), "Count");
        add("ECS/ContainerInsights", "DesiredTaskCount", &d, Kind::CiDesired(s), "Count");
        add("ECS/ContainerInsights", "PendingTaskCount", &d, Kind::CiPending(s), "Count");
        add(
            "ECS/ContainerInsights",
            "MemoryUtilized",
            &d,
            Kind::CiMemoryUtilized(s),
            "Megabytes",
        );
    }
    let lb = [("LoadBalancer", LOAD_BALANCER)];
    add("AWS/ApplicationELB", "RequestCount", &lb, Kind::AlbRequests(None), "Count");
    add(
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        &lb,
        Kind::AlbTarget5xx(None),
        "Count",
    );
    add(
        "AWS/ApplicationELB",
        "HTTPCode_Target_4XX_Count",
        &lb,
        Kind::AlbTarget4xx(None),
        "Count",
    );
    add("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", &lb, Kind::AlbElb5xx, "Count");
    add(
        "AWS/ApplicationELB",
        "TargetResponseTime",
        &lb,
        Kind::AlbResponseTime(None),
        "Seconds",
    );
    for (s, tg) in TARGET_GROUPS.iter().enumerate() {
        let d = [("LoadBalancer", LOAD_BALANCER), ("TargetGroup", *tg)];
        add("AWS/ApplicationELB", "RequestCount", &d, Kind::AlbRequests(Some(s)), "Count");
        add(
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            &d,
            Kind::AlbTarget5xx(Some(s)),
            "Count",
        );
        add(
            "AWS/ApplicationELB",
            "HTTPCode_Target_4XX_Count",
            &d,
            Kind::AlbTarget4xx(Some(s)),
            "Count",
        );
        add(
            "AWS/ApplicationELB",
            "TargetResponseTime",
            &d,
            Kind::AlbResponseTime(Some(s)),
            "Seconds",
        );
        add("AWS/ApplicationELB", "HealthyHostCount", &d, Kind::AlbHealthy(s), "Count");
        add("AWS/ApplicationELB", "UnHealthyHostCount", &d, Kind::AlbUnhealthy(s), "Count");
    }
    let api = [("ApiName", API_NAME), ("Stage", API_STAGE)];
    add("AWS/ApiGateway", "Count", &api, Kind::ApiCount, "Count");
    add("AWS/ApiGateway", "4XXError", &api, Kind::Api4xx, "Count");
    add("AWS/ApiGateway", "5XXError", &api, Kind::Api5xx, "Count");
    add("AWS/ApiGateway", "Latency", &api, Kind::ApiLatency, "Milliseconds");
    add(
        "AWS/ApiGateway",
        "IntegrationLatency",
        &api,
        Kind::ApiIntegrationLatency,
        "Milliseconds",
    );
    for (f, name) in LAMBDAS.iter().enumerate() {
        let d = [("FunctionName", *name)];
        add("AWS/Lambda", "Invocations", &d, Kind::LambdaInvocations(f), "Count");
        add("AWS/Lambda", "Errors", &d, Kind::LambdaErrors(f), "Count");
        add("AWS/Lambda", "Duration", &d, Kind::LambdaDuration(f), "Milliseconds");
        add("AWS/Lambda", "Throttles", &d, Kind::LambdaThrottles(f), "Count");
        add("AWS/Lambda", "ConcurrentExecutions", &d, Kind::LambdaConcurrent(f), "Count");
    }
    let db = [("DBInstanceIdentifier", DB_INSTANCE)];
    add("AWS/RDS", "CPUUtilization", &db, Kind::RdsCpu, "Percent");
    add("AWS/RDS", "DatabaseConnections", &db, Kind::RdsConnections, "Count");
    add("AWS/RDS", "FreeableMemory", &db, Kind::RdsFreeableMemory, "Bytes");
    add("AWS/RDS", "ReadLatency", &db, Kind::RdsReadLatency, "Seconds");
    let nat = [("NatGatewayId", NAT_GATEWAY)];
    add("AWS/NATGateway", "BytesOutToDestination", &nat, Kind::NatBytesOut, "Bytes");
    add("AWS/NATGateway", "ActiveConnectionCount", &nat, Kind::NatActiveConnections, "Count");
    add(
        "AWS/NATGateway",
        "ErrorPortAllocation",
        &nat,
        Kind::NatPortAllocationErrors,
        "Count",
    );
    for (q, name) in QUEUES.iter().enumerate() {
        let d = [("QueueName", *name)];
        add("AWS/SQS", "ApproximateNumberOfMessagesVisible", &d, Kind::SqsVisible(q), "Count");
        add("AWS/SQS", "ApproximateAgeOfOldestMessage", &d, Kind::SqsAge(q), "Seconds");
        add("AWS/SQS", "NumberOfMessagesSent", &d, Kind::SqsSent(q), "Count");
    }
    for s in [WEB, API, CHECKOUT] {
        for (r, (route, _)) in ROUTES[s].iter().enumerate() {
            let d = [("Service", SERVICES[s]), ("Route", *route)];
            add("Shop/Requests", "Latency", &d, Kind::ShopLatency(s, r as u8), "Milliseconds");
            add("Shop/Requests", "Requests", &d, Kind::ShopRequests(s, r as u8), "Count");
        }
    }
    for (c, cat) in ORDER_CATEGORIES.iter().enumerate() {
        let d = [("Category", *cat)];
        add("Shop/Orders", "Orders", &d, Kind::Orders(c), "Count");
        add("Shop/Orders", "OrderValue", &d, Kind::OrderValue(c), "None");
    }
    for (i, model) in AI_MODELS.iter().enumerate() {
        let d = [("Model", *model)];
        add("Shop/AI", "Calls", &d, Kind::AiCalls(i), "Count");
        add("Shop/AI", "InputTokens", &d, Kind::AiInputTokens(i), "Count");
        add("Shop/AI", "OutputTokens", &d, Kind::AiOutputTokens(i), "Count");
        add("Shop/AI", "Latency", &d, Kind::AiLatency(i), "Milliseconds");
        add("Shop/AI", "Cost", &d, Kind::AiCost(i), "None");
        add("Shop/AI", "Errors", &d, Kind::AiErrors(i), "Count");
    }
    for (i, f) in logs::METRIC_FILTERS.iter().enumerate() {
        add(logs::LOG_METRICS_NAMESPACE, f.metric_name, &[], Kind::LogMetric(i), "Count");
    }
    v
}

/// The identity of a metric regardless of dimension order.
pub fn key(m: &Metric) -> (String, String, Vec<(String, String)>) {
    let mut dims: Vec<(String, String)> = m.dimensions.iter().map(|d| (d.name.clone(), d.value.clone())).collect();
    dims.sort();
    (
        m.namespace.clone().unwrap_or_default(),
        m.metric_name.clone().unwrap_or_default(),
        dims,
    )
}

/// The samples of one metric over some span: CloudWatch's statistic set plus the raw values
/// (kept only when a percentile is asked for).
#[derive(Debug, Clone, Default)]
pub struct Agg {
    pub count: f64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub values: Vec<f64>,
}

impl Agg {
    fn add(&mut self, v: f64, weight: f64, keep: bool) {
        if self.count == 0.0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.count += weight;
        self.sum += v * weight;
        if keep {
            self.values.push(v);
        }
    }

    fn merge(&mut self, o: Agg) {
        if o.count == 0.0 {
            return;
        }
        if self.count == 0.0 {
            *self = o;
            return;
        }
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.count += o.count;
        self.sum += o.sum;
        self.values.extend(o.values);
    }

    /// The value of `stat` over these samples.
    pub fn stat(&mut self, stat: &Statistic) -> Option<f64> {
        if self.count == 0.0 {
            return None;
        }
        match stat {
            Statistic::SampleCount => Some(self.count),
            Statistic::Sum => Some(self.sum),
            Statistic::Average => Some(self.sum / self.count),
            Statistic::Minimum => Some(self.min),
            Statistic::Maximum => Some(self.max),
            // Percentiles and the trimmed family over the raw samples, as metricmath defines them.
            other => other.compute(&mut self.values),
        }
    }
}

fn needs_values(stat: &Statistic) -> bool {
    stat.is_extended()
}

/// Bounded caches: materialised request lists per (service, minute), and the final samples of
/// every metric per minute. Each is bounded by the number of items it holds (requests, samples),
/// and simply emptied when full: a cache miss only costs recomputation.
#[derive(Debug, Default)]
pub struct ReqCache {
    reqs: Mutex<Bounded<ReqKey, Arc<Vec<Req>>>>,
    minutes: Mutex<Bounded<MinuteKey, (Arc<Agg>, bool)>>,
}

/// (drill generation, service, minute).
type ReqKey = (u64, usize, i64);
/// (drill generation, metric, minute) → its final samples, and whether raw values were kept.
type MinuteKey = (u64, Kind, i64);

/// At most this many cached requests (about 64 bytes each): ~16 MiB.
const REQ_CACHE_ITEMS: usize = 250_000;
/// At most this many cached minute entries plus raw samples (8 bytes each): ~16 MiB.
const MINUTE_CACHE_ITEMS: usize = 2_000_000;

#[derive(Debug)]
struct Bounded<K, V> {
    map: HashMap<K, V>,
    items: usize,
}

impl<K, V> Default for Bounded<K, V> {
    fn default() -> Self {
        Bounded {
            map: HashMap::new(),
            items: 0,
        }
    }
}

impl<K: std::hash::Hash + Eq, V> Bounded<K, V> {
    fn insert(&mut self, k: K, v: V, weight: usize, max: usize) {
        if self.items + weight > max {
            self.map.clear();
            self.items = 0;
        }
        if weight <= max {
            self.items += weight;
            self.map.insert(k, v);
        }
    }
}

impl ReqCache {
    fn minute(&self, gen: u64, kind: Kind, m: i64, keep: bool) -> Option<Agg> {
        let g = self.minutes.lock().ok()?;
        let (a, kept) = g.map.get(&(gen, kind, m))?;
        (*kept || !keep).then(|| a.as_ref().clone())
    }

    fn put_minute(&self, gen: u64, kind: Kind, m: i64, a: &Agg, keep: bool) {
        if let Ok(mut g) = self.minutes.lock() {
            g.insert((gen, kind, m), (Arc::new(a.clone()), keep), 8 + a.values.len(), MINUTE_CACHE_ITEMS);
        }
    }

    pub fn get(&self, gen: u64, w: &World, s: usize, m: i64) -> Arc<Vec<Req>> {
        let k = (gen, s, m);
        if let Some(v) = self.reqs.lock().ok().and_then(|g| g.map.get(&k).cloned()) {
            return v;
        }
        let v = Arc::new(w.http_requests(s, m));
        if let Ok(mut g) = self.reqs.lock() {
            g.insert(k, Arc::clone(&v), 1 + v.len(), REQ_CACHE_ITEMS);
        }
        v
    }
}

/// The metrics of the world as of `now`.
pub struct MetricView<'a> {
    pub world: &'a World,
    pub logs: &'a LogWorld,
    pub cache: &'a ReqCache,
    pub gen: u64,
    pub now: i64,
}

impl MetricView<'_> {
    fn visible(&self, t: i64, m: i64) -> bool {
        t + self.world.metric_delay(m) <= self.now
    }

    /// Whether minute `m` is entirely visible, partly, or not at all (`Some(true)`, `Some(false)`,
    /// `None`).
    fn coverage(&self, m: i64) -> Option<bool> {
        let d = self.world.metric_delay(m);
        if (m + 1) * MINUTE_MS - 1 + d <= self.now {
            Some(true)
        } else if m * MINUTE_MS + d <= self.now {
            Some(false)
        } else {
            None
        }
    }

    /// The samples of `kind` in minute `m` visible at `now` (cached once the minute is final).
    pub fn minute(&self, kind: Kind, m: i64, keep: bool) -> Agg {
        if self.coverage(m) != Some(true) {
            return self.compute_minute(kind, m, keep, false);
        }
        if let Some(a) = self.cache.minute(self.gen, kind, m, keep) {
            return a;
        }
        let a = self.compute_minute(kind, m, keep, false);
        self.cache.put_minute(self.gen, kind, m, &a, keep);
        a
    }

    /// The samples of `kind` in minute `m`; `generic` forces metric filters to be evaluated over
    /// the generated events even where a closed form exists (tests prove the two agree).
    pub fn compute_minute(&self, kind: Kind, m: i64, keep: bool, generic: bool) -> Agg {
        let w = self.world;
        let mut a = Agg::default();
        let Some(full) = self.coverage(m) else { return a };
        let r = SAMPLING_RATIO as f64;
        let t0 = m * MINUTE_MS;
        // Gauges are published once a minute, at its end.
        let gauge_ok = self.visible(t0 + MINUTE_MS - 1, m);
        let http = |s: usize| -> Vec<usize> {
            match s {
                usize::MAX => vec![WEB, API, CHECKOUT],
                s => vec![s],
            }
        };
        match kind {
            Kind::AlbRequests(s) | Kind::AlbTarget5xx(s) | Kind::AlbTarget4xx(s) => {
                let mut total = 0u32;
                for s in http(s.unwrap_or(usize::MAX)) {
                    if full {
                        let c = w.http_counts(s, m);
                        total += match kind {
                            Kind::AlbRequests(_) => c.n,
                            Kind::AlbTarget5xx(_) => c.n5,
                            _ => c.n4,
                        };
                    } else {
                        let reqs = self.cache.get(self.gen, w, s, m);
                        total += reqs
                            .iter()
                            .filter(|q| self.visible(t0 + q.off as i64, m))
                            .filter(|q| match kind {
                                Kind::AlbRequests(_) => true,
                                Kind::AlbTarget5xx(_) => q.status >= 500,
                                _ => (400..500).contains(&q.status),
                            })
                            .count() as u32;
                    }
                }
                a.add(total as f64 * r, 1.0, keep);
            }
            Kind::AlbResponseTime(s) => {
                for s in http(s.unwrap_or(usize::MAX)) {
                    for q in self.cache.get(self.gen, w, s, m).iter() {
                        if full || self.visible(t0 + q.off as i64, m) {
                            a.add(q.dur / 1000.0, r, keep);
                        }
                    }
                }
            }
            Kind::ShopLatency(s, route) | Kind::ShopRequests(s, route) => {
                let mut n = 0u32;
                for q in self.cache.get(self.gen, w, s, m).iter().filter(|q| q.route == route) {
                    if full || self.visible(t0 + q.off as i64, m) {
                        n += 1;
                        if matches!(kind, Kind::ShopLatency(..)) {
                            a.add(q.dur, r, keep);
                        }
                    }
                }
                if matches!(kind, Kind::ShopRequests(..)) {
                    a.add(n as f64 * r, 1.0, keep);
                }
            }
            Kind::Orders(c) | Kind::OrderValue(c) => {
                let mut n = 0u32;
                for q in self
                    .cache
                    .get(self.gen, w, CHECKOUT, m)
                    .iter()
                    .filter(|q| q.status == 200 && q.route == 1)
                {
                    if (q.key % ORDER_CATEGORIES.len() as u64) as usize != c || !(full || self.visible(t0 + q.off as i64, m)) {
                        continue;
                    }
                    n += 1;
                    if matches!(kind, Kind::OrderValue(_)) {
                        a.add(order_value(q), r, keep);
                    }
                }
                if matches!(kind, Kind::Orders(_)) {
                    a.add(n as f64 * r, 1.0, keep);
                }
            }
            Kind::AlbElb5xx => {
                if gauge_ok {
                    let unhealthy = w.unhealthy_tasks(CHECKOUT, t0 + 30_000) as f64;
                    let v = if unhealthy >= 2.0 {
                        (w.http_counts(CHECKOUT, m).n as f64 * r * 0.05).round()
                    } else {
                        0.0
                    };
                    a.add(v, 1.0, keep);
                }
            }
            Kind::EcsCpu(s) | Kind::EcsMem(s) => {
                if gauge_ok {
                    let svcs: Vec<usize> = s.map_or_else(|| (0..SERVICES.len()).collect(), |s| vec![s]);
                    for s in svcs {
                        for slot in 0..DESIRED_TASKS[s] {
                            let v = if matches!(kind, Kind::EcsCpu(_)) {
                                w.cpu(s, slot, m)
                            } else {
                                w.memory(s, slot, m)
                            };
                            a.add((v * 100.0).round() / 100.0, 1.0, keep);
                        }
                    }
                }
            }
            Kind::CiMemoryUtilized(s) => {
                if gauge_ok {
                    let total: f64 = (0..DESIRED_TASKS[s]).map(|slot| w.memory(s, slot, m) / 100.0 * 2048.0).sum();
                    a.add(total.round(), 1.0, keep);
                }
            }
            Kind::CiRunning(s) | Kind::CiDesired(s) | Kind::CiPending(s) => {
                if gauge_ok {
                    let stopped = w
                        .ops_events(s, t0 - MINUTE_MS, t0 + MINUTE_MS)
                        .iter()
                        .filter(|e| matches!(e.kind, OpsKind::TaskStopped | OpsKind::OomKilled))
                        .count() as f64;
                    let desired = DESIRED_TASKS[s] as f64;
                    let v = match kind {
                        Kind::CiDesired(_) => desired,
                        Kind::CiRunning(_) => (desired - stopped).max(0.0),
                        _ => stopped.min(desired),
                    };
                    a.add(v, 1.0, keep);
                }
            }
            Kind::AlbHealthy(s) | Kind::AlbUnhealthy(s) => {
                if gauge_ok {
                    let u = w.unhealthy_tasks(s, t0 + 30_000) as f64;
                    let v = if matches!(kind, Kind::AlbHealthy(_)) {
                        DESIRED_TASKS[s] as f64 - u
                    } else {
                        u
                    };
                    a.add(v, 1.0, keep);
                }
            }
            Kind::ApiCount | Kind::Api4xx | Kind::Api5xx | Kind::ApiLatency | Kind::ApiIntegrationLatency => {
                if gauge_ok {
                    let n = (45.0 * w.volume * w.load(API, m) + unit(h(w.seed, st::ALB, m, 1))).floor() as u32;
                    let mut c4 = 0;
                    let mut c5 = 0;
                    for j in 0..n {
                        let x = h(w.seed, st::ALB, m, 0x100 + j as u64);
                        let u = unit(x);
                        c5 += u32::from(u < 0.002);
                        c4 += u32::from((0.002..0.022).contains(&u));
                        let integ = 60.0 * (0.45 * gauss(x ^ 0xA1)).exp();
                        match kind {
                            Kind::ApiLatency => a.add((integ + 6.0 + 4.0 * unit(x ^ 3)).round(), 1.0, keep),
                            Kind::ApiIntegrationLatency => a.add(integ.round(), 1.0, keep),
                            _ => {}
                        }
                    }
                    match kind {
                        Kind::ApiCount => a.add(n as f64, 1.0, keep),
                        Kind::Api4xx => a.add(c4 as f64, 1.0, keep),
                        Kind::Api5xx => a.add(c5 as f64, 1.0, keep),
                        _ => {}
                    }
                }
            }
            Kind::LambdaInvocations(f) | Kind::LambdaErrors(f) | Kind::LambdaDuration(f) | Kind::LambdaThrottles(f) => {
                let (inv, throttled) = w.invocations(f, m);
                let mut n = 0u32;
                let mut errs = 0u32;
                for i in inv.iter().filter(|i| full || self.visible(i.start, m)) {
                    n += 1;
                    errs += u32::from(i.timed_out || i.error);
                    if matches!(kind, Kind::LambdaDuration(_)) {
                        a.add(i.dur, 1.0, keep);
                    }
                }
                match kind {
                    Kind::LambdaInvocations(_) if n > 0 || f != 2 => a.add(n as f64, 1.0, keep),
                    Kind::LambdaErrors(_) if n > 0 || f != 2 => a.add(errs as f64, 1.0, keep),
                    Kind::LambdaThrottles(_) if gauge_ok && (throttled > 0 || f != 2) => a.add(throttled as f64, 1.0, keep),
                    _ => {}
                }
            }
            Kind::LambdaConcurrent(f) => {
                if gauge_ok {
                    let (inv, _) = w.invocations(f, m);
                    let busy: f64 = inv.iter().map(|i| i.dur).sum::<f64>() / 60_000.0;
                    let prev: f64 = w
                        .invocations(f, m - 1)
                        .0
                        .iter()
                        .map(|i| (i.start + i.dur as i64 - t0).max(0) as f64)
                        .sum::<f64>()
                        / 60_000.0;
                    let v = (busy + prev).ceil();
                    if v > 0.0 || f != 2 {
                        a.add(v, 1.0, keep);
                    }
                }
            }
            Kind::RdsCpu | Kind::RdsConnections | Kind::RdsFreeableMemory | Kind::RdsReadLatency => {
                if gauge_ok {
                    let (p, _) = w.db_pressure(t0 + 30_000);
                    let conns = w.db_connections(m);
                    let g = gauss(h(w.seed, st::GAUGE, m, 3000));
                    let v = match kind {
                        Kind::RdsCpu => (12.0 + 25.0 * w.season(m) + 30.0 * p + 2.0 * g).clamp(1.0, 100.0),
                        Kind::RdsConnections => conns,
                        Kind::RdsFreeableMemory => (1.65e9 - conns * 9.5e6 + 2e7 * g).round(),
                        _ => ((0.0006 + 0.004 * p) * (0.15 * g).exp() * 1e6).round() / 1e6,
                    };
                    a.add(v, 1.0, keep);
                }
            }
            Kind::NatBytesOut | Kind::NatActiveConnections | Kind::NatPortAllocationErrors => {
                if gauge_ok {
                    let l = w.load(WEB, m);
                    let g = gauss(h(w.seed, st::GAUGE, m, 3100));
                    let v = match kind {
                        Kind::NatBytesOut => ((2.5e6 * l + 4.1e4 * w.ai_calls(m).len() as f64) * w.volume * (0.1 * g).exp()).round(),
                        Kind::NatActiveConnections => (180.0 * l * w.volume * (0.08 * g).exp()).round(),
                        _ => f64::from(w.spike(m) > 1.0 && unit(h(w.seed, st::GAUGE, m, 3101)) < 0.3) * 3.0,
                    };
                    a.add(v, 1.0, keep);
                }
            }
            Kind::SqsVisible(q) | Kind::SqsAge(q) | Kind::SqsSent(q) => {
                if gauge_ok {
                    let (sent, backlog, age) = sqs(w, q, m);
                    let v = match kind {
                        Kind::SqsSent(_) => sent,
                        Kind::SqsVisible(_) => backlog,
                        _ => age,
                    };
                    a.add(v, 1.0, keep);
                }
            }
            Kind::AiCalls(i)
            | Kind::AiInputTokens(i)
            | Kind::AiOutputTokens(i)
            | Kind::AiLatency(i)
            | Kind::AiCost(i)
            | Kind::AiErrors(i) => {
                for c in w
                    .ai_completed(m)
                    .iter()
                    .filter(|c| c.model == i && (full || self.visible(c.end(), m)))
                {
                    let v = match kind {
                        Kind::AiCalls(_) => 1.0,
                        Kind::AiInputTokens(_) => c.input as f64,
                        Kind::AiOutputTokens(_) => {
                            if c.failed {
                                0.0
                            } else {
                                c.output as f64
                            }
                        }
                        Kind::AiLatency(_) => c.dur,
                        Kind::AiCost(_) => c.cost(),
                        _ => f64::from(u8::from(c.failed)),
                    };
                    a.add(v, 1.0, keep);
                }
            }
            Kind::LogMetric(i) => {
                if full && !generic {
                    if let Some(n) = self.log_metric_closed_form(i, m) {
                        if let Some(n) = n {
                            a.add(n as f64, 1.0, keep);
                        }
                        return a;
                    }
                }
                let f = &logs::METRIC_FILTERS[i];
                let Some(g) = self.logs.group_index(f.log_group) else { return a };
                let evs = self.logs.minute_events(w, g, m);
                let pat = self.logs.filter_pattern(i);
                let visible = |e: &&logs::Event| full || self.visible(e.ts, m);
                let n = evs.events.iter().filter(visible).filter(|e| pat.matches(&e.msg)).count();
                if evs.events.iter().any(|e| visible(&e)) {
                    // A default value of 0 is published for minutes with events but no match.
                    a.add(n as f64, 1.0, keep);
                }
            }
        }
        a
    }

    /// CloudWatch's datapoints of `def` at `stat` and `period` over `[start, end)`.
    pub fn series(
        &self,
        def: &MetricDef,
        stat: &Statistic,
        period: i64,
        unit: Option<&str>,
        start: i64,
        end: i64,
    ) -> Result<Vec<(i64, f64)>, SourceError> {
        if period <= 0 {
            return Err(SourceError::invalid_parameter("The parameter Period must be greater than 0."));
        }
        if unit.is_some_and(|u| u != def.unit) {
            return Ok(Vec::new());
        }
        let pms = period.saturating_mul(1000);
        let keep = needs_values(stat);
        let mut out = Vec::new();
        let first = start.div_euclid(pms) * pms;
        let end = end.min(self.now);
        let mut ps = first;
        let mut guard = 0u64;
        while ps < end {
            guard += 1;
            if guard > 1_000_000 {
                break;
            }
            let mut agg = Agg::default();
            // Minutes whose start lies in [ps, ps + period).
            let m0 = ps.div_euclid(MINUTE_MS) + i64::from(ps.rem_euclid(MINUTE_MS) != 0);
            let mut m = m0;
            while m * MINUTE_MS < ps + pms && m * MINUTE_MS < end {
                agg.merge(self.minute(def.kind, m, keep));
                m += 1;
            }
            if let Some(v) = agg.stat(stat) {
                out.push((ps, v));
            }
            ps += pms;
        }
        Ok(out)
    }
}

impl MetricView<'_> {
    /// The match count of metric filter `i` over a whole minute straight from the model (what the
    /// generated lines say, without formatting and parsing them): `Some(None)` when the group has
    /// no event that minute (nothing is published), `None` when there is no closed form.
    fn log_metric_closed_form(&self, i: usize, m: i64) -> Option<Option<u32>> {
        let w = self.world;
        let t0 = m * MINUTE_MS;
        Some(Some(match logs::METRIC_FILTERS[i].metric_name {
            // `{ $.level = "error" }`: exactly the 5XX request lines (health checks, pool warnings
            // and deploy lines are never at level error); these groups log every minute.
            "WebErrors" => w.http_counts(WEB, m).n5,
            "ApiErrors" => w.http_counts(API, m).n5,
            "CheckoutErrors" => w.http_counts(CHECKOUT, m).n5,
            "CheckoutSlowRequests" => self.cache.get(self.gen, w, CHECKOUT, m).iter().filter(|q| q.dur > 2000.0).count() as u32,
            "WorkerErrors" => {
                let jobs = w.jobs(m);
                if jobs.is_empty() && w.ops_events(WORKER, t0, t0 + MINUTE_MS).is_empty() {
                    return Some(None);
                }
                jobs.iter().filter(|j| j.failed).count() as u32
            }
            "LLMRequestFailures" => {
                let done = w.ai_completed(m);
                if done.is_empty() && w.ai_calls(m).is_empty() && w.ops_events(AI, t0, t0 + MINUTE_MS).is_empty() {
                    return Some(None);
                }
                done.iter().filter(|c| c.failed).count() as u32
            }
            _ => return None,
        }))
    }
}

fn order_value(q: &Req) -> f64 {
    let cat = (q.key % ORDER_CATEGORIES.len() as u64) as usize;
    let base = [240.0, 65.0, 110.0, 28.0][cat];
    (base * (0.5 * gauss(q.key ^ 0x0D)).exp() * 100.0).round() / 100.0
}

/// (sent, visible backlog, age of oldest in seconds) of queue `q` at minute `m`.
fn sqs(w: &World, q: usize, m: i64) -> (f64, f64, f64) {
    let g = gauss(h(w.seed, st::GAUGE, m, 4000 + q as u64));
    if q == 1 {
        let sent = (20.0 * w.volume * w.load(WEB, m) * (0.1 * g).exp()).round();
        return (
            sent,
            (sent * 0.1).round(),
            (4.0 + 6.0 * unit(h(w.seed, st::GAUGE, m, 4010))).round(),
        );
    }
    let sent = w.n_checkout(m) as f64 * SAMPLING_RATIO as f64;
    // Messages the consumer failed to process pile up while its Lambda times out or is throttled.
    let mut backlog = 0.0;
    let mut oldest = 0i64;
    for k in (0..90).rev() {
        let mk = m - k;
        let fx = w.fx(LAMBDAS[1], mk * MINUTE_MS + 30_000);
        let fail = (fx.timeouts + fx.throttle).min(0.95);
        backlog = backlog * 0.93 + fail * w.n_checkout(mk) as f64 * SAMPLING_RATIO as f64;
        if fail > 0.0 && oldest == 0 {
            oldest = mk;
        }
        if fail == 0.0 && backlog < 5.0 {
            oldest = 0;
        }
    }
    let visible = (backlog + 2.0 + 2.0 * unit(h(w.seed, st::GAUGE, m, 4020))).round();
    let age = if oldest != 0 && visible > 20.0 {
        ((m - oldest) * 60 + 30) as f64
    } else {
        (3.0 + 8.0 * unit(h(w.seed, st::GAUGE, m, 4030))).round()
    };
    (sent, visible, age)
}

/// Converts CloudWatch times for the backend.
pub fn to_ms(t: OffsetDateTime) -> i64 {
    crate::clock::ms(t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Drill, DrillKind};

    #[test]
    fn metric_filter_closed_forms_equal_pattern_evaluation() {
        let anchor = 1_795_341_600_000i64;
        let drill = |kind, svc: &str| Drill {
            id: "d".into(),
            kind,
            service: svc.into(),
            start: crate::clock::from_ms(anchor + 3_600_000),
            end: crate::clock::from_ms(anchor + 5_400_000),
        };
        let drills = vec![
            drill(DrillKind::DependencyFailure, "worker"),
            drill(DrillKind::CpuSaturation, "api"),
        ];
        let w = World::new(11, anchor, 1.0, Arc::new(drills));
        let logs = LogWorld::new();
        let cache = ReqCache::default();
        let view = MetricView {
            world: &w,
            logs: &logs,
            cache: &cache,
            gen: 0,
            now: anchor + 86_400_000,
        };
        let m0 = anchor / MINUTE_MS - 60;
        for (i, f) in logs::METRIC_FILTERS.iter().enumerate() {
            let mut total = 0.0;
            for m in (m0..m0 + 180).step_by(3) {
                let fast = view.compute_minute(Kind::LogMetric(i), m, false, false);
                let slow = view.compute_minute(Kind::LogMetric(i), m, false, true);
                assert_eq!((fast.count, fast.sum), (slow.count, slow.sum), "{} at minute {m}", f.metric_name);
                total += slow.sum;
            }
            assert!(total > 0.0, "{} never matched", f.metric_name);
        }
    }
}
