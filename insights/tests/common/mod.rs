//! Shared helpers: the fixture queries.
#![allow(dead_code, reason = "without the `eval` feature the event helpers go unused")]

pub fn fixture_queries() -> (Vec<String>, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/insights/queries.md");
    let text = std::fs::read_to_string(path).expect("queries.md fixture");
    let (valid_part, invalid_part) = text.split_once("## Invalid").expect("Invalid section");
    (blocks(valid_part), blocks(invalid_part))
}

fn blocks(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in s.lines() {
        if line.trim_start().starts_with("```") {
            match cur.take() {
                Some(b) => out.push(b.trim_end().to_string()),
                None => cur = Some(String::new()),
            }
        } else if let Some(b) = &mut cur {
            b.push_str(line);
            b.push('\n');
        }
    }
    out
}

#[cfg(feature = "eval")]
pub mod ev {
    use insights::eval::{run, LogEvent, RunOptions};

    pub const T0: i64 = 1_704_103_200_000; // 2024-01-01 10:00:00 UTC

    pub fn ev(secs: i64, msg: &str) -> LogEvent {
        LogEvent {
            timestamp: T0 + secs * 1000,
            message: msg.to_string(),
            log_stream: "stream-a".into(),
            log_group: "/demo/api".into(),
            ingestion_time: Some(T0 + secs * 1000 + 500),
        }
    }

    /// The demo world's service logs plus a few Lambda and access-log lines.
    pub fn demo_events() -> Vec<LogEvent> {
        vec![
            ev(
                0,
                r#"{"level":"info","route":"/api/checkout","method":"POST","statusCode":200,"durationMs":120,"userId":"u1","requestId":"r1","message":"ok"}"#,
            ),
            ev(
                60,
                r#"{"level":"error","route":"/api/checkout","method":"POST","statusCode":500,"durationMs":2500,"userId":"u2","requestId":"r2","message":"fail","error":{"name":"TimeoutError","message":"upstream timed out"}}"#,
            ),
            ev(
                120,
                r#"{"level":"error","route":"/api/checkout/confirm","method":"POST","statusCode":502,"durationMs":300,"userId":"u1","requestId":"r3","error":{"name":"BadGateway","message":"bad"}}"#,
            ),
            ev(
                400,
                r#"{"level":"debug","route":"/health","method":"GET","statusCode":200,"durationMs":5,"userId":"u3","requestId":"r4"}"#,
            ),
            ev(
                420,
                r#"{"level":"warn","route":"/api/users","method":"GET","statusCode":404,"durationMs":40,"userId":"u3","requestId":"r5","tags":["a","b"]}"#,
            ),
            ev(
                3700,
                r#"{"level":"error","route":"/api/users","method":"GET","statusCode":503,"durationMs":1500,"userId":"u4","requestId":"r6","error":{"name":"TimeoutError","message":"db"}}"#,
            ),
            ev(
                30,
                "REPORT RequestId: abc-1 Duration: 102.5 ms Billed Duration: 103 ms Memory Size: 128 MB Max Memory Used: 70 MB",
            ),
            ev(
                1000,
                "REPORT RequestId: abc-2 Duration: 250.0 ms Billed Duration: 251 ms Memory Size: 128 MB Max Memory Used: 90 MB",
            ),
            ev(50, "GET /api/orders 500 12ms"),
            ev(70, "POST /api/orders 502 30ms"),
            ev(80, "GET /api/orders 200 3ms"),
            ev(90, "GET /health 503 1ms"),
        ]
    }

    pub fn opts(threads: usize) -> RunOptions {
        RunOptions {
            threads,
            now_ms: T0 + 86_400_000,
            ..RunOptions::default()
        }
    }

    /// Runs `q` and renders rows as `k=v, k=v` lines.
    pub fn run_q(q: &str, events: Vec<LogEvent>) -> Vec<String> {
        let parsed = insights::parse(q).unwrap_or_else(|d| panic!("{q}: {d:?}"));
        let one = run(&parsed, events.clone(), &opts(1)).unwrap_or_else(|e| panic!("{q}: {e}"));
        let two = run(&parsed, events, &opts(2)).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(one.rows, two.rows, "1 and 2 threads differ for {q}");
        one.rows
            .iter()
            .map(|r| r.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "))
            .collect()
    }
}
