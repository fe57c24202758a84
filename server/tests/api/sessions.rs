use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, VIEWER};

async fn session_count(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_out_ends_the_session_on_the_server(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let res = app.login_json(&c, VIEWER.0, VIEWER.1).await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    assert_eq!(session_count(&app, VIEWER.0).await, 1);
    let res = c
        .post(app.url("/auth/logout"))
        .header("origin", &app.addr)
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(session_count(&app, VIEWER.0).await, 0);
    // Replaying the old cookie gets nowhere.
    let stranger = app.client();
    let res = stranger
        .post(app.url("/api/account/me"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'auth.sign_out'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(audit, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_session_id_changes_at_sign_in(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let first = app.login_json(&c, VIEWER.0, VIEWER.1).await.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    let second = app.login_json(&c, VIEWER.0, VIEWER.1).await.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_ne!(first.split(';').next(), second.split(';').next());
    assert_eq!(session_count(&app, VIEWER.0).await, 1, "the old session was replaced, not kept");
}

#[sqlx::test(migrations = "../migrations")]
async fn idle_and_absolute_expiry_end_sessions(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let idle = app.signed_in(VIEWER).await;
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '12 hours 1 minute'")
        .execute(&app.db)
        .await
        .expect("age");
    assert_eq!(app.call(&idle, "account/me", &[]).await.0, StatusCode::UNAUTHORIZED);

    let old = app.signed_in(VIEWER).await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .expect("expire");
    assert_eq!(app.call(&old, "account/me", &[]).await.0, StatusCode::UNAUTHORIZED);

    let fresh = app.signed_in(VIEWER).await;
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '11 hours'")
        .execute(&app.db)
        .await
        .expect("age");
    assert_eq!(
        app.call(&fresh, "account/me", &[]).await.0,
        StatusCode::OK,
        "11 h idle is within 12 h"
    );
    let touched: bool =
        sqlx::query_scalar("SELECT last_seen_at > now() - interval '1 minute' FROM sessions ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&app.db)
            .await
            .expect("touched");
    assert!(touched, "use moves the idle deadline");
}

#[sqlx::test(migrations = "../migrations")]
async fn people_list_and_revoke_their_own_sessions_only(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let laptop = app.signed_in(VIEWER).await;
    let phone = app.signed_in(VIEWER).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, list) = app.call(&laptop, "account/sessions", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().expect("array").clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    let other = list.iter().find(|s| s["current"] == false).expect("the phone")["handle"]
        .as_str()
        .expect("handle")
        .to_string();

    // Not someone else's.
    let (_, admin_list) = app.call(&admin, "account/sessions", &[]).await;
    let admin_handle = admin_list[0]["handle"].as_str().expect("handle").to_string();
    let (status, _) = app.call(&laptop, "account/sessions/revoke", &[("handle", &admin_handle)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.call(&admin, "account/me", &[]).await.0, StatusCode::OK);

    let (status, _) = app.call(&laptop, "account/sessions/revoke", &[("handle", &other)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call(&phone, "account/me", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call(&laptop, "account/me", &[]).await.0, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_list_and_revoke_anyones_sessions(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, list) = app.call(&admin, "admin/sessions", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let viewer_session = list
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["user_email"] == VIEWER.0)
        .expect("the viewer's session")["handle"]
        .as_str()
        .expect("handle")
        .to_string();
    let (status, _) = app.call(&admin, "admin/sessions/revoke", &[("handle", &viewer_session)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call(&viewer, "account/me", &[]).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = app.call(&viewer, "admin/sessions", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_password_change_ends_every_other_session(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let here = app.signed_in(VIEWER).await;
    let elsewhere = app.signed_in(VIEWER).await;
    let (status, body) = app
        .call(
            &here,
            "account/password",
            &[
                ("current", "wrong"),
                ("new", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .call(
            &here,
            "account/password",
            &[("current", VIEWER.1), ("new", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .call(
            &here,
            "account/password",
            &[
                ("current", VIEWER.1),
                ("new", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.call(&here, "account/me", &[]).await.0, StatusCode::OK);
    assert_eq!(app.call(&elsewhere, "account/me", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_json(&app.client(), VIEWER.0, VIEWER.1).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_json(&app.client(), VIEWER.0, "a brand new password").await.status(),
        StatusCode::OK
    );
}
