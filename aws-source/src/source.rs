//! [`AwsSource`]: the CloudWatch and CloudWatch Logs SDK clients behind `cloudwatch::Source`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;
use aws_config::identity::IdentityCache;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_cloudwatch::types as cwt;
use aws_sdk_cloudwatchlogs::types as lt;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::endpoint::EndpointPrefix;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use cloudwatch::alarms::*;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::{CallContext, LiveTailStream, Source, SourceError};

use crate::config::{AwsSourceConfig, Credentials};
use crate::convert::*;
use crate::errors::{map_sdk_error, service_error, Call};
use crate::session::role_session_name;

type Result<T> = std::result::Result<T, SourceError>;

/// Most per-principal client pairs kept for an AssumeRole connection (least recently used go).
pub const MAX_PRINCIPALS: usize = 256;

/// The two SDK clients for one set of credentials. Cheap to clone (shared inner state).
#[derive(Clone, Debug)]
struct Clients {
    cloudwatch: aws_sdk_cloudwatch::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
}

/// The AWS source for one connection. Clients are built once and reused; with
/// [`Credentials::AssumeRole`] there is one client pair per principal (the role session is named
/// after them), at most [`MAX_PRINCIPALS`].
pub struct AwsSource {
    connection: String,
    monitoring_endpoint: String,
    logs_endpoint: String,
    clients: ClientSet,
    /// Whose quotas the source spends: STS for long-lived credentials, or the role's own ARN.
    account: AccountSource,
}

enum AccountSource {
    /// Asks STS `GetCallerIdentity` with the connection's own credentials.
    Sts(aws_sdk_sts::Client, String),
    /// An assumed role: the account is in its ARN.
    Known(cloudwatch::AccountRegion),
    Unknown,
}

enum ClientSet {
    Shared(Clients),
    PerPrincipal(Box<PerPrincipal>),
}

/// What builds a principal's clients, and the ones built.
struct PerPrincipal {
    /// Region, HTTP client, timeouts, retries, and the (lazy) default credentials chain.
    sdk: SdkConfig,
    /// For STS (AssumeRole): `sdk` with the STS endpoint override, if any.
    sts: SdkConfig,
    /// For profile credentials (the base of an AssumeRole).
    provider_config: ProviderConfig,
    endpoint_url: Option<String>,
    credentials: Credentials,
    /// Built clients per principal, with when they were last used.
    built: Mutex<HashMap<String, (Clients, Instant)>>,
}

impl std::fmt::Debug for AwsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSource")
            .field("connection", &self.connection)
            .field("monitoring_endpoint", &self.monitoring_endpoint)
            .field("logs_endpoint", &self.logs_endpoint)
            .finish_non_exhaustive()
    }
}

impl AwsSource {
    /// Builds the clients (no call to AWS is made here: credentials are resolved on first use).
    pub async fn new(config: AwsSourceConfig) -> Result<Self> {
        Self::with_sts_endpoint(config, None).await
    }

