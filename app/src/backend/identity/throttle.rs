//! Sign-in throttling, kept in Postgres so that every replica sees the same counts.
//!
//! Three limits over a sliding window: failures per (account, address) pair — the one a real
//! owner meets, and the only one an attacker elsewhere cannot push them into — a higher ceiling
//! per account (an attack from many addresses), and one per address (one address guessing many
//! accounts).
//!
//! Counting is atomic: [`begin`] reserves the attempt as a failure under advisory locks on the
//! account and the address *before* the password is checked, so a burst of concurrent attempts
//! gets exactly the limit, not the limit times the burst. A correct password removes the
//! reservation ([`Attempt::succeeded`]); a wrong one leaves it counted.

use sqlx::PgPool;
use std::time::Duration;

use crate::domain::time_range::wait_in_words;
use crate::domain::Email;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct ThrottleSettings {
    pub window: Duration,
    /// Failures allowed for one account from one address.
    pub max_per_account_address: i64,
    /// Failures allowed for one account from all addresses together.
    pub max_per_account: i64,
    /// Failures allowed from one address over all accounts.
    pub max_per_address: i64,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            max_per_account_address: 5,
            max_per_account: 50,
            max_per_address: 20,
        }
    }
}

/// Lock namespaces for `pg_advisory_xact_lock(int, int)`: always account first, then address,
/// so two attempts can never wait on each other in a cycle.
const LOCK_ACCOUNT: i32 = 7_001;
const LOCK_ADDRESS: i32 = 7_002;

/// A reserved attempt: counted as a failure until [`Attempt::succeeded`] says otherwise.
#[must_use = "an attempt is a failure unless it is marked as succeeded"]
pub struct Attempt {
    id: i64,
    email: Email,
    ip: String,
}

/// Reserves one attempt for `email` from `ip`, or refuses with 429 when a limit is reached.
#[tracing::instrument(skip(db, settings))]
pub async fn begin(db: &PgPool, settings: &ThrottleSettings, email: &Email, ip: &str) -> AppResult<Attempt> {
    let window = settings.window.as_secs_f64();
    let mut tx = db.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1, hashtext($2))", LOCK_ACCOUNT, email.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1, hashtext($2))", LOCK_ADDRESS, ip)
        .execute(&mut *tx)
        .await?;
    let c = sqlx::query!(
        r#"SELECT
             count(*) FILTER (WHERE email = $1 AND ip = $2) AS "pair!",
             count(*) FILTER (WHERE email = $1) AS "account!",
             count(*) FILTER (WHERE ip = $2) AS "address!",
             EXTRACT(EPOCH FROM (min(at) FILTER (WHERE email = $1 AND ip = $2) + make_interval(secs => $3) - now()))::FLOAT8 AS pair_free_in,
             EXTRACT(EPOCH FROM (min(at) FILTER (WHERE email = $1) + make_interval(secs => $3) - now()))::FLOAT8 AS account_free_in,
             EXTRACT(EPOCH FROM (min(at) FILTER (WHERE ip = $2) + make_interval(secs => $3) - now()))::FLOAT8 AS address_free_in
           FROM login_failures
           WHERE (email = $1 OR ip = $2) AND at > now() - make_interval(secs => $3)"#,
        email.as_str(),
        ip,
        window,
    )
    .fetch_one(&mut *tx)
    .await?;
    let over = [
        (c.pair >= settings.max_per_account_address, c.pair_free_in),
        (c.account >= settings.max_per_account, c.account_free_in),
        (c.address >= settings.max_per_address, c.address_free_in),
    ];
    if let Some(free_in) = over
        .iter()
        .filter(|(hit, _)| *hit)
        .map(|(_, f)| f.unwrap_or(window))
        .reduce(f64::max)
    {
        // Nothing to commit: the transaction only held the locks.
        let secs = free_in.ceil().max(1.0) as u64;
        return Err(too_many(secs));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO login_failures (email, ip) VALUES ($1, $2) RETURNING id",
        email.as_str(),
        ip
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt {
        id,
        email: email.clone(),
        ip: ip.to_string(),
    })
}

/// The 429 a throttled caller sees, with the real wait (not a fixed "15 minutes").
pub fn too_many(retry_after_secs: u64) -> AppError {
    AppError::TooManyRequests {
        message: format!(
            "Too many failed sign-ins. Try again in {}, or ask an admin to reset your password.",
            wait_in_words(retry_after_secs)
        ),
        retry_after_secs,
    }
}

impl Attempt {
    /// The credential was right: the reservation goes, and so do this pair's earlier failures
    /// (never other addresses' failures: those may be an attacker's and must keep counting).
    pub async fn succeeded(self, db: &PgPool) -> AppResult<()> {
        sqlx::query!(
            "DELETE FROM login_failures WHERE id = $1 OR (email = $2 AND ip = $3)",
            self.id,
            self.email.as_str(),
            self.ip
        )
        .execute(db)
        .await?;
        Ok(())
    }
}

/// Forgets an account's failures (an admin's password reset).
pub async fn clear_account(db: impl sqlx::PgExecutor<'_>, email: &Email) -> AppResult<()> {
    sqlx::query!("DELETE FROM login_failures WHERE email = $1", email.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ThrottleSettings {
        ThrottleSettings {
            window: Duration::from_secs(600),
            max_per_account_address: 3,
            max_per_account: 5,
            max_per_address: 4,
        }
    }

    fn ann() -> Email {
        "ann@example.com".parse().expect("email")
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn concurrent_attempts_get_exactly_the_limit(db: PgPool) {
        let s = settings();
        let email = ann();
        let attempts = (0..12).map(|_| begin(&db, &s, &email, "10.0.0.1"));
        let results = futures::future::join_all(attempts).await;
        let allowed = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(allowed, 3, "a burst gets the per-pair limit, not more");
        assert!(results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, AppError::TooManyRequests { retry_after_secs, .. } if *retry_after_secs <= 600)));
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn an_attacker_elsewhere_cannot_lock_out_the_owner_below_the_ceiling(db: PgPool) {
        let s = settings();
        let email = ann();
        for _ in 0..3 {
            let _ = begin(&db, &s, &email, "203.0.113.9").await.expect("counted");
        }
        assert!(
            begin(&db, &s, &email, "203.0.113.9").await.is_err(),
            "the attacker's pair is throttled"
        );
        let owner = begin(&db, &s, &email, "198.51.100.7").await.expect("the owner's pair is not");
        owner.succeeded(&db).await.expect("sign in");
        // The account ceiling (5) still stops a spread-out attack.
        let _ = begin(&db, &s, &email, "203.0.113.10").await.expect("4th");
        let _ = begin(&db, &s, &email, "203.0.113.11").await.expect("5th");
        assert!(
            begin(&db, &s, &email, "198.51.100.7").await.is_err(),
            "the ceiling applies to everyone"
        );
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn one_address_guessing_many_accounts_is_stopped(db: PgPool) {
        let s = settings();
        for i in 0..4 {
            let email: Email = format!("guess{i}@example.com").parse().expect("email");
            let _ = begin(&db, &s, &email, "10.9.9.9").await.expect("under the limit");
        }
        assert!(begin(&db, &s, &ann(), "10.9.9.9").await.is_err());
        assert!(begin(&db, &s, &ann(), "10.9.9.8").await.is_ok(), "other addresses are unaffected");
    }
}
