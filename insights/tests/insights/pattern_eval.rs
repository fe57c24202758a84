//! `pattern` and `diff` run by the engine: the documentation's own examples as golden tests,
//! composition with the pipeline, and `diff`'s earlier periods. Every query runs with 1 and 2
//! worker threads and must agree (`run_q`).
//!
//! Pages: CWL_AnalyzeLogData_Patterns (the DynamoDB example), CWL_QuerySyntax-Pattern (the
//! `[INFO] Request time: 327 ms` example and the three example queries), CWL_QuerySyntax-Diff and
//! CWL_AnalyzeLogData_Compare (the periods). All under
//! https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
#![cfg(feature = "eval")]
#![allow(clippy::unwrap_used)]

use crate::common::ev::{ev, opts, run_q, T0};
use insights::eval::{diff_range, run, EvalError, LogEvent, RunOptions};

#[test]
fn pattern_analysis_page_example() {
    // "In the previous sample, all three log events follow one pattern:
    //  <Time-1> [INFO] Calling DynamoDB to store for resource id <ID-2>"
    let evs = vec![
        ev(
            1,
            "2023-01-01 19:00:01 [INFO] Calling DynamoDB to store for resource id 12342342k124-12345",
        ),
        ev(
            2,
            "2023-01-01 19:00:02 [INFO] Calling DynamoDB to store for resource id 324892398123-12345",
        ),
        ev(
            3,
            "2023-01-01 19:00:03 [INFO] Calling DynamoDB to store for resource id 3ff231242342-12345",
        ),
    ];
    assert_eq!(
        run_q("pattern @message", evs),
        vec!["@pattern=<Time-1> [INFO] Calling DynamoDB to store for resource id <ID-2>, @ratio=1, @sampleCount=3, @severityLabel=Info"]
    );
}

fn error_log() -> Vec<LogEvent> {
    vec![
        ev(1, "[INFO] Request time: 327 ms"),
        ev(2, "[ERROR] Failed to do: connect to 10.0.0.1:5432"),
        ev(3, "[INFO] Request time: 12 ms"),
        ev(4, "[ERROR] Failed to do: connect to 10.0.0.2:5432"),
        ev(5, "[INFO] Request time: 5 ms"),
        ev(6, "[ERROR] Failed to do: read config file"),
        ev(7, "[INFO] Request time: 8 ms"),
    ]
}

#[test]
fn pattern_page_examples() {
    // "[INFO] Request time: <*> ms is a potential output for the log message
    //  [INFO] Request time: 327 ms" — the page's newer version names the token by its type.
    assert_eq!(
        run_q("pattern @message", error_log()),
        vec![
            "@pattern=[INFO] Request time: <Number-1> ms, @ratio=0.5714, @sampleCount=4, @severityLabel=Info",
            "@pattern=[ERROR] Failed to do: connect to <IP-1>, @ratio=0.2857, @sampleCount=2, @severityLabel=Error",
            "@pattern=[ERROR] Failed to do: read config file, @ratio=0.1429, @sampleCount=1, @severityLabel=Error",
        ]
    );
    // "The pattern command can be combined with the filter command"
    assert_eq!(
        run_q("filter @message like /ERROR/ | pattern @message", error_log()),
        vec![
            "@pattern=[ERROR] Failed to do: connect to <IP-1>, @ratio=0.6667, @sampleCount=2, @severityLabel=Error",
            "@pattern=[ERROR] Failed to do: read config file, @ratio=0.3333, @sampleCount=1, @severityLabel=Error",
        ]
    );
    // "... with the parse and sort commands"
    assert_eq!(
        run_q(
            "filter @message like /ERROR/ | parse @message 'Failed to do: *' as cause | pattern cause | sort @sampleCount asc",
            error_log()
        ),
        vec![
            "@pattern=read config file, @ratio=0.3333, @sampleCount=1, @severityLabel=Unknown",
            "@pattern=connect to <IP-1>, @ratio=0.6667, @sampleCount=2, @severityLabel=Unknown",
        ]
    );
}

