//! `cargo bench -p chart --bench draw`: one 100,000-point series at 1200×300 → SVG (goal ≤ 20 ms).

use chart::{svg, Chart, Point, Series, Style};
use criterion::{criterion_group, criterion_main, Criterion};

fn big() -> Chart {
    let t0 = 1_700_748_000_000;
    let points: Vec<Point> = (0..100_000)
        .map(|i| Point {
            t: t0 + i * 1000,
            v: ((i % 1000) as f64 / 50.0).sin() * 100.0 + if i == 55_555 { 5000.0 } else { 0.0 },
        })
        .collect();
    Chart {
        series: vec![Series {
            label: "requests".into(),
            points,
            ..Series::default()
        }],
        start: t0,
        end: t0 + 100_000 * 1000,
        period_ms: 1000,
        ..Chart::default()
    }
}

fn bench(c: &mut Criterion) {
    let chart = big();
    let style = Style {
        width: 1200,
        height: 300,
        ..Style::default()
    };
    c.bench_function("svg 100k points 1200x300", |b| b.iter(|| svg(std::hint::black_box(&chart), &style)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
