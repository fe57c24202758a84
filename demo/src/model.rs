//! The world model: a deterministic function of `(seed, anchor, t)` and the drill list.
//!
//! Traffic is modelled per (service, minute) as a count `n` of *logged* (sampled) requests; one in
//! [`SAMPLING_RATIO`] requests is logged, so every request metric is `SAMPLING_RATIO ×` a count over
//! the same requests the logs show. Counts and status-class counts are closed forms (no per-request
//! work); per-request detail (offset, status, duration, route, ids) is drawn by index only when
//! logs or percentiles need it, and agrees with the closed forms by construction: the requests of
//! a minute are permuted by `rank(j) = (j·P + off) mod n` and the first `k5` ranks are the 5XX.

use crate::clock::{DAY_MS, HOUR_MS, MINUTE_MS};
use crate::rng::{gauss, h, mix, stream as st, unit};
use crate::{Drill, DrillKind};
use std::f64::consts::TAU;
use std::sync::Arc;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const CLUSTER: &str = "shop-prod";
pub const LOAD_BALANCER: &str = "app/shop-alb/5c0ffee0d15ea5e1";
pub const API_NAME: &str = "shop-public-api";
pub const API_STAGE: &str = "prod";
pub const DB_INSTANCE: &str = "shop-db";
pub const DB_MAX_CONNECTIONS: f64 = 100.0;
pub const NAT_GATEWAY: &str = "nat-0c5b7e2f4a1d39e86";
pub const SNS_ONCALL: &str = "arn:aws:sns:us-east-1:123456789012:oncall";

/// The ECS services of cluster `shop`.
pub const SERVICES: [&str; 5] = ["web", "api", "checkout", "worker", "ai-service"];
pub const WEB: usize = 0;
pub const API: usize = 1;
pub const CHECKOUT: usize = 2;
pub const WORKER: usize = 3;
pub const AI: usize = 4;
/// The Lambda functions.
pub const LAMBDAS: [&str; 3] = ["image-resize", "order-events", "nightly-report"];
pub const LAMBDA_TIMEOUT_S: [f64; 3] = [30.0, 30.0, 300.0];
pub const LAMBDA_MEMORY_MB: [u32; 3] = [1024, 512, 2048];
pub const QUEUES: [&str; 2] = ["order-events", "image-jobs"];
pub const AI_MODELS: [&str; 3] = ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet"];
/// USD per 1,000 (input, output) tokens.
pub const AI_PRICES: [(f64, f64); 3] = [(0.000_15, 0.000_6), (0.002_5, 0.01), (0.003, 0.015)];
pub const ORDER_CATEGORIES: [&str; 4] = ["electronics", "apparel", "home", "books"];

/// One logged request stands for this many requests.
pub const SAMPLING_RATIO: u32 = 10;

/// Target groups of the HTTP services (web, api, checkout), as CloudWatch's `TargetGroup` dimension.
pub const TARGET_GROUPS: [&str; 3] = [
    "targetgroup/web/3f1a6c2b9e8d7a51",
    "targetgroup/api/8b2e4d6f0a1c3e57",
    "targetgroup/checkout/0badc0de12345678",
];
pub const DESIRED_TASKS: [u32; 5] = [4, 3, 3, 2, 2];
/// Per HTTP service: (route template, method+path template, base ms).
pub const ROUTES: [&[(&str, f64)]; 3] = [
    &[
        ("GET /", 35.0),
        ("GET /products", 60.0),
        ("GET /products/{id}", 45.0),
        ("GET /cart", 30.0),
        ("POST /cart/items", 70.0),
        ("GET /search", 120.0),
        ("POST /checkout", 0.0),
    ],
    &[
        ("GET /api/products", 40.0),
        ("GET /api/products/{id}", 25.0),
        ("GET /api/cart", 20.0),
        ("POST /api/cart/items", 55.0),
        ("GET /api/recommendations", 350.0),
        ("POST /api/orders", 0.0),
    ],
    &[("POST /checkout/sessions", 140.0), ("POST /checkout/payments", 260.0)],
];

/// Sampled requests per minute at peak, at volume 1.0.
const BASE_CHECKOUT: f64 = 30.0;
const BASE_API_OWN: f64 = 220.0;
const BASE_WEB_OWN: f64 = 600.0;
const P: u64 = 1_000_003;

/// The world at one drill-list generation. Cheap to clone.
#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    pub anchor: i64,
    pub volume: f64,
    pub drills: Arc<Vec<Drill>>,
}

