#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use chart::{layout, svg, Chart, Point, Series, Style, Theme, Unit, View, YAxis};
use common::{sample, with_band, MIN, T0};

fn style() -> Style {
    Style {
        width: 640,
        height: 240,
        theme: Theme::Light,
        utc_offset_minutes: 60,
    }
}

fn one_series(points: Vec<Point>) -> Chart {
    Chart {
        series: vec![Series {
            label: "s".into(),
            points,
            ..Series::default()
        }],
        start: T0,
        end: T0 + 60 * MIN,
        period_ms: MIN,
        ..Chart::default()
    }
}

/// Whether a `<text>` element says exactly `s` (plotters puts text content on its own line).
fn has_text(doc: &str, s: &str) -> bool {
    doc.contains(&format!(">\n{s}\n</text>"))
}

/// The value of attribute `name` on the root element.
fn root_attr<'a>(doc: &'a str, name: &str) -> &'a str {
    let root = &doc[..doc.find('>').unwrap()];
    let key = format!(" {name}=\"");
    let start = root.find(&key).unwrap_or_else(|| panic!("no {name} in {root}")) + key.len();
    &root[start..start + root[start..].find('"').unwrap()]
}

#[test]
fn snapshot_small_chart_with_gap_hline_and_right_axis() {
    insta::assert_snapshot!(svg(&sample(), &style()));
}

#[test]
fn a_gap_splits_the_line_in_two() {
    let pts = |r: std::ops::Range<i64>| {
        r.map(|i| Point {
            t: T0 + i * MIN,
            v: (i % 7) as f64,
        })
        .collect::<Vec<_>>()
    };
    let mut points = pts(0..20);
    points.extend(pts(30..61));
    let doc = svg(&one_series(points.clone()), &style());
    assert_eq!(doc.matches("<polyline").count(), 2, "{doc}");
    // Without the gap: one line. 1.5 periods apart still joins.
    let doc = svg(&one_series(pts(0..61)), &style());
    assert_eq!(doc.matches("<polyline").count(), 1);
    let mut joined = pts(0..20);
    joined.push(Point {
        t: T0 + 19 * MIN + 90_000,
        v: 1.0,
    });
    assert_eq!(svg(&one_series(joined), &style()).matches("<polyline").count(), 1);
    // Stacked areas break at the gap too: two polygons.
    let mut stacked = one_series(points);
    stacked.view = View::StackedArea;
    assert_eq!(svg(&stacked, &style()).matches("<polygon").count(), 2);
}

#[test]
fn root_carries_numeric_data_attributes_and_a_label() {
    let c = sample();
    let doc = svg(&c, &style());
    assert!(doc.starts_with("<svg "));
    for name in [
        "data-plot-left",
        "data-plot-top",
        "data-plot-width",
        "data-plot-height",
        "data-y0",
        "data-y1",
    ] {
        let v: f64 = root_attr(&doc, name).parse().unwrap_or_else(|_| panic!("{name} not numeric"));
        assert!(v.is_finite());
    }
    assert_eq!(root_attr(&doc, "data-t0").parse::<i64>().unwrap(), c.start);
    assert_eq!(root_attr(&doc, "data-t1").parse::<i64>().unwrap(), c.end);
    let area = layout(&c, &style());
    assert_eq!(root_attr(&doc, "data-plot-left").parse::<f64>().unwrap(), area.left);
    assert_eq!(root_attr(&doc, "data-plot-width").parse::<f64>().unwrap(), area.width);
    assert!(root_attr(&doc, "data-y1").parse::<f64>().unwrap() > root_attr(&doc, "data-y0").parse::<f64>().unwrap());
    assert_eq!(root_attr(&doc, "role"), "img");
    assert_eq!(root_attr(&doc, "aria-label"), "Chart of 2 series from Nov 23 15:00 to Nov 23 18:00");
    assert_eq!(root_attr(&doc, "width"), "640");
    assert!(doc.trim_end().ends_with("</svg>"));
}

#[test]
fn output_is_identical_on_repeated_calls() {
    for view in [View::Line, View::StackedArea, View::Bar] {
        let mut c = with_band(sample());
        c.view = view;
        for theme in [Theme::Light, Theme::Dark] {
            let s = Style { theme, ..style() };
            assert_eq!(svg(&c, &s), svg(&c.clone(), &s));
        }
    }
}

#[test]
fn empty_chart_draws_axes_and_no_data() {
    let c = Chart {
        start: T0,
        end: T0 + 60 * MIN,
        period_ms: MIN,
        ..Chart::default()
    };
    let doc = svg(&c, &style());
    assert!(has_text(&doc, "No data"), "{doc}");
    assert!(has_text(&doc, "15:30"));
    assert!(!doc.contains("<polyline"));
    // a series without points is empty too
    assert!(svg(&one_series(Vec::new()), &style()).contains("No data"));
    assert!(!svg(&sample(), &style()).contains("No data"));
}

