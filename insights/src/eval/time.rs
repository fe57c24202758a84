//! Calendar arithmetic on epoch milliseconds (UTC), without a date library: formatting as
//! CloudWatch displays timestamps, ISO 8601 parsing for inputs, and calendar-unit rounding.

use crate::lexer::TimeUnit;

/// Days since 1970-01-01 to (year, month, day). (Howard Hinnant's civil_from_days.)
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD HH:MM:SS.mmm`, as CloudWatch shows `@timestamp` and `bin()` values.
pub fn format_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}.{:03}",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Rounds down to the period (`n` units). Fixed units align to the epoch; weeks to Monday;
/// months, quarters and years to calendar boundaries.
/// Timestamps are clamped to about ±270,000 years so that calendar arithmetic cannot overflow.
const MAX_MS: i64 = 8_640_000_000_000_000;

pub fn floor_to(ms: i64, n: u64, unit: TimeUnit) -> i64 {
    let ms = ms.clamp(-MAX_MS, MAX_MS);
    let n = n.clamp(1, 1_000_000) as i64;
    if let Some(len) = unit.fixed_millis() {
        let period = len.saturating_mul(n);
        if unit == TimeUnit::W {
            // 1970-01-01 was a Thursday; Monday-based weeks start 3 days earlier.
            let off = 3 * 86_400_000;
            return ms.saturating_add(off).div_euclid(period).saturating_mul(period).saturating_sub(off);
        }
        return ms.div_euclid(period).saturating_mul(period);
    }
    let (y, m, _) = civil_from_days(ms.div_euclid(86_400_000));
    let months_per = match unit {
        TimeUnit::Q => 3 * n,
        TimeUnit::Y => 12 * n,
        _ => n,
    };
    let total = y * 12 + i64::from(m) - 1;
    let floored = total.div_euclid(months_per) * months_per;
    days_from_civil(floored.div_euclid(12), (floored.rem_euclid(12) + 1) as u32, 1) * 86_400_000
}

/// Rounds up to the period.
pub fn ceil_to(ms: i64, n: u64, unit: TimeUnit) -> i64 {
    let ms = ms.clamp(-MAX_MS, MAX_MS);
    let n = n.clamp(1, 1_000_000);
    let f = floor_to(ms, n, unit);
    if f == ms {
        return f;
    }
    if let Some(len) = unit.fixed_millis() {
        return f.saturating_add(len.saturating_mul(n.max(1) as i64));
    }
    let months = match unit {
        TimeUnit::Q => 3 * n,
        TimeUnit::Y => 12 * n,
        _ => n,
    } as i64;
    let (y, m, _) = civil_from_days(f.div_euclid(86_400_000));
    let total = y * 12 + i64::from(m) - 1 + months;
    days_from_civil(total.div_euclid(12), (total.rem_euclid(12) + 1) as u32, 1) * 86_400_000
}

fn digits(b: &[u8], i: usize, n: usize) -> Option<i64> {
    let s = b.get(i..i + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Parses an ISO 8601 / RFC 3339 timestamp at the start of `s`: `2024-01-02T03:04:05.678Z`,
/// a space instead of `T`, optional fraction, `Z` or `±HH:MM` (no zone: UTC). Returns epoch ms
/// and the number of bytes consumed.
pub fn parse_iso8601_prefix(s: &str) -> Option<(i64, usize)> {
    let b = s.as_bytes();
    let y = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo as u32, d as u32) * 86_400_000;
    let mut i = 10;
    if matches!(b.get(10), Some(b'T' | b't' | b' ')) && digits(b, 11, 2).is_some() {
        let h = digits(b, 11, 2)?;
        if b.get(13) != Some(&b':') {
            return None;
        }
        let mi = digits(b, 14, 2)?;
        i = 16;
        let mut sec = 0;
        if b.get(16) == Some(&b':') {
            sec = digits(b, 17, 2)?;
            i = 19;
        }
        ms += (h * 3600 + mi * 60 + sec) * 1000;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let mut frac = 0i64;
            let mut n = 0;
            while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                if n < 3 {
                    frac = frac * 10 + i64::from(c - b'0');
                }
                n += 1;
                i += 1;
            }
            if n == 0 {
                return None;
            }
            for _ in n..3 {
                frac *= 10;
            }
            ms += frac;
        }
        match b.get(i) {
            Some(b'Z' | b'z') => i += 1,
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2)?;
                let (om, len) = if b.get(i + 3) == Some(&b':') {
                    (digits(b, i + 4, 2)?, 6)
                } else {
                    (digits(b, i + 3, 2).unwrap_or(0), if digits(b, i + 3, 2).is_some() { 5 } else { 3 })
                };
                let off = (oh * 60 + om) * 60_000;
                ms += if sign == b'+' { -off } else { off };
                i += len;
            }
            _ => {}
        }
    }
    Some((ms, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_dates() {
        assert_eq!(format_millis(0), "1970-01-01 00:00:00.000");
        assert_eq!(format_millis(1_704_103_500_123), "2024-01-01 10:05:00.123");
        assert_eq!(parse_iso8601_prefix("2024-01-01T10:05:00.123Z"), Some((1_704_103_500_123, 24)));
        assert_eq!(
            parse_iso8601_prefix("2024-01-01T12:05:00+02:00").map(|x| x.0),
            Some(1_704_103_500_000)
        );
        assert_eq!(floor_to(1_704_103_799_000, 5, TimeUnit::M), 1_704_103_500_000);
        assert_eq!(
            format_millis(floor_to(1_706_000_000_000, 1, TimeUnit::Mo)),
            "2024-01-01 00:00:00.000"
        );
        assert_eq!(
            format_millis(ceil_to(1_706_000_000_000, 1, TimeUnit::Mo)),
            "2024-02-01 00:00:00.000"
        );
        assert_eq!(
            format_millis(floor_to(1_706_000_000_000, 1, TimeUnit::W)),
            "2024-01-22 00:00:00.000"
        );
    }
}
