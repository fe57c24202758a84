//! Dashboard variables, applied: the values a person chose (or each variable's default) written
//! into the widgets before their queries are built, as the console does when a variable changes.
//!
//! Built to "Variables Array Structure" on
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>
//! and "Create flexible dashboards with dashboard variables" in the CloudWatch user guide:
//!
//! - A **property** variable "changes the values of all instances of a property in the list of
//!   widgets". `property` names a dimension (`ServiceName`: that dimension's value in every metric
//!   row that has it) or one of the widget JSON properties `region` and `accountId` (where a widget
//!   or a row sets it). Other dimensions, namespaces and metric names are never touched.
//! - A **pattern** variable "changes a regex pattern across the dashboard JSON": every string of a
//!   widget (title, metric rows, labels, expressions, SEARCH and Metrics Insights queries, log
//!   queries, markdown, alarm ARNs) except its `type`. The value is inserted as written (`$1` and
//!   `\` are not expansions). A pattern that is not a valid regular expression, or that matches
//!   the empty string, is matched as plain text instead.
//! - `widgetIds` (when given) limits a variable to the widgets whose own `id` is listed.
//! - `defaultValue` applies when nothing is chosen; `__FIRST` means the first of the values found
//!   (the caller lists them, see [`resolve`]); without either, the body stays as written.
//!
//! **Multi-value** (a Watchpost extension: `"multiValue": true` on a `select` or `radio` property
//! variable of a dimension; CloudWatch's own variables take one value): each metric row with the
//! dimension becomes one row per chosen value, in the order chosen. The first copy keeps the row's
//! `id`; the others get `<id>_2`, `<id>_3`, ... so expressions that name the row still see the
//! first value. Expanding into one row per value (not into a SEARCH) keeps every row's statistic,
//! period, axis and colour, costs what the same rows written by hand would, and needs no two-week
//! activity window.
//!
//! Pure: no I/O. The values a variable's `search` finds come from the caller (ListMetrics).

use std::collections::{BTreeMap, HashMap, HashSet};

use regex::{NoExpand, Regex, RegexBuilder};
use serde_json::Value;

use super::metric::{MetricRow, MetricWidget};
use super::{export, parse, BodyError, DashboardBody, InputType, Variable, VariableKind, Widget, WidgetKind};

/// `defaultValue` meaning "the first value the search finds".
pub const FIRST: &str = "__FIRST";
/// The longest value a variable takes (a dimension value's limit).
pub const MAX_VALUE_CHARS: usize = 1024;
/// The most values one multi-value variable takes at once.
pub const MAX_CHOSEN: usize = 100;
/// The most metric rows a widget may hold after multi-value expansion ("A graph can display as
/// many as 500 time series").
pub const MAX_ROWS: usize = 500;
/// How much a body may grow by pattern replacement, bytes (a stored body is at most 1 MiB).
pub const MAX_GROWTH: usize = 4 << 20;

/// Values by variable id: one value, or several for a multi-value variable.
pub type VariableValues = BTreeMap<String, Vec<String>>;

/// A chosen value a variable does not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableError {
    /// The variable's id as the choice named it.
    pub id: String,
    pub message: String,
}

impl std::fmt::Display for VariableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "variable `{}`: {}", self.id, self.message)
    }
}

impl std::error::Error for VariableError {}

