//! Stacked areas: series on one axis stacked in order over the union of their timestamps.
//!
//! A series with no value at a timestamp another series has counts as 0 there; where no series has data for
//! longer than 1.5 periods the stack breaks (`StackPoint::gap_before`), as lines do.

use crate::{Axis, Chart};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct StackPoint {
    pub t: i64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Layer {
    /// Index of the series in `chart.series`.
    pub series: usize,
    pub points: Vec<StackPoint>,
}

/// Whether two consecutive data points are too far apart to join (CloudWatch leaves out empty periods).
pub(crate) fn is_gap(prev: i64, next: i64, period_ms: i64) -> bool {
    period_ms > 0 && (next - prev) as f64 > 1.5 * period_ms as f64
}

/// Layers of the series on `axis`, bottom first.
pub(crate) fn stack(chart: &Chart, axis: Axis) -> Vec<Layer> {
    let members: Vec<usize> = (0..chart.series.len()).filter(|&i| chart.series[i].axis == axis).collect();
    if members.is_empty() {
        return Vec::new();
    }
    let mut times: Vec<i64> = members.iter().flat_map(|&i| chart.series[i].points.iter().map(|p| p.t)).collect();
    times.sort_unstable();
    times.dedup();
    let mut base = vec![0.0f64; times.len()];
    let mut layers = Vec::with_capacity(members.len());
    for &i in &members {
        let pts = &chart.series[i].points;
        let mut j = 0;
        let mut out = Vec::with_capacity(times.len());
        for (k, &t) in times.iter().enumerate() {
            while j < pts.len() && pts[j].t < t {
                j += 1;
            }
            let v = if j < pts.len() && pts[j].t == t && pts[j].v.is_finite() {
                pts[j].v
            } else {
                0.0
            };
            let lower = base[k];
            base[k] += v;
            out.push(StackPoint { t, lower, upper: base[k] });
        }
        layers.push(Layer { series: i, points: out });
    }
    layers
}

/// Split `points` (ascending t) into runs with no gap inside.
pub(crate) fn runs<T>(points: &[T], t: impl Fn(&T) -> i64, period_ms: i64) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if is_gap(t(&points[i - 1]), t(&points[i]), period_ms) {
            out.push(&points[start..i]);
            start = i;
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Point, Series};

    #[test]
    fn stacks_in_order_with_missing_as_zero() {
        let s = |pts: &[(i64, f64)]| Series {
            points: pts.iter().map(|&(t, v)| Point { t, v }).collect(),
            ..Series::default()
        };
        let chart = Chart {
            series: vec![s(&[(0, 1.0), (60, 2.0)]), s(&[(60, 5.0), (120, 1.0)])],
            period_ms: 60,
            ..Chart::default()
        };
        let layers = stack(&chart, Axis::Left);
        assert_eq!(layers.len(), 2);
        let top: Vec<(i64, f64, f64)> = layers[1].points.iter().map(|p| (p.t, p.lower, p.upper)).collect();
        assert_eq!(top, vec![(0, 1.0, 1.0), (60, 2.0, 7.0), (120, 0.0, 1.0)]);
    }

    #[test]
    fn runs_break_at_gaps() {
        let t = [0i64, 60, 120, 300, 360];
        let r = runs(&t, |t| *t, 60);
        assert_eq!(r, vec![&[0, 60, 120][..], &[300, 360][..]]);
        // 1.5 periods is still joined
        assert_eq!(runs(&[0i64, 90], |t| *t, 60).len(), 1);
    }
}
