//! Fuzzes the evaluator: any query that parses must run over a few events (JSON, nested,
//! arrays, plain text) without panicking; unsupported commands and bad regexes are errors.
//! Queries with `diff` also run with a time range, so its earlier period is exercised.
#![no_main]

use insights::eval::{run, LogEvent, RunOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(q) = insights::parse(src) else { return };
    let events = vec![
        LogEvent::new(
            1_704_103_200_000,
            r#"{"level":"error","d":12.5,"s":"a b","n":{"x":[1,"y",{"z":null}]},"ip":"10.0.0.1","t":"2024-01-01T00:00:00Z"}"#,
        ),
        LogEvent::new(1_704_103_260_000, r#"{"level":"info","d":"7","s":"","n":{"x":[]}}"#),
        LogEvent::new(-5, "2024-01-01T10:00:00Z GET /x 500 12ms"),
        LogEvent::new(i64::MAX, "{broken json"),
        // The plain-text types with discovered fields: Lambda, VPC flow logs, Route 53.
        LogEvent::new(
            1_704_103_200_500,
            "REPORT RequestId: a-1\tDuration: 1.5 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: x ms",
        ),
        LogEvent::new(1_704_103_200_600, "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 5 6 ACCEPT OK"),
        LogEvent::new(1_704_103_200_700, "1.0 2024-01-01T10:00:00.000Z Z1 example.com A NOERROR UDP FRA6 192.0.2.1 -"),
    ];
    let opts = RunOptions {
        threads: 1,
        now_ms: 0,
        ..RunOptions::default()
    };
    // `diff` needs a range: run it over the first two minutes (the earlier period is before).
    if insights::eval::diff_range(&q, 0, 1).is_some() {
        let ranged = RunOptions {
            start: Some(1_704_103_200_000),
            end: Some(1_704_103_320_000),
            ..opts.clone()
        };
        let _ = run(&q, events.clone(), &ranged);
    }
    let _ = run(&q, events, &opts);
});
