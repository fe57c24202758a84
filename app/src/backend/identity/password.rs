//! Who is asking: the one place every server function learns the current user and role.
//!
//! The server's auth middleware resolves the session cookie (or, on `/api/v1`, a bearer token)
//! once per request and stores an [`Auth`] in the request's extensions. [`require`] reads it back
//! inside a server function. Only sign-in is reachable without a user.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use leptos::prelude::use_context;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::db_error::internal;
use crate::domain::user::{CurrentUser, Role};
use crate::error::{AppError, AppResult};

/// Where a request came from, for throttling, sessions and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The request's identity, placed in the request extensions by the server's auth middleware.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub user: Option<CurrentUser>,
    /// SHA-256 of the session id the request carried (to mark "this session" in lists).
    pub session_hash: Option<Vec<u8>>,
    /// Authenticated by an API token rather than a browser session.
    pub via_token: bool,
    pub client: ClientMeta,
}

/// The current request's [`Auth`] (empty when called outside a request).
pub fn current_auth() -> Auth {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Auth>().cloned())
        .unwrap_or_default()
}

/// The signed-in user, if they hold at least `min` role; otherwise 401 or 403.
pub fn require(min: Role) -> AppResult<(CurrentUser, Auth)> {
    let auth = current_auth();
    match &auth.user {
        None => Err(AppError::Unauthorized),
        Some(user) if user.role < min => Err(AppError::Forbidden {
            needed: min.to_string(),
            have: user.role.to_string(),
        }),
        Some(user) => Ok((user.clone(), auth)),
    }
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes): slow on purpose, run off the async
/// threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| internal("password hashing", &e))
    })
    .await
    .map_err(|e| internal("password hashing task", &e))?
}

/// A hash of a password nobody knows, verified against when an account does not exist so that
/// answering takes as long as for one that does.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9wYk3oYJ2Y7z1n0m3sZ2bYlZ2QeWq2c3o8zv6a8b0mQ";

pub async fn verify_password(hash: Option<String>, password: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
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

/// A readable random secret from an unambiguous alphabet.
pub fn random_secret(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..len).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}

pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(Some(h.clone()), "correct horse battery".into()).await.expect("ok"));
        assert!(!verify_password(Some(h), "wrong horse battery".into()).await.expect("ok"));
        assert!(!verify_password(None, "anything".into()).await.expect("ok"));
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must cost a real verification"
        );
    }

    #[test]
    fn secrets_are_long_and_distinct() {
        let (a, b) = (random_secret(32), random_secret(32));
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
