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
    let (_, me) = app.api_me(&token).await;
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

#[test]
fn insights_runs_a_query_over_a_log_file() {
    let dir = std::env::temp_dir().join(format!("watchpost-insights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("app.log");
    std::fs::write(
        &file,
        concat!(
            r#"{"timestamp":"2026-11-21T10:00:00Z","level":"error","route":"/checkout"}"#,
            "\n",
            r#"{"timestamp":"2026-11-21T10:00:01Z","level":"info","route":"/checkout"}"#,
            "\n",
            r#"{"timestamp":"2026-11-21T10:00:02Z","level":"error","route":"/cart"}"#,
            "\n",
            r#"{"timestamp":"2026-11-21T10:00:03Z","level":"error","route":"/checkout"}"#,
            "\n",
        ),
    )
    .expect("write log");
    let out = Command::new(env!("CARGO_BIN_EXE_watchpost"))
        .args(["insights", "--file"])
        .arg(&file)
        .args([
            "--format",
            "json",
            r#"filter level = "error" | stats count(*) as n by route | sort n desc"#,
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON array");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["route"], "/checkout");
    assert_eq!(rows[0]["n"].to_string().trim_matches('"'), "2");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn insights_check_points_at_the_mistake() {
    let out = Command::new(env!("CARGO_BIN_EXE_watchpost"))
        .args(["insights", "--check", "stats cout(*) by route"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("count"), "a suggestion: {text}");
    assert!(text.contains('^'), "a caret under the span: {text}");
}

#[sqlx::test(migrations = "../migrations")]
async fn connections_are_managed_from_the_command_line(db: PgPool) {
    let url = database_url(&db).await;
    let out = watchpost(
        &url,
        &[
            "connections",
            "add",
            "--id",
            "prod",
            "--name",
            "Production",
            "--region",
            "eu-west-1",
            "--mode",
            "assume_role",
            "--role-arn",
            "arn:aws:iam::123456789012:user/bob",
        ],
    );
    assert!(!out.status.success(), "a user ARN is not a role");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("role_arn"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = watchpost(
        &url,
        &[
            "connections",
            "add",
            "--id",
            "prod",
            "--name",
            "Production",
            "--region",
            "eu-west-1",
            "--mode",
            "assume_role",
            "--role-arn",
            "arn:aws:iam::123456789012:role/watchpost-read",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = watchpost(&url, &["connections", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.lines().any(|l| l.starts_with("demo\tdemo\t")), "{listed}");
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("prod\taws\tProduction\teu-west-1 · assume role arn:aws:iam::123456789012:role/watchpost-read")),
        "{listed}"
    );

    let out = watchpost(&url, &["connections", "test", "--id", "demo"]);
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("ok      logs:StartQuery"), "{report}");

    let out = watchpost(&url, &["connections", "remove", "--id", "prod"]);
    assert!(out.status.success());
    let out = watchpost(&url, &["connections", "remove", "--id", "prod"]);
    assert!(!out.status.success(), "removing twice fails");
}
