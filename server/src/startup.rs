//! Builds the application: database pool, state, router, and the background upkeep. Used by
//! `watchpost serve` and by the integration tests, which start the real router on port 0
//! against a database of their own.

use axum::Router;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;
use tokio::net::TcpListener;

use app::backend::identity::{sessions, throttle, Identity, IdentitySettings};
use app::backend::sources::{connections, Telemetry};
use app::backend::AppState;

use crate::config::{DatabaseSettings, SourcesSettings};
use crate::routes::{self, RouterParts};

/// Connects (creating the database when it does not exist yet), retrying briefly so a database
/// server that is still starting is waited for.
pub async fn connect(settings: &DatabaseSettings) -> anyhow_free::Result<PgPool> {
    use sqlx::migrate::MigrateDatabase;
    let url = settings.url.expose_secret();
    let options = PgConnectOptions::from_str(url)?;
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=8 {
        let ready = async {
            if !sqlx::Postgres::database_exists(url).await? {
                tracing::info!("creating the database");
                sqlx::Postgres::create_database(url).await?;
            }
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
                .await?;
            Ok::<_, sqlx::Error>(pool)
        };
        match ready.await {
            Ok(pool) => return Ok(pool),
            Err(e) if attempt < 8 => {
                tracing::warn!(attempt, error = %e, "database not reachable yet; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err("database not reachable".into())
}

/// The application state from its parts.
pub fn state(leptos_options: leptos::config::LeptosOptions, db: PgPool, identity: IdentitySettings, telemetry: Telemetry) -> AppState {
    let identity = Identity::new(identity);
    identity.spawn_revocation_listener(db.clone());
    AppState {
        leptos_options,
        db,
        identity,
        telemetry,
        public_links: Default::default(),
    }
}

/// The telemetry handle over the migrated database: creates the built-in demo connection (unless
/// turned off), and refuses to go on when a stored secret exists but no key to read it.
pub async fn telemetry(db: &PgPool, sources: &SourcesSettings) -> anyhow_free::Result<Telemetry> {
    let cipher = sources.cipher()?;
    if cipher.is_none() && connections::any_secret(db).await? {
        return Err("a connection stores an encrypted secret key, but WATCHPOST_SECRET_KEY is not set: set it to the key it was stored with (or remove that connection)".into());
    }
    if sources.policy.demo_enabled && connections::ensure_default_demo(db).await? {
        tracing::info!("created the built-in demo connection");
    }
    let telemetry = Telemetry::with_proxy(
        db.clone(),
        sources.policy.clone(),
        cipher,
        Some(std::sync::Arc::new(crate::aws::SdkConnector)),
        sources.proxy.clone(),
    );
    telemetry.start_scheduler().await?;
    // The demo's prebuilt dashboards, imported once per demo connection (a failure only warns:
    // the app is still usable, and the next start tries again).
    match app::backend::dashboards::import::seed_demo(db, &telemetry).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(dashboards = n, "imported the demo's prebuilt dashboards"),
        Err(e) => tracing::warn!(error = %e, "could not import the demo's prebuilt dashboards"),
    }
    Ok(telemetry)
}

pub fn router(state: AppState, parts: RouterParts) -> Router {
    routes::router(state, parts)
}

/// Serves until ctrl-c / SIGTERM, finishing requests in flight.
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Deletes expired sessions and old sign-in failures every ten minutes.
pub fn spawn_upkeep(db: PgPool, idle: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match (sessions::prune(&db, idle).await, throttle::prune(&db).await) {
                (Ok(s), Ok(f)) if s + f > 0 => tracing::info!(sessions = s, failures = f, "pruned"),
                (Ok(_), Ok(_)) => {}
                _ => tracing::warn!("upkeep failed; will try again"),
            }
        }
    });
}

/// Every minute: record the demo worlds' alarm transitions as alarm actions (idempotent across
/// replicas by their key).
pub fn spawn_alarm_bookkeeping(telemetry: Telemetry) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match telemetry.record_alarm_actions(Duration::from_secs(3_600)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(actions = n, "recorded alarm actions"),
                Err(e) => tracing::warn!(error = %e, "alarm bookkeeping failed; will try again"),
            }
        }
    });
}

/// A boxed error for start-up paths, where the message is all that matters.
pub mod anyhow_free {
    pub type Error = Box<dyn std::error::Error + Send + Sync>;
    pub type Result<T> = std::result::Result<T, Error>;
}
