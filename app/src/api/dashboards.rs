//! Dashboards: list, read, import (pasted JSON or a connection's dashboard), save with conflict
//! detection, versions and restore, delete, and the data of every widget for a time range.
//! Viewers read; editors create and change; nothing here is reachable signed out.

use leptos::prelude::*;

use crate::domain::dashboard::{DashboardDoc, DashboardSummary, DashboardVersion, DiffLine};
use crate::domain::variables::VariableView;
use crate::domain::widget::DashboardData;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::domain::DashboardId;

#[server(prefix = "/fn", endpoint = "dashboards")]
pub async fn list_dashboards(#[server(default)] search: String) -> Result<Vec<DashboardSummary>, AppError> {
    use crate::backend::{dashboards, require, use_state};
    use crate::domain::Role;
    require(Role::Viewer)?;
    dashboards::list(&use_state()?.db, Some(&search)).await
}

#[server(prefix = "/fn", endpoint = "dashboards/get")]
pub async fn get_dashboard(id: String) -> Result<DashboardDoc, AppError> {
    use crate::backend::{dashboards, require, use_state};
    use crate::domain::Role;
    require(Role::Viewer)?;
    let id: DashboardId = id.parse()?;
    dashboards::get(&use_state()?.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))
}

/// Every widget's data for the range (`from`/`to`/`tz` as the shell's URL has them) with the
/// dashboard's variables set to `vars` (JSON `{"id": ["value", ...]}` from the URL's `var-<id>`
/// keys; a variable not named takes its default).
#[server(prefix = "/fn", endpoint = "dashboards/widgets")]
pub async fn dashboard_widgets(
    id: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] tz: String,
    #[server(default)] vars: String,
) -> Result<DashboardData, AppError> {
    use crate::backend::{dashboards, require, use_state};
    use crate::domain::variables::VariableChoices;
    use crate::domain::{Role, TimeRange};
    let (_, caller) = require(Role::Viewer)?;
    let id: DashboardId = id.parse()?;
    let choices = VariableChoices::parse_json(&vars)?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    let state = use_state()?;
    let doc = dashboards::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))?;
    // Without a range in the URL, the dashboard's own default (`start`, e.g. -PT3H).
    let from = opt(&from).or_else(|| crate::domain::dashboard::default_from(&doc.body));
    let (to, tz) = (opt(&to), opt(&tz));
    let range = TimeRange::from_params(from.as_deref(), to.as_deref(), tz.as_deref())?;
    dashboards::render::data(&state.telemetry, &caller, &doc, &range, &choices).await
}

/// The dashboard's variables as their pickers show them: each one's values (its `values`, or
/// what its `search` finds through ListMetrics on the dashboard's connection) and the values in
/// effect for `vars` (as [`dashboard_widgets`] takes it).
#[server(prefix = "/fn", endpoint = "dashboards/variables")]
pub async fn dashboard_variables(id: String, #[server(default)] vars: String) -> Result<Vec<VariableView>, AppError> {
    use crate::backend::dashboards::{self, body as dbody, variables};
    use crate::backend::{require, use_state};
    use crate::domain::variables::VariableChoices;
    use crate::domain::{ConnectionId, Role};
    let (_, caller) = require(Role::Viewer)?;
    let id: DashboardId = id.parse()?;
    let choices = VariableChoices::parse_json(&vars)?;
    let state = use_state()?;
    let doc = dashboards::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))?;
    let connection: ConnectionId = doc.summary.connection.parse()?;
    let body = dbody::parse_stored(&doc.body)?;
    variables::views(&state.telemetry, &caller, &connection, &body, &choices).await
}

/// Imports a CloudWatch dashboard body (pasted JSON) as a new dashboard on `connection`.
#[server(prefix = "/fn", endpoint = "dashboards/import")]
pub async fn import_dashboard(
    title: String,
    body: String,
    #[server(default)] connection: String,
    #[server(default)] folder: String,
    #[server(default)] tags: String,
) -> Result<DashboardSummary, AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::dashboards::{self, body as dbody, import, NewDashboard};
    use crate::backend::{require, use_state};
    use crate::domain::dashboard::DashboardMeta;
    use crate::domain::Role;
    let (user, caller) = require(Role::Editor)?;
    let meta = DashboardMeta::parse(&title, "", &tags, &folder)?;
    let connection = import::connection_or_demo(&connection)?;
    let body = dbody::normalise_text(&body)?;
    let state = use_state()?;
    let new = NewDashboard {
        meta,
        connection,
        body,
        origin: None,
    };
    let id = dashboards::create(&state.db, &Actor::user(&user, &caller.client), &new)
        .await?
        .ok_or_else(|| AppError::conflict("that dashboard exists already"))?;
    Ok(dashboards::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("the new dashboard"))?
        .summary)
}

/// Saves the dashboard's title, folder, tags and body (JSON text), based on version `base`.
#[server(prefix = "/fn", endpoint = "dashboards/save")]
pub async fn save_dashboard(
    id: String,
    base: i32,
    title: String,
    body: String,
    #[server(default)] description: String,
    #[server(default)] folder: String,
    #[server(default)] tags: String,
) -> Result<i32, AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::dashboards::{self, body as dbody};
    use crate::backend::{require, use_state};
    use crate::domain::dashboard::DashboardMeta;
    use crate::domain::Role;
    let (user, caller) = require(Role::Editor)?;
    let id: DashboardId = id.parse()?;
    let meta = DashboardMeta::parse(&title, &description, &tags, &folder)?;
    let body = dbody::normalise_text(&body)?;
    let state = use_state()?;
    dashboards::save(&state.db, &Actor::user(&user, &caller.client), id, base, &meta, &body, "save").await
}

