//! Charts the tests share.
#![allow(dead_code)]

use chart::{Axis, Band, Chart, Fill, HLine, Point, Series, Unit, VLine, YAxis};

/// 2023-11-23 14:00 UTC
pub const T0: i64 = 1_700_748_000_000;
pub const MIN: i64 = 60_000;

/// Small data: a left series with a gap (no points 14:40–15:10), a right-axis series, a threshold with its
/// area above shaded, a deploy marker, and the last period still open.
pub fn sample() -> Chart {
    let left: Vec<Point> = (0..=36)
        .filter(|i| !(9..15).contains(i))
        .map(|i| Point {
            t: T0 + i * 5 * MIN,
            v: 200.0 + 150.0 * ((i as f64) / 3.0).sin() + (i * 7 % 11) as f64 * 12.0,
        })
        .collect();
    let right: Vec<Point> = (0..=36)
        .map(|i| Point {
            t: T0 + i * 5 * MIN,
            v: 1.5e6 + (i * 13 % 17) as f64 * 1.0e5,
        })
        .collect();
    Chart {
        series: vec![
            Series {
                label: "Latency p99".into(),
                points: left,
                ..Series::default()
            },
            Series {
                label: "Bytes in".into(),
                axis: Axis::Right,
                points: right,
                ..Series::default()
            },
        ],
        start: T0,
        end: T0 + 3 * 60 * MIN,
        period_ms: 5 * MIN,
        open_from: Some(T0 + 180 * MIN),
        left: YAxis {
            unit: Unit::Milliseconds,
            label: Some("Latency".into()),
            ..YAxis::default()
        },
        right: YAxis {
            unit: Unit::Bytes,
            ..YAxis::default()
        },
        hlines: vec![HLine {
            value: 400.0,
            label: Some("SLO 400 ms".into()),
            fill: Fill::Above,
            ..HLine::default()
        }],
        vlines: vec![VLine {
            t: T0 + 100 * MIN,
            label: Some("deploy".into()),
            color: None,
        }],
        ..Chart::default()
    }
}

pub fn with_band(mut c: Chart) -> Chart {
    let pts = |d: f64| {
        (0..=36)
            .map(|i| Point {
                t: T0 + i * 5 * MIN,
                v: 250.0 + d,
            })
            .collect()
    };
    c.bands.push(Band {
        lower: pts(-80.0),
        upper: pts(80.0),
        label: "expected".into(),
        color: None,
    });
    c
}
