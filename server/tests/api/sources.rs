//! Connections, the telemetry handle and the token API: the permission matrix, the guard rails,
//! secrets at rest, drills, and CloudWatch-shaped JSON in and out (against the demo world).

use app::api::account::CreateToken;
use app::api::connections::{
    admin_connections, AdminConnections, CreateConnection, EndDrill, ListConnections, ListDrills, RemoveConnection, StartDrill,
    TestConnection, UpdateConnection,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, EDITOR, VIEWER};

async fn token(app: &TestApp, who: (&str, &str), role: &str) -> String {
    let c = app.signed_in(who).await;
    let (status, body) = app
        .call::<CreateToken>(&c, &[("name", "scripts"), ("role", role), ("expires_in_days", "")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["secret"].as_str().expect("secret").to_string()
}

async fn api(app: &TestApp, method: reqwest::Method, path: &str, secret: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app.client().request(method, app.url(path));
    if let Some(s) = secret {
        req = req.bearer_auth(s);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

const TELEMETRY_ROUTES: [(&str, &str); 8] = [
    ("POST", "/api/v1/connections/demo/metric-data"),
    ("GET", "/api/v1/connections/demo/metrics"),
    ("GET", "/api/v1/connections/demo/alarms"),
    ("GET", "/api/v1/connections/demo/log-groups"),
    ("POST", "/api/v1/connections/demo/insights"),
    ("GET", "/api/v1/connections/demo/insights/abc"),
    ("DELETE", "/api/v1/connections/demo/insights/abc"),
    ("POST", "/api/v1/connections/demo/log-events"),
];

#[sqlx::test(migrations = "../migrations")]
async fn the_demo_connection_exists_by_default_and_every_role_reads_it(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let (status, list) = app.call::<ListConnections>(&viewer, &[]).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list[0]["id"], "demo");
    assert_eq!(list[0]["kind"], "demo");

    let secret = token(&app, VIEWER, "viewer").await;
    let (status, body) = api(&app, reqwest::Method::GET, "/api/v1/connections", Some(&secret), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["id"], "demo");
    let (status, groups) = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/connections/demo/log-groups?logGroupNamePrefix=/ecs/",
        Some(&secret),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    let names: Vec<&str> = groups["logGroups"]
        .as_array()
        .expect("logGroups")
        .iter()
        .filter_map(|g| g["logGroupName"].as_str())
        .collect();
    assert!(names.contains(&"/ecs/checkout"), "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("/ecs/")), "prefix filter: {names:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_token_api_refuses_without_a_token_and_names_unknown_connections(db: PgPool) {
    let app = TestApp::spawn(db).await;
    for (method, path) in TELEMETRY_ROUTES {
        let (status, body) = api(&app, method.parse().expect("method"), path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
        assert_eq!(body["kind"], "unauthorized");
        // A session cookie is no way in either.
        let browser = app.signed_in(ADMIN).await;
        let res = browser
            .request(method.parse().expect("method"), app.url(path))
            .send()
            .await
            .expect("req");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path} with a cookie");
    }
    let secret = token(&app, EDITOR, "viewer").await;
    let (status, body) = api(&app, reqwest::Method::GET, "/api/v1/connections/nope/alarms", Some(&secret), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("connection `nope`"), "{body}");
    let (status, body) = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/connections/Bad_Slug/alarms",
        Some(&secret),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/connections/demo/metric-data",
        Some(&secret),
        Some(json!({"MetricDataQueries": "not a list"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap_or_default().contains("MetricDataQueries")
            || body["message"].as_str().unwrap_or_default().contains("StartTime"),
        "{body}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn cloudwatch_validation_comes_back_in_cloudwatchs_words(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let secret = token(&app, VIEWER, "viewer").await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let query = |period: i64| {
        json!({
            "MetricDataQueries": [{
                "Id": "m1",
                "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
                    "Dimensions": [{"Name": "LoadBalancer", "Value": "app/shop-alb/5c0ffee0d15ea5e1"}]},
                    "Period": period, "Stat": "Sum"}
            }],
            "StartTime": now - 3600,
            "EndTime": now
        })
    };
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/connections/demo/metric-data",
        Some(&secret),
        Some(query(61)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["kind"], "upstream");
    assert!(
        body["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("InvalidParameter") || c == "ValidationError"),
        "{body}"
    );

    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/connections/demo/insights",
        Some(&secret),
        Some(
            json!({"logGroupNames": ["/ecs/checkout"], "startTime": now - 600, "endTime": now, "queryString": "fields @message | filter"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "MalformedQueryException", "{body}");

    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/connections/demo/insights",
        Some(&secret),
        Some(json!({"logGroupNames": ["/ecs/checkout"], "startTime": now - 600, "endTime": now, "queryString": "SELECT 1", "queryLanguage": "SQL"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("SQL"), "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn only_admins_manage_connections_and_drills(db: PgPool) {
    let app = TestApp::spawn(db).await;
    for who in [VIEWER, EDITOR] {
        let c = app.signed_in(who).await;
        let (status, _) = app.call::<AdminConnections>(&c, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .call::<CreateConnection>(&c, &[("id", "x"), ("display_name", "X"), ("kind", "demo")])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.call::<RemoveConnection>(&c, &[("id", "demo")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.call::<TestConnection>(&c, &[("id", "demo")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .call::<StartDrill>(
                &c,
                &[
                    ("connection", "demo"),
                    ("kind", "cpu-saturation"),
                    ("service", "checkout"),
                    ("minutes", "5"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let _ = admin_connections; // the function itself is exercised through its type above
}

#[sqlx::test(migrations = "../migrations")]
async fn aws_connections_are_guarded_and_keep_secrets_encrypted(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let base = [
        ("id", "prod"),
        ("display_name", "Production"),
        ("kind", "aws"),
        ("region", "eu-west-1"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    for (extra, field) in [
        (vec![("endpoint_url", "https://evil.example.com")], "endpoint_url"),
        (vec![("endpoint_url", "http://monitoring.eu-west-1.amazonaws.com")], "endpoint_url"),
        (
            vec![("mode", "assume_role"), ("role_arn", "arn:aws:iam::123456789012:user/bob")],
            "role_arn",
        ),
        (
            vec![("mode", "static_keys"), ("access_key_id", "AKIAIOSFODNN7EXAMPLE")],
            "secret_access_key",
        ),
        (vec![("mode", "magic")], "mode"),
    ] {
        let (status, body) = app.call::<CreateConnection>(&admin, &with(&extra)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra:?}: {body}");
        assert_eq!(body["field"], field, "{body}");
    }
    let (status, body) = app
        .call::<CreateConnection>(
            &admin,
            &with(&[
                ("mode", "static_keys"),
                ("access_key_id", "AKIAIOSFODNN7EXAMPLE"),
                ("secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM connections WHERE id = 'prod'")
        .fetch_one(&app.db)
        .await
        .expect("secret");
    assert!(!stored.windows(10).any(|w| w == b"wJalrXUtnF"), "the secret is stored encrypted");
    let settings: Value = sqlx::query_scalar("SELECT settings FROM connections WHERE id = 'prod'")
        .fetch_one(&app.db)
        .await
        .expect("settings");
    assert!(!settings.to_string().contains("wJalr"), "never in the settings");
    let (_, list) = app.call::<AdminConnections>(&admin, &[]).await;
    let text = list.to_string();
    assert!(!text.contains("wJalr"), "never sent back");
    let prod = list
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["id"] == "prod")
        .expect("prod")
        .clone();
    assert_eq!(prod["has_secret"], true);

    // Renaming keeps the slug; an empty secret keeps the stored one.
    let (status, body) = app
        .call::<UpdateConnection>(
            &admin,
            &[
                ("id", "prod"),
                ("display_name", "Prod (EU)"),
                ("region", "eu-west-1"),
                ("mode", "static_keys"),
                ("access_key_id", "AKIAIOSFODNN7EXAMPLE"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after: Vec<u8> = sqlx::query_scalar("SELECT secret FROM connections WHERE id = 'prod'")
        .fetch_one(&app.db)
        .await
        .expect("secret");
    assert_eq!(after, stored);
    let (_, list) = app.call::<ListConnections>(&admin, &[]).await;
    assert!(list
        .as_array()
        .expect("list")
        .iter()
        .any(|c| c["id"] == "prod" && c["name"] == "Prod (EU)"));

    // Assume-role: Watchpost generates the external id and keeps it across edits.
    let (status, body) = app
        .call::<UpdateConnection>(
            &admin,
            &[
                ("id", "prod"),
                ("display_name", "Prod"),
                ("region", "eu-west-1"),
                ("mode", "assume_role"),
                ("role_arn", "arn:aws:iam::123456789012:role/watchpost-read"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ext = |v: &Value| v["credentials"]["external_id"].as_str().map(str::to_string);
    let first: Value = sqlx::query_scalar("SELECT settings FROM connections WHERE id = 'prod'")
        .fetch_one(&app.db)
        .await
        .expect("s");
    let (status, _) = app
        .call::<UpdateConnection>(
            &admin,
            &[
                ("id", "prod"),
                ("display_name", "Prod"),
                ("region", "eu-west-2"),
                ("mode", "assume_role"),
                ("role_arn", "arn:aws:iam::123456789012:role/watchpost-read"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let second: Value = sqlx::query_scalar("SELECT settings FROM connections WHERE id = 'prod'")
        .fetch_one(&app.db)
        .await
        .expect("s");
    assert!(ext(&first).is_some_and(|e| e.starts_with("watchpost-")), "{first}");
    assert_eq!(ext(&first), ext(&second));
    let secret_gone: Option<Vec<u8>> = sqlx::query_scalar("SELECT secret FROM connections WHERE id = 'prod'")
        .fetch_one(&app.db)
        .await
        .expect("s");
    assert!(secret_gone.is_none(), "leaving static keys drops the stored secret");

    let audit: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'connection.%' ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("audit");
    assert_eq!(
        audit,
        ["connection.create", "connection.update", "connection.update", "connection.update"]
    );
    let (status, _) = app.call::<RemoveConnection>(&admin, &[("id", "prod")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call::<RemoveConnection>(&admin, &[("id", "prod")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_server_refuses_to_start_with_a_secret_but_no_key(db: PgPool) {
    let cipher = app::backend::sources::SecretCipher::from_hex(crate::helpers::TEST_SECRET_KEY).expect("key");
    let sealed = cipher.seal("prod", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").expect("seal");
    sqlx::query("INSERT INTO connections (id, display_name, kind, settings, secret) VALUES ('prod', 'Prod', 'aws', $1, $2)")
        .bind(
            json!({"kind": "aws", "region": "us-east-1", "credentials": {"mode": "static_keys", "access_key_id": "AKIAIOSFODNN7EXAMPLE"}}),
        )
        .bind(sealed)
        .execute(&db)
        .await
        .expect("insert");
    let sources = server::config::SourcesSettings {
        policy: Default::default(),
        secret_key: None,
        proxy: Default::default(),
    };
    let err = server::startup::telemetry(&db, &sources).await.expect_err("refused");
    assert!(err.to_string().contains("WATCHPOST_SECRET_KEY"), "{err}");
    let wrong = server::config::SourcesSettings {
        policy: Default::default(),
        secret_key: Some("ab".repeat(32).into()),
        proxy: Default::default(),
    };
    assert!(
        server::startup::telemetry(&db, &wrong).await.is_ok(),
        "a key is present; reading fails per connection"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn drills_start_and_end_on_demo_connections_and_test_connection_reports_per_action(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, tested) = app.call::<TestConnection>(&admin, &[("id", "demo")]).await;
    assert_eq!(status, StatusCode::OK, "{tested}");
    assert_eq!(tested["connection"], "demo");
    let checks = &tested["checks"];
    let actions: Vec<&str> = checks
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"logs:StartQuery") && actions.contains(&"cloudwatch:GetMetricData"),
        "{actions:?}"
    );
    for c in checks.as_array().expect("checks") {
        assert!(c["error"].is_null(), "the demo answers every API: {c}");
    }

    let (status, body) = app
        .call::<StartDrill>(
            &admin,
            &[
                ("connection", "demo"),
                ("kind", "cpu-saturation"),
                ("service", "nowhere"),
                ("minutes", "5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, drill) = app
        .call::<StartDrill>(
            &admin,
            &[
                ("connection", "demo"),
                ("kind", "cpu-saturation"),
                ("service", "checkout"),
                ("minutes", "30"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{drill}");
    let (_, list) = app.call::<ListDrills>(&admin, &[("connection", "demo")]).await;
    assert_eq!(list[0]["running"], true);
    assert_eq!(list[0]["started_by"], ADMIN.0);
    let id = drill["id"].as_str().expect("id");
    let (status, _) = app.call::<EndDrill>(&admin, &[("connection", "demo"), ("drill", id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call::<EndDrill>(&admin, &[("connection", "demo"), ("drill", id)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "ending twice is refused");
    let (_, list) = app.call::<ListDrills>(&admin, &[("connection", "demo")]).await;
    assert_eq!(list[0]["running"], false);
    let audit: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'drill.%' ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("audit");
    assert_eq!(audit, ["drill.start", "drill.end"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn alarm_actions_are_recorded_once_however_many_replicas_record_them(db: PgPool) {
    let sources = server::config::SourcesSettings {
        policy: Default::default(),
        secret_key: None,
        proxy: Default::default(),
    };
    // Two replicas over one database, each with its own demo world instance.
    let a = server::startup::telemetry(&db, &sources).await.expect("a");
    let b = server::startup::telemetry(&db, &sources).await.expect("b");
    // The scripted incident is under way at the anchor (now): its alarms have fired within the day.
    let day = std::time::Duration::from_secs(86_400);
    let (ra, rb) = tokio::join!(a.record_alarm_actions(day), b.record_alarm_actions(day));
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM alarm_actions")
        .fetch_one(&db)
        .await
        .expect("count");
    assert!(rows > 0, "the scripted incident fires alarms");
    assert_eq!(ra + rb, rows as u64, "each transition recorded by exactly one replica");
    assert_eq!(a.record_alarm_actions(day).await.expect("again"), 0, "a second pass adds nothing");
    let alarm_states: Vec<String> = sqlx::query_scalar("SELECT DISTINCT new_state FROM alarm_actions")
        .fetch_all(&db)
        .await
        .expect("states");
    assert!(alarm_states.iter().any(|s| s == "ALARM"), "{alarm_states:?}");
}

/// The emulator the AWS source is tested against (`scripts/ministack start`), or None when the
/// caller opted out with WATCHPOST_SKIP_MINISTACK=1.
fn ministack() -> Option<String> {
    match std::env::var("MINISTACK_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("WATCHPOST_SKIP_MINISTACK").is_ok_and(|v| v == "1") => None,
        Err(_) => panic!("MINISTACK_URL is not set: run `export \"$(scripts/ministack start)\"` first (or WATCHPOST_SKIP_MINISTACK=1)"),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn an_aws_connection_reaches_cloudwatch_logs_through_the_token_api(db: PgPool) {
    let Some(endpoint) = ministack() else { return };
    let app = TestApp::spawn(db).await;
    let group = format!("/watchpost/server-test/{}", uuid::Uuid::new_v4());
    let res = reqwest::Client::new()
        .post(&endpoint)
        .header("x-amz-target", "Logs_20140328.CreateLogGroup")
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(json!({"logGroupName": group}).to_string())
        .send()
        .await
        .expect("create log group");
    assert!(res.status().is_success(), "{}", res.text().await.unwrap_or_default());

    let admin = app.signed_in(ADMIN).await;
    let (status, body) = app
        .call::<CreateConnection>(
            &admin,
            &[
                ("id", "emulated"),
                ("display_name", "Emulated AWS"),
                ("kind", "aws"),
                ("region", "us-east-1"),
                ("mode", "static_keys"),
                ("access_key_id", "AKIAIOSFODNN7EXAMPLE"),
                ("secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                ("endpoint_url", &endpoint),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let secret = token(&app, VIEWER, "viewer").await;
    let (status, groups) = api(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/connections/emulated/log-groups?logGroupNamePrefix={group}"),
        Some(&secret),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    assert_eq!(groups["logGroups"][0]["logGroupName"], group.as_str(), "{groups}");
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/connections/emulated/log-events",
        Some(&secret),
        Some(json!({"logGroupName": format!("{group}-missing")})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "CloudWatch's ResourceNotFoundException maps to 404: {body}"
    );
    assert_eq!(body["code"], "ResourceNotFoundException", "{body}");
}
