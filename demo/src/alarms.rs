//! The account's alarms (metric, anomaly-band and composite) and their evaluation with
//! CloudWatch's semantics: period, EvaluationPeriods, DatapointsToAlarm (M of N),
//! TreatMissingData, INSUFFICIENT_DATA at start.
//!
//! The state at any instant is found by replaying evaluations (one a minute) over a bounded
//! window: history is cut into 6-hour blocks, each replayed from an hour of warm-up before it
//! starting in INSUFFICIENT_DATA, and the transitions of every block entirely in the past are
//! cached. An evaluation at `t` reads only periods that ended at least 2 minutes before `t`, all
//! of whose data had been ingested by `t`, so replaying later never changes the past.

use crate::clock::{alarm_dp, iso_offset, HOUR_MS, MINUTE_MS};
use crate::metrics::{self, MetricDef, MetricView};
use crate::model::*;
use cloudwatch::alarms::{ComparisonOperator, CompositeAlarm, MetricAlarm, StateValue};
use cloudwatch::metrics::{Metric, MetricDataQuery, MetricStat};
use metricmath::Statistic;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Missing,
    Ignore,
    Breaching,
    NotBreaching,
}

impl Missing {
    pub fn as_str(self) -> &'static str {
        match self {
            Missing::Missing => "missing",
            Missing::Ignore => "ignore",
            Missing::Breaching => "breaching",
            Missing::NotBreaching => "notBreaching",
        }
    }
}

/// What an alarm watches, for attributing transitions to drills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Service(usize),
    Lambda(usize),
    Db,
    Other,
}

#[derive(Debug, Clone)]
pub struct AlarmDef {
    pub name: String,
    pub description: String,
    pub metric: Metric,
    /// `Average`, `Maximum`, ... or an extended statistic (`p99`).
    pub stat: String,
    pub period: i64,
    pub evaluation_periods: usize,
    pub datapoints_to_alarm: usize,
    pub threshold: f64,
    pub op: ComparisonOperator,
    pub missing: Missing,
    /// Anomaly band width in standard deviations.
    pub band: Option<f64>,
    pub target: Target,
    pub ok_actions: bool,
}

#[derive(Debug, Clone)]
pub struct CompositeDef {
    pub name: String,
    pub description: String,
    pub rule: String,
}

/// One state change.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub at: i64,
    pub old: StateValue,
    pub new: StateValue,
    pub reason: String,
    pub data: serde_json::Value,
    pub drill: Option<String>,
}

