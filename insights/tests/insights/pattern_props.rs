//! Properties of `pattern`: deterministic (the same lines in the same order give the same
//! patterns, however they are spread over workers and merged), bounded (never more patterns
//! than [`MAX_SIGNATURES`], whatever the input), and exact (every line is counted in exactly one
//! pattern; ratios sum to 1).
#![cfg(feature = "eval")]
#![allow(clippy::unwrap_used)]

use insights::eval::pattern::{Patterns, MAX_SIGNATURES};
use insights::eval::{run, LogEvent, RunOptions};
use proptest::prelude::*;

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "GET", "POST", "user", "ERROR", "info", "took", "ms", "failed", "ok", "cache", "miss"
        ])
        .prop_map(String::from),
        (0u32..100_000).prop_map(|n| n.to_string()),
        (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("10.0.{a}.{b}")),
        any::<u64>().prop_map(|n| format!("req-{n:016x}")),
        "[a-z]{1,6}",
        "[ -~]{0,8}",
        "\\PC{0,4}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(word(), 0..12),
        prop::sample::select(vec![" ", "\t", ", ", "=", "\":\"", "/"]),
    )
        .prop_map(|(ws, sep)| ws.join(sep))
}

fn finish(p: Patterns) -> Vec<(String, [u64; 2], &'static str)> {
    p.finish().into_iter().map(|r| (r.pattern, r.counts, r.severity.label())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn merging_any_partition_in_any_order_gives_the_same_patterns(
        lines in prop::collection::vec(line(), 0..120),
        parts in prop::collection::vec(0usize..4, 120),
        order in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
    ) {
        let mut one = Patterns::new();
        let mut four: Vec<Patterns> = (0..4).map(|_| Patterns::new()).collect();
        for (i, l) in lines.iter().enumerate() {
            one.add(l, i as u64, i % 3 == 0);
            four[parts[i]].add(l, i as u64, i % 3 == 0);
        }
        let mut merged = Patterns::new();
        let mut four: Vec<Option<Patterns>> = four.into_iter().map(Some).collect();
        for k in order {
            merged.merge(four[k].take().unwrap());
        }
        let a = finish(one);
        prop_assert_eq!(&a, &finish(merged));
        // Every line is counted once, in its period.
        let n = lines.len() as u64;
        let prev = lines.iter().enumerate().filter(|(i, _)| i % 3 == 0).count() as u64;
        prop_assert_eq!(a.iter().map(|r| r.1[0]).sum::<u64>(), n - prev);
        prop_assert_eq!(a.iter().map(|r| r.1[1]).sum::<u64>(), prev);
        prop_assert!(a.len() <= lines.len().max(1));
    }

    #[test]
    fn the_query_is_deterministic_counts_every_line_and_ratios_sum_to_one(
        lines in prop::collection::vec(line(), 1..200),
    ) {
        let events: Vec<LogEvent> = lines.iter().enumerate().map(|(i, l)| LogEvent::new(i as i64, l.clone())).collect();
        let q = insights::parse("pattern @message").unwrap();
        let o = |threads| RunOptions { threads, now_ms: 0, ..RunOptions::default() };
        let a = run(&q, events.clone(), &o(1)).unwrap();
        prop_assert_eq!(&a.rows, &run(&q, events.clone(), &o(1)).unwrap().rows);
        prop_assert_eq!(&a.rows, &run(&q, events, &o(3)).unwrap().rows);
        let get = |r: &Vec<(String, String)>, k: &str| r.iter().find(|f| f.0 == k).map(|f| f.1.parse::<f64>().unwrap()).unwrap();
        let counts: f64 = a.rows.iter().map(|r| get(r, "@sampleCount")).sum();
        prop_assert_eq!(counts, lines.len() as f64);
        let ratios: f64 = a.rows.iter().map(|r| get(r, "@ratio")).sum();
        // Each ratio is rounded to 4 decimals.
        prop_assert!((ratios - 1.0).abs() <= 0.00005 * a.rows.len() as f64 + 1e-9, "ratios sum to {}", ratios);
        prop_assert!(a.rows.len() <= MAX_SIGNATURES);
    }
}

#[test]
fn many_distinct_lines_stay_bounded_and_counted() {
    // Distinct words defeat masking: the signatures coarsen instead of growing.
    let mut p = Patterns::new();
    let n = 3 * MAX_SIGNATURES as u64;
    for i in 0..n {
        let w: String = format!("{i:x}")
            .chars()
            .map(|c| (b'g' + c.to_digit(16).unwrap() as u8) as char)
            .collect();
        p.add(&format!("start {w} middle {w}{w} end"), i, false);
        assert!(p.signatures() <= MAX_SIGNATURES);
    }
    let rows = p.finish();
    assert!(rows.len() <= MAX_SIGNATURES);
    assert_eq!(rows.iter().map(|r| r.counts[0]).sum::<u64>(), n);
    // Long lines and long words are cut, not kept whole.
    let mut p = Patterns::new();
    let long = "x".repeat(100_000);
    let many = vec!["w"; 10_000].join(" ");
    p.add(&long, 0, false);
    p.add(&many, 1, false);
    let rows = p.finish();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|r| r.pattern.len() < 1_000),
        "{:?}",
        rows.iter().map(|r| r.pattern.len()).collect::<Vec<_>>()
    );
}
