//! Passwords and secrets: argon2id hashing under a concurrency cap, random secrets, SHA-256.
//!
//! Each argon2id computation holds ~19 MiB for ~50 ms of a core. Unbounded, a burst of sign-ins
//! would exhaust memory on the blocking pool; so at most `permits` run at once, a caller waits at
//! most [`MAX_WAIT`] for a turn, and otherwise gets 503 with `Retry-After`.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::backend::db::internal;
use crate::domain::NewPassword;
use crate::error::{AppError, AppResult};

/// The longest a caller waits for a free hashing slot before being told to come back.
pub const MAX_WAIT: Duration = Duration::from_millis(750);

/// Two hashes per core keeps the cores busy without queueing memory.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

#[derive(Clone, Debug)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    async fn permit(&self) -> AppResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(MAX_WAIT, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                tracing::warn!("password hashing is at capacity; refusing");
                Err(AppError::Busy {
                    message: "The server is busy checking passwords. Try again in a moment.".into(),
                    retry_after_secs: 1,
                })
            }
        }
    }

    /// Argon2id with the crate's defaults (19 MiB, 2 passes), off the async threads.
    pub async fn hash(&self, password: &NewPassword) -> AppResult<String> {
        let permit = self.permit().await?;
        let password = password.expose().to_owned();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| internal("password hashing", &e))
        })
        .await
        .map_err(|e| internal("password hashing task", &e))?
    }

    /// Checks `password` against `hash`; with no hash (no such account) a dummy hash is checked
    /// so that the answer takes as long as for an account that exists.
    pub async fn verify(&self, hash: Option<String>, password: String) -> AppResult<bool> {
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
            let ok = match PasswordHash::new(&hash) {
                Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
                Err(_) => false,
            };
            known && ok
        })
        .await
        .map_err(|e| internal("password check task", &e))
    }
}

/// A hash of a password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9wYk3oYJ2Y7z1n0m3sZ2bYlZ2QeWq2c3o8zv6a8b0mQ";

/// A readable random secret from an unambiguous alphabet.
pub fn random_secret(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..len).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}

/// A generated password (for new accounts and resets), long enough to pass [`NewPassword`].
pub fn generated_password() -> NewPassword {
    let raw = random_secret(16);
    raw.parse().unwrap_or_else(|_| unreachable!("16 characters pass the length check"))
}

pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let hasher = PasswordHasher::new(2);
        let p: NewPassword = "correct horse battery".parse().expect("valid");
        let h = hasher.hash(&p).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(hasher.verify(Some(h.clone()), "correct horse battery".into()).await.expect("ok"));
        assert!(!hasher.verify(Some(h), "wrong horse battery".into()).await.expect("ok"));
        assert!(!hasher.verify(None, "anything".into()).await.expect("ok"));
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must cost a real verification"
        );
    }

    #[tokio::test]
    async fn a_full_hasher_refuses_quickly_instead_of_queueing_without_bound() {
        let hasher = PasswordHasher::new(1);
        let held = hasher.permit().await.expect("the only permit");
        let refused = hasher.verify(None, "x".into()).await;
        assert!(matches!(refused, Err(AppError::Busy { .. })), "{refused:?}");
        drop(held);
        assert!(hasher.verify(None, "x".into()).await.is_ok(), "a freed permit is used again");
    }

    #[test]
    fn secrets_are_long_and_distinct() {
        let (a, b) = (random_secret(32), random_secret(32));
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(generated_password().expose().len(), 16);
    }
}