#[test]
fn pattern_composes_with_the_pipeline() {
    // A string function of the field; events where the field is missing are not clustered.
    assert_eq!(
        run_q(
            "fields tolower(@message) as m | filter @message like /INFO/ | pattern m | limit 1",
            error_log()
        ),
        vec!["@pattern=[info] request time: <Number-1> ms, @ratio=1, @sampleCount=4, @severityLabel=Info"]
    );
    assert_eq!(
        run_q(
            "parse @message 'Failed to do: *' as cause | pattern cause | display @pattern, @sampleCount",
            error_log()
        ),
        vec![
            "@pattern=connect to <IP-1>, @sampleCount=2",
            "@pattern=read config file, @sampleCount=1"
        ]
    );
    // Commands after `pattern` see its columns; a `stats` aggregates the patterns.
    assert_eq!(
        run_q(
            "pattern @message | filter @severityLabel = 'Error' | stats sum(@sampleCount) as n, count(*) as patterns by @severityLabel",
            error_log()
        ),
        vec!["@severityLabel=Error, n=3, patterns=2"]
    );
    // `fields` after it adds a column, as after `stats`.
    assert_eq!(
        run_q("pattern @message | fields @sampleCount * 10 as x | sort x | limit 1", error_log()),
        vec!["@pattern=[ERROR] Failed to do: read config file, @ratio=0.1429, @sampleCount=1, @severityLabel=Error, x=10"]
    );
    // `pattern` over rows a `sort | limit` kept.
    assert_eq!(
        run_q("sort @timestamp desc | limit 2 | pattern @message", error_log()),
        vec![
            "@pattern=[INFO] Request time: <Number-1> ms, @ratio=0.5, @sampleCount=1, @severityLabel=Info",
            "@pattern=[ERROR] Failed to do: read config file, @ratio=0.5, @sampleCount=1, @severityLabel=Error",
        ]
    );
    assert!(run_q("filter @message like /nothing/ | pattern @message", error_log()).is_empty());
}

const HOUR: i64 = 3_600_000;

/// Two hours of events: the first hour (the earlier period) and the second (the query range).
fn two_hours() -> Vec<LogEvent> {
    let at = |ms: i64, m: &str| LogEvent::new(T0 + ms, m);
    let mut v = Vec::new();
    for i in 0..4 {
        v.push(at(i * 60_000, &format!("[INFO] Request time: {} ms", 10 + i)));
    }
    v.push(at(120_000, "[WARN] cache miss for key user:17"));
    v.push(at(180_000, "[ERROR] Failed to do: connect to 10.0.0.1:5432"));
    for i in 0..6 {
        v.push(at(HOUR + i * 60_000, &format!("[INFO] Request time: {} ms", 20 + i)));
    }
    v.push(at(HOUR + 1000, "[ERROR] Failed to do: connect to 10.0.0.9:5432"));
    v.push(at(HOUR + 2000, "[ERROR] disk full on /dev/sda1"));
    v.push(at(HOUR - 1, "[ERROR] disk full on /dev/sda9"));
    v.push(at(2 * HOUR, "[ERROR] outside both periods"));
    v.push(at(-1, "[ERROR] before both periods"));
    v
}

