//! CloudWatch statistics: parsing (`SampleCount` ... `p99.9`, `tm90`, `TM(10%:90%)`, `TM(150:1000)`,
//! `wm98`, `WM(..)`, `tc90`, `TC(..)`, `ts90`, `TS(..)`, `PR(:300)`, `IQM`) and computation over raw
//! samples, built to <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html>.
//!
//! Definitions used (the page's wording, made exact):
//! - **Percentile** `pN` is nearest-rank: the value at rank `ceil(N/100 · n)` of the ascending samples
//!   (rank 1 at least). So `p0` is the minimum, `p100` the maximum, and — as the page says — `p99` is the
//!   largest value of the 99% that `tm99` keeps.
//! - **Percentage bounds** `(a%:b%)` keep the ascending ranks `r` with `ceil(a/100 · n) < r <= ceil(b/100 · n)`:
//!   the values above the `a`th percentile up to and including the `b`th. `tmN` is `TM(:N%)`.
//! - **Absolute bounds** `(a:b)` keep the values `v` with `a < v <= b` ("includes values equal to the higher
//!   boundary, but does not include values equal to the lower boundary").
//! - **Winsorized mean** clamps instead of dropping: with percentages, values below the kept ranks take the
//!   lowest kept value and values above take the highest kept value; with absolute bounds values are clamped
//!   to `[a, b]`. The mean is then over every sample.
//! - **Trimmed count/sum** are the number and sum of the kept values; **percentile rank** `PR(a:b)` is the
//!   percentage (0–100) of samples with `a < v <= b`; **IQM** is `TM(25%:75%)`.
//! - Extended statistics are "not available for metrics when any of the metric values are negative numbers":
//!   [`Statistic::compute`] answers `None` for them when a sample is negative.
//! - Non-finite samples are ignored; no samples gives `None` (CloudWatch returns no datapoint).

use std::fmt;
use std::str::FromStr;

use cloudwatch::{ErrorKind, SourceError};

/// Most decimal places a percentile or a percentage bound may have ("up to 10 decimal places").
const MAX_DECIMALS: usize = 10;
/// Tolerance for `ceil(p · n / 100)` so that e.g. `p7` over 100 samples is rank 7, not 8.
const RANK_EPSILON: f64 = 1e-9;

/// A parsed CloudWatch statistic.
#[derive(Debug, Clone, PartialEq)]
pub enum Statistic {
    SampleCount,
    Average,
    Sum,
    Minimum,
    Maximum,
    /// `p99`, `p99.9` (0 to 100, up to ten decimal places).
    Percentile(f64),
    /// `tm90` (= `TM(:90%)`), `TM(10%:90%)`, `TM(150:1000)`.
    TrimmedMean(Bounds),
    /// `wm98`, `WM(10%:90%)`.
    WinsorizedMean(Bounds),
    /// `tc90`, `TC(0.005:0.030)`.
    TrimmedCount(Bounds),
    /// `ts90`, `TS(80%:)`.
    TrimmedSum(Bounds),
    /// `PR(:300)`, `PR(100:2000)`: always absolute bounds.
    PercentileRank(Bounds),
    /// `IQM`, the same as `TM(25%:75%)`.
    InterquartileMean,
}

/// The range of a trimmed statistic: percentages of the samples, or absolute values.
/// A missing side is open (`TM(:95%)`, `TS(80%:)`, `PR(:300)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bounds {
    Percent { low: Option<f64>, high: Option<f64> },
    Absolute { low: Option<f64>, high: Option<f64> },
}

impl Bounds {
    /// `TM(:N%)`, what `tmN` means.
    pub fn up_to_percent(high: f64) -> Self {
        Bounds::Percent {
            low: None,
            high: Some(high),
        }
    }

    fn sides(&self) -> (Option<f64>, Option<f64>) {
        match *self {
            Bounds::Percent { low, high } | Bounds::Absolute { low, high } => (low, high),
        }
    }
}

