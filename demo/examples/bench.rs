//! `cargo run --release -p demo --example bench`
//!
//! GetMetricData of 500 queries × 3 h at 60 s (time, allocations), a 3-hour and a 24-hour Logs
//! Insights query over the busiest demo log group (time, records/s), and the memory of a
//! DemoSource at rest (RSS before and after construction).

use cloudwatch::alarms::{DescribeAlarmHistoryInput, DescribeAlarmsInput};
use cloudwatch::logs::{QueryIdInput, StartQueryInput};
use cloudwatch::metrics::{GetMetricDataInput, MetricDataQuery, MetricStat, ScanBy};
use cloudwatch::{CallContext, Source};
use demo::{DemoConfig, DemoSource};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn insights(src: &DemoSource, group: &str, hours: i64, q: &str) -> (Duration, f64, usize) {
    let cx = CallContext::system();
    let now = OffsetDateTime::now_utc();
    let t = Instant::now();
    let id = src
        .start_query(
            &cx,
            StartQueryInput {
                log_group_name: Some(group.into()),
                start_time: (now - time::Duration::hours(hours)).unix_timestamp(),
                end_time: now.unix_timestamp(),
                query_string: q.into(),
                ..Default::default()
            },
        )
        .await
        .expect("start")
        .query_id;
    loop {
        let r = src
            .get_query_results(&cx, QueryIdInput { query_id: id.clone() })
            .await
            .expect("results");
        if r.status.is_final() {
            return (t.elapsed(), r.statistics.records_scanned, r.results.len());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let cx = CallContext::system();
        let anchor = OffsetDateTime::now_utc() - time::Duration::minutes(10);
        let before = rss_kib();
        let src = DemoSource::new(DemoConfig {
            seed: 1,
            anchor,
            quotas: false,
            ..DemoConfig::default()
        });
        let after = rss_kib();
        println!(
            "memory at rest: RSS {before} KiB before construction, {after} KiB after (+{} KiB)",
            after.saturating_sub(before)
        );

        // 500 queries × 3 h at 60 s over the catalogue, mixing statistics.
        let cat = demo::metrics::catalogue();
        let stats = ["Average", "Sum", "p99", "Maximum", "SampleCount"];
        let queries: Vec<MetricDataQuery> = (0..500)
            .map(|i| MetricDataQuery {
                id: format!("q{i}"),
                metric_stat: Some(MetricStat {
                    metric: cat[i % cat.len()].metric.clone(),
                    period: 60,
                    stat: stats[(i / cat.len()) % stats.len()].into(),
                    unit: None,
                }),
                ..Default::default()
            })
            .collect();
        let now = OffsetDateTime::now_utc();
        let input = GetMetricDataInput {
            metric_data_queries: queries,
            start_time: now - time::Duration::hours(3),
            end_time: now,
            next_token: None,
            scan_by: Some(ScanBy::TimestampDescending),
            max_datapoints: None,
            label_options: None,
        };
        for round in ["cold", "warm"] {
            let reg = Region::new(GLOBAL);
            let t = Instant::now();
            let out = src.get_metric_data(&cx, input.clone()).await.expect("GetMetricData");
            let el = t.elapsed();
            let ch = reg.change();
            let points: usize = out.metric_data_results.iter().map(|r| r.values.len()).sum();
            println!(
                "GetMetricData 500 queries x 3 h @ 60 s ({round}): {:.1} ms, {points} datapoints, {} allocations ({:.1} MiB allocated)",
                el.as_secs_f64() * 1e3,
                ch.allocations + ch.reallocations,
                ch.bytes_allocated as f64 / 1_048_576.0
            );
        }
        let q = "filter ispresent(statusCode) | stats count(*) as n, avg(durationMs) as avg, pct(durationMs, 99) as p99 by bin(5m)";
        for group in ["/ecs/web", "/aws/alb/shop-alb/access-logs"] {
            for hours in [3, 24] {
                let query = if group.starts_with("/ecs") {
                    q
                } else {
                    "stats count(*) by bin(5m)"
                };
                let (el, n, rows) = insights(&src, group, hours, query).await;
                println!(
                    "Logs Insights {hours:>2} h over {group}: {:.0} ms, {n} records scanned ({:.0} records/s), {rows} rows",
                    el.as_secs_f64() * 1e3,
                    n / el.as_secs_f64()
                );
            }
        }
        for round in ["cold", "warm"] {
            let t = Instant::now();
            let a = src
                .describe_alarms(
                    &cx,
                    DescribeAlarmsInput {
                        max_records: Some(100),
                        ..Default::default()
                    },
                )
                .await
                .expect("alarms");
            let da = t.elapsed();
            let t = Instant::now();
            let mut n = 0;
            let mut token = None;
            loop {
                let h = src
                    .describe_alarm_history(
                        &cx,
                        DescribeAlarmHistoryInput {
                            next_token: token.clone(),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("history");
                n += h.alarm_history_items.len();
                token = h.next_token;
                if token.is_none() {
                    break;
                }
            }
            println!(
                "DescribeAlarms ({round}, {} alarms): {:.0} ms; DescribeAlarmHistory, 30 days, all pages ({round}): {n} items, {:.0} ms",
                a.metric_alarms.len(),
                da.as_secs_f64() * 1e3,
                t.elapsed().as_secs_f64() * 1e3
            );
        }
        println!("RSS after the runs: {} KiB", rss_kib());
    });
}