/// What is going on for one target at one instant (incident, drills).
#[derive(Debug, Clone, Default)]
pub struct Fx {
    /// Database connections exhausted for this service's requests (0..1).
    pub db: f64,
    /// CPU saturation (0..1).
    pub cpu: f64,
    /// Minutes since a memory leak began.
    pub leak: Option<f64>,
    /// Lambda timeouts (fraction of invocations).
    pub timeouts: f64,
    /// Lambda throttling (fraction of attempts).
    pub throttle: f64,
    /// The drill responsible, if any.
    pub drill: Option<String>,
    /// Scripted incident severity (0..1) for checkout.
    pub incident: f64,
}

/// Closed-form counts of one (HTTP service, minute): sampled requests, 5XX and 4XX among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub n: u32,
    pub n5: u32,
    pub n4: u32,
}

/// One sampled request.
#[derive(Debug, Clone)]
pub struct Req {
    pub off: u32,
    pub status: u16,
    pub dur: f64,
    pub route: u8,
    pub flow: bool,
    pub id: u64,
    pub user: u32,
    pub task: u8,
    /// Cause of a 5XX: 0 none, 1 DB acquire timeout, 2 DB slots reserved, 3 upstream, 4 app bug.
    pub err: u8,
    pub key: u64,
}

/// One Lambda invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub start: i64,
    pub dur: f64,
    pub id: u64,
    pub cold: bool,
    pub timed_out: bool,
    pub error: bool,
    pub mem_used: u32,
    pub slot: u32,
}

/// One LLM call of the ai-service.
#[derive(Debug, Clone)]
pub struct AiCall {
    pub start: i64,
    pub dur: f64,
    pub model: usize,
    pub input: u32,
    pub output: u32,
    pub failed: bool,
    pub id: u64,
    pub user: u32,
}

impl AiCall {
    pub fn end(&self) -> i64 {
        self.start + self.dur as i64
    }
    pub fn cost(&self) -> f64 {
        let (pi, po) = AI_PRICES[self.model];
        let out = if self.failed { 0.0 } else { self.output as f64 };
        ((self.input as f64 * pi + out * po) / 1000.0 * 1e6).round() / 1e6
    }
}

/// One worker job.
#[derive(Debug, Clone)]
pub struct Job {
    pub off: u32,
    pub kind: usize,
    pub dur: f64,
    pub failed: bool,
    pub request: u64,
    pub task: u8,
}

pub const JOB_KINDS: [&str; 3] = ["send-order-email", "generate-invoice", "sync-inventory"];

/// A scheduled operational event of an ECS service (deploys, restarts).
#[derive(Debug, Clone, PartialEq)]
pub struct OpsEvent {
    pub at: i64,
    pub service: usize,
    pub kind: OpsKind,
    pub slot: u32,
    pub drill: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsKind {
    DeployStarted,
    DeployCompleted,
    SteadyState,
    Unhealthy,
    TaskStopped,
    OomKilled,
    TaskStarted,
}

pub fn svc_index(name: &str) -> Option<usize> {
    SERVICES.iter().position(|s| *s == name)
}

pub fn lambda_index(name: &str) -> Option<usize> {
    LAMBDAS.iter().position(|s| *s == name)
}

/// The incident timeline: deploy at T0, impact `[T0 + 6 min, T0 + 66 min)`.
pub const INCIDENT_LEAD_MS: i64 = 6 * MINUTE_MS;
pub const INCIDENT_IMPACT_MS: i64 = 60 * MINUTE_MS;

fn severity(since_ms: i64) -> f64 {
    let m = since_ms as f64 / MINUTE_MS as f64;
    if !(0.0..60.0).contains(&m) {
        0.0
    } else if m < 4.0 {
        (m + 1.0) / 5.0
    } else if m < 56.0 {
        1.0
    } else {
        (60.0 - m) / 4.0
    }
}

impl World {
    pub fn new(seed: u64, anchor: i64, volume: f64, drills: Arc<Vec<Drill>>) -> Self {
        let volume = if volume.is_finite() { volume.clamp(0.0, 100.0) } else { 1.0 };
        World {
            seed,
            anchor,
            volume,
            drills,
        }
    }

    fn hh(&self, s: u64, a: i64, b: u64) -> u64 {
        h(self.seed, s, a, b)
    }

    /// Daily and weekly seasonality of traffic at minute `m` (0.27 – 1.0).
    pub fn season(&self, m: i64) -> f64 {
        let t = m * MINUTE_MS;
        let hour = t.rem_euclid(DAY_MS) as f64 / HOUR_MS as f64;
        let daily = 0.35 + 0.65 * (0.5 - 0.5 * ((hour - 3.0) / 24.0 * TAU).cos());
        let dow = (t.div_euclid(DAY_MS) + 4).rem_euclid(7);
        let weekly = if dow == 0 || dow == 6 { 0.78 } else { 1.0 };
        daily * weekly
    }

