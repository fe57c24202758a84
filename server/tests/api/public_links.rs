//! Public read-only links: an editor shares one dashboard; anyone with the link sees that
//! dashboard signed out (page, server function, widget PNG) for preset ranges only, with account
//! ids and ARNs taken out, under a per-link rate limit and the daily budget; revoked, expired and
//! unknown links open nothing; and the link's viewer reaches nothing else.

use app::api::dashboards::{DashboardWidgets, ExportDashboard, GetDashboard, ImportDashboard, ListDashboards};
use app::api::links::{CreateDashboardLink, DashboardLinks, PublicDashboard, RevokeDashboardLink};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{TestApp, EDITOR, VIEWER};

/// The demo's account id, in the ARNs of its prebuilt dashboards and its alarms' reasons.
const ACCOUNT: &str = "123456789012";

/// A dashboard of one text widget (naming an ARN and the account) and one metric widget (its
/// row names the account), opening at 3 hours.
fn small_body(text: &str) -> String {
    json!({
        "start": "-PT3H",
        "widgets": [
            {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2,
             "properties": {"markdown": format!("# {text}\nPaged by arn:aws:sns:us-east-1:{ACCOUNT}:oncall (account {ACCOUNT})")}},
            {"type": "metric", "x": 0, "y": 2, "width": 12, "height": 6,
             "properties": {"title": "Web CPU", "period": 60, "stat": "Average", "region": "us-east-1",
                            "metrics": [["AWS/ECS", "CPUUtilization", "ClusterName", "shop-prod", "ServiceName", "web", {"accountId": ACCOUNT}]]}}
        ]
    })
    .to_string()
}

async fn import(app: &TestApp, editor: &Client, title: &str, body: &str) -> String {
    let (status, d) = app
        .call::<ImportDashboard>(editor, &[("title", title), ("body", body), ("connection", "demo")])
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d["id"].as_str().expect("id").to_string()
}

/// A new link to dashboard `id` (7 days): its id and token.
async fn share(app: &TestApp, editor: &Client, id: &str) -> (String, String) {
    let (status, link) = app
        .call::<CreateDashboardLink>(editor, &[("id", id), ("label", "wall"), ("expires", "7d")])
        .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    (
        link["info"]["id"].as_str().expect("link id").to_string(),
        link["token"].as_str().expect("token").to_string(),
    )
}

async fn public(app: &TestApp, token: &str, range: &str) -> (StatusCode, Value) {
    app.call::<PublicDashboard>(&app.client(), &[("token", token), ("range", range)])
        .await
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = app.client().get(app.url(path)).send().await.expect("page");
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.text().await.expect("html"))
}

async fn png(app: &TestApp, token: &str, index: usize, query: &str) -> reqwest::Response {
    app.client()
        .get(app.url(&format!("/public/d/{token}/widgets/{index}/png?{query}")))
        .send()
        .await
        .expect("png")
}

/// Every string in `v`.
fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(fields) => fields.values().for_each(|f| strings(f, out)),
        _ => {}
    }
}

/// Opens the link through the server function until it is refused (at most twice the limit):
/// how many were served, and the refusal.
async fn exhaust(app: &TestApp, token: &str) -> (usize, reqwest::Response) {
    let per_minute = app::backend::dashboards::public::PER_MINUTE as usize;
    let mut served = 0;
    for _ in 0..per_minute * 2 {
        let res = app
            .client()
            .post(app.url(<PublicDashboard as leptos::server_fn::ServerFn>::PATH))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &app.addr)
            .body(format!("token={token}&range=1h"))
            .send()
            .await
            .expect("request");
        if res.status() != StatusCode::OK {
            return (served, res);
        }
        served += 1;
    }
    panic!("{served} requests in a row were served");
}

