//! The global time range: what every dashboard, query and chart looks at.
//!
//! It lives in the URL (`?from=now-1h&to=now&tz=utc`) so that every link is shareable and the back
//! button works. Relative points (`now`, `now-15m`) stay relative in the URL; absolute points are
//! ISO 8601 (`2026-11-21T10:00`, with or without an offset) or epoch milliseconds. A time without an
//! offset is read in the selected zone.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::AppError;

/// A unit of a relative time: `m`, `h`, `d`, `w` (and `s` for completeness).
const UNITS: [(char, i64, &str); 5] = [
    ('s', 1, "second"),
    ('m', 60, "minute"),
    ('h', 3_600, "hour"),
    ('d', 86_400, "day"),
    ('w', 604_800, "week"),
];

/// The quick ranges offered by the picker, as the `from` value (to = now).
pub const QUICK_RANGES: [&str; 8] = ["now-5m", "now-15m", "now-1h", "now-3h", "now-12h", "now-1d", "now-3d", "now-1w"];

/// Longest look-back we accept: CloudWatch keeps metrics for 15 months.
const MAX_LOOKBACK_SECS: i64 = 455 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimePoint {
    /// `now` minus this many seconds.
    Relative(i64),
    /// A wall-clock time; `offset_minutes: None` means "in the selected zone".
    Absolute { local_ms: i64, offset_minutes: Option<i32> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Zone {
    #[default]
    Utc,
    Local,
}

impl Zone {
    pub fn as_param(self) -> &'static str {
        match self {
            Zone::Utc => "utc",
            Zone::Local => "local",
        }
    }

    pub fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        match raw.map(str::trim) {
            None | Some("") | Some("utc") | Some("UTC") => Ok(Zone::Utc),
            Some("local") | Some("browser") => Ok(Zone::Local),
            Some(other) => Err(AppError::validation(
                "tz",
                format!("`{other}` is not a time zone choice; use utc or local"),
            )),
        }
    }
}

/// A range whose `from` is known to be before its `to` whenever that can be known without a clock
/// (both relative, or both absolute). The fields are private: [`TimeRange::new`] and
/// [`TimeRange::from_params`] are the only ways in, and serde goes through `new` too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawTimeRange")]
pub struct TimeRange {
    from: TimePoint,
    to: TimePoint,
    zone: Zone,
}

#[derive(Deserialize)]
struct RawTimeRange {
    from: TimePoint,
    to: TimePoint,
    zone: Zone,
}

impl TryFrom<RawTimeRange> for TimeRange {
    type Error = AppError;
    fn try_from(raw: RawTimeRange) -> Result<Self, Self::Error> {
        TimeRange::new(raw.from, raw.to, raw.zone)
    }
}

impl Default for TimeRange {
    fn default() -> Self {
        Self {
            from: TimePoint::Relative(3_600),
            to: TimePoint::Relative(0),
            zone: Zone::Utc,
        }
    }
}

impl TimePoint {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        let err = |m: String| AppError::validation(field, m);
        if s.is_empty() {
            return Err(err("enter a time such as now-1h or 2026-11-21T10:00".into()));
        }
        if s.eq_ignore_ascii_case("now") {
            return Ok(TimePoint::Relative(0));
        }
        if let Some(rest) = s.strip_prefix("now-").or_else(|| s.strip_prefix("NOW-")) {
            let secs = parse_duration(rest).ok_or_else(|| {
                err(format!(
                    "`{s}` is not a relative time; write now-<number><unit> with unit s, m, h, d or w, like now-15m"
                ))
            })?;
            if secs > MAX_LOOKBACK_SECS {
                return Err(err(format!("`{s}` reaches back further than CloudWatch keeps data (15 months)")));
            }
            return Ok(TimePoint::Relative(secs));
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() >= 10 && s.len() <= 16 {
            let ms: i64 = s.parse().map_err(|_| err(format!("`{s}` is not a time")))?;
            return Ok(TimePoint::Absolute {
                local_ms: ms,
                offset_minutes: Some(0),
            });
        }
        parse_iso(s).ok_or_else(|| {
            err(format!(
                "`{s}` is not a time; use now, now-15m, 2026-11-21T10:00 (in the selected zone) or 2026-11-21T10:00Z"
            ))
        })
    }

    /// Epoch ms of this point, given the current time and the browser's UTC offset (0 on the
    /// server, which does not know the viewer's zone).
    pub fn resolve(&self, now_ms: i64, zone: Zone, local_offset_minutes: i32) -> i64 {
        match *self {
            TimePoint::Relative(secs) => now_ms - secs * 1_000,
            TimePoint::Absolute { local_ms, offset_minutes } => {
                let off = offset_minutes.unwrap_or(match zone {
                    Zone::Utc => 0,
                    Zone::Local => local_offset_minutes,
                });
                local_ms - i64::from(off) * 60_000
            }
        }
    }

