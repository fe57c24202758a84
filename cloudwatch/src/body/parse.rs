//! JSON → [`DashboardBody`]. Every function reports into one error list and carries on, so a
//! body with several mistakes reports them all.

use serde_json::{Map, Value};

use super::metric::Axis;
use super::parse_metric::metric_widget;
use super::{
    AlarmWidget, BodyError, DashboardBody, InputType, LogWidget, PeriodOverride, TextWidget, Variable, VariableKind, VariableValue, Widget,
    WidgetKind, DEFAULT_WIDGET_SIZE,
};

pub(super) type Errors = Vec<BodyError>;

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Takes the properties of one JSON object out one by one; what is left is the `extra` map.
/// A `null` is left in place (so it lands in `extra` and is written back as it was).
pub(super) struct Reader<'a> {
    obj: Map<String, Value>,
    pub(super) path: String,
    pub(super) errs: &'a mut Errors,
}

impl<'a> Reader<'a> {
    pub(super) fn new(obj: &Map<String, Value>, path: &str, errs: &'a mut Errors) -> Self {
        Self {
            obj: obj.clone(),
            path: path.to_string(),
            errs,
        }
    }

    pub(super) fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub(super) fn err(&mut self, key: &str, message: impl Into<String>) {
        let path = self.at(key);
        self.errs.push(BodyError::new(path, message));
    }

    /// Whether the object has `key` with a value other than `null`.
    pub(super) fn has(&self, key: &str) -> bool {
        self.obj.get(key).is_some_and(|v| !v.is_null())
    }

    pub(super) fn take(&mut self, key: &str) -> Option<Value> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(_) => self.obj.remove(key),
        }
    }

    pub(super) fn string(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            _ => {
                self.err(key, "expected a string");
                None
            }
        }
    }

    pub(super) fn required_string(&mut self, key: &str) -> Option<String> {
        if !self.has(key) {
            let path = self.path.clone();
            self.errs
                .push(BodyError::new(path, format!("Should have required property '{key}'")));
            return None;
        }
        self.string(key)
    }

    pub(super) fn bool(&mut self, key: &str) -> Option<bool> {
        match self.take(key)? {
            Value::Bool(b) => Some(b),
            _ => {
                self.err(key, "expected true or false");
                None
            }
        }
    }

    pub(super) fn f64(&mut self, key: &str) -> Option<f64> {
        match self.take(key)?.as_f64() {
            Some(f) => Some(f),
            None => {
                self.err(key, "expected a number");
                None
            }
        }
    }

    /// An integer (a float with no fraction is accepted).
    pub(super) fn i64(&mut self, key: &str) -> Option<i64> {
        let v = self.take(key)?;
        match v
            .as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
        {
            Some(i) => Some(i),
            None => {
                self.err(key, "expected an integer");
                None
            }
        }
    }

    pub(super) fn u32_in(&mut self, key: &str, min: u32, max: u32) -> Option<u32> {
        let i = self.i64(key)?;
        if i < i64::from(min) || i > i64::from(max) {
            self.err(key, format!("expected an integer from {min} to {max}"));
            return None;
        }
        u32::try_from(i).ok()
    }

    pub(super) fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        let v = self.take(key)?;
        let Some(items) = v.as_array() else {
            self.err(key, "expected an array of strings");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s.to_string()),
                None => {
                    let path = format!("{}[{i}]", self.at(key));
                    self.errs.push(BodyError::new(path, "expected a string"));
                }
            }
        }
        Some(out)
    }

    pub(super) fn axis(&mut self, key: &str) -> Option<Axis> {
        match self.string(key)?.as_str() {
            "left" => Some(Axis::Left),
            "right" => Some(Axis::Right),
            _ => {
                self.err(key, "expected \"left\" or \"right\"");
                None
            }
        }
    }

    pub(super) fn finish(self) -> Map<String, Value> {
        self.obj
    }
}

pub(super) fn object<'v>(v: &'v Value, path: &str, errs: &mut Errors, what: &str) -> Option<&'v Map<String, Value>> {
    let o = v.as_object();
    if o.is_none() {
        errs.push(BodyError::new(path, format!("expected {what}")));
    }
    o
}

pub(super) fn body(v: &Value) -> Result<DashboardBody, Errors> {
    let mut errs = Errors::new();
    let Some(obj) = v.as_object() else {
        return Err(vec![BodyError::new("", "The field DashboardBody must be a valid JSON object")]);
    };
    let mut r = Reader::new(obj, "", &mut errs);
    let start = r.string("start");
    let end = r.string("end");
    let period_override = r.string("periodOverride").map(|s| PeriodOverride::from_name(&s));
    let mut variables = Vec::new();
    if let Some(v) = r.take("variables") {
        match v.as_array() {
            Some(items) => {
                variables = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| variable(v, &format!("variables[{i}]"), r.errs))
                    .collect()
            }
            None => r.err("variables", "expected an array of variables"),
        }
    }
    let mut widgets = Vec::new();
    match r.take("widgets") {
        None => r.errs.push(BodyError::new("", "Should have required property 'widgets'")),
        Some(Value::Array(items)) => {
            widgets = items
                .iter()
                .enumerate()
                .filter_map(|(i, w)| widget(w, &format!("widgets[{i}]"), r.errs))
                .collect();
        }
        Some(_) => r.err("widgets", "expected an array of widgets"),
    }
    let extra = r.finish();
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(DashboardBody {
        start,
        end,
        period_override,
        variables,
        widgets,
        extra,
    })
}

