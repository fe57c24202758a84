//! Personal API tokens for scripts and CI (`Authorization: Bearer wpt_…` on `/api/v1/*`).
//!
//! Only a SHA-256 of the secret is stored; the secret is shown once at creation. A token's role
//! is never higher than its owner's, and it dies with its owner's deactivation.

use sqlx::PgPool;

use super::audit::{self, Actor};
use super::auth::{random_secret, sha256};
use crate::domain::ids::{TokenId, UserId};
use crate::domain::user::{CurrentUser, NewToken, Role, TokenInfo};
use crate::error::{AppError, AppResult};

pub const PREFIX: &str = "wpt_";

/// A token name: what it is for ("CI deploy markers").
pub fn parse_name(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::validation("name", "say what the token is for"));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::validation("name", "use at most 100 printable characters"));
    }
    Ok(name.to_string())
}

#[tracing::instrument(skip(db, actor, owner), fields(owner = %owner.email))]
pub async fn create(
    db: &PgPool,
    actor: &Actor<'_>,
    owner: &CurrentUser,
    name: String,
    role: Role,
    expires_in_days: Option<i64>,
) -> AppResult<NewToken> {
    if role > owner.role {
        return Err(AppError::validation(
            "role",
            format!("a token cannot have more than your own role ({})", owner.role),
        ));
    }
    if let Some(d) = expires_in_days {
        if !(1..=3_650).contains(&d) {
            return Err(AppError::validation("expires in", "give a number of days from 1 to 3650, or none"));
        }
    }
    let secret = format!("{PREFIX}{}", random_secret(40));
    let mut tx = db.begin().await?;
    let r = sqlx::query!(
        "INSERT INTO api_tokens (user_id, name, token_hash, role, expires_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $5::BIGINT IS NULL THEN NULL ELSE now() + make_interval(days => $5::INT) END)
         RETURNING id, created_at, expires_at",
        owner.id.0,
        name,
        sha256(secret.as_bytes()),
        role.as_str(),
        expires_in_days,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "token.create",
        Some(&owner.email),
        serde_json::json!({"name": name, "role": role}),
    )
    .await?;
    tx.commit().await?;
    Ok(NewToken {
        info: TokenInfo {
            id: TokenId(r.id),
            name,
            role,
            created_at_ms: super::ms(r.created_at),
            last_used_ms: None,
            expires_at_ms: r.expires_at.map(super::ms),
            revoked: false,
        },
        secret,
    })
}

#[tracing::instrument(skip(db))]
pub async fn list(db: &PgPool, owner: UserId) -> AppResult<Vec<TokenInfo>> {
    let rows = sqlx::query!(
        "SELECT id, name, role, created_at, last_used_at, expires_at, revoked_at FROM api_tokens
         WHERE user_id = $1 ORDER BY created_at DESC",
        owner.0
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(TokenInfo {
                id: TokenId(r.id),
                name: r.name,
                role: r.role.parse()?,
                created_at_ms: super::ms(r.created_at),
                last_used_ms: r.last_used_at.map(super::ms),
                expires_at_ms: r.expires_at.map(super::ms),
                revoked: r.revoked_at.is_some(),
            })
        })
        .collect()
}

/// Revokes one of `owner`'s tokens.
#[tracing::instrument(skip(db, actor))]
pub async fn revoke(db: &PgPool, actor: &Actor<'_>, owner: UserId, id: TokenId) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let name = sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING name",
        id.0,
        owner.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("that token (or it is already revoked)"))?;
    audit::record(
        &mut *tx,
        actor,
        "token.revoke",
        actor.user.map(|u| u.email.as_str()),
        serde_json::json!({"name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The user a bearer secret stands for, with the lower of the token's and the owner's role.
pub async fn authenticate(db: &PgPool, secret: &str) -> AppResult<Option<CurrentUser>> {
    if !secret.starts_with(PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    let row = sqlx::query!(
        "UPDATE api_tokens t SET last_used_at = now()
         FROM users u
         WHERE t.token_hash = $1 AND u.id = t.user_id AND u.active AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > now())
         RETURNING u.id, u.email, u.display_name, u.role AS user_role, t.role AS token_role",
        sha256(secret.as_bytes())
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let user_role: Role = r.user_role.parse()?;
        let token_role: Role = r.token_role.parse()?;
        Ok(CurrentUser {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            role: user_role.min(token_role),
        })
    })
    .transpose()
}
