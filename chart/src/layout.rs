//! Where everything goes: the plot area, the ticks and their labels, measured with the bundled font's advances.
//!
//! Text width is the sum of the glyph advances (chart/src/advances.rs, generated from the bundled DejaVu Sans
//! subset) times the font size; kerning is ignored (it changes DejaVu's digit strings by well under a pixel).
//! Everything here is plain arithmetic on the inputs, so the server and the browser get the same layout.

use crate::advances::{EXTRA, LATIN1, UNITS_PER_EM};
use crate::format;
use crate::stack;
use crate::ticks::{self, DomainRequest, YTicks, TIME_STEPS};
use crate::{Axis, Chart, Style, Unit, View};

/// Font size of all chart text, in px (the `font-size` the SVG carries).
pub const FONT_SIZE: f64 = 11.0;
/// Height of a line of chart text, in px (DejaVu's ascent + descent at `FONT_SIZE`).
pub(crate) const LINE_HEIGHT: f64 = 13.0;
/// Length of tick marks, px.
pub(crate) const TICK: f64 = 4.0;
/// Least free space between two x labels, px.
pub(crate) const LABEL_GAP: f64 = 8.0;
const PAD: f64 = 6.0;

/// Width in px of `text` at `size` px in the bundled font (characters outside it count one em).
pub fn text_width(text: &str, size: f64) -> f64 {
    let units: u64 = text
        .chars()
        .map(|c| {
            let cp = c as u32;
            if cp < 256 {
                u64::from(LATIN1[cp as usize])
            } else {
                EXTRA
                    .binary_search_by(|(e, _)| e.cmp(&c))
                    .map_or(u64::from(UNITS_PER_EM), |i| u64::from(EXTRA[i].1))
            }
        })
        .sum();
    units as f64 * size / f64::from(UNITS_PER_EM)
}

/// The rectangle data is drawn in, in px from the top-left of the chart.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlotArea {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl PlotArea {
    pub fn right(&self) -> f64 {
        self.left + self.width
    }
    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

/// One x tick: where it is, its label, and where the label's centre ended up (kept inside the chart).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct XTick {
    pub x: f64,
    pub label: String,
    pub label_x: f64,
    pub width: f64,
}

/// One y axis: its domain, ticks and the unit its labels use.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct YLayout {
    pub ticks: YTicks,
    pub labels: Vec<String>,
    pub unit: Unit,
    pub label_width: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Layout {
    pub area: PlotArea,
    pub t0: i64,
    pub t1: i64,
    pub x_ticks: Vec<XTick>,
    pub left: YLayout,
    pub right: Option<YLayout>,
}

/// The plot area `svg` draws `chart` into at `style`'s size; the browser maps mouse x to time with it
/// (`t = t0 + (x - left) / width * (t1 - t0)`, where t0/t1 are the root's `data-t0`/`data-t1`).
pub fn layout(chart: &Chart, style: &Style) -> PlotArea {
    compute(chart, style).area
}

/// The time range drawn: `start..end`, or something sane when that range is empty.
pub(crate) fn time_range(chart: &Chart) -> (i64, i64) {
    if chart.end > chart.start {
        (chart.start, chart.end)
    } else {
        (chart.start, chart.start.saturating_add(chart.period_ms.max(60_000)))
    }
}

fn uses_right(chart: &Chart) -> bool {
    chart.series.iter().any(|s| s.axis == Axis::Right) || chart.hlines.iter().any(|h| h.axis == Axis::Right)
}

/// Min and max of what is drawn against `axis`, ignoring non-finite values (and non-positive ones on a log axis).
fn extent(chart: &Chart, axis: Axis, log: bool) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut add = |v: f64| {
        if v.is_finite() && (!log || v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    };
    let (t0, t1) = time_range(chart);
    let visible = |t: i64| t >= t0 && t <= t1;
    if chart.view == View::StackedArea {
        for layer in stack::stack(chart, axis) {
            for p in layer.points.iter().filter(|p| visible(p.t)) {
                add(p.upper);
            }
        }
    } else {
        for s in chart.series.iter().filter(|s| s.axis == axis) {
            for p in s.points.iter().filter(|p| visible(p.t)) {
                add(p.v);
            }
        }
    }
    for h in chart.hlines.iter().filter(|h| h.axis == axis) {
        add(h.value);
    }
    if axis == Axis::Left {
        for b in &chart.bands {
            for p in b.lower.iter().chain(&b.upper).filter(|p| visible(p.t)) {
                add(p.v);
            }
        }
    }
    (lo <= hi).then_some((lo, hi))
}