pub fn definitions() -> (Vec<AlarmDef>, Vec<CompositeDef>) {
    let mut v = Vec::new();
    let lb_tg = |tg: &str| {
        vec![
            ("LoadBalancer".to_string(), LOAD_BALANCER.to_string()),
            ("TargetGroup".to_string(), tg.to_string()),
        ]
    };
    let mk = |ns: &str, name: &str, dims: Vec<(String, String)>| Metric {
        namespace: Some(ns.into()),
        metric_name: Some(name.into()),
        dimensions: dims.into_iter().map(|(n, v)| cloudwatch::metrics::Dimension::new(n, v)).collect(),
    };
    let gt = ComparisonOperator::GreaterThanThreshold;
    for (s, svc) in SERVICES.iter().enumerate() {
        let dims = vec![
            ("ClusterName".to_string(), CLUSTER.to_string()),
            ("ServiceName".to_string(), svc.to_string()),
        ];
        v.push(AlarmDef {
            name: format!("{svc}-cpu-high"),
            description: format!("ECS service {svc}: average CPU above 80% for 3 minutes"),
            metric: mk("AWS/ECS", "CPUUtilization", dims.clone()),
            stat: "Average".into(),
            period: 60,
            evaluation_periods: 3,
            datapoints_to_alarm: 3,
            threshold: 80.0,
            op: gt,
            missing: Missing::Missing,
            band: None,
            target: Target::Service(s),
            ok_actions: true,
        });
        v.push(AlarmDef {
            name: format!("{svc}-memory-high"),
            description: format!("ECS service {svc}: a task's memory above 85% for 2 of 3 minutes"),
            metric: mk("AWS/ECS", "MemoryUtilization", dims),
            stat: "Maximum".into(),
            period: 60,
            evaluation_periods: 3,
            datapoints_to_alarm: 2,
            threshold: 85.0,
            op: gt,
            missing: Missing::Missing,
            band: None,
            target: Target::Service(s),
            ok_actions: false,
        });
    }
    let tg = TARGET_GROUPS[CHECKOUT];
    v.push(AlarmDef {
        name: "checkout-5xx-rate".into(),
        description: "checkout target group: more than 30 5XX responses a minute in 2 of 3 minutes".into(),
        metric: mk("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb_tg(tg)),
        stat: "Sum".into(),
        period: 60,
        evaluation_periods: 3,
        datapoints_to_alarm: 2,
        threshold: 30.0,
        op: gt,
        missing: Missing::NotBreaching,
        band: None,
        target: Target::Service(CHECKOUT),
        ok_actions: true,
    });
    v.push(AlarmDef {
        name: "checkout-p99-latency".into(),
        description: "checkout p99 response time above 2 s in 3 of 5 minutes".into(),
        metric: mk("AWS/ApplicationELB", "TargetResponseTime", lb_tg(tg)),
        stat: "p99".into(),
        period: 60,
        evaluation_periods: 5,
        datapoints_to_alarm: 3,
        threshold: 2.0,
        op: gt,
        missing: Missing::Missing,
        band: None,
        target: Target::Service(CHECKOUT),
        ok_actions: true,
    });
    v.push(AlarmDef {
        name: "checkout-healthy-hosts-low".into(),
        description: "fewer than 2 healthy checkout targets for 2 minutes".into(),
        metric: mk("AWS/ApplicationELB", "HealthyHostCount", lb_tg(tg)),
        stat: "Minimum".into(),
        period: 60,
        evaluation_periods: 2,
        datapoints_to_alarm: 2,
        threshold: 2.0,
        op: ComparisonOperator::LessThanThreshold,
        missing: Missing::Breaching,
        band: None,
        target: Target::Service(CHECKOUT),
        ok_actions: false,
    });
    v.push(AlarmDef {
        name: "db-connections-anomaly".into(),
        description: "shop-db connections outside the expected band".into(),
        metric: mk(
            "AWS/RDS",
            "DatabaseConnections",
            vec![("DBInstanceIdentifier".into(), DB_INSTANCE.into())],
        ),
        stat: "Average".into(),
        period: 60,
        evaluation_periods: 3,
        datapoints_to_alarm: 3,
        threshold: 0.0,
        op: ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold,
        missing: Missing::Ignore,
        band: Some(2.0),
        target: Target::Db,
        ok_actions: true,
    });
    v.push(AlarmDef {
        name: "llm-errors-high".into(),
        description: "more than 10 failed LLM requests in 5 minutes (metric filter llm-failures)".into(),
        metric: mk(crate::logs::LOG_METRICS_NAMESPACE, "LLMRequestFailures", vec![]),
        stat: "Sum".into(),
        period: 300,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        threshold: 10.0,
        op: gt,
        missing: Missing::NotBreaching,
        band: None,
        target: Target::Service(AI),
        ok_actions: false,
    });
    for (f, name) in LAMBDAS.iter().enumerate().take(2) {
        let d = vec![("FunctionName".to_string(), name.to_string())];
        v.push(AlarmDef {
            name: format!("{name}-errors"),
            description: format!("Lambda {name}: more than 10 errors in 5 minutes"),
            metric: mk("AWS/Lambda", "Errors", d.clone()),
            stat: "Sum".into(),
            period: 300,
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
            threshold: 10.0,
            op: gt,
            missing: Missing::NotBreaching,
            band: None,
            target: Target::Lambda(f),
            ok_actions: true,
        });
        v.push(AlarmDef {
            name: format!("{name}-throttles"),
            description: format!("Lambda {name}: throttled invocations in 2 consecutive minutes"),
            metric: mk("AWS/Lambda", "Throttles", d),
            stat: "Sum".into(),
            period: 60,
            evaluation_periods: 2,
            datapoints_to_alarm: 2,
            threshold: 5.0,
            op: gt,
            missing: Missing::NotBreaching,
            band: None,
            target: Target::Lambda(f),
            ok_actions: false,
        });
    }
    v.push(AlarmDef {
        name: "order-events-queue-age".into(),
        description: "oldest order-events message older than 10 minutes".into(),
        metric: mk(
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            vec![("QueueName".into(), QUEUES[0].into())],
        ),
        stat: "Maximum".into(),
        period: 300,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        threshold: 600.0,
        op: gt,
        missing: Missing::Ignore,
        band: None,
        target: Target::Lambda(1),
        ok_actions: false,
    });
    let composites = vec![CompositeDef {
        name: "checkout-unhealthy".into(),
        description: "checkout is failing customers: 5XX, or slow while the database is saturated".into(),
        rule: r#"ALARM("checkout-5xx-rate") OR (ALARM("checkout-p99-latency") AND ALARM("db-connections-anomaly"))"#.into(),
    }];
    (v, composites)
}

pub fn parse_stat(s: &str) -> Option<Statistic> {
    s.parse::<Statistic>().ok()
}

/// Java's `Double.toString` for the numbers CloudWatch prints (`80.0`, `91.25`).
pub fn jnum(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        let s = format!("{v}");
        s
    }
}

fn op_words(op: ComparisonOperator) -> &'static str {
    match op {
        ComparisonOperator::GreaterThanThreshold => "greater than",
        ComparisonOperator::GreaterThanOrEqualToThreshold => "greater than or equal to",
        ComparisonOperator::LessThanThreshold => "less than",
        ComparisonOperator::LessThanOrEqualToThreshold => "less than or equal to",
        _ => "outside the band of",
    }
}

