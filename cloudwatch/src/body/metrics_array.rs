//! The `metrics` array: rows, their rendering properties, and the `"."`/`"..."` shorthand.
//!
//! "Metric Widget: Format for Each Metric in the Array" on
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>:
//! a metric row is `[Namespace, MetricName, DimensionName, DimensionValue, ..., {rendering
//! properties}]`, an expression row is `[{"expression": ..., "label": ..., "id": ...}]`.

use serde_json::{Map, Value};

use super::metric::{MetricRow, RenderOptions};
use super::parse::{Errors, Reader};
use super::BodyError;

/// Why a row's shorthand could not be expanded: `index` is the position in the row as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShorthandError {
    pub index: usize,
    pub message: String,
}

/// Expands one row's positional strings against the previous metric row's (already expanded)
/// strings.
///
/// The rule, from the body-structure page (section "Metric Widget: Format for Each Metric in the
/// Array") and the console's behaviour that AWS's documentation issue
/// <https://github.com/awsdocs/amazon-cloudwatch-user-guide/issues/10> describes
/// (`[ "...", "i-123" ]` after `[ ".", ".", ".", "i-abc" ]`):
///
/// - `"."` at position *i* stands for the string at position *i* of the previous metric row
///   ("the same namespace / metric name / dimension name as the previous metric in the array").
/// - `"..."` stands for the previous row's positions that the values around it do not cover:
///   the values before it take the first positions, the values after it take the **last**
///   positions of the previous row, and `"..."` repeats the previous row's positions in between.
///   So `["...", "api"]` after `[ns, name, "ClusterName", "prod", "ServiceName", "web"]` is the
///   same metric with the last dimension value `api`, and `["...", {"stat": "p99"}]` is the
///   previous metric again (with its own rendering properties). When the values around `"..."`
///   are as many as the previous row's positions or more, `"..."` stands for nothing.
/// - `"."` after a `"..."` refers to the position it lands on in the expanded row.
/// - The rendering-properties object is never inherited: each row has only its own.
/// - The "previous metric row" is the last metric row above, skipping expression rows, as
///   expanded. The first metric row may use neither `"."` nor `"..."`, and a row may hold at
///   most one `"..."`.
pub fn expand_shorthand(row: &[&str], previous: Option<&[String]>) -> Result<Vec<String>, ShorthandError> {
    let mut ellipses = row.iter().enumerate().filter(|(_, s)| **s == "...").map(|(i, _)| i);
    let first = ellipses.next();
    if let Some(second) = ellipses.next() {
        return Err(ShorthandError {
            index: second,
            message: "a row may hold only one \"...\"".into(),
        });
    }
    // (expanded string, index in the row as written, or None when copied by "...")
    let mut out: Vec<(String, Option<usize>)> = Vec::with_capacity(row.len());
    match first {
        None => out.extend(row.iter().enumerate().map(|(i, s)| ((*s).to_string(), Some(i)))),
        Some(k) => {
            let Some(prev) = previous else {
                return Err(ShorthandError {
                    index: k,
                    message: "\"...\" repeats the previous metric row, and there is none".into(),
                });
            };
            let after = row.len() - k - 1;
            let covered = prev.len().saturating_sub(k + after);
            out.extend(row[..k].iter().enumerate().map(|(i, s)| ((*s).to_string(), Some(i))));
            out.extend(prev.iter().skip(k).take(covered).map(|s| (s.clone(), None)));
            out.extend(row[k + 1..].iter().enumerate().map(|(i, s)| ((*s).to_string(), Some(k + 1 + i))));
        }
    }
    let mut expanded = Vec::with_capacity(out.len());
    for (pos, (s, written_at)) in out.into_iter().enumerate() {
        if s == "." && written_at.is_some() {
            match previous.and_then(|p| p.get(pos)) {
                Some(v) => expanded.push(v.clone()),
                None => {
                    return Err(ShorthandError {
                        index: written_at.unwrap_or(pos),
                        message: match previous {
                            None => "\".\" repeats the previous metric row, and there is none".into(),
                            Some(_) => format!("\".\" at position {pos} has nothing to repeat: the previous metric row is shorter"),
                        },
                    });
                }
            }
        } else {
            expanded.push(s);
        }
    }
    Ok(expanded)
}

