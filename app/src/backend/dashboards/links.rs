//! Public links in Postgres: create (the token is made here from the operating system's random
//! source and returned once; only its SHA-256 is stored), list, revoke, and resolve a token back
//! to its link and dashboard. Creating and revoking are audited in the same transaction.
//!
//! A token is looked up by its hash, so no comparison of secrets happens here (and none needs to
//! be constant-time). This module never decides what a link may *see*: that is
//! [`super::public`]'s.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::backend::audit::{self, Actor};
use crate::backend::identity::password::sha256;
use crate::backend::ms;
use crate::domain::dashboard::DashboardDoc;
use crate::domain::link::{LinkExpiry, LinkInfo, LinkLabel, LinkStatus, NewLink};
use crate::domain::{AuditAction, DashboardId, LinkId};
use crate::error::{AppError, AppResult};

/// Random bytes in a token (256 bits).
pub const TOKEN_BYTES: usize = 32;
/// Characters of a token's text (base64url without padding of [`TOKEN_BYTES`]).
pub const TOKEN_CHARS: usize = 43;

/// A new token's text and the hash that is stored for it.
pub fn new_token() -> AppResult<(String, Vec<u8>)> {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "the operating system's random source failed");
        AppError::Internal {
            reference: "random".into(),
        }
    })?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256(token.as_bytes());
    Ok((token, hash))
}

/// The stored hash of `token`, or `None` when it cannot be a token at all (wrong length or
/// alphabet), which is answered like an unknown one without asking the database.
pub fn token_hash(token: &str) -> Option<Vec<u8>> {
    let decoded = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
    (token.len() == TOKEN_CHARS && decoded.len() == TOKEN_BYTES).then(|| sha256(token.as_bytes()))
}

struct Row {
    id: Uuid,
    label: String,
    created_by: Option<String>,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
}

impl From<Row> for LinkInfo {
    fn from(r: Row) -> Self {
        let status = LinkStatus::at(ms(OffsetDateTime::now_utc()), ms(r.expires_at), r.revoked_at.is_some());
        LinkInfo {
            status,
            id: LinkId(r.id),
            label: r.label,
            created_by: r.created_by,
            created_at_ms: ms(r.created_at),
            expires_at_ms: ms(r.expires_at),
            revoked_at_ms: r.revoked_at.map(ms),
            last_used_ms: r.last_used_at.map(ms),
        }
    }
}

/// Makes a link to `dashboard` that lives for `expiry`.
#[tracing::instrument(skip(db, actor, label))]
pub async fn create(db: &PgPool, actor: &Actor<'_>, dashboard: DashboardId, label: &LinkLabel, expiry: LinkExpiry) -> AppResult<NewLink> {
    let (token, hash) = new_token()?;
    let id = Uuid::new_v4();
    let by = actor.user.map(|u| u.id.0);
    let mut tx = db.begin().await?;
    let title = sqlx::query_scalar!("SELECT title FROM dashboards WHERE id = $1 FOR SHARE", dashboard.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("that dashboard"))?;
    let row = sqlx::query!(
        "INSERT INTO dashboard_links (id, dashboard_id, token_hash, label, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6))
         RETURNING created_at, expires_at",
        id,
        dashboard.0,
        hash,
        label.as_str(),
        by,
        // Hours, not days: a day of the session's time zone can be 23 or 25 hours long.
        expiry.days() * 24,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::DashboardLinkCreate,
        None,
        json!({"dashboard": dashboard.0, "title": title, "link": id, "label": label.as_str(), "expires": expiry.as_param()}),
    )
    .await?;
    tx.commit().await?;
    Ok(NewLink {
        info: LinkInfo {
            id: LinkId(id),
            label: label.as_str().to_string(),
            created_by: actor.user.map(|u| u.display_name.to_string()),
            created_at_ms: ms(row.created_at),
            expires_at_ms: ms(row.expires_at),
            revoked_at_ms: None,
            last_used_ms: None,
            status: LinkStatus::Live,
        },
        token,
    })
}

/// The dashboard's links, newest first, revoked and expired ones included (the list says so).
pub async fn list(db: &PgPool, dashboard: DashboardId) -> AppResult<Vec<LinkInfo>> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT l.id, l.label, u.display_name AS "created_by?", l.created_at, l.expires_at, l.revoked_at, l.last_used_at
           FROM dashboard_links l LEFT JOIN users u ON u.id = l.created_by
           WHERE l.dashboard_id = $1 ORDER BY l.created_at DESC, l.id"#,
        dashboard.0
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(LinkInfo::from).collect())
}

