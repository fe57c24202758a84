//! Labels and dynamic labels, built to
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html>.
//!
//! Defaults: a `MetricStat` query without `Label` is labelled with its metric name; an expression that
//! gives one series is labelled with its `Id`. An expression that gives an array labels each member
//! `Expression-Label Metric-Label` (the using-metric-math page's legend format), or only the member's own
//! label when the expression has no label; when the expression label holds `${LABEL}`, that placeholder
//! stands for the member's label instead.
//!
//! Placeholders: `${LABEL}`, `${AVG}`, `${MIN}`, `${MAX}`, `${SUM}`, `${FIRST}`, `${LAST}`,
//! `${DATAPOINT_COUNT}`, `${FIRST_LAST_RANGE}` (last − first), `${MIN_MAX_RANGE}`, `${FIRST_TIME}`,
//! `${LAST_TIME}`, `${MIN_TIME}`, `${MAX_TIME}` (RFC 3339 in `LabelOptions.Timezone`), the `_RELATIVE`
//! and `_TIME_RANGE` forms (durations like `2h 5m`), `${PROP('Dim.<name>')}`, `${PROP('MetricName')}`,
//! `${PROP('Namespace')}`, `${PROP('Period')}`, `${PROP('Stat')}`, `${PROP('AccountId')}`,
//! `${PROP('Region')}`, `${PROP('AccountLabel')}` (empty: no cross-account labels). Values are computed
//! over all the data points of the series in the requested range (every page of a paged answer shows the
//! same label). Numbers are shown with up to two decimals (four below 1); a statistic of no data points
//! shows `-`. An unknown placeholder is left as written.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::expr::Source;

/// Everything a label may refer to.
pub struct LabelContext<'a> {
    /// What `${LABEL}` stands for.
    pub default_label: &'a str,
    /// The series, ascending.
    pub points: &'a [(i64, f64)],
    pub period: i64,
    pub source: Option<&'a Source>,
    pub offset: UtcOffset,
    pub now: i64,
    pub account_id: &'a str,
    pub region: &'a str,
}

/// The label of one member of an array-valued expression, before expansion.
pub fn member_template(expression_label: Option<&str>, member_label: &str) -> String {
    match expression_label {
        None | Some("") => member_label.to_string(),
        Some(l) if l.contains("${LABEL}") => l.replacen("${LABEL}", member_label, 1),
        Some(l) => format!("{l} {member_label}"),
    }
}

pub fn expand(template: &str, ctx: &LabelContext<'_>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        match value(name, ctx) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn value(name: &str, ctx: &LabelContext<'_>) -> Option<String> {
    if let Some(prop) = name.strip_prefix("PROP(").and_then(|p| p.strip_suffix(')')) {
        let prop = prop.trim().trim_matches(|c| c == '\'' || c == '"');
        return property(prop, ctx);
    }
    let pts = ctx.points;
    let vals = || pts.iter().map(|p| p.1);
    let min = pts.iter().copied().reduce(|a, b| if b.1 < a.1 { b } else { a });
    let max = pts.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a });
    let (first, last) = (pts.first().copied(), pts.last().copied());
    let num = |v: Option<f64>| v.map_or_else(|| "-".to_string(), number);
    let time = |t: Option<(i64, f64)>| t.map_or_else(|| "-".to_string(), |p| timestamp(p.0, ctx.offset));
    let ago = |t: Option<(i64, f64)>| t.map_or_else(|| "-".to_string(), |p| duration((ctx.now - p.0).abs()));
    let span = |a: Option<(i64, f64)>, b: Option<(i64, f64)>| match (a, b) {
        (Some(a), Some(b)) => duration((b.0 - a.0).abs()),
        _ => "-".to_string(),
    };
    Some(match name {
        "LABEL" => ctx.default_label.to_string(),
        "AVG" => num((!pts.is_empty()).then(|| vals().sum::<f64>() / pts.len() as f64)),
        "SUM" => num((!pts.is_empty()).then(|| vals().sum::<f64>())),
        "MIN" => num(min.map(|p| p.1)),
        "MAX" => num(max.map(|p| p.1)),
        "FIRST" => num(first.map(|p| p.1)),
        "LAST" => num(last.map(|p| p.1)),
        "DATAPOINT_COUNT" => pts.len().to_string(),
        "FIRST_LAST_RANGE" => num(first.zip(last).map(|(f, l)| l.1 - f.1)),
        "MIN_MAX_RANGE" => num(min.zip(max).map(|(a, b)| b.1 - a.1)),
        "FIRST_TIME" => time(first),
        "LAST_TIME" => time(last),
        "MIN_TIME" => time(min),
        "MAX_TIME" => time(max),
        "FIRST_TIME_RELATIVE" => ago(first),
        "LAST_TIME_RELATIVE" => ago(last),
        "MIN_TIME_RELATIVE" => ago(min),
        "MAX_TIME_RELATIVE" => ago(max),
        "FIRST_LAST_TIME_RANGE" => span(first, last),
        "MIN_MAX_TIME_RANGE" => span(min, max),
        _ => return None,
    })
}

