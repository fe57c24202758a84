//! The signed-in person's own account: who am I, password, sessions, API tokens.

use leptos::prelude::*;

use crate::domain::user::{NewToken, SessionInfo, TokenInfo};
use crate::domain::CurrentUser;
use crate::error::AppError;

#[server(prefix = "/fn", endpoint = "account/me")]
pub async fn who_am_i() -> Result<CurrentUser, AppError> {
    use crate::backend::require;
    use crate::domain::Role;
    Ok(require(Role::Viewer)?.0)
}

#[server(prefix = "/fn", endpoint = "account/password")]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<(), AppError> {
    use crate::backend::identity::users;
    use crate::backend::{require_session, use_state};
    use crate::domain::{NewPassword, Role};
    let (user, caller) = require_session(Role::Viewer)?;
    let new: NewPassword = new.parse()?;
    if new.expose() != confirm {
        return Err(AppError::validation("confirm", "does not match the new password"));
    }
    let state = use_state()?;
    users::change_password(&state.db, &state.identity, &user, &caller, current, new).await
}

#[server(prefix = "/fn", endpoint = "account/sessions")]
pub async fn my_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::backend::identity::sessions;
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    let (user, caller) = require(Role::Viewer)?;
    let state = use_state()?;
    let idle = state.identity.settings().sessions.idle;
    sessions::list(&state.db, idle, Some(user.id), caller.session_hash()).await
}

#[server(prefix = "/fn", endpoint = "account/sessions/revoke")]
pub async fn revoke_my_session(handle: String) -> Result<(), AppError> {
    use crate::backend::identity::sessions;
    use crate::backend::{audit, require, use_state};
    use crate::domain::{AuditAction, Role, SessionHandle};
    let (user, caller) = require(Role::Viewer)?;
    let handle: SessionHandle = handle.parse()?;
    let state = use_state()?;
    let mut tx = state.db.begin().await?;
    sessions::revoke(&mut *tx, handle, Some(user.id))
        .await?
        .ok_or_else(|| AppError::not_found("that session (it may have ended already)"))?;
    audit::record(
        &mut *tx,
        &audit::Actor::user(&user, &caller.client),
        AuditAction::SessionRevoke,
        Some(&user.email),
        serde_json::json!({"handle": handle}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/fn", endpoint = "account/tokens")]
pub async fn my_tokens() -> Result<Vec<TokenInfo>, AppError> {
    use crate::backend::identity::tokens;
    use crate::backend::{require, use_state};
    use crate::domain::Role;
    let (user, _) = require(Role::Viewer)?;
    tokens::list(&use_state()?.db, user.id).await
}

/// `expires_in_days` is empty for a token that does not expire.
#[server(prefix = "/fn", endpoint = "account/tokens/create")]
pub async fn create_token(name: String, role: String, expires_in_days: String) -> Result<NewToken, AppError> {
    use crate::backend::identity::tokens;
    use crate::backend::{audit::Actor, require_session, use_state};
    use crate::domain::{Role, TokenName};
    let (user, caller) = require_session(Role::Viewer)?;
    let name: TokenName = name.parse()?;
    let role: Role = role.parse()?;
    let days = match expires_in_days.trim() {
        "" => None,
        d => Some(
            d.parse::<i64>()
                .map_err(|_| AppError::validation("expires in", "give a whole number of days"))?,
        ),
    };
    tokens::create(&use_state()?.db, &Actor::user(&user, &caller.client), &user, name, role, days).await
}

#[server(prefix = "/fn", endpoint = "account/tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    use crate::backend::identity::tokens;
    use crate::backend::{audit::Actor, require, use_state};
    use crate::domain::{Role, TokenId};
    let (user, caller) = require(Role::Viewer)?;
    let id: TokenId = id.parse()?;
    tokens::revoke(&use_state()?.db, &Actor::user(&user, &caller.client), &user, id).await
}
