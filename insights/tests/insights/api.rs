//! Formatter, highlighter and analyzer behaviour.

use insights::highlight::TokenKind;
use insights::{analyze, format, highlight, parse, Combine, Merge};

#[test]
fn formatter_canonical_form() {
    let q = parse("SOURCE logGroups(namePrefix: ['/aws/lambda'], class: 'STANDARD') | FIELDS @timestamp,TOLOWER(level) AS lvl # hi\n|FILTER lvl='x' AND NOT (a>1 OR b<2)|Stats COUNT(*) BY bin(5m) | SORT `count(*)` DESC | Limit 5").expect("valid");
    assert_eq!(
        format(&q),
        "SOURCE logGroups(namePrefix: [\"/aws/lambda\"], class: \"STANDARD\")\n| fields @timestamp, tolower(level) as lvl\n| filter lvl = \"x\" and not (a > 1 or b < 2)\n| stats count(*) by bin(5m)\n| sort `count(*)` desc\n| limit 5"
    );
    let q = parse("filter (a + b) * c - (d - e) = 1 and x not like /a\\/b/i").expect("valid");
    assert_eq!(format(&q), "filter (a + b) * c - (d - e) = 1 and x not like /a\\/b/i");
}

#[test]
fn highlighter_kinds_even_when_invalid() {
    let src = "fields @timestamp, `a b` # c\n| filter x like /y/ and ispresent(z) and q = \"s\" and n > 5 and t = {{p}} | stats count(*) by bin(5m) | frob \"unterminated";
    let kinds: Vec<(TokenKind, &str)> = highlight(src).iter().map(|t| (t.kind, &src[t.span.start..t.span.end])).collect();
    let want = [
        (TokenKind::Command, "fields"),
        (TokenKind::Field, "@timestamp"),
        (TokenKind::Punctuation, ","),
        (TokenKind::Field, "`a b`"),
        (TokenKind::Comment, "# c"),
        (TokenKind::Punctuation, "|"),
        (TokenKind::Command, "filter"),
        (TokenKind::Field, "x"),
        (TokenKind::Keyword, "like"),
        (TokenKind::Regex, "/y/"),
        (TokenKind::Keyword, "and"),
        (TokenKind::Function, "ispresent"),
    ];
    assert_eq!(&kinds[..want.len()], &want);
    assert!(kinds.contains(&(TokenKind::String, "\"s\"")));
    assert!(kinds.contains(&(TokenKind::Number, "5")));
    assert!(kinds.contains(&(TokenKind::Placeholder, "{{p}}")));
    assert!(kinds.contains(&(TokenKind::Duration, "5m")));
    assert!(kinds.contains(&(TokenKind::Error, "frob")));
    assert_eq!(kinds.last().map(|k| k.0), Some(TokenKind::Error));
    let t = highlight("a\n  b");
    assert_eq!((t[1].span.line, t[1].span.column), (2, 3));
}