/// One evaluation's input: the last N periods (oldest first): value and band.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub at: i64,
    pub value: Option<f64>,
    pub band: Option<(f64, f64)>,
}

fn breaches(def: &AlarmDef, p: &Point) -> Option<bool> {
    let v = p.value?;
    Some(match def.op {
        ComparisonOperator::GreaterThanThreshold => v > def.threshold,
        ComparisonOperator::GreaterThanOrEqualToThreshold => v >= def.threshold,
        ComparisonOperator::LessThanThreshold => v < def.threshold,
        ComparisonOperator::LessThanOrEqualToThreshold => v <= def.threshold,
        ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold => p.band.is_some_and(|(lo, hi)| v < lo || v > hi),
        ComparisonOperator::LessThanLowerThreshold => p.band.is_some_and(|(lo, _)| v < lo),
        ComparisonOperator::GreaterThanUpperThreshold => p.band.is_some_and(|(_, hi)| v > hi),
    })
}

/// CloudWatch's decision for one evaluation: the new state and its reason (None: keep state).
pub fn decide(def: &AlarmDef, points: &[Point], current: StateValue) -> Option<(StateValue, String)> {
    let n = points.len();
    let m = def.datapoints_to_alarm.clamp(1, n.max(1));
    let mut breaching = 0usize;
    let mut present = 0usize;
    for p in points {
        match breaches(def, p) {
            Some(b) => {
                present += 1;
                breaching += usize::from(b);
            }
            None => match def.missing {
                Missing::Breaching => breaching += 1,
                Missing::NotBreaching => {}
                Missing::Missing | Missing::Ignore => {}
            },
        }
    }
    let fill = matches!(def.missing, Missing::Breaching | Missing::NotBreaching);
    if present == 0 && !fill {
        return match def.missing {
            Missing::Ignore => None,
            _ => Some((
                StateValue::InsufficientData,
                format!("Insufficient Data: {n} datapoint{} {} unknown.", plural(n), were(n)),
            )),
        };
    }
    // With missing data left out, M is capped by the datapoints that exist.
    let need = if fill { m } else { m.min(present) };
    let shown: Vec<&Point> = points.iter().rev().filter(|p| p.value.is_some()).collect();
    let list = |pts: &[&Point]| {
        pts.iter()
            .map(|p| format!("{} ({})", jnum(p.value.unwrap_or(0.0)), alarm_dp(p.at)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if breaching >= need {
        let br: Vec<&Point> = shown.iter().copied().filter(|p| breaches(def, p) == Some(true)).collect();
        let reason = if let Some(k) = def.band {
            let (lo, hi): (Vec<String>, Vec<String>) = br
                .iter()
                .map(|p| {
                    p.band
                        .map_or((String::new(), String::new()), |(l, h)| (jnum(round3(l)), jnum(round3(h))))
                })
                .unzip();
            let _ = k;
            format!(
                "Thresholds Crossed: {breaching} out of the last {n} datapoints [{}] {} greater than the upper thresholds [{}] or less than the lower thresholds [{}] (minimum {m} datapoint{} for OK -> ALARM transition).",
                list(&br),
                were(breaching),
                hi.join(", "),
                lo.join(", "),
                plural(m)
            )
        } else {
            format!(
                "Threshold Crossed: {breaching} out of the last {n} datapoints [{}] {} {} the threshold ({}) (minimum {m} datapoint{} for OK -> ALARM transition).",
                list(&br),
                were(breaching),
                op_words(def.op),
                jnum(def.threshold),
                plural(m)
            )
        };
        return Some((StateValue::Alarm, reason));
    }
    let ok = present + usize::from(fill) * (n - present) - breaching;
    if current == StateValue::Ok {
        return Some((StateValue::Ok, String::new()));
    }
    let nb: Vec<&Point> = shown.iter().copied().filter(|p| breaches(def, p) == Some(false)).collect();
    let reason = if def.band.is_some() {
        format!(
            "Thresholds Crossed: {ok} out of the last {n} datapoints [{}] {} not greater than the upper thresholds or less than the lower thresholds (minimum 1 datapoint for ALARM -> OK transition).",
            list(&nb),
            were(ok)
        )
    } else {
        format!(
            "Threshold Crossed: {ok} out of the last {n} datapoints [{}] {} not {} the threshold ({}) (minimum 1 datapoint for {} -> OK transition).",
            list(&nb),
            were(ok),
            op_words(def.op),
            jnum(def.threshold),
            if current == StateValue::Alarm { "ALARM" } else { "INSUFFICIENT_DATA" }
        )
    };
    Some((StateValue::Ok, reason))
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn were(n: usize) -> &'static str {
    if n == 1 {
        "was"
    } else {
        "were"
    }
}

/// A composite alarm rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    State(StateValue, String),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
    Not(Box<Rule>),
    Const(bool),
}

impl Rule {
    pub fn parse(src: &str) -> Result<Rule, String> {
        let toks = tokenize(src)?;
        let mut i = 0;
        let r = parse_or(&toks, &mut i, 0)?;
        if i != toks.len() {
            return Err(format!("unexpected `{}` in alarm rule", toks[i]));
        }
        Ok(r)
    }

    pub fn eval(&self, state: &dyn Fn(&str) -> StateValue) -> bool {
        match self {
            Rule::State(s, name) => state(name) == *s,
            Rule::And(a, b) => a.eval(state) && b.eval(state),
            Rule::Or(a, b) => a.eval(state) || b.eval(state),
            Rule::Not(a) => !a.eval(state),
            Rule::Const(b) => *b,
        }
    }

    pub fn children(&self, out: &mut Vec<String>) {
        match self {
            Rule::State(_, n) => {
                if !out.contains(n) {
                    out.push(n.clone())
                }
            }
            Rule::And(a, b) | Rule::Or(a, b) => {
                a.children(out);
                b.children(out);
            }
            Rule::Not(a) => a.children(out),
            Rule::Const(_) => {}
        }
    }
}

fn tokenize(src: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'(' || c == b')' {
            out.push((c as char).to_string());
            i += 1;
        } else if c == b'"' {
            let st = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            if i >= b.len() {
                return Err("unterminated string in alarm rule".into());
            }
            i += 1;
            out.push(src[st..i].to_string());
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_') {
                i += 1;
            }
            out.push(src[st..i].to_string());
        } else {
            return Err(format!("unexpected character `{}` in alarm rule", c as char));
        }
    }
    Ok(out)
}

