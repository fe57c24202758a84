//! `parse` in every mode of the Parse page (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
//! CWL_QuerySyntax-Parse.html: glob, regex with `multi`, logfmt, CSV, and `json field=`), each
//! of the page's example queries run as a golden test, plus the format round trip and the
//! errors for misuse.

/// Parses, formats and parses again: the same query.
fn round_trip(q: &str) -> String {
    let ast = insights::parse(q).unwrap_or_else(|d| panic!("{q}: {d:?}"));
    let text = insights::format(&ast);
    assert_eq!(insights::parse(&text).ok(), Some(ast), "{q} → {text}");
    text
}

#[test]
fn every_mode_formats_back() {
    let cases = [
        (
            r"parse @message /(\d+\.\d+\.\d+\.\d+)/ as ip_addr multi | stats count(*) by ip_addr",
            "parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi\n| stats count(*) by ip_addr",
        ),
        ("parse /(?<a>x+)/ multi", "parse @message /(?<a>x+)/ multi"),
        (
            "parse @message logfmt as lf | filter lf.level = \"error\" | display lf.msg, lf.duration",
            "parse @message logfmt as lf\n| filter lf.level = \"error\"\n| display lf.msg, lf.duration",
        ),
        ("parse logfmt as lf", "parse @message logfmt as lf"),
        ("PARSE msg LOGFMT AS `my map`", "parse msg logfmt as `my map`"),
        ("parse @message csv as host, method", "parse @message csv as host, method"),
        ("parse csv as a", "parse @message csv as a"),
        ("parse logfmt logfmt as lf", "parse logfmt logfmt as lf"),
        (
            r#"parse @message /(?<payload>\{.*\})/ as payload | json field=payload "user.name" as username | display username"#,
            "parse @message /(?<payload>\\{.*\\})/ as payload\n| json field=payload \"user.name\" as username\n| display username",
        ),
        (
            "JSON field = requestContext 'identity.sourceIp' as caller_ip",
            "json field=requestContext \"identity.sourceIp\" as caller_ip",
        ),
    ];
    for (q, want) in cases {
        assert_eq!(round_trip(q), want, "{q}");
    }
}

#[test]
fn the_modes_define_their_fields() {
    let a = |q: &str| insights::analyze(&insights::parse(q).unwrap_or_else(|d| panic!("{q}: {d:?}")));
    let r = a("parse @message logfmt as lf | filter lf.level = 'error' | display lf.msg");
    assert_eq!(r.fields_produced, vec!["lf"]);
    assert_eq!(r.fields_read, vec!["@message"], "lf.level is read from the map, not from the event");
    assert_eq!(r.output_fields, vec!["lf.msg"]);
    let r = a("parse @message csv as host, method");
    assert_eq!(r.output_fields, vec!["@timestamp", "@message", "host", "method"]);
    let r = a("json field=requestContext 'identity.sourceIp' as ip | stats count(*) by ip");
    assert_eq!(r.fields_read, vec!["requestContext"]);
    let r = a("parse @message /(\\d+) (?<b>x)/ as one, two multi");
    assert_eq!(r.fields_produced, vec!["one", "two"]);
}

#[test]
fn misuse_is_pointed_at() {
    let first = |q: &str| {
        let d = insights::check(q).into_iter().next().unwrap_or_else(|| panic!("no error for {q}"));
        (d.message, d.span.column)
    };
    let cases: &[(&str, &str, u32)] = &[
        (
            r"parse @message /(\d+)-(\d+)/ as only_one",
            "the `parse` regex has 2 capturing groups but 1 field name is given after `as`",
            33,
        ),
        (
            r"parse @message /(?:a)(?<b>x)/ as b, c",
            "the `parse` regex has 1 capturing group but 2 field names are given after `as`",
            34,
        ),
        (
            "parse @message \"x=*\" as x multi",
            "`multi` applies to a regex, not to a glob pattern",
            27,
        ),
        (
            "parse @message logfmt",
            "expected `as` and the name of the map, e.g. `logfmt as lf`, found end of query",
            22,
        ),
        (
            "parse @message logfmt as a, b",
            "`parse ... logfmt` makes one map, but 2 names are given after `as`",
            26,
        ),
        (
            "parse @message csv",
            "expected `as` and one field name per value, e.g. `csv as host, method`, found end of query",
            19,
        ),
        (
            "parse @message json field=x \"a\" as b",
            "`json` is a command of its own, not a `parse` mode",
            16,
        ),
        (
            "json payload \"a\" as b",
            "expected `field=` and the field holding the JSON, e.g. `json field=payload \"user.name\" as username`, found `payload`",
            6,
        ),
        (
            "json field=payload user.name as b",
            "expected the key path in quotes, e.g. \"user.name\", found `user.name`",
            20,
        ),
        ("json field=payload \"a..b\" as b", "`a..b` is not a key path", 20),
        (
            "json field=payload \"a\"",
            "expected `as` and a field name for the extracted value, found end of query",
            23,
        ),
        (
            "parse @message 42",
            "expected a pattern in quotes, a /regex/, `logfmt` or `csv` after the parsed field, found number `42`",
            16,
        ),
    ];
    for (q, msg, col) in cases {
        assert_eq!(first(q), ((*msg).to_string(), *col), "query: {q}");
    }
}

