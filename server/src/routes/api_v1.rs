//! `/api/v1`: the API for scripts and CI. Bearer tokens only — a session cookie is never looked
//! at here, so no other site can ride on a browser's session, and no cross-origin check is
//! needed. Every route, known or not, refuses a request without a valid token.

use axum::extract::{Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use http::header;

use app::backend::identity::{self, Credential};
use app::backend::{AppState, Caller, ClientMeta};
use app::error::AppError;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/me", get(me))
        .fallback(|| async { AppError::not_found("that API route").into_response() })
        .layer(from_fn_with_state(state, require_token))
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

async fn require_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(secret) = bearer(&req) else {
        return AppError::Unauthorized.into_response();
    };
    let signed_in = match identity::resolve_token(&state.db, secret).await {
        Ok(Some(s)) => s,
        Ok(None) => return AppError::Unauthorized.into_response(),
        Err(e) => return e.into_response(),
    };
    tracing::Span::current().record("user", signed_in.user.email.as_str());
    let client = req.extensions().get::<ClientMeta>().cloned().unwrap_or_default();
    req.extensions_mut().insert(Caller {
        client,
        signed_in: Some(signed_in),
    });
    next.run(req).await
}

/// `GET /api/v1/me`: who the token stands for, with its effective role.
async fn me(Extension(caller): Extension<Caller>) -> Response {
    match caller.signed_in {
        Some(s) => Json(serde_json::json!({
            "user": s.user,
            "via_token": matches!(s.credential, Credential::Token { .. }),
        }))
        .into_response(),
        None => AppError::Unauthorized.into_response(),
    }
}
