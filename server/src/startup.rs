//! Builds the application: database pool, migrations, state, router with its middleware, and
//! the background upkeep. Used by `watchpost serve` and by the integration tests, which start
//! the real router on port 0 against a database of their own.

use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::backend::sessions::PgSessionStore;
use app::backend::{sessions, throttle, AppState, Settings};
use app::{shell, App};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::{middleware, routes};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connects (creating the database when it does not exist yet), retrying briefly so a database
/// server that is still starting is waited for.
pub async fn connect(config: &Config) -> anyhow_free::Result<PgPool> {
    use sqlx::migrate::MigrateDatabase;
    let url = config.database_url.expose();
    let options = PgConnectOptions::from_str(url)?;
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=8 {
        let ready = async {
            if !sqlx::Postgres::database_exists(url).await? {
                tracing::info!("creating the database");
                sqlx::Postgres::create_database(url).await?;
            }
            let pool = PgPoolOptions::new()
                .max_connections(config.db_max_connections)
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

/// What the router needs besides the database.
pub struct RouterParts {
    pub leptos_options: leptos::config::LeptosOptions,
    pub settings: Settings,
    pub cookie_secure: bool,
    pub public_url: Option<String>,
}

pub fn router(db: PgPool, parts: RouterParts) -> Router {
    let state = AppState {
        leptos_options: parts.leptos_options,
        db: db.clone(),
        settings: Arc::new(parts.settings),
    };
    let metrics = Arc::new(Metrics::default());
    let routes = generate_route_list(App);
    let session_layer = SessionManagerLayer::new(PgSessionStore::new(db, state.settings.session_idle))
        .with_name("watchpost_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(parts.cookie_secure)
        .with_expiry(Expiry::OnSessionEnd);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let public_url: Option<Arc<str>> = parts.public_url.map(Into::into);

    let pages = Router::new()
        .route("/auth/login", post(routes::login))
        .route("/auth/logout", post(routes::logout))
        .route("/prefs/theme", get(routes::set_theme))
        .route("/api/v1/me", get(routes::api_me))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(axum::middleware::from_fn(middleware::server_fn_status))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(public_url, middleware::same_origin))
        .with_state(state.clone());
    // Outside the session layer: probes and metrics never touch sessions.
    let probes = Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .with_state(state)
        .route("/metrics", get(routes::metrics).with_state(metrics.clone()));
    probes
        .merge(pages)
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(metrics, middleware::observe))
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

/// A boxed error for start-up paths, where the message is all that matters.
pub mod anyhow_free {
    pub type Error = Box<dyn std::error::Error + Send + Sync>;
    pub type Result<T> = std::result::Result<T, Error>;
}
