//! Error-message snapshot tests: every invalid fixture query and each class of error must name
//! the problem and point at it (line:column and caret).

fn rendered(q: &str) -> String {
    let diags = insights::check(q);
    assert!(!diags.is_empty(), "expected errors for {q}");
    diags.iter().map(|d| d.render(q)).collect()
}

#[test]
fn fixture_invalid_queries() {
    let (_, invalid) = crate::common::fixture_queries();
    let expected = [
        "error: unclosed `(`: expected `)`, found end of query\n --> 1:28\n  |\n  | fields @timestamp | filter (level = \"error\"\n  |                            ^\n  = help: add `)` to close the `(` opened here\n",
        "error: unknown function `cout` — did you mean `count`?\n --> 1:7\n  |\n  | stats cout(*) by route\n  |       ^^^^^^^\n",
        "error: `p99(durationMs)` is not a function — use `pct(durationMs, 99)`\n --> 1:7\n  |\n  | stats p99(durationMs) by route\n  |       ^^^^^^^^^^^^^^^\n  = help: percentiles are written `pct(field, percentile)`\n",
        "error: `limit` needs a positive whole number, found `-5`\n --> 1:27\n  |\n  | fields @timestamp | limit -5\n  |                           ^^\n  = help: use a number from 1 to 100000, e.g. `limit 20`\n",
        "error: the `parse` pattern has 2 `*` captures but 1 field name is given after `as`\n --> 1:25\n  |\n  | parse @message \"* *\" as only_one\n  |                         ^^^^^^^^\n  = help: give one field name per `*`\n",
        "error: expected an expression after `>`, found end of query\n --> 1:20\n  |\n  | filter durationMs >\n  |                    ^\n",
        "error: unknown command `frobnicate`\n --> 1:21\n  |\n  | fields @timestamp | frobnicate x\n  |                     ^^^^^^^^^^\n  = help: commands: fields, display, filter, stats, sort, limit, parse, dedup, unmask, unnest, filterIndex\n",
    ];
    assert_eq!(invalid.len(), expected.len(), "fixture changed: update the snapshots");
    for (q, exp) in invalid.iter().zip(expected) {
        assert_eq!(rendered(q), exp, "query: {q}");
    }
}

fn first(q: &str) -> (String, u32, u32, Option<String>) {
    let d = insights::check(q).into_iter().next().unwrap_or_else(|| panic!("no error for {q}"));
    (d.message, d.span.line, d.span.column, d.help)
}

#[test]
fn error_classes() {
    let cases: &[(&str, &str, u32, u32)] = &[
        ("filds @message", "unknown command `filds` — did you mean `fields`?", 1, 1),
        (
            "stats count(*) by route | sort durationMs desc",
            "cannot sort by `durationMs`: the preceding `stats` removed it",
            1,
            32,
        ),
        ("fields strlen(a, b)", "`strlen` takes 1 argument, but 2 were given", 1, 8),
        ("fields substr(a)", "`substr` takes 2 to 3 arguments, but 1 was given", 1, 8),
        (
            "filter count(*) > 5",
            "aggregate function `count` can only be used in `stats`",
            1,
            8,
        ),
        (
            "stats max(count(*))",
            "aggregate function `count` cannot be nested inside another aggregate",
            1,
            11,
        ),
        ("stats route", "`route` in `stats` must be inside an aggregate function", 1, 7),
        // CWL_QuerySyntax-Display: display shows fields; expressions and aliases go in `fields`.
        ("display a, b + 1", "`display` shows fields only; `b + 1` is an expression", 1, 12),
        (
            "display strlen(@message)",
            "`display` shows fields only; `strlen(@message)` is an expression",
            1,
            9,
        ),
        ("fields x | display x as y", "`display` cannot rename: `x as y`", 1, 20),
        ("filter level = \"error", "unclosed string: expected a closing \"", 1, 16),
        ("filter x = [1, 2", "unclosed `[`: expected `]`, found end of query", 1, 12),
        ("filter (a = 1))", "unbalanced `)`: there is no `(` to close", 1, 15),
        ("fields a\n| filter b like /x(/", "invalid regex: unclosed group `(`", 2, 17),
        ("stats count(*) by bin(5x)", "unknown time unit `x` in `5x`", 1, 23),
        ("fields @timestamp |", "expected a command after `|`", 1, 20),
        ("", "the query is empty", 1, 1),
        (
            "parse @message /no groups/",
            "the `parse` regex has no named groups to extract",
            1,
            16,
        ),
        (
            "stats pct(d, 150)",
            "the second argument of `pct` must be a number from 0 to 100",
            1,
            7,
        ),
        ("stats count(*) by bin(route)", "`bin` takes a period such as `5m` or `1h`", 1, 19),
        // CWL_QuerySyntax-Limit: "You can specify a `limit` value of up to 100,000".
        ("fields a | limit 200000", "`limit 200000` is over the maximum of 100000", 1, 18),
        ("filter a and", "expected an expression after `and`, found end of query", 1, 13),
        ("stats median(d)", "`median(d)` is not a function — use `pct(d, 50)`", 1, 7),
        ("fields tolowr(level)", "unknown function `tolowr` — did you mean `tolower`?", 1, 8),
        ("filter a = 1 b", "expected `|` or end of query, found `b`", 1, 14),
    ];
    for (q, msg, line, col) in cases {
        let (m, l, c, _) = first(q);
        assert_eq!((m.as_str(), l, c), (*msg, *line, *col), "query: {q:?}");
    }
}

