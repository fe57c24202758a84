//! [`DemoSource`]: the demo world behind [`cloudwatch::Source`].

use crate::alarms::{Alarms, MetricKey, Transition};
use crate::clock::{self, from_ms, ms, DAY_MS, MINUTE_MS};
use crate::logs::{GroupKind, LogWorld};
use crate::metrics::{self, MetricDef, MetricView, ReqCache};
use crate::model::{World, ACCOUNT, REGION};
use crate::query::{self, InsightsOptions, Ptr, Queries};
use crate::quota::{self, Quotas};
use crate::rng::{h, stream as st, unit};
use crate::{AlarmTransition, DemoConfig, Drill};
use async_trait::async_trait;
use cloudwatch::alarms::*;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::source::Result;
use cloudwatch::{CallContext, LiveTailStream, Source, SourceError};
use metricmath::Statistic;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use time::OffsetDateTime;

type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The demo world as a [`Source`]. `Send + Sync`; share it in an `Arc`.
pub struct DemoSource {
    config: DemoConfig,
    anchor: i64,
    clock: Clock,
    drills: RwLock<(u64, Arc<Vec<Drill>>)>,
    defs: Vec<MetricDef>,
    catalogue: Vec<Metric>,
    index: HashMap<MetricKey, usize>,
    logs: Arc<LogWorld>,
    cache: ReqCache,
    alarms: Alarms,
    queries: Arc<Queries>,
    quotas: Quotas,
    dashboards: Mutex<BTreeMap<String, (String, i64)>>,
    query_defs: Mutex<BTreeMap<String, QueryDefinition>>,
    calls: AtomicU64,
    call_log: quota::CallLog,
}

impl std::fmt::Debug for DemoSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSource").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The metrics of the demo world as of one instant: a [`metricmath::Backend`].
pub struct MetricsAt<'a> {
    src: &'a DemoSource,
    world: World,
    gen: u64,
    now: i64,
}

impl MetricsAt<'_> {
    fn view(&self) -> MetricView<'_> {
        MetricView {
            world: &self.world,
            logs: &self.src.logs,
            cache: &self.src.cache,
            gen: self.gen,
            now: self.now,
        }
    }
}

impl metricmath::Backend for MetricsAt<'_> {
    fn catalogue(&self) -> &[Metric] {
        &self.src.catalogue
    }

    fn series(
        &self,
        metric: &Metric,
        stat: &Statistic,
        period: i64,
        unit: Option<&str>,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> std::result::Result<Vec<(OffsetDateTime, f64)>, SourceError> {
        let Some(&i) = self.src.index.get(&metrics::key(metric)) else {
            return Ok(Vec::new());
        };
        let pts = self.view().series(&self.src.defs[i], stat, period, unit, ms(start), ms(end))?;
        Ok(pts.into_iter().map(|(t, v)| (from_ms(t), v)).collect())
    }

    fn last_datapoint(&self, metric: &Metric) -> Option<OffsetDateTime> {
        // Every metric of the world publishes continuously (the nightly Lambda daily).
        self.src.index.get(&metrics::key(metric)).map(|_| from_ms(self.now - 2 * MINUTE_MS))
    }
}

fn token_num(token: Option<&str>, what: &str) -> Result<usize> {
    match token {
        None => Ok(0),
        Some(t) => t.strip_prefix("demo:").and_then(|n| n.parse().ok()).ok_or_else(|| {
            SourceError::new(
                cloudwatch::ErrorKind::Validation,
                "InvalidNextToken",
                format!("The {what} NextToken is not valid."),
            )
        }),
    }
}

fn page<T: Clone>(items: &[T], start: usize, size: usize) -> (Vec<T>, Option<String>) {
    let end = start.saturating_add(size).min(items.len());
    let v = items.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    (v, (end < items.len()).then(|| format!("demo:{end}")))
}

impl DemoSource {
    pub fn new(config: DemoConfig) -> Self {
        let defs = metrics::catalogue();
        let catalogue = defs.iter().map(|d| d.metric.clone()).collect();
        let index = defs.iter().enumerate().map(|(i, d)| (metrics::key(&d.metric), i)).collect();
        let anchor = ms(config.anchor);
        let dashboards = crate::dashboards::prebuilt()
            .into_iter()
            .map(|(n, b)| (n, (b, anchor - 20 * DAY_MS)))
            .collect();
        DemoSource {
            config,
            anchor,
            clock: Arc::new(OffsetDateTime::now_utc),
            drills: RwLock::new((0, Arc::new(Vec::new()))),
            defs,
            catalogue,
            index,
            logs: Arc::new(LogWorld::new()),
            cache: ReqCache::default(),
            alarms: Alarms::new(),
            queries: Arc::new(Queries::new(InsightsOptions::default())),
            quotas: Quotas::default(),
            dashboards: Mutex::new(dashboards),
            query_defs: Mutex::new(BTreeMap::new()),
            calls: AtomicU64::new(0),
            call_log: quota::CallLog::default(),
        }
    }

    /// Pins "now" (tests, replays).
    pub fn with_clock(mut self, clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>) -> Self {
        self.clock = clock;
        self
    }

    /// Changes how Logs Insights queries run (concurrency, timeout, pacing).
    pub fn with_insights(mut self, opts: InsightsOptions) -> Self {
        self.queries = Arc::new(Queries::new(opts));
        self
    }

    /// When each Logs Insights query of this source ran (the last 10,000): how many overlapped is
    /// how much of the account's query concurrency was in use.
    pub fn insights_runs(&self) -> Vec<query::QueryRun> {
        self.queries.runs()
    }

    /// Checks a `StartQuery` input as `StartQuery` would (groups, range, language, syntax)
    /// without starting it: a scheduler that queues the query answers its caller at once.
    pub fn validate_query(&self, input: &StartQueryInput) -> Result<()> {
        query::validate(input, &self.logs).map(|_| ())
    }