fn parse_or(t: &[String], i: &mut usize, d: usize) -> Result<Rule, String> {
    let mut l = parse_and(t, i, d)?;
    while t.get(*i).map(String::as_str) == Some("OR") {
        *i += 1;
        l = Rule::Or(Box::new(l), Box::new(parse_and(t, i, d)?));
    }
    Ok(l)
}

fn parse_and(t: &[String], i: &mut usize, d: usize) -> Result<Rule, String> {
    let mut l = parse_not(t, i, d)?;
    while t.get(*i).map(String::as_str) == Some("AND") {
        *i += 1;
        l = Rule::And(Box::new(l), Box::new(parse_not(t, i, d)?));
    }
    Ok(l)
}

fn parse_not(t: &[String], i: &mut usize, d: usize) -> Result<Rule, String> {
    if d > 64 {
        return Err("alarm rule nested too deeply".into());
    }
    match t.get(*i).map(String::as_str) {
        Some("NOT") => {
            *i += 1;
            Ok(Rule::Not(Box::new(parse_not(t, i, d + 1)?)))
        }
        Some("(") => {
            *i += 1;
            let r = parse_or(t, i, d + 1)?;
            if t.get(*i).map(String::as_str) != Some(")") {
                return Err("expected `)` in alarm rule".into());
            }
            *i += 1;
            Ok(r)
        }
        Some("TRUE") => {
            *i += 1;
            Ok(Rule::Const(true))
        }
        Some("FALSE") => {
            *i += 1;
            Ok(Rule::Const(false))
        }
        Some(f @ ("ALARM" | "OK" | "INSUFFICIENT_DATA")) => {
            let state = match f {
                "ALARM" => StateValue::Alarm,
                "OK" => StateValue::Ok,
                _ => StateValue::InsufficientData,
            };
            *i += 1;
            if t.get(*i).map(String::as_str) != Some("(") {
                return Err(format!("expected `(` after {f}"));
            }
            let name = t.get(*i + 1).ok_or("expected an alarm name")?;
            if !name.starts_with('"') || t.get(*i + 2).map(String::as_str) != Some(")") {
                return Err(format!("expected {f}(\"alarm-name\")"));
            }
            *i += 3;
            Ok(Rule::State(state, name.trim_matches('"').to_string()))
        }
        other => Err(format!("unexpected `{}` in alarm rule", other.unwrap_or("end of rule"))),
    }
}

const BLOCK_MS: i64 = 6 * HOUR_MS;
const WARMUP_MS: i64 = HOUR_MS;
/// Alarms were created this long before the anchor; history starts then.
pub const CREATED_BEFORE_ANCHOR_MS: i64 = 30 * 24 * HOUR_MS;
const CACHE_MAX: usize = 4_096;

/// The replay of one alarm over one block: state at its start and the transitions inside it.
#[derive(Debug, Clone)]
pub struct BlockReplay {
    pub start_state: StateValue,
    pub transitions: Vec<Transition>,
}

/// The alarm engine: definitions and the per-block transition cache.
#[derive(Debug)]
pub struct Alarms {
    pub metric: Vec<AlarmDef>,
    pub composite: Vec<CompositeDef>,
    rules: Vec<Rule>,
    cache: Mutex<HashMap<(u64, usize, i64), BlockReplay>>,
}

impl Default for Alarms {
    fn default() -> Self {
        Self::new()
    }
}

