//! The data: bands, then lines, stacked areas or bars. Every series is split at its gaps, each run reduced
//! with `decimate` when it has more points than the plot has pixel columns, and mapped to pixels.

use plotters::style::RGBAColor;
use plotters_backend::DrawingBackend;

use crate::decimate::decimate;
use crate::draw::{alpha, dashed, palette_color, parse_color, path, polygon, rect, Ctx, Res, YScale};
use crate::stack::{self, runs, StackPoint};
use crate::{Axis, Point, Series, View};

const LINE_WIDTH: u32 = 2;

/// Draw bands and series; false when there was nothing to draw (the caller writes "No data").
pub(crate) fn draw_data<B: DrawingBackend>(b: &mut B, ctx: &Ctx) -> Result<bool, plotters_backend::DrawingErrorKind<B::ErrorType>> {
    let mut any = false;
    for (i, band) in ctx.chart.bands.iter().enumerate() {
        any |= !band.upper.is_empty();
        draw_band(b, ctx, i)?;
    }
    any |= ctx.chart.series.iter().any(|s| !s.points.is_empty());
    match ctx.chart.view {
        View::Line => {
            for (i, s) in ctx.chart.series.iter().enumerate() {
                draw_line(b, ctx, i, s)?;
            }
        }
        View::StackedArea => {
            for axis in [Axis::Left, Axis::Right] {
                draw_stack(b, ctx, axis)?;
            }
        }
        View::Bar => draw_bars(b, ctx)?,
    }
    Ok(any)
}

fn columns(ctx: &Ctx) -> u32 {
    ctx.layout.area.width.max(1.0) as u32
}

/// The points that matter for the window: those inside it plus one on each side.
fn window<'p>(ctx: &Ctx, points: &'p [Point]) -> &'p [Point] {
    let a = points.partition_point(|p| p.t < ctx.layout.t0).saturating_sub(1);
    let z = (points.partition_point(|p| p.t <= ctx.layout.t1) + 1).min(points.len());
    &points[a.min(z)..z]
}