    /// Replaces the drill list (the app loads drills from Postgres and pushes them here).
    pub fn set_drills(&self, drills: Vec<Drill>) {
        if let Ok(mut d) = self.drills.write() {
            let mut drills = drills;
            drills.sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));
            if *d.1 != drills {
                d.0 += 1;
                d.1 = Arc::new(drills);
            }
        }
    }

    pub fn drills(&self) -> Vec<Drill> {
        self.drills.read().map(|d| d.1.as_ref().clone()).unwrap_or_default()
    }

    pub fn config(&self) -> &DemoConfig {
        &self.config
    }

    fn world(&self) -> (World, u64) {
        let (gen, drills) = self.drills.read().map(|d| (d.0, Arc::clone(&d.1))).unwrap_or_default();
        (World::new(self.config.seed, self.anchor, self.config.volume, drills), gen)
    }

    fn now_ms(&self) -> i64 {
        ms((self.clock)())
    }

    /// The metrics as of `now`, as a [`metricmath::Backend`].
    pub fn metrics_at(&self, now: OffsetDateTime) -> MetricsAt<'_> {
        let (world, gen) = self.world();
        MetricsAt {
            src: self,
            world,
            gen,
            now: ms(now),
        }
    }

    /// Every alarm state change in `[from, to)` (as of now), oldest first.
    pub fn alarm_transitions(&self, from: OffsetDateTime, to: OffsetDateTime) -> Vec<AlarmTransition> {
        let m = self.metrics_at((self.clock)());
        let view = m.view();
        let mut out = Vec::new();
        for (i, name) in self.alarms.names().into_iter().enumerate() {
            for t in self.alarms.transitions(m.gen, i, ms(from), ms(to), &view, &self.defs, &self.index) {
                out.push(AlarmTransition {
                    alarm_name: name.clone(),
                    at: from_ms(t.at),
                    old: t.old,
                    new: t.new,
                    reason: t.reason,
                    drill: t.drill,
                });
            }
        }
        out.sort_by(|a, b| a.at.cmp(&b.at).then(a.alarm_name.cmp(&b.alarm_name)));
        out
    }

    /// Latency, injected faults and quotas, in that order.
    async fn enter(&self, api: &str) -> Result<()> {
        if self.config.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(self.config.latency_ms.min(60_000))).await;
        }
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        if self.config.error_rate > 0.0 && unit(h(self.config.seed, st::FAULT, n as i64, 0)) < self.config.error_rate {
            return Err(SourceError::internal(
                "An internal error occurred. Please try again. (injected by the demo source)",
            ));
        }
        if self.config.quotas {
            if let Err(e) = self.quotas.call(api) {
                self.call_log.record(api, true);
                return Err(e);
            }
        }
        self.call_log.record(api, false);
        Ok(())
    }

    /// Every call this world was asked, by API (what reached "CloudWatch").
    pub fn call_log(&self) -> &quota::CallLog {
        &self.call_log
    }

    fn group(&self, name: Option<&str>, ident: Option<&str>) -> Result<usize> {
        let n = match (name, ident) {
            (Some(_), Some(_)) => {
                return Err(SourceError::logs_invalid_parameter(
                    "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
                ))
            }
            (Some(n), None) | (None, Some(n)) => n,
            (None, None) => {
                return Err(SourceError::logs_invalid_parameter(
                    "Either logGroupName or logGroupIdentifier is required",
                ))
            }
        };
        self.logs
            .group_index(n)
            .ok_or_else(|| SourceError::not_found("ResourceNotFoundException", "The specified log group does not exist."))
    }

    /// The oldest instant group `g` still holds (retention, creation).
    fn group_floor(&self, g: usize, now: i64) -> i64 {
        let def = &self.logs.groups[g];
        let created = self.anchor - def.age_days * DAY_MS;
        match def.retention_days {
            Some(d) => created.max(now - d * DAY_MS),
            None => created,
        }
    }

    fn event_id(g: usize, m: i64, idx: u32) -> String {
        format!("{:040}{:02}{:06}", (m as u128) * 1_000_000, g, idx)
    }

    fn stream_plausible(&self, g: usize, s: &str) -> bool {
        let hexish = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_hexdigit());
        match self.logs.groups[g].kind {
            GroupKind::Ecs(svc) => s
                .strip_prefix(&format!("ecs/{}/", crate::model::SERVICES[svc]))
                .is_some_and(|t| hexish(t, 32)),
            GroupKind::Lambda(_) => s.len() == 10 + 9 + 32 && s.contains("/[$LATEST]"),
            GroupKind::VpcFlow => s.starts_with("eni-") && s.ends_with("-all"),
            GroupKind::AlbAccess => s.starts_with("shop-alb/"),
            GroupKind::EcsEvents => s == "ecs-service-events",
        }
    }

    fn state_and_defs(&self) -> (MetricsAt<'_>, i64) {
        let now = (self.clock)();
        let m = self.metrics_at(now);
        let created = self.alarms.created(&m.view());
        (m, created)
    }
}

