//! Telemetry sources behind one handle. Server code reaches CloudWatch (or the demo world) only
//! through [`Telemetry`]: it looks the connection up by its slug, checks the caller's role, and
//! hands back a [`Conn`] whose methods are the CloudWatch operations. The proxy (caching,
//! coalescing, quotas) will live inside this handle; callers will not change.
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

use crate::backend::identity::Caller;
use crate::domain::connection::{ApiCheck, AwsSettings, ConnectionSettings, DrillInfo};
use crate::domain::{ConnectionId, Role};
use crate::error::{AppError, AppResult};
pub use policy::SourcePolicy;
pub use secrets::SecretCipher;

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
        Self {
            inner: Arc::new(Inner {
                db,
                policy,
                cipher,
                aws,
                live: Mutex::new(HashMap::new()),
            }),
        }
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

    /// The connection `id` for `caller`, who must hold at least `needed` (viewer for reads).
    pub async fn conn(&self, caller: &Caller, id: &ConnectionId, needed: Role) -> AppResult<Conn> {
        let user = caller.require(needed)?;
        let (source, _) = self.source(id).await?;
        Ok(Conn {
            id: id.clone(),
            role: user.role,
            cx: CallContext::new(user.email.as_str()),
            source,
        })
    }

    /// For the server's own work (alarm bookkeeping): no caller, full read access.
    pub async fn system_conn(&self, id: &ConnectionId) -> AppResult<Conn> {
        let (source, _) = self.source(id).await?;
        Ok(Conn {
            id: id.clone(),
            role: Role::Viewer,
            cx: CallContext::system(),
            source,
        })
    }

    /// Forgets a cached source (after an admin changed or removed the connection here; other
    /// replicas notice within a few seconds).
    pub async fn forget(&self, id: &ConnectionId) {
        self.lock().remove(id);
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
    source: Arc<dyn Source>,
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
    ($($name:ident($input:ty) -> $output:ty;)*) => {
        $(
            pub async fn $name(&self, input: $input) -> AppResult<$output> {
                Ok(self.source.$name(&self.cx, input).await?)
            }
        )*
    };
}

macro_rules! writes {
    ($($name:ident($input:ty) -> $output:ty;)*) => {
        $(
            /// A change: needs the editor role.
            pub async fn $name(&self, input: $input) -> AppResult<$output> {
                self.need(Role::Editor)?;
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

    reads! {
        get_metric_data(GetMetricDataInput) -> GetMetricDataOutput;
        list_metrics(ListMetricsInput) -> ListMetricsOutput;
        describe_alarms(DescribeAlarmsInput) -> DescribeAlarmsOutput;
        describe_alarms_for_metric(DescribeAlarmsForMetricInput) -> DescribeAlarmsForMetricOutput;
        describe_alarm_history(DescribeAlarmHistoryInput) -> DescribeAlarmHistoryOutput;
        list_dashboards(ListDashboardsInput) -> ListDashboardsOutput;
        get_dashboard(GetDashboardInput) -> GetDashboardOutput;
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
    }

    writes! {
        put_dashboard(PutDashboardInput) -> PutDashboardOutput;
        put_query_definition(QueryDefinition) -> PutQueryDefinitionOutput;
        delete_query_definition(DeleteQueryDefinitionInput) -> DeleteQueryDefinitionOutput;
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
