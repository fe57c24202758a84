//! Connections in Postgres: the admin's list of data sources, their settings and (encrypted)
//! secrets, and the demo connections' drills. Every change is audited in its own transaction.

use sqlx::types::Json;
use sqlx::PgPool;
use time::OffsetDateTime;

use super::policy::{check_access_key_id, check_profile, check_region, SourcePolicy};
use super::secrets::SecretCipher;
use crate::backend::audit::{self, Actor};
use crate::backend::db::is_unique_violation;
use crate::backend::ms;
use crate::domain::connection::{
    AwsCredentialMode, AwsForm, AwsSettings, ConnectionDetail, ConnectionSettings, DemoForm, DemoSettings, DrillInfo, DRILL_KINDS,
};
use crate::domain::{AuditAction, ConnectionId, ConnectionKind};
use crate::error::{AppError, AppResult};

/// The seed of the built-in demo world: every installation's demo is the same shop (only the
/// anchor differs), so documentation and screenshots match what a new user sees.
pub const DEFAULT_DEMO_SEED: u64 = 20_261_122;

/// A connection row with what only the server may see.
#[derive(Debug, Clone)]
pub struct Stored {
    pub detail: ConnectionDetail,
    pub secret: Option<Vec<u8>>,
    pub updated_at: OffsetDateTime,
}

struct Row {
    id: String,
    display_name: String,
    settings: Json<ConnectionSettings>,
    secret: Option<Vec<u8>>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl Row {
    fn into_stored(self) -> AppResult<Stored> {
        Ok(Stored {
            detail: ConnectionDetail {
                id: self.id.parse()?,
                display_name: self.display_name,
                settings: self.settings.0,
                has_secret: self.secret.is_some(),
                created_at_ms: ms(self.created_at),
                updated_at_ms: ms(self.updated_at),
            },
            secret: self.secret,
            updated_at: self.updated_at,
        })
    }
}

pub async fn list(db: &PgPool) -> AppResult<Vec<ConnectionDetail>> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id, display_name, settings AS "settings: Json<ConnectionSettings>", secret, created_at, updated_at
           FROM connections ORDER BY kind = 'demo' DESC, display_name, id"#
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|r| r.into_stored().map(|s| s.detail)).collect()
}

pub async fn get(db: &PgPool, id: &ConnectionId) -> AppResult<Option<Stored>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id, display_name, settings AS "settings: Json<ConnectionSettings>", secret, created_at, updated_at
           FROM connections WHERE id = $1"#,
        id.as_str()
    )
    .fetch_optional(db)
    .await?;
    row.map(Row::into_stored).transpose()
}

/// When it last changed (cheap check for the source cache), or None when it is gone.
pub async fn updated_at(db: &PgPool, id: &ConnectionId) -> AppResult<Option<OffsetDateTime>> {
    Ok(sqlx::query_scalar!("SELECT updated_at FROM connections WHERE id = $1", id.as_str())
        .fetch_optional(db)
        .await?)
}

/// Whether any connection holds an encrypted secret (the server refuses to start without the key
/// then).
pub async fn any_secret(db: &PgPool) -> AppResult<bool> {
    Ok(
        sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM connections WHERE secret IS NOT NULL) AS "e!""#)
            .fetch_one(db)
            .await?,
    )
}

pub fn display_name(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(AppError::validation("display_name", "use 1–80 characters"));
    }
    Ok(name.to_string())
}

