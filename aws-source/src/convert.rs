//! Between the `cloudwatch` shapes and the SDK's. CloudWatch times are `DateTime` ↔
//! `OffsetDateTime`; Logs times stay epoch seconds / milliseconds as both sides have them.

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types as cwt;
use aws_sdk_cloudwatchlogs::types as lt;
use cloudwatch::alarms::*;
use cloudwatch::dashboards::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::SourceError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::OffsetDateTime;

type Result<T> = std::result::Result<T, SourceError>;

// ---- scalars ----------------------------------------------------------------------------------

pub(crate) fn to_datetime(t: OffsetDateTime) -> DateTime {
    DateTime::from_nanos(t.unix_timestamp_nanos()).unwrap_or_else(|_| DateTime::from_secs(t.unix_timestamp()))
}

pub(crate) fn from_datetime(d: &DateTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(d.as_nanos()).ok()
}

/// An `i64` field the SDK holds as `i32`.
pub(crate) fn int(field: &str, v: Option<i64>) -> Result<Option<i32>> {
    v.map(|v| i32::try_from(v).map_err(|_| SourceError::invalid_parameter(format!("{field} {v} is out of range"))))
        .transpose()
}

/// One of our serde enums from AWS's text (`ALARM`, `MetricAlarm`, ...); `None` when new to us.
pub(crate) fn ours<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}

/// AWS's text for one of our serde enums.
pub(crate) fn aws_name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    if v.is_empty() {
        None
    } else {
        Some(v)
    }
}

// ---- metrics ----------------------------------------------------------------------------------

pub(crate) fn dimension_to_sdk(d: Dimension) -> Result<cwt::Dimension> {
    Ok(cwt::Dimension::builder().name(d.name).value(d.value).build())
}

fn dimension_from_sdk(d: cwt::Dimension) -> Dimension {
    Dimension {
        name: d.name.unwrap_or_default(),
        value: d.value.unwrap_or_default(),
    }
}

pub(crate) fn metric_to_sdk(m: Metric) -> Result<cwt::Metric> {
    Ok(cwt::Metric::builder()
        .set_namespace(m.namespace)
        .set_metric_name(m.metric_name)
        .set_dimensions(non_empty(m.dimensions.into_iter().map(dimension_to_sdk).collect::<Result<_>>()?))
        .build())
}

pub(crate) fn metric_from_sdk(m: cwt::Metric) -> Metric {
    Metric {
        namespace: m.namespace,
        metric_name: m.metric_name,
        dimensions: m.dimensions.unwrap_or_default().into_iter().map(dimension_from_sdk).collect(),
    }
}

pub(crate) fn query_to_sdk(q: MetricDataQuery) -> Result<cwt::MetricDataQuery> {
    let metric_stat = match q.metric_stat {
        Some(ms) => Some(
            cwt::MetricStat::builder()
                .metric(metric_to_sdk(ms.metric)?)
                .period(int("Period", Some(ms.period))?.unwrap_or_default())
                .stat(ms.stat)
                .set_unit(ms.unit.as_deref().map(cwt::StandardUnit::from))
                .build(),
        ),
        None => None,
    };
    Ok(cwt::MetricDataQuery::builder()
        .id(q.id)
        .set_metric_stat(metric_stat)
        .set_expression(q.expression)
        .set_label(q.label)
        .set_return_data(q.return_data)
        .set_period(int("Period", q.period)?)
        .set_account_id(q.account_id)
        .build())
}

fn query_from_sdk(q: cwt::MetricDataQuery) -> MetricDataQuery {
    MetricDataQuery {
        id: q.id.unwrap_or_default(),
        metric_stat: q.metric_stat.map(|ms| MetricStat {
            metric: ms.metric.map(metric_from_sdk).unwrap_or_default(),
            period: ms.period.map(i64::from).unwrap_or_default(),
            stat: ms.stat.unwrap_or_default(),
            unit: ms.unit.map(|u| u.as_str().to_string()),
        }),
        expression: q.expression,
        label: q.label,
        return_data: q.return_data,
        period: q.period.map(i64::from),
        account_id: q.account_id,
    }
}