impl Alarms {
    pub fn new() -> Self {
        let (metric, composite) = definitions();
        let rules = composite
            .iter()
            .map(|c| Rule::parse(&c.rule).unwrap_or(Rule::Const(false)))
            .collect();
        Alarms {
            metric,
            composite,
            rules,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.metric
            .iter()
            .map(|a| a.name.clone())
            .chain(self.composite.iter().map(|c| c.name.clone()))
            .collect()
    }

    pub fn created(&self, view: &MetricView<'_>) -> i64 {
        (view.world.anchor - CREATED_BEFORE_ANCHOR_MS).div_euclid(MINUTE_MS) * MINUTE_MS
    }

    fn drill_for(&self, def: &AlarmDef, view: &MetricView<'_>, t: i64) -> Option<String> {
        let w = view.world;
        match def.target {
            Target::Service(s) => w.fx(SERVICES[s], t).drill,
            Target::Lambda(f) => w.fx(LAMBDAS[f], t).drill,
            Target::Db => w.db_pressure(t).1,
            Target::Other => None,
        }
    }

    /// Replays metric alarm `i` over the block starting at `b`.
    fn replay_metric(&self, i: usize, b: i64, view: &MetricView<'_>, defs: &[MetricDef], index: &HashMap<MetricKey, usize>) -> BlockReplay {
        let def = &self.metric[i];
        let created = self.created(view);
        let from = (b - WARMUP_MS).max(created);
        let until = (b + BLOCK_MS).min(view.now + 1);
        let pms = def.period * 1000;
        let n = def.evaluation_periods.max(1) as i64;
        let mut series: HashMap<i64, f64> = HashMap::new();
        if let (Some(&mi), Some(stat)) = (index.get(&metrics::key(&def.metric)), parse_stat(&def.stat)) {
            let s0 = (from - 2 * MINUTE_MS).div_euclid(pms) * pms - n * pms;
            if let Ok(pts) = view.series(&defs[mi], &stat, def.period, None, s0, until) {
                series.extend(pts);
            }
        }
        let mut state = StateValue::InsufficientData;
        let mut start_state = if from >= b { StateValue::InsufficientData } else { state };
        let mut out = Vec::new();
        let mut reason = String::from("Unchecked: Initial alarm creation");
        let mut t = from.div_euclid(MINUTE_MS) * MINUTE_MS;
        if t < from {
            t += MINUTE_MS;
        }
        let mut crossed = false;
        while t < until {
            if !crossed && t >= b {
                start_state = state;
                crossed = true;
            }
            let end = (t - 2 * MINUTE_MS).div_euclid(pms) * pms;
            let points: Vec<Point> = (0..n)
                .map(|k| {
                    let at = end - (n - k) * pms;
                    Point {
                        at,
                        value: series.get(&at).copied(),
                        band: def.band.map(|kk| band(view.world, at, kk)),
                    }
                })
                .collect();
            if let Some((new, why)) = decide(def, &points, state) {
                if new != state {
                    if t >= b {
                        let drill = self
                            .drill_for(def, view, end - pms / 2)
                            .or_else(|| self.drill_for(def, view, t - 3 * MINUTE_MS));
                        let data = history_data(def, state, &reason, new, &why, t, &points);
                        out.push(Transition {
                            at: t,
                            old: state,
                            new,
                            reason: why.clone(),
                            data,
                            drill,
                        });
                    }
                    state = new;
                    reason = why;
                }
            }
            t += MINUTE_MS;
        }
        if !crossed {
            start_state = state;
        }
        BlockReplay {
            start_state,
            transitions: out,
        }
    }

    fn block(
        &self,
        gen: u64,
        i: usize,
        b: i64,
        view: &MetricView<'_>,
        defs: &[MetricDef],
        index: &HashMap<MetricKey, usize>,
    ) -> BlockReplay {
        let key = (
            gen ^ (view.world.seed.rotate_left(17)) ^ (view.world.anchor as u64).rotate_left(29),
            i,
            b,
        );
        if let Some(r) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return r;
        }
        let r = if i < self.metric.len() {
            self.replay_metric(i, b, view, defs, index)
        } else {
            self.replay_composite(gen, i - self.metric.len(), b, view, defs, index)
        };
        // Only blocks whose every evaluation is in the past are final.
        if b + BLOCK_MS <= view.now {
            if let Ok(mut c) = self.cache.lock() {
                if c.len() >= CACHE_MAX {
                    c.clear();
                }
                c.insert(key, r.clone());
            }
        }
        r
    }

