//! The functions and commands AWS added on 2026-06-17 (What's New: "23 new query commands and
//! functions"): golden rows where the documentation gives semantics, error snapshots for misuse.
//! Where the pages at hand give no example, the cases follow the choices in the crate docs.

/// The first error of `q`: message, line, column, help.
fn first(q: &str) -> (String, u32, u32, Option<String>) {
    let d = insights::check(q).into_iter().next().unwrap_or_else(|| panic!("no error for {q}"));
    (d.message, d.span.line, d.span.column, d.help)
}

#[test]
fn misuse_is_reported_at_the_call() {
    let cases: &[(&str, &str, u32, u32, &str)] = &[
        (
            "fields if(a > 1, 2)",
            "`if` takes 3 arguments, but 2 were given",
            1,
            8,
            "usage: if(condition, then, else)",
        ),
        (
            "fields split(a)",
            "`split` takes 2 arguments, but 1 was given",
            1,
            8,
            "usage: split(str, delimiter)",
        ),
        (
            "fields strcontains(a, \"b\", true, 1)",
            "`strcontains` takes 2 to 3 arguments, but 4 were given",
            1,
            8,
            "usage: strcontains(str, search[, ignoreCase])",
        ),
        (
            "fields toInt()",
            "`toInt` takes 1 argument, but 0 were given",
            1,
            8,
            "usage: toInt(value)",
        ),
        (
            "fields tonumber(a, 10)",
            "`toNumber` takes 1 argument, but 2 were given",
            1,
            8,
            "usage: toNumber(value)",
        ),
        (
            "fields isPrivateIP()",
            "`isPrivateIP` takes 1 argument, but 0 were given",
            1,
            8,
            "usage: isPrivateIP(str)",
        ),
        (
            "fields ipv4ToNumber(a, b)",
            "`ipv4ToNumber` takes 1 argument, but 2 were given",
            1,
            8,
            "usage: ipv4ToNumber(str)",
        ),
        // CWL_QuerySyntax-timeseries-functions: rate(fieldName, interval: Period),
        // histogram(fieldName, buckets: number)
        (
            "stats rate(bytes)",
            "`rate` takes 2 arguments, but 1 was given",
            1,
            7,
            "usage: rate(field, interval)",
        ),
        (
            "stats rate(bytes, 5)",
            "the second argument of `rate` must be a period such as `1m`",
            1,
            7,
            "e.g. `stats rate(bytes, 1m) by bin(5m)`",
        ),
        (
            "stats histogram(d, 2.5)",
            "the second argument of `histogram` must be a whole number of buckets",
            1,
            7,
            "e.g. `histogram(durationMs, 10)`",
        ),
        (
            "fields rate(bytes, 1m)",
            "aggregate function `rate` can only be used in `stats`",
            1,
            8,
            "e.g. `stats rate(bytes, 1m)`",
        ),
        // CWL_QuerySyntax-Addtotals: `addtotals [fieldname=Name] [row=bool] [col=bool] [fields]`
        (
            "fields a | addtotals total=x",
            "unknown `addtotals` option `total`",
            1,
            22,
            "options: fieldname=Name, row=true|false, col=true|false",
        ),
    ];
    for (q, msg, line, col, help) in cases {
        let (m, l, c, h) = first(q);
        assert_eq!((m.as_str(), l, c, h.as_deref()), (*msg, *line, *col, Some(*help)), "{q}");
    }
}

#[test]
fn addtotals_options_are_checked() {
    let (m, l, c, _) = first("fields a | addtotals col=yes a");
    assert_eq!((m.as_str(), l, c), ("expected `true` or `false` after `col=`, found `yes`", 1, 26));
    let (m, _, c, _) = first("fields a | addtotals row=false ROW=true");
    assert_eq!((m.as_str(), c), ("`row=` is given twice", 32));
}

#[test]
fn addtotals_formats_back_with_the_options_that_differ_from_the_defaults() {
    for (q, want) in [
        ("fields a, b | addtotals", "fields a, b\n| addtotals"),
        ("fields a | ADDTOTALS fieldname=Total row=true col=false", "fields a\n| addtotals"),
        ("fields x | addtotals col=TRUE x", "fields x\n| addtotals col=true x"),
        (
            "fields v | addtotals fieldname=`row sum` row=false v, w",
            "fields v\n| addtotals fieldname=`row sum` row=false v, w",
        ),
    ] {
        let ast = insights::parse(q).unwrap_or_else(|d| panic!("{q}: {d:?}"));
        assert_eq!(insights::format(&ast), want, "{q}");
        assert_eq!(insights::parse(want).ok(), Some(ast));
    }
    let a = insights::analyze(&insights::parse("fields a, b | addtotals fieldname=RowSum").expect("parses"));
    assert_eq!(a.output_fields, vec!["a", "b", "RowSum"]);
}