fn message_from_sdk(m: cwt::MessageData) -> MessageData {
    MessageData {
        code: m.code,
        value: m.value,
    }
}

pub(crate) fn metric_data_result_from_sdk(r: cwt::MetricDataResult) -> MetricDataResult {
    MetricDataResult {
        id: r.id.unwrap_or_default(),
        label: r.label.unwrap_or_default(),
        timestamps: r.timestamps.unwrap_or_default().iter().filter_map(from_datetime).collect(),
        values: r.values.unwrap_or_default(),
        // A status new to us is reported as an error rather than as complete data.
        status_code: r
            .status_code
            .map(|s| ours(s.as_str()).unwrap_or(StatusCode::InternalError))
            .unwrap_or_default(),
        messages: r.messages.unwrap_or_default().into_iter().map(message_from_sdk).collect(),
    }
}

pub(crate) fn messages_from_sdk(m: Option<Vec<cwt::MessageData>>) -> Vec<MessageData> {
    m.unwrap_or_default().into_iter().map(message_from_sdk).collect()
}

pub(crate) fn dimension_filter_to_sdk(d: DimensionFilter) -> Result<cwt::DimensionFilter> {
    Ok(cwt::DimensionFilter::builder().name(d.name).set_value(d.value).build())
}

// ---- alarms -----------------------------------------------------------------------------------

pub(crate) fn alarm_type_to_sdk(t: AlarmType) -> cwt::AlarmType {
    cwt::AlarmType::from(aws_name(&t).as_str())
}

pub(crate) fn state_to_sdk(s: StateValue) -> cwt::StateValue {
    cwt::StateValue::from(s.as_str())
}

fn opt_dt(d: Option<DateTime>) -> Option<OffsetDateTime> {
    d.as_ref().and_then(from_datetime)
}

pub(crate) fn metric_alarm_from_sdk(a: cwt::MetricAlarm) -> MetricAlarm {
    MetricAlarm {
        alarm_name: a.alarm_name.unwrap_or_default(),
        alarm_arn: a.alarm_arn.unwrap_or_default(),
        alarm_description: a.alarm_description,
        alarm_configuration_updated_timestamp: opt_dt(a.alarm_configuration_updated_timestamp),
        actions_enabled: a.actions_enabled.unwrap_or_default(),
        ok_actions: a.ok_actions.unwrap_or_default(),
        alarm_actions: a.alarm_actions.unwrap_or_default(),
        insufficient_data_actions: a.insufficient_data_actions.unwrap_or_default(),
        state_value: a.state_value.and_then(|s| ours(s.as_str())),
        state_reason: a.state_reason,
        state_reason_data: a.state_reason_data,
        state_updated_timestamp: opt_dt(a.state_updated_timestamp),
        state_transitioned_timestamp: opt_dt(a.state_transitioned_timestamp),
        metric_name: a.metric_name,
        namespace: a.namespace,
        statistic: a.statistic.map(|s| s.as_str().to_string()),
        extended_statistic: a.extended_statistic,
        dimensions: a.dimensions.unwrap_or_default().into_iter().map(dimension_from_sdk).collect(),
        period: a.period.map(i64::from),
        unit: a.unit.map(|u| u.as_str().to_string()),
        evaluation_periods: a.evaluation_periods.map(i64::from),
        datapoints_to_alarm: a.datapoints_to_alarm.map(i64::from),
        threshold: a.threshold,
        comparison_operator: a.comparison_operator.and_then(|c| ours(c.as_str())),
        treat_missing_data: a.treat_missing_data,
        metrics: a.metrics.unwrap_or_default().into_iter().map(query_from_sdk).collect(),
        threshold_metric_id: a.threshold_metric_id,
    }
}