#[test]
fn analyzer_facts() {
    let a = analyze(&parse("SOURCE 'g1', 'g2' | parse @message 'x=*' as x | filter level = 'error' and x > 1 | fields tolower(route) as r | stats count(*) as n, sum(bytes) as b by r").expect("valid"));
    assert_eq!(a.fields_read, vec!["@message", "level", "route", "bytes"]);
    assert_eq!(a.fields_produced, vec!["x", "r", "n", "b"]);
    assert_eq!(a.output_fields, vec!["r", "n", "b"]);
    assert!(a.aggregates);
    assert_eq!(a.log_groups, vec!["g1", "g2"]);
    assert_eq!(
        a.merge,
        Merge::Combine(vec![
            ("r".into(), Combine::Key),
            ("n".into(), Combine::Sum),
            ("b".into(), Combine::Sum)
        ])
    );

    let a = analyze(&parse("stats avg(d) by bin(5m)").expect("valid"));
    assert_eq!(a.merge, Merge::AlignedBins { period_ms: 300_000 });
    // `bin(300s)` runs as 60 s bins (the seconds cap): merged as such.
    let a = analyze(&parse("stats avg(d) by bin(300s)").expect("valid"));
    assert_eq!(a.merge, Merge::AlignedBins { period_ms: 60_000 });
    assert_eq!(a.fields_read, vec!["d", "@timestamp"]);
    let a = analyze(&parse("stats avg(d) by route").expect("valid"));
    assert!(matches!(a.merge, Merge::No { .. }));
    let a = analyze(&parse("fields a | sort a | limit 5").expect("valid"));
    assert_eq!(a.merge, Merge::Concatenate);
    assert!(!a.aggregates);
    assert_eq!(a.output_fields, vec!["a"]);
    let a = analyze(&parse("filter a = {{v}} | anomaly @message").expect("valid"));
    assert_eq!(a.parameters, vec!["v"]);
    assert_eq!(a.unsupported_commands, vec!["anomaly"]);
    assert!(matches!(a.merge, Merge::No { .. }));
    let a = analyze(&parse("parse @message /(?<verb>\\w+)/ | filter verb = 'GET'").expect("valid"));
    assert_eq!(a.output_fields, vec!["@timestamp", "@message", "verb"]);
}

#[test]
fn function_table_is_complete() {
    for name in [
        "strlen",
        "toupper",
        "tolower",
        "trim",
        "ltrim",
        "rtrim",
        "concat",
        "substr",
        "replace",
        "strcontains",
        "abs",
        "ceil",
        "floor",
        "greatest",
        "least",
        "log",
        "sqrt",
        "bin",
        "datefloor",
        "dateceil",
        "fromMillis",
        "toMillis",
        "now",
        "ispresent",
        "md5",
        "sha256",
        "jsonParse",
        "jsonStringify",
        "coalesce",
        "isempty",
        "isblank",
        "isValidIp",
        "isValidIpV4",
        "isValidIpV6",
        "isIpInSubnet",
        "isIpv4InSubnet",
        "isIpv6InSubnet",
        "count",
        "count_distinct",
        "sum",
        "avg",
        "min",
        "max",
        "pct",
        "stddev",
        "earliest",
        "latest",
        "sortsFirst",
        "sortsLast",
    ] {
        let f = insights::functions::lookup(name).unwrap_or_else(|| panic!("{name}"));
        assert!(!f.doc.is_empty());
    }
}

/// CWL_QuerySyntax-Stats lists the units `bin` takes, "adding s to pluralize is supported" for
/// every spelling longer than one character: each spelling means its canonical unit.
#[test]
fn every_documented_bin_unit_spelling() {
    let spellings: &[(&str, &[&str])] = &[
        ("ms", &["ms", "msec", "msecs", "millisecond", "milliseconds"]),
        ("s", &["s", "sec", "secs", "second", "seconds"]),
        ("m", &["m", "min", "mins", "minute", "minutes"]),
        ("h", &["h", "hr", "hrs", "hour", "hours"]),
        ("d", &["d", "day", "days"]),
        ("w", &["w", "week", "weeks"]),
        ("mo", &["mo", "mos", "mon", "mons", "month", "months"]),
        ("q", &["q", "qtr", "qtrs", "quarter", "quarters"]),
        ("y", &["y", "yr", "yrs", "year", "years"]),
    ];
    for (canonical, all) in spellings {
        for s in *all {
            let q = parse(&format!("stats count(*) by bin(2{s})")).unwrap_or_else(|d| panic!("{s}: {d:?}"));
            assert_eq!(format(&q), format!("stats count(*) by bin(2{canonical})"), "{s}");
        }
    }
    // `where` is `filter`; `limit any` round-trips.
    assert_eq!(
        format(&parse("where a = 1 | limit any 3").expect("valid")),
        "filter a = 1\n| limit any 3"
    );
}
