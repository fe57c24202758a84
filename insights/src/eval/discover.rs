//! Fields CloudWatch discovers in the plain-text log types it recognises
//! (CWL_AnalyzeLogData-discoverable-fields): Lambda's `START`/`END`/`REPORT` lines (`@type`,
//! `@requestId`, `@duration`, `@billedDuration`, `@memorySize`, `@maxMemoryUsed`,
//! `@initDuration`, `@xrayTraceId`, `@xraySegmentId`), VPC flow log records in the default
//! (version 2) format and Route 53 public DNS query logs, so AWS's sample queries for those
//! logs run on exported files and on the demo world.
//!
//! CloudWatch decides by the log group's type; a local file has none, so a line counts as one
//! of these types when it has that type's exact shape. Only the fields a query reads are
//! filled, and only when JSON discovery left them missing: this module must never cost
//! anything for queries that do not name these fields.

use super::value::Value;

/// One discovered field: which log type and which of its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Known {
    Lambda(Lambda),
    /// Column of a VPC flow log record (version 2 default format).
    Flow(u8),
    /// Column of a Route 53 query log line.
    Route53(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lambda {
    Type,
    RequestId,
    Duration,
    BilledDuration,
    InitDuration,
    MemorySize,
    MaxMemoryUsed,
    XrayTraceId,
    XraySegmentId,
}

/// The VPC flow log v2 columns by their discovered names (the page's list, in record order).
const FLOW: [&str; 14] = [
    "version",
    "accountId",
    "interfaceId",
    "srcAddr",
    "dstAddr",
    "srcPort",
    "dstPort",
    "protocol",
    "packets",
    "bytes",
    "startTime",
    "endTime",
    "action",
    "logStatus",
];

/// Route 53 query log columns (`1.0 2017-12-13T08:16:05.744Z Z123412341234 example.com A
/// NOERROR UDP FRA6 192.168.1.1 -`).
const ROUTE53: [&str; 10] = [
    "version",
    "queryTimestamp",
    "hostZoneId",
    "queryName",
    "queryType",
    "responseCode",
    "protocol",
    "edgeLocation",
    "resolverIp",
    "ednsClientSubnet",
];

/// The discovered fields a name can stand for (`version` and `protocol` exist in two types).
pub(super) fn known(name: &str) -> Vec<Known> {
    let lambda = match name {
        "@type" => Some(Lambda::Type),
        "@requestId" => Some(Lambda::RequestId),
        "@duration" => Some(Lambda::Duration),
        "@billedDuration" => Some(Lambda::BilledDuration),
        "@initDuration" => Some(Lambda::InitDuration),
        "@memorySize" => Some(Lambda::MemorySize),
        "@maxMemoryUsed" => Some(Lambda::MaxMemoryUsed),
        "@xrayTraceId" => Some(Lambda::XrayTraceId),
        "@xraySegmentId" => Some(Lambda::XraySegmentId),
        _ => None,
    };
    if let Some(l) = lambda {
        return vec![Known::Lambda(l)];
    }
    let mut out = Vec::new();
    if let Some(i) = FLOW.iter().position(|f| *f == name) {
        out.push(Known::Flow(i as u8));
    }
    if let Some(i) = ROUTE53.iter().position(|f| *f == name) {
        out.push(Known::Route53(i as u8));
    }
    out
}

/// Fills the wanted discovered fields of `msg` into `rec` where they are still missing.
pub(super) fn fill<'a>(msg: &'a str, wanted: &[(usize, Known)], rec: &mut [Value<'a>]) {
    let (mut lambda, mut flow, mut route53) = (None, None, None);
    for (slot, k) in wanted {
        if !rec[*slot].is_null() {
            continue;
        }
        let v = match k {
            Known::Lambda(f) => lambda
                .get_or_insert_with(|| LambdaLine::parse(msg))
                .as_ref()
                .and_then(|l| l.get(*f)),
            Known::Flow(i) => column(flow.get_or_insert_with(|| columns(msg, 14, is_flow)), *i),
            Known::Route53(i) => column(route53.get_or_insert_with(|| columns(msg, 10, is_route53)), *i),
        };
        if let Some(v) = v {
            rec[*slot] = v;
        }
    }
}

fn column<'a>(cols: &Option<Vec<&'a str>>, i: u8) -> Option<Value<'a>> {
    let c = *cols.as_ref()?.get(i as usize)?;
    // `-` marks a value a record does not have (NODATA/SKIPDATA flow records).
    (c != "-").then(|| Value::str(c))
}

fn columns(msg: &str, n: usize, shape: fn(&[&str]) -> bool) -> Option<Vec<&str>> {
    let cols: Vec<&str> = msg.split_ascii_whitespace().take(n + 1).collect();
    (cols.len() == n && shape(&cols)).then_some(cols)
}

