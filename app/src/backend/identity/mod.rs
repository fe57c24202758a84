//! Identity has one owner: who is asking, and how they prove it.
//!
//! - [`resolve_session`] and [`resolve_token`] turn a cookie or a bearer secret into a
//!   [`SignedIn`] record; the server's auth layers call them once per request and store a
//!   [`Caller`] in the request's extensions.
//! - [`sign_in`] checks a password (throttled, hashed under a concurrency cap) and opens a
//!   session; [`sign_out`] ends it.
//! - [`require`] reads the [`Caller`] back inside a server function and checks the role.
//!
//! Nothing outside this module reads or writes session rows, cookies or password hashes.

pub mod password;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

use leptos::prelude::use_context;
use sqlx::PgPool;
use std::sync::Arc;

use super::audit::{self, Actor};
use crate::domain::{AuditAction, CurrentUser, Email, Role, TokenId};
use crate::error::{AppError, AppResult};
pub use password::PasswordHasher;
pub use sessions::{NewSession, SessionSettings};
pub use throttle::ThrottleSettings;

/// What identity needs to know, set once from the environment.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    pub sessions: SessionSettings,
    pub throttle: ThrottleSettings,
    /// Password hashes computed at once (each argon2id check holds ~19 MiB); more callers wait
    /// briefly, then get 503.
    pub max_concurrent_hashes: usize,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            sessions: SessionSettings::default(),
            throttle: ThrottleSettings::default(),
            max_concurrent_hashes: password::default_concurrency(),
        }
    }
}

/// The identity part of the application state.
#[derive(Clone)]
pub struct Identity {
    settings: Arc<IdentitySettings>,
    hasher: PasswordHasher,
    recent: Arc<RecentSessions>,
}

/// Sessions resolved in the last second, by cookie hash: the hot path of widget data asks
/// Postgres at most once a second per session. Emptied on every `watchpost_sessions` notification
/// (a session ended, a user's role or status changed; see the migration's triggers), so a
/// revocation takes effect at once on every replica that listens, and within a second anyway.
#[derive(Default)]
struct RecentSessions {
    map: std::sync::Mutex<std::collections::HashMap<Vec<u8>, (SignedIn, std::time::Instant)>>,
    /// A revocation listener is connected (the cache is used only then).
    listening: std::sync::atomic::AtomicBool,
}

/// How long a resolved session is trusted without asking Postgres.
const RECENT_SESSION: std::time::Duration = std::time::Duration::from_secs(1);

