//! The metrics explorer's server side: browse a connection's metrics (ListMetrics, page after
//! page up to a cap, narrowed by a search), draw a metric widget's properties as the dashboard
//! would, and put the widget on a dashboard (a new one, or an existing one as a new version).

use cloudwatch::body::{DashboardBody, MetricWidget, Widget, WidgetKind};
use cloudwatch::metrics::ListMetricsInput;
use serde_json::{json, Value};

use super::{body, render, save, DashboardId, NewDashboard};
use crate::backend::audit::Actor;
use crate::backend::identity::Caller;
use crate::backend::sources::{Conn, Telemetry};
use crate::domain::dashboard::{DashboardDoc, DashboardMeta, DashboardSummary};
use crate::domain::explorer::{group, MetricBrowse, MetricEntry, MetricSearch, NamespaceCount, MAX_SHOWN};
use crate::domain::widget::{MetricContent, WidgetContent};
use crate::domain::{ConnectionId, TimeRange};
use crate::error::{AppError, AppResult};

/// ListMetrics pages one browse reads (500 metrics each): 10,000 metrics.
pub const MAX_PAGES: usize = 20;
/// The largest properties object the explorer sends.
pub const MAX_PROPERTIES_BYTES: usize = 64 * 1024;
/// Where a widget added from the explorer goes, and how big it is.
const NEW_WIDTH: u32 = 12;
const NEW_HEIGHT: u32 = 6;