/// What a variable changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The value of this dimension in every metric row that has it.
    Dimension(&'a str),
    /// The widget JSON property `region` or `accountId`, where a widget or row sets it.
    WidgetProperty(&'a str),
    /// Every match of this pattern in the widgets' strings.
    Pattern(&'a str),
}

/// A `value`, `defaultValue` as text: strings as written, numbers and booleans as JSON writes them.
pub fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Variable {
    /// What the variable changes; `None` for a type Watchpost does not apply or a variable
    /// missing its `property`/`pattern`.
    pub fn target(&self) -> Option<Target<'_>> {
        match self.kind {
            VariableKind::Property => match self.property.as_deref().filter(|p| !p.is_empty())? {
                p @ ("region" | "accountId") => Some(Target::WidgetProperty(p)),
                p => Some(Target::Dimension(p)),
            },
            VariableKind::Pattern => self.pattern.as_deref().filter(|p| !p.is_empty()).map(Target::Pattern),
            VariableKind::Other(_) => None,
        }
    }

    /// Whether several values may be chosen at once (see the module docs).
    pub fn is_multi_value(&self) -> bool {
        self.extra.get("multiValue") == Some(&Value::Bool(true))
            && matches!(self.input_type, InputType::Select | InputType::Radio)
            && matches!(self.target(), Some(Target::Dimension(_)))
    }

    /// The `values` list as (value, label) text, the label defaulting to the value.
    pub fn listed_values(&self) -> Option<Vec<(String, String)>> {
        let values = self.values.as_ref()?;
        Some(
            values
                .iter()
                .filter_map(|v| {
                    let value = value_text(&v.value)?;
                    let label = v.label.clone().unwrap_or_else(|| value.clone());
                    Some((value, label))
                })
                .collect(),
        )
    }

    /// `defaultValue` as text, unless it is absent or `__FIRST`.
    pub fn default_text(&self) -> Option<String> {
        self.default_value.as_ref().and_then(value_text).filter(|d| d != FIRST)
    }

    /// Whether the default is the first value found.
    pub fn defaults_to_first(&self) -> bool {
        self.default_value.as_ref().and_then(Value::as_str) == Some(FIRST)
    }

    /// `widgetIds`: the widgets (by their own `id`) the variable is limited to.
    pub fn widget_ids(&self) -> Option<Vec<String>> {
        let list = self.extra.get("widgetIds")?.as_array()?;
        Some(list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
    }

    /// The name a person sees: `label`, else `id`.
    pub fn display_name(&self) -> &str {
        self.label.as_deref().filter(|l| !l.trim().is_empty()).unwrap_or(&self.id)
    }

    /// Whether the choices are limited to a list (`select`, `radio`).
    pub fn is_choice(&self) -> bool {
        matches!(self.input_type, InputType::Select | InputType::Radio)
    }
}

/// The values to apply: each chosen value checked against its variable (a known id; one value
/// unless multi-value; no longer than [`MAX_VALUE_CHARS`]; for `select` and `radio`, one of the
/// variable's values when they are known), else the variable's default. `found` holds, by
/// variable id, the values the caller's search found (for variables with `search`); a variable
/// whose values are not known takes any value. Empty chosen values count as not chosen.
///
/// Every problem is reported, each naming its variable.
pub fn resolve(
    body: &DashboardBody,
    chosen: &VariableValues,
    found: &HashMap<String, Vec<String>>,
) -> Result<VariableValues, Vec<VariableError>> {
    let mut errors = Vec::new();
    let err = |id: &str, message: String| VariableError {
        id: id.to_string(),
        message,
    };
    for id in chosen.keys() {
        if !body.variables.iter().any(|v| &v.id == id) {
            let known: Vec<&str> = body.variables.iter().map(|v| v.id.as_str()).collect();
            let hint = if known.is_empty() {
                "this dashboard has no variables".to_string()
            } else {
                format!("this dashboard's variables are {}", known.join(", "))
            };
            errors.push(err(id, format!("no such variable ({hint})")));
        }
    }
    let mut out = VariableValues::new();
    let mut seen = HashSet::new();
    for v in &body.variables {
        // Variables sharing an id share the first one's values.
        if !seen.insert(v.id.as_str()) {
            continue;
        }
        let picked: Vec<String> = chosen.get(&v.id).into_iter().flatten().filter(|s| !s.is_empty()).cloned().collect();
        if v.target().is_none() {
            if !picked.is_empty() {
                errors.push(err(&v.id, "Watchpost does not apply a variable of this type".into()));
            }
            continue;
        }
        let options: Option<Vec<String>> = match v.listed_values() {
            Some(list) => Some(list.into_iter().map(|(value, _)| value).collect()),
            None => found.get(&v.id).cloned(),
        };
        if picked.is_empty() {
            if let Some(d) = v.default_text() {
                out.insert(v.id.clone(), vec![d]);
            } else if v.defaults_to_first() {
                if let Some(first) = options.as_ref().and_then(|o| o.first()) {
                    out.insert(v.id.clone(), vec![first.clone()]);
                }
            }
            continue;
        }
        let name = v.display_name();
        if picked.len() > 1 && !v.is_multi_value() {
            errors.push(err(&v.id, format!("“{name}” takes one value ({} were given)", picked.len())));
            continue;
        }
        if picked.len() > MAX_CHOSEN {
            errors.push(err(&v.id, format!("“{name}” takes at most {MAX_CHOSEN} values at once")));
            continue;
        }
        let mut ok = true;
        for p in &picked {
            if p.chars().count() > MAX_VALUE_CHARS || p.chars().any(char::is_control) {
                errors.push(err(
                    &v.id,
                    format!("“{name}” takes values of at most {MAX_VALUE_CHARS} characters, without control characters"),
                ));
                ok = false;
            } else if let (true, Some(options)) = (v.is_choice(), &options) {
                if !options.contains(p) {
                    let some: Vec<&str> = options.iter().take(10).map(String::as_str).collect();
                    let more = if options.len() > 10 { ", …" } else { "" };
                    errors.push(err(
                        &v.id,
                        format!("“{p}” is not one of the values of “{name}” ({}{more})", some.join(", ")),
                    ));
                    ok = false;
                }
            }
        }
        if ok {
            let mut unique = Vec::with_capacity(picked.len());
            for p in picked {
                if !unique.contains(&p) {
                    unique.push(p);
                }
            }
            out.insert(v.id.clone(), unique);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The body with `values` (from [`resolve`]) written into its widgets, variables in the body's
/// order. A variable without a value leaves the body as it is. Fails only when a pattern
/// replacement leaves a widget that no longer parses, grows the body past [`MAX_GROWTH`], or when
/// multi-value expansion gives a widget more than [`MAX_ROWS`] rows; each error names the widget.
pub fn apply_variables(body: &DashboardBody, values: &VariableValues) -> Result<DashboardBody, Vec<BodyError>> {
    let mut out = body.clone();
    let mut errors = Vec::new();
    let mut budget = MAX_GROWTH;
    for v in &body.variables {
        let Some(vals) = values.get(&v.id).filter(|vals| !vals.is_empty()) else {
            continue;
        };
        let Some(target) = v.target() else { continue };
        let scope = v.widget_ids();
        let pattern = match target {
            Target::Pattern(p) => compile(p),
            _ => None,
        };
        for (i, w) in out.widgets.iter_mut().enumerate() {
            if let Some(ids) = &scope {
                let own = w.extra.get("id").and_then(Value::as_str);
                if !own.is_some_and(|own| ids.iter().any(|id| id == own)) {
                    continue;
                }
            }
            let path = format!("widgets[{i}]");
            match target {
                Target::Dimension(name) => {
                    if let WidgetKind::Metric(m) = &mut w.kind {
                        if let Err(e) = set_dimension(m, name, vals, &path) {
                            errors.push(e);
                        }
                    }
                }
                Target::WidgetProperty(property) => set_widget_property(w, property, &vals[0]),
                Target::Pattern(_) => {
                    if let Some(re) = &pattern {
                        match replace_pattern(w, re, &vals[0], &path, &mut budget) {
                            Ok(replaced) => *w = replaced,
                            Err(mut e) => errors.append(&mut e),
                        }
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The pattern as a regular expression; as plain text when it is not one, or when it matches the
/// empty string (which would insert the value between every two characters). `None` only when
/// even the plain text is too large to compile.
fn compile(pattern: &str) -> Option<Regex> {
    let build = |p: &str| RegexBuilder::new(p).size_limit(1 << 20).dfa_size_limit(1 << 20).build();
    match build(pattern) {
        Ok(re) if !re.is_match("") => Some(re),
        _ => build(&regex::escape(pattern)).ok(),
    }
}

fn set_dimension(m: &mut MetricWidget, name: &str, values: &[String], path: &str) -> Result<(), BodyError> {
    let with_dimension = |r: &MetricRow| matches!(r, MetricRow::Metric { dimensions, .. } if dimensions.iter().any(|(n, _)| n == name));
    let expanded = m.metrics.len() + m.metrics.iter().filter(|r| with_dimension(r)).count() * values.len().saturating_sub(1);
    if expanded > MAX_ROWS {
        return Err(BodyError::new(
            format!("{path}.properties.metrics"),
            format!(
                "{} values of {name} make {expanded} metrics; a graph draws at most {MAX_ROWS}",
                values.len()
            ),
        ));
    }
    let mut used: HashSet<String> = m.metrics.iter().filter_map(|r| r.options().id.clone()).collect();
    let mut rows = Vec::with_capacity(expanded);
    for row in std::mem::take(&mut m.metrics) {
        if !with_dimension(&row) {
            rows.push(row);
            continue;
        }
        for (k, value) in values.iter().enumerate() {
            let mut copy = row.clone();
            if let MetricRow::Metric { dimensions, .. } = &mut copy {
                for (_, v) in dimensions.iter_mut().filter(|(n, _)| n == name) {
                    v.clone_from(value);
                }
            }
            if k > 0 {
                if let Some(id) = copy.options().id.clone() {
                    let mut n = k + 1;
                    let mut candidate = format!("{id}_{n}");
                    while !used.insert(candidate.clone()) {
                        n += 1;
                        candidate = format!("{id}_{n}");
                    }
                    copy.options_mut().id = Some(candidate);
                }
            }
            rows.push(copy);
        }
    }
    m.metrics = rows;
    Ok(())
}

fn set_widget_property(w: &mut Widget, property: &str, value: &str) {
    let set = |slot: &mut Option<String>| {
        if slot.is_some() {
            *slot = Some(value.to_string());
        }
    };
    match &mut w.kind {
        WidgetKind::Metric(m) => {
            let region = property == "region";
            set(if region { &mut m.region } else { &mut m.account_id });
            for row in &mut m.metrics {
                let o = row.options_mut();
                set(if region { &mut o.region } else { &mut o.account_id });
            }
        }
        WidgetKind::Log(l) => set(if property == "region" { &mut l.region } else { &mut l.account_id }),
        WidgetKind::Unsupported { properties, .. } => {
            if let Some(slot) = properties.get_mut(property).filter(|v| v.is_string()) {
                *slot = Value::from(value);
            }
        }
        WidgetKind::Alarm(_) | WidgetKind::Text(_) => {}
    }
}

/// Every string of the widget's JSON except its `type`, with `re`'s matches replaced by `value`
/// (as written), parsed again.
fn replace_pattern(w: &Widget, re: &Regex, value: &str, path: &str, budget: &mut usize) -> Result<Widget, Vec<BodyError>> {
    let mut json = export::widget(w);
    if let Value::Object(o) = &mut json {
        for (k, v) in o.iter_mut() {
            if k != "type" {
                replace_strings(v, re, value, budget).map_err(|()| {
                    vec![BodyError::new(
                        path,
                        format!("the variable's value makes the dashboard larger than {MAX_GROWTH} bytes"),
                    )]
                })?;
            }
        }
    }
    let mut errs = Vec::new();
    match parse::widget(&json, path, &mut errs) {
        Some(w) if errs.is_empty() => Ok(w),
        _ => Err(errs
            .into_iter()
            .map(|e| BodyError::new(e.path, format!("after the variable's value was put in: {}", e.message)))
            .collect()),
    }
}

fn replace_strings(v: &mut Value, re: &Regex, value: &str, budget: &mut usize) -> Result<(), ()> {
    match v {
        Value::String(s) => {
            let matches = re.find_iter(s).count();
            if matches > 0 {
                let growth = matches.saturating_mul(value.len());
                *budget = budget.checked_sub(growth).ok_or(())?;
                *s = re.replace_all(s, NoExpand(value)).into_owned();
            }
        }
        Value::Array(items) => {
            for item in items {
                replace_strings(item, re, value, budget)?;
            }
        }
        Value::Object(o) => {
            for item in o.values_mut() {
                replace_strings(item, re, value, budget)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> DashboardBody {
        DashboardBody::from_value(&v).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn values(pairs: &[(&str, &[&str])]) -> VariableValues {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn ecs() -> DashboardBody {
        body(json!({
            "variables": [{"type": "property", "property": "ServiceName", "inputType": "select", "id": "svc",
                           "values": [{"value": "web"}, {"value": "api", "label": "API"}], "defaultValue": "web"}],
            "widgets": [{"type": "metric", "properties": {"title": "CPU", "metrics": [
                ["AWS/ECS", "CPUUtilization", "ClusterName", "prod", "ServiceName", "web", {"id": "c"}],
                [{"expression": "c * 2", "id": "e"}],
                ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "db"]
            ]}}]
        }))
    }

    fn rows(b: &DashboardBody) -> Vec<Value> {
        b.to_value()["widgets"][0]["properties"]["metrics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_property_variable_changes_only_its_dimension() {
        let b = ecs();
        let chosen = resolve(&b, &values(&[("svc", &["api"])]), &HashMap::new()).expect("valid");
        let out = apply_variables(&b, &chosen).expect("applies");
        assert_eq!(
            rows(&out),
            vec![
                json!(["AWS/ECS", "CPUUtilization", "ClusterName", "prod", "ServiceName", "api", {"id": "c"}]),
                json!([{"expression": "c * 2", "id": "e"}]),
                json!(["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "db"]),
            ]
        );
    }

    #[test]
    fn the_default_applies_when_nothing_is_chosen_and_leaves_a_body_already_at_it() {
        let b = ecs();
        let chosen = resolve(&b, &VariableValues::new(), &HashMap::new()).expect("valid");
        assert_eq!(chosen, values(&[("svc", &["web"])]));
        assert_eq!(apply_variables(&b, &chosen).expect("applies"), b);
    }

    #[test]
    fn bad_choices_name_their_variable() {
        let b = ecs();
        let e = resolve(&b, &values(&[("nope", &["x"]), ("svc", &["db"])]), &HashMap::new()).expect_err("refused");
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].id, "nope");
        assert!(
            e[0].message.contains("no such variable") && e[0].message.contains("svc"),
            "{}",
            e[0]
        );
        assert_eq!(e[1].id, "svc");
        assert!(
            e[1].to_string().contains("“db” is not one of the values of “svc” (web, api)"),
            "{}",
            e[1]
        );
        let e = resolve(&b, &values(&[("svc", &["web", "api"])]), &HashMap::new()).expect_err("one value");
        assert!(e[0].message.contains("takes one value"), "{}", e[0]);
    }

    #[test]
    fn multi_value_makes_one_row_per_value_and_keeps_ids_unique() {
        let mut b = ecs();
        b.variables[0].extra.insert("multiValue".into(), Value::Bool(true));
        let chosen = resolve(&b, &values(&[("svc", &["api", "web", "api"])]), &HashMap::new()).expect("valid");
        assert_eq!(chosen["svc"], vec!["api".to_string(), "web".to_string()]);
        let out = apply_variables(&b, &chosen).expect("applies");
        let r = rows(&out);
        assert_eq!(r.len(), 4);
        assert_eq!(
            r[0],
            json!(["AWS/ECS", "CPUUtilization", "ClusterName", "prod", "ServiceName", "api", {"id": "c"}])
        );
        assert_eq!(
            r[1],
            json!(["AWS/ECS", "CPUUtilization", "ClusterName", "prod", "ServiceName", "web", {"id": "c_2"}])
        );
    }

    #[test]
    fn first_takes_the_first_value_found_and_nothing_when_none_was_found() {
        let mut b = ecs();
        b.variables[0].values = None;
        b.variables[0].default_value = Some(json!(FIRST));
        let found: HashMap<String, Vec<String>> = [("svc".to_string(), vec!["checkout".to_string(), "web".to_string()])].into();
        assert_eq!(
            resolve(&b, &VariableValues::new(), &found).expect("valid"),
            values(&[("svc", &["checkout"])])
        );
        assert_eq!(
            resolve(&b, &VariableValues::new(), &HashMap::new()).expect("valid"),
            VariableValues::new()
        );
        // Values found by the search limit a select; unknown ones are refused.
        assert!(resolve(&b, &values(&[("svc", &["nope"])]), &found).is_err());
        assert!(resolve(&b, &values(&[("svc", &["nope"])]), &HashMap::new()).is_ok());
    }

    #[test]
    fn a_pattern_variable_replaces_text_everywhere_but_the_type_and_inserts_its_value_as_written() {
        let b = body(json!({
            "variables": [{"type": "pattern", "pattern": "web", "inputType": "input", "id": "svc"}],
            "widgets": [
                {"type": "metric", "properties": {"title": "web CPU", "metrics": [
                    [{"expression": "SEARCH('{AWS/ECS,ServiceName} ServiceName=\"web\"', 'Average', 60)", "id": "s"}]]}},
                {"type": "log", "properties": {"title": "web errors", "query": "SOURCE '/ecs/web' | filter level = \"error\""}},
                {"type": "text", "properties": {"markdown": "# web"}}
            ]
        }));
        let out = apply_variables(&b, &values(&[("svc", &["$1 a\\b.*"])])).expect("applies");
        let v = out.to_value();
        assert_eq!(v["widgets"][0]["properties"]["title"], "$1 a\\b.* CPU");
        assert!(v["widgets"][0]["properties"]["metrics"][0][0]["expression"]
            .as_str()
            .is_some_and(|e| e.contains("ServiceName=\"$1 a\\b.*\"")));
        assert_eq!(
            v["widgets"][1]["properties"]["query"],
            "SOURCE '/ecs/$1 a\\b.*' | filter level = \"error\""
        );
        assert_eq!(v["widgets"][2]["properties"]["markdown"], "# $1 a\\b.*");
        assert_eq!(v["widgets"][2]["type"], "text");
    }

    #[test]
    fn a_pattern_that_is_no_regex_or_matches_nothing_is_plain_text() {
        let b = body(json!({
            "variables": [{"type": "pattern", "pattern": "a(b", "inputType": "input", "id": "p"},
                          {"type": "pattern", "pattern": "x*", "inputType": "input", "id": "q"}],
            "widgets": [{"type": "text", "properties": {"markdown": "a(b and x* and xx"}}]
        }));
        let out = apply_variables(&b, &values(&[("p", &["P"]), ("q", &["Q"])])).expect("applies");
        assert_eq!(out.to_value()["widgets"][0]["properties"]["markdown"], "P and Q and xx");
    }

    #[test]
    fn widget_ids_limit_a_variable_and_region_is_a_widget_property() {
        let b = body(json!({
            "variables": [{"type": "property", "property": "region", "inputType": "input", "id": "r", "widgetIds": ["one"]}],
            "widgets": [
                {"type": "metric", "id": "one", "properties": {"region": "us-east-1", "metrics": [["A", "B", {"region": "us-east-1"}]]}},
                {"type": "metric", "properties": {"region": "us-east-1", "metrics": [["A", "B"]]}}
            ]
        }));
        let out = apply_variables(&b, &values(&[("r", &["eu-west-1"])])).expect("applies").to_value();
        assert_eq!(out["widgets"][0]["properties"]["region"], "eu-west-1");
        assert_eq!(out["widgets"][0]["properties"]["metrics"][0][2]["region"], "eu-west-1");
        assert_eq!(out["widgets"][1]["properties"]["region"], "us-east-1");
    }

    #[test]
    fn a_replacement_that_breaks_a_widget_or_grows_too_much_is_an_error_naming_it() {
        let b = body(json!({
            "variables": [{"type": "pattern", "pattern": "left", "inputType": "input", "id": "p"}],
            "widgets": [{"type": "metric", "properties": {"metrics": [["A", "B", {"yAxis": "left"}]]}}]
        }));
        let e = apply_variables(&b, &values(&[("p", &["middle"])])).expect_err("yAxis is left or right");
        assert!(e[0].path.starts_with("widgets[0]"), "{e:?}");
        let big = body(json!({
            "variables": [{"type": "pattern", "pattern": "x", "inputType": "input", "id": "p"}],
            "widgets": [{"type": "text", "properties": {"markdown": "x".repeat(10_000)}}]
        }));
        assert!(apply_variables(&big, &values(&[("p", &["y".repeat(MAX_VALUE_CHARS).as_str()])])).is_err());
    }
}