fn metric_widgets(data: &Value) -> Vec<&Value> {
    data["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .filter(|w| w["content"].get("Metric").is_some())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_public_link_shows_the_dashboard_signed_out_and_refuses_any_other_query(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let id = import(&app, &editor, "Shared shop", &small_body("Status")).await;
    let (_, token) = share(&app, &editor, &id).await;

    // The page, signed out: 200 (no redirect to sign-in), the title, the widgets drawn on the
    // server, the notice, and the app's strict CSP.
    let (status, headers, html) = page(&app, &format!("/public/d/{token}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for expected in [
        "Shared shop",
        "data-testid=\"widget\"",
        "data-testid=\"chart\"",
        "Read-only shared view",
        "Web CPU",
    ] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    assert!(
        !html.contains("Edit as JSON") && !html.contains("Save to CloudWatch"),
        "no editor, no export"
    );
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(
        !csp.split(';')
            .any(|d| d.trim().starts_with("script-src") && d.contains("unsafe-inline")),
        "{csp}"
    );

    // The server function, signed out: the title and both widgets, with data.
    let (status, v) = public(&app, &token, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["title"], "Shared shop");
    assert_eq!(v["range"], "ThreeHours", "the dashboard's own start");
    assert_eq!(v["data"]["widgets"].as_array().map(Vec::len), Some(2), "{v}");
    let metric = &metric_widgets(&v["data"])[0]["content"]["Metric"];
    assert!(
        metric["chart"]["series"][0]["points"].as_array().is_some_and(|p| p.len() > 30),
        "{metric}"
    );

    // Whoever holds the link (and no session) reaches nothing else: every signed-in server
    // function and data route refuses them, for this very dashboard too.
    let anon = app.client();
    for (status, body) in [
        app.call::<DashboardWidgets>(&anon, &[("id", &id), ("from", "now-3h")]).await,
        app.call::<GetDashboard>(&anon, &[("id", &id)]).await,
        app.call::<ExportDashboard>(&anon, &[("id", &id)]).await,
        app.call::<ListDashboards>(&anon, &[]).await,
        app.call::<DashboardLinks>(&anon, &[("id", &id)]).await,
    ] {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let query = json!({"widgets": [{"id": "w", "queries": [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/ECS", "MetricName": "CPUUtilization"}, "Period": 60, "Stat": "Average"}}], "start": "-PT1H"}]});
    let res = anon
        .post(app.url("/data/demo/metrics"))
        .header("origin", &app.addr)
        .json(&query)
        .send()
        .await
        .expect("metrics");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = anon
        .get(app.url(&format!("/data/dashboards/{id}/widgets/1/png?from=now-3h")))
        .send()
        .await
        .expect("signed-in png");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The widget image for Slack, signed out, through the link.
    let res = png(&app, &token, 1, "range=3h&width=640&height=240").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    let bytes = res.bytes().await.expect("bytes");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]), 640);
    // The text widget is not a chart.
    assert_eq!(png(&app, &token, 0, "range=3h").await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_public_link_refuses_any_range_but_the_presets(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let id = import(&app, &editor, "Ranges", &small_body("Ranges")).await;
    let (_, token) = share(&app, &editor, &id).await;
    for bad in ["now-30d", "2h", "30d", "now-1h", "1700000000000", "7d&from=now-90d"] {
        let (status, e) = public(&app, &token, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_eq!(e["field"], "range", "{e}");
    }
    // `from`/`to` sent along are not arguments of the function: the preset decides.
    let (status, v) = app
        .call::<PublicDashboard>(
            &app.client(),
            &[("token", &token), ("range", "1h"), ("from", "now-90d"), ("to", "now-89d")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let span = v["data"]["end"].as_i64().expect("end") - v["data"]["start"].as_i64().expect("start");
    assert_eq!(span, 3_600_000, "{v}");
    let (status, v) = public(&app, &token, "7d").await;
    assert_eq!((status, v["range"].clone()), (StatusCode::OK, json!("Week")));
    // The page says why, with a 422; the image refuses too, and refuses a `from` outright.
    let (status, _, html) = page(&app, &format!("/public/d/{token}?range=90d")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("This range cannot be shown"), "{html}");
    assert_eq!(png(&app, &token, 1, "range=5h").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        png(&app, &token, 1, "range=3h&from=now-30d").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_link_to_one_dashboard_never_reaches_another(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let a = import(&app, &editor, "Dashboard A", &small_body("A")).await;
    let b_body = json!({"widgets": (0..4).map(|i| json!({"type": "metric", "x": 0, "y": i * 6, "width": 12, "height": 6,
        "properties": {"title": format!("B secret {i}"), "period": 60, "metrics": [["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", "shop-db"]]}})).collect::<Vec<_>>()})
    .to_string();
    let b = import(&app, &editor, "Dashboard B", &b_body).await;
    let (_, token_a) = share(&app, &editor, &a).await;
    // There is no argument by which to ask for B: an `id` sent along is ignored.
    let (status, v) = app
        .call::<PublicDashboard>(&app.client(), &[("token", &token_a), ("id", &b), ("dashboard", &b)])
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["title"], "Dashboard A");
    assert!(!v.to_string().contains("B secret"), "{v}");
    // B's fourth widget has no counterpart on A: not found, though B has one there.
    assert_eq!(png(&app, &token_a, 3, "range=1h").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(png(&app, &token_a, 1, "range=1h").await.status(), StatusCode::OK);
    let (status, _, html) = page(&app, &format!("/public/d/{token_a}?id={b}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Dashboard A") && !html.contains("B secret"));
    // A link made for B is B's only: links are per dashboard.
    let (_, token_b) = share(&app, &editor, &b).await;
    let (_, v) = public(&app, &token_b, "1h").await;
    assert_eq!(v["title"], "Dashboard B");
    assert_ne!(token_a, token_b);
}

#[sqlx::test(migrations = "../migrations")]
async fn revoked_expired_and_unknown_links_open_nothing(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let id = import(&app, &editor, "Short-lived", &small_body("Short")).await;
    let (revoked_id, revoked) = share(&app, &editor, &id).await;
    let (expired_id, expired) = share(&app, &editor, &id).await;
    let (_, live) = share(&app, &editor, &id).await;
    for token in [&revoked, &expired, &live] {
        assert_eq!(public(&app, token, "1h").await.0, StatusCode::OK);
    }

    // A viewer cannot revoke; an editor can, and only by the link's own dashboard.
    let viewer = app.signed_in(VIEWER).await;
    let (status, _) = app
        .call::<RevokeDashboardLink>(&viewer, &[("id", &id), ("link", &revoked_id)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = import(&app, &editor, "Other", &small_body("Other")).await;
    let (status, _) = app
        .call::<RevokeDashboardLink>(&editor, &[("id", &other), ("link", &revoked_id)])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, e) = app
        .call::<RevokeDashboardLink>(&editor, &[("id", &id), ("link", &revoked_id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    sqlx::query("UPDATE dashboard_links SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day' WHERE id = $1")
        .bind(uuid::Uuid::parse_str(&expired_id).expect("uuid"))
        .execute(&app.db)
        .await
        .expect("expire");

    let (unknown, _) = app::backend::dashboards::links::new_token().expect("token");
    for token in [revoked.as_str(), expired.as_str(), unknown.as_str(), "not-a-token", &live[..42]] {
        let (status, e) = public(&app, token, "1h").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{token}: {e}");
        let (status, _, html) = page(&app, &format!("/public/d/{token}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{token}");
        assert!(html.contains("This link has expired or was revoked"), "{html}");
        assert!(!html.contains("data-testid=\"widget\""));
        assert_eq!(png(&app, token, 1, "range=1h").await.status(), StatusCode::NOT_FOUND, "{token}");
    }
    assert_eq!(
        public(&app, &live, "1h").await.0,
        StatusCode::OK,
        "other links of the dashboard still open"
    );

    // The list says which is which; both changes are in the audit log.
    let (status, list) = app.call::<DashboardLinks>(&editor, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let status_of = |link: &str| {
        list.as_array()
            .and_then(|l| l.iter().find(|x| x["id"] == link))
            .map(|x| x["status"].clone())
    };
    assert_eq!(status_of(&revoked_id), Some(json!("Revoked")));
    assert_eq!(status_of(&expired_id), Some(json!("Expired")));
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'dashboard.link_%' ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("audit");
    assert_eq!(
        actions,
        [
            "dashboard.link_create",
            "dashboard.link_create",
            "dashboard.link_create",
            "dashboard.link_revoke"
        ]
    );
    // Deleting the dashboard takes its links with it.
    let (status, _) = app.call::<app::api::dashboards::DeleteDashboard>(&editor, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public(&app, &live, "1h").await.0, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn what_a_link_sends_has_no_account_id_and_no_arn(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    // The demo's Shop overview: alarm ARNs in its alarm widget and on its 5XX chart, a composite
    // alarm whose reasons name ARNs; and a dashboard whose text and rows name the account.
    let (_, list) = app.call::<ListDashboards>(&editor, &[("search", "Shop overview")]).await;
    let shop = list[0]["id"].as_str().expect("the shop overview").to_string();
    let own = import(&app, &editor, "Own", &small_body("Own")).await;
    // Signed in, the same text does carry them (so the checks below can see them at all).
    let (_, signed_in) = app.call::<DashboardWidgets>(&editor, &[("id", &own), ("from", "now-3h")]).await;
    assert!(signed_in.to_string().contains(ACCOUNT) && signed_in.to_string().contains("arn:aws:sns"));
    for id in [&shop, &own] {
        let (_, token) = share(&app, &editor, id).await;
        let (status, v) = public(&app, &token, "24h").await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let (_, _, html) = page(&app, &format!("/public/d/{token}?range=24h")).await;
        let mut keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["data", "expires_at_ms", "range", "title"],
            "no connection, no body, no owner"
        );
        for (what, text) in [("the server function", v.to_string()), ("the page", html)] {
            let lower = text.to_ascii_lowercase();
            assert!(!text.contains(ACCOUNT), "{what} carries the account id");
            assert!(!text.contains("111122223333"), "{what} carries an account id");
            assert!(!lower.contains("arn:aws"), "{what} carries an ARN");
            assert!(!lower.contains("accountid"), "{what} carries accountId");
        }
        // No text anywhere in the answer holds a 12-digit number (an account id); numbers (data
        // points, epoch milliseconds) are data.
        let mut texts = Vec::new();
        strings(&v, &mut texts);
        for t in texts {
            assert!(!t.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() == 12), "{t}");
        }
        if id == &shop {
            let alarms = v["data"]["widgets"]
                .as_array()
                .and_then(|w| w.iter().find_map(|w| w["content"].get("Alarms")))
                .expect("the alarm widget");
            let names: Vec<&str> = alarms["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .filter_map(|r| r["name"].as_str())
                .collect();
            assert!(
                names.contains(&"checkout-5xx-rate") && names.contains(&"checkout-unhealthy"),
                "{alarms}"
            );
            for r in alarms["rows"].as_array().expect("rows") {
                assert_eq!(r["reason"], "", "names and states only: {r}");
                assert!(
                    ["OK", "ALARM", "INSUFFICIENT_DATA"].contains(&r["state"].as_str().unwrap_or("")),
                    "{r}"
                );
            }
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_link_opened_too_often_is_refused_with_429(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let id = import(
        &app,
        &editor,
        "Busy",
        &json!({"widgets": [{"type": "text", "properties": {"markdown": "hi"}}]}).to_string(),
    )
    .await;
    let (_, token) = share(&app, &editor, &id).await;
    let (_, other) = share(&app, &editor, &id).await;
    let per_minute = app::backend::dashboards::public::PER_MINUTE as usize;
    let (served, res) = exhaust(&app, &token).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().expect("text").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["kind"], "too_many_requests");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("Try again")), "{body}");
    assert!(served >= per_minute, "only {served} served before the limit of {per_minute}");
    // The page and the image of that link are refused too (each right after the allowance is
    // used up again: it refills by one a second); another link is not.
    exhaust(&app, &token).await;
    let (status, headers, html) = page(&app, &format!("/public/d/{token}")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key("retry-after"));
    assert!(html.contains("Too many requests for this link"), "{html}");
    exhaust(&app, &token).await;
    assert_eq!(png(&app, &token, 0, "range=1h").await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(public(&app, &other, "1h").await.0, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_link_over_the_daily_budget_is_refused(db: PgPool) {
    use app::backend::dashboards::{links, public};
    use app::backend::sources::{ProxySettings, SourcePolicy, Telemetry};
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let id = import(&app, &editor, "Budget", &small_body("Budget")).await;
    let (link, token) = share(&app, &editor, &id).await;
    let telemetry = Telemetry::with_proxy(
        app.db.clone(),
        SourcePolicy::default(),
        None,
        None,
        ProxySettings {
            daily_metric_budget: Some(100),
            ..Default::default()
        },
    );
    let limits = public::PublicLinks::default();
    let view = public::view(&app.db, &telemetry, &limits, &token, "1h")
        .await
        .expect("under budget");
    assert_eq!(view.title, "Budget");
    sqlx::query(
        "INSERT INTO usage_daily (day, connection_id, api, principal, metrics)
         VALUES ((now() AT TIME ZONE 'utc')::date, 'demo', 'GetMetricData', $1, 100)",
    )
    .bind(format!("link:{link}"))
    .execute(&app.db)
    .await
    .expect("usage");
    // A fresh handle (its budget cache is per process and 10 s long) reads the day's usage.
    let telemetry = Telemetry::with_proxy(
        app.db.clone(),
        SourcePolicy::default(),
        None,
        None,
        ProxySettings {
            daily_metric_budget: Some(100),
            ..Default::default()
        },
    );
    match public::view(&app.db, &telemetry, &limits, &token, "1h").await {
        Err(e @ app::error::AppError::TooManyRequests { .. }) => {
            assert!(e.to_string().contains("today's budget"), "{e}");
            assert!(e.retry_after_secs().is_some_and(|s| s <= 86_400));
        }
        other => panic!("not refused: {other:?}"),
    }
    assert!(
        links::resolve(&app.db, &token).await.expect("resolve").is_some(),
        "the link itself is fine"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn only_editors_make_and_list_links_and_only_the_hash_is_stored(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let viewer = app.signed_in(VIEWER).await;
    let id = import(&app, &editor, "Mine", &small_body("Mine")).await;
    let (status, e) = app
        .call::<CreateDashboardLink>(&viewer, &[("id", &id), ("label", "x"), ("expires", "7d")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    let (status, _) = app.call::<DashboardLinks>(&viewer, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for bad in ["never", "365d", "0d", ""] {
        let (status, e) = app
            .call::<CreateDashboardLink>(&editor, &[("id", &id), ("label", "x"), ("expires", bad)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }
    let (status, e) = app
        .call::<CreateDashboardLink>(&editor, &[("id", &uuid::Uuid::nil().to_string()), ("expires", "1d")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM dashboard_links")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(links, 0, "nothing was made by the refusals");

    let (status, link) = app
        .call::<CreateDashboardLink>(&editor, &[("id", &id), ("label", " status wall "), ("expires", "30d")])
        .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let token = link["token"].as_str().expect("token");
    assert_eq!(token.len(), 43);
    assert_eq!(link["info"]["label"], "status wall");
    let lives = link["info"]["expires_at_ms"].as_i64().expect("expiry") - link["info"]["created_at_ms"].as_i64().expect("made");
    assert_eq!(lives, 30 * 86_400_000);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM dashboard_links")
        .fetch_one(&app.db)
        .await
        .expect("hash");
    assert_eq!(stored, app::backend::identity::password::sha256(token.as_bytes()));
    let dump: String = sqlx::query_scalar("SELECT string_agg(t::text, ' ') FROM dashboard_links t")
        .fetch_one(&app.db)
        .await
        .expect("rows");
    assert!(!dump.contains(token), "the token itself is never stored");
    // Listed (never with its token) for editors.
    let (status, list) = app.call::<DashboardLinks>(&editor, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["status"], "Live");
    assert_eq!(list[0]["created_by"], "editor");
    assert!(!list.to_string().contains(token));
}
