//! Data connections a user can pick in the shell. The built-in demo is always there and is the
//! default; AWS connections are added by the sources issue.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::ConnectionId;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    /// The slug used in URLs (`?conn=demo`).
    pub id: ConnectionId,
    pub name: String,
    pub kind: String,
}

#[server(prefix = "/fn", endpoint = "connections")]
pub async fn list_connections() -> Result<Vec<ConnectionSummary>, AppError> {
    use crate::backend::require;
    use crate::domain::Role;
    require(Role::Viewer)?;
    Ok(vec![ConnectionSummary {
        id: ConnectionId::demo(),
        name: "Demo (synthetic telemetry)".into(),
        kind: "demo".into(),
    }])
}
