//! Dashboards in from a connection (ListDashboards → GetDashboard → import) and the demo
//! connections' prebuilt dashboards, imported the same way once per connection so a new user's
//! first page already shows the shop.

use sqlx::PgPool;

use super::{body, create, NewDashboard};
use crate::backend::audit::Actor;
use crate::backend::sources::{connections, Conn, Telemetry};
use crate::domain::connection::ConnectionSettings;
use crate::domain::dashboard::DashboardMeta;
use crate::domain::{ConnectionId, DashboardId};
use crate::error::{AppError, AppResult};
use cloudwatch::dashboards::{GetDashboardInput, ListDashboardsInput};

/// The most dashboards one listing returns (pages followed).
const MAX_LISTED: usize = 1000;

/// Every dashboard's name on the connection (ListDashboards, every page).
pub async fn names(conn: &Conn) -> AppResult<Vec<String>> {
    let mut names = Vec::new();
    let mut next_token = None;
    loop {
        let out = conn
            .list_dashboards(ListDashboardsInput {
                dashboard_name_prefix: None,
                next_token: next_token.take(),
            })
            .await?;
        names.extend(out.dashboard_entries.into_iter().map(|e| e.dashboard_name));
        match out.next_token {
            Some(t) if !t.is_empty() && names.len() < MAX_LISTED => next_token = Some(t),
            _ => break,
        }
    }
    Ok(names)
}

/// Imports one dashboard of the connection. `None` when it was imported before (by `origin`).
pub async fn from_connection(db: &PgPool, actor: &Actor<'_>, conn: &Conn, name: &str) -> AppResult<Option<DashboardId>> {
    let got = conn
        .get_dashboard(GetDashboardInput {
            dashboard_name: name.to_string(),
        })
        .await?;
    let body = body::normalise_text(&got.dashboard_body)?;
    let meta = DashboardMeta::parse(&title_of(name), "", "", "")?;
    create(
        db,
        actor,
        &NewDashboard {
            meta,
            connection: conn.id.clone(),
            body,
            origin: Some(name.to_string()),
        },
    )
    .await
}

/// `shop-overview` → `Shop overview`.
pub fn title_of(name: &str) -> String {
    let spaced: String = name.chars().map(|c| if c == '-' || c == '_' { ' ' } else { c }).collect();
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_string(),
    }
}

/// Imports every demo connection's prebuilt dashboards it has not imported yet. Idempotent, and
/// safe on several replicas at once (the origin index keeps one copy).
pub async fn seed_demo(db: &PgPool, telemetry: &Telemetry) -> AppResult<u32> {
    let mut imported = 0;
    for detail in connections::list(db).await? {
        if !matches!(detail.settings, ConnectionSettings::Demo(_)) {
            continue;
        }
        let conn = telemetry.system_conn(&detail.id).await?;
        for name in names(&conn).await? {
            match from_connection(db, &Actor::system(), &conn, &name).await {
                Ok(Some(_)) => imported += 1,
                Ok(None) => {}
                Err(e) => tracing::warn!(connection = %detail.id, dashboard = name, error = %e, "a demo dashboard did not import"),
            }
        }
    }
    Ok(imported)
}

/// The connection id of an import request, defaulting to the demo.
pub fn connection_or_demo(raw: &str) -> AppResult<ConnectionId> {
    match raw.trim() {
        "" => Ok(ConnectionId::demo()),
        s => s.parse().map_err(|e: AppError| e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_read_like_titles() {
        assert_eq!(title_of("shop-overview"), "Shop overview");
        assert_eq!(title_of("ecs_checkout"), "Ecs checkout");
        assert_eq!(title_of(""), "");
    }
}
