//! Admin → Usage: the day's counters the proxy writes (`usage_daily`) summed per connection and
//! day, totalled, priced at the server's prices, the top dashboards and principals ranked by
//! cost, filtered by connection and window; and only admins may read it.

#![allow(clippy::unwrap_used)]

use app::api::usage::AdminUsage;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, EDITOR, VIEWER};

/// One `usage_daily` row, `days_ago` days before today (UTC).
#[derive(Default)]
struct Row {
    days_ago: i32,
    connection: &'static str,
    api: &'static str,
    principal: &'static str,
    dashboard: &'static str,
    calls: i64,
    metrics: i64,
    bytes_scanned: f64,
    cache_hits: i64,
    cache_misses: i64,
    throttles: i64,
    queue_wait_ms: i64,
}

async fn insert(db: &PgPool, rows: &[Row]) {
    for r in rows {
        sqlx::query(
            "INSERT INTO usage_daily (day, connection_id, api, principal, dashboard, calls, metrics, bytes_scanned,
                                      cache_hits, cache_misses, throttles, queue_wait_ms)
             VALUES ((now() AT TIME ZONE 'utc')::date - $1::int, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(r.days_ago)
        .bind(r.connection)
        .bind(r.api)
        .bind(r.principal)
        .bind(r.dashboard)
        .bind(r.calls)
        .bind(r.metrics)
        .bind(r.bytes_scanned)
        .bind(r.cache_hits)
        .bind(r.cache_misses)
        .bind(r.throttles)
        .bind(r.queue_wait_ms)
        .execute(db)
        .await
        .unwrap();
    }
}

async fn today(db: &PgPool, days_ago: i32) -> String {
    sqlx::query_scalar::<_, String>("SELECT ((now() AT TIME ZONE 'utc')::date - $1::int)::text")
        .bind(days_ago)
        .fetch_one(db)
        .await
        .unwrap()
}

fn close(actual: &Value, expected: f64) -> bool {
    actual.as_f64().is_some_and(|a| (a - expected).abs() < 1e-9)
}

fn keys(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|t| t["key"].as_str().unwrap()).collect()
}

/// The week this test's rows make (default prices: $0.01 per 1,000 metrics, $0.005 per GB).
fn week() -> Vec<Row> {
    vec![
        // Today on the demo: a dashboard of the admin's (2,000 metrics: $0.02) and an Insights
        // query of the viewer's (6 GB: $0.03).
        Row {
            connection: "demo",
            api: "GetMetricData",
            principal: "user:admin@example.com",
            dashboard: "checkout",
            calls: 10,
            metrics: 2_000,
            cache_hits: 30,
            cache_misses: 10,
            throttles: 1,
            queue_wait_ms: 500,
            ..Row::default()
        },
        Row {
            connection: "demo",
            api: "StartQuery",
            principal: "user:viewer@example.com",
            calls: 2,
            bytes_scanned: 6e9,
            cache_misses: 2,
            queue_wait_ms: 100,
            ..Row::default()
        },
        // Yesterday on a connection removed since: a token's widget on another dashboard ($0.005).
        Row {
            days_ago: 1,
            connection: "prod-eu",
            api: "GetMetricData",
            principal: "token:00000000-0000-0000-0000-000000000000",
            dashboard: "payments",
            calls: 5,
            metrics: 500,
            cache_hits: 5,
            ..Row::default()
        },
        // Two days ago: background work on the checkout dashboard ($0.01) and unattributed work
        // ($0.001) that shows in the totals only.
        Row {
            days_ago: 2,
            connection: "demo",
            api: "GetMetricData",
            principal: "system",
            dashboard: "checkout",
            calls: 1,
            metrics: 1_000,
            ..Row::default()
        },
        Row {
            days_ago: 2,
            connection: "demo",
            api: "GetMetricData",
            calls: 3,
            metrics: 100,
            throttles: 2,
            ..Row::default()
        },
        // Outside the week, inside 30 days; and outside both.
        Row {
            days_ago: 10,
            connection: "demo",
            api: "GetMetricData",
            principal: "user:admin@example.com",
            calls: 7,
            metrics: 100_000,
            ..Row::default()
        },
        Row {
            days_ago: 40,
            connection: "demo",
            api: "GetMetricData",
            principal: "user:editor@example.com",
            calls: 9,
            metrics: 900_000,
            ..Row::default()
        },
    ]
}

