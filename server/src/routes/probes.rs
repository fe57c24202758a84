//! Probes: liveness, readiness and Prometheus metrics. No session, no token: load balancers and
//! scrapers call them. They never touch anything a user owns.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{header, StatusCode};
use sqlx::PgPool;
use std::sync::Arc;

use app::backend::db::MIGRATOR;

use crate::metrics::Metrics;
use proxy::usage::Usage;

pub fn router(db: PgPool, metrics: Arc<Metrics>, usage: Usage) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz).with_state(db))
        .route("/metrics", get(render_metrics).with_state((metrics, usage)))
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and every migration this build knows is applied.
async fn readyz(State(db): State<PgPool>) -> Response {
    let applied = sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&db)
        .await;
    match applied {
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"ready": false, "database": "unreachable"})),
            )
                .into_response()
        }
        Ok(applied) => {
            let missing: Vec<i64> = MIGRATOR.iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect();
            if missing.is_empty() {
                Json(serde_json::json!({"ready": true, "database": "ok", "migrations": "up to date"})).into_response()
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(serde_json::json!({"ready": false, "database": "ok", "missing_migrations": missing})),
                )
                    .into_response()
            }
        }
    }
}

async fn render_metrics(State((metrics, usage)): State<(Arc<Metrics>, Usage)>) -> Response {
    let mut text = metrics.render();
    crate::metrics::render_usage(&mut text, &usage);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
