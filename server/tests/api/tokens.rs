use app::api::account::{ChangePassword, CreateToken, MyTokens, RevokeToken, WhoAmI};
use app::api::admin::{ResetUserPassword, SetUserRole};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, EDITOR};

#[sqlx::test(migrations = "../migrations")]
async fn tokens_authenticate_the_api_until_revoked(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (status, token) = app
        .call::<CreateToken>(&editor, &[("name", "CI"), ("role", "viewer"), ("expires_in_days", "")])
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
        .post(app.url(WhoAmI::PATH))
        .bearer_auth(&secret)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &app.addr)
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let id = token["info"]["id"].as_str().expect("id").to_string();
    let (status, _) = app.call::<RevokeToken>(&editor, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let res = anon.get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let (_, list) = app.call::<MyTokens>(&editor, &[]).await;
    assert_eq!(list[0]["revoked"], true);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_never_outranks_its_owner(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (status, body) = app
        .call::<CreateToken>(&editor, &[("name", "too much"), ("role", "admin"), ("expires_in_days", "")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let admin = app.signed_in(ADMIN).await;
    let (_, token) = app
        .call::<CreateToken>(&admin, &[("name", "ops"), ("role", "admin"), ("expires_in_days", "30")])
        .await;
    let secret = token["secret"].as_str().expect("secret").to_string();
    assert!(token["info"]["expires_at_ms"].is_i64());
    assert_eq!(app.api_me(&secret).await.1["user"]["role"], "admin");

    // A demotion lowers the token itself, not only what it can do today: promoted back, the
    // owner's token stays a viewer's.
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = $1")
        .bind(EDITOR.0)
        .execute(&app.db)
        .await
        .expect("a second admin");
    let other_admin = app.signed_in(EDITOR).await;
    let admin_id = app.id_of(ADMIN.0).await;
    for role in ["viewer", "admin"] {
        let (status, body) = app
            .call::<SetUserRole>(&other_admin, &[("user_id", &admin_id), ("role", role)])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, me) = app.api_me(&secret).await;
    assert_eq!(me["user"]["role"], "viewer", "the token was lowered when its owner was");
    let stored: String = sqlx::query_scalar("SELECT role::TEXT FROM api_tokens")
        .fetch_one(&app.db)
        .await
        .expect("token");
    assert_eq!(stored, "viewer");
}

/// The effective role is the lower of the token's and the owner's, even when the rows disagree.
#[sqlx::test(migrations = "../migrations")]
async fn the_lower_of_token_and_owner_role_applies(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let (_, token) = app
        .call::<CreateToken>(&admin, &[("name", "ops"), ("role", "admin"), ("expires_in_days", "")])
        .await;
    let secret = token["secret"].as_str().expect("secret").to_string();
    sqlx::query("UPDATE users SET role = 'editor' WHERE email = $1")
        .bind(ADMIN.0)
        .execute(&app.db)
        .await
        .expect("demote behind the service's back");
    assert_eq!(app.api_me(&secret).await.1["user"]["role"], "editor");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_password_change_or_reset_revokes_api_tokens(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let create = || app.call::<CreateToken>(&editor, &[("name", "CI"), ("role", "editor"), ("expires_in_days", "")]);
    let first = create().await.1["secret"].as_str().expect("secret").to_string();
    assert_eq!(app.api_me(&first).await.0, StatusCode::OK);
    let (status, body) = app
        .call::<ChangePassword>(
            &editor,
            &[
                ("current", EDITOR.1),
                ("new", "a new editor password"),
                ("confirm", "a new editor password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.api_me(&first).await.0,
        StatusCode::UNAUTHORIZED,
        "revoked by the password change"
    );

    let second = create().await.1["secret"].as_str().expect("secret").to_string();
    assert_eq!(app.api_me(&second).await.0, StatusCode::OK);
    let admin = app.signed_in(ADMIN).await;
    let editor_id = app.id_of(EDITOR.0).await;
    let (status, _) = app.call::<ResetUserPassword>(&admin, &[("user_id", &editor_id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.api_me(&second).await.0, StatusCode::UNAUTHORIZED, "revoked by the reset");
    let detail: serde_json::Value = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'user.password_reset'")
        .fetch_one(&app.db)
        .await
        .expect("audited");
    assert_eq!(detail["tokens_revoked"], 1);
}

/// A token is for `/api/v1`: it cannot change the account it belongs to through the pages'
/// server functions (which never read it), and a session cannot call `/api/v1`.
#[sqlx::test(migrations = "../migrations")]
async fn tokens_and_sessions_stay_on_their_own_side(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (_, token) = app
        .call::<CreateToken>(&editor, &[("name", "CI"), ("role", "editor"), ("expires_in_days", "")])
        .await;
    let secret = token["secret"].as_str().expect("secret").to_string();
    let res = app
        .client()
        .post(app.url(CreateToken::PATH))
        .bearer_auth(&secret)
        .header("origin", &app.addr)
        .form(&[("name", "sneaky"), ("role", "editor"), ("expires_in_days", "")])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = editor.get(app.url("/api/v1/me")).send().await.expect("req");
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the session cookie is not a credential on /api/v1"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn expired_tokens_and_deactivated_owners_are_refused(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (_, token) = app
        .call::<CreateToken>(&editor, &[("name", "CI"), ("role", "editor"), ("expires_in_days", "1")])
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
    let (status, _) = app.call::<MyTokens>(&editor, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a deactivated user's session ends too");
}
