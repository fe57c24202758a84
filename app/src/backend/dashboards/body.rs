//! The stored body: CloudWatch's dashboard-body JSON, parsed by [`cloudwatch::body`] on the way
//! in (so a bad body is refused with the path of its bad element) and stored as its export
//! (shorthand expanded, every unknown property kept).

use cloudwatch::body::{BodyError, DashboardBody, WidgetKind};

use crate::error::{AppError, AppResult};

/// The largest body accepted: a page must still be able to draw it.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// How many bad elements one refusal lists.
const MAX_LISTED_ERRORS: usize = 10;

/// Parses body text into the JSON that is stored.
pub fn normalise_text(text: &str) -> AppResult<serde_json::Value> {
    if text.len() > MAX_BODY_BYTES {
        return Err(AppError::validation(
            "body",
            format!("the dashboard body is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    if text.trim().is_empty() {
        return Err(AppError::validation(
            "body",
            "paste a CloudWatch dashboard body (JSON with a `widgets` array)",
        ));
    }
    DashboardBody::parse(text).map(|b| b.to_value()).map_err(refusal)
}

/// Parses a stored body (it parsed when it was stored; this only fails after a format change).
pub fn parse_stored(value: &serde_json::Value) -> AppResult<DashboardBody> {
    DashboardBody::from_value(value).map_err(refusal)
}

/// The body as PutDashboard takes it, pretty-printed.
pub fn export_text(value: &serde_json::Value) -> AppResult<String> {
    let body = parse_stored(value)?;
    serde_json::to_string_pretty(&body.to_value()).map_err(|e| AppError::validation("body", e.to_string()))
}

fn refusal(errors: Vec<BodyError>) -> AppError {
    let mut lines: Vec<String> = errors
        .iter()
        .take(MAX_LISTED_ERRORS)
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    if errors.len() > MAX_LISTED_ERRORS {
        lines.push(format!("… and {} more", errors.len() - MAX_LISTED_ERRORS));
    }
    if lines.is_empty() {
        lines.push("the dashboard body is not valid".into());
    }
    AppError::validation("body", lines.join("; "))
}

/// How many widgets a stored body has (0 when it does not parse).
pub fn widget_count(value: &serde_json::Value) -> u32 {
    value
        .get("widgets")
        .and_then(|w| w.as_array())
        .map_or(0, |w| u32::try_from(w.len()).unwrap_or(u32::MAX))
}

/// The widget's title as CloudWatch would show it.
pub fn title(kind: &WidgetKind) -> String {
    match kind {
        WidgetKind::Metric(m) => m.title.clone().unwrap_or_default(),
        WidgetKind::Log(l) => l.title.clone().unwrap_or_default(),
        WidgetKind::Alarm(a) => a.title.clone().unwrap_or_else(|| "Alarms".into()),
        WidgetKind::Text(_) => String::new(),
        WidgetKind::Unsupported { properties, .. } => properties.get("title").and_then(|t| t.as_str()).unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_body_names_the_path_of_its_bad_element() {
        let e = normalise_text(r#"{"widgets":[{"type":"metric","properties":{"metrics":[[42]]}}]}"#).expect_err("refused");
        let text = e.to_string();
        assert!(text.contains("widgets[0].properties.metrics[0]"), "{text}");
    }

    #[test]
    fn shorthand_is_expanded_when_stored() {
        let v = normalise_text(
            r#"{"widgets":[{"type":"metric","properties":{"metrics":[["AWS/ECS","CPUUtilization","ServiceName","web"],["...","api"]]}}]}"#,
        )
        .expect("valid");
        let rows = &v["widgets"][0]["properties"]["metrics"];
        assert_eq!(rows[1], serde_json::json!(["AWS/ECS", "CPUUtilization", "ServiceName", "api"]));
        assert_eq!(widget_count(&v), 1);
    }

    #[test]
    fn empty_and_huge_bodies_are_refused_with_a_message() {
        assert!(normalise_text("  ").is_err());
        assert!(normalise_text(&" ".repeat(MAX_BODY_BYTES + 1)).is_err());
        assert!(normalise_text("{").is_err());
    }
}
