//! Time helpers: epoch milliseconds everywhere inside the world, fast civil-date formatting.

use time::OffsetDateTime;

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

pub fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The parts of an epoch-ms instant: (year, month, day, hour, minute, second, millisecond).
pub fn parts(ms: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS);
    let (y, mo, d) = civil(days);
    let s = rem / 1000;
    (
        (y),
        mo,
        d,
        (s / 3600) as u32,
        ((s / 60) % 60) as u32,
        (s % 60) as u32,
        (rem % 1000) as u32,
    )
}

/// `2026-11-22T10:05:03.123Z`, appended to `out`.
pub fn iso_ms(out: &mut String, ms: i64) {
    use std::fmt::Write;
    let (y, mo, d, h, mi, s, milli) = parts(ms);
    let _ = write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z");
}

pub fn iso(ms: i64) -> String {
    let mut s = String::with_capacity(24);
    iso_ms(&mut s, ms);
    s
}

/// `2026-11-22T10:05:03.123+0000`, as CloudWatch writes alarm timestamps in history data.
pub fn iso_offset(ms: i64) -> String {
    let mut s = iso(ms);
    s.pop();
    s.push_str("+0000");
    s
}

/// `22/11/26 10:05:00`, as alarm state reasons show datapoint times.
pub fn alarm_dp(ms: i64) -> String {
    let (y, mo, d, h, mi, s, _) = parts(ms);
    format!("{d:02}/{mo:02}/{:02} {h:02}:{mi:02}:{s:02}", y.rem_euclid(100))
}

/// `2026/11/22`, as Lambda stream names start.
pub fn slash_date(ms: i64) -> String {
    let (y, mo, d, ..) = parts(ms);
    format!("{y:04}/{mo:02}/{d:02}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_time_crate() {
        for ms in [0i64, 1_795_343_103_123, 951_782_400_000, -86_400_001, 4_102_444_800_000] {
            let t = from_ms(ms);
            let want = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                t.year(),
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.millisecond()
            );
            assert_eq!(iso(ms), want);
        }
        assert_eq!(alarm_dp(1_795_343_100_000), "22/11/26 10:25:00");
    }
}
