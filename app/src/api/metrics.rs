//! The metrics explorer: browse a connection's metrics, draw a widget as it is built, and put it
//! on a dashboard. Viewers browse and draw; editors add to dashboards.

use leptos::prelude::*;

use crate::domain::explorer::MetricBrowse;
use crate::domain::widget::MetricContent;
use crate::error::AppError;

/// Namespaces of `connection`, and the metrics of `namespace` matching `search` (ListMetrics).
#[server(prefix = "/fn", endpoint = "metrics/browse")]
pub async fn browse_metrics(
    #[server(default)] connection: String,
    #[server(default)] namespace: String,
    #[server(default)] search: String,
    #[server(default)] recent: bool,
) -> Result<MetricBrowse, AppError> {
    use crate::backend::dashboards::{explorer, import};
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    let (_, caller) = require(Role::Viewer)?;
    let id = import::connection_or_demo(&connection)?;
    let conn = use_state()?.telemetry.conn(&caller, &id, Role::Viewer).await?;
    let namespace = Some(namespace.trim()).filter(|n| !n.is_empty());
    explorer::browse(&conn, namespace, &search, recent).await
}

/// A metric widget's `properties` (JSON text, as a dashboard body holds them) drawn for the range.
#[server(prefix = "/fn", endpoint = "metrics/preview")]
pub async fn preview_metrics(
    properties: String,
    #[server(default)] connection: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] tz: String,
) -> Result<MetricContent, AppError> {
    use crate::backend::dashboards::{explorer, import};
    use crate::backend::{require, use_state};
    use crate::domain::{Role, TimeRange};
    let (_, caller) = require(Role::Viewer)?;
    let id = import::connection_or_demo(&connection)?;
    let widget = explorer::parse_properties(&properties)?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    let range = TimeRange::from_params(opt(&from).as_deref(), opt(&to).as_deref(), opt(&tz).as_deref())?;
    let state = use_state()?;
    explorer::preview(&state.telemetry, &caller, &id, &widget, &range).await
}

/// Puts the widget on a dashboard: a new one titled `title` when `dashboard` is empty, else the
/// existing one at version `base` (appended, or replacing the metric widget at `replace`).
/// Answers the dashboard's id.
#[server(prefix = "/fn", endpoint = "metrics/add-to-dashboard")]
pub async fn add_to_dashboard(
    properties: String,
    #[server(default)] connection: String,
    #[server(default)] dashboard: String,
    #[server(default)] title: String,
    #[server(default)] base: i32,
    #[server(default)] replace: Option<u32>,
) -> Result<String, AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::dashboards::explorer::{self, Target};
    use crate::backend::dashboards::import;
    use crate::backend::{require, use_state};
    use crate::domain::dashboard::DashboardMeta;
    use crate::domain::{DashboardId, Role};
    let (user, caller) = require(Role::Editor)?;
    let connection = import::connection_or_demo(&connection)?;
    let widget = explorer::parse_properties(&properties)?;
    let target = if dashboard.trim().is_empty() {
        Target::New(DashboardMeta::parse(&title, "", "", "")?)
    } else {
        let id: DashboardId = dashboard.trim().parse()?;
        Target::Existing {
            id,
            base,
            replace: replace.map(|r| r as usize),
        }
    };
    let state = use_state()?;
    let (id, _) = explorer::add(&state.db, &Actor::user(&user, &caller.client), &connection, widget, target).await?;
    Ok(id.to_string())
}
