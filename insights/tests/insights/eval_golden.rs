//! Golden tests of the evaluator: input events → expected rows, for every fixture query, every
//! command and every function. Each query runs with 1 and 2 worker threads and must agree.
#![cfg(feature = "eval")]

use crate::common::ev::{demo_events, ev, run_q};
use insights::eval::{run, EvalError};

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

#[test]
fn fixture_queries_golden() {
    let (valid, _) = crate::common::fixture_queries();
    let expected = [
        r#"
@timestamp=2024-01-01 11:01:40.000, @message={"level":"error","route":"/api/users","method":"GET","statusCode":503,"durationMs":1500,"userId":"u4","requestId":"r6","error":{"name":"TimeoutError","message":"db"}}
@timestamp=2024-01-01 10:16:40.000, @message=REPORT RequestId: abc-2 Duration: 250.0 ms Billed Duration: 251 ms Memory Size: 128 MB Max Memory Used: 90 MB
@timestamp=2024-01-01 10:07:00.000, @message={"level":"warn","route":"/api/users","method":"GET","statusCode":404,"durationMs":40,"userId":"u3","requestId":"r5","tags":["a","b"]}
@timestamp=2024-01-01 10:06:40.000, @message={"level":"debug","route":"/health","method":"GET","statusCode":200,"durationMs":5,"userId":"u3","requestId":"r4"}
@timestamp=2024-01-01 10:02:00.000, @message={"level":"error","route":"/api/checkout/confirm","method":"POST","statusCode":502,"durationMs":300,"userId":"u1","requestId":"r3","error":{"name":"BadGateway","message":"bad"}}
@timestamp=2024-01-01 10:01:30.000, @message=GET /health 503 1ms
@timestamp=2024-01-01 10:01:20.000, @message=GET /api/orders 200 3ms
@timestamp=2024-01-01 10:01:10.000, @message=POST /api/orders 502 30ms
@timestamp=2024-01-01 10:01:00.000, @message={"level":"error","route":"/api/checkout","method":"POST","statusCode":500,"durationMs":2500,"userId":"u2","requestId":"r2","message":"fail","error":{"name":"TimeoutError","message":"upstream timed out"}}
@timestamp=2024-01-01 10:00:50.000, @message=GET /api/orders 500 12ms
@timestamp=2024-01-01 10:00:30.000, @message=REPORT RequestId: abc-1 Duration: 102.5 ms Billed Duration: 103 ms Memory Size: 128 MB Max Memory Used: 70 MB
@timestamp=2024-01-01 10:00:00.000, @message={"level":"info","route":"/api/checkout","method":"POST","statusCode":200,"durationMs":120,"userId":"u1","requestId":"r1","message":"ok"}
"#,
        r"
route=/api/checkout, statusCode=500, errors=1
route=/api/checkout/confirm, statusCode=502, errors=1
",
        r"
@timestamp=2024-01-01 10:01:00.000, requestId=r2, durationMs=2500
@timestamp=2024-01-01 11:01:40.000, requestId=r6, durationMs=1500
@timestamp=2024-01-01 10:02:00.000, requestId=r3, durationMs=300
",
        r"
bin(5m)=2024-01-01 10:00:00.000, route=/api/checkout, avg_ms=1310, p95=2500, worst=2500, n=2
bin(5m)=2024-01-01 10:00:00.000, route=/api/checkout/confirm, avg_ms=300, p95=300, worst=300, n=1
bin(5m)=2024-01-01 10:00:00.000, n=5
bin(5m)=2024-01-01 10:05:00.000, route=/api/users, avg_ms=40, p95=40, worst=40, n=1
bin(5m)=2024-01-01 10:05:00.000, route=/health, avg_ms=5, p95=5, worst=5, n=1
bin(5m)=2024-01-01 10:15:00.000, n=1
bin(5m)=2024-01-01 11:00:00.000, route=/api/users, avg_ms=1500, p95=1500, worst=1500, n=1
",
        r"
error.name=BadGateway, users_hit=1, first_seen=2024-01-01 10:02:00.000, last_seen=2024-01-01 10:02:00.000
error.name=TimeoutError, users_hit=2, first_seen=2024-01-01 10:01:00.000, last_seen=2024-01-01 11:01:40.000
",
        r"
bin(15m)=2024-01-01 10:00:00.000, peak_mb=70, avg_ms=102.5
bin(15m)=2024-01-01 10:15:00.000, peak_mb=90, avg_ms=250
",
        r"
path=/api/orders, count(*)=2
path=/health, count(*)=1
",
        r"
lvl=error, endpoint=/api/users GET
lvl=error, endpoint=/api/checkout/confirm POST
lvl=error, endpoint=/api/checkout POST
",
        r"
@timestamp=2024-01-01 10:01:00.000, @logStream=stream-a, message=fail
",
        r"
datefloor(@timestamp, 1h)=2024-01-01 10:00:00.000, n=9
datefloor(@timestamp, 1h)=2024-01-01 11:00:00.000, n=1
",
    ];
    assert_eq!(valid.len(), expected.len(), "fixture changed: update the golden rows");
    for (q, exp) in valid.iter().zip(expected) {
        let mut values = std::collections::HashMap::new();
        values.insert("requestId".to_string(), "r2".to_string());
        let q = insights::params::substitute(q, &values).expect("substitute");
        assert_eq!(run_q(&q, demo_events()), lines(exp), "query: {q}");
    }
}

