//! Statistics as <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html>
//! defines them: the page's examples, then properties over random samples.

use metricmath::{Bounds, Statistic};
use proptest::prelude::*;

fn stat(s: &str) -> Statistic {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn compute(s: &str, samples: &[f64]) -> Option<f64> {
    stat(s).compute(&mut samples.to_vec())
}

fn one_to(n: usize) -> Vec<f64> {
    (1..=n).map(|v| v as f64).collect()
}

#[test]
fn basic_statistics() {
    let v = [4.0, 1.0, 3.0, 2.0];
    assert_eq!(compute("SampleCount", &v), Some(4.0));
    assert_eq!(compute("Sum", &v), Some(10.0));
    assert_eq!(compute("Average", &v), Some(2.5));
    assert_eq!(compute("Minimum", &v), Some(1.0));
    assert_eq!(compute("Maximum", &v), Some(4.0));
    assert_eq!(compute("Average", &[]), None);
    assert_eq!(compute("Sum", &[f64::NAN, 2.0, f64::INFINITY]), Some(2.0));
    for s in ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] {
        assert!(!stat(s).is_extended());
    }
    for s in ["p99", "tm90", "IQM", "PR(:300)", "wm98", "tc90", "ts90"] {
        assert!(stat(s).is_extended());
    }
}

/// "p95 ... means that 95 percent of the data within the period is lower than this value"; "p99 is the
/// maximum value of the remaining 99%, while tm99 is the average of the remaining 99%".
#[test]
fn percentile_and_trimmed_mean_of_one_to_hundred() {
    let v = one_to(100);
    assert_eq!(compute("p95", &v), Some(95.0));
    assert_eq!(compute("p99", &v), Some(99.0));
    assert_eq!(compute("p99.5", &v), Some(100.0));
    assert_eq!(compute("tm99", &v), Some(50.0)); // mean of 1..=99
    assert_eq!(compute("TM(:99%)", &v), compute("tm99", &v)); // "It is the same as TM(:99%)"
    assert_eq!(compute("tm90", &v), Some(45.5)); // "after removing the 10% of data points with the highest values"
    assert_eq!(compute("TM(2%:98%)", &v), Some(50.5)); // 3..=98
    assert_eq!(compute("TM(10%:)", &v), Some(55.5)); // 11..=100
}

/// "TM(150:1000) calculates the average after removing all data points that are lower than or equal to
/// 150, or higher than 1000."
#[test]
fn trimmed_mean_with_absolute_bounds() {
    let v = [100.0, 150.0, 200.0, 400.0, 1000.0, 1001.0];
    assert_eq!(compute("TM(150:1000)", &v), Some((200.0 + 400.0 + 1000.0) / 3.0));
    assert_eq!(compute("TC(150:1000)", &v), Some(3.0));
    assert_eq!(compute("TS(150:1000)", &v), Some(1600.0));
}

/// "IQM is the trimmed mean of the interquartile range ... equivalent to TM(25%:75%)".
#[test]
fn interquartile_mean() {
    assert_eq!(compute("IQM", &one_to(8)), Some(4.5)); // 3, 4, 5, 6
    assert_eq!(compute("IQM", &one_to(8)), compute("TM(25%:75%)", &one_to(8)));
}

/// "wm98 calculates the average while treating the 2% of the highest values to be equal to the value at
/// the 98th percentile. WM(10%:90%) ... treating the highest 10% ... as the 90% boundary, and ... the
/// lowest 10% ... as the 10% boundary."
#[test]
fn winsorized_mean() {
    let v = one_to(100);
    // 99 and 100 become 98.
    assert_eq!(compute("wm98", &v), Some((5050.0 - 99.0 - 100.0 + 2.0 * 98.0) / 100.0));
    // 1..=10 become 11 (the lowest kept), 91..=100 become 90 (the highest kept).
    let expected = (10.0 * 11.0 + (11..=90).sum::<i32>() as f64 + 10.0 * 90.0) / 100.0;
    assert_eq!(compute("WM(10%:90%)", &v), Some(expected));
    assert_eq!(
        compute("WM(20:50)", &v),
        Some((20.0 * 20.0 + (21..=50).sum::<i32>() as f64 + 50.0 * 50.0) / 100.0)
    );
}

