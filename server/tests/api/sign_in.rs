use app::api::account::{ChangePassword, WhoAmI};
use app::api::admin::ResetUserPassword;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{direct, test_settings, TestApp, ADMIN, VIEWER};

#[sqlx::test(migrations = "../migrations")]
async fn sign_in_sets_a_hardened_cookie_and_reaches_the_user(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let res = app.login_json(&c, "  Viewer@Example.com ", VIEWER.1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().expect("ascii").to_string();
    assert!(cookie.starts_with("watchpost_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
    let (status, me) = app.call::<WhoAmI>(&c, &[]).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "viewer@example.com");
    assert_eq!(me["role"], "viewer");
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_password_and_unknown_account_get_the_same_answer(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let wrong = app.login_json(&c, VIEWER.0, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong: serde_json::Value = wrong.json().await.expect("json");
    let unknown = app.login_json(&c, "nobody@example.com", "not the password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown: serde_json::Value = unknown.json().await.expect("json");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["message"], "Wrong email or password");
    let (status, _) = app.call::<WhoAmI>(&c, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no session after a failed sign-in");
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in_failed'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(failures, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_sign_in_requests_are_refused_clearly(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let res = c
        .post(app.url("/auth/login"))
        .header("origin", &app.addr)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("email")), "{body}");
    let res = app.login_json(&c, "not-an-email", "whatever password").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_login_form_redirects_with_a_reason_and_keeps_the_email(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let res = c
        .post(app.url("/auth/login"))
        .header("origin", &app.addr)
        .form(&[
            ("email", VIEWER.0),
            ("password", "wrong password"),
            ("next", "/explore?from=now-5m"),
        ])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().expect("ascii");
    assert!(
        location.starts_with("/login?error=invalid&email=viewer%40example.com"),
        "{location}"
    );
    let res = c
        .post(app.url("/auth/login"))
        .header("origin", &app.addr)
        .form(&[("email", VIEWER.0), ("password", VIEWER.1), ("next", "/explore?from=now-5m")])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/explore?from=now-5m");
    // An open redirect is not possible through `next`.
    let res = c
        .post(app.url("/auth/login"))
        .header("origin", &app.addr)
        .form(&[("email", VIEWER.0), ("password", VIEWER.1), ("next", "//evil.example/")])
        .send()
        .await
        .expect("req");
    assert_eq!(res.headers()["location"], "/");
}

#[sqlx::test(migrations = "../migrations")]
async fn repeated_failures_throttle_the_account_even_for_the_right_password(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    for _ in 0..3 {
        assert_eq!(
            app.login_json(&c, VIEWER.0, "wrong password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = app.login_json(&c, VIEWER.0, VIEWER.1).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // Other accounts from elsewhere are unaffected; an admin reset clears the lock.
    let admin = app.signed_in(ADMIN).await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(VIEWER.0)
        .fetch_one(&app.db)
        .await
        .expect("id");
    let (status, password) = app.call::<ResetUserPassword>(&admin, &[("user_id", &id.to_string())]).await;
    assert_eq!(status, StatusCode::OK);
    let password = password.as_str().expect("new password").to_string();
    assert_eq!(app.login_json(&c, VIEWER.0, &password).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn repeated_failures_throttle_the_client_address(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    // Six failures spread over many accounts: each account stays under its own limit.
    for i in 0..6 {
        let res = app.login_json(&c, &format!("guess{i}@example.com"), "wrong password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login_json(&c, ADMIN.0, ADMIN.1).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "../migrations")]
async fn deactivated_accounts_cannot_sign_in(db: PgPool) {
    let app = TestApp::spawn(db).await;
    sqlx::query("UPDATE users SET active = false WHERE email = $1")
        .bind(VIEWER.0)
        .execute(&app.db)
        .await
        .expect("deactivate");
    let res = app.login_json(&app.client(), VIEWER.0, VIEWER.1).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// A burst of concurrent wrong passwords gets exactly the limit of answers, the rest 429: the
/// count is taken atomically with the attempt, not checked first and recorded later.
#[sqlx::test(migrations = "../migrations")]
async fn a_burst_of_guesses_gets_only_the_limit(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let guesses = (0..12).map(|i| app.login_json(&c, VIEWER.0, if i % 2 == 0 { "wrong one" } else { "wrong two" }));
    let statuses: Vec<StatusCode> = futures::future::join_all(guesses).await.iter().map(|r| r.status()).collect();
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, throttled), (3, 9), "{statuses:?}");
}

/// Behind a load balancer: an attacker elsewhere exhausts their own (account, address) pair but
/// cannot lock the owner out; the address comes from the rightmost X-Forwarded-For hop, so a
/// forged leftmost entry changes nothing.
#[sqlx::test(migrations = "../migrations")]
async fn an_attacker_cannot_lock_the_owner_out(db: PgPool) {
    let parts = server::routes::RouterParts {
        public_url: None,
        trusted_proxies: 1,
    };
    let app = TestApp::spawn_with(db, test_settings(), parts).await;
    let from = |addr: &str, forged: &str, password: &str| {
        app.client()
            .post(app.url("/auth/login"))
            .header("origin", &app.addr)
            .header("x-forwarded-for", format!("{forged}, {addr}"))
            .json(&serde_json::json!({"email": VIEWER.0, "password": password}))
            .send()
    };
    for i in 0..3 {
        // The attacker varies the forged entry; it must not reset their count.
        let res = from("203.0.113.66", &format!("10.0.0.{i}"), "guess").await.expect("req");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = from("203.0.113.66", "198.51.100.7", VIEWER.1).await.expect("req");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "the attacker's pair is throttled");
    let res = from("198.51.100.7", "203.0.113.66", VIEWER.1).await.expect("req");
    assert_eq!(res.status(), StatusCode::OK, "the owner, elsewhere, still signs in");
    let ip: String = sqlx::query_scalar("SELECT ip FROM sessions")
        .fetch_one(&app.db)
        .await
        .expect("session");
    assert_eq!(ip, "198.51.100.7", "the session records the real client, not the forged hop");
}

/// Over https (the proxy says so, or the public address is https) the cookie is Secure with the
/// `__Host-` prefix, HSTS is sent, and the session works with it.
#[sqlx::test(migrations = "../migrations")]
async fn over_https_the_cookie_is_host_prefixed_and_hsts_is_sent(db: PgPool) {
    let parts = server::routes::RouterParts {
        public_url: None,
        trusted_proxies: 1,
    };
    let app = TestApp::spawn_with(db, test_settings(), parts).await;
    let c = app.client();
    let res = c
        .post(app.url("/auth/login"))
        .header("origin", app.addr.replacen("http://", "https://", 1))
        .header("x-forwarded-proto", "https")
        .json(&serde_json::json!({"email": VIEWER.0, "password": VIEWER.1}))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().expect("ascii").to_string();
    assert!(cookie.starts_with("__Host-watchpost_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .expect("ascii")
        .contains("max-age="));
    let plain = c.get(app.url("/healthz")).send().await.expect("req");
    assert!(!plain.headers().contains_key("strict-transport-security"), "not over plain http");
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_carry_security_headers_and_a_nonce_policy(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let res = app.client().get(app.url("/login")).send().await.expect("req");
    let h = res.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    let csp = h["content-security-policy"].to_str().expect("ascii").to_string();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
        "{csp}"
    );
    // No inline script or style element is allowed; only inline style attributes are (a
    // dashboard places its widgets on the grid by attribute; markdown never carries one).
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(!directive("script-src").contains("unsafe-inline"), "{csp}");
    assert!(!directive("style-src").contains("unsafe-inline"), "{csp}");
    assert_eq!(directive("style-src-attr"), "style-src-attr 'unsafe-inline'", "{csp}");
    assert!(directive("style-src-elem").is_empty(), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in script-src")
        .to_string();
    let html = res.text().await.expect("html");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the nonce"
    );
    let other = app.client().get(app.url("/login")).send().await.expect("req");
    assert!(
        !other.headers()["content-security-policy"].to_str().expect("ascii").contains(&nonce),
        "a fresh nonce per response"
    );
    let api = app.client().get(app.url("/api/v1/me")).send().await.expect("req");
    assert!(api.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .contains("default-src 'none'"));
}

/// Checking the current password is throttled like a sign-in and failures are audited.
#[sqlx::test(migrations = "../migrations")]
async fn password_change_checks_are_throttled_and_audited(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.signed_in(VIEWER).await;
    let guess = [
        ("current", "a guess"),
        ("new", "a brand new password"),
        ("confirm", "a brand new password"),
    ];
    for _ in 0..3 {
        assert_eq!(app.call::<ChangePassword>(&c, &guess).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let right = [
        ("current", VIEWER.1),
        ("new", "a brand new password"),
        ("confirm", "a brand new password"),
    ];
    let (status, body) = app.call::<ChangePassword>(&c, &right).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'user.password_change_failed'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(failures, 3);
}

/// The login page tells a throttled person the real wait, from the configured window.
#[sqlx::test(migrations = "../migrations")]
async fn the_login_page_gives_the_real_wait(db: PgPool) {
    let mut settings = test_settings();
    settings.throttle.window = std::time::Duration::from_secs(2 * 3_600);
    let app = TestApp::spawn_with(db, settings, direct()).await;
    let c = app.client();
    let form = |password: &'static str| {
        c.post(app.url("/auth/login"))
            .header("origin", &app.addr)
            .form(&[("email", VIEWER.0), ("password", password)])
            .send()
    };
    for _ in 0..3 {
        form("wrong").await.expect("req");
    }
    let res = form(VIEWER.1).await.expect("req");
    let location = res.headers()["location"].to_str().expect("ascii").to_string();
    assert!(location.contains("error=throttled") && location.contains("retry="), "{location}");
    let page = c.get(app.url(&location)).send().await.expect("req").text().await.expect("html");
    assert!(page.contains("Try again in 2 hours"), "{page}");
    assert!(!page.contains("15 minutes"));
}
