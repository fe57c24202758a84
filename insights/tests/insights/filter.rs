//! Filter patterns: AWS's documented examples as golden tests (each group cites its page), edge
//! cases, error messages and positions, metric values, and property tests.

use insights::filter::{FilterKind, FilterPattern};
use proptest::prelude::*;

fn parse(p: &str) -> FilterPattern {
    FilterPattern::parse(p).unwrap_or_else(|e| panic!("{p:?} should parse: {e}"))
}

/// The error for an invalid pattern: (position, message).
fn error(p: &str) -> (usize, String) {
    match FilterPattern::parse(p) {
        Ok(parsed) => panic!("{p:?} should be rejected, parsed as {parsed:?}"),
        Err(e) => (e.position, e.message),
    }
}

#[cfg(feature = "eval")]
fn check(pattern: &str, matching: &[&str], not_matching: &[&str]) {
    let p = parse(pattern);
    for m in matching {
        assert!(p.matches(m), "{pattern:?} should match {m:?}");
    }
    for m in not_matching {
        assert!(!p.matches(m), "{pattern:?} should not match {m:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Unstructured terms.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-unstructured-log-events.html
// (also the "unstructured" section of .../logs/FilterAndPatternSyntax.html)
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "eval")]
mod unstructured {
    use super::check;

    const E400: &str = "[ERROR 400] BAD REQUEST";
    const E401: &str = "[ERROR 401] UNAUTHORIZED REQUEST";
    const E419: &str = "[ERROR 419] MISSING ARGUMENTS";
    const E420: &str = "[ERROR 420] INVALID ARGUMENTS";
    const E500: &str = "[ERROR 500] INTERNAL SERVER ERROR";

    #[test]
    fn single_term() {
        check("ERROR", &[E400, E401, E419, E420], &["[INFO 200] OK", "[error 400] lower case"]);
    }

    #[test]
    fn multiple_terms_are_and() {
        check("ERROR ARGUMENTS", &[E419, E420], &[E400, E401]);
    }

    #[test]
    fn optional_terms_are_or() {
        check(
            "?ERROR ?ARGUMENTS",
            &[E400, E401, E419, "[INFO] INVALID ARGUMENTS PROVIDED"],
            &["[INFO] REQUEST OK", ""],
        );
    }

    #[test]
    fn optional_terms_are_ignored_with_other_terms() {
        // "If you combine '?' with other filter patterns, all question mark terms will be ignored."
        check(
            "?ERROR ?ARGUMENTS REQUEST",
            &["[INFO] REQUEST FAILED", "[WARN] UNAUTHORIZED REQUEST", "[ERROR] 400 BAD REQUEST"],
            &[E419, E420],
        );
        check("?ERROR -ARGUMENTS", &["[INFO] ok", E400], &[E419]);
    }

    #[test]
    fn exact_phrase() {
        check(
            "\"INTERNAL SERVER ERROR\"",
            &[E500],
            &["[ERROR 500] INTERNAL ERROR SERVER", "INTERNAL  SERVER ERROR"],
        );
    }

    #[test]
    fn include_and_exclude() {
        check("ERROR -ARGUMENTS", &[E400, E401], &[E419, E420, "[INFO] ARGUMENTS"]);
    }

    #[test]
    fn blank_phrase_matches_everything() {
        // "Capture all log activity": `" "`.
        check("\" \"", &["", "x", E400, "no-spaces-here"], &[]);
    }

    #[test]
    fn empty_pattern_matches_everything() {
        check("", &["", "anything", "{\"a\":1}"], &[]);
        check("  \t ", &["", "anything"], &[]);
    }

    // https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/lightsail/aws.sdk.kotlin.services.lightsail.model/-get-container-log-request/filter-pattern.html
    #[test]
    fn exclusion_alone_returns_all_other_events() {
        check("-ERROR", &["[INFO] fine", ""], &[E400]);
        check("?ERROR ?Exception", &["ERROR", "an Exception"], &["WARN"]);
    }

    // Older guide, https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md
    #[test]
    fn older_guide_examples() {
        // Terms match anywhere, not only whole words.
        check(
            "ERROR",
            &["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"],
            &[],
        );
        check(
            "\"ERROR\" - \"Exiting\"",
            &["[ERROR] A fatal exception has occurred"],
            &["Exiting with ERRORCODE: -1"],
        );
        check(
            "ERROR Exception",
            &["[ERROR] Caught IllegalArgumentException", "[ERROR] Unhandled Exception"],
            &["[ERROR] fine"],
        );
        check(
            "\"Failed to process the request\"",
            &[
                "[WARN] Failed to process the request",
                "[ERROR] Unable to continue: Failed to process the request",
            ],
            &["[WARN] Failed to process a request"],
        );
        // "OR Pattern Matching": 1 = ERROR WARN message, 2 = ERROR message, 3 = WARN message.
        let (one, two, three) = ("ERROR WARN message", "ERROR message", "WARN message");
        check("ERROR", &[one, two], &[three]);
        check("?ERROR ?WARN", &[one, two, three], &["INFO message"]);
        check("ERROR WARN", &[one], &[two, three]);
        check("ERROR -WARN", &[two], &[one, three]);
    }

    #[test]
    fn terms_are_case_sensitive_substrings() {
        check("Error", &["xErrorx", "Error"], &["ERROR", "error"]);
        check("\"a b\"", &["xa by"], &["a  b", "ab"]);
        check("\"say \\\"hi\\\"\"", &["they say \"hi\" twice"], &["they say hi"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Regular expressions.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#regex-expressions
// (and https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html)
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "eval")]
mod regex {
    use super::{check, error};

    #[test]
    fn keyword() {
        check(
            "%AUTHORIZED%",
            &["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST"],
            &["[ERROR 401] authorized"],
        );
    }

    #[test]
    fn anchors() {
        check("%^[hc]at%", &["hat", "cat stuff"], &["that", "a cat"]);
        check("%[hc]at$%", &["hat", "a cat"], &["hats", "cat."]);
    }

    #[test]
    fn optional_and_classes() {
        check("%colou?r%", &["color", "colour"], &["colr"]);
        check("%[abc]%", &["a", "xbx", "c"], &["xyz"]);
        check("%[a-z]%", &["Q q"], &["QRS 123"]);
        check("%[abcx-z]%", &["y"], &["d"]);
    }

    #[test]
    fn counted_repetition() {
        check("%a{3,5}%", &["aaa", "xaaaax"], &["aa", "a a a"]);
        // AWS writes `{m, n}` with a space, and either bound may be omitted.
        check("%^a{3, 5}$%", &["aaa", "aaaaa"], &["aa", "aaaaaa"]);
        check("%^a{,2}$%", &["", "a", "aa"], &["aaa"]);
        check("%^a{2,}$%", &["aa", "aaaaaaa"], &["a"]);
    }

    #[test]
    fn alternation() {
        check("%gra|ey%", &["gray", "grey"], &["gruy"]);
        check(
            "%^starting|^initializing|^shutting down%",
            &["starting ...", "initializing ...", "shutting down"],
            &["skipping initializing ..."],
        );
        // The page writes `%abcc|ab[^c]$` (closing `%` missing).
        check("%abcc|ab[^c]$%", &["abcc ...", "xaba"], &["aac ..."]);
    }

    #[test]
    fn escapes() {
        check("%\\[.\\]%", &["[a]", "[b]", "[7]", "[@]", "[]]", "[ ]"], &["[]", "[ab]"]);
        check("%10\\.10\\.0\\.1%", &["host 10.10.0.1 up"], &["10010,051"]);
        // Unescaped, `.` matches anything: "%10.10.0.1% can match 10010,051".
        check("%10.10.0.1%", &["10010,051"], &[]);
        check("%\\x3A%", &["a:b"], &["ab"]);
        check("%\\x28%", &["f(x)"], &["fx"]);
    }

    #[test]
    fn repetition_operators() {
        check("%^ab*c$%", &["ac", "abc", "abbbc"], &["abd"]);
        check("%^ab[0-9]*$%", &["ab", "ab0", "ab129"], &["abc"]);
        check("%^ab+c$%", &["abc", "abbc", "abbbc"], &["ac"]);
    }

    #[test]
    fn dot_matches_any_character() {
        check("%^.at$%", &["hat", "cat", "bat", "4at", "#at", " at"], &["at", "heat"]);
        // Including a newline in a multi-line event.
        check("%a.b%", &["a\nb"], &[]);
    }

    #[test]
    fn class_escapes_are_ascii() {
        // `\d` is `[0-9]` and `\w` is `[a-zA-Z_0-9]`, not their Unicode versions.
        check("%\\d%", &["x5"], &["xyz", "\u{663}"]);
        check("%^\\D+$%", &["abc", "\u{663}"], &["a5"]);
        check("%\\s%", &["a b", "a\tb", "a\nb"], &["ab"]);
        check("%^\\S+$%", &["ab"], &["a b"]);
        check("%\\w%", &["_", "é1"], &["é", "-"]);
        check("%^\\W+$%", &["é-", " "], &["a"]);
        check("%^[\\d_]+$%", &["1_2"], &["1a"]);
    }

    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html
    #[test]
    fn overview_examples() {
        check(
            "%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%",
            &["client 192.168.0.1 connected"],
            &["client 192.168.0 connected"],
        );
        check("%[Ee]rror|[Ff]ail%", &["Error", "error", "Fail", "will fail"], &["ERROR", "FAIL"]);
    }

    #[test]
    fn unsupported_syntax_is_rejected() {
        // "%something!% would be rejected since '!' is not supported."
        assert_eq!(error("%something!%").0, 10);
        assert!(error("%something!%").1.contains("'!' is not supported"));
        // "The ( and ) operators are not supported."
        let (at, msg) = error("%(ab)+%");
        assert_eq!(at, 1);
        assert!(msg.contains("\\x28"), "{msg}");
        // "Multi-byte characters are not supported."
        assert_eq!(error("%caf\u{e9}%").0, 4);
        assert!(error("%caf\u{e9}%").1.contains("multi-byte"));
        assert_eq!(error("%\\bword%").0, 1);
        assert_eq!(error("%a**%").0, 3);
        assert_eq!(error("%*a%").0, 1);
        assert_eq!(error("%a{5,3}%").0, 2);
        assert_eq!(error("%a{1001}%").0, 2);
        assert_eq!(error("%[abc%").0, 1);
        assert_eq!(error("%[z-a]%").0, 2);
        assert_eq!(error("%\\x4%").0, 1);
        assert_eq!(error("%%").0, 1);
        assert_eq!(error("%abc").0, 0);
        assert!(error("%abc").1.contains("closing '%'"));
    }

    #[test]
    fn a_regex_pattern_is_standalone() {
        let (at, msg) = error("%ERROR% WARN");
        assert_eq!(at, 8);
        assert!(msg.contains("whole filter pattern"), "{msg}");
        let (at, msg) = error("WARN %ERROR%");
        assert_eq!(at, 5);
        assert!(msg.contains("only at the start"), "{msg}");
    }

    #[test]
    fn expensive_regexes_are_bounded() {
        // Within the limits: compiles.
        check(&format!("%{}%", "[a-z]{1000}".repeat(10)), &[], &["short"]);
        // The costliest items (Unicode-wide classes) at the limit still compile, so the parser
        // accepts the same regexes with and without the `eval` feature.
        for item in [".{1000}", "[a-z]{1000}", "\\w{1000}"] {
            super::parse(&format!("%{}%", item.repeat(10)));
            super::parse(&format!("{{ $.a = %{0}% && $.b = %{0}% }}", item.repeat(10)));
        }
        let wide = "[^acegikmoqsuwyACEGIKMOQSUWY02468:#=@/;,_ ]{1000}";
        for item in ["[^a]{1000}", "\\W{1000}", "\\S{1000}", "[\\D]{1000}", wide] {
            super::parse(&format!("%{}%", item.repeat(2)));
            super::parse(&format!("{{ $.a = %{0}% && $.b = %{0}% }}", item.repeat(2)));
            assert!(error(&format!("%{}%", item.repeat(3))).1.contains("too complex"));
        }
        // Beyond them: a clear error, not a compile failure or a huge automaton.
        let (_, msg) = error(&format!("%{}%", ".{1000}".repeat(11)));
        assert!(msg.contains("too complex"), "{msg}");
    }
}

// ---------------------------------------------------------------------------------------------
// JSON.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html
// (and the JSON section of .../logs/FilterAndPatternSyntax.html)
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "eval")]
mod json {
    use super::{check, error, parse};

    /// The page's sample event, on one line as the page asks.
    const SAMPLE: &str = r#"{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"], "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": null, "cluster.name": "c"}"#;

    /// The compound-expression sample event.
    const COMPOUND: &str = r#"{"user": {"id": 1, "email": "John.Stiles@example.com"}, "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}], "actions": ["GET", "PUT", "DELETE"], "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}"#;

    #[test]
    fn string_values() {
        check("{ $.eventType = \"UpdateTrail\" }", &[SAMPLE], &[r#"{"eventType": "CreateTrail"}"#]);
        check("{ $.eventType = UpdateTrail }", &[SAMPLE], &[]);
        check(
            "{ $.sourceIPAddress != 123.123.* }",
            &[SAMPLE],
            &[r#"{"sourceIPAddress": "123.123.0.1"}"#],
        );
        check("{ $.sourceIPAddress != 111.111.* }", &[], &[SAMPLE]);
        check("{ $.arrayKey[0] = \"value\" }", &[SAMPLE], &[r#"{"arrayKey": "value"}"#]);
        check("{ $.arrayKey[1] = \"another value\" }", &[SAMPLE], &[]);
        check("{ $.objectList[1].id = 2 }", &[SAMPLE], &[r#"{"objectList": {"id": 2}}"#]);
    }

    #[test]
    fn regex_values_and_wildcard_selectors() {
        check("{ $.eventType = %Trail% }", &[SAMPLE], &[r#"{"eventType": "trail"}"#]);
        check("{ $.arrayKey[*] = %val.{2}% }", &[SAMPLE], &[r#"{"arrayKey": ["va", "x"]}"#]);
        check(
            "{ $.* = %111\\.111\\.111\\.1[0-9]{1,2}% }",
            &[SAMPLE],
            &[r#"{"ip": "111.111.111.2"}"#],
        );
        check("{ $.objectList[*].name = \"b\" }", &[SAMPLE], &[]);
        check("{ $.eventType != %Trail% }", &[r#"{"eventType": "Other"}"#], &[SAMPLE]);
    }

    #[test]
    fn bracket_notation_for_dotted_names() {
        check("{ $.['cluster.name'] = \"c\" }", &[SAMPLE], &[r#"{"cluster": {"name": "c"}}"#]);
        check("{ $.cluster.name = \"c\" }", &[r#"{"cluster": {"name": "c"}}"#], &[SAMPLE]);
    }

    #[test]
    fn is_null_true_false_and_not_exists() {
        check("{ $.SomeObject IS NULL }", &[SAMPLE], &[r#"{"SomeObject": 0}"#, r#"{}"#]);
        check(
            "{ $.SomeOtherObject NOT EXISTS }",
            &[SAMPLE, "{}"],
            &[r#"{"SomeOtherObject": null}"#],
        );
        check("{ $.eventType NOT EXISTS }", &[], &[SAMPLE]);
        // Older guide: "ThisFlag": true.
        check(
            "{ $.ThisFlag IS TRUE }",
            &[r#"{"ThisFlag": true}"#],
            &[r#"{"ThisFlag": "true"}"#, r#"{"ThisFlag": false}"#],
        );
        check("{ $.ThisFlag IS FALSE }", &[r#"{"ThisFlag": false}"#], &[r#"{"ThisFlag": true}"#]);
        // "The variables IS NOT and EXISTS currently aren't supported."
        assert_eq!(error("{ $.a IS NOT NULL }").0, 6);
        assert!(error("{ $.a EXISTS }").1.contains("EXISTS is not supported"));
    }

    #[test]
    fn compound_expressions() {
        check(
            "{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }",
            &[COMPOUND],
            &[],
        );
        check(
            "{ $.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = \"nonmatch\" && $.actions[2] = \"nonmatch\" }",
            &[COMPOUND],
            &[],
        );
        check(
            "{ ($.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = \"nonmatch\") && $.actions[2] = \"nonmatch\" }",
            &[],
            &[COMPOUND],
        );
        check(
            "{ ($.user.id = 2 && $.users[0].email = \"nonmatch\") || $.actions[2] = \"GET\" }",
            &[],
            &[COMPOUND],
        );
        // The older guide's unquoted spelling.
        check(
            "{ $.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }",
            &[COMPOUND],
            &[],
        );
        check("{ $.coordinates[2][0] = 7 && $.actions[1] = PUT }", &[COMPOUND], &[]);
    }

    #[test]
    fn numeric_comparisons() {
        check(
            "{ $.bandwidth > 75 }",
            &[r#"{"bandwidth": 76}"#, r#"{"bandwidth": 75.5}"#],
            &[r#"{"bandwidth": 75}"#],
        );
        check("{ $.latency < 50 }", &[r#"{"latency": 49}"#], &[r#"{"latency": 50}"#]);
        check(
            "{ $.refreshRate >= 60 }",
            &[r#"{"refreshRate": 60}"#],
            &[r#"{"refreshRate": 59.9}"#],
        );
        check(
            "{ $.responseTime <= 5 }",
            &[r#"{"responseTime": 5}"#, r#"{"responseTime": -3}"#],
            &[r#"{"responseTime": 6}"#],
        );
        check(
            "{ $.errorCode = 400}",
            &[r#"{"errorCode": 400}"#, r#"{"errorCode": 400.0}"#],
            &[r#"{"errorCode": 401}"#],
        );
        check(
            "{ $.errorCode != 500 }",
            &[r#"{"errorCode": 400}"#],
            &[r#"{"errorCode": 500}"#, "{}"],
        );
        check("{ $.number[0] = 1e+3 }", &[r#"{"number": [1000]}"#], &[r#"{"number": [100]}"#]);
        check("{ $.number[0] != 1e-3 }", &[r#"{"number": [1]}"#], &[r#"{"number": [0.001]}"#]);
        // Older guide.
        check("{ $.latency >= 500 }", &[r#"{"latency": 500}"#], &[r#"{"latency": 499}"#]);
        check("{ $.numbers[0] < 10e3 }", &[r#"{"numbers": [9999]}"#], &[r#"{"numbers": [10000]}"#]);
        check(
            "{ $.numbers[0] < 10e-3 }",
            &[r#"{"numbers": [0.001]}"#],
            &[r#"{"numbers": [0.01]}"#],
        );
        check(
            "{ $.processes[4].averageRuntime <= 55.5 }",
            &[r#"{"processes": [0, 0, 0, 0, {"averageRuntime": 55.5}]}"#],
            &[r#"{"processes": [{"averageRuntime": 1}]}"#],
        );
        check("{ $.latency > +1000 }", &[r#"{"latency": 1001}"#], &[r#"{"latency": 1000}"#]);
    }

    #[test]
    fn large_integers_compare_exactly() {
        check(
            "{ $.id = 9007199254740993 }",
            &[r#"{"id": 9007199254740993}"#],
            &[r#"{"id": 9007199254740992}"#],
        );
    }

    #[test]
    fn or_and_string_wildcards() {
        // Older guide, "OR Pattern Matching".
        let (bar, baz) = (r#"{"foo": "bar"}"#, r#"{"foo": "baz"}"#);
        check("{$.foo = bar}", &[bar], &[baz]);
        check("{$.foo = baz }", &[baz], &[bar]);
        check("{$.foo = bar || $.foo = baz }", &[bar, baz], &[r#"{"foo": "qux"}"#]);
        // "*Event will match PutEvent and GetEvent. Event* will match EventId and EventName.
        // Ev*ent will only match the actual string Ev*ent."
        check(
            "{ $.e = *Event }",
            &[r#"{"e": "PutEvent"}"#, r#"{"e": "GetEvent"}"#],
            &[r#"{"e": "EventId"}"#],
        );
        check(
            "{ $.e = Event* }",
            &[r#"{"e": "EventId"}"#, r#"{"e": "EventName"}"#],
            &[r#"{"e": "PutEvent"}"#],
        );
        check(
            "{ $.e = Ev*ent }",
            &[r#"{"e": "Ev*ent"}"#],
            &[r#"{"e": "Event"}"#, r#"{"e": "EvXent"}"#],
        );
        check(
            "{ $.e = \"*\" }",
            &[r#"{"e": ""}"#, r#"{"e": "x"}"#, r#"{"e": 5}"#],
            &[r#"{"e": null}"#, "{}"],
        );
    }

    #[test]
    fn selectors_of_objects_and_arrays_never_match() {
        // "both {$.users = 1} and {$.users != 1} will fail to match" when users is an array.
        let ev = r#"{"users": [1, 2, 3]}"#;
        check("{$.users = 1}", &[], &[ev]);
        check("{$.users != 1}", &[], &[ev]);
        check("{$.users != \"x\"}", &[], &[r#"{"users": {"a": 1}}"#]);
    }

    #[test]
    fn numbers_and_strings_meet() {
        // Quoted values compare with the number as written; unquoted numbers numerically.
        check("{ $.n = \"123\" }", &[r#"{"n": 123}"#], &[r#"{"n": 1234}"#]);
        check("{ $.n != \"123.0\" }", &[r#"{"n": 123}"#], &[]);
        check("{ $.n = 123.0 }", &[r#"{"n": 123}"#], &[]);
        check("{ $.n = 12.* }", &[r#"{"n": 12.34}"#], &[r#"{"n": 13.34}"#]);
        check("{ $.s > 100 }", &[r#"{"s": "150"}"#], &[r#"{"s": "abc"}"#, r#"{"s": "50"}"#]);
        check("{ $.s != 111 }", &[r#"{"s": "111.111.111.111"}"#], &[r#"{"s": "111"}"#]);
    }

    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringPolicyExamples.html (metric filter syntax page)
    #[test]
    fn metric_filter_examples() {
        check(
            "{ $.eventType = \"*\" && $.sourceIPAddress != 123.123.* }",
            &[SAMPLE],
            &[r#"{"eventType": "x"}"#],
        );
        let p = parse("{ $.latency = * }");
        let ev = r#"{"latency": 50, "requestType": "GET"}"#;
        assert!(p.matches(ev));
        assert_eq!(p.metric_value(ev, "$.latency"), Some(50.0));
        assert_eq!(p.metric_value(r#"{"requestType": "GET"}"#, "$.latency"), None);
    }

    #[test]
    fn non_json_events_never_match() {
        for (p, ok) in [
            ("{ $.a NOT EXISTS }", r#"{"b": 1}"#),
            ("{ $.a != 1 }", r#"{"a": 2}"#),
            ("{ $.a = * }", r#"{"a": "x"}"#),
        ] {
            check(p, &[ok], &["a=1", "{broken", "[1, 2]", "\"str\"", "42", "{\"b\":1} trailing", ""]);
        }
        // Leading blanks are fine.
        check("{ $.a = 1 }", &["  {\"a\": 1}\n"], &[]);
    }

    #[test]
    fn deeply_nested_events_do_not_crash() {
        let deep = format!("{}{}", "{\"a\":".repeat(500), "1".to_string() + &"}".repeat(500));
        check("{ $.a.a = * }", &[], &[&deep]);
        check("{ $.b NOT EXISTS }", &[], &[&deep]);
    }
}

// ---------------------------------------------------------------------------------------------
// Space-delimited.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
// ("Using filter patterns to match terms in space-delimited log events")
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "eval")]
mod delimited {
    use super::{check, parse};

    const EVENT: &str = r#"127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
    const LINES: [&str; 4] = [
        "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200",
        "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
        "WARNING 09/25/2014 12:00:02 Invalid user request",
        "ERROR 09/25/2014 12:00:02 Failed to process request",
    ];

    #[test]
    fn seven_fields() {
        let p = "[ip=%127\\.0\\.0\\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]";
        check(
            p,
            &[EVENT],
            &[
                &EVENT.replace("127.0.0.1", "10.0.0.1"),
                &EVENT.replace("404", "500"),
                &EVENT.replace("index.html", "index.php"),
            ],
        );
    }

    #[test]
    fn ellipsis() {
        check(
            "[..., request =*.html*, status_code = 4*, bytes]",
            &[EVENT],
            &[&EVENT.replace("404", "200")],
        );
        check("[ip, ..., bytes = 1534]", &[EVENT], &["1.2.3.4 1535"]);
        check("[...]", &[EVENT, ""], &[]);
    }

    #[test]
    fn or_within_a_field() {
        let p = "[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]";
        check(p, &[EVENT, &EVENT.replace("404", "410")], &[&EVENT.replace("404", "500")]);
    }

    #[test]
    fn terms_in_order() {
        let [get, post, warning, err] = LINES;
        check("[w1=ERROR, w2]", &[err], &[get, post, warning]);
        check("[w1=ERROR || w1=WARNING, w2]", &[warning, err], &[get, post]);
        check("[w1!=ERROR && w1!=WARNING, w2]", &[get, post], &[warning, err]);
    }

    #[test]
    fn resource_uri_regexes() {
        let [get, post, ..] = LINES;
        check(
            "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
            &[get],
            &[post],
        );
        check(
            "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]",
            &[post],
            &[get],
        );
    }

    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringPolicyExamples.html (metric filter syntax page)
    #[test]
    fn metric_filter_page() {
        let p = parse("[ip, server, username, timestamp, request, status_code, bytes > 1000]");
        assert!(p.matches(EVENT));
        assert!(!p.matches(&EVENT.replace("1534", "999")));
        assert_eq!(p.metric_value(EVENT, "$bytes"), Some(1534.0));
        assert_eq!(p.metric_value(EVENT, "$status_code"), Some(404.0));
        assert_eq!(p.metric_value(EVENT, "$request"), None);
        assert_eq!(p.metric_value(EVENT, "$server"), None);
        assert_eq!(
            p.field_names(),
            ["ip", "server", "username", "timestamp", "request", "status_code", "bytes"]
        );
        // "the first word in the events is ERROR or any superstring of WARN"
        let [get, _, warning, err] = LINES;
        check("[w1=ERROR || w1=%WARN%, w2]", &[warning, err, "XWARNX rest"], &[get]);
    }

    // Older guide, https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md
    #[test]
    fn older_guide_examples() {
        let a = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#;
        let b = r#"127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324"#;
        let c = r#"127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355"#;
        let all = [a, b, c];
        for p in [
            "[ip, user, username, timestamp, request, status_code, bytes]",
            "[..., status_code, bytes]",
            "[ip, user, ..., status_code, bytes]",
            "[ip, user, ...]",
            "[ip, user, username, timestamp, request, status_code, bytes > 1000]",
        ] {
            check(p, &all, &[]);
        }
        check("[ip, user, username, timestamp, request, status_code = 200, bytes]", &[a, c], &[b]);
        check("[ip, user, username, timestamp, request, status_code = 5*, bytes]", &[b], &[a, c]);
        check(
            "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
            &[],
            &all,
        );
        check(
            "[ip, user, username, timestamp, request, status_code = 2* && status_code != 201, bytes]",
            &[a, c],
            &[b],
        );
        // "[w1=ERROR, w2] matches ERROR (pattern 2), [w1=ERROR || w1=WARN, w2] matches lines containing ERROR or WARN"
        check("[w1=ERROR, w2]", &["ERROR message", "ERROR WARN message"], &["WARN message"]);
        check("[w1=ERROR || w1=WARN, w2]", &["ERROR message", "WARN message"], &["INFO message"]);
        // Trailing comma: an unnamed last field; unnamed fields are also reachable as $N.
        let ev = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
        let p = parse("[..., request=*.html*, status_code=4*,]");
        assert!(p.matches(ev));
        assert_eq!(p.metric_value(ev, "$7"), Some(1534.0));
        assert_eq!(p.metric_value(ev, "$6"), Some(404.0));
        assert_eq!(p.metric_value(ev, "$8"), None);
    }

    #[test]
    fn bracketed_and_quoted_fields_are_single_fields() {
        check("[a, b = \"x y\", c]", &["1 \"x y\" 3"], &["1 x y 3"]);
        check("[a, b = \"x y\", c]", &["1 [x y] 3"], &["1 [x y 3"]);
        // An unterminated quote or bracket is an ordinary field.
        check("[a, b, c]", &["\"unterminated x y"], &[]);
        check("[a = \"[x\", b]", &["[x y"], &[]);
        // Tabs and runs of blanks separate fields too.
        check("[a, b = 2, c]", &["1\t2   3"], &["1 22 3"]);
    }

    #[test]
    fn field_counts() {
        // Without `...`, too few fields never match; extra ones belong to the last field.
        check("[a, b, c]", &["1 2 3", "1 2 3 4"], &["1 2", ""]);
        check("[a, b = 2, c = \"3 4\"]", &["1 2 3 4"], &["1 2 3"]);
        check("[a, b = 2, c = 3]", &["1 2 3", "1 2 3  "], &["1 2 3 4"]);
        // With `...`, the named fields must all be there.
        check("[a, ..., z]", &["1 2", "1 2 3 4"], &["1"]);
    }

    #[test]
    fn several_ellipses() {
        let p = "[..., k = key, v = 7*, ...]";
        check(p, &["x key 7 y", "key 70", "a key 1 key 77 b"], &["key 1 key 2", "key"]);
        let p = "[first, ..., mid = m*, ..., last = z]";
        check(p, &["a m z", "a b mm c z"], &["m z", "a m", "a b c z", "a z m"]);
    }

    #[test]
    fn numeric_and_string_fields() {
        check("[a, b > 10]", &["x 11", "x 1e2"], &["x 10", "x abc", "x"]);
        check("[a, b = 10]", &["x 10", "x 10.0"], &["x 100", "x ten"]);
        check("[a, b != 10]", &["x 11", "x ten"], &["x 10"]);
        check("[a, b = ten]", &["x ten"], &["x 10"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: messages and positions.
// ---------------------------------------------------------------------------------------------

#[test]
fn kinds() {
    assert_eq!(parse("").kind(), FilterKind::All);
    assert_eq!(parse("   ").kind(), FilterKind::All);
    assert_eq!(parse("ERROR").kind(), FilterKind::Terms);
    assert_eq!(parse("%ERR%").kind(), FilterKind::Regex);
    assert_eq!(parse(" { $.a = 1 } ").kind(), FilterKind::Json);
    assert_eq!(parse("[a, b]").kind(), FilterKind::SpaceDelimited);
    assert_eq!(parse("ERROR").as_str(), "ERROR");
    assert_eq!(parse("a  b").to_string(), "a  b");
    let p: FilterPattern = "{ $.a = 1 }".parse().expect("valid");
    assert_eq!(p, parse("{ $.a = 1 }"));
    assert_ne!(p, parse("{ $.a = 2 }"));
    assert!(parse("ERROR").field_names().is_empty());
    assert_eq!(parse("[a, ..., b = 1,]").field_names(), ["a", "b"]);
    // Shared between threads by the servers that evaluate metric and subscription filters.
    fn send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    send_sync::<FilterPattern>();
}

#[test]
fn length_limit() {
    let ok = "a".repeat(1024);
    parse(&ok);
    let (at, msg) = error(&"a".repeat(1025));
    assert_eq!(at, 1024);
    assert!(msg.contains("1024 characters"), "{msg}");
    // Characters, not bytes.
    parse(&format!("\"{}\"", "é".repeat(1022)));
    assert_eq!(error(&format!("\"{}\"", "é".repeat(1023))).0, 1 + 2 * 1023);
}

#[test]
fn term_errors() {
    let (at, msg) = error("user@example.com");
    assert_eq!(at, 4);
    assert_eq!(
        msg,
        "Invalid character(s) in term 'user@example.com': terms with characters other than letters, digits and '_' must be enclosed in double quotes"
    );
    assert_eq!(error("ERROR 10.0.0.1").0, 8);
    assert_eq!(error("\"\"").0, 0);
    assert!(error("\"\"").1.starts_with("Invalid character(s) in term '\"\"'"));
    assert_eq!(error("ERROR \"unterminated").0, 6);
    assert_eq!(error("ERROR -").0, 6);
    assert_eq!(error("ERROR ?  ").0, 6);
    assert_eq!(error("--x").0, 1);
    assert_eq!(error("café").0, 3);
    parse("\"café\" -\"user@example.com\" ?\"10.0.0.1\"");
}

#[test]
fn json_errors() {
    let cases: &[(&str, usize, &str)] = &[
        ("{ $.a = 1", 9, "If a filter pattern starts with '{' it must end with '}'"),
        ("{}", 0, "empty JSON filter pattern"),
        ("{ a = 1 }", 2, "expected a property selector"),
        ("{ $a = 1 }", 2, "property selectors start with '$.'"),
        ("{ $. = 1 }", 4, "expected a property name"),
        ("{ $.a@b = 1 }", 5, "Invalid character '@' in property selector"),
        ("{ $.a }", 6, "expected =, !=, <, <=, >, >=, IS or NOT EXISTS"),
        ("{ $.a = }", 8, "expected a value after '='"),
        ("{ $.a > abc }", 8, "'>' compares numbers"),
        ("{ $.a >= \"1\" }", 9, "'>=' compares numbers"),
        ("{ $.a < %1% }", 8, "'<' compares numbers"),
        ("{ $.a = a@b }", 9, "Invalid character(s) in term 'a@b'"),
        ("{ $.a = 1 and $.b = 2 }", 10, "logical operators are written '&&' and '||'"),
        ("{ $.a = 1 & $.b = 2 }", 10, "logical operators are written '&&' and '||'"),
        ("{ ($.a = 1 }", 11, "expected ')' to close the '(' at position 2"),
        ("{ $.a = 1) }", 9, "unmatched ')'"),
        ("{ $.a = 1 $.b = 2 }", 10, "expected '&&', '||' or the closing '}'"),
        ("{ $.a IS MAYBE }", 9, "expected TRUE, FALSE or NULL after IS"),
        ("{ $.a NOT THERE }", 10, "expected EXISTS after NOT"),
        ("{ $.a[0 = 1 }", 7, "expected ']'"),
        ("{ $[0] = 1 }", 2, "property selectors start with '$.'"),
        ("{ $.[0] = 1 }", 4, "an array index must follow a property name"),
        ("{ $.['x = 1 }", 4, "unterminated property name"),
        ("{ $.a[*].b[*] = 1 }", 2, "at most one wildcard selector"),
        ("{ $.a = \"x }", 8, "unterminated quoted string"),
        ("{ $.a = %x }", 8, "unterminated regular expression"),
    ];
    for &(p, at, msg) in cases {
        let (pos, m) = error(p);
        assert!(m.contains(msg), "{p:?}: {m:?} should contain {msg:?}");
        assert_eq!(pos, at, "{p:?}: {m}");
    }
}

#[test]
fn json_quotas() {
    // "There is a limit of 2 regex for each filter pattern" (JSON and space-delimited).
    parse("{ $.a = %x% && $.b = %y% }");
    let (at, msg) = error("{ $.a = %x% && $.b = %y% && $.c = %z% }");
    assert_eq!(at, 34);
    assert!(msg.contains("at most 2 regular expressions"), "{msg}");
    assert!(error("[a = %x%, b = %y%, c = %z%]").1.contains("at most 2 regular expressions"));
    // "up to three wildcard selectors in a filter pattern with compound expressions"
    parse("{ $.a[*] = 1 || $.b[*] = 2 || $.* = 3 }");
    let (at, msg) = error("{ $.a[*] = 1 || $.b[*] = 2 || $.* = 3 || $.c.* = 4 }");
    assert_eq!(at, 41);
    assert!(msg.contains("at most 3 wildcard selectors"), "{msg}");
    // Nesting is bounded.
    let deep = |n: usize| format!("{{ {}$.a = 1{} }}", "(".repeat(n), ")".repeat(n));
    parse(&deep(64));
    assert!(error(&deep(65)).1.contains("nested more than 64"));
}

#[test]
fn delimited_errors() {
    let cases: &[(&str, usize, &str)] = &[
        ("[a, b", 5, "If a filter pattern starts with '[' it must end with ']'"),
        ("[]", 0, "empty space-delimited pattern"),
        ("[ , a]", 2, "empty field"),
        ("[a,, b]", 3, "empty field"),
        ("[a, a]", 4, "duplicate field name 'a'"),
        ("[1a, b]", 1, "must start with a letter"),
        ("[a b]", 3, "expected a comparison operator"),
        ("[a = 1 b]", 7, "unexpected 'b' after the condition on 'a'"),
        // AWS rejects this example from its own older guide: conditions in one field must test it.
        (
            "[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]",
            61,
            "must all test the same field",
        ),
        ("[a, b > x]", 8, "'>' compares numbers"),
        ("[a, b = x@y]", 9, "Invalid character(s) in term 'x@y'"),
        ("[a, b = 1 && ]", 13, "expected 'b' and a comparison"),
        ("[a; b]", 2, "expected a comparison operator"),
        ("[a = 1 &| b]", 7, "logical operators are written '&&' and '||'"),
    ];
    for &(p, at, msg) in cases {
        let (pos, m) = error(p);
        assert!(m.contains(msg), "{p:?}: {m:?} should contain {msg:?}");
        assert_eq!(pos, at, "{p:?}: {m}");
    }
}

#[test]
fn error_display_and_diagnostic() {
    let src = "{ $.latency > fast }";
    let e = FilterPattern::parse(src).expect_err("invalid");
    assert_eq!(
        e.to_string(),
        "Invalid filter pattern: '>' compares numbers: expected a number such as 400 or 1.5e3, found 'fast' (at byte 14)"
    );
    let d = e.diagnostic(src);
    assert_eq!((d.span.start, d.span.end, d.span.line, d.span.column), (14, 15, 1, 15));
    assert!(d.render(src).contains("  | { $.latency > fast }\n  |               ^\n"));
    let src = "{\n  $.a = 1 &&\n  é = 2 }";
    let e = FilterPattern::parse(src).expect_err("invalid");
    let d = e.diagnostic(src);
    assert_eq!((d.span.line, d.span.column, d.span.end - d.span.start), (3, 3, 2));
    let _: &dyn std::error::Error = &e;
}

// ---------------------------------------------------------------------------------------------
// Metric values.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringPolicyExamples.html
// ("Using values in log events to increment a metric's value")
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "eval")]
#[test]
fn metric_values() {
    let p = parse("ERROR");
    assert_eq!(p.metric_value("an ERROR", "1"), Some(1.0));
    assert_eq!(p.metric_value("an ERROR", " 2.5 "), Some(2.5));
    assert_eq!(p.metric_value("fine", "1"), None);
    assert_eq!(p.metric_value("an ERROR", "$.x"), None);
    assert_eq!(p.metric_value("an ERROR", "one"), None);
    assert_eq!(p.metric_value("an ERROR", "1e999"), None);

    let p = parse("{ $.a.b[0] > 1 }");
    let ev = r#"{"a": {"b": [5, 6]}, "s": "50", "t": "fast", "o": {}, "arr": [7]}"#;
    assert_eq!(p.metric_value(ev, "$.a.b[0]"), Some(5.0));
    assert_eq!(p.metric_value(ev, "$.a.b[1]"), Some(6.0));
    assert_eq!(p.metric_value(ev, "$.s"), Some(50.0));
    assert_eq!(p.metric_value(ev, "$.t"), None);
    assert_eq!(p.metric_value(ev, "$.o"), None);
    assert_eq!(p.metric_value(ev, "$.missing"), None);
    assert_eq!(p.metric_value(ev, "$.arr[*]"), None);
    assert_eq!(p.metric_value(ev, "$a"), None);
    assert_eq!(p.metric_value(ev, "$.a.b[0] trailing"), None);
    assert_eq!(p.metric_value(r#"{"a": {"b": [0]}}"#, "$.a.b[0]"), None);

    let p = parse("[level, ms = *]");
    assert_eq!(p.metric_value("INFO 12.5", "$ms"), Some(12.5));
    assert_eq!(p.metric_value("INFO 12.5", "$2"), Some(12.5));
    assert_eq!(p.metric_value("INFO 12.5", "$0"), None);
    assert_eq!(p.metric_value("INFO 12.5", "$level"), None);
    assert_eq!(p.metric_value("INFO 12.5", "$nope"), None);
    assert_eq!(p.metric_value("INFO 12.5", "$.ms"), None);
    assert_eq!(p.metric_value("INFO", "$ms"), None);
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

/// Pieces of filter pattern syntax, so generated patterns reach deep into the parser.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("$.".to_string()),
        Just("$.a".to_string()),
        Just("$.a[0]".to_string()),
        Just("[*]".to_string()),
        Just(".*".to_string()),
        Just("['x.y']".to_string()),
        Just(" = ".to_string()),
        Just("!=".to_string()),
        Just(">=".to_string()),
        Just("<".to_string()),
        Just(" && ".to_string()),
        Just(" || ".to_string()),
        Just(", ".to_string()),
        Just("...".to_string()),
        Just(" IS NULL".to_string()),
        Just(" IS TRUE".to_string()),
        Just(" NOT EXISTS".to_string()),
        Just("%".to_string()),
        Just("%a.b{1,3}%".to_string()),
        Just("%[^x-z]\\d+%".to_string()),
        Just("\"".to_string()),
        Just("\"x y\"".to_string()),
        Just("-".to_string()),
        Just("?".to_string()),
        Just("*".to_string()),
        Just("\\".to_string()),
        Just(" ".to_string()),
        "[a-z0-9_]{1,5}",
        "-?[0-9]{1,4}(\\.[0-9]{1,2})?(e[+-]?[0-9])?",
        "\\PC{0,3}",
    ]
}

fn pattern_text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|v| v.concat())
}

#[cfg(feature = "eval")]
fn message_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,60}",
        "[a-z0-9 \\[\\]\"]{0,40}",
        (0i64..1000, "[a-z ]{0,8}", any::<bool>())
            .prop_map(|(n, s, b)| format!(r#"{{"a": [{n}, "{s}", {{"x.y": {b}}}], "b": null, "$": {{"a": "{s}"}}, "x.y": {n}}}"#)),
    ]
}

fn check_error_position(src: &str) -> Result<(), TestCaseError> {
    if let Err(e) = FilterPattern::parse(src) {
        prop_assert!(e.position <= src.len(), "{src:?}: {e}");
        prop_assert!(src.is_char_boundary(e.position), "{src:?}: {e}");
        prop_assert!(!e.message.is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_any_string(src in "\\PC{0,300}") {
        check_error_position(&src)?;
    }

    #[test]
    fn parse_never_panics_on_syntax_soup(src in pattern_text()) {
        check_error_position(&src)?;
        check_error_position(&format!("{{{src}}}"))?;
        check_error_position(&format!("[{src}]"))?;
    }
}

#[cfg(feature = "eval")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn matching_never_panics(src in pattern_text(), msg in message_text(), sel in "\\$[.a-z0-9\\[\\]*]{0,8}") {
        for s in [src.clone(), format!("{{{src}}}"), format!("[{src}]")] {
            if let Ok(p) = FilterPattern::parse(&s) {
                let matched = p.matches(&msg);
                if p.metric_value(&msg, &sel).is_some() || p.metric_value(&msg, "1").is_some() {
                    prop_assert!(matched, "a metric value for a non-matching event: {s:?} {msg:?}");
                }
            }
        }
    }

    #[test]
    fn a_word_matches_messages_containing_it(
        word in "[A-Za-z0-9_]{1,12}",
        before in "\\PC{0,30}",
        after in "\\PC{0,30}",
    ) {
        let p = parse(&word);
        let msg = format!("{before} {word} {after}");
        prop_assert!(p.matches(&msg));
        // The same word quoted, and as an alternative, matches too.
        let quoted = format!("\"{word}\"");
        let optional = format!("?{word} ?zzzzzzzzzzzzzz");
        prop_assert!(parse(&quoted).matches(&msg));
        prop_assert!(parse(&optional).matches(&msg));
        prop_assert_eq!(p.matches(&before), before.contains(word.as_str()));
    }

    #[test]
    fn an_excluded_word_never_matches_messages_containing_it(
        word in "[A-Za-z0-9_]{1,12}",
        before in "\\PC{0,30}",
        after in "\\PC{0,30}",
    ) {
        let p = parse(&format!("-{word}"));
        let spaced = format!("{before} {word} {after}");
        let glued = format!("{before}{word}{after}");
        prop_assert!(!p.matches(&spaced));
        prop_assert!(!p.matches(&glued));
        let other = format!("{before}{after}");
        prop_assert_eq!(p.matches(&other), !other.contains(word.as_str()));
    }

    #[test]
    fn optional_terms_are_a_disjunction(a in "[a-c]{1,3}", b in "[a-c]{1,3}", msg in "[a-c ]{0,12}") {
        let p = parse(&format!("?{a} ?{b}"));
        prop_assert_eq!(p.matches(&msg), msg.contains(a.as_str()) || msg.contains(b.as_str()));
        let p = parse(&format!("{a} -{b}"));
        prop_assert_eq!(p.matches(&msg), msg.contains(a.as_str()) && !msg.contains(b.as_str()));
    }

    #[test]
    fn json_numeric_comparisons_agree_with_numbers(x in -1000i64..1000, y in -1000i64..1000, frac in 0u8..4) {
        let xv = x as f64 + f64::from(frac) * 0.25;
        let ev = format!(r#"{{"n": {xv}, "s": "{xv}"}}"#);
        let yv = y as f64;
        for (op, expected) in [
            ("=", xv == yv),
            ("!=", xv != yv),
            ("<", xv < yv),
            ("<=", xv <= yv),
            (">", xv > yv),
            (">=", xv >= yv),
        ] {
            prop_assert_eq!(parse(&format!("{{ $.n {op} {y} }}")).matches(&ev), expected, "$.n {} {} on {}", op, y, ev);
            prop_assert_eq!(parse(&format!("{{ $.s {op} {y} }}")).matches(&ev), expected, "$.s {} {} on {}", op, y, ev);
        }
    }

    #[test]
    fn json_wildcards_are_prefix_suffix_and_contains(s in "[a-c]{0,6}", t in "[a-c]{1,3}") {
        let ev = format!(r#"{{"v": "{s}"}}"#);
        prop_assert_eq!(parse(&format!("{{ $.v = {t}* }}")).matches(&ev), s.starts_with(t.as_str()));
        prop_assert_eq!(parse(&format!("{{ $.v = \"*{t}\" }}")).matches(&ev), s.ends_with(t.as_str()));
        prop_assert_eq!(parse(&format!("{{ $.v != *{t}* }}")).matches(&ev), !s.contains(t.as_str()));
        prop_assert_eq!(parse(&format!("{{ $.v = {t} }}")).matches(&ev), s == t);
    }

    #[test]
    fn delimited_fields_line_up(words in prop::collection::vec("[a-c]{1,3}", 1..8), i in 0usize..8, v in "[a-c]{1,3}") {
        let i = i % words.len();
        let msg = words.join(" ");
        // [f0, f1, ..., fi = v, ...] matches when the i-th word is v.
        let mut fields: Vec<String> = (0..i).map(|k| format!("f{k}")).collect();
        fields.push(format!("x = {v}"));
        fields.push("...".into());
        let p = parse(&format!("[{}]", fields.join(", ")));
        prop_assert_eq!(p.matches(&msg), words[i] == v);
        // [..., x = v] matches when the last word is v.
        prop_assert_eq!(parse(&format!("[..., x = {v}]")).matches(&msg), words.last() == Some(&v));
        // [..., x = v, ...] matches when any word is v.
        prop_assert_eq!(parse(&format!("[..., x = {v}, ...]")).matches(&msg), words.contains(&v));
        // Without `...` the last field takes the rest: [x = v, rest] on the first word.
        if words.len() >= 2 {
            prop_assert_eq!(parse(&format!("[x = {v}, rest]")).matches(&msg), words[0] == v);
        }
    }
}
