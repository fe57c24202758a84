//! The log groups of the demo account and their events, generated per (group, minute) from the
//! same model the metrics come from, in the formats the real systems write.

use crate::clock::{iso_ms, slash_date, DAY_MS, HOUR_MS, MINUTE_MS};
use crate::model::*;
use crate::pattern::{self, LogPattern};
use crate::rng::{h, hex, mix, stream as st, unit, uuid};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Ecs(usize),
    Lambda(usize),
    VpcFlow,
    AlbAccess,
    EcsEvents,
}

#[derive(Debug, Clone)]
pub struct GroupDef {
    pub name: String,
    pub kind: GroupKind,
    /// `None`: never expire.
    pub retention_days: Option<i64>,
    /// Days before the anchor the group was created.
    pub age_days: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct MetricFilterDef {
    pub filter_name: &'static str,
    pub log_group: &'static str,
    pub pattern: &'static str,
    pub metric_name: &'static str,
}

pub const LOG_METRICS_NAMESPACE: &str = "Shop/LogMetrics";

/// The metric filters of the account (metric value 1 per match, default value 0).
pub const METRIC_FILTERS: [MetricFilterDef; 6] = [
    MetricFilterDef {
        filter_name: "web-errors",
        log_group: "/ecs/web",
        pattern: r#"{ $.level = "error" }"#,
        metric_name: "WebErrors",
    },
    MetricFilterDef {
        filter_name: "api-errors",
        log_group: "/ecs/api",
        pattern: r#"{ $.level = "error" }"#,
        metric_name: "ApiErrors",
    },
    MetricFilterDef {
        filter_name: "checkout-errors",
        log_group: "/ecs/checkout",
        pattern: r#"{ $.level = "error" }"#,
        metric_name: "CheckoutErrors",
    },
    MetricFilterDef {
        filter_name: "worker-errors",
        log_group: "/ecs/worker",
        pattern: r#"{ $.level = "ERROR" }"#,
        metric_name: "WorkerErrors",
    },
    MetricFilterDef {
        filter_name: "llm-failures",
        log_group: "/ecs/ai-service",
        pattern: r#"{ $.event = "llm_request_failed" }"#,
        metric_name: "LLMRequestFailures",
    },
    MetricFilterDef {
        filter_name: "checkout-slow-requests",
        log_group: "/ecs/checkout",
        pattern: r#"{ $.durationMs > 2000 }"#,
        metric_name: "CheckoutSlowRequests",
    },
];

pub fn groups() -> Vec<GroupDef> {
    let mut v = Vec::new();
    let ret = [Some(30), Some(30), Some(90), Some(14), None];
    for (s, name) in SERVICES.iter().enumerate() {
        v.push(GroupDef {
            name: format!("/ecs/{name}"),
            kind: GroupKind::Ecs(s),
            retention_days: ret[s],
            age_days: 400 - 37 * s as i64,
        });
    }
    for (f, name) in LAMBDAS.iter().enumerate() {
        v.push(GroupDef {
            name: format!("/aws/lambda/{name}"),
            kind: GroupKind::Lambda(f),
            retention_days: if f == 2 { None } else { Some(14) },
            age_days: 210 + 40 * f as i64,
        });
    }
    v.push(GroupDef {
        name: "/aws/vpc/flowlogs".into(),
        kind: GroupKind::VpcFlow,
        retention_days: Some(365),
        age_days: 500,
    });
    v.push(GroupDef {
        name: "/aws/alb/shop-alb/access-logs".into(),
        kind: GroupKind::AlbAccess,
        retention_days: Some(7),
        age_days: 120,
    });
    v.push(GroupDef {
        name: "/aws/events/ecs/shop".into(),
        kind: GroupKind::EcsEvents,
        retention_days: None,
        age_days: 380,
    });
    v
}

/// One generated event.
#[derive(Debug, Clone)]
pub struct Event {
    pub ts: i64,
    pub ingest: i64,
    pub stream: u16,
    pub msg: String,
}

/// The events of one (group, minute), ascending by time; `streams` names them.
#[derive(Debug, Clone, Default)]
pub struct MinuteEvents {
    pub streams: Vec<String>,
    pub events: Vec<Event>,
}

impl MinuteEvents {
    fn stream(&mut self, name: String) -> u16 {
        if let Some(i) = self.streams.iter().position(|s| *s == name) {
            return i as u16;
        }
        self.streams.push(name);
        (self.streams.len() - 1) as u16
    }
    fn push(&mut self, w: &World, ts: i64, stream: u16, msg: String) {
        let key = (ts as u64) ^ mix(msg.len() as u64 ^ ((stream as u64) << 32)) ^ (self.events.len() as u64).wrapping_mul(0x9E37);
        self.events.push(Event {
            ts,
            ingest: ts + w.log_delay(key),
            stream,
            msg,
        });
    }
}

/// The log side of the world: group definitions and compiled metric-filter patterns.
#[derive(Debug)]
pub struct LogWorld {
    pub groups: Vec<GroupDef>,
    patterns: Vec<Box<dyn LogPattern>>,
}

impl Default for LogWorld {
    fn default() -> Self {
        Self::new()
    }
}

fn esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn err_text(s: usize, err: u8) -> (&'static str, String, String) {
    match err {
        1 => (
            "SequelizeConnectionAcquireTimeoutError",
            "Operation timeout".into(),
            "SequelizeConnectionAcquireTimeoutError: Operation timeout\n    at ConnectionManager.getConnection (/app/node_modules/sequelize/lib/dialects/abstract/connection-manager.js:288:48)\n    at async OrderService.create (/app/src/services/order.js:41:19)\n    at async CheckoutController.createSession (/app/src/controllers/checkout.js:27:5)".into(),
        ),
        2 => (
            "SequelizeConnectionError",
            "remaining connection slots are reserved for non-replication superuser connections".into(),
            "SequelizeConnectionError: remaining connection slots are reserved for non-replication superuser connections\n    at Client._connectionCallback (/app/node_modules/sequelize/lib/dialects/postgres/connection-manager.js:145:24)\n    at Client._handleErrorMessage (/app/node_modules/pg/lib/client.js:335:17)".into(),
        ),
        3 => {
            let up = if s == WEB { "api" } else { "checkout" };
            (
                "UpstreamError",
                format!("{up} responded with 5xx"),
                format!("UpstreamError: {up} responded with 5xx\n    at HttpClient.request (/app/src/lib/http.js:88:13)\n    at async proxy (/app/src/routes/{up}.js:19:20)"),
            )
        }
        _ => (
            "TypeError",
            "Cannot read properties of undefined (reading 'price')".into(),
            "TypeError: Cannot read properties of undefined (reading 'price')\n    at lineTotal (/app/src/lib/cart.js:52:31)\n    at Array.map (<anonymous>)\n    at CartService.summary (/app/src/services/cart.js:77:28)".into(),
        ),
    }
}

fn path_of(route: &str, key: u64) -> String {
    let p = route.split_once(' ').map_or(route, |(_, p)| p);
    p.replace("{id}", &(1000 + key % 9000).to_string())
}

impl LogWorld {
    pub fn new() -> Self {
        let patterns = METRIC_FILTERS
            .iter()
            .map(|f| pattern::compile(f.pattern).unwrap_or_else(|_| Box::new(Never)))
            .collect();
        LogWorld {
            groups: groups(),
            patterns,
        }
    }