    fn replay_composite(
        &self,
        gen: u64,
        ci: usize,
        b: i64,
        view: &MetricView<'_>,
        defs: &[MetricDef],
        index: &HashMap<MetricKey, usize>,
    ) -> BlockReplay {
        let rule = &self.rules[ci];
        let mut names = Vec::new();
        rule.children(&mut names);
        let kids: Vec<(String, BlockReplay)> = names
            .iter()
            .filter_map(|n| {
                self.metric
                    .iter()
                    .position(|a| &a.name == n)
                    .map(|i| (n.clone(), self.block(gen, i, b, view, defs, index)))
            })
            .collect();
        let state_at = |t: i64| -> HashMap<&str, (StateValue, Option<&Transition>)> {
            kids.iter()
                .map(|(n, r)| {
                    let last = r.transitions.iter().rev().find(|tr| tr.at <= t);
                    (n.as_str(), (last.map_or(r.start_state, |tr| tr.new), last))
                })
                .collect()
        };
        let until = (b + BLOCK_MS).min(view.now + 1);
        let eval = |t: i64| {
            let st = state_at(t);
            rule.eval(&|n| st.get(n).map_or(StateValue::InsufficientData, |s| s.0))
        };
        let to_state = |alarm: bool| if alarm { StateValue::Alarm } else { StateValue::Ok };
        let start_state = to_state(eval(b - 1));
        let mut state = start_state;
        let mut out = Vec::new();
        let mut times: Vec<i64> = kids
            .iter()
            .flat_map(|(_, r)| r.transitions.iter().map(|t| t.at))
            .filter(|t| *t >= b && *t < until)
            .collect();
        times.sort_unstable();
        times.dedup();
        for t in times {
            let new = to_state(eval(t));
            if new != state {
                let st = state_at(t);
                let mut culprits: Vec<(&str, &Transition)> = st
                    .iter()
                    .filter_map(|(n, (_, tr))| tr.filter(|tr| tr.at == t).map(|tr| (*n, tr)))
                    .collect();
                culprits.sort_by_key(|(n, _)| *n);
                let reason = culprits
                    .iter()
                    .map(|(n, tr)| {
                        format!(
                            "arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{n} transitioned to {} at {}",
                            tr.new.as_str(),
                            crate::clock::iso_offset(tr.at)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let drill = culprits.iter().find_map(|(_, tr)| tr.drill.clone());
                let data = json!({
                    "version": "1.0",
                    "oldState": {"stateValue": state.as_str()},
                    "newState": {"stateValue": new.as_str(), "stateReason": reason, "stateReasonData": {"triggeringAlarms": culprits.iter().map(|(n, tr)| json!({"arn": format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{n}"), "state": {"value": tr.new.as_str(), "timestamp": iso_offset(tr.at)}})).collect::<Vec<_>>()}},
                    "drillId": drill,
                });
                out.push(Transition {
                    at: t,
                    old: state,
                    new,
                    reason,
                    data,
                    drill,
                });
                state = new;
            }
        }
        BlockReplay {
            start_state,
            transitions: out,
        }
    }

    /// Transitions of alarm `i` (metric alarms first, then composites) in `[from, to)`.
    #[allow(clippy::too_many_arguments)]
    pub fn transitions(
        &self,
        gen: u64,
        i: usize,
        from: i64,
        to: i64,
        view: &MetricView<'_>,
        defs: &[MetricDef],
        index: &HashMap<MetricKey, usize>,
    ) -> Vec<Transition> {
        let created = self.created(view);
        let from = from.max(created);
        let to = to.min(view.now + 1);
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        let mut b = from.div_euclid(BLOCK_MS) * BLOCK_MS;
        while b < to {
            out.extend(
                self.block(gen, i, b, view, defs, index)
                    .transitions
                    .into_iter()
                    .filter(|t| t.at >= from && t.at < to),
            );
            b += BLOCK_MS;
        }
        out
    }

    /// The state of alarm `i` at `view.now`, with the transition that set it.
    pub fn current(
        &self,
        gen: u64,
        i: usize,
        view: &MetricView<'_>,
        defs: &[MetricDef],
        index: &HashMap<MetricKey, usize>,
    ) -> (StateValue, Option<Transition>) {
        let created = self.created(view);
        let mut b = view.now.div_euclid(BLOCK_MS) * BLOCK_MS;
        let mut first = None;
        // Look back two days at most: a state older than that is reported as of then.
        let floor = created.max(b - 2 * 24 * HOUR_MS);
        while b + BLOCK_MS > floor {
            let r = self.block(gen, i, b, view, defs, index);
            if first.is_none() {
                first = Some(r.clone());
            }
            if let Some(t) = r.transitions.iter().rev().find(|t| t.at <= view.now) {
                return (t.new, Some(t.clone()));
            }
            b -= BLOCK_MS;
        }
        (first.map_or(StateValue::InsufficientData, |r| r.start_state), None)
    }

    pub fn arn(name: &str) -> String {
        format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}")
    }

    pub fn describe_metric(&self, i: usize, created: i64, cur: &(StateValue, Option<Transition>)) -> MetricAlarm {
        let d = &self.metric[i];
        let extended = d.stat.starts_with('p');
        let mut a = MetricAlarm {
            alarm_name: d.name.clone(),
            alarm_arn: Self::arn(&d.name),
            alarm_description: Some(d.description.clone()),
            alarm_configuration_updated_timestamp: Some(crate::clock::from_ms(created)),
            actions_enabled: true,
            ok_actions: if d.ok_actions { vec![SNS_ONCALL.to_string()] } else { vec![] },
            alarm_actions: vec![SNS_ONCALL.to_string()],
            insufficient_data_actions: vec![],
            state_value: Some(cur.0),
            state_reason: Some(
                cur.1
                    .as_ref()
                    .map_or("Unchecked: Initial alarm creation".to_string(), |t| t.reason.clone()),
            ),
            state_reason_data: cur
                .1
                .as_ref()
                .and_then(|t| t.data.pointer("/newState/stateReasonData").map(|v| v.to_string())),
            state_updated_timestamp: Some(crate::clock::from_ms(cur.1.as_ref().map_or(created, |t| t.at))),
            state_transitioned_timestamp: Some(crate::clock::from_ms(cur.1.as_ref().map_or(created, |t| t.at))),
            metric_name: None,
            namespace: None,
            statistic: None,
            extended_statistic: None,
            dimensions: vec![],
            period: None,
            unit: None,
            evaluation_periods: Some(d.evaluation_periods as i64),
            datapoints_to_alarm: Some(d.datapoints_to_alarm as i64),
            threshold: None,
            comparison_operator: Some(d.op),
            treat_missing_data: Some(d.missing.as_str().to_string()),
            metrics: vec![],
            threshold_metric_id: None,
        };
        if let Some(k) = d.band {
            a.metrics = vec![
                MetricDataQuery {
                    id: "m1".into(),
                    metric_stat: Some(MetricStat {
                        metric: d.metric.clone(),
                        period: d.period,
                        stat: d.stat.clone(),
                        unit: None,
                    }),
                    return_data: Some(true),
                    ..Default::default()
                },
                MetricDataQuery {
                    id: "ad1".into(),
                    expression: Some(format!("ANOMALY_DETECTION_BAND(m1, {})", jnum(k).trim_end_matches(".0"))),
                    label: Some("DatabaseConnections (expected)".into()),
                    return_data: Some(true),
                    ..Default::default()
                },
            ];
            a.threshold_metric_id = Some("ad1".into());
        } else {
            a.metric_name = d.metric.metric_name.clone();
            a.namespace = d.metric.namespace.clone();
            a.dimensions = d.metric.dimensions.clone();
            a.period = Some(d.period);
            a.threshold = Some(d.threshold);
            if extended {
                a.extended_statistic = Some(d.stat.clone());
            } else {
                a.statistic = Some(d.stat.clone());
            }
        }
        a
    }

    pub fn describe_composite(&self, ci: usize, created: i64, cur: &(StateValue, Option<Transition>)) -> CompositeAlarm {
        let c = &self.composite[ci];
        CompositeAlarm {
            alarm_name: c.name.clone(),
            alarm_arn: Self::arn(&c.name),
            alarm_description: Some(c.description.clone()),
            alarm_rule: c.rule.clone(),
            actions_enabled: true,
            ok_actions: vec![SNS_ONCALL.to_string()],
            alarm_actions: vec![SNS_ONCALL.to_string()],
            insufficient_data_actions: vec![],
            state_value: Some(cur.0),
            state_reason: Some(
                cur.1
                    .as_ref()
                    .map_or("Unchecked: Initial alarm creation".to_string(), |t| t.reason.clone()),
            ),
            state_updated_timestamp: Some(crate::clock::from_ms(cur.1.as_ref().map_or(created, |t| t.at))),
            state_transitioned_timestamp: Some(crate::clock::from_ms(cur.1.as_ref().map_or(created, |t| t.at))),
        }
    }

    /// Whether alarm `i` sends an action on entering `state`.
    pub fn actions_for(&self, i: usize, state: StateValue) -> bool {
        match state {
            StateValue::Alarm => true,
            StateValue::Ok => self.metric.get(i).is_none_or(|d| d.ok_actions),
            StateValue::InsufficientData => false,
        }
    }
}

pub type MetricKey = (String, String, Vec<(String, String)>);

/// The anomaly model's band at period `at`: the expected value ± k standard deviations.
pub fn band(w: &World, at: i64, k: f64) -> (f64, f64) {
    let m = at.div_euclid(MINUTE_MS);
    let expected = 16.0 + 22.0 * w.season(m);
    let sd = 2.5;
    (round3(expected - k * sd), round3(expected + k * sd))
}

fn history_data(
    def: &AlarmDef,
    old: StateValue,
    old_reason: &str,
    new: StateValue,
    reason: &str,
    t: i64,
    points: &[Point],
) -> serde_json::Value {
    let start = points.first().map_or(t, |p| p.at);
    let recent: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
    let evaluated: Vec<serde_json::Value> = points
        .iter()
        .rev()
        .map(|p| match p.value {
            Some(v) => json!({"timestamp": iso_offset(p.at), "value": v}),
            None => json!({"timestamp": iso_offset(p.at)}),
        })
        .collect();
    let mut reason_data = json!({
        "version": "1.0",
        "queryDate": iso_offset(t),
        "startDate": iso_offset(start),
        "period": def.period,
        "recentDatapoints": recent,
        "evaluatedDatapoints": evaluated,
    });
    if def.stat.starts_with('p') {
        reason_data["extendedStatistic"] = json!(def.stat);
    } else {
        reason_data["statistic"] = json!(def.stat);
    }
    if def.band.is_none() {
        reason_data["threshold"] = json!(def.threshold);
    }
    json!({
        "version": "1.0",
        "oldState": {"stateValue": old.as_str(), "stateReason": old_reason},
        "newState": {"stateValue": new.as_str(), "stateReason": reason, "stateReasonData": reason_data},
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn def(m: usize, n: usize, missing: Missing) -> AlarmDef {
        AlarmDef {
            name: "t".into(),
            description: String::new(),
            metric: Metric::default(),
            stat: "Average".into(),
            period: 60,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            threshold: 80.0,
            op: ComparisonOperator::GreaterThanThreshold,
            missing,
            band: None,
            target: Target::Other,
            ok_actions: true,
        }
    }

    fn pts(v: &[Option<f64>]) -> Vec<Point> {
        v.iter()
            .enumerate()
            .map(|(i, v)| Point {
                at: 1_795_343_100_000 + i as i64 * 60_000,
                value: *v,
                band: None,
            })
            .collect()
    }

    const X: Option<f64> = Some(91.2);
    const O: Option<f64> = Some(40.0);
    const MISS: Option<f64> = None;

    #[test]
    fn m_of_n() {
        let d = def(2, 3, Missing::Missing);
        assert_eq!(decide(&d, &pts(&[X, O, X]), StateValue::Ok).unwrap().0, StateValue::Alarm);
        assert_eq!(decide(&d, &pts(&[X, O, O]), StateValue::Alarm).unwrap().0, StateValue::Ok);
        let (s, r) = decide(&def(3, 3, Missing::Missing), &pts(&[X, X, X]), StateValue::Ok).unwrap();
        assert_eq!(s, StateValue::Alarm);
        assert_eq!(
            r,
            "Threshold Crossed: 3 out of the last 3 datapoints [91.2 (22/11/26 10:27:00), 91.2 (22/11/26 10:26:00), 91.2 (22/11/26 10:25:00)] were greater than the threshold (80.0) (minimum 3 datapoints for OK -> ALARM transition)."
        );
    }

    #[test]
    fn treat_missing_data_modes() {
        let all_missing = pts(&[MISS, MISS, MISS]);
        assert_eq!(
            decide(&def(3, 3, Missing::Missing), &all_missing, StateValue::Ok).unwrap().0,
            StateValue::InsufficientData
        );
        assert_eq!(
            decide(&def(3, 3, Missing::Missing), &all_missing, StateValue::Ok).unwrap().1,
            "Insufficient Data: 3 datapoints were unknown."
        );
        assert_eq!(decide(&def(3, 3, Missing::Ignore), &all_missing, StateValue::Alarm), None);
        assert_eq!(
            decide(&def(3, 3, Missing::Breaching), &all_missing, StateValue::Ok).unwrap().0,
            StateValue::Alarm
        );
        assert_eq!(
            decide(&def(3, 3, Missing::NotBreaching), &all_missing, StateValue::Alarm)
                .unwrap()
                .0,
            StateValue::Ok
        );
        // One breaching datapoint and two missing: ALARM unless missing counts as good.
        let partial = pts(&[MISS, MISS, X]);
        assert_eq!(
            decide(&def(3, 3, Missing::Missing), &partial, StateValue::Ok).unwrap().0,
            StateValue::Alarm
        );
        assert_eq!(
            decide(&def(3, 3, Missing::Ignore), &partial, StateValue::Ok).unwrap().0,
            StateValue::Alarm
        );
        assert_eq!(
            decide(&def(3, 3, Missing::Breaching), &partial, StateValue::Ok).unwrap().0,
            StateValue::Alarm
        );
        assert_eq!(
            decide(&def(3, 3, Missing::NotBreaching), &partial, StateValue::Ok).unwrap().0,
            StateValue::Ok
        );
    }

    #[test]
    fn composite_rules() {
        let r = Rule::parse(r#"ALARM("a") OR (ALARM("b") AND NOT OK("c"))"#).unwrap();
        let st = |a, b, c| {
            move |n: &str| match n {
                "a" => a,
                "b" => b,
                _ => c,
            }
        };
        use StateValue::*;
        assert!(r.eval(&st(Alarm, Ok, Ok)));
        assert!(!r.eval(&st(Ok, Alarm, Ok)));
        assert!(r.eval(&st(Ok, Alarm, InsufficientData)));
        assert!(Rule::parse("ALARM(a)").is_err());
        assert!(Rule::parse("ALARM(\"a\") AND").is_err());
    }
}
