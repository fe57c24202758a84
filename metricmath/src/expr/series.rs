//! The values metric math works on: scalars (S), time series (TS) and arrays of time series (TS[]),
//! and the point-wise operations between them as
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html> defines them:
//! missing values are treated as 0 between two series, a data point whose result is not a finite
//! number (division by zero, `LOG(0)`) is dropped, and comparisons give 1 (true) or 0 (false).

use std::collections::BTreeMap;

use cloudwatch::metrics::Metric;

use super::parser::BinOp;

/// Where a series came from, for `${PROP('...')}` in labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub metric: Metric,
    /// The statistic as the request spelled it.
    pub stat: String,
}

/// One time series: ascending, unique timestamps (Unix seconds) and finite values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub points: Vec<(i64, f64)>,
    /// The label this series shows when it is one of an array (a template: may hold `${...}`).
    pub label: String,
    /// What `${LABEL}` stands for in this series' label ("" when it has none of its own).
    pub default_label: String,
    /// Seconds between data points.
    pub period: i64,
    pub source: Option<Source>,
}

impl Series {
    pub fn empty_like(other: &Series) -> Series {
        Series {
            points: Vec::new(),
            ..other.clone()
        }
    }

    pub fn derived(period: i64, points: Vec<(i64, f64)>) -> Series {
        Series {
            points,
            period,
            ..Series::default()
        }
    }

    pub fn at(&self, t: i64) -> Option<f64> {
        self.points.binary_search_by_key(&t, |p| p.0).ok().map(|i| self.points[i].1)
    }

    /// Sorts, removes duplicate timestamps (keeping the first) and non-finite values.
    pub fn normalize(points: &mut Vec<(i64, f64)>) {
        points.retain(|p| p.1.is_finite());
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
    }

    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.points.iter().map(|p| p.1)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Series(Series),
    Array(Vec<Series>),
}

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "a scalar",
            Value::Series(_) => "a time series",
            Value::Array(_) => "an array of time series",
        }
    }
}

/// Counts the data points dropped because they were not finite (CloudWatch's `ArithmeticError` message).
#[derive(Debug, Default)]
pub struct Drops {
    pub dropped: usize,
}

impl Drops {
    pub fn push(&mut self, out: &mut Vec<(i64, f64)>, t: i64, v: f64) {
        if v.is_finite() {
            out.push((t, v));
        } else {
            self.dropped += 1;
        }
    }
}

pub fn apply(op: BinOp, a: f64, b: f64) -> f64 {
    let truth = |c: bool| if c { 1.0 } else { 0.0 };
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                f64::NAN
            } else {
                a / b
            }
        }
        BinOp::Pow => a.powf(b),
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
        BinOp::Lt => truth(a < b),
        BinOp::Gt => truth(a > b),
        BinOp::Le => truth(a <= b),
        BinOp::Ge => truth(a >= b),
        BinOp::And => truth(a != 0.0 && b != 0.0 && !a.is_nan() && !b.is_nan()),
        BinOp::Or => truth((a != 0.0 && !a.is_nan()) || (b != 0.0 && !b.is_nan())),
    }
}

pub fn map(s: &Series, drops: &mut Drops, f: impl Fn(f64) -> f64) -> Series {
    let mut points = Vec::with_capacity(s.points.len());
    for &(t, v) in &s.points {
        drops.push(&mut points, t, f(v));
    }
    Series {
        points,
        ..Series::empty_like(s)
    }
}

/// Two series point by point over the union of their timestamps, a missing value counting as 0.
pub fn zip(a: &Series, b: &Series, drops: &mut Drops, f: impl Fn(f64, f64) -> f64) -> Series {
    let (mut i, mut j) = (0, 0);
    let mut points = Vec::with_capacity(a.points.len().max(b.points.len()));
    while i < a.points.len() || j < b.points.len() {
        let ta = a.points.get(i).map(|p| p.0);
        let tb = b.points.get(j).map(|p| p.0);
        let (t, va, vb) = match (ta, tb) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
                (x, a.points[i - 1].1, b.points[j - 1].1)
            }
            (Some(x), Some(y)) if x < y => {
                i += 1;
                (x, a.points[i - 1].1, 0.0)
            }
            (Some(x), None) => {
                i += 1;
                (x, a.points[i - 1].1, 0.0)
            }
            (_, Some(y)) => {
                j += 1;
                (y, 0.0, b.points[j - 1].1)
            }
            (None, None) => break,
        };
        drops.push(&mut points, t, f(va, vb));
    }
    Series {
        points,
        ..Series::empty_like(a)
    }
}

pub fn binary(op: BinOp, left: Value, right: Value, drops: &mut Drops) -> Result<Value, String> {
    Ok(match (left, right) {
        (Value::Scalar(a), Value::Scalar(b)) => Value::Scalar(apply(op, a, b)),
        (Value::Series(s), Value::Scalar(b)) => Value::Series(map(&s, drops, |v| apply(op, v, b))),
        (Value::Scalar(a), Value::Series(s)) => Value::Series(map(&s, drops, |v| apply(op, a, v))),
        (Value::Series(a), Value::Series(b)) => Value::Series(zip(&a, &b, drops, |x, y| apply(op, x, y))),
        (Value::Array(xs), Value::Scalar(b)) => Value::Array(xs.iter().map(|s| map(s, drops, |v| apply(op, v, b))).collect()),
        (Value::Scalar(a), Value::Array(xs)) => Value::Array(xs.iter().map(|s| map(s, drops, |v| apply(op, a, v))).collect()),
        (Value::Array(xs), Value::Series(b)) => Value::Array(xs.iter().map(|s| zip(s, &b, drops, |x, y| apply(op, x, y))).collect()),
        (Value::Series(a), Value::Array(xs)) => Value::Array(
            xs.iter()
                .map(|s| {
                    // `TS op TS[]` keeps the array members' identities, like `TS[] op TS`.
                    let r = zip(&a, s, drops, |x, y| apply(op, x, y));
                    Series {
                        points: r.points,
                        ..Series::empty_like(s)
                    }
                })
                .collect(),
        ),
        (Value::Array(_), Value::Array(_)) => {
            return Err(format!(
                "The operator {} cannot combine two arrays of time series; combine an array with a scalar or a single time series",
                op.symbol()
            ))
        }
    })
}

/// The timestamps of an array, each with the values present there (one per series at most).
pub fn by_timestamp(series: &[Series]) -> BTreeMap<i64, Vec<f64>> {
    let mut out: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for s in series {
        for &(t, v) in &s.points {
            out.entry(t).or_default().push(v);
        }
    }
    out
}

pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// Population standard deviation.
pub fn stddev(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / values.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(points: &[(i64, f64)]) -> Series {
        Series::derived(60, points.to_vec())
    }

    /// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax-operators>
    #[test]
    fn missing_values_count_as_zero_between_series() {
        let m1 = s(&[(0, 30.0), (60, 20.0), (120, 0.0), (180, 0.0)]);
        let m2 = s(&[(0, 20.0), (120, 20.0)]);
        let mut d = Drops::default();
        let lt = zip(&m1, &m2, &mut d, |a, b| apply(BinOp::Lt, a, b));
        assert_eq!(lt.values().collect::<Vec<_>>(), vec![0.0, 0.0, 1.0, 0.0]);
        let div = zip(&m2, &m1, &mut d, |a, b| apply(BinOp::Div, a, b));
        assert_eq!(div.points, vec![(0, 20.0 / 30.0), (60, 0.0)]);
        assert_eq!(d.dropped, 2);
    }
}
