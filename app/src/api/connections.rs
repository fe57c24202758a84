//! Data connections a user can pick in the shell. The built-in demo is always there and is the
//! default; AWS connections are added by a later issue.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    /// The id used in URLs (`?conn=demo`).
    pub id: String,
    pub name: String,
    pub kind: String,
}

pub const DEMO_ID: &str = "demo";

#[server(endpoint = "connections")]
pub async fn list_connections() -> Result<Vec<ConnectionSummary>, AppError> {
    use crate::backend::require;
    use crate::domain::Role;
    require(Role::Viewer)?;
    Ok(vec![ConnectionSummary {
        id: DEMO_ID.into(),
        name: "Demo (synthetic telemetry)".into(),
        kind: "demo".into(),
    }])
}
