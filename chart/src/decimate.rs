//! Fewer points than pixels: min and max per pixel column, so spikes survive.

use crate::Point;

/// Reduce `points` (ascending `t`) drawn over `t0..=t1` in `columns` pixel columns to at most two points per
/// column: the column's minimum and maximum, in time order (one point when they coincide). The last point
/// before `t0` and the first after `t1` are kept, so lines run to the plot edges: at most `2 × columns + 2`
/// points in all. Non-finite values are skipped. Columns without data stay empty — nothing is invented in
/// gaps; split a series at its gaps first (as drawing does) so a line never joins across one.
pub fn decimate(points: &[Point], t0: i64, t1: i64, columns: u32) -> Vec<Point> {
    let columns = columns.max(1);
    if points.len() <= 2 * columns as usize + 2 {
        return points.iter().copied().filter(|p| p.v.is_finite()).collect();
    }
    let span = (t1 - t0).max(1) as f64;
    let column = |t: i64| (((t - t0) as f64 / span * f64::from(columns)).floor() as i64).clamp(0, i64::from(columns) - 1);
    let mut out = Vec::with_capacity(2 * columns as usize + 2);
    let mut before: Option<Point> = None;
    let mut after: Option<Point> = None;
    // (column, index of min, index of max) of the column being filled
    let mut current: Option<(i64, usize, usize)> = None;
    let flush = |out: &mut Vec<Point>, c: Option<(i64, usize, usize)>| {
        if let Some((_, lo, hi)) = c {
            let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            out.push(points[a]);
            if b != a {
                out.push(points[b]);
            }
        }
    };
    for (i, p) in points.iter().enumerate() {
        if !p.v.is_finite() {
            continue;
        }
        if p.t < t0 {
            before = Some(*p);
            continue;
        }
        if p.t > t1 {
            after = Some(*p);
            break;
        }
        let c = column(p.t);
        match current {
            Some((cc, lo, hi)) if cc == c => {
                let lo = if p.v < points[lo].v { i } else { lo };
                let hi = if p.v > points[hi].v { i } else { hi };
                current = Some((cc, lo, hi));
            }
            _ => {
                if before.is_some() && out.is_empty() && current.is_none() {
                    out.extend(before.take());
                }
                flush(&mut out, current);
                current = Some((c, i, i));
            }
        }
    }
    if out.is_empty() && current.is_none() {
        out.extend(before);
    }
    flush(&mut out, current);
    out.extend(after);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                t: i as i64 * 1000,
                v: ((i % 17) as f64).sin(),
            })
            .collect()
    }

    #[test]
    fn keeps_global_extremes_of_a_spike_and_bounds_the_count() {
        let mut pts = series(100_000);
        pts[31_337].v = 1e6;
        pts[77_777].v = -1e6;
        for columns in [1, 7, 300, 1200, 4000] {
            let d = decimate(&pts, 0, 99_999_000, columns);
            assert!(d.len() <= 2 * columns as usize + 2, "{} > 2×{columns}+2", d.len());
            assert!(d.iter().any(|p| p.v == 1e6 && p.t == 31_337_000));
            assert!(d.iter().any(|p| p.v == -1e6 && p.t == 77_777_000));
            assert!(d.windows(2).all(|w| w[0].t < w[1].t), "time order");
        }
    }

    #[test]
    fn keeps_one_point_each_side_of_the_window() {
        let pts = series(10_000);
        let d = decimate(&pts, 2_000_000, 3_000_000, 10);
        assert_eq!(d.first().map(|p| p.t), Some(1_999_000));
        assert_eq!(d.last().map(|p| p.t), Some(3_001_000));
        assert!(d.len() <= 22);
    }

    #[test]
    fn small_inputs_pass_through_and_gaps_stay_empty() {
        let pts = series(10);
        assert_eq!(decimate(&pts, 0, 9000, 100), pts);
        // Data only in the first and last tenth: middle columns produce nothing.
        let mut gappy: Vec<Point> = (0..5000).map(|i| Point { t: i, v: 1.0 }).collect();
        gappy.extend((95_000..100_000).map(|i| Point { t: i, v: 2.0 }));
        let d = decimate(&gappy, 0, 100_000, 100);
        assert!(d.iter().all(|p| p.t < 5000 || p.t >= 95_000));
        assert!(d.len() <= 202);
    }
}