fn y_layout(chart: &Chart, axis: Axis, plot_height: f64) -> YLayout {
    let settings = if axis == Axis::Left { &chart.left } else { &chart.right };
    let req = DomainRequest {
        data: extent(chart, axis, settings.log),
        user_min: settings.min,
        user_max: settings.max,
        log: settings.log,
        zero: matches!(chart.view, View::Bar | View::StackedArea),
        target: ((plot_height / 36.0).floor() as usize).clamp(2, 10),
    };
    let ticks = ticks::y_ticks(&req);
    let max_abs = ticks.lo.abs().max(ticks.hi.abs());
    let digits = if ticks.log { 3 } else { format::tick_digits(max_abs, ticks.step) };
    let labels: Vec<String> = ticks.ticks.iter().map(|v| format::format_sig(*v, settings.unit, digits)).collect();
    let label_width = labels.iter().map(|l| text_width(l, FONT_SIZE)).fold(0.0, f64::max);
    YLayout {
        ticks,
        labels,
        unit: settings.unit,
        label_width,
    }
}

fn side_margin(y: &YLayout, has_title: bool) -> f64 {
    let title = if has_title { LINE_HEIGHT + 4.0 } else { 0.0 };
    (PAD + y.label_width + 4.0 + TICK + title).ceil()
}

pub(crate) fn compute(chart: &Chart, style: &Style) -> Layout {
    let w = f64::from(style.width.max(1));
    let h = f64::from(style.height.max(1));
    let top = (LINE_HEIGHT / 2.0 + 4.0).ceil();
    let bottom = (TICK + 3.0 + LINE_HEIGHT + 4.0).ceil();
    let height = (h - top - bottom).max(1.0);
    let left_axis = y_layout(chart, Axis::Left, height);
    let right_axis = uses_right(chart).then(|| y_layout(chart, Axis::Right, height));
    let left = side_margin(&left_axis, chart.left.label.is_some());
    let right = right_axis.as_ref().map_or(12.0, |r| side_margin(r, chart.right.label.is_some()));
    let width = (w - left - right).max(1.0);
    let area = PlotArea { left, top, width, height };
    let (t0, t1) = time_range(chart);
    let x_ticks = x_ticks(t0, t1, style.utc_offset_minutes, &area, w);
    Layout {
        area,
        t0,
        t1,
        x_ticks,
        left: left_axis,
        right: right_axis,
    }
}

/// Pixel x of time `t`.
pub(crate) fn x_of(t: i64, t0: i64, t1: i64, area: &PlotArea) -> f64 {
    area.left + (t - t0) as f64 / (t1 - t0).max(1) as f64 * area.width
}

/// Labelled ticks of the finest round step whose labels don't overlap; if none fits, the coarsest with
/// overlapping labels dropped.
fn x_ticks(t0: i64, t1: i64, offset: i32, area: &PlotArea, chart_width: f64) -> Vec<XTick> {
    let place = |ticks: Vec<(i64, String)>| -> Vec<XTick> {
        ticks
            .into_iter()
            .map(|(t, label)| {
                let x = x_of(t, t0, t1, area);
                let width = text_width(&label, FONT_SIZE);
                let half = width / 2.0;
                let label_x = x.clamp(half.min(chart_width / 2.0), (chart_width - half).max(chart_width / 2.0));
                XTick { x, label, label_x, width }
            })
            .collect()
    };
    let mut coarsest = Vec::new();
    for step in TIME_STEPS {
        let Some(ticks) = ticks::time_ticks(step, t0, t1, offset) else {
            continue;
        };
        let placed = place(ticks);
        if !overlaps(&placed) {
            return placed;
        }
        coarsest = placed;
    }
    // Nothing fits (a very narrow chart): keep every label that clears the one before it.
    let mut kept: Vec<XTick> = Vec::new();
    for t in coarsest {
        if kept
            .last()
            .is_none_or(|k| k.label_x + k.width / 2.0 + LABEL_GAP <= t.label_x - t.width / 2.0)
        {
            kept.push(t);
        }
    }
    kept
}