#[server(prefix = "/fn", endpoint = "dashboards/versions")]
pub async fn dashboard_versions(id: String) -> Result<Vec<DashboardVersion>, AppError> {
    use crate::backend::{dashboards, require, use_state};
    use crate::domain::Role;
    require(Role::Viewer)?;
    let id: DashboardId = id.parse()?;
    dashboards::versions(&use_state()?.db, id).await
}

/// What changed from version `from` to version `to` (title and body), as unified diff lines.
#[server(prefix = "/fn", endpoint = "dashboards/diff")]
pub async fn dashboard_diff(id: String, from: i32, to: i32) -> Result<Vec<DiffLine>, AppError> {
    use crate::backend::{dashboards, require, use_state};
    use crate::domain::Role;
    require(Role::Viewer)?;
    let id: DashboardId = id.parse()?;
    dashboards::diff(&use_state()?.db, id, from, to).await
}

#[server(prefix = "/fn", endpoint = "dashboards/restore")]
pub async fn restore_dashboard(id: String, version: i32, base: i32) -> Result<i32, AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::{dashboards, require, use_state};
    use crate::domain::Role;
    let (user, caller) = require(Role::Editor)?;
    let id: DashboardId = id.parse()?;
    dashboards::restore(&use_state()?.db, &Actor::user(&user, &caller.client), id, version, base).await
}

#[server(prefix = "/fn", endpoint = "dashboards/delete")]
pub async fn delete_dashboard(id: String) -> Result<(), AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::{dashboards, require, use_state};
    use crate::domain::Role;
    let (user, caller) = require(Role::Editor)?;
    let id: DashboardId = id.parse()?;
    dashboards::delete(&use_state()?.db, &Actor::user(&user, &caller.client), id).await
}

/// The dashboards of a connection (ListDashboards, every page), to import from.
#[server(prefix = "/fn", endpoint = "dashboards/on-connection")]
pub async fn connection_dashboards(connection: String) -> Result<Vec<String>, AppError> {
    use crate::backend::dashboards::import;
    use crate::backend::{require, use_state};
    use crate::domain::{ConnectionId, Role};
    let (_, caller) = require(Role::Viewer)?;
    let id: ConnectionId = connection.parse()?;
    let conn = use_state()?.telemetry.conn(&caller, &id, Role::Viewer).await?;
    import::names(&conn).await
}

/// Imports the connection's dashboard `name` (GetDashboard) as a new Watchpost dashboard.
#[server(prefix = "/fn", endpoint = "dashboards/import-from-connection")]
pub async fn import_from_connection(connection: String, name: String) -> Result<DashboardSummary, AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::dashboards::{self, body as dbody, import, NewDashboard};
    use crate::backend::{require, use_state};
    use crate::domain::dashboard::DashboardMeta;
    use crate::domain::{ConnectionId, Role};
    use cloudwatch::dashboards::GetDashboardInput;
    let (user, caller) = require(Role::Editor)?;
    let id: ConnectionId = connection.parse()?;
    let state = use_state()?;
    let conn = state.telemetry.conn(&caller, &id, Role::Editor).await?;
    let got = conn
        .get_dashboard(GetDashboardInput {
            dashboard_name: name.trim().to_string(),
        })
        .await?;
    let new = NewDashboard {
        meta: DashboardMeta::parse(&import::title_of(&got.dashboard_name), "", "", "")?,
        connection: id,
        body: dbody::normalise_text(&got.dashboard_body)?,
        // A person's import is a copy of its own (the origin marks only the demo's seeding).
        origin: None,
    };
    let created = dashboards::create(&state.db, &Actor::user(&user, &caller.client), &new)
        .await?
        .ok_or_else(|| AppError::conflict("that dashboard exists already"))?;
    Ok(dashboards::get(&state.db, created)
        .await?
        .ok_or_else(|| AppError::not_found("the new dashboard"))?
        .summary)
}

/// The body as CloudWatch's PutDashboard takes it (pretty JSON).
#[server(prefix = "/fn", endpoint = "dashboards/export")]
pub async fn export_dashboard(id: String) -> Result<String, AppError> {
    use crate::backend::dashboards::{self, body as dbody};
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    require(Role::Viewer)?;
    let id: DashboardId = id.parse()?;
    let doc = dashboards::get(&use_state()?.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))?;
    dbody::export_text(&doc.body)
}

/// Writes the body to the dashboard's connection as CloudWatch dashboard `name` (PutDashboard);
/// answers CloudWatch's validation messages (empty when it took it as it is).
#[server(prefix = "/fn", endpoint = "dashboards/put")]
pub async fn put_dashboard(id: String, name: String) -> Result<Vec<String>, AppError> {
    use crate::backend::dashboards::{self, body as dbody};
    use crate::backend::{require, use_state};
    use crate::domain::{ConnectionId, Role};
    use cloudwatch::dashboards::PutDashboardInput;
    let (_, caller) = require(Role::Editor)?;
    let id: DashboardId = id.parse()?;
    let name = name.trim();
    let valid = !name.is_empty() && name.len() <= 255 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(AppError::validation(
            "name",
            "CloudWatch dashboard names use 1–255 letters, digits, dashes and underscores",
        ));
    }
    let state = use_state()?;
    let doc = dashboards::get(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))?;
    let connection: ConnectionId = doc.summary.connection.parse()?;
    let conn = state.telemetry.conn(&caller, &connection, Role::Editor).await?;
    let out = conn
        .put_dashboard(PutDashboardInput {
            dashboard_name: name.to_string(),
            dashboard_body: dbody::export_text(&doc.body)?,
        })
        .await?;
    Ok(out
        .dashboard_validation_messages
        .into_iter()
        .map(|m| match m.data_path {
            Some(p) => format!("{p}: {}", m.message),
            None => m.message,
        })
        .collect())
}
