//! CloudWatch dashboards: ListDashboards, GetDashboard, PutDashboard.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDashboardsInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DashboardEntry {
    pub dashboard_name: String,
    #[serde(default)]
    pub dashboard_arn: String,
    #[serde(default, with = "crate::timestamp::option", skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<OffsetDateTime>,
    #[serde(default)]
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDashboardsOutput {
    pub dashboard_entries: Vec<DashboardEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDashboardInput {
    pub dashboard_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDashboardOutput {
    pub dashboard_name: String,
    #[serde(default)]
    pub dashboard_arn: String,
    /// The dashboard's JSON body, as text.
    pub dashboard_body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutDashboardInput {
    pub dashboard_name: String,
    pub dashboard_body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DashboardValidationMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_path: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutDashboardOutput {
    #[serde(default)]
    pub dashboard_validation_messages: Vec<DashboardValidationMessage>,
}
