//! The dashboard body (PutDashboard's and GetDashboard's `DashboardBody`), typed.
//!
//! Built to AWS's "Dashboard Body Structure and Syntax"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>).
//! [`DashboardBody::parse`] reads the JSON text (or [`DashboardBody::from_value`] a parsed value),
//! expands the `metrics` array's `"."` and `"..."` shorthand (see [`expand_shorthand`]) and keeps
//! every property it does not model in an `extra` map (at body, widget, properties, rendering
//! options, axis, legend, annotation and variable level), so [`DashboardBody::to_value`] writes
//! back everything it read: metric rows fully expanded, unknown properties in place.
//! Widget types other than `metric`, `log`, `alarm` and `text` (`explorer`, `custom`, ...) are
//! kept whole as [`WidgetKind::Unsupported`].
//!
//! Parsing never panics. It collects every error it finds (in document order) and returns them
//! all: each [`BodyError`] names the path of the bad element
//! (`widgets[3].properties.metrics[1]: expected a namespace string`) and converts to CloudWatch's
//! own [`DashboardValidationMessage`] (`dataPath` `/widgets/3/properties/metrics/1`).
//!
//! Flags CloudWatch defaults when absent (`stacked`, `liveData`, `view`, ...) are `Option`s, so a
//! body that said `"stacked": false` says so again on export and one that did not, does not; the
//! `is_*`/`view()` accessors give the effective value.

mod export;
mod metric;
mod metrics_array;
mod parse;
mod parse_metric;
mod queries;
#[cfg(feature = "variables")]
mod variables;

use serde_json::{Map, Value};

use crate::dashboards::DashboardValidationMessage;

pub use metric::{
    Annotations, Axis, Fill, HAnnotation, HLine, Legend, LegendPosition, MetricRow, MetricView, MetricWidget, RenderOptions, VAnnotation,
    VLine, YAxes, YAxisSide,
};
pub use metrics_array::{expand_shorthand, ShorthandError};
pub use queries::{auto_period, QueryContext, SeriesStyle, DEFAULT_PERIOD, DEFAULT_STAT};
#[cfg(feature = "variables")]
pub use variables::{
    apply_variables, resolve, value_text, Target, VariableError, VariableValues, FIRST, MAX_CHOSEN, MAX_GROWTH, MAX_ROWS, MAX_VALUE_CHARS,
};

/// A whole dashboard body. `widgets` is required by CloudWatch (it may be empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DashboardBody {
    /// `-PT3H`, `-P7D`, or an ISO 8601 time (with `end`).
    pub start: Option<String>,
    pub end: Option<String>,
    pub period_override: Option<PeriodOverride>,
    pub variables: Vec<Variable>,
    pub widgets: Vec<Widget>,
    /// Top-level properties not modelled here, kept for the round trip.
    pub extra: Map<String, Value>,
}

/// `periodOverride`: `auto` adapts every graph's period to the dashboard's time range,
/// `inherit` obeys each graph's period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodOverride {
    Auto,
    Inherit,
    /// A value CloudWatch may add later, kept as written.
    Other(String),
}

impl PeriodOverride {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Auto => "auto",
            Self::Inherit => "inherit",
            Self::Other(s) => s,
        }
    }

    pub fn from_name(s: &str) -> Self {
        match s {
            "auto" => Self::Auto,
            "inherit" => Self::Inherit,
            other => Self::Other(other.to_string()),
        }
    }
}

/// Default `width` and `height` of a widget, in grid units.
pub const DEFAULT_WIDGET_SIZE: u32 = 6;

/// One entry of `widgets`.
#[derive(Debug, Clone, PartialEq)]
pub struct Widget {
    /// Column, 0–23 (the next free position when absent).
    pub x: Option<u32>,
    /// Row, 0 or more.
    pub y: Option<u32>,
    /// Grid units, 1–24; 6 when absent.
    pub width: u32,
    /// Grid units, 1–1000; 6 when absent.
    pub height: u32,
    pub kind: WidgetKind,
    /// Widget-level properties other than `type`, `x`, `y`, `width`, `height`, `properties`.
    pub extra: Map<String, Value>,
}

