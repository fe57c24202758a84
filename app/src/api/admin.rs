//! Administration: users, roles, passwords, everyone's sessions, the audit log. Admins only.

use leptos::prelude::*;

use crate::domain::user::{AuditEntry, SessionInfo, UserSummary};
use crate::error::AppError;

/// Audit entries per page.
pub const AUDIT_PAGE: usize = 100;

#[server(prefix = "/fn", endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::backend::identity::users;
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    require(Role::Admin)?;
    users::list(&use_state()?.db).await
}

/// Creates an account. With an empty `password` one is generated and returned (shown once).
#[server(prefix = "/fn", endpoint = "admin/users/create")]
pub async fn create_user(email: String, display_name: String, role: String, password: String) -> Result<Option<String>, AppError> {
    use crate::backend::identity::{password::generated_password, users};
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::{DisplayName, Email, NewPassword, Role};
    let (admin, caller) = require(Role::Admin)?;
    let email: Email = email.parse()?;
    let display_name: DisplayName = display_name.parse()?;
    let role: Role = role.parse()?;
    let (password, generated) = match password.as_str() {
        "" => (generated_password(), true),
        p => (p.parse::<NewPassword>()?, false),
    };
    let new = users::NewUser {
        email,
        display_name,
        role,
        password: password.clone(),
    };
    let state = use_state()?;
    users::create(&state.db, state.identity.hasher(), &Actor::user(&admin, &caller.client), new).await?;
    Ok(generated.then(|| password.expose().to_string()))
}

#[server(prefix = "/fn", endpoint = "admin/users/role")]
pub async fn set_user_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::backend::identity::users;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::{Role, UserId};
    let (admin, caller) = require(Role::Admin)?;
    let id: UserId = user_id.parse()?;
    let role: Role = role.parse()?;
    users::set_role(&use_state()?.db, &Actor::user(&admin, &caller.client), id, role).await
}

/// `active` is "true" or "false".
#[server(prefix = "/fn", endpoint = "admin/users/active")]
pub async fn set_user_active(user_id: String, active: String) -> Result<(), AppError> {
    use crate::backend::identity::users;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::{Role, UserId};
    let (admin, caller) = require(Role::Admin)?;
    let id: UserId = user_id.parse()?;
    let active = match active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::validation("active", "must be true or false")),
    };
    users::set_active(&use_state()?.db, &Actor::user(&admin, &caller.client), id, active).await
}

/// Returns the new password (shown once).
#[server(prefix = "/fn", endpoint = "admin/users/reset-password")]
pub async fn reset_user_password(user_id: String) -> Result<String, AppError> {
    use crate::backend::identity::users;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::{Role, UserId};
    let (admin, caller) = require(Role::Admin)?;
    let id: UserId = user_id.parse()?;
    let state = use_state()?;
    let password = users::reset_password(&state.db, state.identity.hasher(), &Actor::user(&admin, &caller.client), id).await?;
    Ok(password.expose().to_string())
}

#[server(prefix = "/fn", endpoint = "admin/sessions")]
pub async fn all_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::backend::identity::sessions;
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    let (_, caller) = require(Role::Admin)?;
    let state = use_state()?;
    let idle = state.identity.settings().sessions.idle;
    sessions::list(&state.db, idle, None, caller.session_hash()).await
}

#[server(prefix = "/fn", endpoint = "admin/sessions/revoke")]
pub async fn revoke_any_session(handle: String) -> Result<(), AppError> {
    use crate::backend::identity::sessions;
    use crate::backend::{audit, require, use_state};
    use crate::domain::{AuditAction, Role, SessionHandle};
    let (admin, caller) = require(Role::Admin)?;
    let handle: SessionHandle = handle.parse()?;
    let state = use_state()?;
    let mut tx = state.db.begin().await?;
    let owner = sessions::revoke(&mut *tx, handle, None)
        .await?
        .ok_or_else(|| AppError::not_found("that session (it may have ended already)"))?;
    audit::record(
        &mut *tx,
        &audit::Actor::user(&admin, &caller.client),
        AuditAction::SessionRevoke,
        Some(&owner),
        serde_json::json!({"handle": handle}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Newest first, [`AUDIT_PAGE`] a page; `before` is the last id of the previous page; `area` one
/// of the areas of [`crate::domain::AuditAction`] (`auth`, `user`, …) or empty for all.
#[server(prefix = "/fn", endpoint = "admin/audit")]
pub async fn audit_log(before: Option<i64>, area: Option<String>) -> Result<Vec<AuditEntry>, AppError> {
    use crate::backend::{audit, require, use_state};
    use crate::domain::{AuditAction, Role};
    require(Role::Admin)?;
    let area = area.map(|a| a.trim().trim_end_matches('.').to_string()).filter(|a| !a.is_empty());
    if let Some(a) = &area {
        let areas = AuditAction::areas();
        if !areas.contains(&a.as_str()) {
            return Err(AppError::validation("area", format!("choose one of {}", areas.join(", "))));
        }
    }
    audit::list(&use_state()?.db, before, area.as_deref(), AUDIT_PAGE as i64).await
}