/// `fields <expr> as v` on one event, for every scalar function.
#[test]
fn every_scalar_function() {
    let msg = r#"{"s":"  Hello World  ","n":-2.5,"m":16,"ip4":"10.1.2.3","ip6":"2001:db8::1","bad":"999.1.1.1","e":"","b":"   ","ts":"2024-01-01T10:07:30Z","csv":"a,b,a"}"#;
    let cases: &[(&str, &str)] = &[
        ("strlen(s)", "15"),
        ("toupper(trim(s))", "HELLO WORLD"),
        ("tolower(trim(s))", "hello world"),
        ("trim(s)", "Hello World"),
        ("ltrim(s)", "Hello World  "),
        ("rtrim(s)", "  Hello World"),
        ("trim(csv, \"a\")", ",b,"),
        ("concat(\"x\", m, \"-\", n)", "x16--2.5"),
        ("substr(trim(s), 6)", "World"),
        ("substr(trim(s), 0, 5)", "Hello"),
        ("replace(csv, \"a\", \"z\")", "z,b,z"),
        ("strcontains(s, \"World\")", "1"),
        ("strcontains(s, \"world\")", "0"),
        // Functions the functions page says return 1/0 show as numbers, not true/false
        // (CWL_QuerySyntax-operations-functions).
        ("isempty(e)", "1"),
        ("isempty(missing)", "1"),
        ("isempty(s)", "0"),
        ("isblank(b)", "1"),
        ("isblank(s)", "0"),
        ("abs(n)", "2.5"),
        ("ceil(n)", "-2"),
        ("floor(n)", "-3"),
        ("greatest(1, m, 3)", "16"),
        ("least(1, m, n)", "-2.5"),
        ("log(1)", "0"),
        ("sqrt(m)", "4"),
        ("m + 2 * 3", "22"),
        ("(m + 2) * 3", "54"),
        ("m / 4 - 1", "3"),
        ("m % 5", "1"),
        ("2 ^ 10", "1024"),
        ("-m", "-16"),
        ("bin(5m)", "2024-01-01 10:05:00.000"),
        ("datefloor(@timestamp, 1h)", "2024-01-01 10:00:00.000"),
        ("dateceil(@timestamp, 1h)", "2024-01-01 11:00:00.000"),
        ("datefloor(ts, 1d)", "2024-01-01 00:00:00.000"),
        ("fromMillis(0)", "1970-01-01 00:00:00.000"),
        ("toMillis(@timestamp)", "1704103650000"),
        ("now()", "1704189600"), // epoch seconds (CWL_QuerySyntax-operations-functions)
        ("fromMillis(now() * 1000)", "2024-01-02 10:00:00.000"),
        ("ispresent(s)", "1"),
        ("ispresent(nope)", "0"),
        ("concat(coalesce(nope, e, s), \"|\")", "|"),
        ("coalesce(nope, m)", "16"),
        ("unmask(m)", "16"),
        ("isValidIp(ip4)", "1"),
        ("isValidIp(ip6)", "1"),
        ("isValidIp(bad)", "0"),
        ("isValidIpV4(ip4)", "1"),
        ("isValidIpV4(ip6)", "0"),
        ("isValidIpV6(ip6)", "1"),
        ("isIpInSubnet(ip4, \"10.1.0.0/16\")", "1"),
        ("isIpInSubnet(ip4, \"10.2.0.0/16\")", "0"),
        ("isIpv4InSubnet(ip4, \"10.0.0.0/8\")", "1"),
        ("isIpv6InSubnet(ip6, \"2001:db8::/32\")", "1"),
        ("isIpv6InSubnet(ip4, \"2001:db8::/32\")", "0"),
        ("m > 10 and n < 0", "1"),
        ("not (m > 10) or m = \"16\"", "1"),
        ("s like \"World\"", "1"),
        ("s not like /world/", "1"),
        ("s like /world/i", "1"),
        ("s =~ /^\\s+Hello/", "1"),
        ("m in [1, 16]", "1"),
        ("m not in [1, 16]", "0"),
        ("`ip4`", "10.1.2.3"),
        // CWL_QuerySyntax-hash-functions (known digests of "hello")
        ("md5(\"hello\")", "5d41402abc4b2a76b9719d911017c592"),
        (
            "sha256(concat(\"hel\", \"lo\"))",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        ),
        ("md5(missing)", ""),
        ("jsonStringify(jsonParse(\"[1, 2]\"))", "[1,2]"),
    ];
    for (expr, want) in cases {
        let q = format!("fields {expr} as v | display v");
        let got = run_q(&q, vec![ev(450, msg)]);
        let want_row = if want.is_empty() { String::new() } else { format!("v={want}") };
        let got_row = got.first().cloned().unwrap_or_default();
        assert_eq!(got_row, want_row, "{expr}");
    }
}

