use app::api::account::{ChangePassword, MySessions, RevokeMySession, WhoAmI};
use app::api::admin::{AllSessions, RevokeAnySession};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{direct, test_settings, TestApp, ADMIN, VIEWER};

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
        .post(app.url(WhoAmI::PATH))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &app.addr)
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

/// The lifetime sign-in gives a session is the configured one, and the cookie itself carries no
/// expiry (it dies with the browser; the server's limits end it on our side).
#[sqlx::test(migrations = "../migrations")]
async fn sign_in_sets_the_configured_lifetime(db: PgPool) {
    let mut settings = test_settings();
    settings.sessions.absolute = std::time::Duration::from_secs(5 * 3_600);
    let app = TestApp::spawn_with(db, settings, direct()).await;
    let res = app.login_json(&app.client(), VIEWER.0, VIEWER.1).await;
    let cookie = res.headers()["set-cookie"].to_str().expect("ascii").to_string();
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "{cookie}");
    let lifetime_secs: f64 = sqlx::query_scalar("SELECT EXTRACT(EPOCH FROM (expires_at - created_at))::FLOAT8 FROM sessions")
        .fetch_one(&app.db)
        .await
        .expect("session");
    assert!((lifetime_secs - 5.0 * 3_600.0).abs() < 5.0, "{lifetime_secs}");
}

#[sqlx::test(migrations = "../migrations")]
async fn idle_and_absolute_expiry_end_sessions(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let idle = app.signed_in(VIEWER).await;
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '12 hours 1 minute'")
        .execute(&app.db)
        .await
        .expect("age");
    assert_eq!(app.call::<WhoAmI>(&idle, &[]).await.0, StatusCode::UNAUTHORIZED);

    let old = app.signed_in(VIEWER).await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .expect("expire");
    assert_eq!(app.call::<WhoAmI>(&old, &[]).await.0, StatusCode::UNAUTHORIZED);

    let fresh = app.signed_in(VIEWER).await;
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '11 hours'")
        .execute(&app.db)
        .await
        .expect("age");
    assert_eq!(app.call::<WhoAmI>(&fresh, &[]).await.0, StatusCode::OK, "11 h idle is within 12 h");
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
    let (status, list) = app.call::<MySessions>(&laptop, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().expect("array").clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    let other = list.iter().find(|s| s["current"] == false).expect("the phone")["handle"]
        .as_str()
        .expect("handle")
        .to_string();

    // Not someone else's.
    let (_, admin_list) = app.call::<MySessions>(&admin, &[]).await;
    let admin_handle = admin_list[0]["handle"].as_str().expect("handle").to_string();
    let (status, _) = app.call::<RevokeMySession>(&laptop, &[("handle", &admin_handle)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.call::<WhoAmI>(&admin, &[]).await.0, StatusCode::OK);

    let (status, _) = app.call::<RevokeMySession>(&laptop, &[("handle", &other)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call::<WhoAmI>(&phone, &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call::<WhoAmI>(&laptop, &[]).await.0, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_list_and_revoke_anyones_sessions(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, list) = app.call::<AllSessions>(&admin, &[]).await;
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
    let (status, _) = app.call::<RevokeAnySession>(&admin, &[("handle", &viewer_session)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call::<WhoAmI>(&viewer, &[]).await.0, StatusCode::UNAUTHORIZED);
    // Signed in again, the viewer reaches the role check, which refuses them.
    let viewer = app.signed_in(VIEWER).await;
    let (status, body) = app.call::<AllSessions>(&viewer, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app.call::<RevokeAnySession>(&viewer, &[("handle", &viewer_session)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_password_change_ends_every_other_session(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let here = app.signed_in(VIEWER).await;
    let elsewhere = app.signed_in(VIEWER).await;
    let (status, body) = app
        .call::<ChangePassword>(
            &here,
            &[
                ("current", "wrong"),
                ("new", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .call::<ChangePassword>(&here, &[("current", VIEWER.1), ("new", "short"), ("confirm", "short")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .call::<ChangePassword>(
            &here,
            &[
                ("current", VIEWER.1),
                ("new", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.call::<WhoAmI>(&here, &[]).await.0, StatusCode::OK);
    assert_eq!(app.call::<WhoAmI>(&elsewhere, &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_json(&app.client(), VIEWER.0, VIEWER.1).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_json(&app.client(), VIEWER.0, "a brand new password").await.status(),
        StatusCode::OK
    );
}
