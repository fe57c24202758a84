//! Telemetry sources behind one handle. Server code reaches CloudWatch (or the demo world) only
//! through [`Telemetry`]: it looks the connection up by its slug, checks the caller's role, and
//! hands back a [`Conn`] whose methods are the CloudWatch operations — every one of them through
//! the proxy (the `proxy` crate): `GetMetricData` through its cache, single-flight and batching,
//! Logs Insights through the per-connection scheduler, everything through the shared token
//! buckets and the usage accounting. Pages ask per widget ([`Telemetry::widget_metrics`]).
//!
//! - `connections`: the rows in Postgres (admin CRUD, drills);
//! - `policy`: guard rails for what an AWS connection may point at;
//! - `secrets`: encryption at rest of a static secret key;
//! - the AWS SDK source lives in the `aws-source` crate (server only) and reaches this module
//!   through [`AwsConnector`]; the demo world is the `demo` crate.

pub mod connections;
pub mod policy;
pub mod secrets;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudwatch::alarms::*;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::{CallContext, LiveTailStream, Source, SourceError};
use sqlx::PgPool;
use std::sync::Mutex;
use time::OffsetDateTime;

use crate::backend::identity::{Caller, Credential};
use crate::domain::connection::{ApiCheck, AwsSettings, ConnectionSettings, DrillInfo};
use crate::domain::{ConnectionId, LinkId, Role};
use crate::error::{AppError, AppResult};
pub use policy::SourcePolicy;
use proxy::insights::{RunStatus, RunView, Scheduler, SchedulerConfig};
use proxy::limits::{Limits, LimitsConfig};
use proxy::metrics::{MetricsConfig, MetricsProxy, MetricsRequest, Prepared};
use proxy::usage::{Prices, Usage, UsageEvent};
use proxy::{Principal, RequestContext};
pub use secrets::SecretCipher;

/// Who asks for telemetry: a signed-in caller (their role is checked), or a public link
/// already resolved from its token, which reads as its own principal ([`Principal::PublicLink`],
/// accounted and rate-limited by the proxy like a person), never privileged and never more than
/// a viewer. Only the public-link service makes the second kind, for its own dashboard's widgets.
#[derive(Debug, Clone, Copy)]
pub enum Asker<'a> {
    Caller(&'a Caller),
    PublicLink(LinkId),
}

impl<'a> From<&'a Caller> for Asker<'a> {
    fn from(caller: &'a Caller) -> Self {
        Asker::Caller(caller)
    }
}

/// Builds AWS sources (implemented by the server over the AWS SDKs, so the SDK never reaches the
/// app crate's builds).
#[async_trait::async_trait]
pub trait AwsConnector: Send + Sync + 'static {
    async fn connect(
        &self,
        id: &ConnectionId,
        settings: &AwsSettings,
        secret_access_key: Option<String>,
    ) -> Result<Arc<dyn Source>, SourceError>;
}

/// How long a looked-up source is trusted before its row is checked again (renames, new
/// settings, drills started on another replica).
const RECHECK: Duration = Duration::from_secs(3);

struct Live {
    updated_at: OffsetDateTime,
    checked: Instant,
    source: Arc<dyn Source>,
    demo: Option<Arc<demo::DemoSource>>,
}

struct Inner {
    db: PgPool,
    policy: SourcePolicy,
    cipher: Option<SecretCipher>,
    aws: Option<Arc<dyn AwsConnector>>,
    live: Mutex<HashMap<ConnectionId, Live>>,
    metrics: MetricsProxy,
    limits: Limits,
    usage: Usage,
    scheduler: std::sync::OnceLock<Scheduler>,
    scheduler_config: SchedulerConfig,
}

/// How the proxy behaves (every part has defaults suited to a war room; the server reads
/// overrides from its environment).
#[derive(Debug, Clone, Default)]
pub struct ProxySettings {
    pub metrics: MetricsConfig,
    pub limits: LimitsConfig,
    pub scheduler: SchedulerConfig,
    pub prices: Prices,
    /// Metrics one person (or token) may cause per day; `None`: no cap.
    pub daily_metric_budget: Option<u64>,
}

