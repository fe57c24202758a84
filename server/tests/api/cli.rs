//! The `watchpost` binary's set-up subcommands, run against the test's own database.

use reqwest::StatusCode;
use sqlx::PgPool;
use std::process::Command;

use crate::helpers::TestApp;

async fn database_url(db: &PgPool) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(db).await.expect("name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for tests");
    let (prefix, _) = base.rsplit_once('/').expect("a database URL with a path");
    format!("{prefix}/{name}")
}

fn watchpost(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_watchpost"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("WATCHPOST_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .env_remove("WATCHPOST_NEW_PASSWORD")
        .output()
        .expect("run watchpost")
}

#[sqlx::test(migrations = "../migrations")]
async fn create_user_and_create_token_work_from_the_command_line(db: PgPool) {
    let url = database_url(&db).await;
    let app = TestApp::spawn(db).await;
    let out = watchpost(&url, &["create-user", "--email", "ops@example.com", "--role", "admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("a printed password")
        .to_string();
    assert_eq!(
        app.login_json(&app.client(), "ops@example.com", &password).await.status(),
        StatusCode::OK
    );

    let out = watchpost(
        &url,
        &[
            "create-token",
            "--email",
            "ops@example.com",
            "--name",
            "deploys",
            "--role",
            "editor",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let me: serde_json::Value = app
        .client()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["role"], "editor");

    let out = watchpost(&url, &["create-user", "--email", "ops@example.com"]);
    assert!(!out.status.success(), "a duplicate is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let out = watchpost(&url, &["create-token", "--email", "nobody@example.com", "--name", "x"]);
    assert!(!out.status.success());
}

#[test]
fn a_bad_database_url_is_reported_not_panicked() {
    let out = watchpost("postgres://nobody@127.0.0.1:1/none", &["migrate"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
