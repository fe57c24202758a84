//! The one drawing function, generic over plotters' `DrawingBackend`: background, grid, axes, annotations.
//! The data itself (lines, stacked areas, bars, bands) is in `plot.rs`.

use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform, RGBAColor, ShapeStyle, TextStyle};
use plotters_backend::{DrawingBackend, DrawingErrorKind};

use crate::layout::{Layout, YLayout, FONT_SIZE, TICK};
use crate::{plot, Axis, Chart, Fill, Style, Theme};

/// Background the light theme is drawn for (the page's; PNGs are filled with it).
pub const LIGHT_BACKGROUND: &str = "#ffffff";
/// Background the dark theme is drawn for.
pub const DARK_BACKGROUND: &str = "#111418";

/// Okabe–Ito colours, darkened (light theme) or lightened (dark theme) where needed for at least 3:1 contrast
/// against the theme's background; the same hue at the same index in both themes.
const LIGHT_PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#B07800", "#3B8FC7", "#7E6B00", "#555555",
];
const DARK_PALETTE: [&str; 8] = [
    "#56B4E9", "#FF7F3F", "#2FC49A", "#E08DC0", "#E69F00", "#A6C8FF", "#F0E442", "#BBBBBB",
];

/// Series colours of `theme`, colour-blind-safe (Okabe–Ito hues), in the order series get them.
pub fn palette(theme: Theme) -> &'static [&'static str] {
    match theme {
        Theme::Light => &LIGHT_PALETTE,
        Theme::Dark => &DARK_PALETTE,
    }
}

/// The palette colour for the `i`th series.
pub(crate) fn palette_color(theme: Theme, i: usize) -> RGBAColor {
    let p = palette(theme);
    parse_color(p.get(i % p.len().max(1)).copied()).unwrap_or(RGBAColor(0, 0, 0, 1.0))
}

/// Theme colours. Text has ≥ 4.5:1 contrast on the background (WCAG AA), axis lines ≥ 3:1.
#[derive(Clone, Copy)]
pub(crate) struct Colors {
    pub background: RGBAColor,
    pub text: RGBAColor,
    pub axis: RGBAColor,
    pub grid: RGBAColor,
    pub annotation: RGBAColor,
    pub band: RGBAColor,
}

impl Colors {
    pub fn of(theme: Theme) -> Colors {
        let c = |s: &str| parse_color(Some(s)).unwrap_or(RGBAColor(0, 0, 0, 1.0));
        match theme {
            // #555B61 on white 6.9:1, #8A9096 3.2:1
            Theme::Light => Colors {
                background: c(LIGHT_BACKGROUND),
                text: c("#555B61"),
                axis: c("#8A9096"),
                grid: c("#E5E7EA"),
                annotation: c("#D55E00"),
                band: c("#8A9096"),
            },
            // #B8BEC6 on #111418 9.9:1, #6B7178 3.8:1
            Theme::Dark => Colors {
                background: c(DARK_BACKGROUND),
                text: c("#B8BEC6"),
                axis: c("#6B7178"),
                grid: c("#2A2F36"),
                annotation: c("#FF7F3F"),
                band: c("#8A9096"),
            },
        }
    }
}

/// `#rrggbb` (or `#rgb`) as an opaque colour.
pub(crate) fn parse_color(s: Option<&str>) -> Option<RGBAColor> {
    let hex = s?.trim().strip_prefix('#')?;
    let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
    match hex.len() {
        6 => Some(RGBAColor(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?, 1.0)),
        3 => Some(RGBAColor(digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17, 1.0)),
        _ => None,
    }
}

pub(crate) fn alpha(c: RGBAColor, a: f64) -> RGBAColor {
    RGBAColor(c.0, c.1, c.2, a)
}

pub(crate) type Res<B> = Result<(), DrawingErrorKind<<B as DrawingBackend>::ErrorType>>;

/// What every drawing step needs.
pub(crate) struct Ctx<'a> {
    pub chart: &'a Chart,
    pub style: &'a Style,
    pub layout: &'a Layout,
    pub family: &'a str,
    pub colors: Colors,
}

/// Value → pixel y on one axis.
#[derive(Clone, Copy, Debug)]
pub(crate) struct YScale {
    lo: f64,
    hi: f64,
    log: bool,
    pub top: f64,
    pub bottom: f64,
}

impl YScale {
    pub fn of(y: &YLayout, layout: &Layout) -> YScale {
        let (lo, hi) = if y.ticks.log {
            (y.ticks.lo.log10(), y.ticks.hi.log10())
        } else {
            (y.ticks.lo, y.ticks.hi)
        };
        YScale {
            lo,
            hi,
            log: y.ticks.log,
            top: layout.area.top,
            bottom: layout.area.bottom(),
        }
    }

    /// Pixel y of `v`, unclamped; None for values a log axis can't show and for non-finite ones.
    pub fn y(&self, v: f64) -> Option<f64> {
        if !v.is_finite() || (self.log && v <= 0.0) {
            return None;
        }
        let v = if self.log { v.log10() } else { v };
        let span = if self.hi > self.lo { self.hi - self.lo } else { 1.0 };
        Some(self.bottom - (v - self.lo) / span * (self.bottom - self.top))
    }

