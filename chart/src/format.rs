//! People-readable numbers and times: axis labels, hover values, the aria-label.
//!
//! Decisions (documented in the crate docs too):
//! - Bytes, bits and their rates scale by 1000 (kB, MB, GB, TB), as the CloudWatch console does.
//! - Plain numbers and counts use SI-style suffixes k, M, G, T (1.2k, 3.4M, 5G).
//! - Durations move up a unit at 1000 (µs → ms → s) and at 60 (s → min → h); a day is shown as hours.
//! - Three significant digits, trailing zeros dropped; negative numbers use the minus sign U+2212.
//! - Percent is written with a space, as in `12 %`.

use crate::Unit;

/// Format `v` in `unit` with three significant digits: `1.2k`, `3.4 MB`, `250 ms`, `1.5 s`, `12 %`, `0.0012`.
pub fn format_value(v: f64, unit: Unit) -> String {
    format_sig(v, unit, 3)
}

/// `format_value` with a chosen number of significant digits (tick labels need more when steps are fine).
pub(crate) fn format_sig(v: f64, unit: Unit, sig: u32) -> String {
    if v.is_nan() {
        return "–".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".to_string() } else { "−∞".to_string() };
    }
    let (scaled, suffix, attached) = scale(v, unit, sig);
    let number = number(scaled, sig);
    if suffix.is_empty() {
        number
    } else if attached {
        format!("{number}{suffix}")
    } else {
        format!("{number} {suffix}")
    }
}

/// Pick a multiple for `v` so that its magnitude is in [1, 1000) after rounding to `sig` digits.
/// Returns the scaled value, the suffix, and whether the suffix is written without a space.
fn scale(v: f64, unit: Unit, sig: u32) -> (f64, &'static str, bool) {
    match unit {
        Unit::None | Unit::Count => si(v, sig, &["", "k", "M", "G", "T"], true),
        Unit::CountPerSecond => si(v, sig, &["/s", "k/s", "M/s", "G/s", "T/s"], true),
        Unit::Percent => (v, "%", false),
        Unit::Bytes => si(v, sig, &["B", "kB", "MB", "GB", "TB"], false),
        Unit::BytesPerSecond => si(v, sig, &["B/s", "kB/s", "MB/s", "GB/s", "TB/s"], false),
        Unit::Bits => si(v, sig, &["b", "kb", "Mb", "Gb", "Tb"], false),
        Unit::Microseconds => duration(v / 1_000_000.0, sig, "µs"),
        Unit::Milliseconds => duration(v / 1000.0, sig, "ms"),
        Unit::Seconds => duration(v, sig, "s"),
    }
}

fn si(v: f64, sig: u32, names: &[&'static str; 5], attached: bool) -> (f64, &'static str, bool) {
    let mut i = 0;
    let mut x = v;
    while i + 1 < names.len() && round_sig(x.abs(), sig) >= 1000.0 {
        x /= 1000.0;
        i += 1;
    }
    (x, names[i], attached)
}

fn duration(seconds: f64, sig: u32, zero_unit: &'static str) -> (f64, &'static str, bool) {
    let a = seconds.abs();
    if a == 0.0 {
        return (0.0, zero_unit, false);
    }
    let (x, unit) = if round_sig(a * 1e6, sig) < 1000.0 {
        (seconds * 1e6, "µs")
    } else if round_sig(a * 1e3, sig) < 1000.0 {
        (seconds * 1e3, "ms")
    } else if round_sig(a, sig) < 60.0 {
        (seconds, "s")
    } else if round_sig(a / 60.0, sig) < 60.0 {
        (seconds / 60.0, "min")
    } else {
        (seconds / 3600.0, "h")
    };
    (x, unit, false)
}

fn round_sig(a: f64, sig: u32) -> f64 {
    if a == 0.0 || !a.is_finite() {
        return a;
    }
    let mag = a.log10().floor() as i32;
    let p = 10f64.powi(sig as i32 - 1 - mag);
    (a * p).round() / p
}

/// `x` with `sig` significant digits, trailing zeros removed, U+2212 for negatives.
fn number(x: f64, sig: u32) -> String {
    let a = round_sig(x.abs(), sig);
    if a == 0.0 {
        return "0".to_string();
    }
    if !(1e-6..1e15).contains(&a) {
        let s = format!("{:.*e}", (sig.saturating_sub(1)) as usize, a);
        return sign(x, trim_exp(&s));
    }
    let mag = a.log10().floor() as i32;
    let decimals = (sig as i32 - 1 - mag).max(0) as usize;
    let s = format!("{a:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    sign(x, s)
}

fn trim_exp(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) => {
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            format!("{m}e{e}")
        }
        None => s.to_string(),
    }
}

