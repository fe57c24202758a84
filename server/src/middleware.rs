//! Request middleware, outermost first: `observe` (request id, log span, metrics), `same_origin`
//! (cross-site writes refused), the session layer, `authenticate` (who is asking), and
//! `server_fn_status` (server-function errors answered with their real status).

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::{header, HeaderValue, Method, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower_sessions::Session;
use tracing::Instrument;

use app::backend::sessions::{id_hash, USER_ID};
use app::backend::{tokens, users, AppState, Auth, ClientMeta};
use app::domain::UserId;
use app::error::AppError;
use app::url::{encode, safe_next};

use crate::metrics::Metrics;

pub const REQUEST_ID: &str = "x-request-id";

fn valid_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))).then(|| s.to_string())
}

/// Gives every request an id (the caller's `x-request-id` when sane, else a new UUID), runs it in
/// a span carrying that id, echoes the id back, and records the request in the metrics.
pub async fn observe(State(metrics): State<Arc<Metrics>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(valid_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| {
            if req.uri().path().starts_with("/pkg/") {
                "/pkg/*".into()
            } else {
                "unmatched".into()
            }
        });
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route, user = tracing::field::Empty);
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status();
    let elapsed = started.elapsed();
    metrics.observe(method.as_str(), &route, status.as_u16(), elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1_000.0,
            "request answered"
        );
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    res
}

/// The origin (`scheme://host[:port]`) as the browser would write it, for comparisons.
fn authority_of(origin: &str) -> Option<&str> {
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"))?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Refuses state-changing requests that a browser made on behalf of another site. Cookie
/// authentication is what such requests would abuse; bearer-token requests carry no ambient
/// credentials and pass.
pub async fn same_origin(State(public_url): State<Option<Arc<str>>>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if safe || bearer {
        return next.run(req).await;
    }
    let h = req.headers();
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let ours = |authority: &str| Some(authority) == host || public_url.as_deref().and_then(authority_of) == Some(authority);
    let allowed = if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        authority_of(origin).is_some_and(ours)
    } else if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        site == "same-origin" || site == "none"
    } else if let Some(referer) = h.get(header::REFERER).and_then(|v| v.to_str().ok()) {
        authority_of(referer).is_some_and(ours)
    } else {
        // Not a browser (curl, scripts): there is no other site to speak of.
        true
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!("cross-origin state-changing request refused");
        AppError::CrossOrigin.into_response()
    }
}

fn client_meta(req: &Request, trust_proxy: bool) -> ClientMeta {
    let forwarded = trust_proxy
        .then(|| req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    ClientMeta {
        ip: forwarded.or(peer),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect()),
    }
}

/// Paths anyone may fetch: sign-in, health, metrics, theme choice and static files.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/auth/login" | "/auth/logout" | "/healthz" | "/readyz" | "/metrics" | "/prefs/theme"
    ) || path.starts_with("/pkg/")
        || path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// Resolves who is asking — a bearer token on `/api/v1`, else the session cookie — and stores it
/// as [`Auth`] in the request. A page request without a user is sent to the sign-in page.
pub async fn authenticate(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut auth = Auth {
        client: client_meta(&req, state.settings.trust_proxy),
        ..Auth::default()
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    if let (Some(secret), true) = (bearer, path.starts_with("/api/v1/")) {
        match tokens::authenticate(&state.db, &secret).await {
            Ok(Some(user)) => {
                auth.user = Some(user);
                auth.via_token = true;
            }
            Ok(None) => return AppError::Unauthorized.into_response(),
            Err(e) => return e.into_response(),
        }
    } else {
        match session.get::<String>(USER_ID).await {
            Ok(Some(id)) => {
                let user = match id.parse::<UserId>() {
                    Ok(id) => users::load_current(&state.db, id).await,
                    Err(_) => Ok(None),
                };
                match user {
                    Ok(Some(user)) => {
                        auth.user = Some(user);
                        auth.session_hash = session.id().map(|id| id_hash(&id));
                    }
                    // Deactivated or deleted since sign-in: end the session.
                    Ok(None) => {
                        let _ = session.flush().await;
                    }
                    Err(e) => return e.into_response(),
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The session store is unavailable; try again shortly.",
                )
                    .into_response();
            }
        }
    }
    if let Some(user) = &auth.user {
        tracing::Span::current().record("user", user.email.as_str());
    }
    let page_request = matches!(*req.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/") && !is_public(&path);
    if auth.user.is_none() && page_request {
        let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let next_param = safe_next(Some(target));
        let location = if next_param == "/" {
            "/login".to_string()
        } else {
            format!("/login?next={}", encode(&next_param))
        };
        return Redirect::to(&location).into_response();
    }
    req.extensions_mut().insert(auth);
    next.run(req).await
}

/// Server functions answer errors with 500; this gives them the status their `AppError` means.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
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
    }
    Response::from_parts(parts, Body::from(bytes))
}