    /// As [`AwsSource::new`], with STS (AssumeRole) at `sts_endpoint_url` instead of the regional
    /// STS endpoint: a VPC endpoint, or a stub in tests. `endpoint_url` never applies to STS.
    pub async fn with_sts_endpoint(config: AwsSourceConfig, sts_endpoint_url: Option<String>) -> Result<Self> {
        if config.region.trim().is_empty() {
            return Err(SourceError::missing_parameter("the connection has no AWS region"));
        }
        let region = config.region.trim().to_string();
        let monitoring_endpoint = config
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("https://monitoring.{region}.amazonaws.com"));
        let logs_endpoint = config
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("https://logs.{region}.amazonaws.com"));

        // rustls with ring (not aws-lc), as the rest of the workspace.
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .build_https();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(config.timeouts.connect)
            .operation_attempt_timeout(config.timeouts.attempt)
            .operation_timeout(config.timeouts.operation)
            .build();
        let loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            .http_client(http.clone())
            .timeout_config(timeouts.clone())
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        // Always with the default chain: it is lazy (nothing is read or called until it is used) and
        // is also the base of AssumeRole connections without a profile.
        let sdk = loader.load().await;
        let provider_config = ProviderConfig::default()
            .with_region(Some(Region::new(region)))
            .with_http_client(http)
            .with_timeout_config(timeouts)
            .with_behavior_version(Some(BehaviorVersion::latest()));
        let sts = match &sts_endpoint_url {
            Some(url) => sdk.clone().into_builder().endpoint_url(url.clone()).build(),
            None => sdk.clone(),
        };

        let region_name = config.region.trim().to_string();
        let mut account = AccountSource::Unknown;
        let clients = match &config.credentials {
            Credentials::AssumeRole { role_arn, .. } => {
                if let Some(id) = role_arn
                    .split(':')
                    .nth(4)
                    .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
                {
                    account = AccountSource::Known(cloudwatch::AccountRegion {
                        account: id.to_string(),
                        region: region_name.clone(),
                    });
                }
                ClientSet::PerPrincipal(Box::new(PerPrincipal {
                    sdk,
                    sts,
                    provider_config,
                    endpoint_url: config.endpoint_url,
                    credentials: config.credentials.clone(),
                    built: Mutex::new(HashMap::new()),
                }))
            }
            other => {
                let provider = plain_provider(other, &sdk, &provider_config);
                let mut sts_conf = aws_sdk_sts::config::Builder::from(&sts).credentials_provider(provider.clone());
                if let (None, Some(url)) = (&sts_endpoint_url, &config.endpoint_url) {
                    // An emulator (or a VPC endpoint set for everything) answers STS too.
                    sts_conf = sts_conf.endpoint_url(url);
                }
                account = AccountSource::Sts(aws_sdk_sts::Client::from_conf(sts_conf.build()), region_name.clone());
                ClientSet::Shared(build_clients(&sdk, config.endpoint_url.as_deref(), provider, false))
            }
        };
        tracing::debug!(connection = %config.connection, %monitoring_endpoint, "AWS source ready");
        Ok(Self {
            connection: config.connection,
            monitoring_endpoint,
            logs_endpoint,
            clients,
            account,
        })
    }

    /// Wraps clients built elsewhere (tests with `aws-smithy-mocks`, or an app that builds its own).
    pub fn from_clients(
        connection: impl Into<String>,
        cloudwatch: aws_sdk_cloudwatch::Client,
        logs: aws_sdk_cloudwatchlogs::Client,
    ) -> Self {
        Self {
            connection: connection.into(),
            monitoring_endpoint: "the CloudWatch endpoint".into(),
            logs_endpoint: "the CloudWatch Logs endpoint".into(),
            clients: ClientSet::Shared(Clients { cloudwatch, logs }),
            account: AccountSource::Unknown,
        }
    }

    /// The connection slug.
    pub fn connection(&self) -> &str {
        &self.connection
    }

    async fn clients(&self, cx: &CallContext) -> Result<Clients> {
        match &self.clients {
            ClientSet::Shared(c) => Ok(c.clone()),
            ClientSet::PerPrincipal(pp) => pp.clients(&cx.principal).await,
        }
    }

    fn cw(&self, action: &'static str) -> Call<'_> {
        Call {
            action,
            endpoint: &self.monitoring_endpoint,
        }
    }

    fn logs_call(&self, action: &'static str) -> Call<'_> {
        Call {
            action,
            endpoint: &self.logs_endpoint,
        }
    }
}

impl PerPrincipal {
    async fn clients(&self, principal: &str) -> Result<Clients> {
        if let Some((clients, used)) = self.lock().get_mut(principal) {
            *used = Instant::now();
            return Ok(clients.clone());
        }
        let provider = principal_provider(&self.credentials, principal, self).await;
        // Each principal's clients get their own identity cache: the shared one keeps 64 partitions.
        let clients = build_clients(&self.sdk, self.endpoint_url.as_deref(), provider, true);
        let mut built = self.lock();
        if let Some((existing, used)) = built.get_mut(principal) {
            // Another call built them meanwhile: keep one set, so one cache.
            *used = Instant::now();
            return Ok(existing.clone());
        }
        if built.len() >= MAX_PRINCIPALS {
            if let Some(oldest) = built.iter().min_by_key(|(_, (_, used))| *used).map(|(p, _)| p.clone()) {
                built.remove(&oldest);
            }
        }
        built.insert(principal.to_string(), (clients.clone(), Instant::now()));
        Ok(clients)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Clients, Instant)>> {
        // A panic elsewhere while holding the lock leaves a usable map: recover it.
        self.built.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn build_clients(sdk: &SdkConfig, endpoint_url: Option<&str>, provider: SharedCredentialsProvider, own_cache: bool) -> Clients {
    let mut cw = aws_sdk_cloudwatch::config::Builder::from(sdk).credentials_provider(provider.clone());
    let mut logs = aws_sdk_cloudwatchlogs::config::Builder::from(sdk).credentials_provider(provider);
    if let Some(url) = endpoint_url {
        cw = cw.endpoint_url(url);
        logs = logs.endpoint_url(url);
        if host_takes_no_prefix(url) {
            logs = logs.interceptor(NoHostPrefix);
        }
    }
    if own_cache {
        cw = cw.identity_cache(IdentityCache::lazy().build());
        logs = logs.identity_cache(IdentityCache::lazy().build());
    }
    Clients {
        cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cw.build()),
        logs: aws_sdk_cloudwatchlogs::Client::from_conf(logs.build()),
    }
}

/// StartLiveTail goes to `stream-<endpoint host>` (SDK host prefix injection). An IP address or
/// `localhost` (the emulator in tests) cannot take a prefix, so there the prefix is dropped; real
/// endpoint host names keep the SDK's behaviour.
fn host_takes_no_prefix(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok()
}

/// Removes the host prefix an operation asked for (see [`host_takes_no_prefix`]).
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "WatchpostNoHostPrefix"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        cfg.interceptor_state().unset::<EndpointPrefix>();
        Ok(())
    }
}