pub(crate) fn composite_alarm_from_sdk(a: cwt::CompositeAlarm) -> CompositeAlarm {
    CompositeAlarm {
        alarm_name: a.alarm_name.unwrap_or_default(),
        alarm_arn: a.alarm_arn.unwrap_or_default(),
        alarm_description: a.alarm_description,
        alarm_rule: a.alarm_rule.unwrap_or_default(),
        actions_enabled: a.actions_enabled.unwrap_or_default(),
        ok_actions: a.ok_actions.unwrap_or_default(),
        alarm_actions: a.alarm_actions.unwrap_or_default(),
        insufficient_data_actions: a.insufficient_data_actions.unwrap_or_default(),
        state_value: a.state_value.and_then(|s| ours(s.as_str())),
        state_reason: a.state_reason,
        state_updated_timestamp: opt_dt(a.state_updated_timestamp),
        state_transitioned_timestamp: opt_dt(a.state_transitioned_timestamp),
    }
}

/// `None` for items Watchpost has no shape for (e.g. a newer alarm type).
pub(crate) fn history_item_from_sdk(h: cwt::AlarmHistoryItem) -> Option<AlarmHistoryItem> {
    Some(AlarmHistoryItem {
        alarm_name: h.alarm_name.unwrap_or_default(),
        alarm_type: match h.alarm_type {
            Some(t) => ours(t.as_str())?,
            None => AlarmType::MetricAlarm,
        },
        timestamp: opt_dt(h.timestamp)?,
        history_item_type: ours(h.history_item_type?.as_str())?,
        history_summary: h.history_summary.unwrap_or_default(),
        history_data: h.history_data,
    })
}

// ---- dashboards -------------------------------------------------------------------------------

pub(crate) fn dashboard_entry_from_sdk(d: cwt::DashboardEntry) -> DashboardEntry {
    DashboardEntry {
        dashboard_name: d.dashboard_name.unwrap_or_default(),
        dashboard_arn: d.dashboard_arn.unwrap_or_default(),
        last_modified: opt_dt(d.last_modified),
        size: d.size.unwrap_or_default(),
    }
}

pub(crate) fn validation_message_from_sdk(m: cwt::DashboardValidationMessage) -> DashboardValidationMessage {
    DashboardValidationMessage {
        data_path: m.data_path,
        message: m.message.unwrap_or_default(),
    }
}

// ---- logs -------------------------------------------------------------------------------------

pub(crate) fn log_group_from_sdk(g: lt::LogGroup) -> LogGroup {
    LogGroup {
        log_group_name: g.log_group_name.unwrap_or_default(),
        arn: g.arn,
        creation_time: g.creation_time,
        retention_in_days: g.retention_in_days.map(i64::from),
        metric_filter_count: g.metric_filter_count.map(i64::from),
        #[allow(deprecated)]
        stored_bytes: g.stored_bytes,
        log_group_class: g.log_group_class.map(|c| c.as_str().to_string()),
    }
}

pub(crate) fn query_status_from_sdk(s: Option<lt::QueryStatus>) -> QueryStatus {
    s.and_then(|s| ours(s.as_str())).unwrap_or(QueryStatus::Unknown)
}

pub(crate) fn statistics_from_sdk(s: Option<lt::QueryStatistics>) -> QueryStatistics {
    s.map(|s| QueryStatistics {
        records_matched: s.records_matched,
        records_scanned: s.records_scanned,
        bytes_scanned: s.bytes_scanned,
        log_groups_scanned: s.log_groups_scanned,
    })
    .unwrap_or_default()
}

pub(crate) fn result_field_from_sdk(f: lt::ResultField) -> ResultField {
    ResultField {
        field: f.field.unwrap_or_default(),
        value: f.value.unwrap_or_default(),
    }
}

pub(crate) fn output_event_from_sdk(e: lt::OutputLogEvent) -> OutputLogEvent {
    OutputLogEvent {
        timestamp: e.timestamp.unwrap_or_default(),
        message: e.message.unwrap_or_default(),
        ingestion_time: e.ingestion_time.unwrap_or_default(),
    }
}

pub(crate) fn filtered_event_from_sdk(e: lt::FilteredLogEvent) -> FilteredLogEvent {
    FilteredLogEvent {
        log_stream_name: e.log_stream_name.unwrap_or_default(),
        timestamp: e.timestamp.unwrap_or_default(),
        message: e.message.unwrap_or_default(),
        ingestion_time: e.ingestion_time.unwrap_or_default(),
        event_id: e.event_id.unwrap_or_default(),
    }
}