#[test]
fn several_errors_reported_at_once() {
    let d = insights::check("filds a | stats cout(*) | limit 0");
    assert_eq!(d.len(), 3, "{d:?}");
}

/// The rejections of AWS's command-order rules, each naming its rule and pointing at the
/// command that breaks it (CWL_QuerySyntax-Stats "Use multiple stats commands in a single
/// query"; CWL_QuerySyntax-Dedup; CWL_QuerySyntax-Limit).
#[test]
fn aws_order_rules() {
    let cases = [
        (
            "stats count(*) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n",
            "error: a query can have at most 10 `stats` commands\n --> 1:203\n  |\n  | stats count(*) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n | stats sum(n) as n\n  |                                                                                                                                                                                                           ^^^^^\n  = help: combine the aggregations into fewer `stats` commands\n",
        ),
        (
            "stats count(*) as n by route | stats sum(n) as n by route | sort n desc | stats max(n)",
            "error: `sort` must come after the last `stats`, not between two\n --> 1:61\n  |\n  | stats count(*) as n by route | stats sum(n) as n by route | sort n desc | stats max(n)\n  |                                                             ^^^^\n  = help: move `sort` after the last `stats` command\n",
        ),
        (
            "stats count(*) as n by route | stats max(n) by bin(1h)",
            "error: `bin` in a later `stats` needs the `stats` before it to pass on the time: group that one by `bin` too\n --> 1:48\n  |\n  | stats count(*) as n by route | stats max(n) by bin(1h)\n  |                                                ^^^^^^^\n  = help: after a `stats` there is no @timestamp unless it grouped by `bin(...)`; or keep a time, e.g. `max(@timestamp) as @t`, and use `dateceil(@t, 5m)`\n",
        ),
        (
            "stats count(*) as n by route | stats sum(n) as t | stats max(n)",
            "error: this `stats` cannot use `n`: the `stats` before it removed it\n --> 1:58\n  |\n  | stats count(*) as n by route | stats sum(n) as t | stats max(n)\n  |                                                          ^^^^^^\n  = help: after the preceding `stats`, the fields are: t\n",
        ),
        (
            "stats count(*) by route offset 1h",
            "error: `offset` shifts time bins: it needs `by bin(...)`\n --> 1:25\n  |\n  | stats count(*) by route offset 1h\n  |                         ^^^^^^^^^\n  = help: e.g. `stats count(*) by bin(5m) offset 1h`\n",
        ),
        (
            "fields a | dedup a | sort a",
            "error: `sort` cannot follow `dedup`: only `limit` may come after `dedup`\n --> 1:22\n  |\n  | fields a | dedup a | sort a\n  |                      ^^^^\n  = help: move `dedup` to the end of the query (before any `limit`)\n",
        ),
    ];
    for (q, want) in cases {
        assert_eq!(rendered(q), want, "query: {q}");
    }
    // What the rules allow: the Stats page's examples, and `limit` (also `limit any`) after dedup.
    for ok in [
        "fields strlen(@message) as message_length | stats sum(message_length)/1024/1024 as logs_mb by bin(5m) | stats max(logs_mb) as peak_ingest_mb, min(logs_mb) as min_ingest_mb, avg(logs_mb) as avg_ingest_mb",
        "fields strlen(@message) as message_length | stats sum(message_length) as ingested_bytes by bin(5m) | filter ingested_bytes > 20E6 | fields ingested_bytes/1024/1024 as ingested_mb | stats max(ingested_mb) as max_ingested_mb by bin(1h)",
        "stats count(*) as n by route | stats max(n) as worst | sort worst desc | limit 3",
        "fields @timestamp, server | sort @timestamp desc | dedup server | limit 5",
        "dedup server | limit any 5",
        "stats count(*) by bin(5m) offset 1h",
        "stats avg(latency) by bin(1m) offset 1d",
        "stats max(a) as x, min(a) as y, x - y as spread",
    ] {
        assert_eq!(insights::check(ok), vec![], "query: {ok}");
    }
}