/// The widget's `type` and its `properties`.
// Unboxed on purpose: a dashboard has at most 500 widgets, and callers match on them directly.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WidgetKind {
    Metric(MetricWidget),
    Log(LogWidget),
    Alarm(AlarmWidget),
    Text(TextWidget),
    /// A type this module does not model (`explorer`, `custom`, ...): kept as given.
    /// `properties` is `Value::Null` when the widget had none.
    Unsupported {
        type_name: String,
        properties: Value,
    },
}

impl WidgetKind {
    /// The widget's `type` as written in the body.
    pub fn type_name(&self) -> &str {
        match self {
            Self::Metric(_) => "metric",
            Self::Log(_) => "log",
            Self::Alarm(_) => "alarm",
            Self::Text(_) => "text",
            Self::Unsupported { type_name, .. } => type_name,
        }
    }
}

/// A `log` widget: a CloudWatch Logs Insights query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogWidget {
    pub title: Option<String>,
    /// `SOURCE 'group' | SOURCE 'other' | query...`
    pub query: String,
    pub region: Option<String>,
    pub account_id: Option<String>,
    /// `table` (the default), `timeSeries`, `bar`, `pie`.
    pub view: Option<String>,
    pub stacked: Option<bool>,
    pub extra: Map<String, Value>,
}

impl LogWidget {
    /// The log groups named by the query's leading `SOURCE '...'` clauses, in order.
    pub fn log_groups(&self) -> Vec<String> {
        self.split_query().0
    }

    /// The query after its `SOURCE` clauses (what StartQuery takes as `queryString`).
    pub fn query_string(&self) -> String {
        self.split_query().1
    }

    fn split_query(&self) -> (Vec<String>, String) {
        let mut groups = Vec::new();
        let mut rest = self.query.trim_start();
        while let Some(after) = rest.strip_prefix("SOURCE") {
            let after = after.trim_start();
            let Some(quote) = after.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                break;
            };
            let body = &after[quote.len_utf8()..];
            let Some(end) = body.find(quote) else {
                break;
            };
            groups.push(body[..end].to_string());
            rest = body[end + quote.len_utf8()..].trim_start();
            rest = rest.strip_prefix('|').unwrap_or(rest).trim_start();
        }
        (groups, rest.to_string())
    }
}

/// An `alarm` status widget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlarmWidget {
    pub title: Option<String>,
    /// Alarm ARNs (1–100).
    pub alarms: Vec<String>,
    /// `default`, `stateUpdatedTimestamp` or `timestamp`.
    pub sort_by: Option<String>,
    /// Only alarms in these states (`ALARM`, `INSUFFICIENT_DATA`, `OK`).
    pub states: Option<Vec<String>>,
    pub extra: Map<String, Value>,
}

/// A `text` widget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextWidget {
    pub markdown: String,
    /// `solid` (the default) or `transparent`.
    pub background: Option<String>,
    pub extra: Map<String, Value>,
}

/// A dashboard variable (`variables`, 0–25 of them). See "Variables Array Structure" on the
/// body-structure page and "Create flexible dashboards with dashboard variables".
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// `property` or `pattern`.
    pub kind: VariableKind,
    /// For a property variable: a widget JSON property (`region`) or a dimension name.
    pub property: Option<String>,
    /// For a pattern variable: the regular expression replaced across the dashboard JSON.
    pub pattern: Option<String>,
    /// `input`, `select` or `radio`.
    pub input_type: InputType,
    /// Up to 32 of `0-9A-Za-z-_`.
    pub id: String,
    pub label: Option<String>,
    /// A string, number or boolean; `__FIRST` with `search` means the first value found.
    pub default_value: Option<Value>,
    pub visible: Option<bool>,
    /// For `select`/`radio` without `search`.
    pub values: Option<Vec<VariableValue>>,
    /// A metric search (`{AWS/Lambda,FunctionName} MetricName="Duration"`) that finds the values.
    pub search: Option<String>,
    /// The dimension of `search`'s results to take the values from.
    pub populate_from: Option<String>,
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableKind {
    Property,
    Pattern,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputType {
    Input,
    Select,
    Radio,
    Other(String),
}

/// One of a variable's `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableValue {
    /// A string, number or boolean.
    pub value: Value,
    pub label: Option<String>,
    pub extra: Map<String, Value>,
}