#[test]
fn every_aggregate_function() {
    let events: Vec<_> = [(0, "a", 10.0), (10, "b", 20.0), (20, "a", 30.0), (30, "c", 40.0)]
        .iter()
        .map(|(t, k, d)| ev(*t, &format!(r#"{{"k":"{k}","d":{d}}}"#)))
        .collect();
    let q = "stats count(*) as c, count(k) as ck, count_distinct(k) as cd, sum(d) as s, avg(d) as a, min(d) as mn, max(d) as mx, \
             pct(d, 50) as p50, pct(d, 99) as p99, stddev(d) as sd, earliest(k) as e, latest(k) as l, sortsFirst(k) as sf, sortsLast(k) as sl, \
             sum(d) / count(*) as ratio";
    let got = run_q(q, events.clone());
    assert_eq!(
        got,
        vec![
            "c=4, ck=4, cd=3, s=100, a=25, mn=10, mx=40, p50=20, p99=40, sd=12.909944487358056, e=a, l=c, sf=a, sl=c, ratio=25".to_string()
        ]
    );
    let got = run_q("stats count(*) as n, sum(d) as s by k | sort s desc", events);
    assert_eq!(got, vec!["k=a, n=2, s=40", "k=c, n=1, s=40", "k=b, n=1, s=20"]);
}

#[test]
fn commands() {
    let evs = demo_events();
    // display chooses columns; filterIndex filters like filter
    assert_eq!(
        run_q("filterIndex requestId = \"r4\" | display route, level", evs.clone()),
        vec!["route=/health, level=debug"]
    );
    // limit without sort: newest first
    assert_eq!(
        run_q("filter ispresent(requestId) | limit 2 | display requestId", evs.clone()),
        vec!["requestId=r6", "requestId=r5"]
    );
    // sort with several keys, asc default
    assert_eq!(
        run_q(
            "filter ispresent(level) | sort level, durationMs desc | limit 3 | display level, durationMs",
            evs.clone()
        ),
        vec![
            "level=debug, durationMs=5",
            "level=error, durationMs=2500",
            "level=error, durationMs=1500"
        ]
    );
    // several stats in one query
    assert_eq!(
        run_q(
            "stats count(*) as n by userId | stats count(*) as users, sum(n) as total",
            evs.clone()
        ),
        vec!["users=5, total=12"]
    );
    // stats, then filter on an aggregate, then sort
    assert_eq!(
        run_q(
            "filter ispresent(userId) | stats count(*) as n by userId | filter n > 1 | sort userId desc",
            evs.clone()
        ),
        vec!["userId=u3, n=2", "userId=u1, n=2"]
    );
    // parse glob without trailing literal, and unmask
    assert_eq!(
        run_q(
            "parse @message \"GET * *\" as path, rest | filter ispresent(path) | unmask path | sort path | display path, rest",
            evs.clone()
        ),
        vec![
            "path=/api/orders, rest=500 12ms",
            "path=/api/orders, rest=200 3ms",
            "path=/health, rest=503 1ms"
        ]
    );
    // dedup after sort keeps the first in order (only `limit` may follow dedup, so `display`
    // comes first: CWL_QuerySyntax-Dedup)
    assert_eq!(
        run_q(
            "filter ispresent(level) | display level, durationMs | sort durationMs desc | dedup level",
            evs.clone()
        ),
        vec![
            "level=error, durationMs=2500",
            "level=info, durationMs=120",
            "level=warn, durationMs=40",
            "level=debug, durationMs=5"
        ]
    );
    // arrays flatten to a.0, nested objects to dotted names, @fields
    assert_eq!(
        run_q(
            "filter ispresent(tags.1) | fields tags.0, tags.1, @log, @logStream, @ingestionTime",
            evs.clone()
        ),
        vec!["tags.0=a, tags.1=b, @log=/demo/api, @logStream=stream-a, @ingestionTime=2024-01-01 10:07:00.500"]
    );
    // default columns show parsed fields
    assert_eq!(
        run_q("filter @message like \"POST /api\" | parse @message \"* * *\" as m, p, rest", evs),
        vec!["@timestamp=2024-01-01 10:01:10.000, @message=POST /api/orders 502 30ms, m=POST, p=/api/orders, rest=502 30ms"]
    );
}

#[test]
fn not_supported_commands_error_not_crash() {
    for q in ["anomaly @message", "lookup t k OUTPUT v", "join x"] {
        let parsed = insights::parse(q).unwrap_or_else(|d| panic!("{q}: {d:?}"));
        let err = run(&parsed, demo_events(), &crate::common::ev::opts(2)).expect_err(q);
        assert!(matches!(err, EvalError::Unsupported(_)), "{q}");
        assert!(err.to_string().contains("not supported by the local engine"), "{err}");
    }
}

#[test]
fn aggregate_text_names_its_column_after_stats() {
    assert_eq!(
        run_q(
            "filter ispresent(level) | stats count(*) by level | sort count(*) desc, level | limit 2",
            demo_events()
        ),
        vec!["level=error, count(*)=3", "level=debug, count(*)=1"]
    );
    assert!(insights::parse("stats count(*) as n by level | sort count(*) desc").is_err());
}

#[test]
fn unnest_lists() {
    let events = vec![
        ev(0, r#"{"id":1,"tags":["a","b",{"k":2}]}"#),
        ev(1, r#"{"id":2,"tags":[]}"#),
        ev(2, r#"{"id":3,"tags":"x"}"#),
    ];
    // A string is a list of one item (CWL_QuerySyntax-Unnest); an empty list drops its record.
    assert_eq!(
        run_q("unnest tags into tag | sort id, tag | display id, tag", events.clone()),
        vec!["id=1, tag=a", "id=1, tag=b", "id=1, tag={\"k\":2}", "id=3, tag=x"]
    );
    assert_eq!(
        run_q("unnest tags into tag | stats count(*) as n by id", events.clone()),
        vec!["id=1, n=3", "id=3, n=1"]
    );
    assert_eq!(
        run_q("filter id = 1 | limit 5 | unnest tags into t | display t", events),
        vec!["t=a", "t=b", "t={\"k\":2}"]
    );
}

#[test]
fn regex_compile_errors_and_parameters_reported() {
    let q = insights::parse("filter @message like /a{2,1}/").expect("parses");
    let err = run(&q, demo_events(), &crate::common::ev::opts(1)).expect_err("bad regex");
    assert!(matches!(err, EvalError::Regex(_)), "{err:?}");
    let q = insights::parse("filter requestId = {{id}}").expect("parses");
    let err = run(&q, demo_events(), &crate::common::ev::opts(1)).expect_err("param");
    assert_eq!(err, EvalError::Parameter("id".into()));
}

#[test]
fn stats_and_cap() {
    let events: Vec<_> = (0..25_000).map(|i| ev(i, &format!(r#"{{"i":{i},"g":"g{}"}}"#, i % 3))).collect();
    let q = insights::parse("fields i").expect("parses");
    let res = run(&q, events.clone(), &crate::common::ev::opts(2)).expect("runs");
    assert_eq!(res.rows.len(), 10_000);
    assert_eq!(res.rows[0][0], ("i".to_string(), "24999".to_string()));
    assert_eq!(res.stats.records_scanned, 25_000);
    assert_eq!(res.stats.records_matched, 25_000);
    let q = insights::parse("filter i >= 24000 | stats count(*) as n, pct(i, 50) as med by g").expect("parses");
    let res = run(&q, events, &crate::common::ev::opts(2)).expect("runs");
    assert_eq!(res.stats.records_matched, 1000);
    assert_eq!(res.rows.len(), 3);
    // time range options
    let q = insights::parse("stats count(*) as n").expect("parses");
    let mut o = crate::common::ev::opts(2);
    o.start = Some(crate::common::ev::T0 + 10_000);
    o.end = Some(crate::common::ev::T0 + 20_000);
    let res = run(&q, demo_events(), &o).expect("runs");
    assert!(res.rows.is_empty(), "no group when nothing matched");
    o.start = Some(crate::common::ev::T0 + 25_000);
    o.end = Some(crate::common::ev::T0 + 60_000);
    let res = run(&q, demo_events(), &o).expect("runs");
    assert_eq!(res.rows, vec![vec![("n".to_string(), "2".to_string())]]);
    assert_eq!(res.stats.records_scanned, 2);
}

/// Each documented rule, with the documentation's own examples where it gives them. Page names
/// are those of the CloudWatch Logs user guide (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/).
mod aws_docs {
    use crate::common::ev::{demo_events, ev, opts, run_q, T0};
    use insights::eval::run;

    fn values(field: &str, vals: &[&str]) -> Vec<insights::eval::LogEvent> {
        vals.iter()
            .enumerate()
            .map(|(i, v)| ev(i as i64, &format!(r#"{{"{field}":"{v}"}}"#)))
            .collect()
    }

    /// CWL_QuerySyntax-Sort: the page's own ascending example, fed in shuffled.
    #[test]
    fn sort_page_example_order() {
        let doc_order = [
            "!:",
            "#",
            "*%04",
            "0#",
            "5A",
            "111A",
            "2345_",
            "@",
            "@_",
            "A",
            "A9876fghj",
            "a12345hfh",
            "0",
            "01",
            "1",
            "2",
            "3",
        ];
        let mut shuffled = doc_order.to_vec();
        shuffled.reverse();
        shuffled.swap(0, 7);
        shuffled.swap(3, 12);
        let want: Vec<String> = doc_order.iter().map(|v| format!("v={v}")).collect();
        assert_eq!(run_q("fields v | sort v asc | display v", values("v", &shuffled)), want);
        // "If you sort in descending order, the sort results are the reverse."
        let mut rev = want.clone();
        rev.reverse();
        assert_eq!(run_q("fields v | sort v desc | display v", values("v", &shuffled)), rev);
    }

    /// CWL_QuerySyntax-Sort: digit runs compare by length then value, so `b9 < b10`; missing
    /// values stay last; `sortsFirst`/`sortsLast` follow the same order.
    #[test]
    fn natural_order_and_sorts_first_last() {
        let evs = values("v", &["b10", "b9", "a", "10", "9"]);
        assert_eq!(
            run_q("sort v | display v", evs.clone()),
            vec!["v=a", "v=b9", "v=b10", "v=9", "v=10"]
        );
        assert_eq!(
            run_q("stats sortsFirst(v) as first, sortsLast(v) as last", evs),
            vec!["first=a, last=10"]
        );
        let mut with_missing = values("v", &["b", "a"]);
        with_missing.push(ev(9, r#"{"w":1}"#));
        assert_eq!(run_q("sort v desc | display v, w", with_missing), vec!["v=b", "v=a", "w=1"]);
    }

    /// CWL_QuerySyntax-Dedup: "Log events with null values for any of the specified fields are
    /// retained"; the page's example query.
    #[test]
    fn dedup_keeps_null_keys() {
        let evs = vec![
            ev(1, r#"{"server":"a","severity":"low","message":"one"}"#),
            ev(2, r#"{"server":"a","severity":"high","message":"two"}"#),
            ev(3, r#"{"severity":"low","message":"no server 1"}"#),
            ev(4, r#"{"severity":"low","message":"no server 2"}"#),
            ev(5, r#"{"server":"b","severity":"low","message":"three"}"#),
        ];
        let q = "fields @timestamp, server, severity, message | sort @timestamp desc | dedup server";
        let got: Vec<String> = run_q(q, evs.clone())
            .into_iter()
            .map(|r| r.split(", ").skip(1).collect::<Vec<_>>().join(", "))
            .collect();
        assert_eq!(
            got,
            vec![
                "server=b, severity=low, message=three",
                "severity=low, message=no server 2",
                "severity=low, message=no server 1",
                "server=a, severity=high, message=two",
            ]
        );
        // Without a sort (the dedup map sink) as well.
        assert_eq!(run_q("dedup server | limit 10", evs).len(), 4);
    }

    /// CWL_QuerySyntax-Limit: up to 100,000 rows with `limit`, 10,000 without; `limit any`.
    #[test]
    fn limit_range_and_any() {
        let events: Vec<_> = (0..12_000).map(|i| ev(i, &format!(r#"{{"i":{i}}}"#))).collect();
        let count = |q: &str| {
            let q = insights::parse(q).expect("parses");
            run(&q, events.clone(), &opts(2)).expect("runs").rows.len()
        };
        assert_eq!(count("fields i"), 10_000);
        assert_eq!(count("fields i | limit 12000"), 12_000);
        assert_eq!(count("fields i | sort i | limit 11000"), 11_000);
        assert_eq!(count("fields @message | limit any 1"), 1);
        assert_eq!(insights::format(&insights::parse("limit any 5").expect("parses")), "limit any 5");
    }

    /// `where` is another name for `filter`.
    #[test]
    fn where_is_filter() {
        assert_eq!(
            run_q("where level = \"error\" | stats count(*) as n", demo_events()),
            run_q("filter level = \"error\" | stats count(*) as n", demo_events())
        );
        assert_eq!(run_q("where level = \"error\" | stats count(*) as n", demo_events()), vec!["n=3"]);
    }

    /// CWL_QuerySyntax-Stats, "Use multiple stats commands in a single query": the page's two
    /// examples (a second aggregation over the first's 5-minute bins; a second `bin(1h)`).
    #[test]
    fn two_stats_commands() {
        let evs: Vec<_> = [(0, 100), (60, 300), (400, 50), (3700, 1000)]
            .iter()
            .map(|(t, n)| ev(*t, &"x".repeat(*n)))
            .collect();
        let q = "fields strlen(@message) as message_length \
                 | stats sum(message_length) as logs_b by bin(5m) \
                 | stats max(logs_b) as peak, min(logs_b) as least, avg(logs_b) as mean";
        assert_eq!(run_q(q, evs.clone()), vec!["peak=1000, least=50, mean=483.3333333333333"]);
        let q = "fields strlen(@message) as message_length \
                 | stats sum(message_length) as ingested_bytes by bin(5m) \
                 | filter ingested_bytes > 60 \
                 | fields ingested_bytes / 2 as half \
                 | stats max(half) as max_half by bin(1h)";
        assert_eq!(
            run_q(q, evs),
            vec![
                "bin(1h)=2024-01-01 10:00:00.000, max_half=200",
                "bin(1h)=2024-01-01 11:00:00.000, max_half=500"
            ]
        );
    }

    /// CWL_AnalyzeLogData-discoverable-fields (Lambda) and AWS's sample query "Determine the
    /// amount of overprovisioned memory" (CWL_QuerySyntax-examples), on REPORT lines.
    #[test]
    fn lambda_report_fields_and_memory_sample() {
        let q = "filter @type = \"REPORT\" \
                 | stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB, \
                 min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB, \
                 avg(@maxMemoryUsed / 1000 / 1000) as avgMemoryUsedMB, \
                 max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB, \
                 provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB";
        assert_eq!(
            run_q(q, demo_events()),
            vec!["provisonedMemoryMB=128, smallestMemoryRequestMB=70, avgMemoryUsedMB=80, maxMemoryUsedMB=90, overProvisionedMB=38"]
        );
        let q = "filter @type = \"REPORT\" | stats avg(@duration) as d, max(@billedDuration) as b, count(*) as n by bin(1h)";
        assert_eq!(
            run_q(q, demo_events()),
            vec!["bin(1h)=2024-01-01 10:00:00.000, d=176.25, b=251, n=2"]
        );
        let evs = vec![
            ev(0, "START RequestId: 4d1c-9f8e Version: $LATEST"),
            ev(1, "END RequestId: 4d1c-9f8e"),
            ev(2, "REPORT RequestId: 4d1c-9f8e\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\tInit Duration: 301.25 ms\t"),
        ];
        assert_eq!(
            run_q("fields @type, @requestId, @duration, @initDuration | sort @timestamp", evs),
            vec![
                "@type=START, @requestId=4d1c-9f8e",
                "@type=END, @requestId=4d1c-9f8e",
                "@type=REPORT, @requestId=4d1c-9f8e, @duration=12.5, @initDuration=301.25"
            ]
        );
    }

    /// CWL_AnalyzeLogData-discoverable-fields (VPC flow logs) and the Sort page's flow-log
    /// example ("top 15 packet transfers across hosts").
    #[test]
    fn vpc_flow_log_fields() {
        let evs = vec![
            ev(
                0,
                "2 123456789012 eni-0a1b 10.0.1.10 10.0.2.20 49152 443 6 20 4000 1704103200 1704103260 ACCEPT OK",
            ),
            ev(
                1,
                "2 123456789012 eni-0a1b 10.0.1.10 10.0.2.20 49153 443 6 5 900 1704103200 1704103260 ACCEPT OK",
            ),
            ev(
                2,
                "2 123456789012 eni-0a1b 198.51.100.7 10.0.1.10 40000 22 6 1 44 1704103200 1704103260 REJECT OK",
            ),
            ev(3, "2 123456789012 eni-0a1b - - - - - - - 1704103200 1704103260 - NODATA"),
        ];
        let q = "stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15";
        assert_eq!(
            run_q(q, evs.clone()),
            vec![
                "srcAddr=10.0.1.10, dstAddr=10.0.2.20, packetsTransferred=25",
                "srcAddr=198.51.100.7, dstAddr=10.0.1.10, packetsTransferred=1",
                // the NODATA record: no addresses, and a sum of no numbers is missing
                ""
            ]
        );
        assert_eq!(
            run_q("filter action = \"REJECT\" | fields interfaceId, dstPort, protocol, logStatus", evs),
            vec!["interfaceId=eni-0a1b, dstPort=22, protocol=6, logStatus=OK"]
        );
    }

    /// CWL_AnalyzeLogData-discoverable-fields (Route 53) and the Stats page's first example.
    #[test]
    fn route53_fields() {
        let evs = vec![
            ev(
                0,
                "1.0 2024-01-01T10:00:00.000Z Z123412341234 example.com A NOERROR UDP FRA6 192.168.1.1 -",
            ),
            ev(
                10,
                "1.0 2024-01-01T10:00:10.000Z Z123412341234 example.com AAAA NOERROR UDP FRA6 192.168.1.1 -",
            ),
            ev(
                20,
                "1.0 2024-01-01T10:00:20.000Z Z123412341234 www.example.com A NXDOMAIN UDP FRA6 192.168.1.2 -",
            ),
        ];
        assert_eq!(
            run_q("stats count(*) by queryType, bin(1h)", evs),
            vec![
                "queryType=A, bin(1h)=2024-01-01 10:00:00.000, count(*)=2",
                "queryType=AAAA, bin(1h)=2024-01-01 10:00:00.000, count(*)=1"
            ]
        );
    }

    /// CWL_QuerySyntax-Unnest: the page's three examples, over `jsonParse` structures; and the
    /// structure types of CWL_QuerySyntax-operations-functions (`m.key`, `` m.`a.b` ``, `l[i]`,
    /// `jsonStringify`).
    #[test]
    fn unnest_page_examples_and_structures() {
        let evs = vec![ev(0, r#"{"events":[{"name":"exception"},{"name":"user action"}]}"#)];
        let q = "fields jsonParse(@message) as json_message | unnest json_message.events into event | display event.name";
        assert_eq!(run_q(q, evs), vec!["event.name=exception", "event.name=user action"]);

        let evs = vec![ev(
            0,
            r#"{"accounts":[{"type":"internal","id":1},{"type":"external","id":2},{"type":"internal","id":3}]}"#,
        )];
        let q =
            "fields jsonParse(@message) as js | unnest js.accounts into account | filter account.type = \"internal\" | display account.id";
        assert_eq!(run_q(q, evs), vec!["account.id=1", "account.id=3"]);

        let evs = vec![
            ev(
                0,
                r#"{"trimmedData":"[{\"accountId\":\"a\",\"droppedSpans\":5},{\"accountId\":\"b\",\"droppedSpans\":1}]"}"#,
            ),
            ev(1, r#"{"trimmedData":"[{\"accountId\":\"a\",\"droppedSpans\":2}]"}"#),
            // A map is a list of one item.
            ev(2, r#"{"trimmedData":"{\"accountId\":\"c\",\"droppedSpans\":4}"}"#),
        ];
        let q = "fields jsonParse(trimmedData) as accounts | unnest accounts into account \
                 | stats sum(account.droppedSpans) as n by account.accountId | sort n desc | limit 10";
        assert_eq!(
            run_q(q, evs),
            vec!["account.accountId=a, n=7", "account.accountId=c, n=4", "account.accountId=b, n=1"]
        );

        let evs = vec![ev(0, r#"{"doc":"{\"a.b\":{\"c\":[10,20,{\"d\":true}]},\"s\":\"x\"}"}"#)];
        let q = "fields jsonParse(doc) as m | fields m.`a.b` as ab, m.s as s \
                 | fields ab.c[1] as second, ab.c[2][\"d\"] as d, ab.c[9] as none, jsonStringify(ab) as text, m[\"s\"] as s2 \
                 | display second, d, none, text, s, s2";
        assert_eq!(run_q(q, evs), vec![r#"second=20, d=1, text={"c":[10,20,{"d":true}]}, s=x, s2=x"#]);
        let q = insights::parse("fields m.`a.b`, l[ 0 ], tolower(x)[1], (a + b)[0], m[\"k`\"]").expect("parses");
        assert_eq!(insights::format(&q), "fields m.`a.b`, l[0], tolower(x)[1], (a + b)[0], m[\"k`\"]");
        // `[` after a space is not an index: `l [0]` is an error, not `l[0]`.
        assert!(insights::parse("fields l [0]").is_err());
    }

    /// CWL_QuerySyntax-timeseries-functions: `offset` at the end of `stats ... by bin()` shifts
    /// the bins (here: the previous hour's events, shown at this hour's times).
    #[test]
    fn stats_bin_offset() {
        let evs = vec![ev(0, "a"), ev(60, "b"), ev(3700, "c")];
        let q = "stats count(*) as n by bin(1h) offset 1h";
        assert_eq!(
            run_q(q, evs.clone()),
            vec!["bin(1h)=2024-01-01 11:00:00.000, n=2", "bin(1h)=2024-01-01 12:00:00.000, n=1"]
        );
        let parsed = insights::parse(q).expect("parses");
        assert_eq!(insights::format(&parsed), q);
        let mut o = opts(2);
        o.start = Some(T0 + 3_600_000);
        o.end = Some(T0 + 7_200_000);
        let res = run(&parsed, evs, &o).expect("runs");
        assert_eq!(
            res.rows,
            vec![vec![
                ("bin(1h)".to_string(), "2024-01-01 11:00:00.000".to_string()),
                ("n".to_string(), "2".to_string())
            ]]
        );
    }

    /// CWL_QuerySyntax-timeseries-functions: `count_over_time` and `sum_over_time` per bin.
    #[test]
    fn count_and_sum_over_time() {
        assert_eq!(
            run_q(
                "filter ispresent(durationMs) | stats count_over_time(route) as n, sum_over_time(durationMs) as s by bin(1h)",
                demo_events()
            ),
            vec![
                "bin(1h)=2024-01-01 10:00:00.000, n=5, s=2965",
                "bin(1h)=2024-01-01 11:00:00.000, n=1, s=1500"
            ]
        );
    }

    /// CWL_AnalyzeLogData-discoverable-fields: `@log` is `account-id:log-group-name`; a JSON
    /// key beginning with `@` is the field `@@key`.
    #[test]
    fn log_identifier_and_at_keys() {
        let q = insights::parse("fields @log, @@level, @level").expect("parses");
        let mut o = opts(1);
        o.account_id = Some("123456789012".into());
        let res = run(&q, vec![ev(0, r#"{"@level":"warn"}"#)], &o).expect("runs");
        assert_eq!(
            res.rows,
            vec![vec![
                ("@log".to_string(), "123456789012:/demo/api".to_string()),
                ("@@level".to_string(), "warn".to_string())
            ]]
        );
        assert_eq!(T0, 1_704_103_200_000);
    }

    /// CWL_QuerySyntax-operations-functions, "Datetime functions": "if you specify `bin(300s)`,
    /// CloudWatch Logs actually implements this as 60 seconds"; "The cap for `ms` is 1000, the
    /// caps for `s` and `m` are 60, and the cap for `h` is 24". Days and longer have no cap.
    #[test]
    fn bin_caps_per_unit() {
        // Events at 0 s, 70 s, 130 s and 400 s after 10:00.
        let evs = || vec![ev(0, "a"), ev(70, "b"), ev(130, "c"), ev(400, "d")];
        let bins = |q: &str| run_q(q, evs());
        assert_eq!(
            bins("stats count(*) as n by bin(300s)"),
            vec![
                "bin(300s)=2024-01-01 10:00:00.000, n=1",
                "bin(300s)=2024-01-01 10:01:00.000, n=1",
                "bin(300s)=2024-01-01 10:02:00.000, n=1",
                "bin(300s)=2024-01-01 10:06:00.000, n=1"
            ]
        );
        assert_eq!(
            bins("stats count(*) as n by bin(5m)"),
            vec!["bin(5m)=2024-01-01 10:00:00.000, n=3", "bin(5m)=2024-01-01 10:05:00.000, n=1"]
        );
        assert_eq!(
            bins("stats count(*) as n by bin(2000ms)"),
            bins("stats count(*) as n by bin(1000ms)")
                .iter()
                .map(|r| r.replace("1000ms", "2000ms"))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            bins("stats count(*) as n by bin(90m)"),
            vec!["bin(90m)=2024-01-01 10:00:00.000, n=4"]
        );
        // Dec 31 10:00 and Jan 1 10:00 share a 48-hour bin (from Dec 31) but not a day: 48h
        // runs as 24h; 3d is not capped.
        let day = |q: &str| run_q(q, vec![ev(-86_400, "a"), ev(0, "b")]);
        assert_eq!(
            day("stats count(*) as n by bin(48h)"),
            vec!["bin(48h)=2023-12-31 00:00:00.000, n=1", "bin(48h)=2024-01-01 00:00:00.000, n=1"]
        );
        assert_eq!(day("stats count(*) as n by bin(3d)"), vec!["bin(3d)=2023-12-31 00:00:00.000, n=2"]);
        // The same caps in datefloor and dateceil.
        assert_eq!(
            run_q(
                "fields datefloor(@timestamp, 120s) as f, dateceil(@timestamp, 100m) as c | display f, c",
                vec![ev(70, "x")]
            ),
            vec!["f=2024-01-01 10:01:00.000, c=2024-01-01 11:00:00.000"]
        );
    }

    /// CWL_AnalyzeLogData-discoverable-fields: "CloudWatch Logs Insights can extract a maximum of
    /// 200 log event fields from a JSON log. For additional fields that aren't extracted, you can
    /// use the `parse` command".
    #[test]
    fn json_discovery_stops_at_200_fields() {
        let pairs: Vec<String> = (0..210).map(|i| format!("\"f{i}\":{i}")).collect();
        let evs = vec![ev(0, &format!("{{{}}}", pairs.join(",")))];
        assert_eq!(run_q("fields f0, f199, f200, f209", evs.clone()), vec!["f0=0, f199=199"]);
        assert_eq!(
            run_q("parse @message /\"f209\":(?<late>\\d+)/ | display late", evs),
            vec!["late=209"]
        );
    }

    /// Up to 10 `stats` (AWS What's New 2026-06-17), each reading what the one before left;
    /// and the Stats page's `dateceil` examples (a time passed on by the first `stats`).
    #[test]
    fn chained_stats_and_dateceil_examples() {
        let evs: Vec<_> = [(0, 100), (60, 300), (400, 50), (3700, 1000)]
            .iter()
            .map(|(t, n)| ev(*t, &"x".repeat(*n)))
            .collect();
        let q = "FIELDS strlen(@message) AS message_length\n\
                 | STATS sum(message_length) / 1024 / 1024 AS logs_mb BY BIN(5m) as @t\n\
                 | STATS max(logs_mb) AS peak_ingest_mb,\n\
                         min(logs_mb) AS min_ingest_mb,\n\
                         avg(logs_mb) AS avg_ingest_mb BY dateceil(@t, 10m)";
        // 5-minute bins 10:00 (400 bytes), 10:05 (50) and 11:00 (1000); dateceil keeps a time
        // already on a 10-minute boundary.
        let row = |t: &str, b: f64| {
            let mb = b / 1024.0 / 1024.0;
            format!("dateceil(@t, 10m)=2024-01-01 {t}, peak_ingest_mb={mb}, min_ingest_mb={mb}, avg_ingest_mb={mb}")
        };
        assert_eq!(
            run_q(q, evs.clone()),
            vec![row("10:00:00.000", 400.0), row("10:10:00.000", 50.0), row("11:00:00.000", 1000.0)]
        );
        let q = "FIELDS strlen(@message) AS message_length\n\
                 | STATS sum(message_length) AS ingested_bytes, max(@timestamp) as @t BY @logStream\n\
                 | STATS avg(ingested_bytes) BY dateceil(@t, 5m)";
        assert_eq!(
            run_q(q, evs.clone()),
            vec!["dateceil(@t, 5m)=2024-01-01 11:05:00.000, avg(ingested_bytes)=1450"]
        );
        // Three `stats`: bins of bins of bins, then sort after the last.
        let q = "fields strlen(@message) as len \
                 | stats sum(len) as b by bin(1m) \
                 | stats sum(b) as b by bin(5m) \
                 | stats max(b) as top, count(*) as bins by bin(1h) \
                 | sort top desc";
        assert_eq!(
            run_q(q, evs.clone()),
            vec![
                "bin(1h)=2024-01-01 11:00:00.000, top=1000, bins=1",
                "bin(1h)=2024-01-01 10:00:00.000, top=400, bins=2"
            ]
        );
        // Ten `stats` run; the tenth sees the ninth's outputs only.
        let ten = std::iter::once("stats count(*) as n".to_string())
            .chain((0..9).map(|_| "stats sum(n) as n".to_string()))
            .collect::<Vec<_>>()
            .join(" | ");
        assert_eq!(run_q(&ten, evs), vec!["n=4"]);
    }
}