    /// The URL form: `now`, `now-15m`, or ISO 8601.
    pub fn to_param(&self) -> String {
        match *self {
            TimePoint::Relative(0) => "now".into(),
            TimePoint::Relative(secs) => format!("now-{}", format_duration(secs)),
            TimePoint::Absolute { local_ms, offset_minutes } => {
                let mut s = format_iso_minutes(local_ms);
                match offset_minutes {
                    None => {}
                    Some(0) => s.push('Z'),
                    Some(off) => {
                        let sign = if off < 0 { '-' } else { '+' };
                        let a = off.unsigned_abs();
                        s.push_str(&format!("{sign}{:02}:{:02}", a / 60, a % 60));
                    }
                }
                s
            }
        }
    }
}

impl TimeRange {
    /// Parses the URL's `from`, `to` and `tz`; missing values take the default (last hour, UTC).
    pub fn from_params(from: Option<&str>, to: Option<&str>, tz: Option<&str>) -> Result<Self, AppError> {
        let d = TimeRange::default();
        TimeRange::new(
            from.map(|s| TimePoint::parse("from", s)).transpose()?.unwrap_or(d.from),
            to.map(|s| TimePoint::parse("to", s)).transpose()?.unwrap_or(d.to),
            Zone::parse(tz)?,
        )
    }

    /// A range from two points; refused when `from` is not before `to`.
    pub fn new(from: TimePoint, to: TimePoint, zone: Zone) -> Result<Self, AppError> {
        // Ordering can be checked without a clock when both points are of one kind.
        let ordered = match (from, to) {
            (TimePoint::Relative(f), TimePoint::Relative(t)) => f > t,
            (a @ TimePoint::Absolute { .. }, b @ TimePoint::Absolute { .. }) => a.resolve(0, zone, 0) < b.resolve(0, zone, 0),
            _ => true,
        };
        if !ordered {
            return Err(AppError::validation("from", "must be before to"));
        }
        Ok(TimeRange { from, to, zone })
    }

    pub fn from(&self) -> TimePoint {
        self.from
    }

    pub fn to(&self) -> TimePoint {
        self.to
    }

    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// `[start, end)` in epoch ms.
    pub fn resolve(&self, now_ms: i64, local_offset_minutes: i32) -> (i64, i64) {
        (
            self.from.resolve(now_ms, self.zone, local_offset_minutes),
            self.to.resolve(now_ms, self.zone, local_offset_minutes),
        )
    }

    /// A short label for the picker button.
    pub fn label(&self) -> String {
        match (self.from, self.to) {
            (TimePoint::Relative(secs), TimePoint::Relative(0)) => format!("Last {}", describe_duration(secs)),
            (f, t) => format!("{} → {}", f.to_param(), t.to_param()),
        }
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let (_, mult, _) = UNITS.iter().find(|(u, _, _)| *u == unit)?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    if n <= 0 || n > 1_000_000 {
        return None;
    }
    n.checked_mul(*mult)
}

fn format_duration(secs: i64) -> String {
    for (u, mult, _) in UNITS.iter().rev() {
        if secs % mult == 0 {
            return format!("{}{u}", secs / mult);
        }
    }
    format!("{secs}s")
}

/// "1 hour", "15 minutes", "3 days".
pub fn describe_duration(secs: i64) -> String {
    for (_, mult, name) in UNITS.iter().rev() {
        if secs % mult == 0 && secs >= *mult {
            let n = secs / mult;
            return if n == 1 { format!("1 {name}") } else { format!("{n} {name}s") };
        }
    }
    format!("{secs} seconds")
}

/// A wait in words, rounded up to whole minutes: "1 minute", "12 minutes", "2 hours".
pub fn wait_in_words(secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    match minutes {
        1 => "1 minute".into(),
        m if m < 120 => format!("{m} minutes"),
        m => format!("{} hours", m.div_ceil(60)),
    }
}

/// Days from 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DDTHH:MM` for epoch ms (read as a wall clock).
pub fn format_iso_minutes(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let base = format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}", sod / 3_600, (sod % 3_600) / 60);
    match (sod % 60, ms.rem_euclid(1_000)) {
        (0, 0) => base,
        (sec, 0) => format!("{base}:{sec:02}"),
        (sec, frac) => format!("{base}:{sec:02}.{frac:03}"),
    }
}

/// `YYYY-MM-DD HH:MM:SS` for display.
pub fn format_display(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}", sod / 3_600, (sod % 3_600) / 60, sod % 60)
}