fn overlaps(ticks: &[XTick]) -> bool {
    ticks
        .windows(2)
        .any(|p| p[0].label_x + p[0].width / 2.0 + LABEL_GAP > p[1].label_x - p[1].width / 2.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Point, Series, Theme, YAxis};

    fn chart(start: i64, hours: i64) -> Chart {
        let end = start + hours * 3_600_000;
        let points = (0..=60)
            .map(|i| Point {
                t: start + i * (end - start) / 60,
                v: (i * 1234) as f64,
            })
            .collect();
        Chart {
            series: vec![Series {
                label: "a".into(),
                points,
                ..Series::default()
            }],
            start,
            end,
            period_ms: 60_000,
            left: YAxis {
                unit: Unit::Bytes,
                ..YAxis::default()
            },
            ..Chart::default()
        }
    }

    #[test]
    fn text_width_sums_advances() {
        // '0' is 1303 units of 2048 in DejaVu Sans.
        assert!((text_width("00", 11.0) - 2.0 * 1303.0 * 11.0 / 2048.0).abs() < 1e-9);
        assert!(text_width("Nov 23", 11.0) > text_width("14:30", 11.0));
        assert_eq!(text_width("", 11.0), 0.0);
        // Outside the font: one em.
        assert_eq!(text_width("漢", 10.0), 10.0);
    }

    #[test]
    fn x_labels_never_overlap_and_stay_inside() {
        // 2023-11-23 14:07 UTC, odd offsets, ranges from 5 minutes to a year.
        let start = 1_700_748_420_000;
        for hours in [0, 1, 3, 9, 24, 24 * 3, 24 * 8, 24 * 40, 24 * 400] {
            for offset in [0, 330, -480] {
                for width in (200..=1600).step_by(50) {
                    let c = if hours == 0 {
                        let mut c = chart(start, 1);
                        c.end = start + 5 * 60_000;
                        c
                    } else {
                        chart(start, hours)
                    };
                    let style = Style {
                        width,
                        height: 300,
                        theme: Theme::Light,
                        utc_offset_minutes: offset,
                    };
                    let l = compute(&c, &style);
                    assert!(!l.x_ticks.is_empty(), "no ticks at {width}px, {hours}h");
                    assert!(!overlaps(&l.x_ticks), "overlap at {width}px, {hours}h, {offset}: {:?}", l.x_ticks);
                    for t in &l.x_ticks {
                        assert!(t.label_x - t.width / 2.0 >= -1e-9 && t.label_x + t.width / 2.0 <= f64::from(width) + 1e-9);
                        assert!(t.x >= l.area.left - 1e-9 && t.x <= l.area.right() + 1e-9);
                    }
                    // y labels fit the left margin and don't overlap vertically
                    assert!(l.left.label_width + TICK < l.area.left);
                    let step_px = l.area.height / (l.left.ticks.ticks.len().max(2) - 1) as f64;
                    assert!(step_px >= LINE_HEIGHT, "{step_px}");
                }
            }
        }
    }

    #[test]
    fn time_labels_are_round_and_local() {
        let start = 1_700_748_420_000; // 2023-11-23 14:07 UTC
        let c = chart(start, 3);
        let style = Style {
            width: 800,
            height: 300,
            theme: Theme::Light,
            utc_offset_minutes: 60,
        };
        let l = compute(&c, &style);
        let labels: Vec<&str> = l.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert!(labels.contains(&"16:00"), "{labels:?}");
        assert!(labels.iter().all(|l| l.len() == 5 && l.ends_with('0')), "{labels:?}");
        let days = chart(start, 24 * 3);
        let l = compute(&days, &style);
        assert!(l.x_ticks.iter().any(|t| t.label == "Nov 24"), "{:?}", l.x_ticks);
    }
}