/// The one way to reach telemetry. Cheap to clone.
#[derive(Clone)]
pub struct Telemetry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl Telemetry {
    pub fn new(db: PgPool, policy: SourcePolicy, cipher: Option<SecretCipher>, aws: Option<Arc<dyn AwsConnector>>) -> Self {
        Self::with_proxy(db, policy, cipher, aws, ProxySettings::default())
    }

    /// As [`Telemetry::new`], with the proxy tuned. Token buckets and usage counters live in
    /// Postgres, shared by every replica. Call [`Telemetry::start_scheduler`] before serving.
    pub fn with_proxy(
        db: PgPool,
        policy: SourcePolicy,
        cipher: Option<SecretCipher>,
        aws: Option<Arc<dyn AwsConnector>>,
        settings: ProxySettings,
    ) -> Self {
        let limits = Limits::new(Some(db.clone()), settings.limits);
        let usage = Usage::new(Some(db.clone()), settings.prices, settings.daily_metric_budget);
        Self {
            inner: Arc::new(Inner {
                metrics: MetricsProxy::new(settings.metrics, limits.clone(), usage.clone()),
                limits,
                usage,
                scheduler: std::sync::OnceLock::new(),
                scheduler_config: settings.scheduler,
                db,
                policy,
                cipher,
                aws,
                live: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Starts this replica's Logs Insights scheduler (its listener and worker loop) and the
    /// usage flusher. Idempotent.
    pub async fn start_scheduler(&self) -> AppResult<()> {
        if self.inner.scheduler.get().is_some() {
            return Ok(());
        }
        let sources: Arc<dyn proxy::Sources> = Arc::new(WeakSources(Arc::downgrade(&self.inner)));
        let scheduler = Scheduler::start(
            self.inner.db.clone(),
            sources,
            self.inner.limits.clone(),
            self.inner.usage.clone(),
            self.inner.scheduler_config.clone(),
        )
        .await?;
        if self.inner.scheduler.set(scheduler).is_ok() {
            self.inner.usage.spawn_flusher(Duration::from_secs(5));
        }
        Ok(())
    }

    fn scheduler(&self) -> AppResult<&Scheduler> {
        self.inner
            .scheduler
            .get()
            .ok_or_else(|| crate::backend::db::internal("insights", &SourceError::internal("the Logs Insights scheduler is not running")))
    }

    /// Stops this replica's background work (tests simulate a crash with it).
    pub fn shutdown(&self) {
        if let Some(s) = self.inner.scheduler.get() {
            s.shutdown();
        }
    }

    /// Usage counters of this process, for `/metrics`.
    pub fn usage(&self) -> &Usage {
        &self.inner.usage
    }

    /// The request context of `asker` (a caller must hold at least `needed`; a public link is
    /// never more than a viewer, and never privileged).
    fn context(asker: Asker<'_>, needed: Role, dashboard: Option<String>) -> AppResult<(RequestContext, Role)> {
        let caller = match asker {
            Asker::Caller(caller) => caller,
            Asker::PublicLink(link) => {
                if needed > Role::Viewer {
                    return Err(AppError::Forbidden {
                        needed,
                        have: Role::Viewer,
                    });
                }
                let cx = RequestContext {
                    principal: Principal::PublicLink(link.to_string()),
                    privileged: false,
                    dashboard,
                    widget: None,
                };
                return Ok((cx, Role::Viewer));
            }
        };
        let user = caller.require(needed)?;
        let principal = match caller.signed_in.as_ref().map(|s| &s.credential) {
            Some(Credential::Token { id }) => Principal::Token(id.to_string()),
            _ => Principal::User(user.email.as_str().to_string()),
        };
        Ok((
            RequestContext {
                principal,
                privileged: user.role >= Role::Editor,
                dashboard,
                widget: None,
            },
            user.role,
        ))
    }

    /// The widgets of a page (or one), answered through the proxy: serialised once per distinct
    /// content, with a gzipped copy.
    pub async fn widget_metrics<'a>(
        &self,
        asker: impl Into<Asker<'a>>,
        id: &ConnectionId,
        request: &MetricsRequest,
    ) -> AppResult<Arc<Prepared>> {
        let (cx, _) = Self::context(asker.into(), Role::Viewer, request.dashboard.clone())?;
        let (source, _) = self.source(id).await?;
        Ok(self
            .inner
            .metrics
            .widgets(&cx, id.as_str(), source, request, OffsetDateTime::now_utc())
            .await)
    }

    /// Submits a Logs Insights query to the connection's scheduler: one run for this caller,
    /// sharing an execution with identical queries of anyone.
    pub async fn insights_submit<'a>(
        &self,
        asker: impl Into<Asker<'a>>,
        id: &ConnectionId,
        input: StartQueryInput,
        dashboard: Option<String>,
    ) -> AppResult<RunView> {
        let (cx, _) = Self::context(asker.into(), Role::Viewer, dashboard)?;
        self.validate_query(id, &input).await?;
        Ok(self.scheduler()?.submit(&cx, id.as_str(), input).await?)
    }

    /// A query the demo world would refuse at `StartQuery` is refused now, with its code and
    /// message, not after waiting in the queue. (CloudWatch itself can only be asked by running
    /// the query: an AWS connection's malformed query fails as its run's error, in CloudWatch's
    /// words.)
    async fn validate_query(&self, id: &ConnectionId, input: &StartQueryInput) -> AppResult<()> {
        let (_, world) = self.source(id).await?;
        if let Some(world) = world {
            world.validate_query(input)?;
        }
        Ok(())
    }

    /// A run by id, for anyone who may read its connection (runs are shared by link); waits up to
    /// `wait` for a change past `seen` when given. (A public link asks only for the runs its own
    /// dashboard's log widgets were just given: no route takes a run id from one.)
    pub async fn insights_run<'a>(
        &self,
        asker: impl Into<Asker<'a>>,
        run: uuid::Uuid,
        seen: Option<i64>,
        wait: Duration,
    ) -> AppResult<RunView> {
        if let Asker::Caller(caller) = asker.into() {
            caller.require(Role::Viewer)?;
        }
        let scheduler = self.scheduler()?;
        let view = match seen {
            Some(v) => scheduler.wait(run, v, wait.min(Duration::from_secs(25))).await?,
            None => scheduler.run(run).await?,
        };
        view.ok_or_else(|| AppError::not_found("that query run"))
    }

    /// The demo world's record of the Logs Insights queries it ran in this process (id, start,
    /// end, status), for admins checking the scheduler's budget: `[{"queryId", "startMs",
    /// "endMs", "status"}]`.
    pub async fn demo_query_runs(&self, caller: &Caller, id: &ConnectionId) -> AppResult<Vec<serde_json::Value>> {
        caller.require(Role::Admin)?;
        let (_, world) = self.source(id).await?;
        let world = world.ok_or_else(|| AppError::not_found(format!("a demo world called `{id}`")))?;
        Ok(world
            .insights_runs()
            .into_iter()
            .map(|r| {
                serde_json::json!({
                    "queryId": r.query_id,
                    "startMs": r.start_ms,
                    "endMs": r.end_ms,
                    "status": r.status.map(|s| format!("{s:?}")),
                })
            })
            .collect())
    }

    /// The demo world's calls of `api` per epoch second as it received them (throttled ones
    /// included): the traffic its quota judged. For the benchmarks, which run the server in
    /// process; no route reaches it.
    pub async fn demo_calls_per_second(&self, id: &ConnectionId, api: &str) -> AppResult<Vec<(i64, u64)>> {
        let (_, world) = self.source(id).await?;
        let world = world.ok_or_else(|| AppError::not_found(format!("a demo world called `{id}`")))?;
        Ok(world.call_log().per_second(api))
    }

    /// Cancels the caller's own run (the shared execution stops when no run waits for it).
    pub async fn insights_cancel(&self, caller: &Caller, run: uuid::Uuid) -> AppResult<bool> {
        let (cx, _) = Self::context(caller.into(), Role::Viewer, None)?;
        Ok(self.scheduler()?.cancel(&cx.principal, run).await?)
    }

    /// The cache of built sources. A std mutex: it is only ever held for a map operation.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnectionId, Live>> {
        self.inner.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn policy(&self) -> &SourcePolicy {
        &self.inner.policy
    }

    pub fn cipher(&self) -> Option<&SecretCipher> {
        self.inner.cipher.as_ref()
    }

    /// The connection `id` for `asker`, who must hold at least `needed` (viewer for reads; a
    /// public link gets reads only, as its own principal).
    pub async fn conn<'a>(&self, asker: impl Into<Asker<'a>>, id: &ConnectionId, needed: Role) -> AppResult<Conn> {
        let (rcx, role) = Self::context(asker.into(), needed, None)?;
        let (source, _) = self.source(id).await?;
        Ok(Conn {
            id: id.clone(),
            role,
            cx: rcx.principal.call_context(),
            rcx,
            source,
            telemetry: self.clone(),
        })
    }

