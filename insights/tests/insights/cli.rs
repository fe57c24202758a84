//! The `watchpost insights` command line, driven in memory through `run_cli`.
#![cfg(feature = "eval")]

use insights::cli::{run_cli, CliArgs, OutputFormat};

fn run(args: CliArgs, stdin: &str) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = run_cli(args, stdin.as_bytes(), &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn args(query: &str, format: OutputFormat) -> CliArgs {
    CliArgs {
        query: query.to_string(),
        format,
        ..CliArgs::default()
    }
}

const MIXED: &str = r#"{"timestamp": 1704103200000, "message": "{\"level\":\"error\",\"userId\":\"u1\"}", "logStreamName": "s1", "ingestionTime": 1704103200100, "eventId": "1"}
{"time": "2024-01-01T10:01:00Z", "level": "error", "userId": "u2"}
{"@timestamp": 1704103320000, "level": "info", "userId": "u1"}

2024-01-01T10:03:00.000Z plain error line
no timestamp at all
"#;

#[test]
fn json_output_over_mixed_inputs() {
    let (code, out, err) = run(
        args(
            "fields @timestamp, level, userId, @logStream | sort @timestamp asc",
            OutputFormat::Json,
        ),
        MIXED,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        r#"[
  {"@timestamp": "1970-01-01 00:00:00.000"},
  {"@timestamp": "2024-01-01 10:00:00.000", "level": "error", "userId": "u1", "@logStream": "s1"},
  {"@timestamp": "2024-01-01 10:01:00.000", "level": "error", "userId": "u2"},
  {"@timestamp": "2024-01-01 10:02:00.000", "level": "info", "userId": "u1"},
  {"@timestamp": "2024-01-01 10:03:00.000"}
]
"#
    );
    assert!(err.contains("5 records matched, 5 records scanned"), "{err}");
}

#[test]
fn table_and_csv_and_time_range() {
    let mut a = args("filter level = 'error' | stats count(*) as n by userId", OutputFormat::Table);
    a.start = Some("2024-01-01T10:00:00Z".into());
    a.end = Some("1704103500000".into());
    let (code, out, _) = run(a, MIXED);
    assert_eq!(code, 0);
    assert_eq!(out, "userId | n\n-------+--\nu1     | 1\nu2     | 1\n");
    let (code, out, _) = run(args("filter @message like 'plain' | fields @message, x", OutputFormat::Csv), MIXED);
    assert_eq!(code, 0);
    assert_eq!(out, "@message,x\n2024-01-01T10:03:00.000Z plain error line,\n");
}

#[test]
fn events_document_and_files() {
    let doc = r#"{
    "events": [
        {"logStreamName": "a", "timestamp": 1704103200000, "message": "GET /x 500", "ingestionTime": 1704103200001, "eventId": "1"},
        {"logStreamName": "b", "timestamp": 1704103260000, "message": "GET /y 200", "ingestionTime": 1704103260001, "eventId": "2"}
    ],
    "searchedLogStreams": []
}"#;
    let dir = std::env::temp_dir().join(format!("insights-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let f1 = dir.join("events.json");
    std::fs::write(&f1, doc).expect("write");
    let f2 = dir.join("lines.log");
    std::fs::write(&f2, "2024-01-01T11:00:00Z GET /z 503\n").expect("write");
    let mut a = args(
        "parse @message 'GET * *' as path, status | filter status >= 500 | fields path, @logStream | sort path",
        OutputFormat::Json,
    );
    a.files = vec![f1, f2];
    let (code, out, err) = run(a, "");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "[\n  {\"path\": \"/x\", \"@logStream\": \"a\"},\n  {\"path\": \"/z\"}\n]\n");
}

#[test]
fn check_mode_and_errors() {
    let mut a = args("stats cout(*) by route", OutputFormat::Table);
    a.check = true;
    let (code, out, _) = run(a.clone(), "");
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "error: unknown function `cout` — did you mean `count`?\n --> 1:7\n  |\n  | stats cout(*) by route\n  |       ^^^^^^^\n"
    );
    a.query = "fields a".into();
    let (code, out, _) = run(a, "");
    assert_eq!((code, out.as_str()), (0, "ok: the query is valid\n"));
    let (code, _, err) = run(args("anomaly @message", OutputFormat::Table), "x\n");
    assert_eq!(code, 1);
    assert!(err.contains("`anomaly` is not supported by the local engine"), "{err}");
    let mut a = args("fields a", OutputFormat::Table);
    a.start = Some("yesterday".into());
    assert_eq!(run(a, "").0, 2);
    let mut a = args("fields a", OutputFormat::Table);
    a.files = vec!["/nonexistent/file.log".into()];
    assert_eq!(run(a, "").0, 2);
    assert_eq!("JSON".parse::<OutputFormat>(), Ok(OutputFormat::Json));
    assert!("xml".parse::<OutputFormat>().is_err());
}

#[test]
fn pattern_and_diff_from_the_command_line() {
    let log = "2024-01-01T09:30:00Z [INFO] Request time: 12 ms\n\
               2024-01-01T10:10:00Z [INFO] Request time: 327 ms\n\
               2024-01-01T10:20:00Z [INFO] Request time: 5 ms\n\
               2024-01-01T10:30:00Z [ERROR] disk full\n";
    let (code, out, err) = run(args("pattern @message", OutputFormat::Csv), log);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "@pattern,@ratio,@sampleCount,@severityLabel\n<Time-1> [INFO] Request time: <Number-2> ms,0.75,3,Info\n<Time-1> [ERROR] disk full,0.25,1,Error\n"
    );
    // `diff` compares 10:00–11:00 with 09:00–10:00, both read from the same input.
    let mut a = args(
        "diff | display @pattern, @sampleCount, @previousSampleCount, @changeType",
        OutputFormat::Csv,
    );
    a.start = Some("2024-01-01T10:00:00Z".into());
    a.end = Some("2024-01-01T11:00:00Z".into());
    let (code, out, err) = run(a, log);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "@pattern,@sampleCount,@previousSampleCount,@changeType\n<Time-1> [INFO] Request time: <Number-2> ms,2,1,increased\n<Time-1> [ERROR] disk full,1,0,new\n"
    );
    // Without a range there is no earlier period.
    let (code, _, err) = run(args("diff", OutputFormat::Csv), log);
    assert_eq!(code, 1);
    assert!(err.contains("`diff` without a start and end time"), "{err}");
}
