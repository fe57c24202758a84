//! The signed-in person's own account: who am I, password, sessions, API tokens.

use leptos::prelude::*;

use crate::domain::user::{CurrentUser, NewToken, SessionInfo, TokenInfo};
use crate::error::AppError;

#[server(endpoint = "account/me")]
pub async fn who_am_i() -> Result<CurrentUser, AppError> {
    use crate::backend::require;
    use crate::domain::Role;
    Ok(require(Role::Viewer)?.0)
}

#[server(endpoint = "account/password")]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<(), AppError> {
    use crate::backend::{audit::Actor, require, use_state, users};
    use crate::domain::{user::parse_new_password, Role};
    let (user, auth) = require(Role::Viewer)?;
    if auth.via_token {
        return Err(AppError::Forbidden {
            needed: "a browser session".into(),
            have: "an API token".into(),
        });
    }
    let new = parse_new_password(&new)?;
    if new != confirm {
        return Err(AppError::validation("confirm", "does not match the new password"));
    }
    let state = use_state()?;
    users::change_password(
        &state.db,
        &Actor::user(&user, &auth.client),
        &user,
        current,
        new,
        auth.session_hash.as_deref(),
    )
    .await
}

#[server(endpoint = "account/sessions")]
pub async fn my_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::backend::{require, sessions, use_state};
    use crate::domain::Role;
    let (user, auth) = require(Role::Viewer)?;
    let state = use_state()?;
    sessions::list(&state.db, state.settings.session_idle, Some(user.id), auth.session_hash.as_deref()).await
}

#[server(endpoint = "account/sessions/revoke")]
pub async fn revoke_my_session(handle: String) -> Result<(), AppError> {
    use crate::backend::{audit, require, sessions, use_state};
    use crate::domain::{Role, SessionHandle};
    let (user, auth) = require(Role::Viewer)?;
    let handle: SessionHandle = handle.parse()?;
    let state = use_state()?;
    let mut tx = state.db.begin().await?;
    sessions::revoke(&mut *tx, handle, Some(user.id))
        .await?
        .ok_or_else(|| AppError::not_found("that session (it may have ended already)"))?;
    audit::record(
        &mut *tx,
        &audit::Actor::user(&user, &auth.client),
        "session.revoke",
        Some(&user.email),
        serde_json::json!({"handle": handle}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[server(endpoint = "account/tokens")]
pub async fn my_tokens() -> Result<Vec<TokenInfo>, AppError> {
    use crate::backend::{require, tokens, use_state};
    use crate::domain::Role;
    let (user, _) = require(Role::Viewer)?;
    tokens::list(&use_state()?.db, user.id).await
}

/// `expires_in_days` is empty for a token that does not expire.
#[server(endpoint = "account/tokens/create")]
pub async fn create_token(name: String, role: String, expires_in_days: String) -> Result<NewToken, AppError> {
    use crate::backend::{audit::Actor, require, tokens, use_state};
    use crate::domain::Role;
    let (user, auth) = require(Role::Viewer)?;
    let name = tokens::parse_name(&name)?;
    let role: Role = role.parse()?;
    let days = match expires_in_days.trim() {
        "" => None,
        d => Some(
            d.parse::<i64>()
                .map_err(|_| AppError::validation("expires in", "give a whole number of days"))?,
        ),
    };
    tokens::create(&use_state()?.db, &Actor::user(&user, &auth.client), &user, name, role, days).await
}

#[server(endpoint = "account/tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<(), AppError> {
    use crate::backend::{audit::Actor, require, tokens, use_state};
    use crate::domain::{Role, TokenId};
    let (user, auth) = require(Role::Viewer)?;
    let id: TokenId = id.parse()?;
    tokens::revoke(&use_state()?.db, &Actor::user(&user, &auth.client), user.id, id).await
}