    /// For the server's own work (alarm bookkeeping): no caller, full read access.
    pub async fn system_conn(&self, id: &ConnectionId) -> AppResult<Conn> {
        let (source, _) = self.source(id).await?;
        Ok(Conn {
            id: id.clone(),
            role: Role::Viewer,
            cx: CallContext::system(),
            rcx: RequestContext::system(),
            source,
            telemetry: self.clone(),
        })
    }

    /// Forgets a cached source and its cached data (after an admin changed or removed the
    /// connection here; other replicas notice within a few seconds).
    pub async fn forget(&self, id: &ConnectionId) {
        self.lock().remove(id);
        self.inner.metrics.forget(id.as_str());
    }

    /// The source for `id`: from the cache (its row rechecked at most every few seconds), or
    /// built. The cache lock is never held across I/O, so a slow lookup or client build for one
    /// connection does not stall requests for the others.
    async fn source(&self, id: &ConnectionId) -> AppResult<(Arc<dyn Source>, Option<Arc<demo::DemoSource>>)> {
        let db = &self.inner.db;
        let cached = self
            .lock()
            .get(id)
            .map(|e| (e.updated_at, e.checked, e.source.clone(), e.demo.clone()));
        if let Some((updated_at, checked, source, demo)) = cached {
            if checked.elapsed() < RECHECK {
                return Ok((source, demo));
            }
            if connections::updated_at(db, id).await? == Some(updated_at) {
                if let Some(world) = &demo {
                    world.set_drills(load_drills(db, id).await?);
                }
                if let Some(entry) = self.lock().get_mut(id) {
                    entry.checked = Instant::now();
                }
                return Ok((source, demo));
            }
            self.lock().remove(id);
        }
        let stored = connections::get(db, id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("connection `{id}`")))?;
        let (source, demo): (Arc<dyn Source>, Option<Arc<demo::DemoSource>>) = match &stored.detail.settings {
            ConnectionSettings::Demo(d) => {
                let world = Arc::new(demo::DemoSource::new(demo::DemoConfig {
                    seed: d.seed,
                    anchor: from_ms(d.anchor_ms),
                    version: d.version,
                    volume: d.volume,
                    quotas: d.quotas,
                    latency_ms: d.latency_ms,
                    error_rate: d.error_rate,
                }));
                world.set_drills(load_drills(db, id).await?);
                (world.clone(), Some(world))
            }
            ConnectionSettings::Aws(a) => {
                let connector = self
                    .inner
                    .aws
                    .as_ref()
                    .ok_or_else(|| AppError::from(SourceError::unsupported("this server was built without the AWS source")))?;
                let secret = match (&stored.secret, &self.inner.cipher) {
                    (Some(sealed), Some(cipher)) => Some(cipher.open(id.as_str(), sealed)?),
                    (Some(_), None) => {
                        return Err(AppError::from(SourceError::new(
                            cloudwatch::ErrorKind::Credentials,
                            "SecretUnreadable",
                            "this connection's secret key is encrypted, and the server has no WATCHPOST_SECRET_KEY",
                        )))
                    }
                    (None, _) => None,
                };
                (connector.connect(id, a, secret).await?, None)
            }
        };
        self.lock().insert(
            id.clone(),
            Live {
                updated_at: stored.updated_at,
                checked: Instant::now(),
                source: source.clone(),
                demo: demo.clone(),
            },
        );
        Ok((source, demo))
    }

    /// Records the alarm transitions of every demo world over the last `lookback` as acted-on
    /// alarm actions (what SNS would deliver). Keyed by (connection, alarm, transition time), so
    /// any number of replicas doing this at once record each transition once. Returns how many
    /// rows were new.
    pub async fn record_alarm_actions(&self, lookback: Duration) -> AppResult<u64> {
        let now = OffsetDateTime::now_utc();
        let from = now - time::Duration::seconds(i64::try_from(lookback.as_secs()).unwrap_or(3_600));
        let mut recorded = 0;
        for c in connections::list(&self.inner.db).await? {
            if c.settings.kind() != crate::domain::ConnectionKind::Demo {
                continue;
            }
            let (_, world) = self.source(&c.id).await?;
            let Some(world) = world else { continue };
            for t in world.alarm_transitions(from, now) {
                recorded += connections::record_alarm_action(
                    &self.inner.db,
                    &c.id,
                    &t.alarm_name,
                    t.at,
                    t.old.as_str(),
                    t.new.as_str(),
                    &t.reason,
                    t.drill.as_deref(),
                )
                .await?;
            }
        }
        Ok(recorded)
    }

    /// Tells the cached demo world about drills right away (after a start or end here).
    pub async fn refresh_drills(&self, id: &ConnectionId) -> AppResult<()> {
        let world = self.lock().get(id).and_then(|e| e.demo.clone());
        if let Some(world) = world {
            world.set_drills(load_drills(&self.inner.db, id).await?);
        }
        Ok(())
    }
}

