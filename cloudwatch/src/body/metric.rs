//! The `metric` widget's properties: "Properties of a Metric Widget Object" and its rendering
//! properties, annotation and yAxis formats on the body-structure page.

use serde_json::{Map, Value};

/// A `metric` widget's `properties`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricWidget {
    pub title: Option<String>,
    /// `timeSeries` when absent.
    pub view: Option<MetricView>,
    pub stacked: Option<bool>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    /// Default period of the rows, seconds (300 when absent).
    pub period: Option<i64>,
    /// Default statistic of the rows (`Average` when absent).
    pub stat: Option<String>,
    /// The rows, shorthand expanded.
    pub metrics: Vec<MetricRow>,
    pub y_axis: Option<YAxes>,
    pub annotations: Option<Annotations>,
    pub live_data: Option<bool>,
    /// One data point per series covering the whole time range (number, bar, pie widgets).
    pub set_period_to_time_range: Option<bool>,
    /// Sparkline under a `singleValue` number.
    pub sparkline: Option<bool>,
    pub legend: Option<Legend>,
    /// Other properties (`timezone`, `table`, `labels`, ...), kept for the round trip.
    pub extra: Map<String, Value>,
}

impl MetricWidget {
    /// `view`, or `timeSeries`.
    pub fn view(&self) -> MetricView {
        self.view.clone().unwrap_or(MetricView::TimeSeries)
    }
    pub fn is_stacked(&self) -> bool {
        self.stacked.unwrap_or(false)
    }
    pub fn is_live_data(&self) -> bool {
        self.live_data.unwrap_or(false)
    }
    pub fn is_period_set_to_time_range(&self) -> bool {
        self.set_period_to_time_range.unwrap_or(false)
    }
    pub fn has_sparkline(&self) -> bool {
        self.sparkline.unwrap_or(false)
    }
    /// `legend.position`, or `bottom`.
    pub fn legend_position(&self) -> LegendPosition {
        self.legend
            .as_ref()
            .and_then(|l| l.position.clone())
            .unwrap_or(LegendPosition::Bottom)
    }
}

/// `view` of a metric widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricView {
    TimeSeries,
    SingleValue,
    Bar,
    Pie,
    Gauge,
    Table,
    Other(String),
}

impl MetricView {
    pub fn as_str(&self) -> &str {
        match self {
            Self::TimeSeries => "timeSeries",
            Self::SingleValue => "singleValue",
            Self::Bar => "bar",
            Self::Pie => "pie",
            Self::Gauge => "gauge",
            Self::Table => "table",
            Self::Other(s) => s,
        }
    }

    pub fn from_name(s: &str) -> Self {
        match s {
            "timeSeries" => Self::TimeSeries,
            "singleValue" => Self::SingleValue,
            "bar" => Self::Bar,
            "pie" => Self::Pie,
            "gauge" => Self::Gauge,
            "table" => Self::Table,
            other => Self::Other(other.to_string()),
        }
    }
}

/// `legend`: `{ "position": "right" | "bottom" | "hidden" }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Legend {
    pub position: Option<LegendPosition>,
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegendPosition {
    Right,
    Bottom,
    Hidden,
    Other(String),
}

impl LegendPosition {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Right => "right",
            Self::Bottom => "bottom",
            Self::Hidden => "hidden",
            Self::Other(s) => s,
        }
    }

    pub fn from_name(s: &str) -> Self {
        match s {
            "right" => Self::Right,
            "bottom" => Self::Bottom,
            "hidden" => Self::Hidden,
            other => Self::Other(other.to_string()),
        }
    }
}

/// One row of `metrics`, after shorthand expansion.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricRow {
    /// `[Namespace, MetricName, DimensionName, DimensionValue, ..., {rendering properties}]`
    Metric {
        namespace: String,
        metric_name: String,
        /// (name, value) in the order written.
        dimensions: Vec<(String, String)>,
        options: RenderOptions,
    },
    /// `[{ "expression": "...", "label": ..., "id": ... }]`: math, SEARCH or a Metrics Insights
    /// query; `options.expression` is set.
    Expression { options: RenderOptions },
}

impl MetricRow {
    pub fn options(&self) -> &RenderOptions {
        match self {
            Self::Metric { options, .. } | Self::Expression { options } => options,
        }
    }

    pub fn options_mut(&mut self) -> &mut RenderOptions {
        match self {
            Self::Metric { options, .. } | Self::Expression { options } => options,
        }
    }
}

/// A row's rendering properties object (and, for an expression row, the expression itself).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RenderOptions {
    pub id: Option<String>,
    /// May hold dynamic labels (`${PROP('Dim.ServiceName')}`); passed through untouched.
    pub label: Option<String>,
    pub stat: Option<String>,
    pub period: Option<i64>,
    /// `#rrggbb`.
    pub color: Option<String>,
    pub y_axis: Option<Axis>,
    /// `false` hides the series (it still feeds expressions).
    pub visible: Option<bool>,
    pub expression: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub extra: Map<String, Value>,
}

impl RenderOptions {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The left or right y-axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Left,
    Right,
}

impl Axis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Right => "right",
        }
    }
}

/// `yAxis` of a widget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct YAxes {
    pub left: Option<YAxisSide>,
    pub right: Option<YAxisSide>,
    pub extra: Map<String, Value>,
}

/// One side of `yAxis`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct YAxisSide {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub label: Option<String>,
    /// Default true.
    pub show_units: Option<bool>,
    pub extra: Map<String, Value>,
}

/// `annotations` of a metric widget. `alarms` (0–1 alarm ARN) excludes a `metrics` array.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Annotations {
    pub horizontal: Vec<HAnnotation>,
    pub vertical: Vec<VAnnotation>,
    pub alarms: Vec<String>,
    pub extra: Map<String, Value>,
}

/// A horizontal annotation: one line, or a band written `[{..top..}, {..bottom..}]` (the
/// band's colour, `yAxis` and `visible` come from the first; `fill` is ignored for bands).
#[derive(Debug, Clone, PartialEq)]
pub enum HAnnotation {
    Line(HLine),
    Band(HLine, HLine),
}

/// `{value, label, color, fill, yAxis, visible}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HLine {
    pub value: f64,
    pub label: Option<String>,
    pub color: Option<String>,
    /// `above`, `below` or `none`.
    pub fill: Option<Fill>,
    pub visible: Option<bool>,
    pub y_axis: Option<Axis>,
    pub extra: Map<String, Value>,
}

/// A vertical annotation: one line, or a band `[{..start..}, {..end..}]`.
#[derive(Debug, Clone, PartialEq)]
pub enum VAnnotation {
    Line(VLine),
    Band(VLine, VLine),
}

/// `{value, label, color, fill, visible}`; `value` is an ISO 8601 time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VLine {
    pub value: String,
    pub label: Option<String>,
    pub color: Option<String>,
    /// `before`, `after` or `none`.
    pub fill: Option<Fill>,
    pub visible: Option<bool>,
    pub extra: Map<String, Value>,
}

/// An annotation's `fill`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    Above,
    Below,
    Before,
    After,
    None,
    Other(String),
}

impl Fill {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Above => "above",
            Self::Below => "below",
            Self::Before => "before",
            Self::After => "after",
            Self::None => "none",
            Self::Other(s) => s,
        }
    }

    pub fn from_name(s: &str) -> Self {
        match s {
            "above" => Self::Above,
            "below" => Self::Below,
            "before" => Self::Before,
            "after" => Self::After,
            "none" => Self::None,
            other => Self::Other(other.to_string()),
        }
    }
}