fn property(prop: &str, ctx: &LabelContext<'_>) -> Option<String> {
    let source = ctx.source;
    Some(match prop {
        "MetricName" => source.and_then(|s| s.metric.metric_name.clone()).unwrap_or_default(),
        "Namespace" => source.and_then(|s| s.metric.namespace.clone()).unwrap_or_default(),
        "Stat" => source.map(|s| s.stat.clone()).unwrap_or_default(),
        "Period" => ctx.period.to_string(),
        "AccountId" => ctx.account_id.to_string(),
        "Region" => ctx.region.to_string(),
        "AccountLabel" => String::new(),
        _ => {
            let dim = prop.strip_prefix("Dim.")?;
            source.and_then(|s| s.metric.dimension(dim)).unwrap_or_default().to_string()
        }
    })
}

/// Up to two decimals (four below 1), trailing zeros trimmed.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let decimals = if v.abs() >= 1.0 || v == 0.0 { 2 } else { 4 };
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" {
        "0".into()
    } else {
        text
    }
}

fn timestamp(t: i64, offset: UtcOffset) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|dt| dt.to_offset(offset).format(&Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

/// `2d 3h 4m 5s`, leaving out zero parts (`0s` for none).
pub fn duration(seconds: i64) -> String {
    let parts = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")];
    let mut left = seconds.max(0);
    let mut out = Vec::new();
    for (size, unit) in parts {
        if left >= size {
            out.push(format!("{}{unit}", left / size));
            left %= size;
        }
    }
    if out.is_empty() {
        "0s".into()
    } else {
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudwatch::metrics::Metric;

    #[test]
    fn placeholders() {
        let source = Source {
            metric: Metric::new("AWS/Lambda", "Errors", &[("FunctionName", "checkout")]),
            stat: "Sum".into(),
        };
        let points = [(3600, 4.0), (7200, 1.0), (10_800, 7.5)];
        let ctx = LabelContext {
            default_label: "checkout",
            points: &points,
            period: 3600,
            source: Some(&source),
            offset: UtcOffset::from_hms(1, 30, 0).unwrap_or(UtcOffset::UTC),
            now: 14_400,
            account_id: "123456789012",
            region: "eu-west-1",
        };
        assert_eq!(
            expand("[max: ${MAX} Errors for Function Name ${LABEL}]", &ctx),
            "[max: 7.5 Errors for Function Name checkout]"
        );
        assert_eq!(
            expand(
                "${PROP('Dim.FunctionName')} ${PROP('MetricName')} ${PROP('Namespace')} ${PROP('Period')} ${PROP('Stat')}",
                &ctx
            ),
            "checkout Errors AWS/Lambda 3600 Sum"
        );
        assert_eq!(
            expand("${AVG} ${SUM} ${MIN} ${FIRST} ${LAST} ${DATAPOINT_COUNT}", &ctx),
            "4.17 12.5 1 4 7.5 3"
        );
        assert_eq!(
            expand("${FIRST_TIME} ${MIN_TIME}", &ctx),
            "1970-01-01T02:30:00+01:30 1970-01-01T03:30:00+01:30"
        );
        assert_eq!(expand("${FIRST_TIME_RELATIVE} ${FIRST_LAST_TIME_RANGE}", &ctx), "3h 2h");
        assert_eq!(expand("${NOPE} ${LABEL", &ctx), "${NOPE} ${LABEL");
    }

    #[test]
    fn member_labels() {
        assert_eq!(member_template(Some("Filled With 0:"), "Errors"), "Filled With 0: Errors");
        assert_eq!(member_template(Some(""), "Errors"), "Errors");
        assert_eq!(member_template(Some("[${MAX}] ${LABEL}!"), "Errors"), "[${MAX}] Errors!");
    }
}
