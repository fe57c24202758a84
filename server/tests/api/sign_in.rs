use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, VIEWER};

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
    let (status, me) = app.call(&c, "account/me", &[]).await;
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
    let (status, _) = app.call(&c, "account/me", &[]).await;
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
        .form(&[("email", VIEWER.0), ("password", VIEWER.1), ("next", "/explore?from=now-5m")])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/explore?from=now-5m");
    // An open redirect is not possible through `next`.
    let res = c
        .post(app.url("/auth/login"))
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
    let (status, password) = app
        .call(&admin, "admin/users/reset-password", &[("user_id", &id.to_string())])
        .await;
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
