//! Sign-in throttling per account and per client address, kept in Postgres so that every
//! replica sees the same counts.

use sqlx::PgPool;

use super::state::Settings;
use crate::error::{AppError, AppResult};

/// Refuses (429) when the account or the address has too many recent failures.
#[tracing::instrument(skip(db, settings))]
pub async fn check(db: &PgPool, settings: &Settings, email: &str, ip: &str) -> AppResult<()> {
    let window = settings.throttle_window.as_secs_f64();
    let row = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM login_failures WHERE email = $1 AND at > now() - make_interval(secs => $3)) AS "by_email!",
             (SELECT count(*) FROM login_failures WHERE ip = $2 AND at > now() - make_interval(secs => $3)) AS "by_ip!""#,
        email,
        ip,
        window,
    )
    .fetch_one(db)
    .await?;
    if row.by_email >= settings.max_failures_per_account || row.by_ip >= settings.max_failures_per_ip {
        let minutes = settings.throttle_window.as_secs().div_ceil(60);
        return Err(AppError::TooManyRequests {
            message: format!("Too many failed sign-ins. Wait {minutes} minutes, or ask an admin to reset your password."),
            retry_after_secs: settings.throttle_window.as_secs(),
        });
    }
    Ok(())
}

pub async fn record_failure(db: &PgPool, email: &str, ip: &str) -> AppResult<()> {
    sqlx::query!("INSERT INTO login_failures (email, ip) VALUES ($1, $2)", email, ip)
        .execute(db)
        .await?;
    Ok(())
}

/// A successful sign-in forgives the account's failures (not the address's).
pub async fn clear_account(db: &PgPool, email: &str) -> AppResult<()> {
    sqlx::query!("DELETE FROM login_failures WHERE email = $1", email)
        .execute(db)
        .await?;
    Ok(())
}

/// Drops failures older than any window could look at.
pub async fn prune(db: &PgPool) -> AppResult<u64> {
    Ok(sqlx::query!("DELETE FROM login_failures WHERE at < now() - interval '1 day'")
        .execute(db)
        .await?
        .rows_affected())
}