#[test]
fn new_calls_format_back_canonically() {
    let q = insights::parse("fields IF(a > 1, \"big\", \"small\") as s, Split(path, \"/\")[1] as p, StrContains(m, \"x\", TRUE) as c")
        .expect("parses");
    assert_eq!(
        insights::format(&q),
        "fields if(a > 1, \"big\", \"small\") as s, split(path, \"/\")[1] as p, strcontains(m, \"x\", TRUE) as c"
    );
}

/// insights/fuzz/seeds/seeds_55.txt onwards: queries with the 2026-06-17 functions and
/// commands; the ones listed here are invalid on purpose.
const INVALID_SEEDS: &[usize] = &[57, 61, 63];

fn seeds() -> Vec<(usize, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds");
    (55..)
        .map_while(|i| std::fs::read_to_string(format!("{dir}/seeds_{i}.txt")).ok().map(|q| (i, q)))
        .collect()
}

#[test]
fn fuzz_seeds_parse_as_intended() {
    let seeds = seeds();
    assert!(seeds.len() >= 3);
    for (i, q) in seeds {
        match insights::parse(&q) {
            Ok(ast) => {
                assert!(!INVALID_SEEDS.contains(&i), "seed {i} should not parse: {q}");
                assert_eq!(insights::parse(&insights::format(&ast)).ok(), Some(ast), "seed {i}");
            }
            Err(_) => assert!(INVALID_SEEDS.contains(&i), "seed {i} should parse: {q}"),
        }
    }
}

#[cfg(feature = "eval")]
mod eval {
    use crate::common::ev::{ev, run_q};

    /// `fields <expr> as v | display v` on one event; "" when `v` is missing.
    fn one(expr: &str, msg: &str) -> String {
        let got = run_q(&format!("fields {expr} as v | display v"), vec![ev(0, msg)]);
        got.first()
            .map_or_else(String::new, |r| r.strip_prefix("v=").unwrap_or(r).to_string())
    }

    const MSG: &str = r#"{"path":"/api/v1/users","csv":"a,,b","s":"Hello World","n":7,"e":""}"#;