/// ISO 8601: `YYYY-MM-DD`, then optionally `T` or space, `HH:MM[:SS[.fff]]`, then optionally `Z` or
/// `±HH:MM`. Hand-written so the browser bundle needs no date library.
fn parse_iso(s: &str) -> Option<TimePoint> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) * 86_400;
    let mut ms_frac = 0;
    let mut i = 10;
    if i < b.len() && (b[i] == b'T' || b[i] == b' ') {
        if b.len() < i + 6 || b[i + 3] != b':' {
            return None;
        }
        let (h, mi) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
        if h > 23 || mi > 59 {
            return None;
        }
        secs += h * 3_600 + mi * 60;
        i += 6;
        if i < b.len() && b[i] == b':' {
            let sec = num(i + 1..i + 3)?;
            if sec > 59 {
                return None;
            }
            secs += sec;
            i += 3;
            if i < b.len() && b[i] == b'.' {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                if end == start {
                    return None;
                }
                let digits = &s[start..end.min(start + 3)];
                ms_frac = digits.parse::<i64>().ok()? * 10_i64.pow(3 - digits.len() as u32);
                i = end;
            }
        }
    }
    let offset_minutes = match &s[i..] {
        "" => None,
        "Z" | "z" => Some(0),
        rest if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && rest.as_bytes()[3] == b':' => {
            let h: i32 = rest.get(1..3)?.parse().ok()?;
            let m: i32 = rest.get(4..6)?.parse().ok()?;
            if h > 23 || m > 59 {
                return None;
            }
            let v = h * 60 + m;
            Some(if rest.starts_with('-') { -v } else { v })
        }
        _ => return None,
    };
    Some(TimePoint::Absolute {
        local_ms: secs * 1_000 + ms_frac,
        offset_minutes,
    })
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_ranges_round_trip() {
        for q in QUICK_RANGES {
            let p = TimePoint::parse("from", q).expect(q);
            assert_eq!(p.to_param(), q);
        }
        assert_eq!(TimeRange::default().label(), "Last 1 hour");
        let r = TimeRange::from_params(Some("now-1w"), None, None).expect("valid");
        assert_eq!(r.label(), "Last 1 week");
    }

    #[test]
    fn absolute_times_resolve_in_the_selected_zone() {
        let p = TimePoint::parse("from", "2026-11-21T10:00").expect("valid");
        let utc = p.resolve(0, Zone::Utc, 60);
        let local = p.resolve(0, Zone::Local, 60);
        assert_eq!(utc - local, 3_600_000, "UTC+1 local time is an hour earlier in UTC");
        assert_eq!(format_display(utc), "2026-11-21 10:00:00");
        let z = TimePoint::parse("to", "2026-11-21T10:00:30.5+02:00").expect("valid");
        assert_eq!(format_display(z.resolve(0, Zone::Local, 0)), "2026-11-21 08:00:30");
        assert_eq!(z.to_param(), "2026-11-21T10:00:30.500+02:00");
        assert_eq!(
            TimePoint::parse("to", "1763719200000").map(|p| p.resolve(0, Zone::Local, 99)),
            Ok(1_763_719_200_000)
        );
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        for bad in [
            "now-",
            "now-5x",
            "now-0m",
            "yesterday",
            "2026-13-01",
            "2026-02-30T10:00",
            "2026-01-01T25:00",
            "",
        ] {
            let e = TimePoint::parse("from", bad).expect_err(bad);
            assert!(matches!(e, AppError::Validation { .. }), "{bad}: {e:?}");
        }
        let e = TimeRange::from_params(Some("now-5m"), Some("now-1h"), None).expect_err("reversed");
        assert_eq!(e.to_string(), "from: must be before to");
        assert!(TimeRange::from_params(None, None, Some("mars")).is_err());
        assert!(TimePoint::parse("from", "now-20000w").is_err());
    }

    proptest::proptest! {
        /// Whatever is in the URL, parsing answers (never panics), and what it accepts it writes
        /// back in a form that parses to the same point.
        #[test]
        fn any_input_parses_or_is_refused(raw in "\\PC{0,40}") {
            if let Ok(p) = TimePoint::parse("from", &raw) {
                proptest::prop_assert_eq!(TimePoint::parse("from", &p.to_param()), Ok(p));
            }
            let _ = TimeRange::from_params(Some(&raw), Some(&raw), Some(&raw));
        }

        #[test]
        fn every_point_round_trips_through_the_url(
            secs in 0i64..MAX_LOOKBACK_SECS,
            ms in -2_000_000_000_000i64..5_000_000_000_000,
            off in proptest::option::of(-14 * 60..14 * 60i32),
        ) {
            let rel = TimePoint::Relative(secs - secs % 60);
            proptest::prop_assert_eq!(TimePoint::parse("from", &rel.to_param()), Ok(rel));
            let abs = TimePoint::Absolute { local_ms: ms.max(0), offset_minutes: off };
            if ms >= 0 {
                let parsed = TimePoint::parse("from", &abs.to_param());
                proptest::prop_assert_eq!(parsed.map(|p| p.resolve(0, Zone::Utc, 0)), Ok(abs.resolve(0, Zone::Utc, 0)));
            }
        }

        #[test]
        fn iso_like_input_never_panics(raw in "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?(Z|[+-][0-9é]{2}:?[0-9é]{2})?") {
            let _ = TimePoint::parse("from", &raw);
        }
    }

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_in_words(0), "1 minute");
        assert_eq!(wait_in_words(61), "2 minutes");
        assert_eq!(wait_in_words(900), "15 minutes");
        assert_eq!(wait_in_words(3 * 3_600), "3 hours");
    }

    #[test]
    fn calendar_arithmetic_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for d in [-1_000, 0, 11_017, 20_000, 100_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }
}
