//! Layers every request passes through, whatever its trust boundary: request id, client
//! address, log span and metrics, security headers. The boundaries' own auth layers live with
//! their routers in `routes/`.

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{header, HeaderName, HeaderValue};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower_http::request_id::RequestId;

use app::backend::ClientMeta;

use crate::client::{client_ip, forwarded_https};
use crate::metrics::{method_label, Metrics};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the global layers need to know.
#[derive(Clone)]
pub struct Edge {
    pub metrics: Arc<Metrics>,
    pub trusted_proxies: usize,
    /// The public address is https: every response gets HSTS, whatever the proxy says.
    pub public_https: bool,
}

fn sane_request_id(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty() && b.len() <= 128 && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
}

/// Drops a caller's `x-request-id` that is not a plain token, so tower-http's request-id layer
/// (next) generates one instead of echoing it into logs and headers.
pub async fn drop_insane_request_id(mut req: Request, next: Next) -> Response {
    if req.headers().get(&REQUEST_ID).is_some_and(|v| !sane_request_id(v)) {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
}

/// The span every request runs in (tower-http's trace layer makes it): its id, method, route
/// pattern, and the user once an auth layer knows them.
pub fn request_span(req: &Request) -> tracing::Span {
    let id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %id,
        method = method_label(req.method()),
        route = %route_label(req),
        user = tracing::field::Empty,
    )
}

/// The log line of every answer.
pub fn log_answer(res: &Response, latency: std::time::Duration, _span: &tracing::Span) {
    tracing::info!(
        status = res.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1_000.0,
        "request answered"
    );
}

/// The route pattern (never the path people typed, so labels and log fields stay bounded).
fn route_label(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into())
}

/// Works out the [`ClientMeta`] once for everything downstream, records the answer in the
/// metrics and adds the security headers.
pub async fn observe(State(edge): State<Edge>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let headers = req.headers();
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    };
    let (forwarded_for, forwarded_proto) = (values("x-forwarded-for"), values("x-forwarded-proto"));
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = ClientMeta {
        ip: client_ip(peer, forwarded_for.iter().map(String::as_str), edge.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect()),
        https: forwarded_https(forwarded_proto.iter().map(String::as_str), edge.trusted_proxies),
    };
    let https = client.https || edge.public_https;
    req.extensions_mut().insert(client);

    let method = method_label(req.method());
    let route = route_label(&req);
    let mut res = next.run(req).await;
    edge.metrics
        .observe(method, &route, res.status().as_u16(), started.elapsed().as_secs_f64());
    security_headers(res.headers_mut(), https);
    res
}

/// Headers every response carries. Pages set their own Content-Security-Policy (with the
/// nonce of their hydration script); anything else gets one that allows nothing.
fn security_headers(h: &mut http::HeaderMap, https: bool) {
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}
