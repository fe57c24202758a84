//! Property tests: the format round trip, the parser and highlighter never panicking, and
//! parameter substitution never changing a query's structure.

use insights::lexer::{lex, Tok};
use proptest::prelude::*;
use std::collections::HashMap;

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("level".to_string()),
        Just("@timestamp".to_string()),
        Just("@message".to_string()),
        Just("error.name".to_string()),
        Just("a.0".to_string()),
        Just("`weird name`".to_string()),
        Just("`and`".to_string()),
        "[a-z][a-z0-9_]{0,6}".prop_filter("keyword", |s| !insights::functions::is_keyword(s)),
    ]
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..100_000).prop_map(|n| n.to_string()),
        (0.0f64..1e6).prop_map(|f| format!("{f}")),
        "[ -~]{0,8}".prop_map(|s| format!("{:?}", s)),
        "[a-z \\\\\"]{0,6}".prop_map(|s| format!("'{}'", s.replace('\'', ""))),
        "[a-z.+*]{1,6}".prop_map(|s| format!("/{s}/i")),
        Just("/a\\/b/".to_string()),
        Just("5m".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        field(),
        literal(),
        // structure access (CWL_QuerySyntax-operations-functions, "Structure types")
        Just("m.`a.b`".to_string()),
        field().prop_map(|f| format!("{f}[0]")),
        field().prop_map(|f| format!("jsonParse({f})[\"k\"]")),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let ops = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("%"),
            Just("^"),
            Just("="),
            Just("!="),
            Just("<"),
            Just("<="),
            Just(">"),
            Just(">="),
            Just("AND"),
            Just("or"),
            Just("And"),
            Just("like"),
            Just("not like"),
            Just("=~")
        ];
        prop_oneof![
            (inner.clone(), ops, inner.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("NOT {a}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (inner.clone(), prop::collection::vec(literal(), 0..3)).prop_map(|(a, l)| format!("{a} in [{}]", l.join(", "))),
            (inner.clone(), prop::collection::vec(literal(), 1..3)).prop_map(|(a, l)| format!("{a} not in [{}]", l.join(","))),
            inner.clone().prop_map(|a| format!("TOLOWER({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("concat({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("coalesce({a},{b})")),
            // AWS What's New 2026-06-17: if, split, case-insensitive strcontains
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("IF({a}, {b}, {c})")),
            (inner.clone(), literal()).prop_map(|(a, d)| format!("split({a}, {d})[1]")),
            (
                inner.clone(),
                inner.clone(),
                prop_oneof![Just(""), Just(", true"), Just(", FALSE"), Just(", 1")]
            )
                .prop_map(|(a, b, c)| format!("strcontains({a}, {b}{c})")),
            (
                inner,
                prop_oneof![
                    Just("toNumber"),
                    Just("TOINT"),
                    Just("toLong"),
                    Just("todouble"),
                    Just("ipv4ToNumber"),
                    Just("isprivateip"),
                    Just("isPublicIP"),
                    Just("isReservedIP")
                ]
            )
                .prop_map(|(a, f)| format!("{f}({a})")),
        ]
    })
}

fn command() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec((expr(), prop::option::of(field())), 1..3).prop_map(|v| format!(
            "fields {}",
            v.into_iter()
                .map(|(e, a)| a.map_or(e.clone(), |a| format!("{e} as {a}")))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        expr().prop_map(|e| format!("filter {e}")),
        expr().prop_map(|e| format!("FilterIndex {e}")),
        (field(), field()).prop_map(|(a, b)| format!("stats count(*), avg({a}) as x, pct({b}, 99) by bin(5m), {a}")),
        (field(), prop_oneof![Just(""), Just(" asc"), Just(" DESC")]).prop_map(|(f, o)| format!("sort {f}{o}")),
        (1u32..100_000).prop_map(|n| format!("limit {n}")),
        expr().prop_map(|e| format!("where {e}")),
        (
            field(),
            prop_oneof![
                Just("5min"),
                Just("1hrs"),
                Just("100msec"),
                Just("2mon"),
                Just("1qtr"),
                Just("3yrs")
            ]
        )
            .prop_map(|(a, u)| format!("stats count(*) as n by bin({u}), {a}")),
        (field(), prop_oneof![Just("1h"), Just("1d"), Just("30min")])
            .prop_map(|(a, o)| format!("stats count(*) as n by {a}, bin(5m) offset {o}")),
        (field(), field()).prop_map(|(a, b)| format!("stats max({a}) as p, min({b}) as q, p - q as spread")),
        // CWL_QuerySyntax-timeseries-functions
        (field(), prop_oneof![Just("1m"), Just("30s"), Just("1h")])
            .prop_map(|(a, p)| format!("stats RATE({a}, {p}) as r, histogram({a}, 5) by bin(5m)")),
        (field(), field()).prop_map(|(a, b)| format!("parse @message \"x=* y=*\" as {a}, {b}")),
        Just("parse @message /(?<m>GET|POST) (?P<p>\\S+)/".to_string()),
        // The Parse page's other modes: regex with `as` and `multi`, logfmt, CSV, json field=.
        (field(), prop::bool::ANY, prop::bool::ANY).prop_map(|(a, named, multi)| {
            let group = if named { "(?<g>\\d+)" } else { "(\\d+)" };
            format!("parse @message /ip={group}/ as {a}{}", if multi { " multi" } else { "" })
        }),
        Just("parse @message /(?<k>\\w+)=(?<v>\\w+)/ multi".to_string()),
        (field(), prop_oneof![Just("@message"), Just("msg"), Just("")]).prop_map(|(a, f)| format!("parse {f} logfmt as {a}")),
        (prop::collection::vec(field(), 1..4), prop_oneof![Just("@message "), Just("")])
            .prop_map(|(v, f)| format!("parse {f}csv as {}", v.join(", "))),
        (field(), field(), prop_oneof![Just("user.name"), Just("a"), Just("0.b")])
            .prop_map(|(f, a, p)| format!("json field={f} \"{p}\" as {a}")),
        prop::collection::vec(field(), 1..3).prop_map(|v| format!("display {}", v.join(", "))),
        field().prop_map(|f| format!("unmask {f}")),
        (field(), field()).prop_map(|(a, b)| format!("unnest {a} into {b}")),
        Just("pattern @message".to_string()),
        // CWL_QuerySyntax-Addtotals
        (
            prop_oneof![Just(""), Just(" fieldname=RowSum"), Just(" FIELDNAME=`a b`")],
            prop_oneof![Just(""), Just(" row=false"), Just(" row=TRUE")],
            prop_oneof![Just(""), Just(" col=true"), Just(" col=false")],
            prop::collection::vec(field(), 0..3)
        )
            .prop_map(|(n, r, c, f)| format!("addtotals{n}{r}{c} {}", f.join(", "))),
        Just("pattern tolower(msg)".to_string()),
        prop_oneof![Just(""), Just(" previousDay"), Just(" PREVIOUSWEEK"), Just(" previousMonth")].prop_map(|m| format!("diff{m}")),
    ]
}

fn query() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop_oneof![
            Just("SOURCE \"a\", 'b'".to_string()),
            Just("source logGroups(namePrefix: [\"/aws/x\"], class: 'STANDARD')".to_string())
        ]),
        prop::collection::vec(command(), 1..5),
        prop_oneof![Just(" | "), Just("\n| "), Just("|"), Just(" # c\n | ")],
        // Only `limit` may follow `dedup` (CWL_QuerySyntax-Dedup), so it ends the query.
        prop::option::of((
            prop::collection::vec(field(), 1..3),
            prop_oneof![
                Just(String::new()),
                (1u32..100_000).prop_map(|n| format!(" | limit {n}")),
                (1u32..100).prop_map(|n| format!(" | limit any {n}"))
            ],
        )),
    )
        .prop_map(|(src, mut cmds, sep, dedup)| {
            if let Some((fields, tail)) = dedup {
                cmds.push(format!("dedup {}{tail}", fields.join(", ")));
            }
            let body = cmds.join(sep);
            match src {
                Some(s) => format!("{s} | {body}"),
                None => body,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn format_round_trip(q in query()) {
        if let Ok(ast) = insights::parse(&q) {
            let text = insights::format(&ast);
            let again = insights::parse(&text);
            prop_assert_eq!(again.as_ref().ok(), Some(&ast), "formatted:\n{}\nerrors: {:?}", text, again.as_ref().err());
            prop_assert_eq!(insights::format(&ast), text);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in "[ -~\n]{0,80}") {
        let _ = insights::check(&s);
        let toks = insights::highlight(&s);
        for t in toks {
            prop_assert!(t.span.start <= t.span.end && t.span.end <= s.len());
        }
        if let Ok(ast) = insights::parse(&s) {
            prop_assert_eq!(insights::parse(&insights::format(&ast)).ok(), Some(ast));
        }
    }

    #[test]
    fn mutated_queries_never_panic(q in query(), cut in 0usize..200, junk in "[(\\[\"'/`|{}#*]{0,3}") {
        let mut s = q.clone();
        let at = (0..=cut.min(s.len())).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        s.insert_str(at, &junk);
        let _ = insights::check(&s);
        let _ = insights::highlight(&s);
        if let Ok(ast) = insights::parse(&s) {
            prop_assert_eq!(insights::parse(&insights::format(&ast)).ok(), Some(ast));
        }
    }

    #[test]
    fn substitution_cannot_inject(value in "[ -~\n\t]{0,40}") {
        let template = "filter requestId = \"{{id}}\" and route like /{{id}}/ and user = '{{id}}' and x = {{id}} | limit 5";
        let mut values = HashMap::new();
        values.insert("id".to_string(), value.clone());
        let out = insights::params::substitute(template, &values).expect("all present");
        values.insert("id".to_string(), "x".to_string());
        let reference = insights::params::substitute(template, &values).expect("all present");
        let kinds = |s: &str| lex(s).0.into_iter().map(|t| std::mem::discriminant(&t.tok)).collect::<Vec<_>>();
        prop_assert_eq!(kinds(&out), kinds(&reference), "structure changed: {}", out);
        let ast = insights::parse(&out);
        prop_assert!(ast.is_ok(), "{out}: {:?}", ast.err());
        let strings: Vec<String> = lex(&out).0.into_iter().filter_map(|t| match t.tok { Tok::Str(s) => Some(s), _ => None }).collect();
        prop_assert_eq!(strings, vec![value.clone(), value.clone(), value]);
    }
}

#[cfg(feature = "eval")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Any query that parses runs without panicking, also over the plain-text log types with
    /// discovered fields (Lambda REPORT lines, VPC flow records, Route 53 lines).
    #[test]
    fn valid_queries_run(q in query()) {
        use insights::eval::{run, LogEvent, RunOptions};
        if let Ok(ast) = insights::parse(&q) {
            let events = vec![
                LogEvent::new(1_704_103_200_000, r#"{"level":"error","@level":"x","a":[1,"b"],"error":{"name":"E"}}"#),
                LogEvent::new(1_704_103_200_100, "REPORT RequestId: r\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 1 MB\tMax Memory Used: MB"),
                LogEvent::new(1_704_103_200_200, "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 5 6 ACCEPT OK"),
                LogEvent::new(1_704_103_200_300, "1.0 2024-01-01T10:00:00.000Z Z1 example.com A NOERROR UDP FRA6 192.0.2.1 -"),
                LogEvent::new(0, "START RequestId:"),
            ];
            let opts = RunOptions { threads: 1, now_ms: 0, ..RunOptions::default() };
            let _ = run(&ast, events, &opts);
        }
    }
}

#[test]
fn injection_example_stays_a_string() {
    let mut values = HashMap::new();
    values.insert("requestId".to_string(), "x\" | stats count() by secret".to_string());
    let out = insights::params::substitute("filter requestId = \"{{requestId}}\" | fields @message", &values).expect("ok");
    let q = insights::parse(&out).expect("valid");
    assert_eq!(q.commands.len(), 2);
    assert_eq!(out, "filter requestId = \"x\\\" | stats count() by secret\" | fields @message");
    assert_eq!(
        insights::params::placeholders("filter a = {{x}} and b = \"{{y}}-{{x}}\" # {{z}}"),
        vec!["x", "y"]
    );
    let missing = insights::params::substitute("filter a = {{x}}", &HashMap::new());
    assert_eq!(missing, Err(insights::params::ParamError::Missing("x".into())));
}

#[test]
fn pathological_inputs_are_fast() {
    let deep = "(".repeat(50_000);
    let start = std::time::Instant::now();
    assert!(!insights::check(&format!("filter {deep}")).is_empty());
    let ok = "filter ".to_string() + &"a = 1 and ".repeat(200) + "b = 2";
    assert!(insights::check(&ok).is_empty());
    let long = "filter ".to_string() + &"a = 1 and ".repeat(20_000) + "b = 2";
    assert_eq!(insights::check(&long)[0].message, "expression too long: more than 500 operators");
    let pipes = "|".repeat(50_000);
    assert!(!insights::check(&pipes).is_empty());
    let quotes = "\"".repeat(50_001);
    assert!(!insights::check(&quotes).is_empty());
    let _ = insights::highlight(&deep);
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "took {:?}", start.elapsed());
}

#[test]
fn many_comments_stay_linear() {
    let src = "fields a\n".to_string() + &"# c\n".repeat(100_000) + "| filter x / 2 > 1";
    let start = std::time::Instant::now();
    assert_eq!(insights::highlight(&src).len(), 100_000 + 9);
    assert!(insights::check(&src).is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "took {:?}", start.elapsed());
}