/// Runs of drawable points: split at gaps (1.5 periods), decimated, split again at points the axis can't show.
fn drawable_runs(ctx: &Ctx, points: &[Point], scale: &YScale) -> Vec<Vec<Point>> {
    let mut out = Vec::new();
    for run in runs(window(ctx, points), |p| p.t, ctx.chart.period_ms) {
        let reduced = decimate(run, ctx.layout.t0, ctx.layout.t1, columns(ctx));
        let mut current = Vec::new();
        for p in reduced {
            if scale.y(p.v).is_some() {
                current.push(p);
            } else if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// Index of the first point of the still-open period (`len` when there is none).
fn open_index<T>(ctx: &Ctx, pts: &[T], t: impl Fn(&T) -> i64) -> usize {
    ctx.chart.open_from.map_or(pts.len(), |from| pts.partition_point(|p| t(p) < from))
}

fn series_color(ctx: &Ctx, i: usize, s: &Series) -> RGBAColor {
    parse_color(s.color.as_deref()).unwrap_or_else(|| palette_color(ctx.style.theme, i))
}

fn draw_line<B: DrawingBackend>(b: &mut B, ctx: &Ctx, i: usize, s: &Series) -> Res<B> {
    let scale = ctx.scale(s.axis);
    let color = series_color(ctx, i, s);
    let color = if s.dashed { alpha(color, 0.7) } else { color };
    for run in drawable_runs(ctx, &s.points, &scale) {
        let pts: Vec<(f64, f64)> = run
            .iter()
            .map(|p| (ctx.x(p.t), scale.clamped(p.v).unwrap_or(scale.bottom)))
            .collect();
        let k = open_index(ctx, &run, |p| p.t);
        let closed = &pts[..k];
        if !closed.is_empty() {
            if s.dashed {
                dashed(b, closed, color, LINE_WIDTH, 6.0, 4.0)?;
            } else {
                path(b, closed, color, LINE_WIDTH)?;
            }
        }
        if k < pts.len() {
            // The open period, joined to the last closed point: dashed and lighter.
            dashed(b, &pts[k.saturating_sub(1)..], alpha(color, 0.5), LINE_WIDTH, 3.0, 3.0)?;
        }
    }
    Ok(())
}

fn reduce_stack(ctx: &Ctx, run: &[StackPoint]) -> (Vec<Point>, Vec<Point>) {
    let upper: Vec<Point> = run.iter().map(|p| Point { t: p.t, v: p.upper }).collect();
    let lower: Vec<Point> = run.iter().map(|p| Point { t: p.t, v: p.lower }).collect();
    let n = columns(ctx);
    (
        decimate(&upper, ctx.layout.t0, ctx.layout.t1, n),
        decimate(&lower, ctx.layout.t0, ctx.layout.t1, n),
    )
}

fn draw_stack<B: DrawingBackend>(b: &mut B, ctx: &Ctx, axis: Axis) -> Res<B> {
    let scale = ctx.scale(axis);
    let y = |v: f64| scale.clamped(v).unwrap_or(scale.bottom);
    for layer in stack::stack(ctx.chart, axis) {
        let Some(s) = ctx.chart.series.get(layer.series) else { continue };
        let color = series_color(ctx, layer.series, s);
        let pts = layer.points;
        let a = pts.partition_point(|p| p.t < ctx.layout.t0).saturating_sub(1);
        let z = (pts.partition_point(|p| p.t <= ctx.layout.t1) + 1).min(pts.len());
        for run in runs(&pts[a.min(z)..z], |p| p.t, ctx.chart.period_ms) {
            let k = open_index(ctx, run, |p| p.t);
            let parts = [(&run[..k], 0.35, false), (&run[k.saturating_sub(1).min(run.len())..], 0.15, true)];
            for (part, fill_alpha, open) in parts {
                if part.is_empty() || (open && k == run.len()) {
                    continue;
                }
                let (upper, lower) = reduce_stack(ctx, part);
                let top: Vec<(f64, f64)> = upper.iter().map(|p| (ctx.x(p.t), y(p.v))).collect();
                let mut shape = top.clone();
                shape.extend(lower.iter().rev().map(|p| (ctx.x(p.t), y(p.v))));
                if part.len() == 1 {
                    path(b, &top, color, LINE_WIDTH)?;
                    continue;
                }
                polygon(b, &shape, alpha(color, fill_alpha))?;
                if open {
                    dashed(b, &top, alpha(color, 0.5), 1, 3.0, 3.0)?;
                } else {
                    path(b, &top, color, 1)?;
                }
            }
        }
    }
    Ok(())
}

/// Bars: CloudWatch timestamps start their period, so each period's group of bars (one per series, in
/// series order) fills 80 % of [t, t + period).
fn draw_bars<B: DrawingBackend>(b: &mut B, ctx: &Ctx) -> Res<B> {
    let n = ctx.chart.series.len().max(1) as f64;
    let period = ctx.chart.period_ms.max(1);
    let span = (ctx.layout.t1 - ctx.layout.t0).max(1) as f64;
    let period_px = period as f64 / span * ctx.layout.area.width;
    let group = (period_px * 0.8).max(1.0);
    let bar = (group / n).max(1.0);
    let area = ctx.layout.area;
    let open_from = ctx.chart.open_from.unwrap_or(i64::MAX);
    for (i, s) in ctx.chart.series.iter().enumerate() {
        let scale = ctx.scale(s.axis);
        let base = scale.clamped(0.0).unwrap_or(scale.bottom);
        let color = series_color(ctx, i, s);
        let color = if s.dashed { alpha(color, 0.6) } else { color };
        for p in decimate(window(ctx, &s.points), ctx.layout.t0, ctx.layout.t1, columns(ctx)) {
            if p.t + period <= ctx.layout.t0 || p.t >= ctx.layout.t1 {
                continue;
            }
            let Some(top) = scale.clamped(p.v) else { continue };
            let x0 = ctx.x(p.t) + (period_px - group) / 2.0 + i as f64 * bar;
            let (x0, x1) = (x0.clamp(area.left, area.right()), (x0 + bar).clamp(area.left, area.right()));
            let c = if p.t >= open_from { alpha(color, 0.4) } else { color };
            rect(b, (x0, top), (x1, base), c)?;
        }
    }
    Ok(())
}

fn draw_band<B: DrawingBackend>(b: &mut B, ctx: &Ctx, i: usize) -> Res<B> {
    let band = &ctx.chart.bands[i];
    let scale = ctx.scale(Axis::Left);
    let y = |v: f64| scale.clamped(v).unwrap_or(scale.bottom);
    let color = alpha(parse_color(band.color.as_deref()).unwrap_or(ctx.colors.band), 0.25);
    let n = columns(ctx);
    for run in runs(window(ctx, &band.upper), |p| p.t, ctx.chart.period_ms) {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            continue;
        };
        let a = band.lower.partition_point(|p| p.t < first.t);
        let z = band.lower.partition_point(|p| p.t <= last.t);
        let lower = decimate(&band.lower[a.min(z)..z], ctx.layout.t0, ctx.layout.t1, n);
        let upper = decimate(run, ctx.layout.t0, ctx.layout.t1, n);
        let mut shape: Vec<(f64, f64)> = upper.iter().map(|p| (ctx.x(p.t), y(p.v))).collect();
        shape.extend(lower.iter().rev().map(|p| (ctx.x(p.t), y(p.v))));
        polygon(b, &shape, color)?;
    }
    Ok(())
}
