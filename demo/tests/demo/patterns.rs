//! `pattern` and `diff` over the demo's logs: the templates found must be the message
//! templates the generator (`demo/src/logs.rs`, `LogWorld::lambda`) writes, one pattern per
//! template, and `diff` must be fed the earlier period's events.

use crate::common::*;
use cloudwatch::logs::GetQueryResultsOutput;
use time::Duration;

/// The Lambda log lines of `LogWorld::lambda`, as its format strings (`{}` a value; `{{`/`}}`
/// literal braces). The timestamp before a tab is `iso_ms`; `{id}` is a request id (`uuid`).
/// `INFO` lines differ per function (`f`): index 0 is image-resize, 1 order-events.
const START: &str = "START RequestId: {id} Version: $LATEST";
const END: &str = "END RequestId: {id}";
const TIMED_OUT: &str = "{iso} {id} Task timed out after {:.2} seconds";
const INVOKE_ERROR: &str = "{iso}\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"Error\",\"errorMessage\":\"upstream returned 503\",\"stack\":[\"Error: upstream returned 503\",\"    at handler (/var/task/index.js:42:11)\"]}}";
const INFO: [&str; 2] = [
    "{iso}\t{id}\tINFO\tResized uploads/u_{}/{}.jpg to 3 sizes in {:.0} ms",
    "{iso}\t{id}\tINFO\tProcessed batch of {} order events",
];
const REPORT: &str =
    "REPORT RequestId: {id}\tDuration: {:.2} ms\tBilled Duration: {billed:.0} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t";
const COLD: &str = "Init Duration: {:.2} ms\t";
const TIMEOUT: &str = "Status: timeout";

/// The generator's templates for function `f`, with the severity their level word gives.
fn templates(f: usize) -> Vec<(String, &'static str)> {
    let mut t = vec![
        (START.to_string(), "Unknown"),
        (END.to_string(), "Unknown"),
        (TIMED_OUT.to_string(), "Unknown"),
        (INVOKE_ERROR.to_string(), "Error"),
        (INFO[f].to_string(), "Info"),
    ];
    for extra in ["", COLD, TIMEOUT, &format!("{COLD}{TIMEOUT}")] {
        t.push((format!("{REPORT}{extra}"), "Unknown"));
    }
    t
}

/// One concrete line of a format string: every `{...}` becomes `V`, `{{`/`}}` become braces.
fn instance(fmt: &str) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                out.push(c);
                chars.next();
            }
            ('{', _) => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                out.push('V');
            }
            _ => out.push(c),
        }
    }
    out
}

/// True if `line` is an instance of the pattern: its `<Name-n>` tokens match any text.
fn matches(pattern: &str, line: &str) -> bool {
    let mut parts = vec![String::new()];
    let mut rest = pattern;
    while let Some(open) = rest.find('<') {
        let token_end = rest[open..].find('>').map(|c| open + c).filter(|&c| {
            rest[open + 1..c].rsplit_once('-').is_some_and(|(name, n)| {
                !name.is_empty() && name.chars().all(char::is_alphabetic) && !n.is_empty() && n.chars().all(|d| d.is_ascii_digit())
            })
        });
        let last = parts.len() - 1;
        match token_end {
            Some(c) => {
                parts[last].push_str(&rest[..open]);
                parts.push(String::new());
                rest = &rest[c + 1..];
            }
            None => {
                parts[last].push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    let last = parts.len() - 1;
    parts[last].push_str(rest);
    glob(&parts.iter().map(String::as_str).collect::<Vec<_>>(), line)
}

/// `parts[0] * parts[1] * ... * parts[n]` against `s` (leftmost search is exact for globs).
fn glob(parts: &[&str], s: &str) -> bool {
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return s == first;
    }
    if !s.starts_with(first) || !s[first.len()..].ends_with(last) || s.len() < first.len() + last.len() {
        return false;
    }
    let mut at = first.len();
    let end = s.len() - last.len();
    for p in &parts[1..parts.len() - 1] {
        match s[at..end].find(p) {
            Some(i) => at += i + p.len(),
            None => return false,
        }
    }
    true
}

fn rows(r: &GetQueryResultsOutput) -> Vec<(String, u64, String)> {
    r.results
        .iter()
        .map(|row| {
            (
                field(row, "@pattern").unwrap().to_string(),
                field(row, "@sampleCount").unwrap().parse().unwrap(),
                field(row, "@severityLabel").unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pattern_finds_the_generators_lambda_templates() {
    let src = source(7, ANCHOR);
    for (f, name) in ["image-resize", "order-events"].iter().enumerate() {
        let group = format!("/aws/lambda/{name}");
        let r = query(&src, &[&group], ANCHOR - Duration::hours(3), ANCHOR, "pattern @message").await;
        let found = rows(&r);
        let expected = templates(f);
        let total: u64 = found.iter().map(|p| p.1).sum();
        assert_eq!(total as f64, r.statistics.records_matched, "every event counted once");
        let mut used = vec![false; expected.len()];
        for (pattern, count, severity) in &found {
            let hits: Vec<usize> = (0..expected.len())
                .filter(|&i| matches(pattern, &instance(&expected[i].0)))
                .collect();
            assert_eq!(
                hits.len(),
                1,
                "{group}: `{pattern}` ({count} events) should match exactly one generator template, matches {hits:?}"
            );
            assert!(!used[hits[0]], "{group}: two patterns for the template {:?}", expected[hits[0]].0);
            used[hits[0]] = true;
            assert_eq!(severity, expected[hits[0]].1, "{pattern}");
        }
        // Every invocation writes START, its INFO line, END and a REPORT.
        for t in [START.to_string(), END.to_string(), INFO[f].to_string(), REPORT.to_string()] {
            let i = expected.iter().position(|e| e.0 == t).unwrap();
            assert!(used[i], "{group}: no pattern for {t:?}; found {found:#?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_is_fed_the_earlier_period() {
    let src = source(7, ANCHOR);
    let group = "/aws/lambda/image-resize";
    let (start, end) = (ANCHOR - Duration::hours(1), ANCHOR);
    let count = |r: &GetQueryResultsOutput| field(&r.results[0], "n").unwrap().parse::<u64>().unwrap();
    for (q, earlier) in [("diff", Duration::hours(1)), ("diff previousDay", Duration::days(1))] {
        let r = query(&src, &[group], start, end, &format!("{q} | sort @changeInSampleCount desc")).await;
        let sum = |name: &str| {
            r.results
                .iter()
                .map(|row| field(row, name).unwrap().parse::<u64>().unwrap())
                .sum::<u64>()
        };
        let now = count(&query(&src, &[group], start, end, "stats count(*) as n").await);
        let before = count(&query(&src, &[group], start - earlier, end - earlier, "stats count(*) as n").await);
        assert!(before > 0 && now > 0);
        assert_eq!((sum("@sampleCount"), sum("@previousSampleCount")), (now, before), "{q}");
        assert!(r.results.iter().all(|row| field(row, "@changeType").is_some()));
    }
}
