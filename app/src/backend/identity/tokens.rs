//! Personal API tokens for scripts and CI (`Authorization: Bearer wpt_…` on `/api/v1/*`).
//!
//! Only a SHA-256 of the secret is stored; the secret is shown once at creation. A token's role
//! is never higher than its owner's; it dies with its owner's deactivation, and it is revoked by
//! a password change or reset (a stolen password must not leave a way back in).

use sqlx::PgPool;

use super::password::{random_secret, sha256};
use super::{Credential, SignedIn};
use crate::backend::audit::{self, Actor};
use crate::domain::user::{NewToken, TokenInfo};
use crate::domain::{AuditAction, CurrentUser, DisplayName, Email, Role, TokenId, TokenName, UserId};
use crate::error::{AppError, AppResult};

pub const PREFIX: &str = "wpt_";
/// Longest lifetime a token may be given, in days (ten years).
pub const MAX_DAYS: i64 = 3_650;

#[tracing::instrument(skip(db, actor, owner), fields(owner = %owner.email))]
pub async fn create(
    db: &PgPool,
    actor: &Actor<'_>,
    owner: &CurrentUser,
    name: TokenName,
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
        if !(1..=MAX_DAYS).contains(&d) {
            return Err(AppError::validation(
                "expires in",
                format!("give a number of days from 1 to {MAX_DAYS}, or none"),
            ));
        }
    }
    let secret = format!("{PREFIX}{}", random_secret(40));
    let mut tx = db.begin().await?;
    let r = sqlx::query!(
        "INSERT INTO api_tokens (user_id, name, token_hash, role, expires_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $5::BIGINT IS NULL THEN NULL ELSE now() + make_interval(days => $5::INT) END)
         RETURNING id, created_at, expires_at",
        owner.id.0,
        name.as_str(),
        sha256(secret.as_bytes()),
        role as Role,
        expires_in_days,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::TokenCreate,
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
            created_at_ms: crate::backend::ms(r.created_at),
            last_used_ms: None,
            expires_at_ms: r.expires_at.map(crate::backend::ms),
            revoked: false,
        },
        secret,
    })
}

#[tracing::instrument(skip(db))]
pub async fn list(db: &PgPool, owner: UserId) -> AppResult<Vec<TokenInfo>> {
    let rows = sqlx::query!(
        r#"SELECT id, name AS "name: TokenName", role AS "role: Role", created_at, last_used_at, expires_at, revoked_at
           FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC"#,
        owner.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TokenInfo {
            id: TokenId(r.id),
            name: r.name,
            role: r.role,
            created_at_ms: crate::backend::ms(r.created_at),
            last_used_ms: r.last_used_at.map(crate::backend::ms),
            expires_at_ms: r.expires_at.map(crate::backend::ms),
            revoked: r.revoked_at.is_some(),
        })
        .collect())
}

/// Revokes one of `owner`'s tokens.
#[tracing::instrument(skip(db, actor))]
pub async fn revoke(db: &PgPool, actor: &Actor<'_>, owner: &CurrentUser, id: TokenId) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let name = sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING name",
        id.0,
        owner.id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("that token (or it is already revoked)"))?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::TokenRevoke,
        Some(&owner.email),
        serde_json::json!({"name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes every live token of `user`; returns how many.
pub async fn revoke_all_for_user(db: impl sqlx::PgExecutor<'_>, user: UserId) -> AppResult<u64> {
    Ok(sqlx::query!(
        "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        user.0
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Lowers `user`'s tokens to at most `role` (a token may never outrank its owner).
pub async fn cap_roles(db: impl sqlx::PgExecutor<'_>, user: UserId, role: Role) -> AppResult<u64> {
    Ok(sqlx::query!(
        "UPDATE api_tokens SET role = $2 WHERE user_id = $1 AND role > $2",
        user.0,
        role as Role
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// The user a bearer secret stands for, with the lower of the token's and the owner's role.
pub async fn authenticate(db: &PgPool, secret: &str) -> AppResult<Option<SignedIn>> {
    if !secret.starts_with(PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    let row = sqlx::query!(
        r#"UPDATE api_tokens t SET last_used_at = now()
           FROM users u
           WHERE t.token_hash = $1 AND u.id = t.user_id AND u.active AND t.revoked_at IS NULL
             AND (t.expires_at IS NULL OR t.expires_at > now())
           RETURNING t.id, u.id AS user_id, u.email AS "email: Email", u.display_name AS "display_name: DisplayName",
                     LEAST(u.role, t.role) AS "role!: Role""#,
        sha256(secret.as_bytes())
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| SignedIn {
        user: CurrentUser {
            id: UserId(r.user_id),
            email: r.email,
            display_name: r.display_name,
            role: r.role,
        },
        credential: Credential::Token { id: TokenId(r.id) },
    }))
}