/// Credentials that do not depend on who asks.
fn plain_provider(credentials: &Credentials, sdk: &SdkConfig, provider_config: &ProviderConfig) -> SharedCredentialsProvider {
    match credentials {
        // `loader.load()` always sets the default chain; never panic if it did not.
        Credentials::DefaultChain => sdk
            .credentials_provider()
            .unwrap_or_else(|| SharedCredentialsProvider::new(FailingProvider)),
        Credentials::Profile { name } => SharedCredentialsProvider::new(
            ProfileFileCredentialsProvider::builder()
                .configure(provider_config)
                .profile_name(name)
                .build(),
        ),
        Credentials::Static {
            access_key_id,
            secret_access_key,
            session_token,
        } => SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
            access_key_id,
            secret_access_key,
            session_token.clone(),
            None,
            "watchpost",
        )),
        // Handled by `principal_provider`.
        Credentials::AssumeRole { .. } => SharedCredentialsProvider::new(FailingProvider),
    }
}

/// Credentials for `principal`: AssumeRole with the session named after them (nested roles too).
fn principal_provider<'a>(
    credentials: &'a Credentials,
    principal: &'a str,
    pp: &'a PerPrincipal,
) -> Pin<Box<dyn Future<Output = SharedCredentialsProvider> + Send + 'a>> {
    Box::pin(async move {
        match credentials {
            Credentials::AssumeRole {
                role_arn,
                external_id,
                base,
            } => {
                let base = principal_provider(base, principal, pp).await;
                let mut builder = AssumeRoleProvider::builder(role_arn.clone())
                    .session_name(role_session_name(principal))
                    .configure(&pp.sts);
                if let Some(id) = external_id {
                    builder = builder.external_id(id.clone());
                }
                SharedCredentialsProvider::new(builder.build_from_provider(base).await)
            }
            other => plain_provider(other, &pp.sdk, &pp.provider_config),
        }
    })
}

