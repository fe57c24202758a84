//! Log line detection for the command line (feature `eval`).
//!
//! Each line is one of: a log event as `aws logs filter-log-events` prints it
//! (`{"timestamp": <ms>, "message": "...", "logStreamName": ...}`); a raw JSON log line (the line
//! is the message, `@timestamp` taken from a `timestamp`, `@timestamp`, `time` or `ts` field,
//! ISO 8601 or epoch ms); or plain text (a leading ISO 8601 timestamp when present). A whole
//! `{"events": [...]}` document is handled by [`parse_events_document`].

use crate::eval::flatten::{extract_until, PathSet};
use crate::eval::time::parse_iso8601_prefix;
use crate::eval::value::{parse_num, Value};
use crate::eval::LogEvent;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The kind of a detected line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    FilterLogEvent,
    JsonLine,
    Text,
}

/// A decoded line; borrows the line when it can.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<'a> {
    pub kind: LineKind,
    pub timestamp: Option<i64>,
    pub message: Cow<'a, str>,
    pub log_stream: Cow<'a, str>,
    pub log_group: Cow<'a, str>,
    pub ingestion_time: Option<i64>,
}

const TS: usize = 0;
const MSG: usize = 1;
const STREAM: usize = 2;
const GROUP: usize = 3;
const INGEST: usize = 4;
const AT_TS: usize = 5;
const TIME: usize = 6;
const TS_SHORT: usize = 7;

fn paths() -> &'static PathSet {
    static P: OnceLock<PathSet> = OnceLock::new();
    P.get_or_init(|| {
        let mut p = PathSet::default();
        for (name, slot) in [
            ("timestamp", TS),
            ("message", MSG),
            ("logStreamName", STREAM),
            ("logGroupName", GROUP),
            ("ingestionTime", INGEST),
            ("@timestamp", AT_TS),
            ("time", TIME),
            ("ts", TS_SHORT),
        ] {
            p.insert(name, slot);
        }
        p
    })
}

fn millis(v: &Value<'_>) -> Option<i64> {
    match v {
        Value::Num(n) => Some(*n as i64),
        Value::Str(s) => parse_iso8601_prefix(s).map(|x| x.0).or_else(|| parse_num(s).map(|n| n as i64)),
        _ => None,
    }
}

fn text<'a>(v: &Value<'a>) -> Cow<'a, str> {
    match v {
        Value::Str(s) => s.clone(),
        _ => Cow::Borrowed(""),
    }
}

/// Decodes one line; `None` for blank lines.
pub fn decode_line(line: &str) -> Option<Decoded<'_>> {
    let line = line.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim_start();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.starts_with('{') {
        let mut vals: [Value<'_>; 8] = Default::default();
        // Stop as soon as the kind and the timestamp are known (logs usually lead with them).
        let stop = |v: &[Value<'_>]| {
            let own_ts = !v[AT_TS].is_null() || !v[TIME].is_null() || !v[TS_SHORT].is_null();
            match &v[TS] {
                Value::Null => own_ts,
                Value::Num(_) => own_ts,
                _ => true,
            }
        };
        extract_until(trimmed, paths(), &mut vals, Some(&stop));
        if let (Value::Str(_), Some(ts)) = (&vals[MSG], millis(&vals[TS]).filter(|_| matches!(vals[TS], Value::Num(_)))) {
            return Some(Decoded {
                kind: LineKind::FilterLogEvent,
                timestamp: Some(ts),
                message: text(&vals[MSG]),
                log_stream: text(&vals[STREAM]),
                log_group: text(&vals[GROUP]),
                ingestion_time: millis(&vals[INGEST]),
            });
        }
        let ts = [TS, AT_TS, TIME, TS_SHORT].iter().find_map(|&i| millis(&vals[i]));
        return Some(Decoded {
            kind: LineKind::JsonLine,
            timestamp: ts,
            message: Cow::Borrowed(line),
            log_stream: Cow::Borrowed(""),
            log_group: Cow::Borrowed(""),
            ingestion_time: None,
        });
    }
    Some(Decoded {
        kind: LineKind::Text,
        timestamp: parse_iso8601_prefix(trimmed).map(|x| x.0),
        message: Cow::Borrowed(line),
        log_stream: Cow::Borrowed(""),
        log_group: Cow::Borrowed(""),
        ingestion_time: None,
    })
}

/// Parses a whole `{"events": [...]}` document (the output of `aws logs filter-log-events`).
/// `None` when the text is not such a document.
pub fn parse_events_document(text: &str) -> Option<Vec<LogEvent>> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    let events = doc.get("events")?.as_array()?;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let message = e.get("message").and_then(|m| m.as_str()).unwrap_or_default().to_string();
        out.push(LogEvent {
            timestamp: e.get("timestamp").and_then(serde_json::Value::as_i64).unwrap_or(0),
            message,
            log_stream: e.get("logStreamName").and_then(|m| m.as_str()).unwrap_or_default().to_string(),
            log_group: e.get("logGroupName").and_then(|m| m.as_str()).unwrap_or_default().to_string(),
            ingestion_time: e.get("ingestionTime").and_then(serde_json::Value::as_i64),
        });
    }
    Some(out)
}

/// Parses a `--start`/`--end` value: ISO 8601 or epoch milliseconds.
pub fn parse_time_arg(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    parse_iso8601_prefix(s).filter(|(_, used)| *used == s.len()).map(|x| x.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_kinds() {
        let d =
            decode_line(r#"{"timestamp": 1704103500000, "message": "hello \"x\"", "logStreamName": "s1", "ingestionTime": 1704103500100}"#)
                .expect("line");
        assert_eq!(d.kind, LineKind::FilterLogEvent);
        assert_eq!(d.message, "hello \"x\"");
        assert_eq!(d.log_stream, "s1");
        let d = decode_line(r#"{"time": "2024-01-01T10:05:00Z", "level": "info"}"#).expect("line");
        assert_eq!(d.kind, LineKind::JsonLine);
        assert_eq!(d.timestamp, Some(1_704_103_500_000));
        let d = decode_line(r#"{"timestamp": "2024-01-01T10:05:00Z", "message": "m"}"#).expect("line");
        assert_eq!(d.kind, LineKind::JsonLine);
        let d = decode_line("2024-01-01T10:05:00.5Z GET /x 200").expect("line");
        assert_eq!((d.kind, d.timestamp), (LineKind::Text, Some(1_704_103_500_500)));
        assert_eq!(decode_line("no time here").and_then(|d| d.timestamp), None);
        assert!(decode_line("   ").is_none());
    }
}
