//! The audit log: security-relevant actions, written in the same transaction as the change they
//! describe so that one never exists without the other.

use sqlx::{PgExecutor, PgPool};

use super::identity::ClientMeta;
use crate::domain::user::AuditEntry;
use crate::domain::{AuditAction, CurrentUser, Email};
use crate::error::AppResult;

/// Who did it: a signed-in user, or (for sign-in failures and CLI set-up) nobody.
pub struct Actor<'a> {
    pub user: Option<&'a CurrentUser>,
    pub client: Option<&'a ClientMeta>,
}

impl<'a> Actor<'a> {
    pub fn user(user: &'a CurrentUser, client: &'a ClientMeta) -> Self {
        Self {
            user: Some(user),
            client: Some(client),
        }
    }

    /// Someone at a client who is not (yet) signed in.
    pub fn anonymous(client: &'a ClientMeta) -> Self {
        Self {
            user: None,
            client: Some(client),
        }
    }

    pub fn system() -> Self {
        Self { user: None, client: None }
    }
}

pub async fn record(
    db: impl PgExecutor<'_>,
    actor: &Actor<'_>,
    action: AuditAction,
    target: Option<&Email>,
    detail: serde_json::Value,
) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, actor_email, action, target, detail, ip)
         VALUES ($1, $2, $3, $4, $5, $6)",
        actor.user.map(|u| u.id.0),
        actor.user.map(|u| u.email.as_str()),
        action.as_str(),
        target.map(Email::as_str),
        detail,
        actor.client.and_then(|c| c.ip.clone()),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Newest first; `before` pages backwards by id; `area` filters by an action's area (`auth`,
/// `user`, …).
#[tracing::instrument(skip(db))]
pub async fn list(db: &PgPool, before: Option<i64>, area: Option<&str>, limit: i64) -> AppResult<Vec<AuditEntry>> {
    let rows = sqlx::query!(
        "SELECT id, at, actor_email, action, target, detail, ip FROM audit_log
         WHERE ($1::BIGINT IS NULL OR id < $1) AND ($2::TEXT IS NULL OR action LIKE $2 || '.%')
         ORDER BY id DESC LIMIT $3",
        before,
        area,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at_ms: super::ms(r.at),
            actor: r.actor_email,
            action: r.action,
            target: r.target,
            detail: if r.detail == serde_json::json!({}) {
                String::new()
            } else {
                r.detail.to_string()
            },
            ip: r.ip,
        })
        .collect())
}