/// "PR(:300) returns the percentage of data points that have a value of 300 or less. PR(100:2000) returns
/// the percentage of data points that have a value between 100 and 2000."
#[test]
fn percentile_rank() {
    let v = [50.0, 100.0, 300.0, 301.0, 2000.0, 2500.0, 10.0, 250.0];
    assert_eq!(compute("PR(:300)", &v), Some(62.5)); // 50, 100, 300, 10, 250
    assert_eq!(compute("PR(100:2000)", &v), Some(50.0)); // 300, 301, 2000, 250 (100 excluded)
}

/// "tc90 returns the number of data points not including any data points that fall in the highest 10%";
/// "TC(0.005:0.030) returns the number of data points with values between 0.005 (exclusive) and 0.030
/// (inclusive)"; "TS(80%:) returns the sum ... not including any data points with values in the lowest 80%".
#[test]
fn trimmed_count_and_sum() {
    assert_eq!(compute("tc90", &one_to(100)), Some(90.0));
    assert_eq!(compute("TC(0.005:0.030)", &[0.005, 0.01, 0.03, 0.031]), Some(2.0));
    assert_eq!(compute("TS(80%:)", &one_to(10)), Some(19.0)); // 9 + 10
    assert_eq!(compute("ts90", &one_to(10)), Some(45.0));
    assert_eq!(compute("TC(:0.5)", &[0.5, 0.25, 0.75]), Some(2.0));
}

/// "these type of statistics are not available for metrics when any of the metric values are negative".
#[test]
fn extended_statistics_need_non_negative_values() {
    let v = [-1.0, 2.0, 3.0];
    for s in ["p50", "tm90", "IQM", "PR(:2)", "wm90", "tc90", "ts90"] {
        assert_eq!(compute(s, &v), None, "{s}");
    }
    assert_eq!(compute("Minimum", &v), Some(-1.0));
}

fn percent() -> impl Strategy<Value = f64> {
    (0u32..=10_000).prop_map(|n| f64::from(n) / 100.0)
}