fn sign(x: f64, s: String) -> String {
    if x < 0.0 {
        format!("−{s}")
    } else {
        s
    }
}

/// Significant digits that tell ticks `step` apart at values up to `max_abs` (at least 3, at most 15).
pub(crate) fn tick_digits(max_abs: f64, step: f64) -> u32 {
    if !(max_abs > 0.0 && step > 0.0 && max_abs.is_finite() && step.is_finite()) {
        return 3;
    }
    let d = max_abs.log10().floor() - step.log10().floor() + 1.0;
    (d as i64).clamp(3, 15) as u32
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm): (year, month 1..=12, day 1..=31).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (inverse of `civil_from_days`).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) const DAY_MS: i64 = 86_400_000;

/// Local wall-clock parts of epoch ms `t` at `offset_min` minutes east of UTC.
pub(crate) struct Local {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// Milliseconds since local midnight.
    pub ms_of_day: i64,
}

pub(crate) fn local(t: i64, offset_min: i32) -> Local {
    let l = t.saturating_add(i64::from(offset_min) * 60_000);
    let days = l.div_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(days);
    Local {
        year,
        month,
        day,
        ms_of_day: l.rem_euclid(DAY_MS),
    }
}

pub(crate) fn month_name(m: u32) -> &'static str {
    MONTHS[(m.clamp(1, 12) - 1) as usize]
}

/// `14:30` (or `14:30:15` when `seconds`).
pub(crate) fn hm(l: &Local, seconds: bool) -> String {
    let s = l.ms_of_day / 1000;
    if seconds {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 3600, s / 60 % 60)
    }
}

/// `Nov 23`
pub(crate) fn month_day(l: &Local) -> String {
    format!("{} {}", month_name(l.month), l.day)
}

/// `Nov 23 14:30`, for the aria-label.
pub(crate) fn date_time(t: i64, offset_min: i32) -> String {
    let l = local(t, offset_min);
    format!("{} {}", month_day(&l), hm(&l, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_value_table() {
        let cases: &[(f64, Unit, &str)] = &[
            (0.0, Unit::None, "0"),
            (12.0, Unit::None, "12"),
            (1234.0, Unit::None, "1.23k"),
            (1200.0, Unit::Count, "1.2k"),
            (3_400_000.0, Unit::Count, "3.4M"),
            (999.9, Unit::None, "1k"),
            (5e9, Unit::None, "5G"),
            (0.0012, Unit::None, "0.0012"),
            (0.5, Unit::None, "0.5"),
            (-1500.0, Unit::None, "−1.5k"),
            (12.0, Unit::Percent, "12 %"),
            (99.5, Unit::Percent, "99.5 %"),
            (0.0, Unit::Bytes, "0 B"),
            (512.0, Unit::Bytes, "512 B"),
            (3_400_000.0, Unit::Bytes, "3.4 MB"),
            (1000.0, Unit::Bytes, "1 kB"),
            (2.5e12, Unit::Bytes, "2.5 TB"),
            (1.25e6, Unit::BytesPerSecond, "1.25 MB/s"),
            (8000.0, Unit::Bits, "8 kb"),
            (250.0, Unit::Milliseconds, "250 ms"),
            (1500.0, Unit::Milliseconds, "1.5 s"),
            (0.0, Unit::Milliseconds, "0 ms"),
            (0.25, Unit::Milliseconds, "250 µs"),
            (90_000.0, Unit::Milliseconds, "1.5 min"),
            (7_200_000.0, Unit::Milliseconds, "2 h"),
            (1.5, Unit::Seconds, "1.5 s"),
            (0.002, Unit::Seconds, "2 ms"),
            (750.0, Unit::Microseconds, "750 µs"),
            (2500.0, Unit::Microseconds, "2.5 ms"),
            (42.0, Unit::CountPerSecond, "42/s"),
            (4200.0, Unit::CountPerSecond, "4.2k/s"),
            (f64::NAN, Unit::None, "–"),
        ];
        for (v, unit, want) in cases {
            assert_eq!(format_value(*v, *unit), *want, "{v} {unit:?}");
        }
    }

    #[test]
    fn tick_labels_get_enough_digits() {
        assert_eq!(tick_digits(1000.5, 0.5), 5);
        assert_eq!(format_sig(1000.5, Unit::None, tick_digits(1000.5, 0.5)), "1.0005k");
        assert_eq!(tick_digits(500.0, 100.0), 3);
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_684), (2023, 11, 23));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        for d in (-800_000..800_000).step_by(997) {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
        }
        let l = local(1_700_748_420_000, -330);
        assert_eq!((l.month, l.day, hm(&l, false)), (11, 23, "08:37".to_string()));
        assert_eq!(date_time(1_700_784_000_000, 60), "Nov 24 01:00");
    }
}
