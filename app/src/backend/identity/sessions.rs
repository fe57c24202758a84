//! Browser sessions: a tower-sessions store in Postgres that can also list and revoke them.
//!
//! Only the SHA-256 of a session id is stored. A session ends when it is deleted (sign-out,
//! revocation, password change), when it has been idle longer than `Settings::session_idle`, or
//! at its absolute expiry (the record's expiry date, fixed at sign-in).

use async_trait::async_trait;
use sqlx::PgPool;
use std::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error as StoreError, Result as StoreResult};
use tower_sessions::SessionStore;

use super::auth::sha256;
use crate::domain::ids::{SessionHandle, UserId};
use crate::domain::user::SessionInfo;
use crate::error::AppResult;

/// Session data keys.
pub const USER_ID: &str = "user_id";
pub const IP: &str = "ip";
pub const USER_AGENT: &str = "ua";

/// `last_seen_at` is written at most this often per session (not on every request).
const TOUCH_EVERY_SECS: f64 = 60.0;

#[derive(Debug, Clone)]
pub struct PgSessionStore {
    db: PgPool,
    idle: Duration,
}

impl PgSessionStore {
    pub fn new(db: PgPool, idle: Duration) -> Self {
        Self { db, idle }
    }
}

pub fn id_hash(id: &Id) -> Vec<u8> {
    sha256(id.to_string().as_bytes())
}

fn backend(e: sqlx::Error) -> StoreError {
    tracing::error!(error = %e, "session store");
    StoreError::Backend("session store unavailable".into())
}

struct Columns {
    user_id: Option<uuid::Uuid>,
    data: serde_json::Value,
    ip: Option<String>,
    user_agent: Option<String>,
}

fn columns(record: &Record) -> StoreResult<Columns> {
    let text = |k: &str| record.data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Ok(Columns {
        user_id: text(USER_ID).and_then(|s| uuid::Uuid::parse_str(&s).ok()),
        data: serde_json::to_value(&record.data).map_err(|e| StoreError::Encode(e.to_string()))?,
        ip: text(IP),
        user_agent: text(USER_AGENT),
    })
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> StoreResult<()> {
        loop {
            let c = columns(record)?;
            let inserted = sqlx::query!(
                "INSERT INTO sessions (id_hash, user_id, data, expires_at, ip, user_agent)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id_hash) DO NOTHING",
                id_hash(&record.id),
                c.user_id,
                c.data,
                record.expiry_date,
                c.ip,
                c.user_agent,
            )
            .execute(&self.db)
            .await
            .map_err(backend)?
            .rows_affected();
            if inserted == 1 {
                return Ok(());
            }
            // A 128-bit collision: astronomically unlikely, but never overwrite another's session.
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> StoreResult<()> {
        let c = columns(record)?;
        sqlx::query!(
            "INSERT INTO sessions (id_hash, user_id, data, expires_at, ip, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id_hash) DO UPDATE SET user_id = EXCLUDED.user_id, data = EXCLUDED.data,
                 expires_at = EXCLUDED.expires_at, ip = EXCLUDED.ip, user_agent = EXCLUDED.user_agent",
            id_hash(&record.id),
            c.user_id,
            c.data,
            record.expiry_date,
            c.ip,
            c.user_agent,
        )
        .execute(&self.db)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> StoreResult<Option<Record>> {
        let hash = id_hash(id);
        let row = sqlx::query!(
            r#"SELECT data, expires_at, (last_seen_at < now() - make_interval(secs => $3)) AS "stale!"
               FROM sessions
               WHERE id_hash = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)"#,
            hash,
            self.idle.as_secs_f64(),
            TOUCH_EVERY_SECS,
        )
        .fetch_optional(&self.db)
        .await
        .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        if row.stale {
            sqlx::query!("UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1", hash)
                .execute(&self.db)
                .await
                .map_err(backend)?;
        }
        let data = serde_json::from_value(row.data).map_err(|e| StoreError::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: row.expires_at,
        }))
    }

    async fn delete(&self, id: &Id) -> StoreResult<()> {
        sqlx::query!("DELETE FROM sessions WHERE id_hash = $1", id_hash(id))
            .execute(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Live sessions, newest first: one user's, or everyone's when `user` is `None`.
#[tracing::instrument(skip(db, current))]
pub async fn list(db: &PgPool, idle: Duration, user: Option<UserId>, current: Option<&[u8]>) -> AppResult<Vec<SessionInfo>> {
    let rows = sqlx::query!(
        r#"SELECT s.handle, u.email, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, s.id_hash
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE ($1::UUID IS NULL OR s.user_id = $1)
             AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
           ORDER BY s.created_at DESC"#,
        user.map(|u| u.0),
        idle.as_secs_f64(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionInfo {
            handle: SessionHandle(r.handle),
            user_email: r.email,
            created_at_ms: super::ms(r.created_at),
            last_seen_ms: super::ms(r.last_seen_at),
            expires_at_ms: super::ms(r.expires_at),
            ip: r.ip,
            user_agent: r.user_agent,
            current: current == Some(r.id_hash.as_slice()),
        })
        .collect())
}

/// Deletes one session; `owner` restricts it to that user's sessions. Returns the owner's email
/// when a session was deleted.
pub async fn revoke(db: impl sqlx::PgExecutor<'_>, handle: SessionHandle, owner: Option<UserId>) -> AppResult<Option<String>> {
    let row = sqlx::query!(
        "DELETE FROM sessions s USING users u
         WHERE s.handle = $1 AND u.id = s.user_id AND ($2::UUID IS NULL OR s.user_id = $2)
         RETURNING u.email",
        handle.0,
        owner.map(|u| u.0),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.email))
}

/// Ends every session of `user` except the one whose hash is `keep`.
pub async fn revoke_all_for_user(db: impl sqlx::PgExecutor<'_>, user: UserId, keep: Option<&[u8]>) -> AppResult<u64> {
    Ok(sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::BYTEA IS NULL OR id_hash <> $2)",
        user.0,
        keep,
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Removes sessions that can no longer be used.
pub async fn prune(db: &PgPool, idle: Duration) -> AppResult<u64> {
    Ok(sqlx::query!(
        "DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1)",
        idle.as_secs_f64(),
    )
    .execute(db)
    .await?
    .rows_affected())
}
