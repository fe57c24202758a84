use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrations = "../migrations")]
async fn health_and_readiness(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let res = c.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.expect("body"), "ok");
    let res = c.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["migrations"], "up to date");
}

#[sqlx::test(migrations = "../migrations")]
async fn readiness_fails_when_a_migration_is_missing(db: PgPool) {
    let app = TestApp::spawn(db).await;
    sqlx::query("DELETE FROM _sqlx_migrations")
        .execute(&app.db)
        .await
        .expect("forget migrations");
    let res = app.client().get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[sqlx::test(migrations = "../migrations")]
async fn request_ids_are_echoed_or_generated(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let res = c
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("req");
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = c.get(app.url("/healthz")).send().await.expect("req");
    let generated = res.headers()["x-request-id"].to_str().expect("ascii").to_string();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    // A hostile id is replaced, not echoed into logs and headers.
    let res = c
        .get(app.url("/healthz"))
        .header("x-request-id", "a b\"<script>")
        .send()
        .await
        .expect("req");
    assert_ne!(res.headers()["x-request-id"], "a b\"<script>");
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_count_requests_by_route_and_status(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    for _ in 0..3 {
        c.get(app.url("/healthz")).send().await.expect("req");
    }
    c.get(app.url("/no/such/page.txt")).send().await.expect("req");
    let text = c
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
    assert!(
        text.contains(r#"watchpost_http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{text}"
    );
    assert!(text.contains(r#"watchpost_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 3"#));
    assert!(
        text.contains(r#"status="404""#),
        "unknown paths are counted under one label: {text}"
    );
    assert!(!text.contains("/no/such"), "paths people type must not become labels");
}

/// Methods nobody uses share one label: a client inventing methods cannot grow `/metrics`.
#[sqlx::test(migrations = "../migrations")]
async fn invented_methods_do_not_become_labels(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("BREW{i}").as_bytes()).expect("a token");
        c.request(method, app.url("/healthz")).send().await.expect("req");
    }
    let text = c.get(app.url("/metrics")).send().await.expect("req").text().await.expect("body");
    assert!(!text.contains("BREW"), "{text}");
    assert!(text.contains(r#"method="other""#), "{text}");
}
