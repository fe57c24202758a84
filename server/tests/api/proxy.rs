//! The proxy through the real HTTP routes: a war room of cookie-signed-in viewers costs what one
//! viewer costs; data routes refuse strangers; Logs Insights runs through the scheduler.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{TestApp, VIEWER};

/// The war-room dashboard's metric widgets as one request: the last three hours as of the
/// moment the test began (every viewer of one refresh asks the same range, whichever minute
/// their request lands in).
fn war_room() -> Value {
    static NOW_MS: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let end = *NOW_MS.get_or_init(|| (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64);
    let widgets: Vec<Value> = demo::dashboards::war_room()
        .metric_widgets
        .into_iter()
        .enumerate()
        .map(|(i, (_, queries))| json!({"id": format!("w{i}"), "queries": queries, "start": end - 3 * 3_600_000, "end": end}))
        .collect();
    json!({"widgets": widgets, "dashboard": "war-room"})
}

/// An upstream counter from `/metrics` (what reached the source since the server started).
async fn upstream(app: &TestApp, name: &str, api: &str) -> f64 {
    let text = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let prefix = format!("{name}{{connection=\"demo\",api=\"{api}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}

/// `n` browser sessions of the viewer, opened directly in the database (a password check each
/// would only make the test slow): the cookie a browser would hold for each.
async fn sessions(app: &TestApp, n: usize) -> Vec<String> {
    let user = app.id_of(VIEWER.0).await;
    let mut secrets = Vec::new();
    for i in 0..n {
        let secret = format!("{:064x}", 0xfeed_0000_u64 + i as u64);
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (sha256(convert_to($1, 'UTF8')), $2::uuid, now() + interval '1 day')",
        )
        .bind(&secret)
        .bind(&user)
        .execute(&app.db)
        .await
        .expect("session");
        secrets.push(secret);
    }
    secrets
}

async fn post_page(app: &TestApp, cookie: &str, body: &Value) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/data/demo/metrics"))
        .header("cookie", format!("watchpost_session={cookie}"))
        .header("origin", &app.addr)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[sqlx::test(migrations = "../migrations")]
async fn two_hundred_viewers_cost_what_one_viewer_costs(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let cookies = sessions(&app, 201).await;
    let page = war_room();
    // One viewer: one GetMetricData per (range, period) group — the war room has two.
    let (status, body) = post_page(&app, &cookies[0], &page).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let one = upstream(&app, "watchpost_upstream_calls_total", "GetMetricData").await;
    let one_metrics = upstream(&app, "watchpost_upstream_metrics_total", "GetMetricData").await;
    assert_eq!(one, 2.0);
    // 89 MetricStat queries, 11 of them the same metric asked twice (helpers of the error-rate
    // math): each is requested once.
    assert_eq!(one_metrics, 78.0, "metrics requested");
    for w in body["widgets"].as_array().expect("widgets") {
        assert_eq!(w["errors"], json!([]), "{w}");
    }
    // Two hundred more viewers at once (the view still fresh): nothing more goes upstream.
    let mut tasks = Vec::new();
    for c in cookies.iter().skip(1) {
        let (app_addr, c, page) = (app.addr.clone(), c.clone(), page.clone());
        tasks.push(tokio::spawn(async move {
            let res = reqwest::Client::new()
                .post(format!("{app_addr}/data/demo/metrics"))
                .header("cookie", format!("watchpost_session={c}"))
                .header("origin", &app_addr)
                .header("accept-encoding", "gzip")
                .json(&page)
                .send()
                .await
                .expect("request");
            (res.status(), res.headers().get("content-encoding").cloned())
        }));
    }
    for t in tasks {
        let (status, encoding) = t.await.expect("viewer");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            encoding.as_ref().map(|e| e.to_str().unwrap_or("")),
            Some("gzip"),
            "served pre-compressed"
        );
    }
    let many = upstream(&app, "watchpost_upstream_calls_total", "GetMetricData").await;
    assert!(many <= one * 1.05, "201 viewers made {many} calls, one made {one}");
    assert_eq!(
        upstream(&app, "watchpost_upstream_metrics_total", "GetMetricData").await,
        one_metrics
    );
    assert!(upstream(&app, "watchpost_proxy_cache_hits_total", "GetMetricData").await >= 200.0 * 16.0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cold_war_room_of_concurrent_viewers_shares_one_call_per_group(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let cookies = sessions(&app, 50).await;
    let page = war_room();
    let mut tasks = Vec::new();
    for c in cookies {
        let (addr, page) = (app.addr.clone(), page.clone());
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{addr}/data/demo/metrics"))
                .header("cookie", format!("watchpost_session={c}"))
                .header("origin", &addr)
                .json(&page)
                .send()
                .await
                .expect("request")
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("viewer"), StatusCode::OK);
    }
    assert_eq!(upstream(&app, "watchpost_upstream_calls_total", "GetMetricData").await, 2.0);
}

#[sqlx::test(migrations = "../migrations")]
async fn data_routes_refuse_strangers_and_other_sites(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let run = "00000000-0000-4000-8000-000000000000";
    let fill = |p: &str| p.replace("{conn}", "demo").replace("{run}", run);
    let client = reqwest::Client::new();
    for (method, path) in server::routes::data::SESSION_ROUTES {
        let res = client
            .request(method.parse().expect("method"), app.url(&fill(path)))
            .header("origin", &app.addr)
            .json(&war_room())
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    for (method, path) in server::routes::data::TOKEN_ROUTES {
        let res = client
            .request(method.parse().expect("method"), app.url(&format!("/api/v1{}", fill(path))))
            .json(&war_room())
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    // A signed-in browser's cookie ridden by another site: refused before any data is read.
    let cookie = &sessions(&app, 1).await[0];
    let res = client
        .post(app.url("/data/demo/metrics"))
        .header("cookie", format!("watchpost_session={cookie}"))
        .header("origin", "https://evil.example")
        .json(&war_room())
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(upstream(&app, "watchpost_upstream_calls_total", "GetMetricData").await, 0.0);
    // Bad input is a clear 400, never a crash.
    let (status, body) = post_page(&app, cookie, &json!({"widgets": [{"id": "w", "queries": "nope"}]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("queries"), "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revoked_session_stops_reading_data(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let cookie = sessions(&app, 1).await.remove(0);
    let one = json!({"widgets": [{"id": "w", "start": "-PT1H", "queries": [{"Id": "m1", "MetricStat": {
        "Metric": {"Namespace": "AWS/ECS", "MetricName": "CPUUtilization", "Dimensions": [
            {"Name": "ClusterName", "Value": "shop-prod"}, {"Name": "ServiceName", "Value": "api"}]},
        "Period": 60, "Stat": "Average"}}]}]});
    assert_eq!(post_page(&app, &cookie, &one).await.0, StatusCode::OK);
    sqlx::query("DELETE FROM sessions").execute(&app.db).await.expect("revoke");
    // The hot path trusts a resolved session for at most a second, and forgets it as soon as the
    // revocation is announced.
    let mut refused = false;
    for _ in 0..30 {
        if post_page(&app, &cookie, &one).await.0 == StatusCode::UNAUTHORIZED {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "a revoked session still reads data");
}

#[sqlx::test(migrations = "../migrations")]
async fn logs_insights_runs_go_through_the_scheduler_and_are_shared(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let cookies = sessions(&app, 2).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let query = json!({
        "logGroupNames": ["/ecs/checkout"],
        "startTime": now - 3600,
        "endTime": now,
        "queryString": "filter level = \"error\" | stats count(*) as errors by bin(5m)",
    });
    let client = reqwest::Client::new();
    let mut runs = Vec::new();
    for c in &cookies {
        let res = client
            .post(app.url("/data/demo/insights"))
            .header("cookie", format!("watchpost_session={c}"))
            .header("origin", &app.addr)
            .json(&query)
            .send()
            .await
            .expect("submit");
        assert_eq!(res.status(), StatusCode::OK);
        let run: Value = res.json().await.expect("run");
        runs.push(run);
    }
    assert_ne!(runs[0]["runId"], runs[1]["runId"], "each viewer has a run of their own");
    assert_eq!(runs[0]["executionId"], runs[1]["executionId"], "one execution for both");
    // Long-poll until complete.
    let mut view = runs[0].clone();
    for _ in 0..60 {
        if view["status"]["state"] == "complete" {
            break;
        }
        let res = client
            .get(app.url(&format!(
                "/data/runs/{}?seen={}",
                view["runId"].as_str().expect("id"),
                view["version"]
            )))
            .header("cookie", format!("watchpost_session={}", cookies[0]))
            .send()
            .await
            .expect("poll");
        view = res.json().await.expect("view");
    }
    assert_eq!(view["status"]["state"], "complete", "{view}");
    assert!(!view["output"]["results"].as_array().expect("rows").is_empty(), "{view}");
    assert_eq!(upstream(&app, "watchpost_upstream_calls_total", "StartQuery").await, 1.0);
}
