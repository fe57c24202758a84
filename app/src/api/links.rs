//! Public read-only links to one dashboard: editors create, list and revoke them; a link's
//! viewer, signed out, reads its dashboard through [`public_dashboard`].
//!
//! `public_dashboard` is the one server function that needs no signed-in user. It lives under
//! `/fn/public/`, and the access tests hold that prefix to exactly the functions listed in
//! [`PUBLIC_FUNCTIONS`]: each takes the link's token as its only credential, and nothing else a
//! viewer sends can widen what is read (see `backend::dashboards::public`).

use leptos::prelude::*;

use crate::domain::link::{LinkInfo, NewLink, PublicView};
use crate::error::AppError;

/// The server functions reachable without signing in (their paths).
pub const PUBLIC_FUNCTIONS: &[&str] = &["/fn/public/dashboard"];

/// The dashboard's links, newest first (revoked and expired ones included). Editors only.
#[server(prefix = "/fn", endpoint = "dashboards/links")]
pub async fn dashboard_links(id: String) -> Result<Vec<LinkInfo>, AppError> {
    use crate::backend::dashboards::links;
    use crate::backend::{require, use_state};
    use crate::domain::{DashboardId, Role};
    require(Role::Editor)?;
    let id: DashboardId = id.parse()?;
    links::list(&use_state()?.db, id).await
}

/// Makes a read-only link to the dashboard that lives for `expires` (`1d`, `7d`, `30d`, `90d`).
/// The token is in the answer once and never again.
#[server(prefix = "/fn", endpoint = "dashboards/links/create")]
pub async fn create_dashboard_link(id: String, #[server(default)] label: String, expires: String) -> Result<NewLink, AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::dashboards::links;
    use crate::backend::{require, use_state};
    use crate::domain::link::{LinkExpiry, LinkLabel};
    use crate::domain::{DashboardId, Role};
    let (user, caller) = require(Role::Editor)?;
    let id: DashboardId = id.parse()?;
    let label: LinkLabel = label.parse()?;
    let expires: LinkExpiry = expires.parse()?;
    links::create(&use_state()?.db, &Actor::user(&user, &caller.client), id, &label, expires).await
}

/// Revokes one of the dashboard's links; it stops opening at once.
#[server(prefix = "/fn", endpoint = "dashboards/links/revoke")]
pub async fn revoke_dashboard_link(id: String, link: String) -> Result<(), AppError> {
    use crate::backend::audit::Actor;
    use crate::backend::dashboards::links;
    use crate::backend::{require, use_state};
    use crate::domain::{DashboardId, LinkId, Role};
    let (user, caller) = require(Role::Editor)?;
    let id: DashboardId = id.parse()?;
    let link: LinkId = link.parse()?;
    links::revoke(&use_state()?.db, &Actor::user(&user, &caller.client), id, link).await
}

/// What a public link shows, signed out: its dashboard's title and widgets for `range`, one of
/// `1h`, `3h`, `12h`, `24h`, `3d`, `7d` (empty: the dashboard's own start when it is one of
/// them, else 3 hours). Rate-limited per link; an unknown, revoked or expired token is 404.
#[server(prefix = "/fn", endpoint = "public/dashboard")]
pub async fn public_dashboard(token: String, #[server(default)] range: String) -> Result<PublicView, AppError> {
    use crate::backend::dashboards::public;
    use crate::backend::use_state;
    let state = use_state()?;
    public::view(&state.db, &state.telemetry, &state.public_links, &token, &range).await
}