pub(super) fn widget(v: &Value, path: &str, errs: &mut Errors) -> Option<Widget> {
    let obj = object(v, path, errs, "a widget object")?;
    let before = errs.len();
    let mut r = Reader::new(obj, path, errs);
    let type_name = r.required_string("type");
    let x = r.u32_in("x", 0, 23);
    let y = r.u32_in("y", 0, u32::MAX);
    let width = r.u32_in("width", 1, 24).unwrap_or(DEFAULT_WIDGET_SIZE);
    let height = r.u32_in("height", 1, 1000).unwrap_or(DEFAULT_WIDGET_SIZE);
    let properties = r.take("properties");
    let props_path = r.at("properties");
    let kind = match type_name.as_deref() {
        None => None,
        Some(t @ ("metric" | "log" | "alarm" | "text")) => match &properties {
            Some(Value::Object(p)) => match t {
                "metric" => metric_widget(p, &props_path, r.errs).map(WidgetKind::Metric),
                "log" => log_widget(p, &props_path, r.errs).map(WidgetKind::Log),
                "alarm" => alarm_widget(p, &props_path, r.errs).map(WidgetKind::Alarm),
                _ => text_widget(p, &props_path, r.errs).map(WidgetKind::Text),
            },
            Some(_) => {
                r.err("properties", "expected an object");
                None
            }
            None => {
                let path = r.path.clone();
                r.errs.push(BodyError::new(path, "Should have required property 'properties'"));
                None
            }
        },
        Some(other) => Some(WidgetKind::Unsupported {
            type_name: other.to_string(),
            properties: properties.clone().unwrap_or(Value::Null),
        }),
    };
    let extra = r.finish();
    if errs.len() > before {
        return None;
    }
    Some(Widget {
        x,
        y,
        width,
        height,
        kind: kind?,
        extra,
    })
}

fn log_widget(obj: &Map<String, Value>, path: &str, errs: &mut Errors) -> Option<LogWidget> {
    let mut r = Reader::new(obj, path, errs);
    let query = r.required_string("query");
    let w = LogWidget {
        title: r.string("title"),
        query: query.clone().unwrap_or_default(),
        region: r.string("region"),
        account_id: r.string("accountId"),
        view: r.string("view"),
        stacked: r.bool("stacked"),
        extra: r.finish(),
    };
    query.map(|_| w)
}

fn alarm_widget(obj: &Map<String, Value>, path: &str, errs: &mut Errors) -> Option<AlarmWidget> {
    let mut r = Reader::new(obj, path, errs);
    if !r.has("alarms") {
        let p = r.path.clone();
        r.errs.push(BodyError::new(p, "Should have required property 'alarms'"));
    }
    Some(AlarmWidget {
        alarms: r.strings("alarms").unwrap_or_default(),
        title: r.string("title"),
        sort_by: r.string("sortBy"),
        states: r.strings("states"),
        extra: r.finish(),
    })
}

fn text_widget(obj: &Map<String, Value>, path: &str, errs: &mut Errors) -> Option<TextWidget> {
    let mut r = Reader::new(obj, path, errs);
    let markdown = r.required_string("markdown");
    let w = TextWidget {
        markdown: markdown.clone().unwrap_or_default(),
        background: r.string("background"),
        extra: r.finish(),
    };
    markdown.map(|_| w)
}

fn variable(v: &Value, path: &str, errs: &mut Errors) -> Option<Variable> {
    let o = object(v, path, errs, "a variable object")?;
    let mut r = Reader::new(o, path, errs);
    let kind = r.required_string("type").map(|s| match s.as_str() {
        "property" => VariableKind::Property,
        "pattern" => VariableKind::Pattern,
        _ => VariableKind::Other(s),
    });
    let input_type = r.required_string("inputType").map(|s| match s.as_str() {
        "input" => InputType::Input,
        "select" => InputType::Select,
        "radio" => InputType::Radio,
        _ => InputType::Other(s),
    });
    let id = r.required_string("id");
    let property = r.string("property");
    let pattern = r.string("pattern");
    let label = r.string("label");
    let default_value = r.take("defaultValue");
    let visible = r.bool("visible");
    let search = r.string("search");
    let populate_from = r.string("populateFrom");
    let mut values = None;
    if let Some(list) = r.take("values") {
        let p = r.at("values");
        match list.as_array() {
            Some(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let ip = format!("{p}[{i}]");
                    let Some(o) = object(item, &ip, r.errs, "an object with value and label") else {
                        continue;
                    };
                    let mut vr = Reader::new(o, &ip, r.errs);
                    let Some(value) = vr.take("value") else {
                        vr.errs.push(BodyError::new(ip, "Should have required property 'value'"));
                        continue;
                    };
                    out.push(VariableValue {
                        value,
                        label: vr.string("label"),
                        extra: vr.finish(),
                    });
                }
                values = Some(out);
            }
            None => r.err("values", "expected an array of values"),
        }
    }
    let extra = r.finish();
    Some(Variable {
        kind: kind?,
        property,
        pattern,
        input_type: input_type?,
        id: id?,
        label,
        default_value,
        visible,
        values,
        search,
        populate_from,
        extra,
    })
}
