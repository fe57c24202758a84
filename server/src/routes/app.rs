//! The app: Leptos pages, server functions (under `/fn`), sign-in and sign-out, the theme
//! preference. Identity comes from the session cookie only (a Bearer header is not a credential
//! here), so every state-changing request must come from our own origin.
//!
//! Static assets (`/pkg/*`, `favicon.svg`) and the not-found fallback are outside the session
//! layer: they never cost a session lookup.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http::{header, Method, StatusCode};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};

use app::backend::identity::{self, sessions};
use app::backend::{AppState, Caller, ClientMeta};
use app::error::AppError;
use app::{shell, App};

use super::{auth, data};

pub fn router(state: AppState, public_url: Option<String>) -> Router {
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let options = state.leptos_options.clone();
    let site = std::path::PathBuf::from(options.site_root.as_ref());
    let pkg = site.join(options.site_pkg_dir.as_ref());
    let routes = generate_route_list(App);
    let our_origin: Arc<OurOrigin> = Arc::new(OurOrigin { public_url });

    let app = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/prefs/theme", get(auth::set_theme))
        .merge(data::routes(data::SESSION_ROUTES))
        .leptos_routes_with_context(&state, routes, context.clone(), move || shell(options.clone()))
        .route_layer(from_fn(server_fn_status))
        .route_layer(from_fn_with_state(our_origin, same_origin))
        .route_layer(from_fn_with_state(state.clone(), resolve_session))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .with_state(state)
        // Pages carry their charts and data (a 20-widget dashboard is about 1 MB of HTML):
        // compressed when the browser asks. Widget data is gzipped once by the proxy and keeps
        // its own encoding (the layer leaves encoded responses alone); event streams are never
        // compressed (the layer's default predicate).
        .layer(tower_http::compression::CompressionLayer::new());
    Router::new()
        .nest_service("/pkg", ServeDir::new(pkg))
        .route_service("/favicon.svg", ServeFile::new(site.join("favicon.svg")))
        .merge(app)
}

/// Resolves the session cookie into a [`Caller`] for the handlers and server functions. No
/// cookie, or a dead session, is an anonymous caller: pages send those to sign-in, server
/// functions answer 401.
async fn resolve_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = req.extensions().get::<ClientMeta>().cloned().unwrap_or_default();
    // Widget data is the hot path (every viewer of a wall, every refresh): it may use a session
    // resolved within the last second. Everything else resolves afresh.
    let hot = req.uri().path().starts_with("/data/");
    let signed_in = match sessions::secret_from(req.headers()) {
        None => None,
        Some(secret) => {
            let resolved = if hot {
                identity::resolve_session_cached(&state.db, &state.identity, &secret).await
            } else {
                identity::resolve_session(&state.db, &state.identity, &secret).await
            };
            match resolved {
                Ok(s) => s,
                Err(e) => return e.into_response(),
            }
        }
    };
    if let Some(s) = &signed_in {
        tracing::Span::current().record("user", s.user.email.as_str());
    }
    req.extensions_mut().insert(Caller { client, signed_in });
    next.run(req).await
}

/// Our own origin, as a browser writes it in `Origin`.
struct OurOrigin {
    public_url: Option<String>,
}

impl OurOrigin {
    /// `scheme://host[:port]`, lower-cased: the configured public address, else the `Host` the
    /// request was sent to with the scheme it arrived over.
    fn for_request(&self, req: &Request) -> Option<String> {
        if let Some(url) = &self.public_url {
            return origin_of(url);
        }
        let https = req.extensions().get::<ClientMeta>().is_some_and(|c| c.https);
        let host = req.headers().get(header::HOST)?.to_str().ok()?;
        Some(format!("{}://{}", if https { "https" } else { "http" }, host.to_ascii_lowercase()))
    }
}

/// The origin part of a URL (`https://a.example:8443/x?y` → `https://a.example:8443`).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty() && !authority.contains('@')).then(|| format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// Refuses state-changing requests that a browser may have made on behalf of another site.
/// The request must show where it came from — `Origin` (exactly ours: scheme, host and port),
/// else `Sec-Fetch-Site: same-origin`, else a `Referer` of ours — and one without any of them
/// is refused: every browser sends `Origin` on such requests, and scripts use `/api/v1`.
async fn same_origin(State(ours): State<Arc<OurOrigin>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let header_text = |name: header::HeaderName| h.get(name).and_then(|v| v.to_str().ok());
    let expected = ours.for_request(&req);
    let allowed = if let Some(origin) = header_text(header::ORIGIN) {
        origin_of(origin).is_some() && origin_of(origin) == expected
    } else if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        site == "same-origin"
    } else if let Some(referer) = header_text(header::REFERER) {
        origin_of(referer).is_some() && origin_of(referer) == expected
    } else {
        false
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!("state-changing request without our origin refused");
        AppError::CrossOrigin.into_response()
    }
}

/// server_fn answers every error with 500; this gives it the status its `AppError` means, and
/// `Retry-After` when there is one.
async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "error body unreadable").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = err.status();
        if let Some(secs) = err.retry_after_secs() {
            parts.headers.insert(header::RETRY_AFTER, secs.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(origin_of("https://W.example:8443/x?y").as_deref(), Some("https://w.example:8443"));
        assert_eq!(origin_of("http://a.example").as_deref(), Some("http://a.example"));
        assert_ne!(origin_of("http://a.example"), origin_of("https://a.example"));
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("https://user@a.example"), None);
        assert_eq!(origin_of("javascript://a.example"), None);
    }
}