#[cfg(feature = "eval")]
mod page_examples {
    use crate::common::ev::{ev, run_q};
    use insights::eval::LogEvent;

    fn events(lines: &[&str]) -> Vec<LogEvent> {
        lines.iter().enumerate().map(|(i, l)| ev(i as i64, l)).collect()
    }

    /// Glob mode: the page's three examples.
    #[test]
    fn glob_mode() {
        let evs = events(&[
            "user=ana, method:GET, latency := 10",
            "user=ana, method:GET, latency := 30",
            "user=bo, method:POST, latency := 7",
        ]);
        assert_eq!(
            run_q(
                "parse @message \"user=*, method:*, latency := *\" as @user,\n    @method, @latency | stats avg(@latency) by @method, @user",
                evs
            ),
            vec!["@method=GET, @user=ana, avg(@latency)=20", "@method=POST, @user=bo, avg(@latency)=7"]
        );
        let mut evs = events(&["x"]);
        evs[0].log_stream = "prod/api/i-1/3".into();
        evs.push(evs[0].clone());
        assert_eq!(
            run_q(
                "parse @logStream \"*/*/*/*\" as env, service, instance, shard\n| stats count(*) by env, service",
                evs
            ),
            vec!["env=prod, service=api, count(*)=2"]
        );
        assert_eq!(
            run_q(
                "parse @message \"url=*\" as url\n| parse url \"/api/*/users/*\" as apiVersion, userId\n| display apiVersion, userId",
                events(&["GET url=/api/v2/users/42"])
            ),
            vec!["apiVersion=v2, userId=42"]
        );
    }

    /// Regex mode: named groups, the VPC flow log ENI, and multi-match.
    #[test]
    fn regex_mode_and_multi() {
        // The page wraps this regex literal over two lines; a regex literal is one line (a line
        // break inside it is "unclosed regex"), so the test joins the line as the page means it.
        // The page groups by `@method2, @user2`, which the regex does not define: one group.
        assert_eq!(
            run_q(
                "parse @message /user=(?<user2>.*?), method:(?<method2>.*?), latency := (?<latency2>.*?)/ | stats avg(latency2) by @method2,\n    @user2",
                events(&["user=ana, method:GET, latency := 4"])
            ),
            // `(?<latency2>.*?)` at the end matches nothing (lazy), so the average has no numbers.
            vec![""]
        );
        assert_eq!(
            run_q(
                "parse @message /user=(?<user2>.*?), method:(?<method2>.*?), latency := (?<latency2>\\d+)/ | stats avg(latency2) by method2, user2",
                events(&["user=ana, method:GET, latency := 4", "user=ana, method:GET, latency := 6"])
            ),
            vec!["method2=GET, user2=ana, avg(latency2)=5"]
        );
        let flow = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
        assert_eq!(
            run_q(
                "parse @message /(?<NetworkInterface>eni-.*?) /\n| display NetworkInterface, @message",
                events(&[flow])
            ),
            vec![format!("NetworkInterface=eni-1235b8ca123456789, @message={flow}")]
        );
        // "Extract all IP addresses from a log line (multi-match)": one row per match; a line
        // without a match stays, without the field.
        let evs = events(&["connect 10.0.0.1 -> 10.0.0.2", "retry 10.0.0.1", "no address here"]);
        assert_eq!(
            run_q(
                "parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi\n| stats count(*) by ip_addr",
                evs.clone()
            ),
            vec!["ip_addr=10.0.0.1, count(*)=2", "ip_addr=10.0.0.2, count(*)=1", "count(*)=1"]
        );
        assert_eq!(
            run_q(
                "parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi | filter ispresent(ip_addr) | display ip_addr",
                evs
            ),
            vec!["ip_addr=10.0.0.1", "ip_addr=10.0.0.1", "ip_addr=10.0.0.2"]
        );
        // Named groups and `multi` after a blocking command (run over result rows).
        assert_eq!(
            run_q(
                "fields @message | sort @timestamp asc | parse @message /(?<k>\\w)=(?<v>\\d)/ multi | display k, v",
                events(&["a=1 b=2", "c=3"])
            ),
            vec!["k=a, v=1", "k=b, v=2", "k=c, v=3"]
        );
    }

