//! `ANOMALY_DETECTION_BAND(m, k)`: CloudWatch trains a model on up to two weeks of the metric's history
//! and accounts for "hourly, daily, and weekly patterns"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html>).
//! This crate's model is a transparent stand-in with a daily season:
//!
//! - For each period `t` of the requested range, the samples are the metric's values (same statistic, period
//!   and unit) at the same time of day on each of the previous 14 days: `t − d·86400` for `d` in 1..=14
//!   (aligned down to the period when the period does not divide a day).
//! - With at least [`MIN_SAMPLES`] samples, the band is `mean ± k · σ` (σ the population standard
//!   deviation of the samples; `k` defaults to 2); with fewer, there is no band at `t`.
//! - The answer is an array of two series, upper band first ("`LAST(ANOMALY_DETECTION_BAND(m1))` returns
//!   the lower bound").
//!
//! The history is one `Backend::series` call for `[start − 14 days, end − 1 day)`.

use std::collections::HashMap;

use crate::expr::series::{mean, stddev};
use crate::validate::align_down;

/// Days of history looked at.
pub const HISTORY_DAYS: i64 = 14;
/// Fewest same-time-of-day samples that make a band.
pub const MIN_SAMPLES: usize = 2;
const DAY: i64 = 86_400;

/// Timestamped values.
pub type Points = Vec<(i64, f64)>;

/// Upper and lower band over `grid` from `history` (ascending points of the same metric).
pub fn band(history: &[(i64, f64)], grid: &[i64], period: i64, k: f64) -> (Points, Points) {
    let by_time: HashMap<i64, f64> = history.iter().copied().collect();
    let mut upper = Vec::with_capacity(grid.len());
    let mut lower = Vec::with_capacity(grid.len());
    let mut samples = Vec::with_capacity(HISTORY_DAYS as usize);
    for &t in grid {
        samples.clear();
        for d in 1..=HISTORY_DAYS {
            if let Some(v) = by_time.get(&align_down(t - d * DAY, period)) {
                samples.push(*v);
            }
        }
        if samples.len() < MIN_SAMPLES {
            continue;
        }
        let (m, s) = (mean(&samples), stddev(&samples));
        let (hi, lo) = (m + k * s, m - k * s);
        if hi.is_finite() && lo.is_finite() {
            upper.push((t, hi));
            lower.push((t, lo));
        }
    }
    (upper, lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_time_of_day_mean_plus_minus_k_sigma() {
        // 10:00 on days 1..=4 before t had 10, 12, 14, 16: mean 13, σ = √5.
        let t = 10 * DAY + 36_000;
        let history: Vec<(i64, f64)> = (1..=4).map(|d| (t - d * DAY, 8.0 + 2.0 * d as f64)).collect();
        let (upper, lower) = band(&history, &[t, t + 300], 300, 2.0);
        let sigma = 5f64.sqrt();
        assert_eq!(upper, vec![(t, 13.0 + 2.0 * sigma)]);
        assert_eq!(lower, vec![(t, 13.0 - 2.0 * sigma)]);
    }
}