    #[test]
    fn if_split_and_strcontains() {
        let cases: &[(&str, &str)] = &[
            ("if(n > 5, \"big\", \"small\")", "big"),
            ("if(n > 50, \"big\", \"small\")", "small"),
            // a missing condition is false; a branch may be any value, also a field
            ("if(nope, 1, n)", "7"),
            ("if(ispresent(s), s, \"none\")", "Hello World"),
            ("if(n < 0, 1, nope)", ""),
            ("split(path, \"/\")", r#"["","api","v1","users"]"#),
            ("split(path, \"/\")[2]", "v1"),
            ("split(csv, \",\")", r#"["a","","b"]"#),
            ("split(s, \"zz\")", r#"["Hello World"]"#),
            ("split(\"abc\", \"\")", r#"["a","b","c"]"#),
            ("split(nope, \",\")", ""),
            ("strcontains(s, \"world\")", "0"),
            ("strcontains(s, \"world\", true)", "1"),
            ("strcontains(s, \"WORLD\", TRUE)", "1"),
            ("strcontains(s, \"world\", false)", "0"),
            ("strcontains(s, \"world\", 1)", "1"),
            ("strcontains(nope, \"x\", true)", ""),
        ];
        for (expr, want) in cases {
            assert_eq!(one(expr, MSG), *want, "{expr}");
        }
    }

    #[test]
    fn conversions_give_missing_on_invalid_input() {
        let msg = r#"{"i":"42","f":" 3.75 ","neg":"-3.9","big":"3000000000","word":"abc","hex":"0x1F","n":12.5,"t":true,"list":[1]}"#;
        let cases: &[(&str, &str)] = &[
            ("toNumber(i)", "42"),
            ("toNumber(f)", "3.75"),
            ("toNumber(word)", ""),
            ("toNumber(hex)", ""),
            ("toNumber(nope)", ""),
            ("toNumber(n) + 1", "13.5"),
            ("toNumber(t)", "1"),
            ("toNumber(list)", ""),
            ("toDouble(i)", "42"),
            ("toDouble(f) * 2", "7.5"),
            ("toDouble(word)", ""),
            ("toInt(f)", "3"),
            ("toInt(neg)", "-3"),
            ("toInt(big)", ""),
            ("toInt(\"2147483647\")", "2147483647"),
            ("toInt(word)", ""),
            ("toLong(big)", "3000000000"),
            ("toLong(neg)", "-3"),
            ("toLong(\"1e19\")", ""),
            ("toLong(word)", ""),
            // a converted number compares as a number
            ("toInt(\"10\") > toInt(\"9\")", "1"),
        ];
        for (expr, want) in cases {
            assert_eq!(one(expr, msg), *want, "{expr}");
        }
    }

    #[test]
    fn ip_functions() {
        let msg = r#"{"src":"172.31.9.4","dst":"8.8.8.8"}"#;
        let cases: &[(&str, &str)] = &[
            ("ipv4ToNumber(\"10.0.0.1\")", "167772161"),
            ("ipv4ToNumber(\"192.168.1.1\")", "3232235777"),
            ("ipv4ToNumber(\"255.255.255.255\")", "4294967295"),
            ("ipv4ToNumber(\" 0.0.0.0 \")", "0"),
            ("ipv4ToNumber(\"::1\")", ""),
            ("ipv4ToNumber(\"1.2.3\")", ""),
            ("ipv4ToNumber(\"256.1.1.1\")", ""),
            ("ipv4ToNumber(nope)", ""),
            ("ipv4ToNumber(dst) > ipv4ToNumber(src)", "0"),
            ("isPrivateIP(src)", "1"),
            ("isPrivateIP(\"10.255.255.255\")", "1"),
            ("isPrivateIP(\"172.32.0.1\")", "0"),
            ("isPrivateIP(\"192.168.0.1\")", "1"),
            ("isPrivateIP(\"fd12::1\")", "1"),
            ("isPrivateIP(dst)", "0"),
            ("isPrivateIP(\"127.0.0.1\")", "0"),
            ("isPrivateIP(\"abc\")", "0"),
            ("isPrivateIP(nope)", "0"),
            ("isReservedIP(\"127.0.0.1\")", "1"),
            ("isReservedIP(\"169.254.169.254\")", "1"),
            ("isReservedIP(\"100.64.0.1\")", "1"),
            ("isReservedIP(\"224.0.0.251\")", "1"),
            ("isReservedIP(\"255.255.255.255\")", "1"),
            ("isReservedIP(\"0.0.0.0\")", "1"),
            ("isReservedIP(\"192.0.2.10\")", "1"),
            ("isReservedIP(\"10.0.0.1\")", "0"),
            ("isReservedIP(dst)", "0"),
            ("isReservedIP(\"::1\")", "1"),
            ("isReservedIP(\"fe80::1\")", "1"),
            ("isReservedIP(\"2001:db8::1\")", "1"),
            ("isReservedIP(\"2606:4700::1111\")", "0"),
            ("isPublicIP(dst)", "1"),
            ("isPublicIP(\"1.1.1.1\")", "1"),
            ("isPublicIP(\"2606:4700::1111\")", "1"),
            ("isPublicIP(src)", "0"),
            ("isPublicIP(\"127.0.0.1\")", "0"),
            ("isPublicIP(\"999.1.1.1\")", "0"),
            ("isPublicIP(nope)", "0"),
        ];
        for (expr, want) in cases {
            assert_eq!(one(expr, msg), *want, "{expr}");
        }
        // A filter keeps the events whose address is public.
        let got = run_q(
            "filter isPublicIP(ip) | display ip",
            ["10.0.0.1", "8.8.4.4", "127.0.0.1", "bad"]
                .iter()
                .map(|ip| ev(0, &format!(r#"{{"ip":"{ip}"}}"#)))
                .collect(),
        );
        assert_eq!(got, vec!["ip=8.8.4.4"]);
    }

    /// CWL_QuerySyntax-timeseries-functions: `rate(fieldName, interval)` "computes the
    /// per-interval rate of change for a numeric field" (here: from the earliest to the latest
    /// value of each group, per interval of the time between them).
    #[test]
    fn rate_per_interval() {
        let events: Vec<_> = [(0, "100"), (30, "160"), (45, "\"n/a\""), (60, "220"), (90, "400"), (200, "7")]
            .iter()
            .map(|(t, b)| ev(*t, &format!(r#"{{"bytes":{b}}}"#)))
            .collect();
        assert_eq!(
            run_q("stats rate(bytes, 1m) as r by bin(1m)", events.clone()),
            // the last bin has one value: no rate
            vec![
                "bin(1m)=2024-01-01 10:00:00.000, r=120",
                "bin(1m)=2024-01-01 10:01:00.000, r=360",
                "bin(1m)=2024-01-01 10:03:00.000"
            ]
        );
        assert_eq!(
            run_q("stats rate(bytes, 1s) as r", events[..5].to_vec()),
            vec!["r=3.3333333333333335"]
        );
        // falling values give a negative rate ((7 - 400) / 110 s * 60 s); the column keeps its text
        assert_eq!(
            run_q("stats rate(bytes, 1m)", events[4..].to_vec()),
            vec!["rate(bytes, 1m)=-214.36363636363635"]
        );
    }

    /// Found by the fuzzer: events at the two ends of time (the harness has one at -5 ms and one
    /// at i64::MAX) overflowed the time between them.
    #[test]
    fn rate_over_the_whole_of_time_does_not_overflow() {
        let mut events = vec![ev(0, r#"{"bytes":1}"#), ev(0, r#"{"bytes":2}"#)];
        events[0].timestamp = -5;
        events[1].timestamp = i64::MAX;
        let got = run_q("stats rate(bytes, 1m) as r", events);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].starts_with("r="), "{got:?}");
    }

    #[test]
    fn histogram_is_parse_only() {
        let q = insights::parse("stats histogram(bytes, 10) by bin(5m)").expect("parses");
        let opts = insights::eval::RunOptions {
            threads: 1,
            ..Default::default()
        };
        let err = insights::eval::run(&q, vec![ev(0, r#"{"bytes":1}"#)], &opts).expect_err("histogram");
        assert_eq!(err.to_string(), "`histogram()` is not supported by the local engine");
    }

    /// The examples of CWL_QuerySyntax-Addtotals, over a few events.
    #[test]
    fn addtotals_page_examples() {
        let evs = |rows: &[&str]| rows.iter().enumerate().map(|(i, m)| ev(i as i64, m)).collect::<Vec<_>>();
        // Row totals (default) - adds a Total column summing all numeric fields
        assert_eq!(
            run_q(
                "fields a, b\n| addtotals",
                evs(&[r#"{"a":1,"b":2.5}"#, r#"{"a":3,"b":"x"}"#, r#"{"b":"y"}"#])
            ),
            vec!["b=y", "a=3, b=x, Total=3", "a=1, b=2.5, Total=3.5"]
        );
        // Sum only specific fields
        assert_eq!(
            run_q(
                "fields price, tax, qty\n| addtotals price, tax",
                evs(&[r#"{"price":10,"tax":2,"qty":5}"#])
            ),
            vec!["price=10, tax=2, qty=5, Total=12"]
        );
        // Custom total column name
        assert_eq!(
            run_q("fields val\n| addtotals fieldname=RowSum", evs(&[r#"{"val":4}"#])),
            vec!["val=4, RowSum=4"]
        );
        // Column totals - adds a Summary row at the bottom
        assert_eq!(
            run_q(
                "fields x\n| addtotals col=true x",
                evs(&[r#"{"x":1}"#, r#"{"x":2}"#, r#"{"x":"n/a"}"#])
            ),
            vec!["x=n/a", "x=2, Total=2", "x=1, Total=1", "x=3, Total=3"]
        );
        // row=false: only the summary row; after stats it totals the aggregates
        assert_eq!(
            run_q(
                "stats count(*) as n, sum(d) as s by k | addtotals row=false col=true",
                evs(&[r#"{"k":"a","d":1}"#, r#"{"k":"b","d":2}"#, r#"{"k":"a","d":4}"#])
            ),
            vec!["k=a, n=2, s=5", "k=b, n=1, s=2", "n=3, s=7"]
        );
    }

    #[test]
    fn addtotals_must_end_the_query_locally() {
        let q = insights::parse("fields a | addtotals | filter Total > 1").expect("parses");
        let opts = insights::eval::RunOptions {
            threads: 1,
            ..Default::default()
        };
        let err = insights::eval::run(&q, vec![ev(0, r#"{"a":2}"#)], &opts).expect_err("addtotals");
        assert_eq!(
            err.to_string(),
            "`addtotals before another command` is not supported by the local engine"
        );
    }

    #[test]
    fn fuzz_seeds_run() {
        for (i, q) in super::seeds() {
            let Ok(parsed) = insights::parse(&q) else { continue };
            let opts = insights::eval::RunOptions {
                threads: 2,
                ..Default::default()
            };
            insights::eval::run(&parsed, crate::common::ev::demo_events(), &opts).unwrap_or_else(|e| panic!("seed {i}: {q}: {e}"));
        }
    }

    #[test]
    fn split_lists_unnest() {
        // CWL_QuerySyntax-Unnest: a list yields one record per element.
        let got = run_q(
            "fields split(path, \"/\") as parts | unnest parts into part | filter part != \"\" | display part",
            vec![ev(0, MSG)],
        );
        assert_eq!(got, vec!["part=api", "part=v1", "part=users"]);
    }
}