impl RecentSessions {
    fn get(&self, hash: &[u8]) -> Option<SignedIn> {
        let map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < RECENT_SESSION)
            .map(|(s, _)| s.clone())
    }

    fn put(&self, hash: Vec<u8>, signed_in: SignedIn) {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= 100_000 {
            map.retain(|_, (_, at)| at.elapsed() < RECENT_SESSION);
        }
        map.insert(hash, (signed_in, std::time::Instant::now()));
    }

    fn clear(&self) {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

impl Identity {
    pub fn new(settings: IdentitySettings) -> Self {
        let hasher = PasswordHasher::new(settings.max_concurrent_hashes);
        Self {
            settings: Arc::new(settings),
            hasher,
            recent: Arc::default(),
        }
    }

    /// Listens for session revocations (`watchpost_sessions`) and forgets recently resolved
    /// sessions on each. Without a listener (it failed, or was never started) the cache is not
    /// used at all.
    pub fn spawn_revocation_listener(&self, db: PgPool) {
        let recent = self.recent.clone();
        tokio::spawn(async move {
            loop {
                let listener = async {
                    let mut l = sqlx::postgres::PgListener::connect_with(&db).await?;
                    l.listen("watchpost_sessions").await?;
                    recent.listening.store(true, std::sync::atomic::Ordering::Release);
                    loop {
                        l.recv().await?;
                        recent.clear();
                    }
                    #[allow(unreachable_code)]
                    Ok::<(), sqlx::Error>(())
                };
                if let Err(e) = listener.await {
                    recent.listening.store(false, std::sync::atomic::Ordering::Release);
                    recent.clear();
                    tracing::warn!(error = %e, "session revocation listener stopped; retrying");
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }

    pub fn settings(&self) -> &IdentitySettings {
        &self.settings
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }
}

/// Where a request came from, for throttling, sessions and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    /// The client's address: the peer, or the first untrusted hop of `X-Forwarded-For` behind
    /// trusted proxies.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Served over https (directly, or as a trusted proxy says): cookies are `Secure` then.
    pub https: bool,
}

/// How a signed-in caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; the SHA-256 of its cookie secret marks "this session" in lists.
    Session { hash: Vec<u8> },
    /// A personal API token (on `/api/v1` only).
    Token { id: TokenId },
}

/// A caller whose credential checked out.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: CurrentUser,
    pub credential: Credential,
}

/// The request's identity, placed in the request extensions by the server's auth layers.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub client: ClientMeta,
    pub signed_in: Option<SignedIn>,
}

impl Caller {
    pub fn user(&self) -> Option<&CurrentUser> {
        self.signed_in.as_ref().map(|s| &s.user)
    }

    /// The signed-in user, if they hold at least `min` role; otherwise 401 or 403.
    pub fn require(&self, min: Role) -> AppResult<&CurrentUser> {
        match self.user() {
            None => Err(AppError::Unauthorized),
            Some(user) if user.role < min => Err(AppError::Forbidden {
                needed: min,
                have: user.role,
            }),
            Some(user) => Ok(user),
        }
    }

    /// The SHA-256 of the session cookie this request came with.
    pub fn session_hash(&self) -> Option<&[u8]> {
        match &self.signed_in {
            Some(SignedIn {
                credential: Credential::Session { hash },
                ..
            }) => Some(hash),
            _ => None,
        }
    }
}

/// The current request's [`Caller`] (empty when called outside a request).
pub fn current_caller() -> Caller {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .unwrap_or_default()
}

/// The signed-in user, if they hold at least `min` role; otherwise 401 or 403.
pub fn require(min: Role) -> AppResult<(CurrentUser, Caller)> {
    let caller = current_caller();
    let user = caller.require(min)?.clone();
    Ok((user, caller))
}

/// As [`require`], and the caller must be a browser session (not an API token): for changes to
/// the account itself.
pub fn require_session(min: Role) -> AppResult<(CurrentUser, Caller)> {
    let (user, caller) = require(min)?;
    if caller.session_hash().is_none() {
        return Err(AppError::SessionRequired);
    }
    Ok((user, caller))
}

/// The signed-in user behind a session cookie's secret, if the session is alive.
pub async fn resolve_session(db: &PgPool, identity: &Identity, secret: &str) -> AppResult<Option<SignedIn>> {
    sessions::resolve(db, &identity.settings.sessions, secret).await
}

/// As [`resolve_session`], trusting a resolution made in the last second (only while this
/// process listens for revocations, which empty the cache on every replica). For the widget-data
/// hot path, where a war room's refreshes would otherwise cost a query each; pages, server
/// functions and everything that changes state resolve afresh.
pub async fn resolve_session_cached(db: &PgPool, identity: &Identity, secret: &str) -> AppResult<Option<SignedIn>> {
    let listening = identity.recent.listening.load(std::sync::atomic::Ordering::Acquire);
    let hash = sessions::hash_of(secret);
    if listening {
        if let Some(s) = identity.recent.get(&hash) {
            return Ok(Some(s));
        }
    }
    let resolved = sessions::resolve(db, &identity.settings.sessions, secret).await?;
    if let (true, Some(s)) = (listening, &resolved) {
        identity.recent.put(hash, s.clone());
    }
    Ok(resolved)
}

/// The user a bearer secret stands for, with the lower of the token's and the owner's role.
pub async fn resolve_token(db: &PgPool, secret: &str) -> AppResult<Option<SignedIn>> {
    tokens::authenticate(db, secret).await
}

/// Checks a password sign-in and opens a session. Throttled per (account, address), per account
/// and per address; every outcome is audited; a wrong email and a wrong password get the same
/// answer in the same time. `previous` is the session secret the browser already had: it ends,
/// so a session id planted before sign-in is worth nothing after it.
#[tracing::instrument(skip_all, fields(email = %email))]
pub async fn sign_in(
    db: &PgPool,
    identity: &Identity,
    email: &Email,
    password: String,
    client: &ClientMeta,
    previous: Option<&str>,
) -> AppResult<(CurrentUser, NewSession)> {
    let ip = client.ip.as_deref().unwrap_or("unknown");
    let attempt = throttle::begin(db, &identity.settings.throttle, email, ip).await?;
    let account = users::credentials(db, email).await?;
    let ok = identity
        .hasher
        .verify(account.as_ref().map(|a| a.password_hash.clone()), password)
        .await?;
    match account {
        Some(a) if ok && a.active => {
            attempt.succeeded(db).await?;
            let session = sessions::create(db, &identity.settings.sessions, &a.user, client, previous).await?;
            Ok((a.user, session))
        }
        Some(_) if ok => {
            // The right password: not a guess, so it does not count against anyone.
            attempt.succeeded(db).await?;
            audit::record(
                db,
                &Actor::anonymous(client),
                AuditAction::SignInRefused,
                Some(email),
                serde_json::json!({"reason": "deactivated"}),
            )
            .await?;
            Err(AppError::Deactivated)
        }
        _ => {
            audit::record(
                db,
                &Actor::anonymous(client),
                AuditAction::SignInFailed,
                Some(email),
                serde_json::json!({}),
            )
            .await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Ends the caller's session (audited). Tokens are not signed out: they are revoked.
pub async fn sign_out(db: &PgPool, caller: &Caller) -> AppResult<()> {
    let (Some(user), Some(hash)) = (caller.user(), caller.session_hash()) else {
        return Ok(());
    };
    let mut tx = db.begin().await?;
    sessions::delete(&mut *tx, hash).await?;
    audit::record(
        &mut *tx,
        &Actor::user(user, &caller.client),
        AuditAction::SignOut,
        Some(&user.email),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
