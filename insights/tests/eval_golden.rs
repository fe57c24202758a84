//! Golden tests of the evaluator: input events → expected rows, for every fixture query, every
//! command and every function. Each query runs with 1 and 2 worker threads and must agree.
#![cfg(feature = "eval")]

mod common;
use common::ev::{demo_events, ev, run_q};
use insights::eval::{run, EvalError};

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

#[test]
fn fixture_queries_golden() {
    let (valid, _) = common::fixture_queries();
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
        ("isempty(e)", "true"),
        ("isempty(missing)", "true"),
        ("isempty(s)", "false"),
        ("isblank(b)", "true"),
        ("isblank(s)", "false"),
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
        ("now()", "2024-01-02 10:00:00.000"),
        ("ispresent(s)", "true"),
        ("ispresent(nope)", "false"),
        ("concat(coalesce(nope, e, s), \"|\")", "|"),
        ("coalesce(nope, m)", "16"),
        ("unmask(m)", "16"),
        ("isValidIp(ip4)", "true"),
        ("isValidIp(ip6)", "true"),
        ("isValidIp(bad)", "false"),
        ("isValidIpV4(ip4)", "true"),
        ("isValidIpV4(ip6)", "false"),
        ("isValidIpV6(ip6)", "true"),
        ("isIpInSubnet(ip4, \"10.1.0.0/16\")", "true"),
        ("isIpInSubnet(ip4, \"10.2.0.0/16\")", "false"),
        ("isIpv4InSubnet(ip4, \"10.0.0.0/8\")", "true"),
        ("isIpv6InSubnet(ip6, \"2001:db8::/32\")", "true"),
        ("isIpv6InSubnet(ip4, \"2001:db8::/32\")", "false"),
        ("m > 10 and n < 0", "true"),
        ("not (m > 10) or m = \"16\"", "true"),
        ("s like \"World\"", "true"),
        ("s not like /world/", "true"),
        ("s like /world/i", "true"),
        ("s =~ /^\\s+Hello/", "true"),
        ("m in [1, 16]", "true"),
        ("m not in [1, 16]", "false"),
        ("`ip4`", "10.1.2.3"),
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
    // dedup after sort keeps the first in order
    assert_eq!(
        run_q(
            "filter ispresent(level) | sort durationMs desc | dedup level | display level, durationMs",
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
        let err = run(&parsed, demo_events(), &common::ev::opts(2)).expect_err(q);
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
    assert_eq!(
        run_q("unnest tags into tag | sort id, tag | display id, tag", events.clone()),
        vec!["id=1, tag=a", "id=1, tag=b", "id=1, tag={\"k\":2}"]
    );
    assert_eq!(
        run_q("unnest tags into tag | stats count(*) as n by id", events.clone()),
        vec!["id=1, n=3"]
    );
    assert_eq!(
        run_q("filter id = 1 | limit 5 | unnest tags into t | display t", events),
        vec!["t=a", "t=b", "t={\"k\":2}"]
    );
}

#[test]
fn regex_compile_errors_and_parameters_reported() {
    let q = insights::parse("filter @message like /a{2,1}/").expect("parses");
    let err = run(&q, demo_events(), &common::ev::opts(1)).expect_err("bad regex");
    assert!(matches!(err, EvalError::Regex(_)), "{err:?}");
    let q = insights::parse("filter requestId = {{id}}").expect("parses");
    let err = run(&q, demo_events(), &common::ev::opts(1)).expect_err("param");
    assert_eq!(err, EvalError::Parameter("id".into()));
}

#[test]
fn stats_and_cap() {
    let events: Vec<_> = (0..25_000).map(|i| ev(i, &format!(r#"{{"i":{i},"g":"g{}"}}"#, i % 3))).collect();
    let q = insights::parse("fields i").expect("parses");
    let res = run(&q, events.clone(), &common::ev::opts(2)).expect("runs");
    assert_eq!(res.rows.len(), 10_000);
    assert_eq!(res.rows[0][0], ("i".to_string(), "24999".to_string()));
    assert_eq!(res.stats.records_scanned, 25_000);
    assert_eq!(res.stats.records_matched, 25_000);
    let q = insights::parse("filter i >= 24000 | stats count(*) as n, pct(i, 50) as med by g").expect("parses");
    let res = run(&q, events, &common::ev::opts(2)).expect("runs");
    assert_eq!(res.stats.records_matched, 1000);
    assert_eq!(res.rows.len(), 3);
    // time range options
    let q = insights::parse("stats count(*) as n").expect("parses");
    let mut o = common::ev::opts(2);
    o.start = Some(common::ev::T0 + 10_000);
    o.end = Some(common::ev::T0 + 20_000);
    let res = run(&q, demo_events(), &o).expect("runs");
    assert!(res.rows.is_empty(), "no group when nothing matched");
    o.start = Some(common::ev::T0 + 25_000);
    o.end = Some(common::ev::T0 + 60_000);
    let res = run(&q, demo_events(), &o).expect("runs");
    assert_eq!(res.rows, vec![vec![("n".to_string(), "2".to_string())]]);
    assert_eq!(res.stats.records_scanned, 2);
}