fn is_flow(c: &[&str]) -> bool {
    c[0].bytes().all(|b| b.is_ascii_digit()) && (c[2].starts_with("eni-") || c[2] == "-")
}

fn is_route53(c: &[&str]) -> bool {
    c[0] == "1.0" && c[2].starts_with('Z') && c[1].contains('T')
}

/// A Lambda platform line: `START RequestId: id Version: $LATEST`, `END RequestId: id`,
/// `REPORT RequestId: id\tDuration: 102.50 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\t
/// Max Memory Used: 70 MB\tInit Duration: 250.00 ms\tXRAY TraceId: ...\tSegmentId: ...`.
struct LambdaLine<'a> {
    kind: &'a str,
    rest: &'a str,
    request_id: &'a str,
}

impl<'a> LambdaLine<'a> {
    fn parse(msg: &'a str) -> Option<Self> {
        let (kind, rest) = msg.split_once(' ')?;
        if !matches!(kind, "START" | "END" | "REPORT") {
            return None;
        }
        let rest = rest.strip_prefix("RequestId: ")?;
        let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        Some(LambdaLine {
            kind,
            rest: &rest[end..],
            request_id: &rest[..end],
        })
    }

    /// The text after `label: ` up to the next whitespace, where `label` is a whole label
    /// (`Duration` must not match inside `Billed Duration` or `Init Duration`).
    fn after(&self, label: &str) -> Option<&'a str> {
        let rest: &'a str = self.rest;
        let mut from = 0;
        while let Some(at) = rest[from..].find(label).map(|i| i + from) {
            from = at + label.len();
            let before = rest[..at].trim_end_matches([' ', '\t']);
            let starts_word = before.len() < at || at == 0;
            // Whole when it follows a value (`102.5 ms`, `128 MB`, an id), not another word.
            let whole = starts_word
                && (before.is_empty()
                    || before.ends_with(" ms")
                    || before.ends_with(" MB")
                    || !before.ends_with(|c: char| c.is_ascii_alphabetic()));
            if let (true, Some(v)) = (whole, rest[from..].strip_prefix(": ")) {
                let end = v.find(|c: char| c.is_ascii_whitespace()).unwrap_or(v.len());
                return Some(&v[..end]);
            }
        }
        None
    }

    fn number(&self, label: &str, scale: f64) -> Option<Value<'a>> {
        let n: f64 = self.after(label)?.parse().ok()?;
        Some(Value::Num(n * scale))
    }

    fn get(&self, f: Lambda) -> Option<Value<'a>> {
        // Memory is reported in bytes (AWS's sample query divides `@memorySize` by 1000 twice
        // to show megabytes).
        const MB: f64 = 1_000_000.0;
        match f {
            Lambda::Type => Some(Value::str(self.kind)),
            Lambda::RequestId => Some(Value::str(self.request_id)),
            _ if self.kind != "REPORT" => None,
            Lambda::Duration => self.number("Duration", 1.0),
            Lambda::BilledDuration => self.number("Billed Duration", 1.0),
            Lambda::InitDuration => self.number("Init Duration", 1.0),
            Lambda::MemorySize => self.number("Memory Size", MB),
            Lambda::MaxMemoryUsed => self.number("Max Memory Used", MB),
            Lambda::XrayTraceId => self.after("XRAY TraceId").map(Value::str),
            Lambda::XraySegmentId => self.after("SegmentId").map(Value::str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line_fields() {
        let msg = "REPORT RequestId: abc-1\tDuration: 102.50 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 250.10 ms\tXRAY TraceId: 1-5e-1\tSegmentId: 0a1\t";
        let l = LambdaLine::parse(msg).expect("report");
        assert_eq!(l.get(Lambda::Duration), Some(Value::Num(102.5)));
        assert_eq!(l.get(Lambda::BilledDuration), Some(Value::Num(103.0)));
        assert_eq!(l.get(Lambda::InitDuration), Some(Value::Num(250.1)));
        assert_eq!(l.get(Lambda::MemorySize), Some(Value::Num(128e6)));
        assert_eq!(l.get(Lambda::MaxMemoryUsed), Some(Value::Num(70e6)));
        assert_eq!(l.get(Lambda::XrayTraceId), Some(Value::str("1-5e-1")));
        assert_eq!(l.get(Lambda::XraySegmentId), Some(Value::str("0a1")));
        assert_eq!(l.get(Lambda::RequestId), Some(Value::str("abc-1")));
        let spaces = "REPORT RequestId: abc-2 Duration: 250.0 ms Billed Duration: 251 ms Memory Size: 128 MB Max Memory Used: 90 MB";
        let l = LambdaLine::parse(spaces).expect("report");
        assert_eq!(l.get(Lambda::Duration), Some(Value::Num(250.0)));
        assert_eq!(l.get(Lambda::InitDuration), None);
        assert!(LambdaLine::parse("REPORTS RequestId: x").is_none());
    }
}
