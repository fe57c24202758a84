//! Plain HTTP routes beside the Leptos pages: health, metrics, sign-in and sign-out, the theme
//! preference, and the token API (`/api/v1`).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use std::sync::Arc;
use tower_sessions::{Expiry, Session};

use app::backend::audit::{self, Actor};
use app::backend::sessions::{IP, USER_AGENT, USER_ID};
use app::backend::{users, AppState, Auth};
use app::domain::Email;
use app::error::AppError;
use app::url::{encode, safe_next};

use crate::metrics::Metrics;

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and every migration this build knows is applied.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let expected: Vec<i64> = sqlx::migrate!("../migrations").migrations.iter().map(|m| m.version).collect();
    let applied = sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&state.db)
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
            let missing: Vec<i64> = expected.into_iter().filter(|v| !applied.contains(v)).collect();
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

pub async fn metrics(State(metrics): State<Arc<Metrics>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics.render(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginInput {
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Sign-in. A form post (the login page, with or without JavaScript) is answered with a redirect;
/// a JSON post with JSON and a status.
pub async fn login(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = wants_json(&headers);
    let input: Option<LoginInput> = if json {
        serde_json::from_slice(&body).ok()
    } else {
        serde_urlencoded::from_bytes(&body).ok()
    };
    let back = |code: &str, email: &str, next: &str| {
        Redirect::to(&format!("/login?error={code}&email={}&next={}", encode(email), encode(next))).into_response()
    };
    let Some(input) = input else {
        return if json {
            AppError::validation("body", "send {\"email\": ..., \"password\": ...}").into_response()
        } else {
            back("malformed", "", "/")
        };
    };
    let next = safe_next(input.next.as_deref());
    let email: Email = match input.email.parse() {
        Ok(e) => e,
        Err(e) => {
            return if json {
                e.into_response()
            } else {
                back("malformed", &input.email, &next)
            }
        }
    };
    if input.password.is_empty() || input.password.len() > 1024 {
        return if json {
            AppError::validation("password", "enter your password").into_response()
        } else {
            back("malformed", email.as_str(), &next)
        };
    }
    let user = match users::authenticate(&state.db, &state.settings, &email, input.password, &auth.client).await {
        Ok(u) => u,
        Err(e) if json => return e.into_response(),
        Err(AppError::TooManyRequests { .. }) => return back("throttled", email.as_str(), &next),
        Err(AppError::Forbidden { .. }) => return back("inactive", email.as_str(), &next),
        Err(AppError::InvalidCredentials) => return back("invalid", email.as_str(), &next),
        Err(e) => return e.into_response(),
    };
    // A new id at sign-in, so a session id planted before sign-in is worth nothing after it.
    let absolute = time::Duration::try_from(state.settings.session_absolute).unwrap_or(time::Duration::days(7));
    let stored = async {
        session.cycle_id().await?;
        session.set_expiry(Some(Expiry::AtDateTime(time::OffsetDateTime::now_utc() + absolute)));
        session.insert(USER_ID, user.id.to_string()).await?;
        session.insert(IP, auth.client.ip.clone()).await?;
        session.insert(USER_AGENT, auth.client.user_agent.clone()).await?;
        session.save().await
    }
    .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "could not store the new session");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "Signed in, but the session could not be stored; try again.",
        )
            .into_response();
    }
    if json {
        Json(serde_json::json!({ "user": user })).into_response()
    } else {
        Redirect::to(&next).into_response()
    }
}

/// Sign-out: the session is deleted on the server, not just forgotten by the browser.
pub async fn logout(State(state): State<AppState>, Extension(auth): Extension<Auth>, session: Session, headers: HeaderMap) -> Response {
    if let Some(user) = &auth.user {
        if let Err(e) = audit::record(
            &state.db,
            &Actor::user(user, &auth.client),
            "auth.sign_out",
            Some(&user.email),
            serde_json::json!({}),
        )
        .await
        {
            return e.into_response();
        }
    }
    if let Err(e) = session.flush().await {
        tracing::error!(error = %e, "could not delete the session");
        return (StatusCode::SERVICE_UNAVAILABLE, "The session could not be ended; try again.").into_response();
    }
    if wants_json(&headers) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

#[derive(Deserialize)]
pub struct ThemeChoice {
    set: String,
    next: Option<String>,
}

/// Remembers light, dark or system theme in a cookie and goes back.
pub async fn set_theme(Query(choice): Query<ThemeChoice>) -> Response {
    let cookie = match choice.set.as_str() {
        "light" | "dark" => format!("theme={}; Path=/; Max-Age=31536000; SameSite=Lax", choice.set),
        _ => "theme=; Path=/; Max-Age=0; SameSite=Lax".to_string(),
    };
    let mut res = Redirect::to(&safe_next(choice.next.as_deref())).into_response();
    if let Ok(v) = http::HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `GET /api/v1/me`: who a token (or session) stands for.
pub async fn api_me(Extension(auth): Extension<Auth>) -> Response {
    match auth.user {
        Some(user) => Json(serde_json::json!({ "user": user, "via_token": auth.via_token })).into_response(),
        None => AppError::Unauthorized.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_forms_decode_with_next_optional() {
        let f: LoginInput = serde_urlencoded::from_bytes(b"email=ann%40example.com&password=a+b%26c&next=%2Fexplore").expect("valid");
        assert_eq!(
            (f.email.as_str(), f.password.as_str(), f.next.as_deref()),
            ("ann@example.com", "a b&c", Some("/explore"))
        );
        let f: LoginInput = serde_urlencoded::from_bytes(b"email=a%40b.c&password=x").expect("valid");
        assert_eq!(f.next, None);
        assert!(
            serde_urlencoded::from_bytes::<LoginInput>(b"email=x").is_err(),
            "a missing password is refused"
        );
    }
}