/// Stands in where a provider cannot be built; answers "not loaded".
#[derive(Debug)]
struct FailingProvider;

impl aws_credential_types::provider::ProvideCredentials for FailingProvider {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::not_loaded("no credentials configured"),
        ))
    }
}

#[async_trait]
impl Source for AwsSource {
    fn kind(&self) -> &'static str {
        "aws"
    }

    async fn account(&self, _cx: &CallContext) -> Result<Option<cloudwatch::AccountRegion>> {
        match &self.account {
            AccountSource::Known(a) => Ok(Some(a.clone())),
            AccountSource::Unknown => Ok(None),
            AccountSource::Sts(client, region) => {
                let out = client
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| SourceError::new(cloudwatch::ErrorKind::Unavailable, "GetCallerIdentity", e.to_string()))?;
                Ok(out.account().map(|a| cloudwatch::AccountRegion {
                    account: a.to_string(),
                    region: region.clone(),
                }))
            }
        }
    }

    async fn get_metric_data(&self, cx: &CallContext, input: GetMetricDataInput) -> Result<GetMetricDataOutput> {
        let call = self.cw("cloudwatch:GetMetricData");
        let queries = input
            .metric_data_queries
            .into_iter()
            .map(query_to_sdk)
            .collect::<Result<Vec<_>>>()?;
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .get_metric_data()
            .set_metric_data_queries(Some(queries))
            .start_time(to_datetime(input.start_time))
            .end_time(to_datetime(input.end_time))
            .set_next_token(input.next_token)
            .set_scan_by(input.scan_by.map(|s| cwt::ScanBy::from(aws_name(&s).as_str())))
            .set_max_datapoints(int("MaxDatapoints", input.max_datapoints)?)
            .set_label_options(
                input
                    .label_options
                    .map(|l| cwt::LabelOptions::builder().set_timezone(l.timezone).build()),
            )
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(GetMetricDataOutput {
            metric_data_results: out
                .metric_data_results
                .unwrap_or_default()
                .into_iter()
                .map(metric_data_result_from_sdk)
                .collect(),
            next_token: out.next_token,
            messages: messages_from_sdk(out.messages),
        })
    }

    async fn list_metrics(&self, cx: &CallContext, input: ListMetricsInput) -> Result<ListMetricsOutput> {
        let call = self.cw("cloudwatch:ListMetrics");
        let dimensions = input
            .dimensions
            .into_iter()
            .map(dimension_filter_to_sdk)
            .collect::<Result<Vec<_>>>()?;
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .list_metrics()
            .set_namespace(input.namespace)
            .set_metric_name(input.metric_name)
            .set_dimensions(if dimensions.is_empty() { None } else { Some(dimensions) })
            .set_next_token(input.next_token)
            .set_recently_active(input.recently_active.as_deref().map(cwt::RecentlyActive::from))
            .set_include_linked_accounts(input.include_linked_accounts)
            .set_owning_account(input.owning_account)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(ListMetricsOutput {
            metrics: out.metrics.unwrap_or_default().into_iter().map(metric_from_sdk).collect(),
            owning_accounts: out.owning_accounts.unwrap_or_default(),
            next_token: out.next_token,
        })
    }

    async fn describe_alarms(&self, cx: &CallContext, input: DescribeAlarmsInput) -> Result<DescribeAlarmsOutput> {
        let call = self.cw("cloudwatch:DescribeAlarms");
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(non_empty_strings(input.alarm_names))
            .set_alarm_name_prefix(input.alarm_name_prefix)
            .set_alarm_types(if input.alarm_types.is_empty() {
                None
            } else {
                Some(input.alarm_types.into_iter().map(alarm_type_to_sdk).collect())
            })
            .set_state_value(input.state_value.map(state_to_sdk))
            .set_action_prefix(input.action_prefix)
            .set_max_records(int("MaxRecords", input.max_records)?)
            .set_next_token(input.next_token)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(DescribeAlarmsOutput {
            metric_alarms: out
                .metric_alarms
                .unwrap_or_default()
                .into_iter()
                .map(metric_alarm_from_sdk)
                .collect(),
            composite_alarms: out
                .composite_alarms
                .unwrap_or_default()
                .into_iter()
                .map(composite_alarm_from_sdk)
                .collect(),
            next_token: out.next_token,
        })
    }

    async fn describe_alarms_for_metric(
        &self,
        cx: &CallContext,
        input: DescribeAlarmsForMetricInput,
    ) -> Result<DescribeAlarmsForMetricOutput> {
        let call = self.cw("cloudwatch:DescribeAlarmsForMetric");
        let dimensions = input.dimensions.into_iter().map(dimension_to_sdk).collect::<Result<Vec<_>>>()?;
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .describe_alarms_for_metric()
            .metric_name(input.metric_name)
            .namespace(input.namespace)
            .set_statistic(input.statistic.as_deref().map(cwt::Statistic::from))
            .set_extended_statistic(input.extended_statistic)
            .set_dimensions(if dimensions.is_empty() { None } else { Some(dimensions) })
            .set_period(int("Period", input.period)?)
            .set_unit(input.unit.as_deref().map(cwt::StandardUnit::from))
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(DescribeAlarmsForMetricOutput {
            metric_alarms: out
                .metric_alarms
                .unwrap_or_default()
                .into_iter()
                .map(metric_alarm_from_sdk)
                .collect(),
        })
    }

    async fn describe_alarm_history(&self, cx: &CallContext, input: DescribeAlarmHistoryInput) -> Result<DescribeAlarmHistoryOutput> {
        let call = self.cw("cloudwatch:DescribeAlarmHistory");
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .describe_alarm_history()
            .set_alarm_name(input.alarm_name)
            .set_alarm_types(if input.alarm_types.is_empty() {
                None
            } else {
                Some(input.alarm_types.into_iter().map(alarm_type_to_sdk).collect())
            })
            .set_history_item_type(input.history_item_type.map(|t| cwt::HistoryItemType::from(aws_name(&t).as_str())))
            .set_start_date(input.start_date.map(to_datetime))
            .set_end_date(input.end_date.map(to_datetime))
            .set_max_records(int("MaxRecords", input.max_records)?)
            .set_next_token(input.next_token)
            .set_scan_by(input.scan_by.map(|s| cwt::ScanBy::from(aws_name(&s).as_str())))
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(DescribeAlarmHistoryOutput {
            alarm_history_items: out
                .alarm_history_items
                .unwrap_or_default()
                .into_iter()
                .filter_map(history_item_from_sdk)
                .collect(),
            next_token: out.next_token,
        })
    }

    async fn list_dashboards(&self, cx: &CallContext, input: ListDashboardsInput) -> Result<ListDashboardsOutput> {
        let call = self.cw("cloudwatch:ListDashboards");
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .list_dashboards()
            .set_dashboard_name_prefix(input.dashboard_name_prefix)
            .set_next_token(input.next_token)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(ListDashboardsOutput {
            dashboard_entries: out
                .dashboard_entries
                .unwrap_or_default()
                .into_iter()
                .map(dashboard_entry_from_sdk)
                .collect(),
            next_token: out.next_token,
        })
    }

    async fn get_dashboard(&self, cx: &CallContext, input: GetDashboardInput) -> Result<GetDashboardOutput> {
        let call = self.cw("cloudwatch:GetDashboard");
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .get_dashboard()
            .dashboard_name(&input.dashboard_name)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(GetDashboardOutput {
            dashboard_name: out.dashboard_name.unwrap_or(input.dashboard_name),
            dashboard_arn: out.dashboard_arn.unwrap_or_default(),
            dashboard_body: out.dashboard_body.unwrap_or_default(),
        })
    }

    async fn put_dashboard(&self, cx: &CallContext, input: PutDashboardInput) -> Result<PutDashboardOutput> {
        use aws_sdk_cloudwatch::operation::put_dashboard::PutDashboardError;
        let call = self.cw("cloudwatch:PutDashboard");
        let out = self
            .clients(cx)
            .await?
            .cloudwatch
            .put_dashboard()
            .dashboard_name(input.dashboard_name)
            .dashboard_body(input.dashboard_body)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                // Say what is wrong with the body, not only that something is.
                Some(PutDashboardError::DashboardInvalidInputError(invalid)) => {
                    let mut err = service_error(invalid, call);
                    let details: Vec<String> = invalid
                        .dashboard_validation_messages()
                        .iter()
                        .map(|m| match m.data_path() {
                            Some(path) => format!("{path}: {}", m.message().unwrap_or_default()),
                            None => m.message().unwrap_or_default().to_string(),
                        })
                        .collect();
                    if !details.is_empty() {
                        err = SourceError::new(err.kind, err.code, format!("{} ({})", err.message, details.join("; ")));
                    }
                    err
                }
                _ => map_sdk_error(e, call),
            })?;
        Ok(PutDashboardOutput {
            dashboard_validation_messages: out
                .dashboard_validation_messages
                .unwrap_or_default()
                .into_iter()
                .map(validation_message_from_sdk)
                .collect(),
        })
    }

    async fn describe_log_groups(&self, cx: &CallContext, input: DescribeLogGroupsInput) -> Result<DescribeLogGroupsOutput> {
        let call = self.logs_call("logs:DescribeLogGroups");
        let out = self
            .clients(cx)
            .await?
            .logs
            .describe_log_groups()
            .set_log_group_name_prefix(input.log_group_name_prefix)
            .set_log_group_name_pattern(input.log_group_name_pattern)
            .set_next_token(input.next_token)
            .set_limit(int("limit", input.limit)?)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(DescribeLogGroupsOutput {
            log_groups: out.log_groups.unwrap_or_default().into_iter().map(log_group_from_sdk).collect(),
            next_token: out.next_token,
        })
    }

    async fn get_log_group_fields(&self, cx: &CallContext, input: GetLogGroupFieldsInput) -> Result<GetLogGroupFieldsOutput> {
        let call = self.logs_call("logs:GetLogGroupFields");
        let out = self
            .clients(cx)
            .await?
            .logs
            .get_log_group_fields()
            .set_log_group_name(input.log_group_name)
            .set_log_group_identifier(input.log_group_identifier)
            .set_time(input.time)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(GetLogGroupFieldsOutput {
            log_group_fields: out
                .log_group_fields
                .unwrap_or_default()
                .into_iter()
                .map(|f| LogGroupField {
                    name: f.name.unwrap_or_default(),
                    percent: i64::from(f.percent),
                })
                .collect(),
        })
    }

    async fn start_query(&self, cx: &CallContext, input: StartQueryInput) -> Result<StartQueryOutput> {
        let call = self.logs_call("logs:StartQuery");
        // Refused before AWS is called.
        let language = check_query_language(input.query_language.as_deref())?;
        let out = self
            .clients(cx)
            .await?
            .logs
            .start_query()
            .set_log_group_name(input.log_group_name)
            .set_log_group_names(non_empty_strings(input.log_group_names))
            .set_log_group_identifiers(non_empty_strings(input.log_group_identifiers))
            .start_time(input.start_time)
            .end_time(input.end_time)
            .query_string(input.query_string)
            .set_limit(int("limit", input.limit)?)
            .set_query_language(language)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        match out.query_id {
            Some(query_id) => Ok(StartQueryOutput { query_id }),
            None => Err(SourceError::internal("StartQuery answered without a queryId")),
        }
    }

    async fn get_query_results(&self, cx: &CallContext, input: QueryIdInput) -> Result<GetQueryResultsOutput> {
        let call = self.logs_call("logs:GetQueryResults");
        let out = self
            .clients(cx)
            .await?
            .logs
            .get_query_results()
            .query_id(input.query_id)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(GetQueryResultsOutput {
            results: out
                .results
                .unwrap_or_default()
                .into_iter()
                .map(|row| row.into_iter().map(result_field_from_sdk).collect())
                .collect(),
            statistics: statistics_from_sdk(out.statistics),
            status: query_status_from_sdk(out.status),
            query_language: out.query_language.map(|l| l.as_str().to_string()),
        })
    }

    async fn stop_query(&self, cx: &CallContext, input: QueryIdInput) -> Result<StopQueryOutput> {
        let call = self.logs_call("logs:StopQuery");
        let out = self
            .clients(cx)
            .await?
            .logs
            .stop_query()
            .query_id(input.query_id)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(StopQueryOutput { success: out.success })
    }

    async fn get_log_record(&self, cx: &CallContext, input: GetLogRecordInput) -> Result<GetLogRecordOutput> {
        let call = self.logs_call("logs:GetLogRecord");
        let out = self
            .clients(cx)
            .await?
            .logs
            .get_log_record()
            .log_record_pointer(input.log_record_pointer)
            .set_unmask(input.unmask)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(GetLogRecordOutput {
            log_record: out.log_record.unwrap_or_default().into_iter().collect(),
        })
    }

    async fn get_log_events(&self, cx: &CallContext, input: GetLogEventsInput) -> Result<GetLogEventsOutput> {
        let call = self.logs_call("logs:GetLogEvents");
        let out = self
            .clients(cx)
            .await?
            .logs
            .get_log_events()
            .set_log_group_name(input.log_group_name)
            .set_log_group_identifier(input.log_group_identifier)
            .log_stream_name(input.log_stream_name)
            .set_start_time(input.start_time)
            .set_end_time(input.end_time)
            .set_next_token(input.next_token)
            .set_limit(int("limit", input.limit)?)
            .set_start_from_head(input.start_from_head)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(GetLogEventsOutput {
            events: out.events.unwrap_or_default().into_iter().map(output_event_from_sdk).collect(),
            next_forward_token: out.next_forward_token,
            next_backward_token: out.next_backward_token,
        })
    }

    async fn filter_log_events(&self, cx: &CallContext, input: FilterLogEventsInput) -> Result<FilterLogEventsOutput> {
        let call = self.logs_call("logs:FilterLogEvents");
        let out = self
            .clients(cx)
            .await?
            .logs
            .filter_log_events()
            .set_log_group_name(input.log_group_name)
            .set_log_group_identifier(input.log_group_identifier)
            .set_log_stream_names(non_empty_strings(input.log_stream_names))
            .set_log_stream_name_prefix(input.log_stream_name_prefix)
            .set_start_time(input.start_time)
            .set_end_time(input.end_time)
            .set_filter_pattern(input.filter_pattern)
            .set_next_token(input.next_token)
            .set_limit(int("limit", input.limit)?)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(FilterLogEventsOutput {
            events: out.events.unwrap_or_default().into_iter().map(filtered_event_from_sdk).collect(),
            next_token: out.next_token,
        })
    }

    async fn start_live_tail(&self, cx: &CallContext, input: StartLiveTailInput) -> Result<LiveTailStream> {
        let call = self.logs_call("logs:StartLiveTail");
        let out = self
            .clients(cx)
            .await?
            .logs
            .start_live_tail()
            .set_log_group_identifiers(Some(input.log_group_identifiers))
            .set_log_stream_names(non_empty_strings(input.log_stream_names))
            .set_log_stream_name_prefixes(non_empty_strings(input.log_stream_name_prefixes))
            .set_log_event_filter_pattern(input.log_event_filter_pattern)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        let endpoint = self.logs_endpoint.clone();
        // State: the receiver, or None once an error was yielded (the stream then ends).
        let stream = futures_util::stream::unfold(Some(out.response_stream), move |receiver| {
            let endpoint = endpoint.clone();
            async move {
                let mut receiver = receiver?;
                let call = Call {
                    action: "logs:StartLiveTail",
                    endpoint: &endpoint,
                };
                loop {
                    match receiver.recv().await {
                        Ok(Some(lt::StartLiveTailResponseStream::SessionUpdate(update))) => {
                            return Some((Ok(live_tail_update_from_sdk(update)), Some(receiver)));
                        }
                        // SessionStart (and event kinds newer than this SDK) carry no log events.
                        Ok(Some(_)) => continue,
                        Ok(None) => return None,
                        Err(e) => return Some((Err(map_sdk_error(e, call)), None)),
                    }
                }
            }
        });
        Ok(Box::pin(stream))
    }

    async fn describe_query_definitions(
        &self,
        cx: &CallContext,
        input: DescribeQueryDefinitionsInput,
    ) -> Result<DescribeQueryDefinitionsOutput> {
        let call = self.logs_call("logs:DescribeQueryDefinitions");
        let out = self
            .clients(cx)
            .await?
            .logs
            .describe_query_definitions()
            .set_query_definition_name_prefix(input.query_definition_name_prefix)
            .set_max_results(int("maxResults", input.max_results)?)
            .set_next_token(input.next_token)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(DescribeQueryDefinitionsOutput {
            query_definitions: out
                .query_definitions
                .unwrap_or_default()
                .into_iter()
                .map(query_definition_from_sdk)
                .collect(),
            next_token: out.next_token,
        })
    }

    async fn put_query_definition(&self, cx: &CallContext, input: QueryDefinition) -> Result<PutQueryDefinitionOutput> {
        let call = self.logs_call("logs:PutQueryDefinition");
        let out = self
            .clients(cx)
            .await?
            .logs
            .put_query_definition()
            .set_query_definition_id(input.query_definition_id)
            .name(input.name)
            .query_string(input.query_string)
            .set_log_group_names(non_empty_strings(input.log_group_names))
            .set_query_language(input.query_language.as_deref().map(lt::QueryLanguage::from))
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        match out.query_definition_id {
            Some(query_definition_id) => Ok(PutQueryDefinitionOutput { query_definition_id }),
            None => Err(SourceError::internal("PutQueryDefinition answered without a queryDefinitionId")),
        }
    }

    async fn delete_query_definition(&self, cx: &CallContext, input: DeleteQueryDefinitionInput) -> Result<DeleteQueryDefinitionOutput> {
        let call = self.logs_call("logs:DeleteQueryDefinition");
        let out = self
            .clients(cx)
            .await?
            .logs
            .delete_query_definition()
            .query_definition_id(input.query_definition_id)
            .send()
            .await
            .map_err(|e| map_sdk_error(e, call))?;
        Ok(DeleteQueryDefinitionOutput { success: out.success })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn assume_role_over_the_default_chain_has_a_base() {
        let config = AwsSourceConfig {
            credentials: Credentials::AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/r".into(),
                external_id: None,
                base: Box::new(Credentials::DefaultChain),
            },
            ..AwsSourceConfig::new("c", "eu-west-1")
        };
        let source = match AwsSource::new(config).await {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        match &source.clients {
            ClientSet::PerPrincipal(pp) => {
                let chain = pp.sdk.credentials_provider().map(|p| format!("{p:?}")).unwrap_or_default();
                assert!(chain.contains("DefaultCredentialsChain"), "{chain}");
            }
            ClientSet::Shared(_) => panic!("AssumeRole must build clients per principal"),
        }
    }

    #[test]
    fn only_ip_and_localhost_endpoints_drop_the_host_prefix() {
        for url in [
            "http://127.0.0.1:4566",
            "http://localhost:1",
            "https://[::1]:443/x",
            "http://10.0.0.1",
        ] {
            assert!(host_takes_no_prefix(url), "{url}");
        }
        for url in [
            "https://logs.us-east-1.amazonaws.com",
            "https://vpce-1.logs.eu-west-1.vpce.amazonaws.com:443",
        ] {
            assert!(!host_takes_no_prefix(url), "{url}");
        }
    }
}