fn parse_run(id: &str) -> AppResult<uuid::Uuid> {
    id.parse().map_err(|_| {
        AppError::from(SourceError::not_found(
            "ResourceNotFoundException",
            format!("Query {id} does not exist."),
        ))
    })
}

/// The scheduler finds sources through the handle without keeping it alive.
struct WeakSources(std::sync::Weak<Inner>);

#[async_trait::async_trait]
impl proxy::Sources for WeakSources {
    async fn source(&self, connection: &str) -> Result<Arc<dyn Source>, SourceError> {
        let inner = self
            .0
            .upgrade()
            .ok_or_else(|| SourceError::internal("the server is shutting down"))?;
        let telemetry = Telemetry { inner };
        let id: ConnectionId = connection
            .parse()
            .map_err(|_| SourceError::not_found("ResourceNotFoundException", format!("no connection `{connection}`")))?;
        telemetry
            .source(&id)
            .await
            .map(|(s, _)| s)
            .map_err(|e| SourceError::not_found("ResourceNotFoundException", e.to_string()))
    }
}

fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

async fn load_drills(db: &PgPool, id: &ConnectionId) -> AppResult<Vec<demo::Drill>> {
    Ok(connections::drills(db, id)
        .await?
        .into_iter()
        .filter_map(|d: DrillInfo| {
            let end = d.ended_at_ms.map_or(d.ends_at_ms, |e| e.min(d.ends_at_ms));
            Some(demo::Drill {
                id: d.id,
                kind: d.kind.parse().ok()?,
                service: d.service,
                start: from_ms(d.started_at_ms),
                end: from_ms(end),
            })
        })
        .collect())
}

