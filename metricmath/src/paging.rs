//! `NextToken`s and `MaxDatapoints` pages.
//!
//! A token is opaque (hex) text holding what resuming needs: the position in the answer, the `now` the
//! first page was computed at (so later pages are cut from the same answer even as time moves on), and a
//! fingerprint of the request (a token only resumes the request it came from). Anything else answers
//! CloudWatch's `InvalidNextToken`.
//!
//! GetMetricData pages: the answer's data points are taken in order — results in request order, each
//! result's points in `ScanBy` order — and each page holds the next `MaxDatapoints` of them (at most
//! 100,800). Every page lists every result (same `Id`s, labels and order); a result with points left for a
//! later page is `PartialData`. Concatenating the pages' values per result gives the unpaged answer.

use cloudwatch::metrics::{MetricDataResult, StatusCode};
use cloudwatch::{ErrorKind, SourceError};

/// CloudWatch's `InvalidNextToken`.
pub fn invalid_token() -> SourceError {
    SourceError::new(ErrorKind::Validation, "InvalidNextToken", "The next token specified is invalid.")
}

/// FNV-1a, 64 bits: a stable fingerprint of a request's canonical JSON.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn to_hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) || hex.len() > 512 {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// Where a paged answer resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub offset: u64,
    /// Unix nanoseconds of the `now` the answer was computed at (0 for ListMetrics).
    pub now: i128,
}

pub fn encode(kind: &str, position: Position, request: u64) -> String {
    to_hex(&format!("{kind}:{}:{}:{request:016x}", position.offset, position.now))
}

pub fn decode(kind: &str, token: &str, request: u64) -> Result<Position, SourceError> {
    let text = from_hex(token).ok_or_else(invalid_token)?;
    let mut parts = text.split(':');
    let (Some(k), Some(offset), Some(now), Some(fp), None) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid_token());
    };
    let offset = offset.parse::<u64>().map_err(|_| invalid_token())?;
    let now = now.parse::<i128>().map_err(|_| invalid_token())?;
    let fp = u64::from_str_radix(fp, 16).map_err(|_| invalid_token())?;
    if k != kind || fp != request {
        return Err(invalid_token());
    }
    Ok(Position { offset, now })
}

/// The page of `results` (points already in `ScanBy` order) starting at data point `offset`, and the offset
/// of the next page if there is one.
pub fn page(results: &[MetricDataResult], offset: u64, size: u64) -> Result<(Vec<MetricDataResult>, Option<u64>), SourceError> {
    let total: u64 = results.iter().map(|r| r.values.len() as u64).sum();
    if offset > total {
        return Err(invalid_token());
    }
    let end = offset.saturating_add(size).min(total);
    let mut at = 0u64;
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        let len = r.values.len() as u64;
        let (from, to) = (offset.clamp(at, at + len) - at, end.clamp(at, at + len) - at);
        let (from, to) = (from as usize, to as usize);
        let mut piece = MetricDataResult {
            timestamps: r.timestamps[from..to].to_vec(),
            values: r.values[from..to].to_vec(),
            ..r.clone()
        };
        if at + len > end {
            piece.status_code = StatusCode::PartialData;
        }
        out.push(piece);
        at += len;
    }
    Ok((out, (end < total).then_some(end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let p = Position {
            offset: 42,
            now: 1_700_000_000_000_000_000,
        };
        let t = encode("gmd1", p, 7);
        assert_eq!(decode("gmd1", &t, 7), Ok(p));
        assert_eq!(decode("gmd1", &t, 8).map_err(|e| e.code), Err("InvalidNextToken".into()));
        assert_eq!(decode("lm1", &t, 7).map_err(|e| e.code), Err("InvalidNextToken".into()));
        for bad in ["", "zz", "abc", "00", &t[..t.len() - 2]] {
            assert!(decode("gmd1", bad, 7).is_err(), "{bad}");
        }
    }
}