/// Every namespace, and the metrics of `namespace` (when given) that match `search`, grouped by
/// dimension set. `recent` keeps only metrics with data in the past three hours.
pub async fn browse(conn: &Conn, namespace: Option<&str>, search: &str, recent: bool) -> AppResult<MetricBrowse> {
    let search = MetricSearch::parse(search);
    let mut counts: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    let mut matched = Vec::new();
    let mut token = None;
    let mut partial = false;
    for page in 0.. {
        if page == MAX_PAGES {
            partial = true;
            break;
        }
        let out = conn
            .list_metrics(ListMetricsInput {
                next_token: token.take(),
                recently_active: recent.then(|| "PT3H".to_string()),
                ..ListMetricsInput::default()
            })
            .await?;
        for m in out.metrics {
            let ns = m.namespace.unwrap_or_default();
            let name = m.metric_name.unwrap_or_default();
            let dimensions: Vec<(String, String)> = m.dimensions.into_iter().map(|d| (d.name, d.value)).collect();
            if !search.matches(&ns, &name, &dimensions) {
                continue;
            }
            *counts.entry(ns.clone()).or_default() += 1;
            if namespace == Some(ns.as_str()) {
                matched.push(MetricEntry {
                    namespace: ns,
                    name,
                    dimensions,
                });
            }
        }
        match out.next_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    let total = matched.len();
    matched.sort_by(|a, b| (&a.name, &a.dimensions).cmp(&(&b.name, &b.dimensions)));
    matched.truncate(MAX_SHOWN);
    Ok(MetricBrowse {
        namespaces: counts.into_iter().map(|(name, metrics)| NamespaceCount { name, metrics }).collect(),
        groups: group(matched),
        matched: u32::try_from(total).unwrap_or(u32::MAX),
        hidden: u32::try_from(total.saturating_sub(MAX_SHOWN)).unwrap_or(u32::MAX),
        partial,
    })
}

/// Reads the explorer's `properties` JSON text as a metric widget, or says which element is bad.
pub fn parse_properties(text: &str) -> AppResult<MetricWidget> {
    if text.len() > MAX_PROPERTIES_BYTES {
        return Err(AppError::validation(
            "properties",
            format!("the widget is larger than {MAX_PROPERTIES_BYTES} bytes"),
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| AppError::validation("properties", format!("not JSON: {e}")))?;
    let widget = MetricWidget::from_properties(&value, "properties").map_err(|errs| {
        let lines: Vec<String> = errs.iter().take(5).map(|e| format!("{}: {}", e.path, e.message)).collect();
        AppError::validation("properties", lines.join("; "))
    })?;
    if widget.metrics.is_empty() {
        return Err(AppError::validation("properties", "add a metric or an expression to draw"));
    }
    Ok(widget)
}

/// The widget drawn for `range` on `connection`, through the proxy as a dashboard's would be.
pub async fn preview(
    telemetry: &Telemetry,
    caller: &Caller,
    connection: &ConnectionId,
    widget: &MetricWidget,
    range: &TimeRange,
) -> AppResult<MetricContent> {
    let doc = DashboardDoc {
        summary: DashboardSummary {
            id: DashboardId(uuid::Uuid::nil()),
            title: "Metrics explorer".into(),
            description: String::new(),
            tags: Vec::new(),
            folder: String::new(),
            connection: connection.as_str().to_string(),
            version: 0,
            widgets: 1,
            owner: None,
            updated_at_ms: 0,
        },
        body: json!({"widgets": [{
            "type": "metric", "x": 0, "y": 0, "width": 24, "height": 8,
            "properties": widget.to_properties(),
        }]}),
    };
    let data = render::data(telemetry, caller, &doc, range, &Default::default()).await?;
    match data.widgets.into_iter().next().map(|w| w.content) {
        Some(WidgetContent::Metric(m)) => Ok(*m),
        _ => Err(AppError::validation("properties", "the widget did not draw as a metric widget")),
    }
}

/// Where the explorer's widget goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A new dashboard on the widget's connection.
    New(DashboardMeta),
    /// An existing dashboard at version `base`: appended below its widgets, or replacing the
    /// metric widget at `replace` (keeping its place and size).
    Existing {
        id: DashboardId,
        base: i32,
        replace: Option<usize>,
    },
}

/// Puts the widget on its dashboard; answers the dashboard and its new version.
pub async fn add(
    db: &sqlx::PgPool,
    actor: &Actor<'_>,
    connection: &ConnectionId,
    widget: MetricWidget,
    target: Target,
) -> AppResult<(DashboardId, i32)> {
    match target {
        Target::New(meta) => {
            let mut b = DashboardBody::default();
            b.widgets.push(new_widget(widget, 0));
            let new = NewDashboard {
                meta,
                connection: connection.clone(),
                body: b.to_value(),
                origin: None,
            };
            let id = super::create(db, actor, &new)
                .await?
                .ok_or_else(|| AppError::conflict("that dashboard exists already"))?;
            Ok((id, 1))
        }
        Target::Existing { id, base, replace } => {
            let doc = super::get(db, id).await?.ok_or_else(|| AppError::not_found("that dashboard"))?;
            if doc.summary.connection != connection.as_str() {
                // The dashboard reads another connection: the widget would draw other data there.
                return Err(AppError::validation(
                    "dashboard",
                    format!(
                        "that dashboard reads connection “{}”, not “{}”: pick a dashboard on this connection or a new one",
                        doc.summary.connection,
                        connection.as_str()
                    ),
                ));
            }
            let mut b = body::parse_stored(&doc.body)?;
            let note = match replace {
                Some(i) => {
                    let slot = b
                        .widgets
                        .get_mut(i)
                        .filter(|w| matches!(w.kind, WidgetKind::Metric(_)))
                        .ok_or_else(|| AppError::not_found(format!("a metric widget at position {i}")))?;
                    slot.kind = WidgetKind::Metric(widget);
                    format!("edit of widget {} in the metrics explorer", i + 1)
                }
                None => {
                    let bottom = b.widgets.iter().map(|w| w.y.unwrap_or(0) + w.height).max().unwrap_or(0);
                    b.widgets.push(new_widget(widget, bottom));
                    format!("widget {} added from the metrics explorer", b.widgets.len())
                }
            };
            let s = &doc.summary;
            let meta = DashboardMeta::parse(&s.title, &s.description, &s.tags.join(","), &s.folder)?;
            let body = body::normalise_text(&b.to_json_string())?;
            let version = save(db, actor, id, base, &meta, &body, &note).await?;
            Ok((id, version))
        }
    }
}

fn new_widget(widget: MetricWidget, y: u32) -> Widget {
    Widget {
        x: Some(0),
        y: Some(y),
        width: NEW_WIDTH,
        height: NEW_HEIGHT,
        kind: WidgetKind::Metric(widget),
        extra: serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_are_read_with_paths_and_shorthand() {
        let w = parse_properties(
            r#"{"metrics":[["AWS/ECS","CPUUtilization","ServiceName","checkout"],[".","MemoryUtilization",".","."],[{"expression":"m1*2","id":"e1"}]],"view":"timeSeries","stat":"p99"}"#,
        )
        .expect("read");
        assert_eq!(w.metrics.len(), 3);
        assert_eq!(w.stat.as_deref(), Some("p99"));
        let back = w.to_properties();
        assert_eq!(
            back["metrics"][1],
            json!(["AWS/ECS", "MemoryUtilization", "ServiceName", "checkout"])
        );

        let err = parse_properties(r#"{"metrics":[["AWS/ECS","CPUUtilization"],[7]]}"#)
            .expect_err("refused")
            .to_string();
        assert!(err.contains("properties.metrics[1]"), "{err}");
        let err = parse_properties(r#"{"metrics":[]}"#).expect_err("refused").to_string();
        assert!(err.contains("add a metric"), "{err}");
        let err = parse_properties("[").expect_err("refused").to_string();
        assert!(err.contains("not JSON"), "{err}");
    }
}
