use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, EDITOR};

#[sqlx::test(migrations = "../migrations")]
async fn tokens_authenticate_the_api_until_revoked(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (status, token) = app
        .call(
            &editor,
            "account/tokens/create",
            &[("name", "CI"), ("role", "viewer"), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let secret = token["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("wpt_"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert!(
        !stored.windows(8).any(|w| secret.as_bytes().windows(8).any(|s| s == w)),
        "only a hash is stored"
    );

    let anon = app.client();
    let res = anon.get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::OK);
    let me: serde_json::Value = res.json().await.expect("json");
    assert_eq!(me["user"]["email"], EDITOR.0);
    assert_eq!(me["user"]["role"], "viewer", "the token's lower role applies");
    assert_eq!(me["via_token"], true);

    let res = anon.get(app.url("/api/v1/me")).bearer_auth("wpt_forged").send().await.expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = anon.get(app.url("/api/v1/me")).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // A token is for the API, not a way into the pages' server functions.
    let res = anon
        .post(app.url("/api/account/me"))
        .bearer_auth(&secret)
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let id = token["info"]["id"].as_str().expect("id").to_string();
    let (status, _) = app.call(&editor, "account/tokens/revoke", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let res = anon.get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let (_, list) = app.call(&editor, "account/tokens", &[]).await;
    assert_eq!(list[0]["revoked"], true);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_never_outranks_its_owner(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (status, body) = app
        .call(
            &editor,
            "account/tokens/create",
            &[("name", "too much"), ("role", "admin"), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let admin = app.signed_in(ADMIN).await;
    let (_, token) = app
        .call(
            &admin,
            "account/tokens/create",
            &[("name", "ops"), ("role", "admin"), ("expires_in_days", "30")],
        )
        .await;
    let secret = token["secret"].as_str().expect("secret").to_string();
    assert!(token["info"]["expires_at_ms"].is_i64());
    // Demote the owner: the token follows.
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = $1")
        .bind(EDITOR.0)
        .execute(&app.db)
        .await
        .expect("promote");
    let admin_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(ADMIN.0)
        .fetch_one(&app.db)
        .await
        .expect("id");
    let other_admin = app.signed_in(EDITOR).await;
    let (status, body) = app
        .call(
            &other_admin,
            "admin/users/role",
            &[("user_id", &admin_id.to_string()), ("role", "viewer")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = app.api_me(&secret).await;
    assert_eq!(me["user"]["role"], "viewer");
}

#[sqlx::test(migrations = "../migrations")]
async fn expired_tokens_and_deactivated_owners_are_refused(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (_, token) = app
        .call(
            &editor,
            "account/tokens/create",
            &[("name", "CI"), ("role", "editor"), ("expires_in_days", "1")],
        )
        .await;
    let secret = token["secret"].as_str().expect("secret").to_string();
    assert_eq!(app.api_me(&secret).await.0, StatusCode::OK);
    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .expect("expire");
    assert_eq!(app.api_me(&secret).await.0, StatusCode::UNAUTHORIZED);
    sqlx::query("UPDATE api_tokens SET expires_at = NULL")
        .execute(&app.db)
        .await
        .expect("unexpire");
    sqlx::query("UPDATE users SET active = false WHERE email = $1")
        .bind(EDITOR.0)
        .execute(&app.db)
        .await
        .expect("deactivate");
    assert_eq!(app.api_me(&secret).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = app.call(&editor, "account/tokens", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a deactivated user's session ends too");
}
