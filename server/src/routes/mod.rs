//! The router, composed by trust boundary. Each boundary is one file with its own auth layer:
//!
//! | boundary | paths | who may call |
//! |---|---|---|
//! | [`probes`] | `/healthz`, `/readyz`, `/metrics` | anyone (keep `/metrics` inside the VPC) |
//! | [`hooks`] | `/hooks/*` | other systems, by signature (none yet) |
//! | [`api_v1`] | `/api/v1/*` | Bearer tokens only |
//! | [`app`] | pages, `/fn/*` server functions, `/auth/*`, assets | the session cookie, same-origin writes |
//! | [`public`] | `/public/d/{token}/…` (a public link's widget images) | anyone with the link's token |
//!
//! Around all of them: a sane request id (tower-http), the client's address, a log span and
//! metrics, security headers, and panics turned into 500s.

pub mod api_v1;
pub mod app;
pub mod auth;
pub mod data;
pub mod hooks;
pub mod probes;
pub mod public;

use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use ::app::backend::AppState;

use crate::layers::{self, Edge, REQUEST_ID};
use crate::metrics::Metrics;

/// What the router needs besides the application state.
pub struct RouterParts {
    pub public_url: Option<String>,
    pub trusted_proxies: usize,
}

pub fn router(state: AppState, parts: RouterParts) -> Router {
    let metrics = Arc::new(Metrics::default());
    let edge = Edge {
        metrics: metrics.clone(),
        trusted_proxies: parts.trusted_proxies,
        public_https: parts.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
    };
    Router::new()
        .merge(probes::router(state.db.clone(), metrics, state.telemetry.usage().clone()))
        .nest("/hooks", hooks::router())
        .nest("/api/v1", api_v1::router(state.clone()))
        .merge(public::router(state.clone()))
        .merge(app::router(state, parts.public_url))
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(layers::drop_insane_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(layers::request_span)
                        .on_request(())
                        .on_response(layers::log_answer)
                        .on_failure(()),
                )
                .layer(from_fn_with_state(edge, layers::observe))
                .layer(CatchPanicLayer::new()),
        )
}