    /// Rare traffic spikes, shared by every service (10-minute buckets).
    pub fn spike(&self, m: i64) -> f64 {
        let b = m.div_euclid(10);
        let x = self.hh(st::SPIKE, b, 0);
        if unit(x) < 0.006 {
            1.6 + unit(mix(x))
        } else {
            1.0
        }
    }

    /// Traffic multiplier of service `s` at minute `m` (seasonality × spike × noise).
    pub fn load(&self, s: usize, m: i64) -> f64 {
        (self.season(m) * self.spike(m) * (1.0 + 0.07 * gauss(self.hh(st::COUNT, m, s as u64)))).max(0.05)
    }

    fn dither(&self, lam: f64, key: u64, m: i64) -> u32 {
        let lam = lam.max(0.0);
        (lam + unit(self.hh(st::ROUND, m, key))).floor().min(1e7) as u32
    }

    /// The incident (daily, or an IncidentReplay drill) impacting instant `t`: (ms since impact
    /// start, the drill id when a replay).
    pub fn incident_at(&self, t: i64) -> Option<(i64, Option<&str>)> {
        for d in self.drills.iter() {
            let (s, e) = (crate::clock::ms(d.start), crate::clock::ms(d.end));
            if d.kind == DrillKind::IncidentReplay && t >= s && t < e {
                let since = t - s - INCIDENT_LEAD_MS;
                if (0..INCIDENT_IMPACT_MS).contains(&since) {
                    return Some((since, Some(d.id.as_str())));
                }
            }
        }
        let base = self.anchor - 40 * MINUTE_MS;
        let since = (t - base).rem_euclid(DAY_MS);
        (since < INCIDENT_IMPACT_MS).then_some((since, None))
    }

    /// The daily checkout deploy (T0) at or before `t`.
    pub fn last_incident_deploy(&self, t: i64) -> i64 {
        let t0 = self.anchor - 40 * MINUTE_MS - INCIDENT_LEAD_MS;
        t0 + (t - t0).div_euclid(DAY_MS) * DAY_MS
    }

