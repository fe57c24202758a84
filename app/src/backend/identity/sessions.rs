//! Browser sessions: a row per session in Postgres, named by a random secret in a cookie.
//!
//! Only the SHA-256 of the secret is stored, so a copy of the table cannot be used to sign in;
//! `handle` is the public name used to list and revoke a session. A session ends when its row is
//! deleted (sign-out, revocation, password change or reset, deactivation), after
//! `SessionSettings::idle` unused, or at its absolute expiry, fixed at sign-in.
//!
//! The cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`, and over https `Secure` with the
//! `__Host-` prefix (so no subdomain can set or shadow it). It carries no expiry: closing the
//! browser ends it on that side; the server's limits end it on ours.

use cookie::{Cookie, SameSite};
use http::HeaderMap;
use rand::RngCore;
use sqlx::PgPool;
use std::time::Duration;

use super::password::sha256;
use super::{ClientMeta, Credential, SignedIn};
use crate::backend::audit::{self, Actor};
use crate::domain::user::SessionInfo;
use crate::domain::{AuditAction, CurrentUser, DisplayName, Email, Role, SessionHandle, UserId};
use crate::error::AppResult;

/// The cookie's name over plain http (development, tests).
pub const COOKIE: &str = "watchpost_session";
/// The cookie's name over https: the prefix makes browsers insist on Secure, Path=/ and no Domain.
pub const SECURE_COOKIE: &str = "__Host-watchpost_session";

/// `last_seen_at` is written at most this often per session (not on every request).
const TOUCH_EVERY_SECS: f64 = 60.0;

#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub absolute: Duration,
    /// Always mark the cookie Secure (the public address is https), even when a request does not
    /// say it came over https.
    pub always_secure: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(12 * 3_600),
            absolute: Duration::from_secs(7 * 86_400),
            always_secure: false,
        }
    }
}

impl SessionSettings {
    pub fn secure_for(&self, client: &ClientMeta) -> bool {
        self.always_secure || client.https
    }
}

/// A session just opened: the secret goes into the cookie and nowhere else.
pub struct NewSession {
    secret: String,
    secure: bool,
}

impl NewSession {
    /// The `Set-Cookie` value that hands the session to the browser.
    pub fn cookie(&self) -> String {
        build_cookie(self.secret.clone(), self.secure).to_string()
    }
}

fn build_cookie(value: String, secure: bool) -> Cookie<'static> {
    let name = if secure { SECURE_COOKIE } else { COOKIE };
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// `Set-Cookie` values that remove the session cookie (both names).
pub fn removal_cookies() -> [String; 2] {
    let gone = |secure| {
        let mut c = build_cookie(String::new(), secure);
        c.make_removal();
        c.to_string()
    };
    [gone(true), gone(false)]
}

/// The session secret a request carries (the `__Host-` cookie first).
pub fn secret_from(headers: &HeaderMap) -> Option<String> {
    let mut plain = None;
    for header in headers.get_all(http::header::COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for c in Cookie::split_parse(text).flatten() {
            match c.name() {
                SECURE_COOKIE => return Some(c.value().to_string()),
                COOKIE if plain.is_none() => plain = Some(c.value().to_string()),
                _ => {}
            }
        }
    }
    plain.filter(|s| !s.is_empty() && s.len() <= 128)
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) fn hash_of(secret: &str) -> Vec<u8> {
    sha256(secret.as_bytes())
}

/// Opens a session for `user` (audited as the sign-in), ending `previous` if the browser had one.
pub async fn create(
    db: &PgPool,
    settings: &SessionSettings,
    user: &CurrentUser,
    client: &ClientMeta,
    previous: Option<&str>,
) -> AppResult<NewSession> {
    let secret = new_secret();
    let absolute = settings.absolute.as_secs_f64();
    let mut tx = db.begin().await?;
    if let Some(old) = previous {
        delete(&mut *tx, &hash_of(old)).await?;
    }
    sqlx::query!(
        "INSERT INTO sessions (id_hash, user_id, expires_at, ip, user_agent)
         VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5)",
        hash_of(&secret),
        user.id.0,
        absolute,
        client.ip,
        client.user_agent,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("UPDATE users SET last_sign_in_at = now() WHERE id = $1", user.id.0)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &Actor::user(user, client),
        AuditAction::SignIn,
        Some(&user.email),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession {
        secret,
        secure: settings.secure_for(client),
    })
}

