//! [`DashboardBody`] → JSON, as PutDashboard takes it.

use serde_json::{Map, Value};

use super::metric::{Annotations, HAnnotation, HLine, MetricWidget, VAnnotation, VLine, YAxes, YAxisSide};
use super::metrics_array::row_value;
use super::{AlarmWidget, DashboardBody, InputType, LogWidget, TextWidget, Variable, VariableKind, Widget, WidgetKind};

/// Adds the `extra` properties that the typed fields did not already write.
pub(super) fn merge_extra(m: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        if !m.contains_key(k) {
            m.insert(k.clone(), v.clone());
        }
    }
}

/// A number as JSON: integral values as integers (`80`, not `80.0`).
fn num(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// Collects `key: value` pairs, skipping absent ones.
struct Obj(Map<String, Value>);

impl Obj {
    fn new() -> Self {
        Self(Map::new())
    }
    fn put(&mut self, k: &str, v: impl Into<Value>) -> &mut Self {
        self.0.insert(k.to_string(), v.into());
        self
    }
    fn opt<T: Into<Value>>(&mut self, k: &str, v: Option<T>) -> &mut Self {
        if let Some(v) = v {
            self.0.insert(k.to_string(), v.into());
        }
        self
    }
    fn done(&mut self, extra: &Map<String, Value>) -> Value {
        let mut m = std::mem::take(&mut self.0);
        merge_extra(&mut m, extra);
        Value::Object(m)
    }
}

pub(super) fn body(b: &DashboardBody) -> Value {
    let mut o = Obj::new();
    o.opt("start", b.start.as_deref())
        .opt("end", b.end.as_deref())
        .opt("periodOverride", b.period_override.as_ref().map(|p| p.as_str().to_string()));
    if !b.variables.is_empty() {
        o.put("variables", b.variables.iter().map(variable).collect::<Vec<_>>());
    }
    o.put("widgets", b.widgets.iter().map(widget).collect::<Vec<_>>());
    o.done(&b.extra)
}

pub(super) fn widget(w: &Widget) -> Value {
    let mut o = Obj::new();
    o.put("type", w.kind.type_name())
        .opt("x", w.x)
        .opt("y", w.y)
        .put("width", w.width)
        .put("height", w.height);
    let properties = match &w.kind {
        WidgetKind::Metric(m) => metric_properties(m),
        WidgetKind::Log(l) => log_widget(l),
        WidgetKind::Alarm(a) => alarm_widget(a),
        WidgetKind::Text(t) => text_widget(t),
        WidgetKind::Unsupported { properties, .. } => properties.clone(),
    };
    if !properties.is_null() {
        o.put("properties", properties);
    }
    o.done(&w.extra)
}

pub(super) fn metric_properties(m: &MetricWidget) -> Value {
    let mut o = Obj::new();
    // An alarm annotation excludes a `metrics` array; otherwise it is written even when empty.
    let alarm_only = m.metrics.is_empty() && m.annotations.as_ref().is_some_and(|a| !a.alarms.is_empty());
    if !alarm_only {
        o.put("metrics", m.metrics.iter().map(row_value).collect::<Vec<_>>());
    }
    o.opt("title", m.title.as_deref())
        .opt("view", m.view.as_ref().map(|v| v.as_str().to_string()))
        .opt("stacked", m.stacked)
        .opt("region", m.region.as_deref())
        .opt("accountId", m.account_id.as_deref())
        .opt("period", m.period)
        .opt("stat", m.stat.as_deref())
        .opt("yAxis", m.y_axis.as_ref().map(y_axes))
        .opt("annotations", m.annotations.as_ref().map(annotations))
        .opt("liveData", m.live_data)
        .opt("setPeriodToTimeRange", m.set_period_to_time_range)
        .opt("sparkline", m.sparkline);
    if let Some(l) = &m.legend {
        let legend = Obj::new()
            .opt("position", l.position.as_ref().map(|p| p.as_str().to_string()))
            .done(&l.extra);
        o.put("legend", legend);
    }
    o.done(&m.extra)
}

fn y_axes(y: &YAxes) -> Value {
    let side = |s: &YAxisSide| {
        Obj::new()
            .opt("min", s.min.map(num))
            .opt("max", s.max.map(num))
            .opt("label", s.label.as_deref())
            .opt("showUnits", s.show_units)
            .done(&s.extra)
    };
    Obj::new()
        .opt("left", y.left.as_ref().map(side))
        .opt("right", y.right.as_ref().map(side))
        .done(&y.extra)
}

fn h_line(l: &HLine) -> Value {
    Obj::new()
        .put("value", num(l.value))
        .opt("label", l.label.as_deref())
        .opt("color", l.color.as_deref())
        .opt("fill", l.fill.as_ref().map(|f| f.as_str().to_string()))
        .opt("visible", l.visible)
        .opt("yAxis", l.y_axis.map(|a| a.as_str()))
        .done(&l.extra)
}

fn v_line(l: &VLine) -> Value {
    Obj::new()
        .put("value", l.value.as_str())
        .opt("label", l.label.as_deref())
        .opt("color", l.color.as_deref())
        .opt("fill", l.fill.as_ref().map(|f| f.as_str().to_string()))
        .opt("visible", l.visible)
        .done(&l.extra)
}

fn annotations(a: &Annotations) -> Value {
    let mut o = Obj::new();
    if !a.alarms.is_empty() {
        o.put("alarms", a.alarms.clone());
    }
    if !a.horizontal.is_empty() {
        let list: Vec<Value> = a
            .horizontal
            .iter()
            .map(|h| match h {
                HAnnotation::Line(l) => h_line(l),
                HAnnotation::Band(a, b) => Value::Array(vec![h_line(a), h_line(b)]),
            })
            .collect();
        o.put("horizontal", list);
    }
    if !a.vertical.is_empty() {
        let list: Vec<Value> = a
            .vertical
            .iter()
            .map(|v| match v {
                VAnnotation::Line(l) => v_line(l),
                VAnnotation::Band(a, b) => Value::Array(vec![v_line(a), v_line(b)]),
            })
            .collect();
        o.put("vertical", list);
    }
    o.done(&a.extra)
}

fn log_widget(l: &LogWidget) -> Value {
    Obj::new()
        .put("query", l.query.as_str())
        .opt("title", l.title.as_deref())
        .opt("region", l.region.as_deref())
        .opt("accountId", l.account_id.as_deref())
        .opt("view", l.view.as_deref())
        .opt("stacked", l.stacked)
        .done(&l.extra)
}

fn alarm_widget(a: &AlarmWidget) -> Value {
    Obj::new()
        .put("alarms", a.alarms.clone())
        .opt("title", a.title.as_deref())
        .opt("sortBy", a.sort_by.as_deref())
        .opt("states", a.states.clone())
        .done(&a.extra)
}

fn text_widget(t: &TextWidget) -> Value {
    Obj::new()
        .put("markdown", t.markdown.as_str())
        .opt("background", t.background.as_deref())
        .done(&t.extra)
}

fn variable(v: &Variable) -> Value {
    let kind = match &v.kind {
        VariableKind::Property => "property",
        VariableKind::Pattern => "pattern",
        VariableKind::Other(s) => s,
    };
    let input = match &v.input_type {
        InputType::Input => "input",
        InputType::Select => "select",
        InputType::Radio => "radio",
        InputType::Other(s) => s,
    };
    let values = v.values.as_ref().map(|vals| {
        vals.iter()
            .map(|x| {
                Obj::new()
                    .put("value", x.value.clone())
                    .opt("label", x.label.as_deref())
                    .done(&x.extra)
            })
            .collect::<Vec<_>>()
    });
    Obj::new()
        .put("type", kind)
        .opt("property", v.property.as_deref())
        .opt("pattern", v.pattern.as_deref())
        .put("inputType", input)
        .put("id", v.id.as_str())
        .opt("label", v.label.as_deref())
        .opt("defaultValue", v.default_value.clone())
        .opt("visible", v.visible)
        .opt("values", values)
        .opt("search", v.search.as_deref())
        .opt("populateFrom", v.populate_from.as_deref())
        .done(&v.extra)
}