fn validate_gmd(input: &GetMetricDataInput) -> Result<u64> {
    if input.metric_data_queries.is_empty() {
        return Err(SourceError::missing_parameter("The parameter MetricDataQueries is required."));
    }
    if input.metric_data_queries.len() > MAX_QUERIES {
        return Err(SourceError::invalid_parameter(
            "The collection MetricDataQueries must not have a size greater than 500.",
        ));
    }
    if input.end_time <= input.start_time {
        return Err(SourceError::invalid_parameter(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let span = (input.end_time - input.start_time).whole_seconds().max(0) as u64;
    Ok(input
        .metric_data_queries
        .iter()
        .map(|q| {
            let p = q.metric_stat.as_ref().map(|m| m.period).or(q.period).unwrap_or(60).max(1) as u64;
            span.div_ceil(p).max(1)
        })
        .sum())
}

struct Tail {
    world: World,
    logs: Arc<LogWorld>,
    clock: Clock,
    pat: Box<dyn crate::pattern::LogPattern>,
    names: Vec<String>,
    prefixes: Vec<String>,
    groups: Vec<usize>,
    idents: Vec<String>,
    last: i64,
    first: bool,
}

impl Tail {
    /// Events ingested in `(last, now]`, at most 500 (then `sampled`).
    fn collect(&self, now: i64) -> LiveTailUpdate {
        let mut results = Vec::new();
        for (gi, &g) in self.groups.iter().enumerate() {
            for m in (self.last - 25_000).div_euclid(MINUTE_MS)..=now.div_euclid(MINUTE_MS) {
                let me = self.logs.minute_events(&self.world, g, m);
                for e in me.events {
                    if e.ingest <= self.last || e.ingest > now {
                        continue;
                    }
                    let s = &me.streams[e.stream as usize];
                    if !self.names.is_empty() && !self.names.contains(s) {
                        continue;
                    }
                    if !self.prefixes.is_empty() && !self.prefixes.iter().any(|p| s.starts_with(p.as_str())) {
                        continue;
                    }
                    if self.pat.matches(&e.msg) {
                        results.push(LiveTailSessionLogEvent {
                            log_stream_name: s.clone(),
                            log_group_identifier: self.idents[gi].clone(),
                            message: e.msg,
                            timestamp: e.ts,
                            ingestion_time: e.ingest,
                        });
                    }
                }
            }
        }
        results.sort_by_key(|r| (r.ingestion_time, r.timestamp));
        let sampled = results.len() > 500;
        results.truncate(500);
        LiveTailUpdate {
            sampled,
            session_results: results,
        }
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        serde_json::Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn insights_time(ms: i64) -> String {
    let mut s = clock::iso(ms);
    s.truncate(23);
    s.replace('T', " ")
}

#[async_trait]
impl Source for DemoSource {
    fn kind(&self) -> &'static str {
        "demo"
    }

    async fn account(&self, _cx: &CallContext) -> Result<Option<cloudwatch::AccountRegion>> {
        Ok(Some(cloudwatch::AccountRegion {
            account: ACCOUNT.to_string(),
            region: REGION.to_string(),
        }))
    }

    async fn get_metric_data(&self, _cx: &CallContext, input: GetMetricDataInput) -> Result<GetMetricDataOutput> {
        self.enter("GetMetricData").await?;
        let now = (self.clock)();
        let points = validate_gmd(&input)?;
        if self.config.quotas {
            let old = input.start_time < now - time::Duration::hours(3);
            let (name, rate) = if old {
                ("GetMetricData.datapoints.old", quota::GMD_DATAPOINTS_PER_S_OLD)
            } else {
                ("GetMetricData.datapoints", quota::GMD_DATAPOINTS_PER_S)
            };
            if !self.quotas.take(name, rate, points as f64) {
                return Err(SourceError::throttled(format!(
                    "Rate exceeded: GetMetricData is limited to {rate} datapoints per second"
                )));
            }
        }
        let b = self.metrics_at(now);
        metricmath::get_metric_data(&input, &b, now)
    }

    async fn list_metrics(&self, _cx: &CallContext, input: ListMetricsInput) -> Result<ListMetricsOutput> {
        self.enter("ListMetrics").await?;
        let b = self.metrics_at((self.clock)());
        let now = (self.clock)();
        metricmath::list_metrics_with(&input, &b, now, &metricmath::Options::default())
    }

    async fn describe_alarms(&self, _cx: &CallContext, input: DescribeAlarmsInput) -> Result<DescribeAlarmsOutput> {
        self.enter("DescribeAlarms").await?;
        let max = input.max_records.unwrap_or(50);
        if !(1..=100).contains(&max) {
            return Err(SourceError::invalid_parameter(format!(
                "The value {max} for parameter MaxRecords is not valid. It must be between 1 and 100."
            )));
        }
        if !input.alarm_names.is_empty() && input.alarm_name_prefix.is_some() {
            return Err(SourceError::invalid_combination(
                "AlarmNames and AlarmNamePrefix are mutually exclusive.",
            ));
        }
        if input.alarm_names.len() > 100 {
            return Err(SourceError::invalid_parameter(
                "The collection AlarmNames must not have a size greater than 100.",
            ));
        }
        let start = token_num(input.next_token.as_deref(), "DescribeAlarms")?;
        let (m, created) = self.state_and_defs();
        let types = if input.alarm_types.is_empty() {
            vec![AlarmType::MetricAlarm]
        } else {
            input.alarm_types.clone()
        };
        let names = self.alarms.names();
        let nmetric = self.alarms.metric.len();
        let wanted: Vec<usize> = (0..names.len())
            .filter(|&i| {
                types.contains(&if i < nmetric {
                    AlarmType::MetricAlarm
                } else {
                    AlarmType::CompositeAlarm
                })
            })
            .filter(|&i| input.alarm_names.is_empty() || input.alarm_names.contains(&names[i]))
            .filter(|&i| input.alarm_name_prefix.as_ref().is_none_or(|p| names[i].starts_with(p.as_str())))
            .filter(|_| {
                input
                    .action_prefix
                    .as_ref()
                    .is_none_or(|p| crate::model::SNS_ONCALL.starts_with(p.as_str()))
            })
            .collect();
        let view = m.view();
        let mut matched: Vec<(usize, (StateValue, Option<Transition>))> = Vec::new();
        for i in wanted {
            let cur = self.alarms.current(m.gen, i, &view, &self.defs, &self.index);
            if input.state_value.is_none_or(|s| s == cur.0) {
                matched.push((i, cur));
            }
        }
        let (pageitems, next_token) = page(&matched, start, max as usize);
        let mut out = DescribeAlarmsOutput {
            next_token,
            ..Default::default()
        };
        for (i, cur) in pageitems {
            if i < nmetric {
                out.metric_alarms.push(self.alarms.describe_metric(i, created, &cur));
            } else {
                out.composite_alarms
                    .push(self.alarms.describe_composite(i - nmetric, created, &cur));
            }
        }
        Ok(out)
    }

    async fn describe_alarms_for_metric(
        &self,
        _cx: &CallContext,
        input: DescribeAlarmsForMetricInput,
    ) -> Result<DescribeAlarmsForMetricOutput> {
        self.enter("DescribeAlarmsForMetric").await?;
        if input.metric_name.is_empty() || input.namespace.is_empty() {
            return Err(SourceError::missing_parameter(
                "The parameters MetricName and Namespace are required.",
            ));
        }
        let (m, created) = self.state_and_defs();
        let view = m.view();
        let mut dims = input.dimensions.clone();
        dims.sort();
        let mut out = Vec::new();
        for (i, d) in self.alarms.metric.iter().enumerate() {
            let mut ad = d.metric.dimensions.clone();
            ad.sort();
            let same = d.metric.metric_name.as_deref() == Some(input.metric_name.as_str())
                && d.metric.namespace.as_deref() == Some(input.namespace.as_str())
                && ad == dims
                && input.statistic.as_ref().is_none_or(|s| *s == d.stat)
                && input.extended_statistic.as_ref().is_none_or(|s| *s == d.stat)
                && input.period.is_none_or(|p| p == d.period);
            if same {
                let cur = self.alarms.current(m.gen, i, &view, &self.defs, &self.index);
                out.push(self.alarms.describe_metric(i, created, &cur));
            }
        }
        Ok(DescribeAlarmsForMetricOutput { metric_alarms: out })
    }

    async fn describe_alarm_history(&self, _cx: &CallContext, input: DescribeAlarmHistoryInput) -> Result<DescribeAlarmHistoryOutput> {
        self.enter("DescribeAlarmHistory").await?;
        let max = input.max_records.unwrap_or(100);
        if !(1..=100).contains(&max) {
            return Err(SourceError::invalid_parameter(format!(
                "The value {max} for parameter MaxRecords is not valid. It must be between 1 and 100."
            )));
        }
        if let (Some(s), Some(e)) = (input.start_date, input.end_date) {
            if e < s {
                return Err(SourceError::invalid_parameter(
                    "The parameter StartDate must be less than or equal to the parameter EndDate.",
                ));
            }
        }
        let start = token_num(input.next_token.as_deref(), "DescribeAlarmHistory")?;
        let (m, _) = self.state_and_defs();
        let view = m.view();
        let names = self.alarms.names();
        let nmetric = self.alarms.metric.len();
        let from = input.start_date.map_or(m.now - 30 * DAY_MS, ms);
        let to = input.end_date.map_or(m.now + 1, |e| ms(e) + 1);
        let mut items: Vec<AlarmHistoryItem> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if input.alarm_name.as_ref().is_some_and(|n| n != name) {
                continue;
            }
            let ty = if i < nmetric {
                AlarmType::MetricAlarm
            } else {
                AlarmType::CompositeAlarm
            };
            if !input.alarm_types.is_empty() && !input.alarm_types.contains(&ty) {
                continue;
            }
            for t in self.alarms.transitions(m.gen, i, from, to, &view, &self.defs, &self.index) {
                let mut data = t.data.clone();
                if let Some(d) = &t.drill {
                    data["drillId"] = serde_json::json!(d);
                }
                if input.history_item_type.is_none_or(|h| h == HistoryItemType::StateUpdate) {
                    items.push(AlarmHistoryItem {
                        alarm_name: name.clone(),
                        alarm_type: ty,
                        timestamp: from_ms(t.at),
                        history_item_type: HistoryItemType::StateUpdate,
                        history_summary: format!("Alarm updated from {} to {}", t.old.as_str(), t.new.as_str()),
                        history_data: Some(data.to_string()),
                    });
                }
                if self.alarms.actions_for(i, t.new) && input.history_item_type.is_none_or(|h| h == HistoryItemType::Action) {
                    let at = t.at + 180;
                    let sns = crate::model::SNS_ONCALL;
                    let mut action = serde_json::json!({
                        "actionState": "Succeeded",
                        "stateUpdateTimestamp": t.at,
                        "notificationResource": sns,
                        "publishedMessage": format!("{{\"default\":\"{{\\\"AlarmName\\\":\\\"{name}\\\",\\\"NewStateValue\\\":\\\"{}\\\",\\\"OldStateValue\\\":\\\"{}\\\"}}\"}}", t.new.as_str(), t.old.as_str()),
                    });
                    if let Some(d) = &t.drill {
                        action["drillId"] = serde_json::json!(d);
                    }
                    items.push(AlarmHistoryItem {
                        alarm_name: name.clone(),
                        alarm_type: ty,
                        timestamp: from_ms(at),
                        history_item_type: HistoryItemType::Action,
                        history_summary: format!("Successfully executed action {sns}"),
                        history_data: Some(action.to_string()),
                    });
                }
            }
        }
        items.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then(a.alarm_name.cmp(&b.alarm_name)));
        if input.scan_by != Some(ScanBy::TimestampAscending) {
            items.reverse();
        }
        let (alarm_history_items, next_token) = page(&items, start, max as usize);
        Ok(DescribeAlarmHistoryOutput {
            alarm_history_items,
            next_token,
        })
    }

    async fn list_dashboards(&self, _cx: &CallContext, input: ListDashboardsInput) -> Result<ListDashboardsOutput> {
        self.enter("ListDashboards").await?;
        let start = token_num(input.next_token.as_deref(), "ListDashboards")?;
        let d = self.dashboards.lock().map_err(|_| SourceError::internal("dashboards poisoned"))?;
        let entries: Vec<DashboardEntry> = d
            .iter()
            .filter(|(n, _)| input.dashboard_name_prefix.as_ref().is_none_or(|p| n.starts_with(p.as_str())))
            .map(|(n, (body, at))| DashboardEntry {
                dashboard_name: n.clone(),
                dashboard_arn: format!("arn:aws:cloudwatch::{ACCOUNT}:dashboard/{n}"),
                last_modified: Some(from_ms(*at)),
                size: body.len() as i64,
            })
            .collect();
        let (dashboard_entries, next_token) = page(&entries, start, 1000);
        Ok(ListDashboardsOutput {
            dashboard_entries,
            next_token,
        })
    }

    async fn get_dashboard(&self, _cx: &CallContext, input: GetDashboardInput) -> Result<GetDashboardOutput> {
        self.enter("GetDashboard").await?;
        let d = self.dashboards.lock().map_err(|_| SourceError::internal("dashboards poisoned"))?;
        let (body, _) = d.get(&input.dashboard_name).ok_or_else(|| {
            SourceError::not_found(
                "ResourceNotFound",
                format!(
                    "Dashboard {} does not exist",
                    input.dashboard_name.chars().take(255).collect::<String>()
                ),
            )
        })?;
        Ok(GetDashboardOutput {
            dashboard_name: input.dashboard_name.clone(),
            dashboard_arn: format!("arn:aws:cloudwatch::{ACCOUNT}:dashboard/{}", input.dashboard_name),
            dashboard_body: body.clone(),
        })
    }

    async fn put_dashboard(&self, _cx: &CallContext, input: PutDashboardInput) -> Result<PutDashboardOutput> {
        self.enter("PutDashboard").await?;
        let name = &input.dashboard_name;
        if name.is_empty() || name.len() > 255 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(SourceError::new(
                cloudwatch::ErrorKind::Validation,
                "InvalidParameterInput",
                "The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).",
            ));
        }
        if input.dashboard_body.len() > 1_000_000 {
            return Err(SourceError::new(
                cloudwatch::ErrorKind::Validation,
                "InvalidParameterInput",
                "The dashboard body is too large (1 MB at most).",
            ));
        }
        let msgs = crate::dashboards::validate(&input.dashboard_body)
            .map_err(|m| SourceError::new(cloudwatch::ErrorKind::Validation, "InvalidParameterInput", m))?;
        let now = self.now_ms();
        let mut d = self.dashboards.lock().map_err(|_| SourceError::internal("dashboards poisoned"))?;
        if !d.contains_key(name) && d.len() >= 5_000 {
            return Err(SourceError::limit_exceeded(
                "The maximum number of dashboards (5000) has been reached.",
            ));
        }
        d.insert(name.clone(), (input.dashboard_body.clone(), now));
        Ok(PutDashboardOutput {
            dashboard_validation_messages: msgs,
        })
    }

    async fn describe_log_groups(&self, _cx: &CallContext, input: DescribeLogGroupsInput) -> Result<DescribeLogGroupsOutput> {
        self.enter("DescribeLogGroups").await?;
        if input.log_group_name_prefix.is_some() && input.log_group_name_pattern.is_some() {
            return Err(SourceError::logs_invalid_parameter(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
            ));
        }
        let limit = input.limit.unwrap_or(50);
        if !(1..=50).contains(&limit) {
            return Err(SourceError::logs_invalid_parameter(
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
            ));
        }
        let start = token_num(input.next_token.as_deref(), "DescribeLogGroups")?;
        let now = self.now_ms();
        let mut idx: Vec<usize> = (0..self.logs.groups.len()).collect();
        idx.sort_by(|a, b| self.logs.groups[*a].name.cmp(&self.logs.groups[*b].name));
        let groups: Vec<LogGroup> = idx
            .into_iter()
            .filter(|&g| {
                let n = &self.logs.groups[g].name;
                input.log_group_name_prefix.as_ref().is_none_or(|p| n.starts_with(p.as_str()))
                    && input.log_group_name_pattern.as_ref().is_none_or(|p| n.contains(p.as_str()))
            })
            .map(|g| {
                let d = &self.logs.groups[g];
                let created = self.anchor - d.age_days * DAY_MS;
                let kept_days = (now - self.group_floor(g, now)).max(0) / DAY_MS;
                LogGroup {
                    log_group_name: d.name.clone(),
                    arn: Some(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{}:*", d.name)),
                    creation_time: Some(created - (h(self.config.seed, st::EXTRA, g as i64, 5) % 86_400_000) as i64),
                    retention_in_days: d.retention_days,
                    metric_filter_count: Some(self.logs.metric_filter_count(g) as i64),
                    stored_bytes: Some(self.logs.bytes_per_day(g, self.config.volume) * kept_days),
                    log_group_class: Some("STANDARD".into()),
                }
            })
            .collect();
        let (log_groups, next_token) = page(&groups, start, limit as usize);
        Ok(DescribeLogGroupsOutput { log_groups, next_token })
    }

    async fn get_log_group_fields(&self, _cx: &CallContext, input: GetLogGroupFieldsInput) -> Result<GetLogGroupFieldsOutput> {
        self.enter("GetLogGroupFields").await?;
        let g = self.group(input.log_group_name.as_deref(), input.log_group_identifier.as_deref())?;
        let now = self.now_ms();
        let at = input.time.map_or(now, |t| t.saturating_mul(1000)).min(now);
        let (w, _) = self.world();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut total = 0usize;
        let m1 = at.div_euclid(MINUTE_MS);
        for m in (m1 - 15)..=m1 {
            for e in self.logs.minute_events(&w, g, m).events {
                if e.ts < at - 15 * MINUTE_MS || e.ts >= at || e.ingest > now {
                    continue;
                }
                total += 1;
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.msg) {
                    let mut f = BTreeMap::new();
                    flatten("", &v, &mut f);
                    for k in f.into_keys() {
                        *counts.entry(k).or_default() += 1;
                    }
                }
            }
        }
        let mut fields: Vec<LogGroupField> = Vec::new();
        if total > 0 {
            for k in ["@timestamp", "@message", "@logStream", "@log", "@ingestionTime"] {
                fields.push(LogGroupField {
                    name: k.into(),
                    percent: 100,
                });
            }
            let mut rest: Vec<LogGroupField> = counts
                .into_iter()
                .map(|(name, c)| LogGroupField {
                    name,
                    percent: ((c * 100) as f64 / total as f64).round() as i64,
                })
                .collect();
            rest.sort_by(|a, b| b.percent.cmp(&a.percent).then(a.name.cmp(&b.name)));
            fields.extend(rest);
        }
        Ok(GetLogGroupFieldsOutput { log_group_fields: fields })
    }

    async fn start_query(&self, _cx: &CallContext, input: StartQueryInput) -> Result<StartQueryOutput> {
        self.enter("StartQuery").await?;
        let mut v = query::validate(&input, &self.logs)?;
        let now = self.now_ms();
        v.floors = v.groups.iter().map(|&g| self.group_floor(g, now)).collect();
        let (w, _) = self.world();
        let id = self.queries.start(v, &input.query_string, w, Arc::clone(&self.logs), now)?;
        Ok(StartQueryOutput { query_id: id })
    }

    async fn get_query_results(&self, _cx: &CallContext, input: QueryIdInput) -> Result<GetQueryResultsOutput> {
        self.enter("GetQueryResults").await?;
        self.queries.results(&input.query_id)
    }

    async fn stop_query(&self, _cx: &CallContext, input: QueryIdInput) -> Result<StopQueryOutput> {
        self.enter("StopQuery").await?;
        Ok(StopQueryOutput {
            success: self.queries.stop(&input.query_id)?,
        })
    }

    async fn get_log_record(&self, _cx: &CallContext, input: GetLogRecordInput) -> Result<GetLogRecordOutput> {
        self.enter("GetLogRecord").await?;
        let p = Ptr::decode(&input.log_record_pointer)
            .filter(|p| p.group < self.logs.groups.len())
            .ok_or_else(|| SourceError::logs_invalid_parameter("The specified log record pointer is not valid."))?;
        let (w, _) = self.world();
        let now = self.now_ms();
        let me = self.logs.minute_events(&w, p.group, p.minute);
        let e = me
            .events
            .get(p.index as usize)
            .filter(|e| e.ingest <= now)
            .ok_or_else(|| SourceError::not_found("ResourceNotFoundException", "The specified log record does not exist."))?;
        let mut rec = BTreeMap::new();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.msg) {
            flatten("", &v, &mut rec);
        }
        let name = &self.logs.groups[p.group].name;
        rec.insert("@message".into(), e.msg.clone());
        rec.insert("@timestamp".into(), e.ts.to_string());
        rec.insert("@ingestionTime".into(), e.ingest.to_string());
        rec.insert("@logStream".into(), me.streams[e.stream as usize].clone());
        rec.insert("@log".into(), format!("{ACCOUNT}:{name}"));
        rec.insert("@ptr".into(), p.encode());
        let _ = insights_time;
        Ok(GetLogRecordOutput { log_record: rec })
    }

    async fn get_log_events(&self, _cx: &CallContext, input: GetLogEventsInput) -> Result<GetLogEventsOutput> {
        self.enter("GetLogEvents").await?;
        let g = self.group(input.log_group_name.as_deref(), input.log_group_identifier.as_deref())?;
        if !self.stream_plausible(g, &input.log_stream_name) {
            return Err(SourceError::not_found(
                "ResourceNotFoundException",
                "The specified log stream does not exist.",
            ));
        }
        let limit = input.limit.unwrap_or(10_000);
        if !(1..=10_000).contains(&limit) {
            return Err(SourceError::logs_invalid_parameter(
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000",
            ));
        }
        let limit = limit as usize;
        let now = self.now_ms();
        let floor = self.group_floor(g, now);
        let lo = input.start_time.unwrap_or(floor).max(floor);
        let hi = input.end_time.unwrap_or(now + 1).min(now + 1);
        // Positions are (minute, index); a token is `f/<minute>/<index>` or `b/<minute>/<index>`.
        let parse = |t: &str| -> Option<(bool, i64, u32)> {
            let mut it = t.split('/');
            let dir = it.next()?;
            let m = it.next()?.parse().ok()?;
            let i = it.next()?.parse().ok()?;
            (it.next().is_none() && (dir == "f" || dir == "b")).then_some((dir == "f", m, i))
        };
        let tok = match input.next_token.as_deref() {
            Some(t) => Some(parse(t).ok_or_else(|| SourceError::logs_invalid_parameter("The specified nextToken is invalid."))?),
            None => None,
        };
        let forward = tok.map_or(input.start_from_head.unwrap_or(false) || input.start_time.is_some(), |t| t.0);
        let (w, _) = self.world();
        // Each call generates at most this many events of the group before answering.
        let budget = 100_000usize;
        let mut resume: Option<i64> = None;
        let mut found: Vec<(i64, u32, OutputLogEvent)> = Vec::new();
        if hi > lo {
            let (m_lo, m_hi) = (lo.div_euclid(MINUTE_MS), (hi - 1).div_euclid(MINUTE_MS));
            if forward {
                let (mut m, after) = tok.map_or((m_lo, None), |t| (t.1.max(m_lo), Some(t.2)));
                let mut scanned = 0;
                while m <= m_hi && found.len() < limit {
                    if scanned >= budget {
                        resume = Some(m);
                        break;
                    }
                    let me = self.logs.minute_events(&w, g, m);
                    scanned += me.events.len().max(1);
                    for (i, e) in me.events.iter().enumerate() {
                        if after.is_some_and(|a| m == tok.map_or(i64::MIN, |t| t.1) && (i as u32) < a) {
                            continue;
                        }
                        if e.ts >= lo
                            && e.ts < hi
                            && e.ingest <= now
                            && me.streams[e.stream as usize] == input.log_stream_name
                            && found.len() < limit
                        {
                            found.push((
                                m,
                                i as u32,
                                OutputLogEvent {
                                    timestamp: e.ts,
                                    message: e.msg.clone(),
                                    ingestion_time: e.ingest,
                                },
                            ));
                        }
                    }
                    m += 1;
                }
            } else {
                let (mut m, before) = tok.map_or((m_hi, None), |t| (t.1.min(m_hi), Some(t.2)));
                let mut scanned = 0;
                let mut back: Vec<(i64, u32, OutputLogEvent)> = Vec::new();
                while m >= m_lo && back.len() < limit && scanned < budget {
                    let me = self.logs.minute_events(&w, g, m);
                    scanned += me.events.len().max(1);
                    for (i, e) in me.events.iter().enumerate().rev() {
                        if before.is_some_and(|b| m == tok.map_or(i64::MIN, |t| t.1) && (i as u32) >= b) {
                            continue;
                        }
                        if e.ts >= lo
                            && e.ts < hi
                            && e.ingest <= now
                            && me.streams[e.stream as usize] == input.log_stream_name
                            && back.len() < limit
                        {
                            back.push((
                                m,
                                i as u32,
                                OutputLogEvent {
                                    timestamp: e.ts,
                                    message: e.msg.clone(),
                                    ingestion_time: e.ingest,
                                },
                            ));
                        }
                    }
                    m -= 1;
                }
                back.reverse();
                found = back;
            }
        }
        // At the end of the stream the same token comes back (as CloudWatch does); a scan cut
        // short by the budget resumes where it stopped.
        let fwd = match (found.last(), resume) {
            (Some(l), _) => format!("f/{}/{}", l.0, l.1 + 1),
            (None, Some(m)) => format!("f/{m}/0"),
            (None, None) => input
                .next_token
                .clone()
                .unwrap_or_else(|| format!("f/{}/0", hi.div_euclid(MINUTE_MS))),
        };
        let bwd = found
            .first()
            .map_or_else(|| format!("b/{}/0", lo.div_euclid(MINUTE_MS)), |f| format!("b/{}/{}", f.0, f.1));
        Ok(GetLogEventsOutput {
            events: found.into_iter().map(|f| f.2).collect(),
            next_forward_token: Some(fwd),
            next_backward_token: Some(bwd),
        })
    }

    async fn filter_log_events(&self, _cx: &CallContext, input: FilterLogEventsInput) -> Result<FilterLogEventsOutput> {
        self.enter("FilterLogEvents").await?;
        let g = self.group(input.log_group_name.as_deref(), input.log_group_identifier.as_deref())?;
        if !input.log_stream_names.is_empty() && input.log_stream_name_prefix.is_some() {
            return Err(SourceError::logs_invalid_parameter(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
            ));
        }
        if input.log_stream_names.len() > 100 {
            return Err(SourceError::logs_invalid_parameter("logStreamNames can contain at most 100 names."));
        }
        let limit = input.limit.unwrap_or(10_000);
        if !(1..=10_000).contains(&limit) {
            return Err(SourceError::logs_invalid_parameter(
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000",
            ));
        }
        if let (Some(s), Some(e)) = (input.start_time, input.end_time) {
            if e < s {
                return Err(SourceError::logs_invalid_parameter(
                    "endTime must be greater than or equal to startTime",
                ));
            }
        }
        let pat = crate::pattern::compile(input.filter_pattern.as_deref().unwrap_or(""))?;
        let now = self.now_ms();
        let floor = self.group_floor(g, now);
        let lo = input.start_time.unwrap_or(floor).max(floor);
        let hi = input.end_time.map_or(now + 1, |e| e.saturating_add(1)).min(now + 1);
        let (mut m, skip) = match input.next_token.as_deref() {
            None => (lo.div_euclid(MINUTE_MS), 0u32),
            Some(t) => {
                let parsed = t
                    .strip_prefix("t/")
                    .and_then(|r| r.split_once('/'))
                    .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<u32>().ok()?)));
                parsed.ok_or_else(|| SourceError::logs_invalid_parameter("The specified nextToken is invalid."))?
            }
        };
        if m < lo.div_euclid(MINUTE_MS) {
            // A token from before the window (or forged): start at the window.
            m = lo.div_euclid(MINUTE_MS);
        }
        let (w, _) = self.world();
        let name = &self.logs.groups[g].name;
        let m_hi = if hi > lo { (hi - 1).div_euclid(MINUTE_MS) } else { m - 1 };
        let mut events = Vec::new();
        // Each call scans at most this much before answering with a token (as CloudWatch does).
        let mut budget = 200_000usize;
        let mut next = None;
        let first = m;
        while m <= m_hi {
            let me = self.logs.minute_events(&w, g, m);
            budget = budget.saturating_sub(me.events.len().max(1));
            for (i, e) in me.events.iter().enumerate() {
                if m == first && (i as u32) < skip {
                    continue;
                }
                if e.ts < lo || e.ts >= hi || e.ingest > now {
                    continue;
                }
                let stream = &me.streams[e.stream as usize];
                if !input.log_stream_names.is_empty() && !input.log_stream_names.contains(stream) {
                    continue;
                }
                if input
                    .log_stream_name_prefix
                    .as_ref()
                    .is_some_and(|p| !stream.starts_with(p.as_str()))
                {
                    continue;
                }
                if !pat.matches(&e.msg) {
                    continue;
                }
                if events.len() == limit as usize {
                    next = Some(format!("t/{m}/{i}"));
                    break;
                }
                events.push(FilteredLogEvent {
                    log_stream_name: stream.clone(),
                    timestamp: e.ts,
                    message: e.msg.clone(),
                    ingestion_time: e.ingest,
                    event_id: Self::event_id(g, m, i as u32),
                });
            }
            if next.is_some() {
                break;
            }
            m += 1;
            if budget == 0 && m <= m_hi {
                next = Some(format!("t/{m}/0"));
                break;
            }
        }
        let _ = name;
        Ok(FilterLogEventsOutput { events, next_token: next })
    }

    async fn start_live_tail(&self, _cx: &CallContext, input: StartLiveTailInput) -> Result<LiveTailStream> {
        self.enter("StartLiveTail").await?;
        if input.log_group_identifiers.is_empty() || input.log_group_identifiers.len() > 10 {
            return Err(SourceError::logs_invalid_parameter(
                "logGroupIdentifiers must name between 1 and 10 log groups",
            ));
        }
        let groups: Vec<usize> = input
            .log_group_identifiers
            .iter()
            .map(|n| {
                self.logs
                    .group_index(n)
                    .ok_or_else(|| SourceError::not_found("ResourceNotFoundException", format!("Log group {n} does not exist")))
            })
            .collect::<Result<_>>()?;
        let pat = crate::pattern::compile(input.log_event_filter_pattern.as_deref().unwrap_or(""))?;
        let (world, _) = self.world();
        let tail = Tail {
            world,
            logs: Arc::clone(&self.logs),
            clock: Arc::clone(&self.clock),
            pat,
            names: input.log_stream_names.clone(),
            prefixes: input.log_stream_name_prefixes.clone(),
            groups,
            idents: input.log_group_identifiers.clone(),
            last: self.now_ms(),
            first: true,
        };
        // The first update comes at once (nothing has arrived yet); then one a second.
        let stream = futures_util::stream::unfold(tail, |mut t| async move {
            if !t.first {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            t.first = false;
            let now = ms((t.clock)()).max(t.last);
            let update = t.collect(now);
            t.last = now;
            Some((Ok(update), t))
        });
        Ok(Box::pin(stream))
    }

    async fn describe_query_definitions(
        &self,
        _cx: &CallContext,
        input: DescribeQueryDefinitionsInput,
    ) -> Result<DescribeQueryDefinitionsOutput> {
        self.enter("DescribeQueryDefinitions").await?;
        let max = input.max_results.unwrap_or(1000);
        if !(1..=1000).contains(&max) {
            return Err(SourceError::logs_invalid_parameter("maxResults must be between 1 and 1000"));
        }
        let start = token_num(input.next_token.as_deref(), "DescribeQueryDefinitions")?;
        let d = self
            .query_defs
            .lock()
            .map_err(|_| SourceError::internal("query definitions poisoned"))?;
        let mut all: Vec<QueryDefinition> = d
            .values()
            .filter(|q| {
                input
                    .query_definition_name_prefix
                    .as_ref()
                    .is_none_or(|p| q.name.starts_with(p.as_str()))
            })
            .cloned()
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name).then(a.query_definition_id.cmp(&b.query_definition_id)));
        let (query_definitions, next_token) = page(&all, start, max as usize);
        Ok(DescribeQueryDefinitionsOutput {
            query_definitions,
            next_token,
        })
    }

    async fn put_query_definition(&self, _cx: &CallContext, input: QueryDefinition) -> Result<PutQueryDefinitionOutput> {
        self.enter("PutQueryDefinition").await?;
        if input.name.is_empty() || input.name.chars().count() > 255 {
            return Err(SourceError::logs_invalid_parameter(
                "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length between 1 and 255",
            ));
        }
        if input.query_string.is_empty() || input.query_string.chars().count() > 10_000 {
            return Err(SourceError::logs_invalid_parameter(
                "1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length between 1 and 10000",
            ));
        }
        let now = self.now_ms();
        let mut d = self
            .query_defs
            .lock()
            .map_err(|_| SourceError::internal("query definitions poisoned"))?;
        let id = match &input.query_definition_id {
            Some(id) if d.contains_key(id) => id.clone(),
            Some(_) => {
                return Err(SourceError::not_found(
                    "ResourceNotFoundException",
                    "The query definition does not exist.",
                ))
            }
            None => {
                if d.len() >= 1000 {
                    return Err(SourceError::limit_exceeded(
                        "The maximum number of query definitions (1000) has been reached.",
                    ));
                }
                crate::rng::uuid(h(self.config.seed, st::QUERY, now, self.calls.load(Ordering::Relaxed)))
            }
        };
        let mut q = input.clone();
        q.query_definition_id = Some(id.clone());
        q.last_modified = Some(now);
        q.query_language.get_or_insert_with(|| "CWLI".into());
        d.insert(id.clone(), q);
        Ok(PutQueryDefinitionOutput { query_definition_id: id })
    }

    async fn delete_query_definition(&self, _cx: &CallContext, input: DeleteQueryDefinitionInput) -> Result<DeleteQueryDefinitionOutput> {
        self.enter("DeleteQueryDefinition").await?;
        let mut d = self
            .query_defs
            .lock()
            .map_err(|_| SourceError::internal("query definitions poisoned"))?;
        match d.remove(&input.query_definition_id) {
            Some(_) => Ok(DeleteQueryDefinitionOutput { success: true }),
            None => Err(SourceError::not_found(
                "ResourceNotFoundException",
                "The query definition does not exist.",
            )),
        }
    }
}