    pub fn clamped(&self, v: f64) -> Option<f64> {
        self.y(v).map(|y| y.clamp(self.top, self.bottom))
    }
}

impl Ctx<'_> {
    pub fn scale(&self, axis: Axis) -> YScale {
        match (axis, &self.layout.right) {
            (Axis::Right, Some(r)) => YScale::of(r, self.layout),
            _ => YScale::of(&self.layout.left, self.layout),
        }
    }

    pub fn x(&self, t: i64) -> f64 {
        crate::layout::x_of(t, self.layout.t0, self.layout.t1, &self.layout.area)
    }

    pub fn text<B: DrawingBackend>(&self, b: &mut B, s: &str, at: (f64, f64), pos: Pos, trans: FontTransform) -> Res<B> {
        // plotters' SVG backend writes font-size = size / 1.24; 11 × 1.24 / 1.24 is exactly 11.
        let font = FontDesc::new(FontFamily::Name(self.family), FONT_SIZE * 1.24, FontStyle::Normal).transform(trans);
        let style = TextStyle::from(font).color(&self.colors.text).pos(pos);
        b.draw_text(s, &style, px(at))
    }
}

pub(crate) fn px((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

fn stroke(color: RGBAColor, width: u32) -> ShapeStyle {
    ShapeStyle {
        color,
        filled: false,
        stroke_width: width,
    }
}

fn filled(color: RGBAColor) -> ShapeStyle {
    ShapeStyle {
        color,
        filled: true,
        stroke_width: 0,
    }
}

/// A polyline through `pts`, rounded to pixels with repeated pixels dropped.
pub(crate) fn path<B: DrawingBackend>(b: &mut B, pts: &[(f64, f64)], color: RGBAColor, width: u32) -> Res<B> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(pts.len());
    for p in pts {
        let p = px(*p);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    match out.len() {
        0 => Ok(()),
        1 => b.draw_circle(out[0], width.div_ceil(2) + 1, &filled(color), true),
        _ => b.draw_path(out, &stroke(color, width)),
    }
}

/// `path` cut into dashes `on` px long with `off` px between.
pub(crate) fn dashed<B: DrawingBackend>(b: &mut B, pts: &[(f64, f64)], color: RGBAColor, width: u32, on: f64, off: f64) -> Res<B> {
    let mut dash: Vec<(f64, f64)> = Vec::new();
    let mut drawing = true;
    let mut left = on;
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let mut done = 0.0;
        if drawing && dash.is_empty() {
            dash.push((x0, y0));
        }
        while len - done > left {
            done += left;
            let p = (x0 + (x1 - x0) * done / len, y0 + (y1 - y0) * done / len);
            if drawing {
                dash.push(p);
                path(b, &dash, color, width)?;
                dash.clear();
            } else {
                dash.push(p);
            }
            drawing = !drawing;
            left = if drawing { on } else { off };
        }
        left -= len - done;
        if drawing {
            dash.push((x1, y1));
        }
    }
    if drawing && dash.len() > 1 {
        path(b, &dash, color, width)?;
    }
    Ok(())
}

pub(crate) fn polygon<B: DrawingBackend>(b: &mut B, pts: &[(f64, f64)], color: RGBAColor) -> Res<B> {
    if pts.len() < 3 {
        return Ok(());
    }
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(pts.len());
    for p in pts {
        let p = px(*p);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    b.fill_polygon(out, &filled(color))
}

pub(crate) fn rect<B: DrawingBackend>(b: &mut B, a: (f64, f64), c: (f64, f64), color: RGBAColor) -> Res<B> {
    let (a, c) = (px(a), px(c));
    let (x0, x1) = (a.0.min(c.0), a.0.max(c.0));
    let (y0, y1) = (a.1.min(c.1), a.1.max(c.1));
    if x1 == x0 || y1 == y0 {
        return Ok(());
    }
    b.draw_rect((x0, y0), (x1, y1), &filled(color), true)
}

fn line<B: DrawingBackend>(b: &mut B, a: (f64, f64), c: (f64, f64), color: RGBAColor) -> Res<B> {
    b.draw_line(px(a), px(c), &stroke(color, 1))
}

/// Draw `chart` onto `b`. `background`: fill with the theme background first (PNG) or leave transparent (SVG).
pub(crate) fn draw<B: DrawingBackend>(b: &mut B, chart: &Chart, style: &Style, layout: &Layout, family: &str, background: bool) -> Res<B> {
    let ctx = Ctx {
        chart,
        style,
        layout,
        family,
        colors: Colors::of(style.theme),
    };
    let area = layout.area;
    if background {
        let (w, h) = b.get_size();
        b.draw_rect((0, 0), (w as i32, h as i32), &filled(ctx.colors.background), true)?;
    }
    // Grid at the left axis' ticks.
    let left = ctx.scale(Axis::Left);
    for v in &layout.left.ticks.ticks {
        if let Some(y) = left.y(*v) {
            line(b, (area.left, y), (area.right(), y), ctx.colors.grid)?;
        }
    }
    hline_fills(b, &ctx)?;
    let has_data = plot::draw_data(b, &ctx)?;
    annotations(b, &ctx)?;
    axes(b, &ctx)?;
    if !has_data {
        let centre = (area.left + area.width / 2.0, area.top + area.height / 2.0);
        ctx.text(b, "No data", centre, Pos::new(HPos::Center, VPos::Center), FontTransform::None)?;
    }
    Ok(())
}

fn hline_fills<B: DrawingBackend>(b: &mut B, ctx: &Ctx) -> Res<B> {
    let area = ctx.layout.area;
    for h in &ctx.chart.hlines {
        let Some(y) = ctx.scale(h.axis).clamped(h.value) else { continue };
        let color = alpha(parse_color(h.color.as_deref()).unwrap_or(ctx.colors.annotation), 0.1);
        match h.fill {
            Fill::None => {}
            Fill::Above => rect(b, (area.left, area.top), (area.right(), y), color)?,
            Fill::Below => rect(b, (area.left, y), (area.right(), area.bottom()), color)?,
        }
    }
    Ok(())
}

fn annotations<B: DrawingBackend>(b: &mut B, ctx: &Ctx) -> Res<B> {
    let area = ctx.layout.area;
    for h in &ctx.chart.hlines {
        let Some(y) = ctx.scale(h.axis).y(h.value) else { continue };
        if y < area.top - 0.5 || y > area.bottom() + 0.5 {
            continue;
        }
        let color = parse_color(h.color.as_deref()).unwrap_or(ctx.colors.annotation);
        dashed(b, &[(area.left, y), (area.right(), y)], color, 1, 6.0, 3.0)?;
        if let Some(label) = &h.label {
            ctx.text(
                b,
                label,
                (area.right() - 4.0, y - 3.0),
                Pos::new(HPos::Right, VPos::Bottom),
                FontTransform::None,
            )?;
        }
    }
    for v in &ctx.chart.vlines {
        if v.t < ctx.layout.t0 || v.t > ctx.layout.t1 {
            continue;
        }
        let x = ctx.x(v.t);
        let color = parse_color(v.color.as_deref()).unwrap_or(ctx.colors.annotation);
        line(b, (x, area.top), (x, area.bottom()), color)?;
        if let Some(label) = &v.label {
            let w = crate::layout::text_width(label, FONT_SIZE);
            let (at, h) = if x + 3.0 + w <= area.right() {
                (x + 3.0, HPos::Left)
            } else {
                (x - 3.0, HPos::Right)
            };
            ctx.text(b, label, (at, area.top + 2.0), Pos::new(h, VPos::Top), FontTransform::None)?;
        }
    }
    Ok(())
}

fn axes<B: DrawingBackend>(b: &mut B, ctx: &Ctx) -> Res<B> {
    let area = ctx.layout.area;
    let c = ctx.colors;
    line(b, (area.left, area.bottom()), (area.right(), area.bottom()), c.axis)?;
    for t in &ctx.layout.x_ticks {
        line(b, (t.x, area.bottom()), (t.x, area.bottom() + TICK), c.axis)?;
        ctx.text(
            b,
            &t.label,
            (t.label_x, area.bottom() + TICK + 3.0),
            Pos::new(HPos::Center, VPos::Top),
            FontTransform::None,
        )?;
    }
    let sides = [
        (Axis::Left, Some(&ctx.layout.left), &ctx.chart.left),
        (Axis::Right, ctx.layout.right.as_ref(), &ctx.chart.right),
    ];
    for (axis, y, settings) in sides {
        let Some(y) = y else { continue };
        let scale = ctx.scale(axis);
        let (edge, dir, anchor) = match axis {
            Axis::Left => (area.left, -1.0, HPos::Right),
            Axis::Right => (area.right(), 1.0, HPos::Left),
        };
        line(b, (edge, area.top), (edge, area.bottom()), c.axis)?;
        for (v, label) in y.ticks.ticks.iter().zip(&y.labels) {
            let Some(py) = scale.y(*v) else { continue };
            line(b, (edge, py), (edge + dir * TICK, py), c.axis)?;
            ctx.text(
                b,
                label,
                (edge + dir * (TICK + 3.0), py),
                Pos::new(anchor, VPos::Center),
                FontTransform::None,
            )?;
        }
        if let Some(title) = &settings.label {
            let mid = area.top + area.height / 2.0;
            let (x, trans) = match axis {
                Axis::Left => (2.0, FontTransform::Rotate270),
                Axis::Right => (f64::from(ctx.style.width) - 2.0, FontTransform::Rotate90),
            };
            ctx.text(b, title, (x, mid), Pos::new(HPos::Center, VPos::Top), trans)?;
        }
    }
    Ok(())
}