    pub fn group_index(&self, name: &str) -> Option<usize> {
        // Accept ARNs as identifiers too.
        let name = name
            .strip_prefix(&format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"))
            .unwrap_or(name);
        let name = name.strip_suffix(":*").unwrap_or(name);
        self.groups.iter().position(|g| g.name == name)
    }

    pub fn filter_pattern(&self, i: usize) -> &dyn LogPattern {
        self.patterns[i].as_ref()
    }

    pub fn metric_filter_count(&self, g: usize) -> usize {
        METRIC_FILTERS.iter().filter(|f| f.log_group == self.groups[g].name).count()
    }

    /// The events of group `g` with timestamps in minute `m`, ascending.
    pub fn minute_events(&self, w: &World, g: usize, m: i64) -> MinuteEvents {
        let mut out = MinuteEvents::default();
        match self.groups[g].kind {
            GroupKind::Ecs(s) if s <= CHECKOUT => self.http_service(w, s, m, &mut out),
            GroupKind::Ecs(WORKER) => self.worker(w, m, &mut out),
            GroupKind::Ecs(_) => self.ai(w, m, &mut out),
            GroupKind::Lambda(f) => self.lambda(w, f, m, &mut out),
            GroupKind::VpcFlow => self.vpc(w, m, &mut out),
            GroupKind::AlbAccess => self.alb(w, m, &mut out),
            GroupKind::EcsEvents => self.ecs_events(w, m, &mut out),
        }
        // Stable: events at the same millisecond keep their generation order.
        out.events.sort_by_key(|e| e.ts);
        out
    }

    fn task_stream(&self, w: &World, out: &mut MinuteEvents, s: usize, slot: u32, t: i64) -> u16 {
        out.stream(format!("ecs/{}/{}", SERVICES[s], w.task_id(s, slot, t)))
    }

    fn ops_lines(&self, w: &World, s: usize, m: i64, out: &mut MinuteEvents) {
        let t0 = m * MINUTE_MS;
        for e in w.ops_events(s, t0, t0 + MINUTE_MS) {
            let v = w.version(s, e.at + 1);
            let commit = hex(h(w.seed, st::TASK, w.deploy_index(s, e.at + 1), 99), 4);
            match e.kind {
                OpsKind::DeployStarted => {
                    let stream = self.task_stream(w, out, s, 0, e.at);
                    let mut msg = String::new();
                    let _ = write!(msg, "{{\"level\":\"info\",\"timestamp\":\"");
                    iso_ms(&mut msg, e.at);
                    let _ = write!(
                        msg,
                        "\",\"message\":\"Deploy started: {} {v} (commit {commit}) by github-actions\",\"event\":\"deploy\",\"service\":\"{}\",\"version\":\"{v}\"}}",
                        SERVICES[s], SERVICES[s]
                    );
                    out.push(w, e.at, stream, msg);
                }
                OpsKind::DeployCompleted | OpsKind::TaskStarted => {
                    let slots: Vec<u32> = if e.kind == OpsKind::TaskStarted {
                        vec![e.slot]
                    } else {
                        (0..DESIRED_TASKS[s]).collect()
                    };
                    for slot in slots {
                        let at = e.at + 2_000 + slot as i64 * 700;
                        let stream = self.task_stream(w, out, s, slot, at);
                        let msg = format!(
                            "Server listening on port 8080 ({} {v}, commit {commit}, node v20.18.1)",
                            SERVICES[s]
                        );
                        out.push(w, at, stream, msg);
                    }
                }
                _ => {}
            }
        }
    }

    fn http_service(&self, w: &World, s: usize, m: i64, out: &mut MinuteEvents) {
        let t0 = m * MINUTE_MS;
        let reqs = w.http_requests(s, m);
        let tasks: Vec<u16> = (0..DESIRED_TASKS[s]).map(|k| self.task_stream(w, out, s, k, t0 + 30_000)).collect();
        let name = SERVICES[s];
        for q in &reqs {
            let ts = t0 + q.off as i64;
            let route = ROUTES[s][q.route as usize].0;
            let (method, _) = route.split_once(' ').unwrap_or(("GET", route));
            let level = match q.status {
                500..=599 => "error",
                400..=499 => "warn",
                _ => "info",
            };
            let mut msg = String::with_capacity(320);
            msg.push_str("{\"level\":\"");
            msg.push_str(level);
            msg.push_str("\",\"timestamp\":\"");
            iso_ms(&mut msg, ts);
            let _ = write!(
                msg,
                "\",\"message\":\"{}\",\"service\":\"{name}\",\"requestId\":\"{}\",\"userId\":\"u_{}\",\"method\":\"{method}\",\"path\":\"{}\",\"route\":\"{route}\",\"statusCode\":{},\"durationMs\":{}",
                if q.status >= 500 { "request failed" } else { "request completed" },
                uuid(q.id),
                q.user,
                path_of(route, q.key),
                q.status,
                q.dur
            );
            if q.status >= 500 {
                let (ename, emsg, stack) = err_text(s, q.err);
                msg.push_str(",\"error\":{\"name\":\"");
                msg.push_str(ename);
                msg.push_str("\",\"message\":\"");
                esc(&mut msg, &emsg);
                msg.push_str("\",\"stack\":\"");
                esc(&mut msg, &stack);
                msg.push_str("\"}");
            }
            msg.push('}');
            out.push(w, ts, tasks[q.task as usize % tasks.len()], msg);
        }
        // Plain-text lines: health checks, and the connection pool complaining during exhaustion.
        let fx = w.fx(name, t0 + 30_000);
        for (k, stream) in tasks.iter().enumerate() {
            let x = h(w.seed, st::EXTRA, m, ((s as u64) << 8) | k as u64);
            let ts = t0 + (unit(x) * 60_000.0) as i64;
            out.push(w, ts, *stream, format!("GET /healthz 200 {:.3} ms - 2", 0.4 + unit(mix(x))));
            if fx.db > 0.5 {
                for j in 0..3 {
                    let y = mix(x ^ (j + 1));
                    let ts = t0 + j as i64 * 20_000 + (unit(y) * 20_000.0) as i64;
                    let mut msg = String::from("{\"level\":\"warn\",\"timestamp\":\"");
                    iso_ms(&mut msg, ts);
                    let _ = write!(
                        msg,
                        "\",\"message\":\"connection pool exhausted: 0 idle, 20 in use, {} waiting\",\"service\":\"{name}\",\"pool\":{{\"max\":20,\"idle\":0,\"waiting\":{}}}}}",
                        20 + y % 40,
                        20 + y % 40
                    );
                    out.push(w, ts, *stream, msg);
                }
                if unit(mix(x ^ 77)) < 0.5 {
                    out.push(
                        w,
                        ts + 5,
                        *stream,
                        "Error: remaining connection slots are reserved for non-replication superuser connections".into(),
                    );
                }
            }
        }
        self.ops_lines(w, s, m, out);
    }

    fn worker(&self, w: &World, m: i64, out: &mut MinuteEvents) {
        let t0 = m * MINUTE_MS;
        let tasks: Vec<u16> = (0..DESIRED_TASKS[WORKER])
            .map(|k| self.task_stream(w, out, WORKER, k, t0 + 30_000))
            .collect();
        let (db, _) = w.db_pressure(t0 + 30_000);
        for j in w.jobs(m) {
            let ts = t0 + j.off as i64;
            let mut msg = String::with_capacity(256);
            msg.push_str("{\"timestamp\":\"");
            iso_ms(&mut msg, ts);
            let _ = write!(
                msg,
                "\",\"level\":\"{}\",\"msg\":\"{}\",\"job\":\"{}\",\"request_id\":\"{}\",\"duration_ms\":{},\"attempt\":1",
                if j.failed { "ERROR" } else { "INFO" },
                if j.failed { "job failed" } else { "job completed" },
                JOB_KINDS[j.kind],
                uuid(j.request),
                j.dur
            );
            if j.failed {
                let (et, em) = if db > 0.0 && j.kind != 0 {
                    ("SequelizeConnectionAcquireTimeoutError", "Operation timeout")
                } else if j.kind == 0 {
                    ("SMTPError", "421 4.7.0 Try again later, closing connection")
                } else {
                    ("InventoryConflictError", "sku stock changed during sync")
                };
                let _ = write!(msg, ",\"error_type\":\"{et}\",\"error_message\":\"{em}\"");
            }
            msg.push('}');
            out.push(w, ts, tasks[j.task as usize % tasks.len()], msg);
        }
        self.ops_lines(w, WORKER, m, out);
    }

    fn ai(&self, w: &World, m: i64, out: &mut MinuteEvents) {
        let t0 = m * MINUTE_MS;
        let tasks: Vec<u16> = (0..DESIRED_TASKS[AI])
            .map(|k| self.task_stream(w, out, AI, k, t0 + 30_000))
            .collect();
        let head = |msg: &mut String, ts: i64, level: &str, event: &str, c: &AiCall| {
            msg.push_str("{\"timestamp\":\"");
            iso_ms(msg, ts);
            let _ = write!(
                msg,
                "\",\"level\":\"{level}\",\"category\":\"ai-usage\",\"event\":\"{event}\",\"requestId\":\"{}\",\"userId\":\"u_{}\",\"model\":\"{}\"",
                uuid(c.id),
                c.user,
                AI_MODELS[c.model]
            );
        };
        for c in w.ai_calls(m) {
            let mut msg = String::with_capacity(200);
            head(&mut msg, c.start, "info", "llm_request_started", &c);
            let _ = write!(msg, ",\"inputTokens\":{}}}", c.input);
            out.push(w, c.start, tasks[(c.id % tasks.len() as u64) as usize], msg);
        }
        for c in w.ai_completed(m) {
            let mut msg = String::with_capacity(300);
            let stream = tasks[(c.id % tasks.len() as u64) as usize];
            if c.failed {
                head(&mut msg, c.end(), "error", "llm_request_failed", &c);
                let (name, text) = if c.dur > 1200.0 {
                    ("APITimeoutError", "Request timed out.".to_string())
                } else {
                    (
                        "RateLimitError",
                        format!("429 Rate limit reached for {} on tokens per min (TPM)", AI_MODELS[c.model]),
                    )
                };
                let _ = write!(
                    msg,
                    ",\"durationMs\":{},\"inputTokens\":{},\"outputTokens\":0,\"totalTokens\":{},\"estimatedCost\":{},\"error\":{{\"name\":\"{name}\",\"message\":\"{text}\"}}}}",
                    c.dur,
                    c.input,
                    c.input,
                    c.cost()
                );
            } else {
                head(&mut msg, c.end(), "info", "llm_request_completed", &c);
                let _ = write!(
                    msg,
                    ",\"durationMs\":{},\"inputTokens\":{},\"outputTokens\":{},\"totalTokens\":{},\"estimatedCost\":{}}}",
                    c.dur,
                    c.input,
                    c.output,
                    c.input + c.output,
                    c.cost()
                );
            }
            out.push(w, c.end(), stream, msg);
        }
        self.ops_lines(w, AI, m, out);
    }

    fn lambda(&self, w: &World, f: usize, m: i64, out: &mut MinuteEvents) {
        let lo = m * MINUTE_MS;
        let hi = lo + MINUTE_MS;
        let span = if f == 2 { 6 } else { 1 };
        for mm in (m - span)..=m {
            let (inv, _) = w.invocations(f, mm);
            for i in inv {
                let end = i.start + i.dur.ceil() as i64;
                if end < lo || i.start >= hi {
                    continue;
                }
                let hour = i.start.div_euclid(HOUR_MS);
                let stream = out.stream(format!(
                    "{}/[$LATEST]{}",
                    slash_date(i.start),
                    hex(h(w.seed, st::LAMBDA, hour, ((f as u64) << 8) | i.slot as u64), 16)
                ));
                let id = uuid(i.id);
                let mut lines: Vec<(i64, String)> = Vec::new();
                lines.push((i.start, format!("START RequestId: {id} Version: $LATEST")));
                let mid = i.start + (i.dur * 0.6) as i64;
                let mut body = String::new();
                iso_ms(&mut body, mid);
                let _ = write!(body, "\t{id}\t");
                if i.timed_out {
                    body.clear();
                    iso_ms(&mut body, end);
                    let _ = write!(body, " {id} Task timed out after {:.2} seconds", i.dur / 1000.0);
                    lines.push((end, body));
                } else if i.error {
                    let _ = write!(
                        body,
                        "ERROR\tInvoke Error \t{{\"errorType\":\"Error\",\"errorMessage\":\"upstream returned 503\",\"stack\":[\"Error: upstream returned 503\",\"    at handler (/var/task/index.js:42:11)\"]}}"
                    );
                    lines.push((mid, body));
                } else {
                    let text = match f {
                        0 => format!(
                            "Resized uploads/u_{}/{}.jpg to 3 sizes in {:.0} ms",
                            i.id % 50_000,
                            hex(i.id, 6),
                            i.dur * 0.9
                        ),
                        1 => format!("Processed batch of {} order events", 1 + i.id % 10),
                        _ => format!(
                            "Nightly report generated: {} orders, {} rows written to s3://shop-reports/",
                            8000 + i.id % 3000,
                            120_000 + i.id % 40_000
                        ),
                    };
                    let _ = write!(body, "INFO\t{text}");
                    lines.push((mid, body));
                }
                lines.push((end, format!("END RequestId: {id}")));
                let billed = if i.timed_out { LAMBDA_TIMEOUT_S[f] * 1000.0 } else { i.dur.ceil() };
                let mut report = format!(
                    "REPORT RequestId: {id}\tDuration: {:.2} ms\tBilled Duration: {billed:.0} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
                    i.dur, LAMBDA_MEMORY_MB[f], i.mem_used
                );
                if i.cold {
                    let _ = write!(report, "Init Duration: {:.2} ms\t", 250.0 + (i.id % 40_000) as f64 / 100.0);
                }
                if i.timed_out {
                    report.push_str("Status: timeout");
                }
                lines.push((end, report));
                for (ts, msg) in lines {
                    if ts >= lo && ts < hi {
                        out.push(w, ts, stream, msg);
                    }
                }
            }
        }
    }

    fn vpc(&self, w: &World, m: i64, out: &mut MinuteEvents) {
        let t0 = m * MINUTE_MS;
        let enis = ["eni-0a1b2c3d4e5f60718", "eni-0f9e8d7c6b5a40312", "eni-07c3b1a9e5d2f4680"];
        let streams: Vec<u16> = enis.iter().map(|e| out.stream(format!("{e}-all"))).collect();
        let n = (40.0 * w.volume * w.load(WEB, m) + unit(h(w.seed, st::VPC, m, 0))).floor() as u32;
        for j in 0..n {
            let x = h(w.seed, st::VPC, m, 1 + j as u64);
            let e = (x % 3) as usize;
            let ts = t0 + (unit(mix(x)) * 60_000.0) as i64;
            let start = ts / 1000 - 60;
            let end = ts / 1000;
            let msg = if unit(mix(x ^ 1)) < 0.06 {
                let port = [22, 3389, 23, 445, 5900][(mix(x ^ 2) % 5) as usize];
                format!(
                    "2 {ACCOUNT} {} {}.{}.{}.{} 10.0.1.{} {} {port} 6 1 44 {start} {end} REJECT OK",
                    enis[e],
                    45 + mix(x ^ 3) % 150,
                    mix(x ^ 4) % 256,
                    mix(x ^ 5) % 256,
                    1 + mix(x ^ 6) % 254,
                    10 + e * 7,
                    30_000 + mix(x ^ 7) % 35_000
                )
            } else {
                let (dport, proto) = [(5432, 6), (443, 6), (6379, 6), (53, 17)][(mix(x ^ 2) % 4) as usize];
                let pk = 2 + mix(x ^ 8) % 60;
                format!(
                    "2 {ACCOUNT} {} 10.0.1.{} 10.0.2.{} {} {dport} {proto} {pk} {} {start} {end} ACCEPT OK",
                    enis[e],
                    10 + e * 7,
                    20 + mix(x ^ 9) % 40,
                    32_768 + mix(x ^ 10) % 28_000,
                    pk * (60 + mix(x ^ 11) % 1400)
                )
            };
            out.push(w, ts, streams[e], msg);
        }
    }

    fn alb(&self, w: &World, m: i64, out: &mut MinuteEvents) {
        let t0 = m * MINUTE_MS;
        let stream = out.stream(format!("shop-alb/{}", slash_date(t0)));
        for (s, tg) in TARGET_GROUPS.iter().enumerate() {
            for q in w.http_requests(s, m) {
                let ts = t0 + q.off as i64;
                let route = ROUTES[s][q.route as usize].0;
                let (method, _) = route.split_once(' ').unwrap_or(("GET", route));
                let mut msg = String::with_capacity(400);
                msg.push_str("https ");
                iso_ms(&mut msg, ts + q.dur as i64);
                let _ = write!(
                    msg,
                    " {LOAD_BALANCER} 203.0.113.{}:{} 10.0.2.{}:8080 0.000 {:.3} 0.000 {} {} {} {} \"{method} https://shop.example.com:443{} HTTP/2.0\" \"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{tg} \"Root=1-{:08x}-{}\" \"shop.example.com\" \"-\" 0 ",
                    1 + q.user % 254,
                    1024 + q.key % 60_000,
                    20 + s * 10 + q.task as usize,
                    q.dur / 1000.0,
                    q.status,
                    q.status,
                    200 + q.key % 900,
                    400 + q.key % 20_000,
                    path_of(route, q.key),
                    ts / 1000,
                    hex(q.id, 12)
                );
                iso_ms(&mut msg, ts);
                msg.push_str(" \"forward\" \"-\" \"-\"");
                out.push(w, ts + q.dur as i64, stream, msg);
            }
        }
        // Keep minute boundaries: an access log entry belongs to the minute it was written in.
        out.events.retain(|e| e.ts < t0 + MINUTE_MS);
    }

    fn ecs_events(&self, w: &World, m: i64, out: &mut MinuteEvents) {
        let t0 = m * MINUTE_MS;
        let stream = out.stream("ecs-service-events".into());
        for s in 0..SERVICES.len() {
            for e in w.ops_events(s, t0, t0 + MINUTE_MS) {
                let name = SERVICES[s];
                let task = w.task_id(s, e.slot, e.at - 1);
                let new_task = w.task_id(s, e.slot, e.at + 1);
                let tg = TARGET_GROUPS.get(s).copied().unwrap_or("-");
                let (etype, text, extra) = match e.kind {
                    OpsKind::DeployStarted => (
                        "INFO",
                        format!("(service {name}) has started {} tasks: {}.", DESIRED_TASKS[s], (0..DESIRED_TASKS[s]).map(|k| format!("(task {})", w.task_id(s, k, e.at + 1))).collect::<Vec<_>>().join(" ")),
                        format!(",\"deploymentId\":\"ecs-svc/{}\"", 1000000000000000000u64 + h(w.seed, st::TASK, w.deploy_index(s, e.at + 1), 5) % 8999999999999999999),
                    ),
                    OpsKind::DeployCompleted => ("INFO", format!("(service {name}) deployment ecs-svc/{} completed.", 1000000000000000000u64 + h(w.seed, st::TASK, w.deploy_index(s, e.at), 5) % 8999999999999999999), String::new()),
                    OpsKind::SteadyState => ("INFO", format!("(service {name}) has reached a steady state."), String::new()),
                    OpsKind::Unhealthy => (
                        "WARN",
                        format!("(service {name}) (port 8080) is unhealthy in (target-group arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{tg}) due to (reason Health checks failed with these codes: [503])."),
                        String::new(),
                    ),
                    OpsKind::TaskStopped => (
                        "WARN",
                        format!("(service {name}) has stopped 1 running tasks: (task {task})."),
                        ",\"stoppedReason\":\"Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing)\",\"exitCode\":143".to_string(),
                    ),
                    OpsKind::OomKilled => (
                        "ERROR",
                        format!("(service {name}) task {task} stopped: OutOfMemoryError: Container killed due to memory usage"),
                        ",\"stoppedReason\":\"OutOfMemoryError: Container killed due to memory usage\",\"exitCode\":137".to_string(),
                    ),
                    OpsKind::TaskStarted => ("INFO", format!("(service {name}) has started 1 tasks: (task {new_task})."), String::new()),
                };
                let mut msg = String::from("{\"timestamp\":\"");
                iso_ms(&mut msg, e.at);
                let _ = write!(
                    msg,
                    "\",\"cluster\":\"{CLUSTER}\",\"service\":\"{name}\",\"eventType\":\"{etype}\",\"message\":\""
                );
                esc(&mut msg, &text);
                msg.push('"');
                msg.push_str(&extra);
                if let Some(d) = &e.drill {
                    let _ = write!(msg, ",\"drill\":\"{d}\"");
                }
                msg.push('}');
                out.push(w, e.at, stream, msg);
            }
        }
    }

    /// Rough bytes stored per day by group `g` (for DescribeLogGroups).
    pub fn bytes_per_day(&self, g: usize, volume: f64) -> i64 {
        let per_min = match self.groups[g].kind {
            GroupKind::Ecs(WEB) => 240_000.0,
            GroupKind::Ecs(API) => 110_000.0,
            GroupKind::Ecs(CHECKOUT) => 15_000.0,
            GroupKind::Ecs(_) => 6_000.0,
            GroupKind::Lambda(_) => 12_000.0,
            GroupKind::VpcFlow => 3_500.0,
            GroupKind::AlbAccess => 350_000.0,
            GroupKind::EcsEvents => 10.0,
        };
        (per_min * volume * 0.7 * (DAY_MS / MINUTE_MS) as f64) as i64
    }
}

#[derive(Debug)]
struct Never;

impl LogPattern for Never {
    fn matches(&self, _: &str) -> bool {
        false
    }
    fn metric_value(&self, _: &str, _: &str) -> Option<f64> {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn checkout_5xx_lines_match_closed_form() {
        let w = World::new(3, 1_795_343_100_000, 1.0, Arc::new(Vec::new()));
        let lw = LogWorld::new();
        let g = lw.group_index("/ecs/checkout").unwrap();
        let m = (w.anchor - 20 * MINUTE_MS) / MINUTE_MS;
        let ev = lw.minute_events(&w, g, m);
        let fives = ev.events.iter().filter(|e| e.msg.contains("\"statusCode\":5")).count() as u32;
        assert_eq!(fives, w.http_counts(CHECKOUT, m).n5);
        for e in &ev.events {
            if e.msg.starts_with('{') {
                serde_json::from_str::<serde_json::Value>(&e.msg).unwrap();
            }
        }
    }
}