/// Revokes link `id` of `dashboard` at once (a link of another dashboard is not found).
/// Revoking a revoked link again changes nothing and records nothing.
#[tracing::instrument(skip(db, actor))]
pub async fn revoke(db: &PgPool, actor: &Actor<'_>, dashboard: DashboardId, id: LinkId) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let revoked = sqlx::query_scalar!(
        r#"UPDATE dashboard_links SET revoked_at = now()
           WHERE id = $1 AND dashboard_id = $2 AND revoked_at IS NULL RETURNING label"#,
        id.0,
        dashboard.0
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(label) = revoked else {
        let exists = sqlx::query_scalar!(
            r#"SELECT 1 AS "one!" FROM dashboard_links WHERE id = $1 AND dashboard_id = $2"#,
            id.0,
            dashboard.0
        )
        .fetch_optional(&mut *tx)
        .await?;
        return match exists {
            Some(_) => Ok(()),
            None => Err(AppError::not_found("that link")),
        };
    };
    audit::record(
        &mut *tx,
        actor,
        AuditAction::DashboardLinkRevoke,
        None,
        json!({"dashboard": dashboard.0, "link": id.0, "label": label}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A live link and its dashboard.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub link: LinkId,
    pub expires_at_ms: i64,
    pub doc: DashboardDoc,
}

/// The link a token opens, with its dashboard, when the token is one of ours and the link is
/// neither revoked nor expired; `None` otherwise (the three look the same to the asker).
/// Marks the link used (at most once a minute, so a wall display does not write on every
/// refresh).
pub async fn resolve(db: &PgPool, token: &str) -> AppResult<Option<Resolved>> {
    let Some(hash) = token_hash(token) else {
        return Ok(None);
    };
    let Some(row) = sqlx::query!(
        "SELECT id, dashboard_id, expires_at, last_used_at FROM dashboard_links
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()",
        hash
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let Some(doc) = super::get(db, DashboardId(row.dashboard_id)).await? else {
        return Ok(None);
    };
    let stale = row
        .last_used_at
        .is_none_or(|t| OffsetDateTime::now_utc() - t > time::Duration::minutes(1));
    if stale {
        sqlx::query!("UPDATE dashboard_links SET last_used_at = now() WHERE id = $1", row.id)
            .execute(db)
            .await?;
    }
    Ok(Some(Resolved {
        link: LinkId(row.id),
        expires_at_ms: ms(row.expires_at),
        doc,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_token_is_256_random_bits_in_43_url_safe_characters() {
        let (a, ha) = new_token().expect("token");
        let (b, hb) = new_token().expect("token");
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(a.len(), TOKEN_CHARS);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{a}");
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).map(|d| d.len()).ok(), Some(TOKEN_BYTES));
        // The stored hash is the SHA-256 of the text, and the text finds it again.
        assert_eq!(ha.len(), 32);
        assert_eq!(token_hash(&a), Some(ha));
    }

    #[test]
    fn what_cannot_be_a_token_has_no_hash() {
        let (t, _) = new_token().expect("token");
        for bad in [
            String::new(),
            t[..TOKEN_CHARS - 1].to_string(),
            format!("{t}A"),
            format!("{t}="),
            t.replace(|c: char| c.is_ascii_alphanumeric(), "+"),
            "x".repeat(TOKEN_CHARS),
        ] {
            assert_eq!(token_hash(&bad), None, "{bad:?}");
        }
    }

    proptest! {
        /// Any 32 bytes encode to a token that hashes to the SHA-256 of its text, and a token
        /// with one character changed hashes to something else (or is not a token).
        #[test]
        fn tokens_and_hashes_round_trip(bytes in proptest::array::uniform32(any::<u8>()), at in 0usize..TOKEN_CHARS) {
            let token = URL_SAFE_NO_PAD.encode(bytes);
            let hash = token_hash(&token);
            prop_assert_eq!(hash.clone(), Some(sha256(token.as_bytes())));
            prop_assert_eq!(URL_SAFE_NO_PAD.decode(&token).ok(), Some(bytes.to_vec()));
            let mut chars: Vec<char> = token.chars().collect();
            chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
            let other: String = chars.into_iter().collect();
            prop_assert_ne!(token_hash(&other), hash);
        }
    }
}
