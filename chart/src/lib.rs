//! Watchpost charts: a chart is a pure function of (chart data, style) → SVG string.
//!
//! The same code runs on the server (SSR) and in the browser (wasm32), so the HTML the server sends and the
//! browser's redraw are byte-identical. That decides the design:
//!
//! - **Our own layout.** Axis ticks, label positions, margins and overlap checks are computed here, not by
//!   plotters' `ChartBuilder`: plotters measures text through the DOM in WASM and by estimate on the server,
//!   so the two drawings would differ. We measure text with a fixed advance-width table instead
//!   ([`text_width`]): width = Σ advances / units-per-em × font size.
//! - **The font.** The table is generated (`chart/fonts/gen_advances.py`) from a subset of DejaVu Sans that
//!   the crate bundles (`chart/fonts/DejaVuSans-subset.ttf`: ASCII, Latin-1, `–—−…µ°·•▲▼`; licence beside it).
//!   SVG text asks for `font-family="DejaVu Sans, Verdana, sans-serif"` at 11 px (the app can serve the
//!   font with `@font-face`); the PNG renderer (feature `png`) draws with the bundled font itself, so a
//!   server with no fonts installed still renders legible text. Kerning is ignored when measuring.
//! - **plotters only emits primitives.** Drawing goes through `plotters_backend::DrawingBackend`
//!   (`draw_line`, `draw_rect`, `draw_path`, `fill_polygon`, `draw_text`, …) in one function generic over
//!   the backend: `SVGBackend::with_string` for [`svg`], `BitMapBackend` for [`png`]. Dashes are cut into
//!   short paths by us (the backends have no dash style), clipping is done by clamping to the plot area.
//! - **Determinism.** Integer pixel coordinates (rounded), Rust's locale-free float formatting, no hash-map
//!   iteration, no clock: time labels come from epoch milliseconds and the given UTC offset
//!   (civil-from-days arithmetic). Calling [`svg`] twice gives the same bytes.
//! - **The root element.** plotters' `SVGBackend` writes `<svg width height viewBox xmlns>` itself; [`svg`]
//!   post-processes that opening tag to add `role="img"`, `aria-label`, and `data-plot-left/top/width/height`,
//!   `data-t0/t1` (epoch ms) and `data-y0/y1` (left axis domain), so the browser can map the mouse to
//!   time and value without redoing the layout (or call [`layout`]).
//! - **Background.** SVG is transparent (the page provides the background, [`LIGHT_BACKGROUND`] or
//!   [`DARK_BACKGROUND`]); PNG is filled with the theme's background.
//! - **Units.** [`format_value`] is 1000-based for bytes and bits (kB, MB — as the CloudWatch console), SI
//!   suffixes k/M/G/T for plain numbers and counts, durations step µs → ms → s → min → h.
//! - **Gaps.** CloudWatch returns only periods that have data, so points more than 1.5 × `period_ms` apart
//!   are never joined (lines, stacked areas, bands). Big series are reduced with [`decimate`] (min/max per
//!   pixel column) after splitting at gaps.

mod advances;
mod decimate;
mod draw;
mod format;
mod layout;
mod plot;
#[cfg(feature = "png")]
mod png;
mod stack;
mod svg;
mod ticks;

pub use decimate::decimate;
pub use draw::{palette, DARK_BACKGROUND, LIGHT_BACKGROUND};
pub use format::format_value;
pub use layout::{layout, text_width, PlotArea, FONT_SIZE};
#[cfg(feature = "png")]
pub use png::png;
pub use svg::{svg, FONT_FAMILY};

use serde::{Deserialize, Serialize};

/// One data point: epoch milliseconds and a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    pub t: i64,
    pub v: f64,
}

/// Which y axis a series or line is measured against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Axis {
    #[default]
    Left,
    Right,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Series {
    pub label: String,
    /// `#rrggbb`; the theme's palette when absent or not parseable.
    pub color: Option<String>,
    pub axis: Axis,
    /// Ascending `t`.
    pub points: Vec<Point>,
    /// Drawn dashed and lighter, e.g. a time-shifted "compare with" series.
    pub dashed: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum View {
    #[default]
    Line,
    StackedArea,
    Bar,
}

/// Shading on one side of a horizontal line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fill {
    #[default]
    None,
    Above,
    Below,
}

/// A horizontal annotation (threshold), optionally shading above or below it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HLine {
    pub value: f64,
    pub label: Option<String>,
    pub color: Option<String>,
    pub fill: Fill,
    pub axis: Axis,
}

/// A vertical annotation at a time (a deploy, an alarm).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VLine {
    pub t: i64,
    pub label: Option<String>,
    pub color: Option<String>,
}

/// A shaded band between `lower` and `upper` (CloudWatch's ANOMALY_DETECTION_BAND), on the left axis.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Band {
    pub lower: Vec<Point>,
    pub upper: Vec<Point>,
    pub label: String,
    pub color: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Unit {
    #[default]
    None,
    Percent,
    Bytes,
    Bits,
    Milliseconds,
    Seconds,
    Microseconds,
    Count,
    BytesPerSecond,
    CountPerSecond,
}

/// Settings of one y axis. `min`/`max` are used as given; otherwise the domain is the data's, widened to
/// nice numbers (and to 0 when the data is near it, or for bars and stacked areas).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct YAxis {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub label: Option<String>,
    /// Log scale; non-positive values are left out.
    pub log: bool,
    pub unit: Unit,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Chart {
    pub series: Vec<Series>,
    pub view: View,
    /// Time range drawn, epoch ms.
    pub start: i64,
    pub end: i64,
    /// The metric period; points further apart than 1.5 periods are not joined.
    pub period_ms: i64,
    /// Start of the still-open last period: points at or after it are drawn dashed and lighter.
    pub open_from: Option<i64>,
    pub left: YAxis,
    pub right: YAxis,
    pub hlines: Vec<HLine>,
    pub vlines: Vec<VLine>,
    pub bands: Vec<Band>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Style {
    pub width: u32,
    pub height: u32,
    pub theme: Theme,
    /// Minutes east of UTC that time labels are shown in.
    pub utc_offset_minutes: i32,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            width: 800,
            height: 300,
            theme: Theme::Light,
            utc_offset_minutes: 0,
        }
    }
}

/// Why a PNG could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartError {
    /// The bundled font could not be registered.
    Font,
    /// The drawing backend failed.
    Draw(String),
    /// PNG encoding failed.
    Encode(String),
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChartError::Font => write!(f, "the bundled chart font could not be loaded"),
            ChartError::Draw(e) => write!(f, "drawing the chart failed: {e}"),
            ChartError::Encode(e) => write!(f, "encoding the chart as PNG failed: {e}"),
        }
    }
}

impl std::error::Error for ChartError {}