/// Parses the rows of a `metrics` array at `path` (`widgets[0].properties.metrics`).
pub(super) fn rows(items: &[Value], path: &str, errs: &mut Errors) -> Vec<MetricRow> {
    let mut out = Vec::with_capacity(items.len());
    let mut previous: Option<Vec<String>> = None;
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(parts) = item.as_array() else {
            errs.push(BodyError::new(p, "expected an array: one metric or expression"));
            continue;
        };
        let (positional, options_obj) = match parts.split_last() {
            Some((Value::Object(o), rest)) => (rest, Some(o)),
            _ => (parts.as_slice(), None),
        };
        let mut strings = Vec::with_capacity(positional.len());
        let mut bad = false;
        for (j, v) in positional.iter().enumerate() {
            match v.as_str() {
                Some(s) => strings.push(s),
                None => {
                    bad = true;
                    let what = if v.is_object() {
                        "the rendering properties object must come last"
                    } else {
                        "expected a string: namespace, metric name, dimension name or value, \".\" or \"...\""
                    };
                    errs.push(BodyError::new(format!("{p}[{j}]"), what));
                }
            }
        }
        let options = match options_obj {
            Some(o) => render_options(o, &format!("{p}[{}]", positional.len()), errs),
            None => RenderOptions::default(),
        };
        if bad {
            continue;
        }
        if options.expression.is_some() {
            if strings.is_empty() {
                out.push(MetricRow::Expression { options });
            } else {
                errs.push(BodyError::new(p, "an expression row holds only its {\"expression\": ...} object"));
            }
            continue;
        }
        let expanded = match expand_shorthand(&strings, previous.as_deref()) {
            Ok(e) => e,
            Err(e) => {
                errs.push(BodyError::new(format!("{p}[{}]", e.index), e.message));
                continue;
            }
        };
        match expanded.len() {
            0 => {
                errs.push(BodyError::new(p, "expected a namespace string"));
                continue;
            }
            1 => {
                errs.push(BodyError::new(p, "expected a metric name string after the namespace"));
                continue;
            }
            n if n % 2 == 1 => {
                errs.push(BodyError::new(
                    p,
                    format!("dimension {:?} has no value", expanded.get(n - 1).map_or("", String::as_str)),
                ));
                continue;
            }
            _ => {}
        }
        let mut it = expanded.iter().cloned();
        let namespace = it.next().unwrap_or_default();
        let metric_name = it.next().unwrap_or_default();
        let mut dimensions = Vec::with_capacity((expanded.len() - 2) / 2);
        while let (Some(name), Some(value)) = (it.next(), it.next()) {
            dimensions.push((name, value));
        }
        previous = Some(expanded);
        out.push(MetricRow::Metric {
            namespace,
            metric_name,
            dimensions,
            options,
        });
    }
    out
}

fn render_options(obj: &Map<String, Value>, path: &str, errs: &mut Errors) -> RenderOptions {
    let mut r = Reader::new(obj, path, errs);
    RenderOptions {
        id: r.string("id"),
        label: r.string("label"),
        stat: r.string("stat"),
        period: r.i64("period"),
        color: r.string("color"),
        y_axis: r.axis("yAxis"),
        visible: r.bool("visible"),
        expression: r.string("expression"),
        region: r.string("region"),
        account_id: r.string("accountId"),
        extra: r.finish(),
    }
}

/// A row as PutDashboard takes it, fully expanded.
pub(super) fn row_value(row: &MetricRow) -> Value {
    match row {
        MetricRow::Metric {
            namespace,
            metric_name,
            dimensions,
            options,
        } => {
            let mut parts = vec![Value::from(namespace.as_str()), Value::from(metric_name.as_str())];
            for (name, value) in dimensions {
                parts.push(Value::from(name.as_str()));
                parts.push(Value::from(value.as_str()));
            }
            let o = options_map(options);
            if !o.is_empty() {
                parts.push(Value::Object(o));
            }
            Value::Array(parts)
        }
        MetricRow::Expression { options } => Value::Array(vec![Value::Object(options_map(options))]),
    }
}

fn options_map(o: &RenderOptions) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("expression", o.expression.as_deref().map(Value::from));
    put("id", o.id.as_deref().map(Value::from));
    put("label", o.label.as_deref().map(Value::from));
    put("stat", o.stat.as_deref().map(Value::from));
    put("period", o.period.map(Value::from));
    put("color", o.color.as_deref().map(Value::from));
    put("yAxis", o.y_axis.map(|a| Value::from(a.as_str())));
    put("visible", o.visible.map(Value::from));
    put("region", o.region.as_deref().map(Value::from));
    put("accountId", o.account_id.as_deref().map(Value::from));
    super::export::merge_extra(&mut m, &o.extra);
    m
}
