use app::api::account::{CreateToken, WhoAmI};
use app::api::admin::{AuditLog, CreateUser, ListUsers, ResetUserPassword, SetUserActive, SetUserRole};
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, EDITOR, VIEWER};

async fn id_of(app: &TestApp, email: &str) -> String {
    app.id_of(email).await
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_create_people_with_a_generated_password(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, password) = app
        .call::<CreateUser>(
            &admin,
            &[
                ("email", "New@Example.com"),
                ("display_name", "New Person"),
                ("role", "editor"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{password}");
    let password = password.as_str().expect("generated password").to_string();
    assert!(password.len() >= 16);
    let c = app.signed_in(("new@example.com", &password)).await;
    let (_, me) = app.call::<WhoAmI>(&c, &[]).await;
    assert_eq!(me["role"], "editor");
    assert_eq!(me["display_name"], "New Person");

    let (status, body) = app
        .call::<CreateUser>(
            &admin,
            &[
                ("email", "new@example.com"),
                ("display_name", "Again"),
                ("role", "viewer"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = app
        .call::<CreateUser>(
            &admin,
            &[("email", "bad"), ("display_name", "X"), ("role", "viewer"), ("password", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "email");
}

#[sqlx::test(migrations = "../migrations")]
async fn role_changes_apply_at_once_and_the_last_admin_stays(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let viewer = app.signed_in(VIEWER).await;
    let viewer_id = id_of(&app, VIEWER.0).await;
    let (status, _) = app.call::<SetUserRole>(&admin, &[("user_id", &viewer_id), ("role", "admin")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.call::<ListUsers>(&viewer, &[]).await.0,
        StatusCode::OK,
        "the existing session has the new role"
    );
    let (status, _) = app
        .call::<SetUserRole>(&admin, &[("user_id", &viewer_id), ("role", "viewer")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call::<ListUsers>(&viewer, &[]).await.0, StatusCode::FORBIDDEN);

    let admin_id = id_of(&app, ADMIN.0).await;
    let (status, body) = app.call::<SetUserRole>(&admin, &[("user_id", &admin_id), ("role", "editor")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = app
        .call::<SetUserActive>(&admin, &[("user_id", &admin_id), ("active", "false")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[sqlx::test(migrations = "../migrations")]
async fn deactivation_ends_sessions_and_reactivation_restores_sign_in(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let viewer = app.signed_in(VIEWER).await;
    let viewer_id = id_of(&app, VIEWER.0).await;
    let (status, _) = app
        .call::<SetUserActive>(&admin, &[("user_id", &viewer_id), ("active", "false")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call::<WhoAmI>(&viewer, &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_json(&app.client(), VIEWER.0, VIEWER.1).await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .call::<SetUserActive>(&admin, &[("user_id", &viewer_id), ("active", "true")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.login_json(&app.client(), VIEWER.0, VIEWER.1).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_audit_log_records_security_actions_for_admins(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let _ = app.login_json(&app.client(), VIEWER.0, "wrong password").await;
    let admin = app.signed_in(ADMIN).await;
    let viewer_id = id_of(&app, VIEWER.0).await;
    app.call::<SetUserRole>(&admin, &[("user_id", &viewer_id), ("role", "editor")])
        .await;
    app.call::<ResetUserPassword>(&admin, &[("user_id", &viewer_id)]).await;
    app.call::<CreateToken>(&admin, &[("name", "ops"), ("role", "viewer"), ("expires_in_days", "")])
        .await;

    let (status, log) = app.call::<AuditLog>(&admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let actions: Vec<&str> = log.as_array().expect("array").iter().filter_map(|e| e["action"].as_str()).collect();
    for expected in [
        "user.create",
        "auth.sign_in_failed",
        "auth.sign_in",
        "user.role_change",
        "user.password_reset",
        "token.create",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    assert_eq!(actions[0], "token.create", "newest first");
    let role_change = log
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["action"] == "user.role_change")
        .expect("entry");
    assert_eq!(role_change["actor"], ADMIN.0);
    assert_eq!(role_change["target"], VIEWER.0);

    let (_, filtered) = app.call::<AuditLog>(&admin, &[("area", "auth")]).await;
    let filtered = filtered.as_array().expect("array");
    assert!(filtered.len() >= 2, "{filtered:?}");
    assert!(filtered
        .iter()
        .all(|e| e["action"].as_str().is_some_and(|a| a.starts_with("auth."))));
    let (status, _) = app.call::<AuditLog>(&admin, &[("area", "x'; drop table users; --")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let viewer = app.signed_in(("editor@example.com", "editor password 1")).await;
    assert_eq!(app.call::<AuditLog>(&viewer, &[]).await.0, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_editor_cannot_promote_themselves(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let editor_id = id_of(&app, EDITOR.0).await;
    let (status, body) = app
        .call::<SetUserRole>(&editor, &[("user_id", &editor_id), ("role", "admin")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["kind"], "forbidden");
    assert_eq!(body["message"], "This needs the admin role; you are signed in as editor");
    let role: String = sqlx::query_scalar("SELECT role::TEXT FROM users WHERE email = $1")
        .bind(EDITOR.0)
        .fetch_one(&app.db)
        .await
        .expect("role");
    assert_eq!(role, "editor");
}
