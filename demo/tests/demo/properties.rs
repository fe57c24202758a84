//! Never panic on any input: the public surface under arbitrary inputs.

use crate::common::*;
use cloudwatch::logs::*;
use cloudwatch::metrics::*;
use cloudwatch::Source;
use proptest::prelude::*;
use time::Duration;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn filter_log_events_never_panics(pattern in ".{0,40}", token in proptest::option::of(".{0,20}"), limit in proptest::option::of(-5i64..20_000), span in -600_000i64..600_000) {
        let src = source(1, ANCHOR);
        let start = millis(ANCHOR) - 120_000;
        let _ = rt().block_on(src.filter_log_events(&cx(), FilterLogEventsInput {
            log_group_name: Some("/ecs/checkout".into()),
            start_time: Some(start),
            end_time: Some(start + span),
            filter_pattern: Some(pattern),
            next_token: token,
            limit,
            ..Default::default()
        }));
    }

    #[test]
    fn start_query_and_log_record_never_panic(q in ".{0,60}", s in -10i64..4_000_000_000, len in -100i64..100_000, ptr in ".{0,24}") {
        let src = source(1, ANCHOR);
        let rt = rt();
        let r = rt.block_on(src.start_query(&cx(), StartQueryInput { log_group_name: Some("/ecs/worker".into()), start_time: s, end_time: s.saturating_add(len), query_string: q, ..Default::default() }));
        if let Ok(id) = r {
            let _ = rt.block_on(src.stop_query(&cx(), QueryIdInput { query_id: id.query_id }));
        }
        let _ = rt.block_on(src.get_log_record(&cx(), GetLogRecordInput { log_record_pointer: ptr, unmask: None }));
        let _ = rt.block_on(src.get_log_events(&cx(), GetLogEventsInput { log_group_name: Some("/ecs/worker".into()), log_stream_name: "ecs/worker/0123456789abcdef0123456789abcdef".into(), start_time: Some(millis(ANCHOR) - 600_000), next_token: Some(format!("f/{}/2", s % 40_000_000)), limit: Some(5), ..Default::default() }));
    }

    #[test]
    fn get_metric_data_never_panics(stat in "[A-Za-z0-9().:%]{0,10}", period in -100i64..100_000, back in 0i64..500_000, dims in proptest::collection::vec(("[A-Za-z]{0,8}", "[a-z/0-9]{0,10}"), 0..3)) {
        let src = source(1, ANCHOR);
        let metric = Metric { namespace: Some("AWS/ECS".into()), metric_name: Some("CPUUtilization".into()), dimensions: dims.into_iter().map(|(n, v)| Dimension::new(n, v)).collect() };
        let input = gmd_input(vec![stat_query("m1", metric, &stat, period)], ANCHOR - Duration::seconds(back), ANCHOR);
        let _ = rt().block_on(src.get_metric_data(&cx(), input));
    }
}