fn run_range(q: &str, events: Vec<LogEvent>, start: i64, end: i64, threads: usize) -> Result<Vec<String>, EvalError> {
    let parsed = insights::parse(q).unwrap();
    let o = RunOptions {
        start: Some(start),
        end: Some(end),
        ..opts(threads)
    };
    let r = run(&parsed, events, &o)?;
    Ok(r.rows
        .iter()
        .map(|r| r.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "))
        .collect())
}

#[test]
fn diff_compares_with_the_previous_period() {
    let q = "diff";
    let got = run_range(q, two_hours(), T0 + HOUR, T0 + 2 * HOUR, 1).unwrap();
    assert_eq!(got, run_range(q, two_hours(), T0 + HOUR, T0 + 2 * HOUR, 2).unwrap());
    assert_eq!(
        got,
        vec![
            "@pattern=[INFO] Request time: <Number-1> ms, @ratio=0.75, @sampleCount=6, @severityLabel=Info, @previousSampleCount=4, @previousRatio=0.5714, @changeInSampleCount=2, @changeType=increased",
            "@pattern=[ERROR] Failed to do: connect to <IP-1>, @ratio=0.125, @sampleCount=1, @severityLabel=Error, @previousSampleCount=1, @previousRatio=0.1429, @changeInSampleCount=0, @changeType=unchanged",
            "@pattern=[ERROR] disk full on /dev/<Token-1>, @ratio=0.125, @sampleCount=1, @severityLabel=Error, @previousSampleCount=1, @previousRatio=0.1429, @changeInSampleCount=0, @changeType=unchanged",
            "@pattern=[WARN] cache miss for key user:17, @ratio=0, @sampleCount=0, @severityLabel=Warning, @previousSampleCount=1, @previousRatio=0.1429, @changeInSampleCount=-1, @changeType=gone",
        ]
    );
    // The pipeline before `diff` applies to both periods; `pattern x | diff` compares x.
    let got = run_range(
        "filter @message like /ERROR/ | pattern @message | diff | filter @changeType != 'unchanged'",
        two_hours(),
        T0 + HOUR,
        T0 + 2 * HOUR,
        2,
    )
    .unwrap();
    assert!(got.is_empty(), "{got:?}");
    let got = run_range(
        "diff | sort @changeInSampleCount desc | limit 1 | display @pattern, @changeInSampleCount",
        two_hours(),
        T0 + HOUR,
        T0 + 2 * HOUR,
        2,
    )
    .unwrap();
    assert_eq!(got, vec!["@pattern=[INFO] Request time: <Number-1> ms, @changeInSampleCount=2"]);
    // Nothing before: every pattern is new.
    let got = run_range("diff | display @changeType", two_hours(), T0 - HOUR, T0, 1).unwrap();
    assert_eq!(got, vec!["@changeType=new"]);
}

#[test]
fn diff_periods() {
    let (s, e) = (T0, T0 + HOUR);
    let q = |t: &str| insights::parse(t).unwrap();
    assert_eq!(diff_range(&q("diff"), s, e), Some((s - HOUR, s)));
    assert_eq!(diff_range(&q("diff previousDay"), s, e), Some((s - 24 * HOUR, e - 24 * HOUR)));
    assert_eq!(diff_range(&q("diff previousWeek"), s, e), Some((s - 168 * HOUR, e - 168 * HOUR)));
    assert_eq!(diff_range(&q("pattern @message"), s, e), None);
    // "the same time the preceding month": 2024-03-31 10:00 → 2024-02-29 10:00 (clamped).
    let mar31 = 1_711_879_200_000; // 2024-03-31T10:00:00Z
    let feb29 = 1_709_200_800_000; // 2024-02-29T10:00:00Z
    assert_eq!(
        diff_range(&q("diff previousMonth"), mar31, mar31 + HOUR),
        Some((feb29, feb29 + HOUR))
    );
    // January → December of the year before.
    let jan15 = 1_705_312_800_000; // 2024-01-15T10:00:00Z
    let dec15 = 1_702_634_400_000; // 2023-12-15T10:00:00Z
    assert_eq!(diff_range(&q("diff previousMonth"), jan15, jan15 + 1), Some((dec15, dec15 + 1)));
    // Extreme ranges do not overflow.
    let _ = diff_range(&q("diff previousMonth"), i64::MIN, i64::MAX);
    let _ = diff_range(&q("diff"), i64::MIN, i64::MAX);
}

#[test]
fn diff_needs_a_range_and_refuses_what_it_cannot_do() {
    let q = insights::parse("diff").unwrap();
    let e = run(&q, two_hours(), &opts(1)).unwrap_err();
    assert!(matches!(e, EvalError::Unsupported(_)), "{e}");
    // Overlapping periods: an event in both counts in both.
    let got = run_range(
        "diff previousDay | display @sampleCount, @previousSampleCount",
        two_hours(),
        T0,
        T0 + 48 * HOUR,
        1,
    )
    .unwrap();
    let sum = |i: usize, name: &str| -> u64 {
        got.iter()
            .map(|r| r.split(", ").nth(i).unwrap().trim_start_matches(name).parse::<u64>().unwrap())
            .sum()
    };
    // 16 events in [T0, T0 + 48h); 17 in the day before it, [T0 - 24h, T0 + 24h).
    assert_eq!((sum(0, "@sampleCount="), sum(1, "@previousSampleCount=")), (16, 17));
}

#[test]
fn fuzz_seeds_for_the_new_syntax_run() {
    // insights/fuzz/seeds/seeds_37.txt ... seeds_45.txt: `pattern` and `diff` queries (the last
    // one invalid on purpose). Those that parse must run over the usual events, with a range.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds");
    let mut ran = 0;
    for i in 37..=45 {
        let q = std::fs::read_to_string(format!("{dir}/seeds_{i}.txt")).unwrap();
        assert!(q.contains("pattern") || q.contains("diff"), "{q}");
        let Ok(parsed) = insights::parse(&q) else { continue };
        let o = RunOptions {
            start: Some(T0),
            end: Some(T0 + HOUR),
            ..opts(2)
        };
        run(&parsed, crate::common::ev::demo_events(), &o).unwrap_or_else(|e| panic!("{q}: {e}"));
        ran += 1;
    }
    assert_eq!(ran, 8);
}

#[test]
fn fuzz_seeds_for_the_parse_modes_run() {
    // insights/fuzz/seeds/seeds_46.txt ... seeds_54.txt: the Parse page's modes (regex `multi`,
    // logfmt, CSV, `json field=`) and chained `stats` with a capped bin; the last one is
    // invalid on purpose. Those that parse must run over the usual events.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds");
    let mut ran = 0;
    for i in 46..=54 {
        let q = std::fs::read_to_string(format!("{dir}/seeds_{i}.txt")).unwrap();
        let Ok(parsed) = insights::parse(&q) else {
            assert_eq!(i, 54, "seed {i} should parse: {q}");
            continue;
        };
        run(&parsed, crate::common::ev::demo_events(), &opts(2)).unwrap_or_else(|e| panic!("{q}: {e}"));
        ran += 1;
    }
    assert_eq!(ran, 8);
}