/// Parses the AWS form against the guard rails. `previous` keeps the external id of an existing
/// assume-role connection (it is Watchpost's, generated once per connection).
pub fn parse_aws(policy: &SourcePolicy, form: &AwsForm, previous: Option<&AwsSettings>) -> AppResult<(AwsSettings, Option<String>)> {
    let region = check_region(&form.region)?;
    let endpoint_url = match form.endpoint_url.trim() {
        "" => None,
        e => Some(policy.check_endpoint(e)?),
    };
    let mut secret = None;
    let credentials = match form.mode.trim() {
        "" | "default_chain" => AwsCredentialMode::DefaultChain,
        "profile" => AwsCredentialMode::Profile {
            profile: check_profile(&form.profile)?,
        },
        "static_keys" => {
            let access_key_id = check_access_key_id(&form.access_key_id)?;
            let s = form.secret_access_key.trim();
            if !s.is_empty() {
                if s.len() < 16 || s.len() > 256 || s.chars().any(char::is_whitespace) {
                    return Err(AppError::validation("secret_access_key", "does not look like a secret access key"));
                }
                secret = Some(s.to_string());
            }
            AwsCredentialMode::StaticKeys { access_key_id }
        }
        "assume_role" => {
            let role_arn = policy.check_role_arn(&form.role_arn)?;
            let external_id = match previous.map(|p| &p.credentials) {
                Some(AwsCredentialMode::AssumeRole { external_id, .. }) => external_id.clone(),
                _ => format!("watchpost-{}", crate::backend::identity::password::random_secret(16)),
            };
            let source_profile = match form.profile.trim() {
                "" => None,
                p => Some(check_profile(p)?),
            };
            AwsCredentialMode::AssumeRole {
                role_arn,
                external_id,
                source_profile,
            }
        }
        other => {
            return Err(AppError::validation(
                "mode",
                format!(
                    "`{}` is not a credential mode; use default_chain, profile, static_keys or assume_role",
                    other.chars().take(40).collect::<String>()
                ),
            ))
        }
    };
    Ok((
        AwsSettings {
            region,
            credentials,
            endpoint_url,
        },
        secret,
    ))
}

fn parse_demo(form: &DemoForm, base: DemoSettings) -> AppResult<DemoSettings> {
    if !(0.0..=1.0).contains(&form.error_rate) {
        return Err(AppError::validation("error_rate", "between 0 and 1"));
    }
    if form.latency_ms > 30_000 {
        return Err(AppError::validation("latency_ms", "at most 30000"));
    }
    if !(0.1..=100.0).contains(&form.volume) {
        return Err(AppError::validation("volume", "between 0.1 and 100"));
    }
    Ok(DemoSettings {
        quotas: form.quotas,
        latency_ms: form.latency_ms,
        error_rate: form.error_rate,
        volume: form.volume,
        ..base
    })
}

/// A new demo world anchored now (the scripted incident is ~40 minutes in).
pub fn new_demo(seed: u64) -> DemoSettings {
    DemoSettings {
        seed,
        anchor_ms: ms(OffsetDateTime::now_utc()),
        version: 1,
        quotas: true,
        latency_ms: 0,
        error_rate: 0.0,
        volume: 1.0,
    }
}

