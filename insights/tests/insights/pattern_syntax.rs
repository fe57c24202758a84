//! `pattern` and `diff` in the language (parser, formatter, highlighter, analyzer): the
//! documentation's own examples, and the misuse the documentation rules out, with the span each
//! error points at.
//!
//! Pages: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Pattern.html
//! and https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Diff.html
#![allow(clippy::unwrap_used)]

use insights::ast::{Command, DiffPeriod, Expr};
use insights::{analyze, format, highlight, parse, Merge, TokenKind};

/// The examples of CWL_QuerySyntax-Pattern, verbatim.
const PATTERN_PAGE: [&str; 3] = [
    "pattern @message",
    "filter @message like /ERROR/ | pattern @message",
    "filter @message like /ERROR/ | parse @message 'Failed to do: *' as cause | pattern cause | sort @sampleCount asc",
];

/// The forms of CWL_QuerySyntax-Diff.
const DIFF_PAGE: [(&str, DiffPeriod); 4] = [
    ("diff", DiffPeriod::PreviousPeriod),
    ("diff previousDay", DiffPeriod::PreviousDay),
    ("diff previousWeek", DiffPeriod::PreviousWeek),
    ("diff previousMonth", DiffPeriod::PreviousMonth),
];

#[test]
fn documentation_examples_parse_format_and_round_trip() {
    for q in PATTERN_PAGE.iter().copied().chain(DIFF_PAGE.iter().map(|d| d.0)) {
        let ast = parse(q).unwrap_or_else(|d| panic!("{q}: {d:?}"));
        let text = format(&ast);
        assert_eq!(parse(&text).unwrap(), ast, "{q} → {text}");
    }
    assert_eq!(
        parse(PATTERN_PAGE[2]).unwrap().commands[2],
        Command::Pattern(Expr::Field("cause".into()))
    );
    for (q, period) in DIFF_PAGE {
        assert_eq!(parse(q).unwrap().commands, vec![Command::Diff(period)], "{q}");
        assert_eq!(format(&parse(q).unwrap()), q);
    }
    assert_eq!(
        format(&parse("filter x  = 1|PATTERN   tolower( @message )|diff PREVIOUSDAY").unwrap()),
        "filter x = 1\n| pattern tolower(@message)\n| diff previousDay"
    );
}

#[test]
fn the_analyzer_knows_clustering_aggregates() {
    let a = analyze(&parse(PATTERN_PAGE[2]).unwrap());
    assert!(a.aggregates);
    assert_eq!(a.output_fields, vec!["@pattern", "@ratio", "@sampleCount", "@severityLabel"]);
    assert_eq!(a.fields_read, vec!["@message"]);
    assert!(a.unsupported_commands.is_empty());
    assert!(matches!(a.merge, Merge::No { .. }));
    let a = analyze(&parse("filter level = 'error' | diff previousWeek | sort @changeInSampleCount desc").unwrap());
    assert!(a.aggregates);
    assert_eq!(a.fields_read, vec!["level", "@message"]);
    assert_eq!(
        a.output_fields,
        vec![
            "@pattern",
            "@ratio",
            "@sampleCount",
            "@severityLabel",
            "@previousSampleCount",
            "@previousRatio",
            "@changeInSampleCount",
            "@changeType"
        ]
    );
    let a = analyze(&parse("pattern msg | diff").unwrap());
    assert_eq!(a.fields_read, vec!["msg"]);
    assert!(!analyze(&parse("fields @message").unwrap()).aggregates);
}

#[test]
fn highlighting() {
    let q = "diff previousDay | pattern @message";
    let kinds: Vec<TokenKind> = highlight(q).into_iter().map(|t| t.kind).collect();
    use TokenKind::*;
    assert_eq!(kinds, vec![Command, Keyword, Punctuation, Command, Field]);
    // Only right after `diff` is a period a keyword.
    let kinds: Vec<TokenKind> = highlight("fields previousDay").into_iter().map(|t| t.kind).collect();
    assert_eq!(kinds, vec![Command, Field]);
}

fn first(q: &str) -> (String, usize, usize) {
    let d = insights::check(q).into_iter().next().unwrap_or_else(|| panic!("no error for {q}"));
    (d.message, d.span.start, d.span.end)
}

#[test]
fn misuse_is_reported_where_it_is() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "pattern",
            "expected the field to cluster (e.g. `@message`) after `pattern`, found end of query",
            "",
        ),
        ("pattern 'text'", "`pattern` clusters the text of a field, not a constant", "'text'"),
        (
            "pattern count(*)",
            "aggregate function `count` can only be used in `stats`",
            "count(*)",
        ),
        (
            "stats count(*) by level | pattern @message",
            "cannot cluster `@message`: the preceding `stats` removed it",
            "@message",
        ),
        (
            "pattern @message | sort level",
            "cannot sort by `level`: the preceding `pattern` removed it",
            "level",
        ),
        (
            "pattern @message | pattern @severityLabel",
            "`pattern` cannot follow `pattern`: a query clusters its events into patterns once",
            "pattern",
        ),
        (
            "diff previous",
            "unknown `diff` period `previous` — did you mean `previousDay`?",
            "previous",
        ),
        ("diff yesterday", "unknown `diff` period `yesterday`", "yesterday"),
        (
            "diff 1d",
            "expected `previousDay`, `previousWeek`, `previousMonth` or `|` after `diff`, found duration `1d`",
            "1d",
        ),
        (
            "diff previousDay previousWeek",
            "expected `|` or end of query, found `previousWeek`",
            "previousWeek",
        ),
        (
            "stats count(*) | diff",
            "cannot compare `@message`: the preceding `stats` removed it",
            "diff",
        ),
        (
            "diff | diff",
            "`diff` cannot follow `diff`: a query clusters its events into patterns once",
            "diff",
        ),
        (
            "pattern @message | limit 5 | diff",
            "`diff` cannot follow `pattern`: a query clusters its events into patterns once",
            "diff",
        ),
        (
            "diff | sort @message",
            "cannot sort by `@message`: the preceding `diff` removed it",
            "@message",
        ),
    ];
    for (q, msg, at) in cases {
        let (m, s, e) = first(q);
        assert_eq!(&m, msg, "{q}");
        // The span is the last occurrence of `at` (the end of the query when `at` is empty).
        let want = if at.is_empty() { q.len() } else { q.rfind(at).unwrap() };
        assert_eq!((s, e), (want, want + at.len()), "span of the error in {q}");
    }
    // What the documentation allows stays valid.
    for q in [
        "pattern @message | diff",
        "pattern @message | diff previousMonth | sort @changeInSampleCount desc | limit 10",
        "diff | filter @changeType = 'new' | display @pattern, @sampleCount",
        "pattern @message | stats sum(@sampleCount) by @severityLabel",
        "fields tolower(@message) as m | pattern m",
    ] {
        assert!(insights::check(q).is_empty(), "{q}: {:?}", insights::check(q));
    }
}