    fn drills_at<'a>(&'a self, target: &'a str, t: i64) -> impl Iterator<Item = (&'a Drill, i64)> + 'a {
        self.drills.iter().filter_map(move |d| {
            let (s, e) = (crate::clock::ms(d.start), crate::clock::ms(d.end));
            (t >= s && t < e && d.service == target).then_some((d, t - s))
        })
    }

    /// Effects on `target` (a service or Lambda function) at instant `t`.
    pub fn fx(&self, target: &str, t: i64) -> Fx {
        let mut fx = Fx::default();
        if target == "checkout" {
            if let Some((since, drill)) = self.incident_at(t) {
                fx.incident = severity(since);
                fx.db = fx.incident;
                fx.drill = drill.map(str::to_string);
            }
        }
        for (d, since) in self.drills_at(target, t) {
            let ramp = (since as f64 / (2.0 * MINUTE_MS as f64)).min(1.0);
            match d.kind {
                DrillKind::CpuSaturation => fx.cpu = fx.cpu.max(ramp),
                DrillKind::DependencyFailure => fx.db = fx.db.max(ramp),
                DrillKind::MemoryLeak => fx.leak = Some(since as f64 / MINUTE_MS as f64),
                DrillKind::LambdaTimeouts => fx.timeouts = fx.timeouts.max(0.7 * ramp),
                DrillKind::Throttling => fx.throttle = fx.throttle.max(0.45 * ramp),
                DrillKind::IncidentReplay => {}
            }
            if d.kind != DrillKind::IncidentReplay {
                fx.drill = Some(d.id.clone());
            }
        }
        fx
    }

    /// Database connection pressure at `t` (0..1): the worst of any service's exhaustion.
    pub fn db_pressure(&self, t: i64) -> (f64, Option<String>) {
        let mut best = (0.0, None);
        for s in [API, CHECKOUT, WORKER] {
            let fx = self.fx(SERVICES[s], t);
            if fx.db > best.0 {
                best = (fx.db, fx.drill);
            }
        }
        best
    }

    fn mid(m: i64) -> i64 {
        m * MINUTE_MS + MINUTE_MS / 2
    }

    // ---- HTTP services -------------------------------------------------------------------

    pub fn n_checkout(&self, m: i64) -> u32 {
        self.dither(BASE_CHECKOUT * self.volume * self.load(CHECKOUT, m), 100, m)
    }

    fn n_own(&self, s: usize, m: i64) -> u32 {
        match s {
            WEB => self.dither(BASE_WEB_OWN * self.volume * self.load(WEB, m), 101, m),
            API => self.dither(BASE_API_OWN * self.volume * self.load(API, m), 102, m),
            _ => 0,
        }
    }

    fn p5(&self, s: usize, fx: &Fx) -> f64 {
        let base = [0.002, 0.003, 0.004][s.min(2)];
        let leak = fx.leak.map_or(0.0, |l| if self.oom_minute(l) { 0.08 } else { 0.0 });
        (base + 0.38 * fx.db + 0.05 * fx.cpu + leak).min(0.95)
    }

    fn oom_minute(&self, leak_min: f64) -> bool {
        let period = 15.0;
        leak_min >= period && (leak_min % period) < 1.0
    }

    /// (n, k5, k4) of the checkout-bound flows of minute `m` (checkout's own view).
    fn checkout_counts(&self, m: i64) -> Counts {
        let n = self.n_checkout(m);
        let fx = self.fx("checkout", Self::mid(m));
        let n5 = self.dither(n as f64 * self.p5(CHECKOUT, &fx), 200, m).min(n);
        let n4 = self.dither(n as f64 * 0.01, 201, m).min(n - n5);
        Counts { n, n5, n4 }
    }

    fn own_counts(&self, s: usize, m: i64) -> Counts {
        let n = self.n_own(s, m);
        let fx = self.fx(SERVICES[s], Self::mid(m));
        let n5 = self.dither(n as f64 * self.p5(s, &fx), 210 + s as u64, m).min(n);
        let n4 = self.dither(n as f64 * 0.015, 220 + s as u64, m).min(n - n5);
        Counts { n, n5, n4 }
    }

    /// Closed-form counts of HTTP service `s` (web, api, checkout) at minute `m`.
    pub fn http_counts(&self, s: usize, m: i64) -> Counts {
        let c = self.checkout_counts(m);
        if s == CHECKOUT {
            return c;
        }
        let o = self.own_counts(s, m);
        Counts {
            n: c.n + o.n,
            n5: c.n5 + o.n5,
            n4: c.n4 + o.n4,
        }
    }

    fn rank(&self, j: u32, n: u32, m: i64, key: u64) -> u32 {
        if n == 0 {
            return 0;
        }
        let off = self.hh(st::PERM, m, key) % n as u64;
        ((j as u64 * P + off) % n as u64) as u32
    }

    fn latency_mult(&self, s: usize, m: i64, fx: &Fx) -> f64 {
        1.0 + 0.35 * (self.load(s, m) - 0.6).max(0.0) + 1.2 * fx.cpu + 1.5 * fx.db
    }

    fn tasks(&self, s: usize) -> u32 {
        DESIRED_TASKS[s]
    }

    /// Every sampled request of HTTP service `s` (web, api, checkout) at minute `m`, in index
    /// order (flows first). Agrees with [`World::http_counts`] by construction.
    pub fn http_requests(&self, s: usize, m: i64) -> Vec<Req> {
        let c = self.checkout_counts(m);
        let cfx = self.fx("checkout", Self::mid(m));
        let cmult = self.latency_mult(CHECKOUT, m, &cfx);
        let mut out = Vec::new();
        // The checkout hops of the flows.
        let mut flows: Vec<Req> = Vec::with_capacity(c.n as usize);
        for j in 0..c.n {
            let key = self.hh(st::FLOW, m, j as u64);
            let r = self.rank(j, c.n, m, 300);
            let x = mix(key ^ 0xC0);
            let route = (x % 2) as u8;
            let (status, err) = if r < c.n5 {
                if cfx.db > 0.0 && unit(mix(x)) < 0.85 {
                    (500, if unit(mix(x ^ 1)) < 0.7 { 1 } else { 2 })
                } else {
                    (502, 3)
                }
            } else if r < c.n5 + c.n4 {
                (402, 0)
            } else {
                (200, 0)
            };
            let base = ROUTES[CHECKOUT][route as usize].1;
            let mut dur = base * (0.45 * gauss(mix(x ^ 2))).exp() * cmult;
            if err == 1 {
                dur = 5000.0 + 40.0 * gauss(mix(x ^ 3)).abs();
            }
            flows.push(Req {
                off: (unit(key) * 59_000.0) as u32 + 7,
                status,
                dur: (dur * 100.0).round() / 100.0,
                route,
                flow: true,
                id: key,
                user: (mix(key ^ 0x55) % 50_000) as u32,
                task: (mix(key ^ 0x77) % self.tasks(CHECKOUT) as u64) as u8,
                err,
                key: x,
            });
        }
        if s == CHECKOUT {
            return flows;
        }
        let fx = self.fx(SERVICES[s], Self::mid(m));
        let mult = self.latency_mult(s, m, &fx);
        let routes = ROUTES[s];
        let flow_route = (routes.len() - 1) as u8;
        for f in &flows {
            let x = mix(f.key ^ ((s as u64 + 1) * 0x1111));
            let extra = 3.0 + 6.0 * unit(x);
            let (dur, off) = if s == API {
                (f.dur + extra, f.off - 4)
            } else {
                (f.dur + extra + 6.0, f.off - 7)
            };
            let (status, err) = match f.status {
                500..=599 => (502, 3),
                st => (st, 0),
            };
            out.push(Req {
                off,
                status,
                dur: (dur * 100.0).round() / 100.0,
                route: flow_route,
                flow: true,
                id: f.id,
                user: f.user,
                task: (x % self.tasks(s) as u64) as u8,
                err,
                key: x,
            });
        }
        let o = self.own_counts(s, m);
        for j in 0..o.n {
            let key = self.hh(st::REQ, m, ((s as u64) << 32) | j as u64);
            let r = self.rank(j, o.n, m, 310 + s as u64);
            let route = (mix(key) % (routes.len() as u64 - 1)) as u8;
            let (status, err) = if r < o.n5 {
                if fx.db > 0.0 && unit(mix(key ^ 9)) < 0.8 {
                    (500, 1)
                } else {
                    (500, 4)
                }
            } else if r < o.n5 + o.n4 {
                ([404, 401, 429, 400][(mix(key ^ 4) % 4) as usize], 0)
            } else {
                (200, 0)
            };
            let base = routes[route as usize].1;
            let mut dur = base * (0.5 * gauss(mix(key ^ 2))).exp() * mult;
            if err == 1 {
                dur = 5000.0 + 40.0 * gauss(mix(key ^ 3)).abs();
            }
            out.push(Req {
                off: (unit(key) * 60_000.0) as u32,
                status,
                dur: (dur * 100.0).round() / 100.0,
                route,
                flow: false,
                id: key,
                user: (mix(key ^ 0x55) % 50_000) as u32,
                task: (mix(key ^ 0x77) % self.tasks(s) as u64) as u8,
                err,
                key,
            });
        }
        out
    }

    // ---- worker ------------------------------------------------------------------------

    pub fn jobs(&self, m: i64) -> Vec<Job> {
        let prev = self.n_checkout(m - 1);
        let own = self.dither(12.0 * self.volume * self.load(WORKER, m), 400, m);
        let (db, _) = self.db_pressure(Self::mid(m));
        let mut out = Vec::with_capacity((prev + own) as usize);
        for j in 0..prev + own {
            let key = self.hh(st::EXTRA, m, 0x3000_0000 | j as u64);
            let (kind, request) = if j < prev {
                (0, self.hh(st::FLOW, m - 1, j as u64))
            } else {
                (1 + (key % 2) as usize, key)
            };
            let touches_db = kind != 0;
            let p = 0.01 + if touches_db { 0.3 * db } else { 0.0 };
            let failed = unit(mix(key ^ 1)) < p;
            let mut dur = [180.0, 900.0, 2400.0][kind] * (0.4 * gauss(mix(key ^ 2))).exp();
            if failed && touches_db && db > 0.0 {
                dur = 5000.0 + dur * 0.1;
            }
            out.push(Job {
                off: (unit(key) * 60_000.0) as u32,
                kind,
                dur: dur.round(),
                failed,
                request,
                task: (mix(key ^ 3) % self.tasks(WORKER) as u64) as u8,
            });
        }
        out
    }

    // ---- ai-service ----------------------------------------------------------------------

    /// LLM calls *started* in minute `m` (every call is logged: sampling ratio 1).
    pub fn ai_calls(&self, m: i64) -> Vec<AiCall> {
        let n = self.dither(14.0 * self.volume * self.load(AI, m), 500, m);
        // Rare provider rate-limit bursts (20-minute buckets).
        let burst = unit(self.hh(st::AI, m.div_euclid(20), 1)) < 0.03;
        (0..n)
            .map(|j| {
                let key = self.hh(st::AI, m, 0x1000 | j as u64);
                let model = match unit(mix(key)) {
                    u if u < 0.6 => 0,
                    u if u < 0.85 => 1,
                    _ => 2,
                };
                let input = (600.0 * (0.6 * gauss(mix(key ^ 1))).exp()).round().max(20.0) as u32;
                let output = (250.0 * (0.5 * gauss(mix(key ^ 2))).exp()).round().max(5.0) as u32;
                let failed = unit(mix(key ^ 3)) < if burst { 0.3 } else { 0.015 };
                let speed = [1.0, 1.8, 2.2][model];
                let dur = if failed {
                    300.0 + 1500.0 * unit(mix(key ^ 4))
                } else {
                    400.0 * speed + output as f64 * 9.0 * speed * (0.3 * gauss(mix(key ^ 5))).exp()
                };
                AiCall {
                    start: m * MINUTE_MS + (unit(key) * 60_000.0) as i64,
                    dur: dur.min(58_000.0).round(),
                    model,
                    input,
                    output,
                    failed,
                    id: mix(key ^ 6),
                    user: (mix(key ^ 7) % 50_000) as u32,
                }
            })
            .collect()
    }

    /// LLM calls that *completed* in minute `m` (metrics are published at completion).
    pub fn ai_completed(&self, m: i64) -> Vec<AiCall> {
        let lo = m * MINUTE_MS;
        let hi = lo + MINUTE_MS;
        let mut v: Vec<AiCall> = self
            .ai_calls(m - 1)
            .into_iter()
            .chain(self.ai_calls(m))
            .filter(|c| c.end() >= lo && c.end() < hi)
            .collect();
        v.sort_by_key(|c| c.end());
        v
    }

    // ---- Lambda --------------------------------------------------------------------------

    /// Invocations of Lambda `f` started in minute `m`, and the throttled attempts.
    pub fn invocations(&self, f: usize, m: i64) -> (Vec<Invocation>, u32) {
        let t = Self::mid(m);
        let fx = self.fx(LAMBDAS[f], t);
        let n = match f {
            0 => self.dither(20.0 * self.volume * self.load(WEB, m), 600, m),
            1 => self.n_checkout(m).div_ceil(3),
            _ => {
                let tod = (m * MINUTE_MS).rem_euclid(DAY_MS);
                u32::from(tod == 2 * HOUR_MS)
            }
        };
        let attempts = (n as f64 / (1.0 - fx.throttle)).round() as u32;
        let throttled = attempts.saturating_sub(n);
        let base = [320.0, 85.0, 41_000.0][f];
        let timeout = LAMBDA_TIMEOUT_S[f] * 1000.0;
        let inv = (0..n)
            .map(|j| {
                let key = self.hh(st::LAMBDA, m, ((f as u64) << 32) | j as u64);
                let timed_out = unit(mix(key ^ 1)) < fx.timeouts;
                let mut dur = base * (0.35 * gauss(mix(key ^ 2))).exp();
                if timed_out {
                    dur = timeout + 10.0 + 40.0 * unit(mix(key ^ 3));
                }
                let dur = (dur.min(timeout + 60.0) * 100.0).round() / 100.0;
                let mem = LAMBDA_MEMORY_MB[f];
                AwsLambdaInv::mk(key, m, dur, timed_out, mem)
            })
            .collect();
        (inv, throttled)
    }

    // ---- ECS operations ------------------------------------------------------------------

    /// Deploy time-of-day offset of service `s` relative to the anchor.
    fn deploy_offset(&self, s: usize) -> i64 {
        match s {
            CHECKOUT => -40 * MINUTE_MS - INCIDENT_LEAD_MS,
            WEB => 2 * HOUR_MS + 13 * MINUTE_MS,
            API => 5 * HOUR_MS + 41 * MINUTE_MS,
            WORKER => 9 * HOUR_MS + 7 * MINUTE_MS,
            _ => 14 * HOUR_MS + 29 * MINUTE_MS,
        }
    }

    /// The start of the deployment of service `s` current at `t`.
    pub fn deploy_start(&self, s: usize, t: i64) -> i64 {
        let t0 = self.anchor + self.deploy_offset(s);
        t0 + (t - t0).div_euclid(DAY_MS) * DAY_MS
    }

    /// Deployment number of service `s` at `t` (for version strings and task ids).
    pub fn deploy_index(&self, s: usize, t: i64) -> i64 {
        let t0 = self.anchor + self.deploy_offset(s);
        (t - t0).div_euclid(DAY_MS)
    }

    pub fn version(&self, s: usize, t: i64) -> String {
        let d = self.deploy_index(s, t) + 400;
        format!("v{}.{}.{}", 2 + d / 100, (d / 10) % 10 + s as i64, d % 10)
    }

    /// Operational events of service `s` in `[from, to)`, ascending.
    pub fn ops_events(&self, s: usize, from: i64, to: i64) -> Vec<OpsEvent> {
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        let ev = |at, kind, slot, drill: Option<String>| OpsEvent {
            at,
            service: s,
            kind,
            slot,
            drill,
        };
        // Daily deploys (and their rolling restarts) whose events touch the window.
        let mut d = self.deploy_start(s, from - 10 * MINUTE_MS);
        while d < to {
            out.push(ev(d, OpsKind::DeployStarted, 0, None));
            out.push(ev(d + 90_000, OpsKind::DeployCompleted, 0, None));
            out.push(ev(d + 4 * MINUTE_MS, OpsKind::SteadyState, 0, None));
            d += DAY_MS;
        }
        // The incident's failed health checks and restarts (checkout).
        if s == CHECKOUT {
            let mut starts: Vec<(i64, Option<String>)> = Vec::new();
            let mut d = self.last_incident_deploy(from - 2 * HOUR_MS);
            while d < to {
                starts.push((d + INCIDENT_LEAD_MS, None));
                d += DAY_MS;
            }
            for dr in self.drills.iter().filter(|d| d.kind == DrillKind::IncidentReplay) {
                let s0 = crate::clock::ms(dr.start);
                out.push(ev(s0, OpsKind::DeployStarted, 0, Some(dr.id.clone())));
                out.push(ev(s0 + 90_000, OpsKind::DeployCompleted, 0, Some(dr.id.clone())));
                starts.push((s0 + INCIDENT_LEAD_MS, Some(dr.id.clone())));
            }
            for (i0, drill) in starts {
                for (k, min) in [12i64, 24, 37].into_iter().enumerate() {
                    let at = i0 + min * MINUTE_MS;
                    if self.incident_at(at).is_none() {
                        continue;
                    }
                    out.push(ev(at - 40_000, OpsKind::Unhealthy, k as u32, drill.clone()));
                    out.push(ev(at, OpsKind::TaskStopped, k as u32, drill.clone()));
                    out.push(ev(at + 35_000, OpsKind::TaskStarted, k as u32, drill.clone()));
                }
                out.push(ev(i0 + INCIDENT_IMPACT_MS + 3 * MINUTE_MS, OpsKind::SteadyState, 0, drill.clone()));
            }
        }
        // Memory-leak drills: OOM kills every 15 minutes, staggered over the tasks.
        for dr in self
            .drills
            .iter()
            .filter(|d| d.kind == DrillKind::MemoryLeak && d.service == SERVICES[s])
        {
            let (s0, e0) = (crate::clock::ms(dr.start), crate::clock::ms(dr.end));
            let mut k = 1;
            loop {
                let at = s0 + k * 15 * MINUTE_MS;
                if at >= e0 || k > 10_000 {
                    break;
                }
                let slot = ((k - 1) as u32) % DESIRED_TASKS[s];
                out.push(ev(at, OpsKind::OomKilled, slot, Some(dr.id.clone())));
                out.push(ev(at + 30_000, OpsKind::TaskStarted, slot, Some(dr.id.clone())));
                k += 1;
            }
        }
        out.retain(|e| e.at >= from && e.at < to);
        out.sort_by(|a, b| a.at.cmp(&b.at).then((a.kind as u8).cmp(&(b.kind as u8))));
        out
    }

    /// The task id of slot `slot` of service `s` at `t` (changes at deploys and restarts).
    pub fn task_id(&self, s: usize, slot: u32, t: i64) -> String {
        let d = self.deploy_start(s, t);
        let restarts = self
            .ops_events(s, d, t)
            .iter()
            .filter(|e| e.slot == slot && matches!(e.kind, OpsKind::TaskStopped | OpsKind::OomKilled))
            .count();
        crate::rng::hex(
            self.hh(
                st::TASK,
                self.deploy_index(s, t),
                ((s as u64) << 40) | ((slot as u64) << 20) | restarts as u64,
            ),
            16,
        )
    }

    /// Tasks of service `s` unable to serve at `t` (restarting or failing health checks).
    pub fn unhealthy_tasks(&self, s: usize, t: i64) -> u32 {
        let fx = self.fx(SERVICES[s], t);
        let mut n = 0;
        if fx.incident > 0.9 || fx.db > 0.9 {
            // A second task fails its health checks for stretches of five minutes.
            n = 1 + u32::from(unit(self.hh(st::GAUGE, t.div_euclid(5 * MINUTE_MS), 77 + s as u64)) < 0.4);
        }
        for e in self.ops_events(s, t - 60_000, t + 1) {
            if matches!(e.kind, OpsKind::TaskStopped | OpsKind::OomKilled) {
                n += 1;
            }
        }
        n.min(DESIRED_TASKS[s])
    }

    /// Memory utilisation (%) of task `slot` of service `s` at minute `m`.
    pub fn memory(&self, s: usize, slot: u32, m: i64) -> f64 {
        let t = Self::mid(m);
        let base = [38.0, 44.0, 51.0, 47.0, 62.0][s];
        let since_deploy = (t - self.deploy_start(s, t)) as f64 / HOUR_MS as f64;
        let mut v = base + 0.25 * since_deploy + 1.5 * gauss(self.hh(st::GAUGE, m, 900 + slot as u64 + 10 * s as u64));
        let fx = self.fx(SERVICES[s], t);
        if let Some(leak) = fx.leak {
            // Each task's leak restarts when it is OOM-killed (staggered every 15 minutes).
            let phase = (leak + 15.0 * slot as f64 / DESIRED_TASKS[s] as f64) % 15.0;
            v = (base + (100.0 - base) * (phase / 15.0)).min(99.9);
        }
        v.clamp(0.0, 100.0)
    }

    /// CPU utilisation (%) of task `slot` of service `s` at minute `m`.
    pub fn cpu(&self, s: usize, slot: u32, m: i64) -> f64 {
        let t = Self::mid(m);
        let fx = self.fx(SERVICES[s], t);
        let load = self.load(s, m);
        let base = [18.0, 22.0, 15.0, 25.0, 20.0][s];
        // Autoscaling absorbs part of a traffic spike: CPU follows load sub-linearly above normal.
        let eff = load / (1.0 + 0.5 * (load - 1.0).max(0.0));
        let v = base + 38.0 * eff + 12.0 * fx.db + 3.0 * gauss(self.hh(st::GAUGE, m, 1000 + slot as u64 + 10 * s as u64));
        let sat = 93.0 + 6.0 * unit(self.hh(st::GAUGE, m, 1100 + slot as u64 + 10 * s as u64));
        (v * (1.0 - fx.cpu) + sat * fx.cpu).clamp(0.5, 100.0)
    }

    /// Database connections at minute `m`.
    pub fn db_connections(&self, m: i64) -> f64 {
        let base = 16.0 + 22.0 * self.season(m) + 2.0 * gauss(self.hh(st::GAUGE, m, 2000));
        let (p, _) = self.db_pressure(Self::mid(m));
        let full = DB_MAX_CONNECTIONS - 3.0;
        (base + (full - base) * p).round().clamp(0.0, full)
    }

    /// Ingestion delay of metric datapoints of minute `m` (60–120 s).
    pub fn metric_delay(&self, m: i64) -> i64 {
        60_000 + (self.hh(st::DELAY, m, 1) % 60_000) as i64
    }

    /// Ingestion delay of one log event (5–20 s).
    pub fn log_delay(&self, key: u64) -> i64 {
        5_000 + (mix(key ^ self.seed ^ 0xDE1A) % 15_000) as i64
    }
}