fn samples() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.0f64..1e6, 1..200)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #[test]
    fn p0_is_min_and_p100_is_max(v in samples()) {
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        prop_assert_eq!(Statistic::Percentile(0.0).compute(&mut v.clone()), Some(min));
        prop_assert_eq!(Statistic::Percentile(100.0).compute(&mut v.clone()), Some(max));
    }

    #[test]
    fn percentiles_are_monotone_samples(v in samples(), a in percent(), b in percent()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let plo = Statistic::Percentile(lo).compute(&mut v.clone());
        let phi = Statistic::Percentile(hi).compute(&mut v.clone());
        prop_assert!(plo <= phi, "p{} = {:?} > p{} = {:?}", lo, plo, hi, phi);
        prop_assert!(plo.is_some_and(|x| v.contains(&x)));
    }

    #[test]
    fn full_ranges_are_the_plain_statistics(v in samples()) {
        let n = v.len() as f64;
        let sum: f64 = v.iter().sum();
        let all = Bounds::Percent { low: Some(0.0), high: Some(100.0) };
        let avg = Statistic::Average.compute(&mut v.clone()).unwrap_or(f64::NAN);
        prop_assert!(Statistic::TrimmedMean(all).compute(&mut v.clone()).is_some_and(|x| close(x, avg)));
        prop_assert!(stat("tm100").compute(&mut v.clone()).is_some_and(|x| close(x, avg)));
        prop_assert!(Statistic::WinsorizedMean(all).compute(&mut v.clone()).is_some_and(|x| close(x, avg)));
        prop_assert_eq!(Statistic::TrimmedCount(all).compute(&mut v.clone()), Some(n));
        prop_assert!(Statistic::TrimmedSum(all).compute(&mut v.clone()).is_some_and(|x| close(x, sum)));
        prop_assert_eq!(Statistic::SampleCount.compute(&mut v.clone()), Some(n));
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        prop_assert_eq!(Statistic::PercentileRank(Bounds::Absolute { low: None, high: Some(max) }).compute(&mut v.clone()), Some(100.0));
        prop_assert_eq!(Statistic::PercentileRank(Bounds::Absolute { low: Some(max), high: None }).compute(&mut v.clone()), Some(0.0));
    }

    #[test]
    fn trimmed_statistics_agree(v in samples(), a in percent(), b in percent()) {
        let (lo, hi) = if a < b { (a, b) } else if b < a { (b, a) } else { return Ok(()) };
        let bounds = Bounds::Percent { low: Some(lo), high: Some(hi) };
        let tm = Statistic::TrimmedMean(bounds).compute(&mut v.clone());
        let tc = Statistic::TrimmedCount(bounds).compute(&mut v.clone()).unwrap_or(f64::NAN);
        let ts = Statistic::TrimmedSum(bounds).compute(&mut v.clone()).unwrap_or(f64::NAN);
        match tm {
            // "It is equivalent to (Trimmed Mean) * (Trimmed count)."
            Some(tm) => prop_assert!(close(tm * tc, ts), "{} * {} != {}", tm, tc, ts),
            None => prop_assert_eq!((tc, ts), (0.0, 0.0)),
        }
        // tmN averages what pN is the maximum of.
        let tm_hi = Statistic::TrimmedMean(Bounds::up_to_percent(hi)).compute(&mut v.clone());
        let p_hi = Statistic::Percentile(hi).compute(&mut v.clone());
        if let (Some(t), Some(p)) = (tm_hi, p_hi) {
            prop_assert!(t <= p * (1.0 + 1e-12));
        }
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let wm = Statistic::WinsorizedMean(bounds).compute(&mut v.clone());
        prop_assert!(wm.is_none_or(|w| w >= min * (1.0 - 1e-12) && w <= max * (1.0 + 1e-12)));
        let iqm = Statistic::InterquartileMean.compute(&mut v.clone());
        prop_assert_eq!(iqm, Statistic::TrimmedMean(Bounds::Percent { low: Some(25.0), high: Some(75.0) }).compute(&mut v.clone()));
    }

    #[test]
    fn spellings_round_trip(p in percent(), a in 0u32..=10_000, b in 0u32..=10_000, kind in 0usize..9) {
        // Hundredths, so that every bound has at most two decimals.
        let (lo, hi) = if a < b { (a, b) } else { (b, a + 50) };
        let (lo, hi) = (f64::from(lo) / 100.0, f64::from(hi) / 100.0);
        let s = match kind {
            0 => format!("p{p}"),
            1 => format!("tm{p}"),
            2 => format!("wm{p}"),
            3 => format!("TC({lo}%:{hi}%)"),
            4 => format!("TS({lo}:{hi})"),
            5 => format!("PR({lo}:{hi})"),
            6 => format!("TM({lo}%:)"),
            7 => format!("WM(:{hi})"),
            _ => "IQM".to_string(),
        };
        if let Ok(parsed) = s.parse::<Statistic>() {
            prop_assert_eq!(parsed.to_string().parse::<Statistic>().ok(), Some(parsed));
        } else {
            // Only a high bound above 100% may be refused.
            prop_assert!(hi > 100.0 && kind == 3, "{} refused", s);
        }
    }

    #[test]
    fn any_text_parses_or_is_refused_without_panicking(s in "\\PC{0,12}") {
        let _ = s.parse::<Statistic>();
    }
}
