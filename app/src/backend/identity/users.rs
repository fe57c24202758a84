//! Accounts: creation, sign-in, roles, passwords, deactivation. Each change is written with its
//! audit entry in one transaction.

use sqlx::PgPool;

use super::audit::{self, Actor};
use super::auth::{hash_password, random_secret, verify_password, ClientMeta};
use super::db_error::is_unique_violation;
use super::sessions;
use super::state::Settings;
use super::throttle;
use crate::domain::ids::UserId;
use crate::domain::user::{CurrentUser, Email, Role, UserSummary};
use crate::error::{AppError, AppResult};

/// The active user with this id, as the current request's user.
pub async fn load_current(db: &PgPool, id: UserId) -> AppResult<Option<CurrentUser>> {
    let row = sqlx::query!("SELECT id, email, display_name, role FROM users WHERE id = $1 AND active", id.0)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(CurrentUser {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            role: r.role.parse()?,
        })
    })
    .transpose()
}

/// Checks a password sign-in, with throttling per account and per address. Every outcome is
/// audited; a wrong email and a wrong password get the same answer in the same time.
#[tracing::instrument(skip(db, settings, password, client), fields(email = %email))]
pub async fn authenticate(
    db: &PgPool,
    settings: &Settings,
    email: &Email,
    password: String,
    client: &ClientMeta,
) -> AppResult<CurrentUser> {
    let ip = client.ip.clone().unwrap_or_else(|| "unknown".into());
    throttle::check(db, settings, email.as_str(), &ip).await?;
    let row = sqlx::query!(
        "SELECT id, email, display_name, role, password_hash, active FROM users WHERE email = $1",
        email.as_str()
    )
    .fetch_optional(db)
    .await?;
    let ok = verify_password(row.as_ref().map(|r| r.password_hash.clone()), password).await?;
    let actor = Actor {
        user: None,
        client: Some(client),
    };
    match row {
        Some(r) if ok && r.active => {
            let user = CurrentUser {
                id: UserId(r.id),
                email: r.email,
                display_name: r.display_name,
                role: r.role.parse()?,
            };
            throttle::clear_account(db, email.as_str()).await?;
            let mut tx = db.begin().await?;
            sqlx::query!("UPDATE users SET last_sign_in_at = now() WHERE id = $1", user.id.0)
                .execute(&mut *tx)
                .await?;
            audit::record(
                &mut *tx,
                &Actor::user(&user, client),
                "auth.sign_in",
                Some(email.as_str()),
                serde_json::json!({}),
            )
            .await?;
            tx.commit().await?;
            Ok(user)
        }
        Some(r) if ok && !r.active => {
            audit::record(
                db,
                &actor,
                "auth.sign_in_refused",
                Some(email.as_str()),
                serde_json::json!({"reason": "deactivated"}),
            )
            .await?;
            Err(AppError::Forbidden {
                needed: "an active account".into(),
                have: "a deactivated account".into(),
            })
        }
        _ => {
            throttle::record_failure(db, email.as_str(), &ip).await?;
            audit::record(db, &actor, "auth.sign_in_failed", Some(email.as_str()), serde_json::json!({})).await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

#[tracing::instrument(skip(db, actor, new), fields(email = %new.email, role = %new.role))]
pub async fn create(db: &PgPool, actor: &Actor<'_>, new: NewUser) -> AppResult<UserId> {
    let hash = hash_password(new.password).await?;
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO users (email, display_name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id",
        new.email.as_str(),
        new.display_name,
        hash,
        new.role.as_str(),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::conflict(format!("an account for {} already exists", new.email))
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut *tx,
        actor,
        "user.create",
        Some(new.email.as_str()),
        serde_json::json!({"role": new.role}),
    )
    .await?;
    tx.commit().await?;
    Ok(UserId(id))
}

#[tracing::instrument(skip(db))]
pub async fn list(db: &PgPool) -> AppResult<Vec<UserSummary>> {
    let rows = sqlx::query!("SELECT id, email, display_name, role, active, created_at, last_sign_in_at FROM users ORDER BY email")
        .fetch_all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(UserSummary {
                id: UserId(r.id),
                email: r.email,
                display_name: r.display_name,
                role: r.role.parse()?,
                active: r.active,
                created_at_ms: super::ms(r.created_at),
                last_sign_in_ms: r.last_sign_in_at.map(super::ms),
            })
        })
        .collect()
}

/// Fails with Conflict if `id` is the last active admin and the change would remove that.
async fn keep_an_admin(tx: &mut sqlx::PgConnection, id: UserId) -> AppResult<()> {
    let others = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users WHERE role = 'admin' AND active AND id <> $1"#,
        id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    if others == 0 {
        return Err(AppError::conflict(
            "this is the last active admin; make someone else an admin first",
        ));
    }
    Ok(())
}

/// Locks the user row and returns (email, role, active).
async fn lock_user(tx: &mut sqlx::PgConnection, id: UserId) -> AppResult<(String, Role, bool)> {
    let r = sqlx::query!("SELECT email, role, active FROM users WHERE id = $1 FOR UPDATE", id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("that user"))?;
    Ok((r.email, r.role.parse()?, r.active))
}

#[tracing::instrument(skip(db, actor))]
pub async fn set_role(db: &PgPool, actor: &Actor<'_>, id: UserId, role: Role) -> AppResult<()> {
    let mut tx = db.begin().await?;
    // Serialise admin changes so two concurrent demotions cannot both pass the last-admin check.
    sqlx::query!("SELECT pg_advisory_xact_lock(4242001)").execute(&mut *tx).await?;
    let (email, old, _) = lock_user(&mut tx, id).await?;
    if old == Role::Admin && role != Role::Admin {
        keep_an_admin(&mut tx, id).await?;
    }
    sqlx::query!("UPDATE users SET role = $2, updated_at = now() WHERE id = $1", id.0, role.as_str())
        .execute(&mut *tx)
        .await?;
    // A token may never outrank its owner.
    sqlx::query!(
        "UPDATE api_tokens SET role = $2 WHERE user_id = $1 AND
           (CASE role WHEN 'admin' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END) >
           (CASE $2 WHEN 'admin' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END)",
        id.0,
        role.as_str()
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        "user.role_change",
        Some(&email),
        serde_json::json!({"from": old, "to": role}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[tracing::instrument(skip(db, actor))]
pub async fn set_active(db: &PgPool, actor: &Actor<'_>, id: UserId, active: bool) -> AppResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock(4242001)").execute(&mut *tx).await?;
    let (email, role, was) = lock_user(&mut tx, id).await?;
    if was == active {
        return Ok(());
    }
    if !active && role == Role::Admin {
        keep_an_admin(&mut tx, id).await?;
    }
    sqlx::query!("UPDATE users SET active = $2, updated_at = now() WHERE id = $1", id.0, active)
        .execute(&mut *tx)
        .await?;
    if !active {
        sessions::revoke_all_for_user(&mut *tx, id, None).await?;
    }
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    audit::record(&mut *tx, actor, action, Some(&email), serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new random password, ends all the user's sessions, and returns the password (shown
/// once to the admin, who passes it on).
#[tracing::instrument(skip(db, actor))]
pub async fn reset_password(db: &PgPool, actor: &Actor<'_>, id: UserId) -> AppResult<String> {
    let password = random_secret(16);
    let hash = hash_password(password.clone()).await?;
    let mut tx = db.begin().await?;
    let (email, _, _) = lock_user(&mut tx, id).await?;
    sqlx::query!("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", id.0, hash)
        .execute(&mut *tx)
        .await?;
    let ended = sessions::revoke_all_for_user(&mut *tx, id, None).await?;
    sqlx::query!("DELETE FROM login_failures WHERE email = $1", email)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        actor,
        "user.password_reset",
        Some(&email),
        serde_json::json!({"sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// Changes one's own password after checking the current one; every other session ends.
#[tracing::instrument(skip(db, actor, current, new, keep_session))]
pub async fn change_password(
    db: &PgPool,
    actor: &Actor<'_>,
    user: &CurrentUser,
    current: String,
    new: String,
    keep_session: Option<&[u8]>,
) -> AppResult<()> {
    let hash = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", user.id.0)
        .fetch_one(db)
        .await?;
    if !verify_password(Some(hash), current).await? {
        return Err(AppError::validation("current password", "is not right"));
    }
    let new_hash = hash_password(new).await?;
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
        user.id.0,
        new_hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = sessions::revoke_all_for_user(&mut *tx, user.id, keep_session).await?;
    audit::record(
        &mut *tx,
        actor,
        "user.password_change",
        Some(&user.email),
        serde_json::json!({"sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes sure an admin exists. With `email`, that account is created (as admin) when missing;
/// returns the generated password when one was made up.
pub async fn ensure_admin(db: &PgPool, email: &Email, password: Option<String>) -> AppResult<Option<String>> {
    let exists = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users WHERE email = $1"#, email.as_str())
        .fetch_one(db)
        .await?;
    if exists > 0 {
        return Ok(None);
    }
    let generated = password.is_none();
    let password = password.unwrap_or_else(|| random_secret(16));
    let new = NewUser {
        email: email.clone(),
        display_name: email.as_str().split('@').next().unwrap_or("admin").to_string(),
        role: Role::Admin,
        password: password.clone(),
    };
    match create(db, &Actor::system(), new).await {
        Ok(_) => Ok(generated.then_some(password)),
        // Another replica created it at the same moment.
        Err(AppError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn any_admin(db: &PgPool) -> AppResult<bool> {
    Ok(
        sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active) AS "e!""#)
            .fetch_one(db)
            .await?,
    )
}