/// The user of a live session; marks it used (at most once a minute).
pub async fn resolve(db: &PgPool, settings: &SessionSettings, secret: &str) -> AppResult<Option<SignedIn>> {
    let hash = hash_of(secret);
    let row = sqlx::query!(
        r#"SELECT u.id, u.email AS "email: Email", u.display_name AS "display_name: DisplayName", u.role AS "role: Role",
                  (s.last_seen_at < now() - make_interval(secs => $3)) AS "stale!"
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id_hash = $1 AND u.active AND s.expires_at > now()
             AND s.last_seen_at > now() - make_interval(secs => $2)"#,
        hash,
        settings.idle.as_secs_f64(),
        TOUCH_EVERY_SECS,
    )
    .fetch_optional(db)
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.stale {
        sqlx::query!("UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1", hash)
            .execute(db)
            .await?;
    }
    Ok(Some(SignedIn {
        user: CurrentUser {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            role: r.role,
        },
        credential: Credential::Session { hash },
    }))
}

pub async fn delete(db: impl sqlx::PgExecutor<'_>, hash: &[u8]) -> AppResult<()> {
    sqlx::query!("DELETE FROM sessions WHERE id_hash = $1", hash).execute(db).await?;
    Ok(())
}

/// Live sessions, newest first: one user's, or everyone's when `user` is `None`.
#[tracing::instrument(skip(db, current))]
pub async fn list(db: &PgPool, idle: Duration, user: Option<UserId>, current: Option<&[u8]>) -> AppResult<Vec<SessionInfo>> {
    let rows = sqlx::query!(
        r#"SELECT s.handle, u.email AS "email: Email", s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, s.id_hash
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
            created_at_ms: crate::backend::ms(r.created_at),
            last_seen_ms: crate::backend::ms(r.last_seen_at),
            expires_at_ms: crate::backend::ms(r.expires_at),
            ip: r.ip,
            user_agent: r.user_agent,
            current: current == Some(r.id_hash.as_slice()),
        })
        .collect())
}

/// Deletes one session; `owner` restricts it to that user's sessions. Returns the owner's email
/// when a session was deleted.
pub async fn revoke(db: impl sqlx::PgExecutor<'_>, handle: SessionHandle, owner: Option<UserId>) -> AppResult<Option<Email>> {
    let row = sqlx::query!(
        r#"DELETE FROM sessions s USING users u
           WHERE s.handle = $1 AND u.id = s.user_id AND ($2::UUID IS NULL OR s.user_id = $2)
           RETURNING u.email AS "email: Email""#,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_hardened_and_prefixed_over_https() {
        let plain = NewSession {
            secret: "abc".into(),
            secure: false,
        }
        .cookie();
        assert!(plain.starts_with("watchpost_session=abc"), "{plain}");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax") && plain.contains("Path=/"));
        assert!(!plain.contains("Secure"));
        let secure = NewSession {
            secret: "abc".into(),
            secure: true,
        }
        .cookie();
        assert!(
            secure.starts_with("__Host-watchpost_session=abc") && secure.contains("Secure"),
            "{secure}"
        );
        assert!(!secure.contains("Domain"));
    }

    #[test]
    fn the_secret_is_read_from_either_cookie_name() {
        let mut h = HeaderMap::new();
        h.insert(http::header::COOKIE, "theme=dark; watchpost_session=plain".parse().expect("header"));
        assert_eq!(secret_from(&h).as_deref(), Some("plain"));
        h.append(http::header::COOKIE, "__Host-watchpost_session=secure".parse().expect("header"));
        assert_eq!(secret_from(&h).as_deref(), Some("secure"));
        assert_eq!(secret_from(&HeaderMap::new()), None);
    }
}