/// A connection as one caller may use it: each method is one CloudWatch operation, answered in
/// CloudWatch's shapes or as an [`AppError`] keeping CloudWatch's code and message.
#[derive(Clone)]
pub struct Conn {
    pub id: ConnectionId,
    role: Role,
    cx: CallContext,
    rcx: RequestContext,
    source: Arc<dyn Source>,
    telemetry: Telemetry,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("id", &self.id)
            .field("kind", &self.source.kind())
            .finish()
    }
}

macro_rules! reads {
    ($($name:ident($input:ty) -> $output:ty = $api:literal;)*) => {
        $(
            /// Through the shared token bucket of its API, and accounted.
            pub async fn $name(&self, input: $input) -> AppResult<$output> {
                self.admit($api).await?;
                Ok(self.source.$name(&self.cx, input).await?)
            }
        )*
    };
}

macro_rules! writes {
    ($($name:ident($input:ty) -> $output:ty = $api:literal;)*) => {
        $(
            /// A change: needs the editor role.
            pub async fn $name(&self, input: $input) -> AppResult<$output> {
                self.need(Role::Editor)?;
                self.admit($api).await?;
                Ok(self.source.$name(&self.cx, input).await?)
            }
        )*
    };
}

impl Conn {
    pub fn kind(&self) -> &'static str {
        self.source.kind()
    }

    fn need(&self, role: Role) -> AppResult<()> {
        if self.role < role {
            return Err(AppError::Forbidden {
                needed: role,
                have: self.role,
            });
        }
        Ok(())
    }

    /// Takes a token of `api` from the account's shared bucket and counts the call.
    async fn admit(&self, api: &'static str) -> AppResult<()> {
        let t = &self.telemetry.inner;
        t.limits.acquire(self.source.as_ref(), self.id.as_str(), api).await?;
        t.usage.record(UsageEvent {
            connection: self.id.as_str().to_string(),
            api,
            principal: Some(self.rcx.principal.key()),
            calls: 1,
            ..UsageEvent::default()
        });
        Ok(())
    }

    reads! {
        list_metrics(ListMetricsInput) -> ListMetricsOutput = "ListMetrics";
        describe_alarms(DescribeAlarmsInput) -> DescribeAlarmsOutput = "DescribeAlarms";
        describe_alarms_for_metric(DescribeAlarmsForMetricInput) -> DescribeAlarmsForMetricOutput = "DescribeAlarmsForMetric";
        describe_alarm_history(DescribeAlarmHistoryInput) -> DescribeAlarmHistoryOutput = "DescribeAlarmHistory";
        list_dashboards(ListDashboardsInput) -> ListDashboardsOutput = "ListDashboards";
        get_dashboard(GetDashboardInput) -> GetDashboardOutput = "GetDashboard";
        describe_log_groups(DescribeLogGroupsInput) -> DescribeLogGroupsOutput = "DescribeLogGroups";
        get_log_group_fields(GetLogGroupFieldsInput) -> GetLogGroupFieldsOutput = "GetLogGroupFields";
        get_log_record(GetLogRecordInput) -> GetLogRecordOutput = "GetLogRecord";
        get_log_events(GetLogEventsInput) -> GetLogEventsOutput = "GetLogEvents";
        filter_log_events(FilterLogEventsInput) -> FilterLogEventsOutput = "FilterLogEvents";
        start_live_tail(StartLiveTailInput) -> LiveTailStream = "StartLiveTail";
        describe_query_definitions(DescribeQueryDefinitionsInput) -> DescribeQueryDefinitionsOutput = "DescribeQueryDefinitions";
    }

    writes! {
        put_dashboard(PutDashboardInput) -> PutDashboardOutput = "PutDashboard";
        put_query_definition(QueryDefinition) -> PutQueryDefinitionOutput = "PutQueryDefinition";
        delete_query_definition(DeleteQueryDefinitionInput) -> DeleteQueryDefinitionOutput = "DeleteQueryDefinition";
    }

    /// `GetMetricData` in CloudWatch's shape, answered through the proxy (cache, single-flight,
    /// batching, every page followed) as one widget; the series are cut to the asked range.
    pub async fn get_metric_data(&self, input: GetMetricDataInput) -> AppResult<GetMetricDataOutput> {
        use proxy::metrics::{TimeSpec, WidgetData, WidgetQuery};
        let ms = |t: OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
        let request = MetricsRequest {
            widgets: vec![WidgetQuery {
                id: "api".into(),
                queries: input.metric_data_queries,
                start: TimeSpec::EpochMs(ms(input.start_time)),
                end: Some(TimeSpec::EpochMs(ms(input.end_time))),
                label_options: input.label_options,
            }],
            dashboard: None,
        };
        let (start, end) = (input.start_time, input.end_time);
        let prepared = self
            .telemetry
            .inner
            .metrics
            .widgets(
                &self.rcx,
                self.id.as_str(),
                self.source.clone(),
                &request,
                OffsetDateTime::now_utc(),
            )
            .await;
        #[derive(serde::Deserialize)]
        struct Body {
            widgets: Vec<WidgetData>,
        }
        let body: Body = serde_json::from_slice(&prepared.json).map_err(|e| crate::backend::db::internal("proxy answer", &e))?;
        let Some(w) = body.widgets.into_iter().next() else {
            return Err(crate::backend::db::internal(
                "proxy answer",
                &SourceError::internal("no widget in the answer"),
            ));
        };
        if let Some(e) = w.errors.first() {
            if w.results.is_empty() {
                return Err(AppError::from(SourceError::new(
                    if e.code == "ThrottlingException" || e.code == "PrincipalRateExceeded" {
                        cloudwatch::ErrorKind::Throttled
                    } else {
                        cloudwatch::ErrorKind::Validation
                    },
                    e.code.clone(),
                    e.message.clone(),
                )));
            }
        }
        let descending = !matches!(input.scan_by, Some(ScanBy::TimestampAscending));
        let mut results = w.results;
        for r in &mut results {
            let keep: Vec<(OffsetDateTime, f64)> = r
                .timestamps
                .iter()
                .zip(&r.values)
                .filter(|(t, _)| **t >= start && **t < end)
                .map(|(t, v)| (*t, *v))
                .collect();
            let mut keep = keep;
            keep.sort_by_key(|(t, _)| *t);
            if descending {
                keep.reverse();
            }
            r.timestamps = keep.iter().map(|(t, _)| *t).collect();
            r.values = keep.iter().map(|(_, v)| *v).collect();
        }
        Ok(GetMetricDataOutput {
            metric_data_results: results,
            next_token: None,
            messages: w.messages,
        })
    }

    /// `StartQuery` through the connection's scheduler: the query id is the caller's run id.
    pub async fn start_query(&self, input: StartQueryInput) -> AppResult<StartQueryOutput> {
        self.telemetry.validate_query(&self.id, &input).await?;
        let run = self.telemetry.scheduler()?.submit(&self.rcx, self.id.as_str(), input).await?;
        Ok(StartQueryOutput {
            query_id: run.run_id.to_string(),
        })
    }

    /// `GetQueryResults` of a run (partial while it runs), in CloudWatch's shape.
    pub async fn get_query_results(&self, input: QueryIdInput) -> AppResult<GetQueryResultsOutput> {
        let run = self.run(&input.query_id).await?;
        if let Some(e) = &run.error {
            if run.output.is_none() {
                return Err(AppError::from(e.clone()));
            }
        }
        let mut out = run.output.unwrap_or(GetQueryResultsOutput {
            results: Vec::new(),
            statistics: QueryStatistics::default(),
            status: QueryStatus::Scheduled,
            query_language: None,
        });
        out.status = match run.status {
            RunStatus::Queued { .. } => QueryStatus::Scheduled,
            RunStatus::Running => QueryStatus::Running,
            RunStatus::Complete => QueryStatus::Complete,
            RunStatus::Failed => QueryStatus::Failed,
            RunStatus::Cancelled => QueryStatus::Cancelled,
            RunStatus::Timeout => QueryStatus::Timeout,
        };
        Ok(out)
    }

    /// `StopQuery`: detaches the caller's run (the execution stops when nobody waits).
    pub async fn stop_query(&self, input: QueryIdInput) -> AppResult<StopQueryOutput> {
        let id = parse_run(&input.query_id)?;
        let success = self.telemetry.scheduler()?.cancel(&self.rcx.principal, id).await?;
        Ok(StopQueryOutput { success })
    }

    async fn run(&self, id: &str) -> AppResult<RunView> {
        let run_id = parse_run(id)?;
        let run = self
            .telemetry
            .scheduler()?
            .run(run_id)
            .await?
            .filter(|r| r.connection == self.id.as_str())
            .ok_or_else(|| {
                AppError::from(SourceError::not_found(
                    "ResourceNotFoundException",
                    format!("Query {id} does not exist."),
                ))
            })?;
        Ok(run)
    }

    /// "Test connection": each API read-only, with its outcome (AccessDenied names the action).
    pub async fn test(&self) -> Vec<ApiCheck> {
        cloudwatch::probe::test_connection(self.source.as_ref(), &self.cx)
            .await
            .into_iter()
            .map(|c| ApiCheck {
                action: c.action.to_string(),
                error: c.outcome.err().map(|e| (e.code, e.message)),
            })
            .collect()
    }
}
