//! Data connections: the list every user picks from in the shell, and (admins only) adding,
//! changing, testing and removing them, and drills on demo connections.

// The connection forms post flat fields (they work without JavaScript), and the server macro
// generates the client half of each function without the attributes put on it.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::domain::connection::{ConnectionDetail, ConnectionTest, DrillInfo};
#[cfg(feature = "ssr")]
use crate::domain::{ConnectionId, ConnectionKind};
use crate::error::AppError;

pub use crate::domain::connection::ConnectionSummary;

/// Every connection (any signed-in user may read from any connection).
#[server(prefix = "/fn", endpoint = "connections")]
pub async fn list_connections() -> Result<Vec<ConnectionSummary>, AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    require(Role::Viewer)?;
    Ok(connections::list(&use_state()?.db)
        .await?
        .into_iter()
        .map(ConnectionSummary::from)
        .collect())
}

#[server(prefix = "/fn", endpoint = "admin/connections")]
pub async fn admin_connections() -> Result<Vec<ConnectionDetail>, AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    require(Role::Admin)?;
    connections::list(&use_state()?.db).await
}

/// Adds a connection. `kind` is `aws` (with the AWS fields) or `demo` (a new synthetic world).
#[server(prefix = "/fn", endpoint = "admin/connections/create")]
pub async fn create_connection(
    id: String,
    display_name: String,
    kind: String,
    #[server(default)] region: String,
    #[server(default)] mode: String,
    #[server(default)] profile: String,
    #[server(default)] access_key_id: String,
    #[server(default)] secret_access_key: String,
    #[server(default)] role_arn: String,
    #[server(default)] endpoint_url: String,
) -> Result<(), AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::connection::AwsForm;
    use crate::domain::Role;
    let (admin, caller) = require(Role::Admin)?;
    let id: ConnectionId = id.parse()?;
    let kind: ConnectionKind = kind.parse()?;
    let state = use_state()?;
    let actor = Actor::user(&admin, &caller.client);
    match kind {
        ConnectionKind::Demo => connections::create_demo(&state.db, &actor, &id, &display_name).await,
        ConnectionKind::Aws => {
            let form = AwsForm {
                region,
                mode,
                profile,
                access_key_id,
                secret_access_key,
                role_arn,
                endpoint_url,
            };
            let t = &state.telemetry;
            connections::create_aws(&state.db, &actor, t.policy(), t.cipher(), &id, &display_name, &form).await
        }
    }
}

/// Changes a connection's display name and settings (its slug never changes). AWS fields apply
/// to AWS connections, the demo switches to demo ones; an empty secret keeps the stored one.
#[server(prefix = "/fn", endpoint = "admin/connections/update")]
pub async fn update_connection(
    id: String,
    display_name: String,
    #[server(default)] region: String,
    #[server(default)] mode: String,
    #[server(default)] profile: String,
    #[server(default)] access_key_id: String,
    #[server(default)] secret_access_key: String,
    #[server(default)] role_arn: String,
    #[server(default)] endpoint_url: String,
    #[server(default)] quotas: Option<String>,
    #[server(default)] latency_ms: String,
    #[server(default)] error_rate: String,
    #[server(default)] volume: String,
) -> Result<(), AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::connection::{AwsForm, ConnectionSettings, DemoForm};
    use crate::domain::Role;
    let (admin, caller) = require(Role::Admin)?;
    let id: ConnectionId = id.parse()?;
    let state = use_state()?;
    let current = connections::get(&state.db, &id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("connection `{id}`")))?;
    let number = |field: &str, raw: &str, default: f64| -> Result<f64, AppError> {
        match raw.trim() {
            "" => Ok(default),
            s => s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| AppError::validation(field, "must be a number")),
        }
    };
    let aws = AwsForm {
        region,
        mode,
        profile,
        access_key_id,
        secret_access_key,
        role_arn,
        endpoint_url,
    };
    let demo = DemoForm {
        quotas: quotas.is_some_and(|q| q == "on" || q == "true"),
        latency_ms: number("latency_ms", &latency_ms, 0.0)?.max(0.0) as u64,
        error_rate: number("error_rate", &error_rate, 0.0)?,
        volume: number("volume", &volume, 1.0)?,
    };
    let change = match current.detail.settings {
        ConnectionSettings::Aws(_) => connections::SettingsChange::Aws(&aws),
        ConnectionSettings::Demo(_) => connections::SettingsChange::Demo(&demo),
    };
    let actor = Actor::user(&admin, &caller.client);
    let t = &state.telemetry;
    connections::update(&state.db, &actor, t.policy(), t.cipher(), &id, &display_name, change).await?;
    t.forget(&id).await;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "admin/connections/remove")]
pub async fn remove_connection(id: String) -> Result<(), AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::Role;
    let (admin, caller) = require(Role::Admin)?;
    let id: ConnectionId = id.parse()?;
    let state = use_state()?;
    connections::remove(&state.db, &Actor::user(&admin, &caller.client), &id).await?;
    state.telemetry.forget(&id).await;
    Ok(())
}

/// Calls each API read-only and reports per IAM action.
#[server(prefix = "/fn", endpoint = "admin/connections/test")]
pub async fn test_connection(id: String) -> Result<ConnectionTest, AppError> {
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    let (_, caller) = require(Role::Admin)?;
    let id: ConnectionId = id.parse()?;
    let state = use_state()?;
    state.telemetry.forget(&id).await;
    let checks = state.telemetry.conn(&caller, &id, Role::Admin).await?.test().await;
    Ok(ConnectionTest { connection: id, checks })
}

#[server(prefix = "/fn", endpoint = "admin/drills")]
pub async fn list_drills(connection: String) -> Result<Vec<DrillInfo>, AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    require(Role::Admin)?;
    let id: ConnectionId = connection.parse()?;
    connections::drills(&use_state()?.db, &id).await
}

/// Starts a drill now on a demo connection (`kind` from [`crate::domain::connection::DRILL_KINDS`]).
#[server(prefix = "/fn", endpoint = "admin/drills/start")]
pub async fn start_drill(connection: String, kind: String, service: String, minutes: String) -> Result<DrillInfo, AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::Role;
    let (admin, caller) = require(Role::Admin)?;
    let id: ConnectionId = connection.parse()?;
    let minutes: i64 = minutes
        .trim()
        .parse()
        .map_err(|_| AppError::validation("minutes", "a whole number of minutes"))?;
    let state = use_state()?;
    let drill = connections::start_drill(&state.db, &Actor::user(&admin, &caller.client), &id, &kind, &service, minutes).await?;
    state.telemetry.refresh_drills(&id).await?;
    Ok(drill)
}

#[server(prefix = "/fn", endpoint = "admin/drills/end")]
pub async fn end_drill(connection: String, drill: String) -> Result<(), AppError> {
    use crate::backend::sources::connections;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::Role;
    let (admin, caller) = require(Role::Admin)?;
    let id: ConnectionId = connection.parse()?;
    let drill: uuid::Uuid = drill.trim().parse().map_err(|_| AppError::validation("drill", "not a drill id"))?;
    let state = use_state()?;
    connections::end_drill(&state.db, &Actor::user(&admin, &caller.client), drill).await?;
    state.telemetry.refresh_drills(&id).await?;
    Ok(())
}
