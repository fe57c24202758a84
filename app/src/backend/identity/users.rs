//! Accounts: creation, roles, passwords, deactivation. Each change is written with its audit
//! entry in one transaction.

use sqlx::PgPool;

use super::password::{generated_password, PasswordHasher};
use super::{sessions, throttle, tokens, Caller, Identity};
use crate::backend::audit::{self, Actor};
use crate::backend::db::is_unique_violation;
use crate::domain::user::UserSummary;
use crate::domain::{AuditAction, CurrentUser, DisplayName, Email, NewPassword, Role, UserId};
use crate::error::{AppError, AppResult};

/// What a sign-in checks: the account, its hash, whether it may sign in.
pub(super) struct Credentials {
    pub user: CurrentUser,
    pub password_hash: String,
    pub active: bool,
}

pub(super) async fn credentials(db: &PgPool, email: &Email) -> AppResult<Option<Credentials>> {
    let row = sqlx::query!(
        r#"SELECT id, email AS "email: Email", display_name AS "display_name: DisplayName", role AS "role: Role",
                  password_hash, active
           FROM users WHERE email = $1"#,
        email.as_str()
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Credentials {
        user: CurrentUser {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            role: r.role,
        },
        password_hash: r.password_hash,
        active: r.active,
    }))
}

/// The active account with this email (for the command line, which acts on someone's behalf).
pub async fn active_by_email(db: &PgPool, email: &Email) -> AppResult<Option<CurrentUser>> {
    Ok(credentials(db, email).await?.filter(|c| c.active).map(|c| c.user))
}

pub struct NewUser {
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: NewPassword,
}

#[tracing::instrument(skip(db, hasher, actor, new), fields(email = %new.email, role = %new.role))]
pub async fn create(db: &PgPool, hasher: &PasswordHasher, actor: &Actor<'_>, new: NewUser) -> AppResult<UserId> {
    let hash = hasher.hash(&new.password).await?;
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO users (email, display_name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id",
        new.email.as_str(),
        new.display_name.as_str(),
        hash,
        new.role as Role,
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
        AuditAction::UserCreate,
        Some(&new.email),
        serde_json::json!({"role": new.role}),
    )
    .await?;
    tx.commit().await?;
    Ok(UserId(id))
}

#[tracing::instrument(skip(db))]
pub async fn list(db: &PgPool) -> AppResult<Vec<UserSummary>> {
    let rows = sqlx::query!(
        r#"SELECT id, email AS "email: Email", display_name AS "display_name: DisplayName", role AS "role: Role",
                  active, created_at, last_sign_in_at
           FROM users ORDER BY email"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| UserSummary {
            id: UserId(r.id),
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            active: r.active,
            created_at_ms: crate::backend::ms(r.created_at),
            last_sign_in_ms: r.last_sign_in_at.map(crate::backend::ms),
        })
        .collect())
}

/// Serialises every change that could remove the last admin, so two concurrent demotions cannot
/// both pass the check.
async fn lock_admins(tx: &mut sqlx::PgConnection) -> AppResult<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(4242001)").execute(&mut *tx).await?;
    Ok(())
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

struct Locked {
    email: Email,
    role: Role,
    active: bool,
}

async fn lock_user(tx: &mut sqlx::PgConnection, id: UserId) -> AppResult<Locked> {
    let r = sqlx::query!(
        r#"SELECT email AS "email: Email", role AS "role: Role", active FROM users WHERE id = $1 FOR UPDATE"#,
        id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("that user"))?;
    Ok(Locked {
        email: r.email,
        role: r.role,
        active: r.active,
    })
}