#[sqlx::test(migrations = "../migrations")]
async fn usage_is_summed_per_connection_and_day_priced_and_ranked(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    insert(&app.db, &week()).await;

    let (status, r) = app.call::<AdminUsage>(&admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["filter"]["window"], "Week");
    assert_eq!(r["filter"]["connection"], Value::Null);
    let days = r["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[6], today(&app.db, 0).await.as_str(), "the window ends today");
    assert_eq!(days[0], today(&app.db, 6).await.as_str());

    // One row per (day, connection), newest first; the two APIs of today's demo are summed.
    let rows = r["rows"].as_array().unwrap();
    let shape: Vec<(String, &str, i64)> = rows
        .iter()
        .map(|row| {
            (
                row["day"].as_str().unwrap().to_string(),
                row["connection"].as_str().unwrap(),
                row["counts"]["calls"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (today(&app.db, 0).await, "demo", 12),
            (today(&app.db, 1).await, "prod-eu", 5),
            (today(&app.db, 2).await, "demo", 4),
        ]
    );
    let first = &rows[0]["counts"];
    assert_eq!(first["metrics"], 2_000);
    assert!(close(&first["bytes_scanned"], 6e9));
    assert_eq!(first["cache_hits"], 30);
    assert_eq!(first["cache_misses"], 12);
    assert_eq!(first["throttles"], 1);
    assert_eq!(first["queue_wait_ms"], 600);
    assert!(close(&first["cost_usd"], 0.02 + 0.03), "{first}");

    // Totals for the range, at the default prices: 3,600 metrics and 6 GB.
    let t = &r["totals"];
    assert_eq!(t["calls"], 21);
    assert_eq!(t["metrics"], 3_600);
    assert_eq!(t["throttles"], 3);
    assert_eq!(t["cache_hits"], 35);
    assert!(close(&t["cost_usd"], 0.036 + 0.03), "{t}");
    assert!(close(&r["prices"]["per_thousand_metrics"], 0.01));
    assert!(close(&r["prices"]["per_gb_scanned"], 0.005));

    // Most expensive first; no unattributed principal and no "no dashboard" entry.
    assert_eq!(
        keys(&r["top_principals"]),
        [
            "user:viewer@example.com",
            "user:admin@example.com",
            "system",
            "token:00000000-0000-0000-0000-000000000000"
        ]
    );
    assert_eq!(r["top_principals"][0]["label"], "viewer@example.com");
    assert!(close(&r["top_principals"][0]["counts"]["cost_usd"], 0.03));
    assert_eq!(keys(&r["top_dashboards"]), ["checkout", "payments"]);
    assert_eq!(r["top_dashboards"][0]["counts"]["metrics"], 3_000);
    assert!(close(&r["top_dashboards"][0]["counts"]["cost_usd"], 0.03));

    // The filter offers the configured connections and the removed one that has usage.
    let connections = r["connections"].as_array().unwrap();
    let demo = connections.iter().find(|c| c["id"] == "demo").unwrap();
    assert!(demo["name"].is_string(), "{demo}");
    let removed = connections.iter().find(|c| c["id"] == "prod-eu").unwrap();
    assert_eq!(removed["name"], Value::Null);

    // One connection.
    let (status, r) = app.call::<AdminUsage>(&admin, &[("connection", "prod-eu")]).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["rows"].as_array().unwrap().len(), 1);
    assert_eq!(r["totals"]["metrics"], 500);
    assert_eq!(keys(&r["top_principals"]), ["token:00000000-0000-0000-0000-000000000000"]);
    assert_eq!(keys(&r["top_dashboards"]), ["payments"]);

    // Thirty days take in the row of ten days ago, and not the one of forty.
    let (status, r) = app.call::<AdminUsage>(&admin, &[("days", "30")]).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["days"].as_array().unwrap().len(), 30);
    assert_eq!(r["totals"]["metrics"], 103_600);
    assert_eq!(keys(&r["top_principals"])[0], "user:admin@example.com", "now the most expensive");

    // Bad input is the caller's mistake, in words.
    for args in [[("days", "14")], [("connection", "Not A Slug")]] {
        let (status, body) = app.call::<AdminUsage>(&admin, &args).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["kind"], "validation");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_top_lists_keep_the_ten_most_expensive(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let principals: Vec<String> = (1..=12).map(|i| format!("user:u{i:02}@example.com")).collect();
    let dashboards: Vec<String> = (1..=12).map(|i| format!("d{i:02}")).collect();
    for i in 0..12 {
        sqlx::query(
            "INSERT INTO usage_daily (day, connection_id, api, principal, dashboard, calls, metrics)
             VALUES ((now() AT TIME ZONE 'utc')::date, 'demo', 'GetMetricData', $1, $2, 1, $3)",
        )
        .bind(&principals[i])
        .bind(&dashboards[i])
        // u01 is the cheapest; u12 the dearest.
        .bind(100 * (i as i64 + 1))
        .execute(&app.db)
        .await
        .unwrap();
    }
    let (status, r) = app.call::<AdminUsage>(&admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let expected: Vec<&str> = principals.iter().rev().take(10).map(String::as_str).collect();
    assert_eq!(keys(&r["top_principals"]), expected);
    let expected: Vec<&str> = dashboards.iter().rev().take(10).map(String::as_str).collect();
    assert_eq!(keys(&r["top_dashboards"]), expected);
}

#[sqlx::test(migrations = "../migrations")]
async fn only_admins_read_usage(db: PgPool) {
    let app = TestApp::spawn(db).await;
    insert(&app.db, &week()).await;
    for who in [VIEWER, EDITOR] {
        let c = app.signed_in(who).await;
        let (status, body) = app.call::<AdminUsage>(&c, &[("days", "30")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", who.0);
        assert_eq!(body["kind"], "forbidden");
        // The page renders, with the refusal in words and none of the numbers.
        let res = c.get(app.url("/admin/usage")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("This needs the admin role"), "{html}");
        assert!(!html.contains("Per connection and day"));
    }
    let (status, body) = app.call::<AdminUsage>(&app.client(), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["kind"], "unauthorized");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_page_renders_its_empty_state_then_the_numbers(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, r) = app.call::<AdminUsage>(&admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["rows"], Value::Array(vec![]));
    assert_eq!(r["totals"]["calls"], 0);

    let html = app_html(&app, &admin, "/admin/usage").await;
    assert!(html.contains("No upstream calls recorded in this range"), "{html}");

    insert(&app.db, &week()).await;
    let html = app_html(&app, &admin, "/admin/usage?days=30&connection=demo").await;
    for expected in [
        "Per connection and day",
        "Top dashboards by cost",
        "Top users by cost",
        "viewer@example.com",
        r#"role="img""#,
        "Estimated cost per day, by connection",
        r#"<option value="30" selected"#,
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    assert!(!html.contains("No upstream calls recorded"), "no empty state with rows");
}

async fn app_html(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    let res = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}