async fn insert(
    db: &PgPool,
    actor: &Actor<'_>,
    id: &ConnectionId,
    name: &str,
    settings: &ConnectionSettings,
    secret: Option<Vec<u8>>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let kind = settings.kind();
    let res = sqlx::query!(
        "INSERT INTO connections (id, display_name, kind, settings, secret, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
        id.as_str(),
        name,
        kind as ConnectionKind,
        Json(settings) as _,
        secret,
        actor.user.map(|u| u.id.0),
    )
    .execute(&mut *tx)
    .await;
    match res {
        Err(e) if is_unique_violation(&e) => return Err(AppError::conflict(format!("a connection `{id}` already exists"))),
        other => {
            other?;
        }
    }
    audit::record(
        &mut *tx,
        actor,
        AuditAction::ConnectionCreate,
        None,
        serde_json::json!({"connection": id.as_str(), "kind": kind.as_str(), "settings": settings.describe()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_aws(
    db: &PgPool,
    actor: &Actor<'_>,
    policy: &SourcePolicy,
    cipher: Option<&SecretCipher>,
    id: &ConnectionId,
    name: &str,
    form: &AwsForm,
) -> AppResult<()> {
    let name = display_name(name)?;
    let (settings, secret) = parse_aws(policy, form, None)?;
    let sealed = seal_needed(cipher, id, &settings, secret)?;
    if matches!(settings.credentials, AwsCredentialMode::StaticKeys { .. }) && sealed.is_none() {
        return Err(AppError::validation(
            "secret_access_key",
            "a secret access key is needed with an access key id",
        ));
    }
    insert(db, actor, id, &name, &ConnectionSettings::Aws(settings), sealed).await
}

fn seal_needed(
    cipher: Option<&SecretCipher>,
    id: &ConnectionId,
    settings: &AwsSettings,
    secret: Option<String>,
) -> AppResult<Option<Vec<u8>>> {
    match (secret, matches!(settings.credentials, AwsCredentialMode::StaticKeys { .. })) {
        (Some(s), true) => {
            let cipher = cipher.ok_or_else(|| {
                AppError::validation(
                    "secret_access_key",
                    "this server has no WATCHPOST_SECRET_KEY, so it cannot store a secret key; use a role or the default credential chain (recommended), or set the key",
                )
            })?;
            Ok(Some(cipher.seal(id.as_str(), &s)?))
        }
        _ => Ok(None),
    }
}

/// Another demo world, with a seed of its own (the built-in one uses [`DEFAULT_DEMO_SEED`]).
pub async fn create_demo(db: &PgPool, actor: &Actor<'_>, id: &ConnectionId, name: &str) -> AppResult<()> {
    let name = display_name(name)?;
    insert(db, actor, id, &name, &ConnectionSettings::Demo(new_demo(rand::random())), None).await
}

/// Creates the built-in demo connection unless one named `demo` exists. True when it did.
pub async fn ensure_default_demo(db: &PgPool) -> AppResult<bool> {
    let settings = ConnectionSettings::Demo(new_demo(DEFAULT_DEMO_SEED));
    let done = sqlx::query!(
        "INSERT INTO connections (id, display_name, kind, settings) VALUES ($1, $2, 'demo', $3) ON CONFLICT (id) DO NOTHING",
        ConnectionId::DEMO,
        "Demo shop (synthetic)",
        Json(&settings) as _,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What an update changes besides the name.
#[derive(Debug, Clone, Copy)]
pub enum SettingsChange<'a> {
    Keep,
    Aws(&'a AwsForm),
    Demo(&'a DemoForm),
}

/// Renames and/or changes settings; the slug never changes. For AWS, an empty secret keeps the
/// stored one (it is write-only); a mode other than static keys drops it.
pub async fn update(
    db: &PgPool,
    actor: &Actor<'_>,
    policy: &SourcePolicy,
    cipher: Option<&SecretCipher>,
    id: &ConnectionId,
    name: &str,
    change: SettingsChange<'_>,
) -> AppResult<()> {
    let name = display_name(name)?;
    let current = get(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("connection `{id}`")))?;
    let (settings, secret) = match (&current.detail.settings, change) {
        (ConnectionSettings::Aws(prev), SettingsChange::Aws(form)) => {
            let (settings, secret) = parse_aws(policy, form, Some(prev))?;
            let is_static = matches!(settings.credentials, AwsCredentialMode::StaticKeys { .. });
            let sealed = match seal_needed(cipher, id, &settings, secret)? {
                Some(new) => Some(new),
                None if is_static => Some(
                    current
                        .secret
                        .clone()
                        .ok_or_else(|| AppError::validation("secret_access_key", "a secret access key is needed with an access key id"))?,
                ),
                None => None,
            };
            (ConnectionSettings::Aws(settings), sealed)
        }
        (ConnectionSettings::Demo(prev), SettingsChange::Demo(form)) => (ConnectionSettings::Demo(parse_demo(form, prev.clone())?), None),
        (settings, SettingsChange::Keep) => (settings.clone(), current.secret.clone()),
        (ConnectionSettings::Aws(_), SettingsChange::Demo(_)) | (ConnectionSettings::Demo(_), SettingsChange::Aws(_)) => {
            return Err(AppError::validation("kind", "the settings do not match the connection's kind"))
        }
    };
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE connections SET display_name = $2, settings = $3, secret = $4, updated_at = now() WHERE id = $1",
        id.as_str(),
        name,
        Json(&settings) as _,
        secret,
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::ConnectionUpdate,
        None,
        serde_json::json!({"connection": id.as_str(), "display_name": name, "settings": settings.describe()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove(db: &PgPool, actor: &Actor<'_>, id: &ConnectionId) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let gone = sqlx::query!("DELETE FROM connections WHERE id = $1", id.as_str())
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(AppError::not_found(format!("connection `{id}`")));
    }
    audit::record(
        &mut *tx,
        actor,
        AuditAction::ConnectionRemove,
        None,
        serde_json::json!({"connection": id.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

struct DrillRow {
    id: uuid::Uuid,
    connection_id: String,
    kind: String,
    service: String,
    started_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    ended_at: Option<OffsetDateTime>,
    started_by: Option<String>,
    running: bool,
}

impl DrillRow {
    fn info(self) -> AppResult<DrillInfo> {
        Ok(DrillInfo {
            id: self.id.to_string(),
            connection: self.connection_id.parse()?,
            kind: self.kind,
            service: self.service,
            started_at_ms: ms(self.started_at),
            ends_at_ms: ms(self.ends_at),
            ended_at_ms: self.ended_at.map(ms),
            started_by: self.started_by,
            running: self.running,
        })
    }
}

/// Every drill of a connection, newest first (the demo replays all of them: the past never changes).
pub async fn drills(db: &PgPool, id: &ConnectionId) -> AppResult<Vec<DrillInfo>> {
    let rows = sqlx::query_as!(
        DrillRow,
        r#"SELECT d.id, d.connection_id, d.kind, d.service, d.started_at, d.ends_at, d.ended_at, u.email AS "started_by?",
                  (d.ended_at IS NULL AND d.ends_at > now()) AS "running!"
           FROM demo_drills d LEFT JOIN users u ON u.id = d.started_by
           WHERE d.connection_id = $1 ORDER BY d.started_at DESC"#,
        id.as_str()
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(DrillRow::info).collect()
}

/// Starts a drill now for `minutes` on a demo connection.
pub async fn start_drill(
    db: &PgPool,
    actor: &Actor<'_>,
    id: &ConnectionId,
    kind: &str,
    service: &str,
    minutes: i64,
) -> AppResult<DrillInfo> {
    let stored = get(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("connection `{id}`")))?;
    if stored.detail.settings.kind() != ConnectionKind::Demo {
        return Err(AppError::validation("connection", "drills run on demo connections only"));
    }
    let parsed: demo::DrillKind = kind
        .parse()
        .map_err(|_| AppError::validation("kind", format!("use one of {}", DRILL_KINDS.map(|(k, _)| k).join(", "))))?;
    if !parsed.targets().contains(&service) {
        return Err(AppError::validation(
            "service",
            format!("a {kind} drill can target {}", parsed.targets().join(", ")),
        ));
    }
    if !(1..=24 * 60).contains(&minutes) {
        return Err(AppError::validation("minutes", "between 1 and 1440"));
    }
    let drill_id = uuid::Uuid::new_v4();
    let mut tx = db.begin().await?;
    let row = sqlx::query_as!(
        DrillRow,
        r#"INSERT INTO demo_drills (id, connection_id, kind, service, started_at, ends_at, started_by)
           VALUES ($1, $2, $3, $4, now(), now() + make_interval(mins => $5::int), $6)
           RETURNING id, connection_id, kind, service, started_at, ends_at, ended_at, NULL::text AS "started_by?", true AS "running!""#,
        drill_id,
        id.as_str(),
        parsed.as_str(),
        service,
        minutes as i32,
        actor.user.map(|u| u.id.0),
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::DrillStart,
        None,
        serde_json::json!({"connection": id.as_str(), "drill": drill_id.to_string(), "kind": parsed.as_str(), "service": service, "minutes": minutes}),
    )
    .await?;
    tx.commit().await?;
    let mut info = row.info()?;
    info.started_by = actor.user.map(|u| u.email.to_string());
    Ok(info)
}

/// Ends a running drill now (normal behaviour returns from this moment on).
pub async fn end_drill(db: &PgPool, actor: &Actor<'_>, drill: uuid::Uuid) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query_scalar!(
        "UPDATE demo_drills SET ended_at = now() WHERE id = $1 AND ended_at IS NULL AND ends_at > now() RETURNING connection_id",
        drill
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(connection) = done else {
        return Err(AppError::conflict("that drill has already ended"));
    };
    audit::record(
        &mut *tx,
        actor,
        AuditAction::DrillEnd,
        None,
        serde_json::json!({"connection": connection, "drill": drill.to_string()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One acted-on alarm transition; 1 when new, 0 when another replica (or an earlier pass) had it.
#[allow(clippy::too_many_arguments)]
pub async fn record_alarm_action(
    db: &PgPool,
    id: &ConnectionId,
    alarm: &str,
    at: OffsetDateTime,
    old: &str,
    new: &str,
    reason: &str,
    drill: Option<&str>,
) -> AppResult<u64> {
    let done = sqlx::query!(
        "INSERT INTO alarm_actions (connection_id, alarm_name, transition_at, old_state, new_state, reason, drill_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        id.as_str(),
        alarm,
        at,
        old,
        new,
        reason,
        drill,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
