//! Benchmark: runs the three benchmark queries over a log file through the CLI path and prints
//! records/s and MB/s. Run each query under `/usr/bin/time -v` for peak memory:
//!
//! `cargo run --release -p insights --features eval --example bench -- FILE [1|2|3|all]`

use insights::cli::{run_cli, CliArgs, OutputFormat};
use std::time::Instant;

/// The benchmark queries (Logs Insights) and their angle-grinder equivalents.
pub const QUERIES: [(&str, &str); 3] = [
    (
        "filter level = \"error\" | stats count(*) by userId",
        r#"* | json | where level == "error" | count by userId"#,
    ),
    (
        "parse @message '\"durationMs\":*,' as d | filter d > 1000 | sort d desc | limit 100",
        r#"* | parse "\"durationMs\":*," as d | where d > 1000 | sort by d desc | limit 100"#,
    ),
    (
        "stats pct(durationMs, 99), avg(durationMs) by bin(5m)",
        "* | json | timeslice(parseDate(timestamp)) 5m | p99(durationMs), avg(durationMs) by _timeslice",
    ),
];

/// The `pattern` benchmark (no angle-grinder equivalent): `bench FILE pattern`.
pub const PATTERN_QUERY: &str = "pattern @message";

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: bench FILE [1|2|3|all]");
        std::process::exit(2);
    };
    let which = args.next().unwrap_or_else(|| "all".into());
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    if which == "pattern" {
        bench_pattern(&file, size);
        return;
    }
    println!("| query | records | seconds | records/s | MB/s |");
    println!("|---|---|---|---|---|");
    for (i, (q, _ag)) in QUERIES.iter().enumerate() {
        if which != "all" && which != (i + 1).to_string() {
            continue;
        }
        let args = CliArgs {
            files: vec![file.clone().into()],
            format: OutputFormat::Csv,
            query: (*q).to_string(),
            ..CliArgs::default()
        };
        let mut out = Vec::new();
        let mut err = Vec::new();
        let start = Instant::now();
        let code = run_cli(args, std::io::empty(), &mut out, &mut err);
        let secs = start.elapsed().as_secs_f64();
        let err = String::from_utf8_lossy(&err);
        let scanned: f64 = err
            .split(", ")
            .find_map(|p| p.strip_suffix(" records scanned"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        if code != 0 {
            eprintln!("query {} failed: {err}", i + 1);
        }
        println!(
            "| {} `{q}` | {scanned} | {secs:.2} | {:.0} | {:.1} |",
            i + 1,
            scanned / secs,
            size as f64 / 1_048_576.0 / secs
        );
        eprintln!("{}", String::from_utf8_lossy(&out).lines().take(4).collect::<Vec<_>>().join("\n"));
    }
}

/// `pattern @message` over the file: lines/s, MB/s and the number of templates found.
fn bench_pattern(file: &str, size: u64) {
    let args = CliArgs {
        files: vec![file.into()],
        format: OutputFormat::Csv,
        query: PATTERN_QUERY.to_string(),
        ..CliArgs::default()
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    let start = Instant::now();
    let code = run_cli(args, std::io::empty(), &mut out, &mut err);
    let secs = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&err);
    if code != 0 {
        eprintln!("pattern failed: {err}");
    }
    let scanned: f64 = err
        .split(", ")
        .find_map(|p| p.strip_suffix(" records scanned"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    let out = String::from_utf8_lossy(&out);
    let templates = out.lines().count().saturating_sub(1);
    println!("| query | lines | seconds | lines/s | MB/s | templates |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| `{PATTERN_QUERY}` | {scanned} | {secs:.2} | {:.0} | {:.1} | {templates} |",
        scanned / secs,
        size as f64 / 1_048_576.0 / secs
    );
    eprintln!("{}", out.lines().take(12).collect::<Vec<_>>().join("\n"));
}
