//! The source interface: one async trait, implemented by the demo world and the AWS SDKs.
//! Nothing above it knows which one answers.

use async_trait::async_trait;
use futures_core::Stream;
use std::pin::Pin;

use crate::alarms::*;
use crate::dashboards::*;
use crate::logs::*;
use crate::metrics::*;
use crate::SourceError;

pub type Result<T> = std::result::Result<T, SourceError>;

/// A Live Tail session: one update about every second until dropped.
pub type LiveTailStream = Pin<Box<dyn Stream<Item = Result<LiveTailUpdate>> + Send + 'static>>;

/// Who is asking, for the upstream's own records (the AWS source names its assumed-role sessions
/// after it, so CloudTrail shows who asked) and for the demo's audit of drills.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallContext {
    /// `user@example.com`, or `watchpost` for the server's own work.
    pub principal: String,
}

impl CallContext {
    pub fn new(principal: impl Into<String>) -> Self {
        Self {
            principal: principal.into(),
        }
    }

    /// The server acting on its own (alarm evaluation, scheduled work).
    pub fn system() -> Self {
        Self::new("watchpost")
    }
}

/// An AWS account and Region: the scope of CloudWatch's API quotas.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountRegion {
    pub account: String,
    pub region: String,
}

/// Every CloudWatch and CloudWatch Logs read Watchpost makes, plus the few writes (dashboards,
/// query definitions). Implementations validate as CloudWatch does and answer with its error codes.
#[async_trait]
pub trait Source: Send + Sync + 'static {
    /// `demo` or `aws`.
    fn kind(&self) -> &'static str;

    /// The AWS account and Region the source answers for (STS `GetCallerIdentity` for AWS), so
    /// that two connections to one account share its quotas. `None` when it cannot be known.
    async fn account(&self, _cx: &CallContext) -> Result<Option<AccountRegion>> {
        Ok(None)
    }

    async fn get_metric_data(&self, cx: &CallContext, input: GetMetricDataInput) -> Result<GetMetricDataOutput>;
    async fn list_metrics(&self, cx: &CallContext, input: ListMetricsInput) -> Result<ListMetricsOutput>;

    async fn describe_alarms(&self, cx: &CallContext, input: DescribeAlarmsInput) -> Result<DescribeAlarmsOutput>;
    async fn describe_alarms_for_metric(
        &self,
        cx: &CallContext,
        input: DescribeAlarmsForMetricInput,
    ) -> Result<DescribeAlarmsForMetricOutput>;
    async fn describe_alarm_history(&self, cx: &CallContext, input: DescribeAlarmHistoryInput) -> Result<DescribeAlarmHistoryOutput>;

    async fn list_dashboards(&self, cx: &CallContext, input: ListDashboardsInput) -> Result<ListDashboardsOutput>;
    async fn get_dashboard(&self, cx: &CallContext, input: GetDashboardInput) -> Result<GetDashboardOutput>;
    async fn put_dashboard(&self, cx: &CallContext, input: PutDashboardInput) -> Result<PutDashboardOutput>;

    async fn describe_log_groups(&self, cx: &CallContext, input: DescribeLogGroupsInput) -> Result<DescribeLogGroupsOutput>;
    async fn get_log_group_fields(&self, cx: &CallContext, input: GetLogGroupFieldsInput) -> Result<GetLogGroupFieldsOutput>;
    async fn start_query(&self, cx: &CallContext, input: StartQueryInput) -> Result<StartQueryOutput>;
    async fn get_query_results(&self, cx: &CallContext, input: QueryIdInput) -> Result<GetQueryResultsOutput>;
    async fn stop_query(&self, cx: &CallContext, input: QueryIdInput) -> Result<StopQueryOutput>;
    async fn get_log_record(&self, cx: &CallContext, input: GetLogRecordInput) -> Result<GetLogRecordOutput>;
    async fn get_log_events(&self, cx: &CallContext, input: GetLogEventsInput) -> Result<GetLogEventsOutput>;
    async fn filter_log_events(&self, cx: &CallContext, input: FilterLogEventsInput) -> Result<FilterLogEventsOutput>;
    async fn start_live_tail(&self, cx: &CallContext, input: StartLiveTailInput) -> Result<LiveTailStream>;

    async fn describe_query_definitions(
        &self,
        cx: &CallContext,
        input: DescribeQueryDefinitionsInput,
    ) -> Result<DescribeQueryDefinitionsOutput>;
    async fn put_query_definition(&self, cx: &CallContext, input: QueryDefinition) -> Result<PutQueryDefinitionOutput>;
    async fn delete_query_definition(&self, cx: &CallContext, input: DeleteQueryDefinitionInput) -> Result<DeleteQueryDefinitionOutput>;
}
