//! Tick positions: nice numbers (1-2-5 steps, or decades on a log axis) and round time steps in local time.

use crate::format::{self, DAY_MS};

/// A y domain and its ticks.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct YTicks {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    pub ticks: Vec<f64>,
    /// Distance between linear ticks (0 on a log axis); decides the label digits.
    pub step: f64,
}

/// What the data on one axis spans, and what the axis settings ask for.
pub(crate) struct DomainRequest {
    pub data: Option<(f64, f64)>,
    pub user_min: Option<f64>,
    pub user_max: Option<f64>,
    pub log: bool,
    /// Bars and stacked areas grow from zero.
    pub zero: bool,
    /// How many ticks fit (from the plot height).
    pub target: usize,
}

/// `m × 10^e` with m in {1, 2, 5}: the smallest such step ≥ `raw`.
fn nice_step(raw: f64) -> (u32, i32) {
    if raw.is_nan() || raw <= 0.0 || raw.is_infinite() {
        return (1, 0);
    }
    let e = raw.log10().floor() as i32;
    let f = raw / 10f64.powi(e);
    if f <= 1.0 + 1e-9 {
        (1, e)
    } else if f <= 2.0 + 1e-9 {
        (2, e)
    } else if f <= 5.0 + 1e-9 {
        (5, e)
    } else {
        (1, e + 1)
    }
}

/// k × m × 10^e computed so that decimal values come out exact where they can (0.3, not 0.30000000000000004).
fn mul(k: i64, m: u32, e: i32) -> f64 {
    let n = (k * i64::from(m)) as f64;
    if e >= 0 {
        n * 10f64.powi(e)
    } else {
        n / 10f64.powi(-e)
    }
}

pub(crate) fn y_ticks(req: &DomainRequest) -> YTicks {
    if req.log {
        log_ticks(req)
    } else {
        linear_ticks(req)
    }
}

fn linear_ticks(req: &DomainRequest) -> YTicks {
    let (dmin, dmax) = req.data.unwrap_or((0.0, 1.0));
    let mut lo = req.user_min.unwrap_or(dmin);
    let mut hi = req.user_max.unwrap_or(dmax);
    if req.user_min.is_none() && dmin >= 0.0 && (req.zero || dmin <= dmax / 2.0) {
        lo = 0.0;
    }
    if req.user_max.is_none() && dmax <= 0.0 && (req.zero || dmax >= dmin / 2.0) {
        hi = 0.0;
    }
    if hi < lo {
        std::mem::swap(&mut lo, &mut hi);
    }
    if hi == lo {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        if req.user_max.is_none() || req.user_min.is_some() {
            hi += d;
        }
        if hi == lo || req.user_min.is_none() && lo != 0.0 {
            lo -= d;
        }
    }
    let target = req.target.max(2) as f64;
    let (m, e) = nice_step((hi - lo) / target);
    let step = mul(1, m, e);
    let eps = step * 1e-9;
    if req.user_min.is_none() {
        lo = mul((lo / step + 1e-9).floor() as i64, m, e);
    }
    if req.user_max.is_none() {
        hi = mul((hi / step - 1e-9).ceil() as i64, m, e);
    }
    let k0 = ((lo - eps) / step).ceil() as i64;
    let k1 = ((hi + eps) / step).floor() as i64;
    let ticks = (k0..=k1).take(64).map(|k| mul(k, m, e)).collect();
    YTicks {
        lo,
        hi,
        log: false,
        ticks,
        step,
    }
}

fn log_ticks(req: &DomainRequest) -> YTicks {
    let positive = |v: Option<f64>| v.filter(|v| *v > 0.0 && v.is_finite());
    let (dmin, dmax) = req.data.filter(|(a, b)| *a > 0.0 && *b > 0.0).unwrap_or((1.0, 10.0));
    let lo = positive(req.user_min).unwrap_or_else(|| 10f64.powi(dmin.log10().floor() as i32));
    let mut hi = positive(req.user_max).unwrap_or_else(|| 10f64.powi(dmax.log10().ceil() as i32));
    if hi <= lo {
        hi = lo * 10.0;
    }
    let d0 = lo.log10().floor() as i32;
    let d1 = hi.log10().ceil() as i32;
    let decades = (d1 - d0).max(1) as usize;
    let every = decades.div_ceil(req.target.max(2)).max(1);
    let mults: &[u32] = if decades * 3 <= req.target { &[1, 2, 5] } else { &[1] };
    let mut ticks = Vec::new();
    for (i, d) in (d0..=d1).enumerate() {
        if i % every != 0 {
            continue;
        }
        for &m in mults {
            let v = mul(1, m, d);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                ticks.push(v);
            }
        }
    }
    YTicks {
        lo,
        hi,
        log: true,
        ticks,
        step: 0.0,
    }
}

