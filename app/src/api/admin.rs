//! Administration: users, roles, passwords, everyone's sessions, the audit log. Admins only.

use leptos::prelude::*;

use crate::domain::user::{AuditEntry, SessionInfo, UserSummary};
use crate::error::AppError;

#[server(endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::backend::{require, use_state, users};
    use crate::domain::Role;
    require(Role::Admin)?;
    users::list(&use_state()?.db).await
}

/// Creates an account. With an empty `password` one is generated and returned (shown once).
#[server(endpoint = "admin/users/create")]
pub async fn create_user(email: String, display_name: String, role: String, password: String) -> Result<Option<String>, AppError> {
    use crate::backend::{audit::Actor, auth::random_secret, require, use_state, users};
    use crate::domain::user::{parse_display_name, parse_new_password, Email};
    use crate::domain::Role;
    let (admin, auth) = require(Role::Admin)?;
    let email: Email = email.parse()?;
    let display_name = parse_display_name(&display_name)?;
    let role: Role = role.parse()?;
    let (password, generated) = match password.as_str() {
        "" => (random_secret(16), true),
        p => (parse_new_password(p)?, false),
    };
    let new = users::NewUser {
        email,
        display_name,
        role,
        password: password.clone(),
    };
    users::create(&use_state()?.db, &Actor::user(&admin, &auth.client), new).await?;
    Ok(generated.then_some(password))
}

#[server(endpoint = "admin/users/role")]
pub async fn set_user_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::backend::{audit::Actor, require, use_state, users};
    use crate::domain::{Role, UserId};
    let (admin, auth) = require(Role::Admin)?;
    let id: UserId = user_id.parse()?;
    let role: Role = role.parse()?;
    users::set_role(&use_state()?.db, &Actor::user(&admin, &auth.client), id, role).await
}

/// `active` is "true" or "false".
#[server(endpoint = "admin/users/active")]
pub async fn set_user_active(user_id: String, active: String) -> Result<(), AppError> {
    use crate::backend::{audit::Actor, require, use_state, users};
    use crate::domain::{Role, UserId};
    let (admin, auth) = require(Role::Admin)?;
    let id: UserId = user_id.parse()?;
    let active = match active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::validation("active", "must be true or false")),
    };
    users::set_active(&use_state()?.db, &Actor::user(&admin, &auth.client), id, active).await
}

/// Returns the new password (shown once).
#[server(endpoint = "admin/users/reset-password")]
pub async fn reset_user_password(user_id: String) -> Result<String, AppError> {
    use crate::backend::{audit::Actor, require, use_state, users};
    use crate::domain::{Role, UserId};
    let (admin, auth) = require(Role::Admin)?;
    let id: UserId = user_id.parse()?;
    users::reset_password(&use_state()?.db, &Actor::user(&admin, &auth.client), id).await
}

#[server(endpoint = "admin/sessions")]
pub async fn all_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::backend::{require, sessions, use_state};
    use crate::domain::Role;
    let (_, auth) = require(Role::Admin)?;
    let state = use_state()?;
    sessions::list(&state.db, state.settings.session_idle, None, auth.session_hash.as_deref()).await
}

#[server(endpoint = "admin/sessions/revoke")]
pub async fn revoke_any_session(handle: String) -> Result<(), AppError> {
    use crate::backend::{audit, require, sessions, use_state};
    use crate::domain::{Role, SessionHandle};
    let (admin, auth) = require(Role::Admin)?;
    let handle: SessionHandle = handle.parse()?;
    let state = use_state()?;
    let mut tx = state.db.begin().await?;
    let owner = sessions::revoke(&mut *tx, handle, None)
        .await?
        .ok_or_else(|| AppError::not_found("that session (it may have ended already)"))?;
    audit::record(
        &mut *tx,
        &audit::Actor::user(&admin, &auth.client),
        "session.revoke",
        Some(&owner),
        serde_json::json!({"handle": handle}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Newest first, 100 a page; `before` is the last id of the previous page; `action` a prefix.
#[server(endpoint = "admin/audit")]
pub async fn audit_log(before: Option<i64>, action: Option<String>) -> Result<Vec<AuditEntry>, AppError> {
    use crate::backend::{audit, require, use_state};
    use crate::domain::Role;
    require(Role::Admin)?;
    let action = action.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
    if let Some(a) = &action {
        if a.len() > 64 || !a.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            return Err(AppError::validation("action", "use letters, digits, dots and underscores"));
        }
    }
    audit::list(&use_state()?.db, before, action.as_deref(), 100).await
}
