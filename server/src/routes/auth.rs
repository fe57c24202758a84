//! Sign-in, sign-out and the theme preference: plain form posts and links, so they work before
//! hydration and without JavaScript. The handlers only translate HTTP to `identity` and back.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;

use app::backend::identity::{self, sessions};
use app::backend::{AppState, Caller};
use app::domain::Email;
use app::error::AppError;
use app::url::{encode, safe_next};

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

/// Where the login form goes back to when sign-in fails: the reason, the email kept, and for a
/// throttled account the wait the server computed.
fn back_to_form(code: &str, email: &str, next: &str, retry_after: Option<u64>) -> Response {
    let retry = retry_after.map(|s| format!("&retry={s}")).unwrap_or_default();
    Redirect::to(&format!("/login?error={code}&email={}&next={}{retry}", encode(email), encode(next))).into_response()
}

/// Sign-in. A form post (the login page, with or without JavaScript) is answered with a redirect;
/// a JSON post with JSON and a status.
pub async fn login(State(state): State<AppState>, Extension(caller): Extension<Caller>, headers: HeaderMap, body: Bytes) -> Response {
    let json = wants_json(&headers);
    let input: Option<LoginInput> = if json {
        serde_json::from_slice(&body).ok()
    } else {
        serde_urlencoded::from_bytes(&body).ok()
    };
    let Some(input) = input else {
        return if json {
            AppError::validation("body", "send {\"email\": ..., \"password\": ...}").into_response()
        } else {
            back_to_form("malformed", "", "/", None)
        };
    };
    let next = safe_next(input.next.as_deref());
    let email: Email = match input.email.parse() {
        Ok(e) => e,
        Err(e) if json => return e.into_response(),
        Err(_) => return back_to_form("malformed", &input.email, &next, None),
    };
    if input.password.is_empty() || input.password.len() > 1024 {
        return if json {
            AppError::validation("password", "enter your password").into_response()
        } else {
            back_to_form("malformed", email.as_str(), &next, None)
        };
    }
    let previous = sessions::secret_from(&headers);
    let signed_in = identity::sign_in(
        &state.db,
        &state.identity,
        &email,
        input.password,
        &caller.client,
        previous.as_deref(),
    )
    .await;
    let (user, session) = match signed_in {
        Ok(ok) => ok,
        Err(e) if json => return e.into_response(),
        Err(e @ AppError::TooManyRequests { .. }) => return back_to_form("throttled", email.as_str(), &next, e.retry_after_secs()),
        Err(AppError::Busy { .. }) => return back_to_form("busy", email.as_str(), &next, None),
        Err(AppError::Deactivated) => return back_to_form("inactive", email.as_str(), &next, None),
        Err(AppError::InvalidCredentials) => return back_to_form("invalid", email.as_str(), &next, None),
        Err(e) => return e.into_response(),
    };
    let mut res = if json {
        Json(serde_json::json!({ "user": user })).into_response()
    } else {
        Redirect::to(&next).into_response()
    };
    match HeaderValue::from_str(&session.cookie()) {
        Ok(v) => {
            res.headers_mut().insert(header::SET_COOKIE, v);
            res
        }
        Err(_) => AppError::Internal {
            reference: "session-cookie".into(),
        }
        .into_response(),
    }
}

/// Sign-out: the session is deleted on the server, not just forgotten by the browser.
pub async fn logout(State(state): State<AppState>, Extension(caller): Extension<Caller>, headers: HeaderMap) -> Response {
    if let Err(e) = identity::sign_out(&state.db, &caller).await {
        return e.into_response();
    }
    let mut res = if wants_json(&headers) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Redirect::to("/login").into_response()
    };
    for cookie in sessions::removal_cookies() {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
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
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
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