#[test]
fn text_uses_the_bundled_font_family_at_11px() {
    let doc = svg(&sample(), &style());
    assert!(doc.contains(r#"font-family="DejaVu Sans, Verdana, sans-serif""#));
    assert!(doc.contains(r#"font-size="11""#));
    // labels from format_value with the axis units
    assert!(has_text(&doc, "400 ms"), "{doc}");
    assert!(doc.contains(" MB\n</text>"));
}

#[test]
fn axis_min_max_and_log_scale_are_honoured() {
    let mut c = one_series(
        (0..=60)
            .map(|i| Point {
                t: T0 + i * MIN,
                v: 10f64.powf(i as f64 / 15.0),
            })
            .collect(),
    );
    c.left = YAxis {
        min: Some(-5.0),
        max: Some(2000.0),
        unit: Unit::Count,
        ..YAxis::default()
    };
    let doc = svg(&c, &style());
    assert_eq!(root_attr(&doc, "data-y0"), "-5");
    assert_eq!(root_attr(&doc, "data-y1"), "2000");
    c.left = YAxis {
        log: true,
        ..YAxis::default()
    };
    c.series[0].points[3].v = 0.0; // not drawable on a log axis: the line breaks there
    let doc = svg(&c, &style());
    assert_eq!(root_attr(&doc, "data-y0"), "1");
    assert_eq!(root_attr(&doc, "data-y1"), "10000");
    assert_eq!(doc.matches("<polyline").count(), 2);
    assert!(has_text(&doc, "1k") && has_text(&doc, "100"), "{doc}");
}

#[test]
fn open_period_is_drawn_dashed_and_lighter() {
    let mut c = one_series((0..=60).map(|i| Point { t: T0 + i * MIN, v: 5.0 }).collect());
    let solid = svg(&c, &style());
    assert_eq!(solid.matches("<polyline").count(), 1);
    c.open_from = Some(T0 + 59 * MIN);
    let doc = svg(&c, &style());
    assert!(doc.matches("<polyline").count() > 2, "dashes");
    assert!(doc.contains(r#"opacity="0.5""#));
}

#[test]
fn big_series_is_decimated_and_keeps_its_spike() {
    let mut points: Vec<Point> = (0..100_000)
        .map(|i| Point {
            t: T0 + i * 36,
            v: (i % 10) as f64,
        })
        .collect();
    points[54_321].v = 1000.0;
    let mut c = one_series(points);
    c.period_ms = 36;
    let doc = svg(&c, &style());
    let line = doc.lines().find(|l| l.starts_with("<polyline")).unwrap();
    let n = line.matches(',').count();
    assert!(n <= 2 * 640 + 2, "{n} points");
    assert_eq!(root_attr(&doc, "data-y1"), "1000");
    // the spike reaches the top of the plot
    let top = root_attr(&doc, "data-plot-top");
    assert!(line.contains(&format!(",{top} ")), "spike missing");
}

#[test]
fn types_travel_as_camel_case_json() {
    let c = with_band(sample());
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"periodMs\"") && json.contains("\"openFrom\"") && json.contains("\"axis\":\"right\""));
    let back: Chart = serde_json::from_str(&json).unwrap();
    // (serde_json's default float parsing may differ in the last bit, so values compare approximately)
    assert_eq!(
        (back.start, back.end, back.period_ms, back.open_from),
        (c.start, c.end, c.period_ms, c.open_from)
    );
    assert_eq!(
        (&back.hlines, &back.vlines, &back.left, &back.right),
        (&c.hlines, &c.vlines, &c.left, &c.right)
    );
    for (a, b) in back.series.iter().zip(&c.series) {
        assert_eq!((&a.label, a.axis, a.points.len()), (&b.label, b.axis, b.points.len()));
        assert!(a
            .points
            .iter()
            .zip(&b.points)
            .all(|(p, q)| p.t == q.t && (p.v - q.v).abs() <= 1e-9 * q.v.abs()));
    }
    let minimal: Chart = serde_json::from_str(r#"{"series":[{"points":[{"t":1,"v":2.5}]}],"view":"stackedArea"}"#).unwrap();
    assert_eq!(minimal.view, View::StackedArea);
    let style: Style = serde_json::from_str(r#"{"width":300,"height":100,"theme":"dark","utcOffsetMinutes":-300}"#).unwrap();
    assert_eq!(style.theme, Theme::Dark);
}