pub(crate) fn live_tail_update_from_sdk(u: lt::LiveTailSessionUpdate) -> LiveTailUpdate {
    LiveTailUpdate {
        sampled: u.session_metadata.map(|m| m.sampled).unwrap_or_default(),
        session_results: u
            .session_results
            .unwrap_or_default()
            .into_iter()
            .map(|e| LiveTailSessionLogEvent {
                log_stream_name: e.log_stream_name.unwrap_or_default(),
                log_group_identifier: e.log_group_identifier.unwrap_or_default(),
                message: e.message.unwrap_or_default(),
                timestamp: e.timestamp.unwrap_or_default(),
                ingestion_time: e.ingestion_time.unwrap_or_default(),
            })
            .collect(),
    }
}

pub(crate) fn query_definition_from_sdk(d: lt::QueryDefinition) -> QueryDefinition {
    QueryDefinition {
        query_definition_id: d.query_definition_id,
        name: d.name.unwrap_or_default(),
        query_string: d.query_string.unwrap_or_default(),
        last_modified: d.last_modified,
        log_group_names: d.log_group_names.unwrap_or_default(),
        query_language: d.query_language.map(|l| l.as_str().to_string()),
    }
}

/// Only Logs Insights QL runs here: `SQL`, `PPL` and anything else are refused before AWS is called.
pub(crate) fn check_query_language(language: Option<&str>) -> Result<Option<lt::QueryLanguage>> {
    match language.map(str::trim) {
        None | Some("") => Ok(None),
        Some(l) if l.eq_ignore_ascii_case("CWLI") => Ok(Some(lt::QueryLanguage::Cwli)),
        Some(other) => Err(SourceError::unsupported(format!(
            "queryLanguage `{other}` is not supported: Watchpost runs Logs Insights QL queries only \
             (leave queryLanguage out or set it to CWLI)"
        ))),
    }
}

pub(crate) fn non_empty_strings(v: Vec<String>) -> Option<Vec<String>> {
    non_empty(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudwatch::ErrorKind;

    #[test]
    fn only_cwli_queries_are_accepted() {
        assert_eq!(check_query_language(None).ok(), Some(None));
        assert_eq!(check_query_language(Some("CWLI")).ok(), Some(Some(lt::QueryLanguage::Cwli)));
        assert_eq!(check_query_language(Some("cwli")).ok(), Some(Some(lt::QueryLanguage::Cwli)));
        for refused in ["SQL", "PPL", "sql", "Kusto"] {
            let err = check_query_language(Some(refused))
                .err()
                .unwrap_or_else(|| panic!("{refused} accepted"));
            assert_eq!(err.kind, ErrorKind::Unsupported);
            assert!(err.message.contains(refused) && err.message.contains("CWLI"), "{}", err.message);
        }
    }

    #[test]
    fn times_round_trip_to_the_nanosecond() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_763_806_800_123_456_789).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(from_datetime(&to_datetime(t)), Some(t));
        assert_eq!(to_datetime(t).secs(), 1_763_806_800);
    }

    #[test]
    fn enums_use_aws_text() {
        assert_eq!(aws_name(&StateValue::InsufficientData), "INSUFFICIENT_DATA");
        assert_eq!(ours::<StateValue>("ALARM"), Some(StateValue::Alarm));
        assert_eq!(ours::<ScanBy>("TimestampAscending"), Some(ScanBy::TimestampAscending));
        assert_eq!(ours::<QueryStatus>("Timeout"), Some(QueryStatus::Timeout));
        assert_eq!(ours::<StateValue>("SOMETHING_NEW"), None);
        assert_eq!(alarm_type_to_sdk(AlarmType::CompositeAlarm), cwt::AlarmType::CompositeAlarm);
        assert_eq!(
            int("MaxRecords", Some(i64::MAX)).err().map(|e| e.code),
            Some("InvalidParameterValue".to_string())
        );
    }
}