/// The error CloudWatch gives for a statistic it does not know (as observed from GetMetricData:
/// `ValidationError: The value p101 for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid
/// statistic.`). Without a parameter path the message names only the value.
pub fn invalid_statistic(value: &str, parameter: Option<&str>) -> SourceError {
    let message = match parameter {
        Some(p) => format!("The value {value} for parameter {p} is not a valid statistic."),
        None => format!("The value {value} is not a valid statistic."),
    };
    SourceError::new(ErrorKind::Validation, "ValidationError", message)
}

impl FromStr for Statistic {
    type Err = SourceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s).ok_or_else(|| invalid_statistic(s, None))
    }
}

fn parse(s: &str) -> Option<Statistic> {
    match s {
        "SampleCount" => return Some(Statistic::SampleCount),
        "Average" => return Some(Statistic::Average),
        "Sum" => return Some(Statistic::Sum),
        "Minimum" => return Some(Statistic::Minimum),
        "Maximum" => return Some(Statistic::Maximum),
        "IQM" => return Some(Statistic::InterquartileMean),
        _ => {}
    }
    // Ranges are written in upper case with parentheses: TM(..), WM(..), TC(..), TS(..), PR(..).
    for (prefix, make) in RANGE_FORMS {
        if let Some(inner) = s.strip_prefix(prefix).and_then(|r| r.strip_suffix(')')) {
            let bounds = parse_bounds(inner)?;
            if *prefix == "PR(" && matches!(bounds, Bounds::Percent { .. }) {
                return None;
            }
            return Some(make(bounds));
        }
    }
    // One number without parentheses, lower case only: tm99, wm98, tc90, ts90, p99.9.
    for (prefix, make) in SHORT_FORMS {
        if let Some(number) = s.strip_prefix(prefix) {
            return parse_percentage(number).map(|n| make(Bounds::up_to_percent(n)));
        }
    }
    let number = s.strip_prefix('p')?;
    parse_percentage(number).map(Statistic::Percentile)
}

type Maker = fn(Bounds) -> Statistic;

const RANGE_FORMS: &[(&str, Maker)] = &[
    ("TM(", Statistic::TrimmedMean),
    ("WM(", Statistic::WinsorizedMean),
    ("TC(", Statistic::TrimmedCount),
    ("TS(", Statistic::TrimmedSum),
    ("PR(", Statistic::PercentileRank),
];

const SHORT_FORMS: &[(&str, Maker)] = &[
    ("tm", Statistic::TrimmedMean),
    ("wm", Statistic::WinsorizedMean),
    ("tc", Statistic::TrimmedCount),
    ("ts", Statistic::TrimmedSum),
];

/// `a:b`, each side empty, `N%` or `N`; both given sides of one kind; low below high.
fn parse_bounds(inner: &str) -> Option<Bounds> {
    let (low, high) = inner.split_once(':')?;
    let low = parse_side(low)?;
    let high = parse_side(high)?;
    let bounds = match (low, high) {
        (Side::Open, Side::Open) => return None,
        (Side::Percent(l), Side::Percent(h)) => Bounds::Percent {
            low: Some(l),
            high: Some(h),
        },
        (Side::Open, Side::Percent(h)) => Bounds::Percent { low: None, high: Some(h) },
        (Side::Percent(l), Side::Open) => Bounds::Percent { low: Some(l), high: None },
        (Side::Absolute(l), Side::Absolute(h)) => Bounds::Absolute {
            low: Some(l),
            high: Some(h),
        },
        (Side::Open, Side::Absolute(h)) => Bounds::Absolute { low: None, high: Some(h) },
        (Side::Absolute(l), Side::Open) => Bounds::Absolute { low: Some(l), high: None },
        _ => return None,
    };
    if let (Some(l), Some(h)) = bounds.sides() {
        if l >= h {
            return None;
        }
    }
    Some(bounds)
}

enum Side {
    Open,
    Percent(f64),
    Absolute(f64),
}

fn parse_side(text: &str) -> Option<Side> {
    if text.is_empty() {
        return Some(Side::Open);
    }
    if let Some(number) = text.strip_suffix('%') {
        return parse_percentage(number).map(Side::Percent);
    }
    parse_decimal(text, true).map(Side::Absolute)
}

/// 0 to 100 with at most ten decimal places.
fn parse_percentage(text: &str) -> Option<f64> {
    parse_decimal(text, false).filter(|n| (0.0..=100.0).contains(n))
}