/// Helper to build an invocation.
struct AwsLambdaInv;

impl AwsLambdaInv {
    fn mk(key: u64, m: i64, dur: f64, timed_out: bool, mem: u32) -> Invocation {
        let used = (mem as f64 * (0.18 + 0.1 * unit(mix(key ^ 5)))).round() as u32;
        Invocation {
            start: m * MINUTE_MS + (unit(key) * 60_000.0) as i64,
            dur,
            id: mix(key ^ 7),
            cold: unit(mix(key ^ 8)) < 0.04,
            timed_out,
            error: !timed_out && unit(mix(key ^ 9)) < 0.004,
            mem_used: used,
            slot: (mix(key ^ 10) % 4) as u32,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn world() -> World {
        World::new(7, 1_795_343_100_000, 1.0, Arc::new(Vec::new()))
    }

    #[test]
    fn closed_forms_agree_with_detail() {
        let w = world();
        for s in [WEB, API, CHECKOUT] {
            for m in [29_922_385i64, 29_922_390, 29_922_351, 29_000_000] {
                let c = w.http_counts(s, m);
                let r = w.http_requests(s, m);
                assert_eq!(c.n as usize, r.len());
                assert_eq!(c.n5 as usize, r.iter().filter(|r| r.status >= 500).count(), "s={s} m={m}");
                assert_eq!(c.n4 as usize, r.iter().filter(|r| (400..500).contains(&r.status)).count());
            }
        }
    }

    #[test]
    fn incident_hits_checkout_around_anchor() {
        let w = world();
        let m = (w.anchor - 20 * MINUTE_MS) / MINUTE_MS;
        let c = w.http_counts(CHECKOUT, m);
        assert!(c.n5 * 5 > c.n, "{c:?}");
        let quiet = w.http_counts(CHECKOUT, m - 180);
        assert!(quiet.n5 * 20 < quiet.n.max(20), "{quiet:?}");
        assert!(w.db_connections(m) > 90.0);
    }
}