/// A time step between ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum TimeStep {
    /// A fixed number of ms, aligned to local midnight (steps ≤ 1 day divide the day).
    Ms(i64),
    /// Weeks, starting on Mondays.
    Weeks(i64),
    Months(i64),
    Years(i64),
}

const SEC: i64 = 1000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;

/// Candidate steps, finest first.
pub(crate) const TIME_STEPS: [TimeStep; 29] = [
    TimeStep::Ms(SEC),
    TimeStep::Ms(2 * SEC),
    TimeStep::Ms(5 * SEC),
    TimeStep::Ms(10 * SEC),
    TimeStep::Ms(15 * SEC),
    TimeStep::Ms(30 * SEC),
    TimeStep::Ms(MIN),
    TimeStep::Ms(2 * MIN),
    TimeStep::Ms(5 * MIN),
    TimeStep::Ms(10 * MIN),
    TimeStep::Ms(15 * MIN),
    TimeStep::Ms(30 * MIN),
    TimeStep::Ms(HOUR),
    TimeStep::Ms(2 * HOUR),
    TimeStep::Ms(3 * HOUR),
    TimeStep::Ms(6 * HOUR),
    TimeStep::Ms(12 * HOUR),
    TimeStep::Ms(DAY_MS),
    TimeStep::Ms(2 * DAY_MS),
    TimeStep::Weeks(1),
    TimeStep::Weeks(2),
    TimeStep::Months(1),
    TimeStep::Months(2),
    TimeStep::Months(3),
    TimeStep::Months(6),
    TimeStep::Years(1),
    TimeStep::Years(2),
    TimeStep::Years(5),
    TimeStep::Years(10),
];

/// Most ticks one step may generate; finer steps than this can never fit a label each.
const MAX_TICKS: i64 = 1000;

/// Ticks of `step` in [t0, t1] with their labels, or None when there would be too many.
pub(crate) fn time_ticks(step: TimeStep, t0: i64, t1: i64, offset_min: i32) -> Option<Vec<(i64, String)>> {
    if t1 <= t0 {
        return Some(Vec::new());
    }
    let off = i64::from(offset_min) * MIN;
    let mut out = Vec::new();
    match step {
        TimeStep::Ms(ms) => {
            if (t1 - t0) / ms > MAX_TICKS {
                return None;
            }
            let first = (t0 + off).div_euclid(ms) * ms + if (t0 + off).rem_euclid(ms) == 0 { 0 } else { ms };
            let mut l = first;
            while l - off <= t1 {
                let t = l - off;
                let local = format::local(t, offset_min);
                let label = if ms >= DAY_MS || local.ms_of_day == 0 {
                    format::month_day(&local)
                } else {
                    format::hm(&local, ms < MIN)
                };
                out.push((t, label));
                l += ms;
            }
        }
        TimeStep::Weeks(n) => {
            let ms = n * 7 * DAY_MS;
            if (t1 - t0) / ms > MAX_TICKS {
                return None;
            }
            // 1970-01-01 was a Thursday: day 4 is the first Monday.
            let day0 = (t0 + off).div_euclid(DAY_MS) + i64::from((t0 + off).rem_euclid(DAY_MS) != 0);
            let mut d = day0 + (4 - day0).rem_euclid(7 * n);
            while d * DAY_MS - off <= t1 {
                let t = d * DAY_MS - off;
                out.push((t, format::month_day(&format::local(t, offset_min))));
                d += 7 * n;
            }
        }
        TimeStep::Months(n) | TimeStep::Years(n) => {
            let months = if let TimeStep::Years(_) = step { 12 * n } else { n };
            if (t1 - t0) / (months * 28 * DAY_MS) > MAX_TICKS {
                return None;
            }
            let start = format::local(t0, offset_min);
            let mut index = start.year * 12 + i64::from(start.month) - 1;
            index += (months - index.rem_euclid(months)) % months;
            loop {
                let (y, m) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32);
                let t = format::days_from_civil(y, m, 1) * DAY_MS - off;
                if t > t1 {
                    break;
                }
                if t >= t0 {
                    let label = if m == 1 || months >= 12 {
                        y.to_string()
                    } else {
                        format::month_name(m).to_string()
                    };
                    out.push((t, label));
                }
                index += months;
            }
        }
    }
    Some(out)
}