/// Plain decimal notation (`12`, `99.5`, `0.005`): no exponent, sign only when allowed, ≤ 10 decimals.
fn parse_decimal(text: &str, allow_sign: bool) -> Option<f64> {
    let unsigned = match text.strip_prefix('-') {
        Some(rest) if allow_sign => rest,
        Some(_) => return None,
        None => text,
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(f) = frac {
        if f.is_empty() || f.len() > MAX_DECIMALS || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

impl Statistic {
    /// Everything but `SampleCount`, `Average`, `Sum`, `Minimum` and `Maximum` (what GetMetricStatistics
    /// calls `ExtendedStatistics`, and what needs raw samples).
    pub fn is_extended(&self) -> bool {
        !matches!(
            self,
            Statistic::SampleCount | Statistic::Average | Statistic::Sum | Statistic::Minimum | Statistic::Maximum
        )
    }

    /// The statistic over raw samples, as CloudWatch defines it (see the module docs). Reorders `samples`.
    /// `None` when there is nothing to report: no finite sample, an empty trimmed range for a mean, or a
    /// negative sample for an extended statistic.
    pub fn compute(&self, samples: &mut [f64]) -> Option<f64> {
        let finite = keep_finite(samples);
        let values = &mut samples[..finite];
        let n = values.len();
        if n == 0 {
            return None;
        }
        match self {
            Statistic::SampleCount => return Some(n as f64),
            Statistic::Sum => return Some(values.iter().sum()),
            Statistic::Average => return Some(values.iter().sum::<f64>() / n as f64),
            Statistic::Minimum => return values.iter().copied().reduce(f64::min),
            Statistic::Maximum => return values.iter().copied().reduce(f64::max),
            _ => {}
        }
        if values.iter().any(|v| *v < 0.0) {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let sorted: &[f64] = values;
        match self {
            Statistic::Percentile(p) => Some(sorted[rank(*p, n).saturating_sub(1).min(n - 1)]),
            Statistic::TrimmedMean(b) => mean(kept(sorted, b)),
            Statistic::InterquartileMean => mean(kept(
                sorted,
                &Bounds::Percent {
                    low: Some(25.0),
                    high: Some(75.0),
                },
            )),
            Statistic::TrimmedCount(b) => Some(kept(sorted, b).len() as f64),
            Statistic::TrimmedSum(b) => Some(kept(sorted, b).iter().sum()),
            Statistic::PercentileRank(b) => Some(kept(sorted, b).len() as f64 * 100.0 / n as f64),
            Statistic::WinsorizedMean(b) => winsorized_mean(sorted, b),
            Statistic::SampleCount | Statistic::Average | Statistic::Sum | Statistic::Minimum | Statistic::Maximum => None,
        }
    }
}

/// Moves the finite samples to the front; returns how many there are.
fn keep_finite(samples: &mut [f64]) -> usize {
    let mut finite = 0;
    for i in 0..samples.len() {
        if samples[i].is_finite() {
            samples.swap(i, finite);
            finite += 1;
        }
    }
    finite
}

/// Nearest rank of percentile `p` among `n` samples: `ceil(p·n/100)`, 0 to `n`.
fn rank(p: f64, n: usize) -> usize {
    let r = (p * n as f64 / 100.0 - RANK_EPSILON).ceil();
    if r <= 0.0 {
        0
    } else {
        (r as usize).min(n)
    }
}

/// The kept slice for percentage bounds, or the kept values for absolute bounds (a sorted subslice either way).
fn kept<'a>(sorted: &'a [f64], bounds: &Bounds) -> &'a [f64] {
    let n = sorted.len();
    match *bounds {
        Bounds::Percent { low, high } => {
            let lo = low.map_or(0, |l| rank(l, n));
            let hi = high.map_or(n, |h| rank(h, n));
            if lo < hi {
                &sorted[lo..hi]
            } else {
                &[]
            }
        }
        Bounds::Absolute { low, high } => {
            let lo = low.map_or(0, |l| sorted.partition_point(|v| *v <= l));
            let hi = high.map_or(n, |h| sorted.partition_point(|v| *v <= h));
            if lo < hi {
                &sorted[lo..hi]
            } else {
                &[]
            }
        }
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

fn winsorized_mean(sorted: &[f64], bounds: &Bounds) -> Option<f64> {
    let n = sorted.len();
    match *bounds {
        Bounds::Percent { low, high } => {
            let lo = low.map_or(0, |l| rank(l, n));
            let hi = high.map_or(n, |h| rank(h, n));
            if lo >= hi {
                return None;
            }
            let (floor, ceiling) = (sorted[lo], sorted[hi - 1]);
            Some(sorted.iter().map(|v| v.clamp(floor, ceiling)).sum::<f64>() / n as f64)
        }
        Bounds::Absolute { low, high } => {
            let floor = low.unwrap_or(f64::NEG_INFINITY);
            let ceiling = high.unwrap_or(f64::INFINITY);
            Some(sorted.iter().map(|v| v.clamp(floor, ceiling)).sum::<f64>() / n as f64)
        }
    }
}

/// Shortest decimal text of a bound or percentile (`99.9`, `150`).
fn number(n: f64) -> String {
    format!("{n}")
}

fn side(n: Option<f64>, percent: bool) -> String {
    match n {
        None => String::new(),
        Some(n) if percent => format!("{}%", number(n)),
        Some(n) => number(n),
    }
}

fn write_range(f: &mut fmt::Formatter<'_>, short: &str, long: &str, bounds: &Bounds) -> fmt::Result {
    match *bounds {
        Bounds::Percent { low: None, high: Some(h) } if short != "PR" => write!(f, "{short}{}", number(h)),
        Bounds::Percent { low, high } => write!(f, "{long}({}:{})", side(low, true), side(high, true)),
        Bounds::Absolute { low, high } => write!(f, "{long}({}:{})", side(low, false), side(high, false)),
    }
}

/// The canonical spelling (`TM(:90%)` is written `tm90`).
impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::SampleCount => f.write_str("SampleCount"),
            Statistic::Average => f.write_str("Average"),
            Statistic::Sum => f.write_str("Sum"),
            Statistic::Minimum => f.write_str("Minimum"),
            Statistic::Maximum => f.write_str("Maximum"),
            Statistic::InterquartileMean => f.write_str("IQM"),
            Statistic::Percentile(p) => write!(f, "p{}", number(*p)),
            Statistic::TrimmedMean(b) => write_range(f, "tm", "TM", b),
            Statistic::WinsorizedMean(b) => write_range(f, "wm", "WM", b),
            Statistic::TrimmedCount(b) => write_range(f, "tc", "TC", b),
            Statistic::TrimmedSum(b) => write_range(f, "ts", "TS", b),
            Statistic::PercentileRank(b) => write_range(f, "PR", "PR", b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(s: &str) -> Statistic {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn documented_spellings_parse_and_print_back() {
        for s in [
            "SampleCount",
            "Average",
            "Sum",
            "Minimum",
            "Maximum",
            "p99",
            "p99.9",
            "p95.0123456789",
            "tm99",
            "TM(2%:98%)",
            "TM(150:1000)",
            "IQM",
            "wm98",
            "WM(10%:90%)",
            "PR(:300)",
            "PR(100:2000)",
            "tc90",
            "TC(0.005:0.03)",
            "ts90",
            "TS(80%:)",
            "TM(10%:)",
            "TC(:0.5)",
        ] {
            assert_eq!(stat(s).to_string(), s);
        }
        assert_eq!(stat("TM(:95%)").to_string(), "tm95");
    }

    #[test]
    fn wrong_spellings_are_refused_with_cloudwatch_words() {
        for s in [
            "",
            "average",
            "p101",
            "p-1",
            "P99",
            "p99.12345678901",
            "TM99",
            "tm(10%:90%)",
            "TM(90%:10%)",
            "TM(10%:500)",
            "PR(10%:90%)",
            "TM(:)",
            "TM(1e3:)",
            "tm",
            "p",
            "IQM ",
            "TM(10%:90%",
        ] {
            let e = s.parse::<Statistic>().expect_err(s);
            assert_eq!(e.code, "ValidationError");
            assert_eq!(e.message, format!("The value {s} is not a valid statistic."));
        }
    }
}