/// A problem with a dashboard body, at a path like `widgets[3].properties.metrics[1]`
/// (empty for the body itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    pub path: String,
    pub message: String,
}

impl BodyError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The path as CloudWatch's `dataPath` writes it: `/widgets/3/properties/metrics/1`.
    pub fn data_path(&self) -> String {
        let mut out = String::new();
        for part in self.path.split('.').filter(|p| !p.is_empty()) {
            let mut segments = part.split('[');
            if let Some(name) = segments.next().filter(|n| !n.is_empty()) {
                out.push('/');
                out.push_str(name);
            }
            for index in segments {
                out.push('/');
                out.push_str(index.trim_end_matches(']'));
            }
        }
        out
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for BodyError {}

impl From<BodyError> for DashboardValidationMessage {
    fn from(e: BodyError) -> Self {
        DashboardValidationMessage {
            data_path: Some(e.data_path()),
            message: e.message,
        }
    }
}

impl From<&BodyError> for DashboardValidationMessage {
    fn from(e: &BodyError) -> Self {
        e.clone().into()
    }
}

impl DashboardBody {
    /// Parses a `DashboardBody` JSON text. On failure, every error found (never empty).
    pub fn parse(text: &str) -> Result<Self, Vec<BodyError>> {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => Self::from_value(&v),
            Err(e) => Err(vec![BodyError::new(
                "",
                format!("The field DashboardBody must be a valid JSON object: {e}"),
            )]),
        }
    }

    /// Parses an already-decoded body. On failure, every error found (never empty).
    pub fn from_value(value: &Value) -> Result<Self, Vec<BodyError>> {
        parse::body(value)
    }

    /// The body as PutDashboard takes it: metric rows fully expanded, `extra` properties back
    /// in place.
    pub fn to_value(&self) -> Value {
        export::body(self)
    }

    /// [`Self::to_value`] as compact JSON text.
    pub fn to_json_string(&self) -> String {
        self.to_value().to_string()
    }

    /// The metric widgets, with their index in `widgets`.
    pub fn metric_widgets(&self) -> impl Iterator<Item = (usize, &MetricWidget)> {
        self.widgets.iter().enumerate().filter_map(|(i, w)| match &w.kind {
            WidgetKind::Metric(m) => Some((i, m)),
            _ => None,
        })
    }
}

impl std::str::FromStr for DashboardBody {
    type Err = Vec<BodyError>;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for DashboardBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for DashboardBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(|errors| {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            serde::de::Error::custom(text.join("; "))
        })
    }
}

impl MetricWidget {
    /// Reads a metric widget's `properties` object on its own, as the metrics explorer edits
    /// one; every error's path starts with `path` (`properties`, say). Never empty on failure.
    pub fn from_properties(value: &Value, path: &str) -> Result<Self, Vec<BodyError>> {
        let mut errs = Vec::new();
        let parsed = parse::object(value, path, &mut errs, "a metric widget's properties object")
            .and_then(|obj| parse_metric::metric_widget(obj, path, &mut errs));
        match parsed {
            Some(m) if errs.is_empty() => Ok(m),
            _ if errs.is_empty() => Err(vec![BodyError::new(path, "expected a metric widget's properties object")]),
            _ => Err(errs),
        }
    }

    /// The `properties` object as a dashboard body holds it (rows fully expanded).
    pub fn to_properties(&self) -> Value {
        export::metric_properties(self)
    }
}
