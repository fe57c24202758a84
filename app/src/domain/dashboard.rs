//! Dashboards as pages and scripts see them: the stored document (a CloudWatch dashboard body
//! plus Watchpost's title, folder, tags and owner), its versions, and the input of a save.

use serde::{Deserialize, Serialize};

use super::ids::DashboardId;
use crate::error::AppError;

/// The longest title, description and folder a dashboard may have.
pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_FOLDER: usize = 200;
pub const MAX_TAGS: usize = 20;

/// One row of the dashboards list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardSummary {
    pub id: DashboardId,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub folder: String,
    pub connection: String,
    pub version: i32,
    pub widgets: u32,
    pub owner: Option<String>,
    pub updated_at_ms: i64,
}

/// A dashboard with its body (the CloudWatch dashboard-body JSON, shorthand expanded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardDoc {
    pub summary: DashboardSummary,
    pub body: serde_json::Value,
}

/// One saved state of a dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardVersion {
    pub version: i32,
    pub title: String,
    pub saved_by: Option<String>,
    pub saved_at_ms: i64,
    pub note: String,
}

/// One line of a diff between two versions: `+` added, `-` removed, ` ` unchanged context,
/// `@` a hunk header (`@@ -3,7 +3,8 @@`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub kind: char,
    pub text: String,
}

/// What a person may set on a dashboard besides its body, parsed from a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardMeta {
    title: String,
    description: String,
    tags: Vec<String>,
    folder: String,
}

impl DashboardMeta {
    /// `tags` is comma-separated; `folder` a slash-separated path (`payments/checkout`).
    pub fn parse(title: &str, description: &str, tags: &str, folder: &str) -> Result<Self, AppError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(AppError::validation("title", "a dashboard needs a title"));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(AppError::validation("title", format!("at most {MAX_TITLE} characters")));
        }
        let description = description.trim();
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(AppError::validation("description", format!("at most {MAX_DESCRIPTION} characters")));
        }
        let mut list: Vec<String> = Vec::new();
        for t in tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if t.chars().count() > 40 {
                return Err(AppError::validation("tags", format!("`{t}` is longer than 40 characters")));
            }
            if !list.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                list.push(t.to_string());
            }
        }
        if list.len() > MAX_TAGS {
            return Err(AppError::validation("tags", format!("at most {MAX_TAGS} tags")));
        }
        let parts: Vec<&str> = folder.split('/').map(str::trim).filter(|p| !p.is_empty()).collect();
        let folder = parts.join("/");
        if folder.chars().count() > MAX_FOLDER {
            return Err(AppError::validation("folder", format!("at most {MAX_FOLDER} characters")));
        }
        Ok(Self {
            title: title.to_string(),
            description: description.to_string(),
            tags: list,
            folder,
        })
    }

    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn tags(&self) -> &[String] {
        &self.tags
    }
    pub fn folder(&self) -> &str {
        &self.folder
    }
}

/// The body's relative `start` (`-PT3H`, `-P7D`, an ISO 8601 duration back from now) as the URL's
/// `from` (`now-3h`), when it has one: the range a dashboard opens with.
pub fn default_from(body: &serde_json::Value) -> Option<String> {
    let start = body.get("start")?.as_str()?.trim();
    let secs = cloudwatch::timestamp::iso_duration_secs(start.strip_prefix('-')?)?;
    (secs > 0).then(|| super::time_range::TimePoint::Relative(secs).to_param())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_start_is_the_default_range() {
        use crate::domain::time_range::TimePoint;
        let from = |start: &str| default_from(&serde_json::json!({ "start": start }));
        assert_eq!(from("-PT3H").as_deref(), Some("now-3h"));
        assert_eq!(from("-P7D"), Some(TimePoint::Relative(7 * 86_400).to_param()));
        assert_eq!(from("-P1DT12H"), Some(TimePoint::Relative(36 * 3_600).to_param()));
        assert_eq!(from("2026-11-01T00:00:00Z"), None);
        assert_eq!(from("-PT"), None);
        assert_eq!(from("-P3M"), None);
        assert_eq!(default_from(&serde_json::json!({})), None);
    }

    #[test]
    fn meta_is_trimmed_and_tags_deduplicated() {
        let m = DashboardMeta::parse("  Shop ", "", "prod, Prod ,,ecs", "/payments//checkout/").expect("valid");
        assert_eq!(m.title(), "Shop");
        assert_eq!(m.tags(), ["prod".to_string(), "ecs".to_string()]);
        assert_eq!(m.folder(), "payments/checkout");
    }

    #[test]
    fn meta_refuses_what_it_cannot_store() {
        assert!(DashboardMeta::parse(" ", "", "", "").is_err());
        assert!(DashboardMeta::parse(&"x".repeat(201), "", "", "").is_err());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(DashboardMeta::parse("a", "", &many.join(","), "").is_err());
    }
}