    /// Logfmt mode: both examples.
    #[test]
    fn logfmt_mode() {
        let evs = events(&[
            r#"level=error msg="connection failed" duration=42 host=web-1"#,
            "level=info msg=started duration=1 host=web-2",
            "level=error msg=timeout duration=7 host=web-1",
            "a plain line",
        ]);
        assert_eq!(
            run_q(
                "parse @message logfmt as lf\n| filter lf.level = \"error\"\n| display lf.msg, lf.duration",
                evs.clone()
            ),
            vec!["lf.msg=timeout, lf.duration=7", "lf.msg=connection failed, lf.duration=42"]
        );
        assert_eq!(
            run_q("parse @message logfmt as lf\n| stats count(*) by lf.host", evs.clone()),
            vec!["lf.host=web-1, count(*)=2", "lf.host=web-2, count(*)=1", "count(*)=1"]
        );
        // The map itself shows as JSON, its keys in the line's order; numeric text compares as
        // numbers.
        assert_eq!(
            run_q(
                "parse @message logfmt as lf | filter lf.duration > 5 | sort lf.duration | display lf",
                evs
            ),
            vec![
                r#"lf={"level":"error","msg":"timeout","duration":"7","host":"web-1"}"#,
                r#"lf={"level":"error","msg":"connection failed","duration":"42","host":"web-1"}"#
            ]
        );
    }

    /// CSV mode: both examples.
    #[test]
    fn csv_mode() {
        let evs = events(&["2024-01-01T10:00:00Z,ERROR,disk full", "2024-01-01T10:00:01Z,INFO,\"ok, really\""]);
        assert_eq!(
            run_q(
                "parse @message csv as timestamp, level, message\n| filter level = \"ERROR\"\n| display timestamp, message",
                evs.clone()
            ),
            vec!["timestamp=2024-01-01T10:00:00Z, message=disk full"]
        );
        assert_eq!(
            run_q(
                "parse @message csv as timestamp, level, message | filter level = 'INFO' | display message",
                evs
            ),
            vec!["message=ok, really"]
        );
        let evs = events(&["web-1,GET,/a,200,12", "web-2,GET,/b,500,30", "web-1,POST,/c,201,7", "short,line"]);
        assert_eq!(
            run_q(
                "parse @message csv as host, method, path, status, duration\n| stats avg(duration) by method",
                evs.clone()
            ),
            vec!["method=GET, avg(duration)=21", "method=POST, avg(duration)=7", "method=line"]
        );
        // Fewer values than names: the rest stay missing.
        assert_eq!(
            run_q(
                "parse @message csv as host, method, path | filter host = 'short' | display host, method, path",
                evs
            ),
            vec!["host=short, method=line"]
        );
    }

    /// JSON field extraction: both examples.
    #[test]
    fn json_field_extraction() {
        let evs = events(&[
            r#"request done {"user":{"name":"ana","id":7}}"#,
            r#"request done {"user":{"id":8}}"#,
            "no json",
        ]);
        assert_eq!(
            run_q(
                "parse @message /(?<payload>\\{.*\\})/ as payload\n| json field=payload \"user.name\" as username\n| display username",
                evs
            ),
            vec!["", "", "username=ana"]
        );
        let evs = events(&[
            r#"{"requestContext":{"identity":{"sourceIp":"1.2.3.4"}},"status":200}"#,
            r#"{"requestContext":{"identity":{"sourceIp":"1.2.3.4"}},"status":500}"#,
            r#"{"requestContext":{"identity":{"sourceIp":"5.6.7.8"}}}"#,
        ]);
        assert_eq!(
            run_q(
                "json field=requestContext \"identity.sourceIp\" as caller_ip\n| stats count(*) by caller_ip",
                evs
            ),
            vec!["caller_ip=1.2.3.4, count(*)=2", "caller_ip=5.6.7.8, count(*)=1"]
        );
        // Into a structure the query made (a logfmt map holding JSON text).
        assert_eq!(
            run_q(
                r#"parse @message logfmt as lf | json field=lf "ctx" as c | display c"#,
                events(&[r#"ctx=x msg=y"#])
            ),
            vec!["c=x"]
        );
    }
}