#[tracing::instrument(skip(db, actor))]
pub async fn set_role(db: &PgPool, actor: &Actor<'_>, id: UserId, role: Role) -> AppResult<()> {
    let mut tx = db.begin().await?;
    lock_admins(&mut tx).await?;
    let old = lock_user(&mut tx, id).await?;
    if old.role == Role::Admin && role != Role::Admin {
        keep_an_admin(&mut tx, id).await?;
    }
    sqlx::query!("UPDATE users SET role = $2, updated_at = now() WHERE id = $1", id.0, role as Role)
        .execute(&mut *tx)
        .await?;
    let capped = tokens::cap_roles(&mut *tx, id, role).await?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::RoleChange,
        Some(&old.email),
        serde_json::json!({"from": old.role, "to": role, "tokens_lowered": capped}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[tracing::instrument(skip(db, actor))]
pub async fn set_active(db: &PgPool, actor: &Actor<'_>, id: UserId, active: bool) -> AppResult<()> {
    let mut tx = db.begin().await?;
    lock_admins(&mut tx).await?;
    let user = lock_user(&mut tx, id).await?;
    if user.active == active {
        return Ok(());
    }
    if !active && user.role == Role::Admin {
        keep_an_admin(&mut tx, id).await?;
    }
    sqlx::query!("UPDATE users SET active = $2, updated_at = now() WHERE id = $1", id.0, active)
        .execute(&mut *tx)
        .await?;
    if !active {
        sessions::revoke_all_for_user(&mut *tx, id, None).await?;
    }
    let action = if active { AuditAction::Reactivate } else { AuditAction::Deactivate };
    audit::record(&mut *tx, actor, action, Some(&user.email), serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new random password, ends all the user's sessions, revokes their API tokens, forgets
/// their failed sign-ins, and returns the password (shown once to the admin, who passes it on).
#[tracing::instrument(skip(db, hasher, actor))]
pub async fn reset_password(db: &PgPool, hasher: &PasswordHasher, actor: &Actor<'_>, id: UserId) -> AppResult<NewPassword> {
    let password = generated_password();
    let hash = hasher.hash(&password).await?;
    let mut tx = db.begin().await?;
    let user = lock_user(&mut tx, id).await?;
    sqlx::query!("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", id.0, hash)
        .execute(&mut *tx)
        .await?;
    let sessions_ended = sessions::revoke_all_for_user(&mut *tx, id, None).await?;
    let tokens_revoked = tokens::revoke_all_for_user(&mut *tx, id).await?;
    throttle::clear_account(&mut *tx, &user.email).await?;
    audit::record(
        &mut *tx,
        actor,
        AuditAction::PasswordReset,
        Some(&user.email),
        serde_json::json!({"sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked}),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// Changes one's own password after checking the current one. The check is throttled like a
/// sign-in (a stolen session must not become a password oracle) and a wrong answer is audited.
/// Every other session ends and every API token is revoked.
#[tracing::instrument(skip_all, fields(user = %caller_user.email))]
pub async fn change_password(
    db: &PgPool,
    identity: &Identity,
    caller_user: &CurrentUser,
    caller: &Caller,
    current: String,
    new: NewPassword,
) -> AppResult<()> {
    let actor = Actor::user(caller_user, &caller.client);
    let ip = caller.client.ip.as_deref().unwrap_or("unknown");
    let attempt = throttle::begin(db, &identity.settings().throttle, &caller_user.email, ip).await?;
    let hash = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", caller_user.id.0)
        .fetch_one(db)
        .await?;
    if !identity.hasher().verify(Some(hash), current).await? {
        audit::record(
            db,
            &actor,
            AuditAction::PasswordChangeFailed,
            Some(&caller_user.email),
            serde_json::json!({}),
        )
        .await?;
        return Err(AppError::validation("current password", "is not right"));
    }
    attempt.succeeded(db).await?;
    let new_hash = identity.hasher().hash(&new).await?;
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
        caller_user.id.0,
        new_hash
    )
    .execute(&mut *tx)
    .await?;
    let sessions_ended = sessions::revoke_all_for_user(&mut *tx, caller_user.id, caller.session_hash()).await?;
    let tokens_revoked = tokens::revoke_all_for_user(&mut *tx, caller_user.id).await?;
    audit::record(
        &mut *tx,
        &actor,
        AuditAction::PasswordChange,
        Some(&caller_user.email),
        serde_json::json!({"sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes sure an admin exists. With `email`, that account is created (as admin) when missing;
/// returns the generated password when one was made up.
pub async fn ensure_admin(
    db: &PgPool,
    hasher: &PasswordHasher,
    email: &Email,
    password: Option<NewPassword>,
) -> AppResult<Option<NewPassword>> {
    let exists = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users WHERE email = $1"#, email.as_str())
        .fetch_one(db)
        .await?;
    if exists > 0 {
        return Ok(None);
    }
    let generated = password.is_none();
    let password = password.unwrap_or_else(generated_password);
    let new = NewUser {
        email: email.clone(),
        display_name: DisplayName::from_email(email),
        role: Role::Admin,
        password: password.clone(),
    };
    match create(db, hasher, &Actor::system(), new).await {
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
