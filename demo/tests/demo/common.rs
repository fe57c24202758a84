//! Shared helpers: a pinned clock, query polling, metric queries.

use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::{CallContext, Source};
use demo::{DemoConfig, DemoSource};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::macros::datetime;
use time::OffsetDateTime;

pub const ANCHOR: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

pub fn cx() -> CallContext {
    CallContext::new("tester@example.com")
}

/// A settable clock (epoch milliseconds).
#[derive(Clone)]
pub struct Clock(pub Arc<AtomicI64>);

impl Clock {
    pub fn set(&self, t: OffsetDateTime) {
        self.0.store((t.unix_timestamp_nanos() / 1_000_000) as i64, Ordering::SeqCst);
    }
}

pub fn config(seed: u64) -> DemoConfig {
    DemoConfig {
        seed,
        anchor: ANCHOR,
        version: 1,
        volume: 1.0,
        quotas: false,
        latency_ms: 0,
        error_rate: 0.0,
    }
}

pub fn source_with(config: DemoConfig, now: OffsetDateTime) -> (DemoSource, Clock) {
    let clock = Clock(Arc::new(AtomicI64::new(0)));
    clock.set(now);
    let c = clock.clone();
    let src = DemoSource::new(config).with_clock(Arc::new(move || {
        OffsetDateTime::from_unix_timestamp_nanos(c.0.load(Ordering::SeqCst) as i128 * 1_000_000).unwrap()
    }));
    (src, clock)
}

pub fn source(seed: u64, now: OffsetDateTime) -> DemoSource {
    source_with(config(seed), now).0
}

pub fn secs(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

pub fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Runs a Logs Insights query to its end.
pub async fn query(src: &DemoSource, groups: &[&str], start: OffsetDateTime, end: OffsetDateTime, q: &str) -> GetQueryResultsOutput {
    let id = src
        .start_query(
            &cx(),
            StartQueryInput {
                log_group_names: groups.iter().map(|s| s.to_string()).collect(),
                start_time: secs(start),
                end_time: secs(end) - 1,
                query_string: q.into(),
                limit: Some(10_000),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .query_id;
    loop {
        let r = src.get_query_results(&cx(), QueryIdInput { query_id: id.clone() }).await.unwrap();
        if r.status.is_final() {
            assert_eq!(r.status, QueryStatus::Complete, "{r:?}");
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

pub fn field<'a>(row: &'a [ResultField], name: &str) -> Option<&'a str> {
    row.iter().find(|f| f.field == name).map(|f| f.value.as_str())
}

pub fn stat_query(id: &str, metric: Metric, stat: &str, period: i64) -> MetricDataQuery {
    MetricDataQuery {
        id: id.into(),
        metric_stat: Some(MetricStat {
            metric,
            period,
            stat: stat.into(),
            unit: None,
        }),
        ..Default::default()
    }
}

pub fn gmd_input(queries: Vec<MetricDataQuery>, start: OffsetDateTime, end: OffsetDateTime) -> GetMetricDataInput {
    GetMetricDataInput {
        metric_data_queries: queries,
        start_time: start,
        end_time: end,
        next_token: None,
        scan_by: Some(ScanBy::TimestampAscending),
        max_datapoints: None,
        label_options: None,
    }
}

/// One series as (epoch seconds, value), ascending.
pub async fn series(
    src: &DemoSource,
    metric: Metric,
    stat: &str,
    period: i64,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Vec<(i64, f64)> {
    let out = src
        .get_metric_data(&cx(), gmd_input(vec![stat_query("m1", metric, stat, period)], start, end))
        .await
        .unwrap();
    let r = &out.metric_data_results[0];
    let mut v: Vec<(i64, f64)> = r
        .timestamps
        .iter()
        .map(|t| t.unix_timestamp())
        .zip(r.values.iter().copied())
        .collect();
    v.sort_by_key(|p| p.0);
    v
}

pub fn checkout_tg(name: &str) -> Metric {
    Metric::new(
        "AWS/ApplicationELB",
        name,
        &[
            ("LoadBalancer", "app/shop-alb/5c0ffee0d15ea5e1"),
            ("TargetGroup", "targetgroup/checkout/0badc0de12345678"),
        ],
    )
}

/// Every event FilterLogEvents returns for a pattern, following nextToken.
pub async fn filter_all(src: &DemoSource, group: &str, pattern: &str, start: OffsetDateTime, end: OffsetDateTime) -> Vec<FilteredLogEvent> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = src
            .filter_log_events(
                &cx(),
                FilterLogEventsInput {
                    log_group_name: Some(group.into()),
                    start_time: Some(millis(start)),
                    end_time: Some(millis(end) - 1),
                    filter_pattern: Some(pattern.into()),
                    next_token: token.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        out.extend(r.events);
        match r.next_token {
            Some(t) => token = Some(t),
            None => return out,
        }
    }
}

/// `2026-11-22 09:20:00.000` (Logs Insights' bin output) → epoch seconds.
pub fn parse_bin(s: &str) -> i64 {
    let t = time::PrimitiveDateTime::parse(
        &s[..19],
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    )
    .unwrap();
    t.assume_utc().unix_timestamp()
}
