//! Dashboards: the demo's prebuilt ones, import (pasted JSON, the fixtures, the command line),
//! rendering every widget against the demo through the proxy, roles, bad input with the path of
//! the bad element, and saves with conflict detection, versions and restore.

use app::api::dashboards::{
    DashboardVersions, DashboardWidgets, DeleteDashboard, GetDashboard, ImportDashboard, ListDashboards, RestoreDashboard, SaveDashboard,
};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{TestApp, EDITOR, VIEWER};

fn fixtures() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/dashboards");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).expect("fixture"),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no dashboard fixtures in {}", dir.display());
    out
}

async fn import(app: &TestApp, c: &reqwest::Client, title: &str, body: &str) -> (StatusCode, Value) {
    app.call::<ImportDashboard>(c, &[("title", title), ("body", body), ("connection", "demo")])
        .await
}

async fn render(app: &TestApp, c: &reqwest::Client, id: &str, from: &str) -> Value {
    let (status, data) = app.call::<DashboardWidgets>(c, &[("id", id), ("from", from), ("to", "now")]).await;
    assert_eq!(status, StatusCode::OK, "{data}");
    data
}

/// Every metric widget has at least one series with points and no error; text widgets carry
/// HTML; alarm widgets list their alarms with a state.
fn assert_every_widget_renders(data: &Value, what: &str) {
    let widgets = data["widgets"].as_array().expect("widgets");
    assert!(!widgets.is_empty(), "{what}: no widgets");
    for w in widgets {
        let c = &w["content"];
        if let Some(m) = c.get("Metric") {
            assert_eq!(
                m["errors"],
                Value::Array(vec![]),
                "{what}: widget {} ({}) failed",
                w["index"],
                w["title"]
            );
            let series = m["chart"]["series"].as_array().expect("series");
            assert!(
                series.iter().any(|s| s["points"].as_array().is_some_and(|p| !p.is_empty())),
                "{what}: widget {} ({}) has no data: {m}",
                w["index"],
                w["title"]
            );
        } else if let Some(t) = c.get("Text") {
            assert!(t["html"].as_str().is_some_and(|h| h.contains('<')), "{what}: {t}");
        } else if let Some(l) = c.get("Logs") {
            // The query ran through the scheduler and finished within the page's wait.
            let r = &l["result"];
            assert_eq!(r["error"], Value::Null, "{what}: widget {} ({}): {r}", w["index"], w["title"]);
            assert_eq!(r["status"], "Complete", "{what}: widget {} ({}): {r}", w["index"], w["title"]);
        } else if let Some(a) = c.get("Alarms") {
            assert_eq!(a["error"], Value::Null, "{what}: {a}");
            let rows = a["rows"].as_array().expect("rows");
            assert!(!rows.is_empty(), "{what}: an alarm widget with no rows");
            for r in rows {
                assert!(
                    ["OK", "ALARM", "INSUFFICIENT_DATA"].contains(&r["state"].as_str().unwrap_or("")),
                    "{what}: {r}"
                );
            }
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_demo_ships_dashboards_that_render_for_a_viewer(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let (status, list) = app.call::<ListDashboards>(&viewer, &[]).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().expect("a list").clone();
    assert!(list.len() >= 3, "the demo's prebuilt dashboards: {list:?}");
    for d in &list {
        assert_eq!(d["connection"], "demo");
        let data = render(&app, &viewer, d["id"].as_str().expect("id"), "now-3h").await;
        assert_every_widget_renders(&data, d["title"].as_str().unwrap_or("?"));
    }
    // Imported once per connection: the same origin again creates nothing.
    let again = app::backend::dashboards::create(
        &app.db,
        &app::backend::audit::Actor::system(),
        &app::backend::dashboards::NewDashboard {
            meta: app::domain::dashboard::DashboardMeta::parse("Again", "", "", "").expect("meta"),
            connection: app::domain::ConnectionId::demo(),
            body: serde_json::json!({"widgets": []}),
            origin: Some("shop-overview".into()),
        },
    )
    .await
    .expect("create");
    assert_eq!(again, None);
    // Search by title.
    let first = list[0]["title"].as_str().expect("title").to_string();
    let (_, found) = app.call::<ListDashboards>(&viewer, &[("search", &first[..4])]).await;
    assert!(
        found.as_array().is_some_and(|f| f.iter().any(|d| d["title"] == first.as_str())),
        "{found}"
    );
    let (_, none) = app.call::<ListDashboards>(&viewer, &[("search", "no such dashboard at all")]).await;
    assert_eq!(none, Value::Array(vec![]));
}

#[sqlx::test(migrations = "../migrations")]
async fn every_fixture_imports_and_every_widget_renders_against_the_demo(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    for (name, body) in fixtures() {
        let (status, d) = import(&app, &editor, &name, &body).await;
        assert_eq!(status, StatusCode::OK, "{name}: {d}");
        let data = render(&app, &editor, d["id"].as_str().expect("id"), "now-3h").await;
        assert_every_widget_renders(&data, &name);
        // Unknown properties and every widget survive: the stored body has the same widgets.
        let (_, doc) = app.call::<GetDashboard>(&editor, &[("id", d["id"].as_str().expect("id"))]).await;
        let input: Value = serde_json::from_str(&body).expect("fixture json");
        assert_eq!(
            doc["body"]["widgets"].as_array().map(Vec::len),
            input["widgets"].as_array().map(Vec::len),
            "{name}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn viewers_read_but_only_editors_import_save_and_delete(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let body = r#"{"widgets":[{"type":"text","properties":{"markdown":"hi"}}]}"#;
    let (status, e) = import(&app, &viewer, "Mine", body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    let editor = app.signed_in(EDITOR).await;
    let (status, d) = import(&app, &editor, "Mine", body).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let id = d["id"].as_str().expect("id").to_string();
    let (status, _) = app
        .call::<SaveDashboard>(&viewer, &[("id", &id), ("base", "1"), ("title", "Theirs"), ("body", body)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call::<DeleteDashboard>(&viewer, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call::<DeleteDashboard>(&editor, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call::<GetDashboard>(&viewer, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bad_body_is_refused_with_the_path_of_its_bad_element_and_nothing_is_stored(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (_, before) = app.call::<ListDashboards>(&editor, &[]).await;
    let bad = r#"{"widgets":[{"type":"text","properties":{"markdown":"a"}},{"type":"metric","properties":{"metrics":[["AWS/ECS","CPUUtilization"],[17]]}}]}"#;
    let (status, e) = import(&app, &editor, "Bad", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let text = e.to_string();
    assert!(text.contains("widgets[1].properties.metrics[1]"), "{text}");
    let (status, e) = import(&app, &editor, "Bad", "{ not json").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, after) = app.call::<ListDashboards>(&editor, &[]).await;
    assert_eq!(before, after);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_save_based_on_a_stale_version_is_refused_and_old_versions_restore(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let v1 = r#"{"widgets":[{"type":"text","properties":{"markdown":"one"}}]}"#;
    let v2 = r#"{"widgets":[{"type":"text","properties":{"markdown":"two"}}]}"#;
    let (_, d) = import(&app, &editor, "Versions", v1).await;
    let id = d["id"].as_str().expect("id").to_string();
    let save = |base: &'static str, body: &'static str| {
        let id = id.clone();
        let app = &app;
        let editor = &editor;
        async move {
            app.call::<SaveDashboard>(editor, &[("id", &id), ("base", base), ("title", "Versions"), ("body", body)])
                .await
        }
    };
    let (status, v) = save("1", v2).await;
    assert_eq!((status, v), (StatusCode::OK, Value::from(2)));
    // A second editor who opened version 1 saves: refused, and version 2 stays.
    let (status, e) = save("1", v1).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("version 2"), "{e}");
    let (_, doc) = app.call::<GetDashboard>(&editor, &[("id", &id)]).await;
    assert_eq!(doc["body"]["widgets"][0]["properties"]["markdown"], "two");
    let (_, versions) = app.call::<DashboardVersions>(&editor, &[("id", &id)]).await;
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");
    // Restore version 1 as version 3.
    let (status, v) = app
        .call::<RestoreDashboard>(&editor, &[("id", &id), ("version", "1"), ("base", "2")])
        .await;
    assert_eq!((status, v), (StatusCode::OK, Value::from(3)));
    let (_, doc) = app.call::<GetDashboard>(&editor, &[("id", &id)]).await;
    assert_eq!(doc["body"]["widgets"][0]["properties"]["markdown"], "one");
    assert_eq!(doc["summary"]["version"], 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn text_widgets_are_sanitised_on_the_server(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let body = serde_json::json!({"widgets": [{"type": "text", "properties": {"markdown": "# Hi\n<script>alert(1)</script><img src=x onerror=alert(1)>[x](javascript:alert(1))"}}]}).to_string();
    let (_, d) = import(&app, &editor, "XSS", &body).await;
    let data = render(&app, &editor, d["id"].as_str().expect("id"), "now-1h").await;
    let html = data["widgets"][0]["content"]["Text"]["html"]
        .as_str()
        .expect("html")
        .to_ascii_lowercase();
    assert!(html.contains("<h1>hi</h1>"), "{html}");
    // A link to `javascript:` is either dropped or left as inert text, never an attribute.
    for bad in ["<script", "onerror=", "href=\"javascript:"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_metric_with_no_data_says_so_and_a_bad_expression_fails_only_its_widget(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let body = serde_json::json!({"widgets": [
        {"type": "metric", "properties": {"title": "nothing", "period": 60, "metrics": [["Nope/Nothing", "Missing", "Dim", "x"]]}},
        {"type": "metric", "properties": {"title": "bad", "period": 60, "metrics": [[{"expression": "FOO(m1)", "id": "e1"}], ["AWS/ECS", "CPUUtilization", "ClusterName", "shop-prod", "ServiceName", "web", {"id": "m1"}]]}},
        {"type": "metric", "properties": {"title": "good", "period": 60, "metrics": [["AWS/ECS", "CPUUtilization", "ClusterName", "shop-prod", "ServiceName", "web"]]}}
    ]})
    .to_string();
    let (status, d) = import(&app, &editor, "Mixed", &body).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let data = render(&app, &editor, d["id"].as_str().expect("id"), "now-1h").await;
    let w = &data["widgets"];
    let nothing = &w[0]["content"]["Metric"];
    assert!(
        nothing["chart"]["series"]
            .as_array()
            .expect("series")
            .iter()
            .all(|s| s["points"] == Value::Array(vec![])),
        "{nothing}"
    );
    assert!(
        nothing["queries"][0].as_str().is_some_and(|q| q.contains("Nope/Nothing Missing")),
        "{nothing}"
    );
    let bad = &w[1]["content"]["Metric"];
    assert!(bad["errors"].as_array().is_some_and(|e| !e.is_empty()), "{bad}");
    let good = &w[2]["content"]["Metric"];
    assert_eq!(good["errors"], Value::Array(vec![]), "{good}");
    assert!(
        good["chart"]["series"][0]["points"].as_array().is_some_and(|p| p.len() > 30),
        "{good}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_metric_widget_draws_as_a_png_for_viewers_only(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let (_, list) = app.call::<ListDashboards>(&viewer, &[("search", "Shop overview")]).await;
    let id = list[0]["id"].as_str().expect("the shop overview").to_string();
    let (_, doc) = app.call::<GetDashboard>(&viewer, &[("id", &id)]).await;
    let index = doc["body"]["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .position(|w| w["type"] == "metric")
        .expect("a metric widget");
    let path = format!("/data/dashboards/{id}/widgets/{index}/png?from=now-3h&width=640&height=240");
    let res = viewer.get(app.url(&path)).send().await.expect("png");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    let bytes = res.bytes().await.expect("bytes");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, right after the chunk header.
    assert_eq!(u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]), 640);
    assert_eq!(u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]), 240);
    // Signed out: refused; a text widget or a position past the end: not found.
    let res = app.client().get(app.url(&path)).send().await.expect("anonymous");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = viewer
        .get(app.url(&format!("/data/dashboards/{id}/widgets/999/png")))
        .send()
        .await
        .expect("past the end");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn dashboards_come_in_from_a_connection_and_go_out_to_it(db: PgPool) {
    use app::api::dashboards::{ConnectionDashboards, ExportDashboard, ImportFromConnection, PutDashboard};
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let (status, names) = app.call::<ConnectionDashboards>(&editor, &[("connection", "demo")]).await;
    assert_eq!(status, StatusCode::OK, "{names}");
    assert!(names.as_array().is_some_and(|n| n.iter().any(|x| x == "shop-overview")), "{names}");
    let (status, d) = app
        .call::<ImportFromConnection>(&editor, &[("connection", "demo"), ("name", "network")])
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["title"], "Network");
    let id = d["id"].as_str().expect("id").to_string();
    let (status, text) = app.call::<ExportDashboard>(&editor, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let exported: Value = serde_json::from_str(text.as_str().expect("JSON text")).expect("the export is JSON");
    assert!(exported["widgets"].as_array().is_some_and(|w| w.len() == 4), "{exported}");
    // Out again under a new name: the demo validates it as CloudWatch does, and it lists it.
    let (status, messages) = app.call::<PutDashboard>(&editor, &[("id", &id), ("name", "network-copy")]).await;
    assert_eq!((status, messages), (StatusCode::OK, Value::Array(vec![])));
    let (_, names) = app.call::<ConnectionDashboards>(&editor, &[("connection", "demo")]).await;
    assert!(names.as_array().is_some_and(|n| n.iter().any(|x| x == "network-copy")), "{names}");
    let (status, _) = app.call::<PutDashboard>(&editor, &[("id", &id), ("name", "bad name!")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let viewer = app.signed_in(VIEWER).await;
    let (status, _) = app.call::<PutDashboard>(&viewer, &[("id", &id), ("name", "nope")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_command_line_imports_and_exports_dashboards(db: PgPool) {
    let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&db).await.expect("name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let url = format!("{}/{name}", base.rsplit_once('/').expect("path").0);
    let _app = TestApp::spawn(db).await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_watchpost"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run watchpost")
    };
    let (file_name, body) = fixtures().remove(0);
    let file = std::env::temp_dir().join(format!("watchpost-{name}-{file_name}.json"));
    std::fs::write(&file, &body).expect("write");
    let out = run(&["dashboards", "import", file.to_str().expect("path"), "--title", "From the shell"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("an id, not {id:?}"));
    let out = run(&["dashboards", "export", &id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let exported: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let input: Value = serde_json::from_str(&body).expect("fixture");
    assert_eq!(
        exported["widgets"].as_array().map(Vec::len),
        input["widgets"].as_array().map(Vec::len)
    );
    assert_eq!(exported["start"], input["start"]);
    // A bad file: a message naming the bad element, exit code not 0, nothing stored.
    std::fs::write(&file, r#"{"widgets":[{"type":"metric","properties":{"metrics":[[1]]}}]}"#).expect("write");
    let out = run(&["dashboards", "import", file.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("widgets[0].properties.metrics[0]"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&file);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_alarmed_metric_shows_its_alarm_threshold_and_state_changes(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let (_, list) = app.call::<ListDashboards>(&viewer, &[("search", "Shop overview")]).await;
    let id = list[0]["id"].as_str().expect("the shop overview").to_string();
    let data = render(&app, &viewer, &id, "now-1d").await;
    let widget = data["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .find(|w| w["title"] == "Target 5XX")
        .expect("the 5XX widget");
    let chart = &widget["content"]["Metric"]["chart"];
    let hlines = chart["hlines"].as_array().expect("hlines");
    assert!(
        hlines.iter().any(|h| h["value"] == 30.0 && h["label"] == "checkout-5xx-rate"),
        "the alarm's threshold (30) is drawn: {hlines:?}"
    );
    for v in chart["vlines"].as_array().expect("vlines") {
        assert!(
            v["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("checkout-5xx-rate: Alarm updated from")),
            "{v}"
        );
        let t = v["t"].as_i64().expect("t");
        assert!(
            t >= data["start"].as_i64().unwrap_or(0) && t <= data["end"].as_i64().unwrap_or(0),
            "{v}"
        );
    }
    // Widgets without the annotation get no alarm lines.
    for w in data["widgets"].as_array().expect("widgets") {
        if w["title"] != "Target 5XX" {
            if let Some(m) = w["content"].get("Metric") {
                assert_eq!(m["chart"]["vlines"], Value::Array(vec![]), "{}", w["title"]);
            }
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_dashboard_page_is_compressed_when_the_browser_asks(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let (_, list) = app.call::<ListDashboards>(&viewer, &[("search", "Shop overview")]).await;
    let id = list[0]["id"].as_str().expect("the shop overview").to_string();
    let url = app.url(&format!("/dashboards/{id}?from=now-3h"));
    let plain = viewer.get(&url).send().await.expect("page");
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get("content-encoding").is_none());
    let html = plain.text().await.expect("html");
    assert!(html.contains("data-testid=\"chart\""), "the charts are in the server's HTML");
    let gz = viewer.get(&url).header("accept-encoding", "gzip").send().await.expect("page");
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let size = gz.bytes().await.expect("bytes").len();
    assert!(size * 4 < html.len(), "{size} B gzipped of {} B", html.len());
}

#[sqlx::test(migrations = "../migrations")]
async fn log_widgets_show_their_rows_or_a_chart_of_stats_by_bin(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let q = "SOURCE '/ecs/checkout' | stats count(*) as events by bin(5m)";
    let body = serde_json::json!({"widgets": [
        {"type": "log", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {"query": q, "view": "table", "title": "table"}},
        {"type": "log", "x": 12, "y": 0, "width": 12, "height": 6, "properties": {"query": q, "view": "timeSeries", "title": "chart"}},
        {"type": "log", "x": 0, "y": 6, "width": 12, "height": 6, "properties": {"query": "fields @message | limit 5", "title": "no source"}},
        {"type": "log", "x": 12, "y": 6, "width": 12, "height": 6, "properties": {"query": "SOURCE '/ecs/checkout' | stats nosuchfn(x)", "title": "bad"}}
    ]});
    let (status, d) = import(&app, &editor, "Logs", &body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let data = render(&app, &editor, d["id"].as_str().expect("id"), "now-1h").await;
    let logs = |i: usize| data["widgets"][i]["content"]["Logs"]["result"].clone();

    // The table: one row per 5-minute bin, with the query's columns.
    let table = logs(0);
    assert_eq!(table["status"], "Complete", "{table}");
    assert_eq!(table["columns"], serde_json::json!(["bin(5m)", "events"]), "{table}");
    let rows = table["rows"].as_array().expect("rows");
    assert!(rows.len() >= 10, "an hour of 5-minute bins: {table}");
    let total: f64 = rows
        .iter()
        .map(|r| r[1].as_str().and_then(|v| v.parse::<f64>().ok()).expect("a count"))
        .sum();
    assert!(total > 0.0, "{table}");

    // The same query as a time series: one series whose points are the table's counts.
    let chart = logs(1);
    let series = chart["chart"]["chart"]["series"].as_array().expect("a chart").clone();
    assert_eq!(series.len(), 1, "{chart}");
    assert_eq!(series[0]["label"], "events");
    let drawn: f64 = series[0]["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["v"].as_f64().expect("v"))
        .sum();
    assert_eq!(drawn, total);
    assert_eq!(chart["chart"]["period"], 300);

    // No SOURCE: said on the widget. A bad query: CloudWatch's message, on that widget only.
    assert!(logs(2)["error"].as_str().is_some_and(|e| e.contains("SOURCE")), "{}", logs(2));
    assert!(logs(3)["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", logs(3));
    assert_eq!(logs(0)["error"], Value::Null);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_diff_between_versions_shows_what_changed(db: PgPool) {
    use app::api::dashboards::DashboardDiff;
    let app = TestApp::spawn(db).await;
    let editor = app.signed_in(EDITOR).await;
    let v1 = r#"{"widgets":[{"type":"text","properties":{"markdown":"one"}}]}"#;
    let v2 = r#"{"widgets":[{"type":"text","properties":{"markdown":"two"}}]}"#;
    let (_, d) = import(&app, &editor, "Diffs", v1).await;
    let id = d["id"].as_str().expect("id").to_string();
    let (status, _) = app
        .call::<SaveDashboard>(&editor, &[("id", &id), ("base", "1"), ("title", "Diffs renamed"), ("body", v2)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let viewer = app.signed_in(VIEWER).await;
    let (status, lines) = app.call::<DashboardDiff>(&viewer, &[("id", &id), ("from", "1"), ("to", "2")]).await;
    assert_eq!(status, StatusCode::OK, "{lines}");
    let changed: Vec<String> = lines
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["kind"] == "+" || l["kind"] == "-")
        .map(|l| format!("{}{}", l["kind"].as_str().unwrap_or(""), l["text"].as_str().unwrap_or("").trim()))
        .collect();
    assert_eq!(
        changed,
        [
            "-title: Diffs",
            "+title: Diffs renamed",
            "-\"markdown\": \"one\"",
            "+\"markdown\": \"two\""
        ],
        "{lines}"
    );
    let (_, same) = app.call::<DashboardDiff>(&viewer, &[("id", &id), ("from", "2"), ("to", "2")]).await;
    assert_eq!(same, Value::Array(vec![]));
    let (status, _) = app.call::<DashboardDiff>(&viewer, &[("id", &id), ("from", "1"), ("to", "9")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The series labels of each metric widget, by title.
fn series_labels(data: &Value) -> Vec<(String, Vec<String>)> {
    data["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .filter_map(|w| {
            let series = w["content"].get("Metric")?["chart"]["series"].as_array()?;
            let labels = series.iter().filter_map(|s| s["label"].as_str().map(str::to_string)).collect();
            Some((w["title"].as_str().unwrap_or_default().to_string(), labels))
        })
        .collect()
}

async fn render_with(app: &TestApp, c: &reqwest::Client, id: &str, vars: &str) -> (StatusCode, Value) {
    app.call::<DashboardWidgets>(c, &[("id", id), ("from", "now-3h"), ("to", "now"), ("vars", vars)])
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_service_variable_lists_the_demo_services_and_switches_every_widget(db: PgPool) {
    use app::api::dashboards::DashboardVariables;
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let (_, list) = app.call::<ListDashboards>(&viewer, &[("search", "Ecs services")]).await;
    let id = list[0]["id"].as_str().expect("the ECS services dashboard").to_string();

    // Its one variable lists every service the demo has (ListMetrics), with `web` in effect.
    let (status, vars) = app.call::<DashboardVariables>(&viewer, &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{vars}");
    let v = &vars[0];
    assert_eq!(
        (v["id"].as_str(), v["input"].as_str(), v["label"].as_str()),
        (Some("service"), Some("Select"), Some("Service"))
    );
    let options: Vec<&str> = v["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    let mut services = demo::model::SERVICES.to_vec();
    services.sort_unstable();
    assert_eq!(options, services, "{v}");
    assert_eq!(v["selected"], serde_json::json!(["web"]));

    // Without a choice: the default. Every metric widget draws web's series, with data.
    let (status, web) = render_with(&app, &viewer, &id, "").await;
    assert_eq!(status, StatusCode::OK, "{web}");
    assert_every_widget_renders(&web, "ECS services (web)");
    let labels = series_labels(&web);
    assert!(labels.len() >= 3, "{labels:?}");
    for (title, l) in &labels {
        assert!(!l.is_empty() && l.iter().all(|x| x.starts_with("web ")), "{title}: {l:?}");
    }

    // Another service: every widget follows, with other data.
    let (status, api) = render_with(&app, &viewer, &id, r#"{"service": ["api"]}"#).await;
    assert_eq!(status, StatusCode::OK, "{api}");
    assert_every_widget_renders(&api, "ECS services (api)");
    for (title, l) in series_labels(&api) {
        assert!(l.iter().all(|x| x.starts_with("api ")), "{title}: {l:?}");
    }
    let cpu = |d: &Value| {
        d["widgets"]
            .as_array()
            .expect("widgets")
            .iter()
            .find(|w| w["title"] == "CPU (%)")
            .expect("the CPU widget")["content"]["Metric"]["chart"]["series"][0]["points"]
            .clone()
    };
    assert_ne!(cpu(&web), cpu(&api), "the chosen service's own data");
    let (_, vars) = app
        .call::<DashboardVariables>(&viewer, &[("id", &id), ("vars", r#"{"service": ["api"]}"#)])
        .await;
    assert_eq!(vars[0]["selected"], serde_json::json!(["api"]));

    // Bad input: refused with the variable named, and the pickers still answer.
    for (vars, names) in [
        (r#"{"nope": ["x"]}"#, ["var-nope", "no such variable"]),
        (
            r#"{"service": ["payments"]}"#,
            ["var-service", "“payments” is not one of the values of “Service”"],
        ),
        (r#"{"service": ["web", "api"]}"#, ["var-service", "takes one value"]),
        (r#"["service"]"#, ["vars", "JSON"]),
    ] {
        let (status, e) = render_with(&app, &viewer, &id, vars).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{vars}: {e}");
        for n in names {
            assert!(e.to_string().contains(n), "{vars}: {n} in {e}");
        }
    }
    let (status, vars) = app
        .call::<DashboardVariables>(&viewer, &[("id", &id), ("vars", r#"{"service": ["payments"]}"#)])
        .await;
    assert_eq!(status, StatusCode::OK, "{vars}");
    assert_eq!(vars[0]["selected"], serde_json::json!(["web"]));
    assert!(vars[0]["note"].as_str().is_some_and(|n| n.contains("payments")), "{vars}");

    // The page, as the server renders it for a link: the picker shows the link's value, and the
    // widgets are drawn for it.
    let html = viewer
        .get(app.url(&format!("/dashboards/{id}?from=now-3h&var-service=api")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(r#"data-testid="var-service""#), "the picker is in the server's HTML");
    let option = html.find(r#"<option value="api""#).expect("api is an option");
    assert!(html[option..option + 40].contains("selected"), "{}", &html[option..option + 40]);
    assert!(
        html.contains("api average") && !html.contains("web average"),
        "the widgets are drawn for api"
    );

    // The PNG of a widget follows the page's variables too (over an hour that has passed, so
    // the drawings compare exactly).
    let (_, doc) = app.call::<GetDashboard>(&viewer, &[("id", &id)]).await;
    let index = doc["body"]["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .position(|w| w["type"] == "metric")
        .expect("a metric widget");
    let iso = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp(ms / 1000 / 60 * 60)
            .expect("a time")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formats")
    };
    let end = web["end"].as_i64().expect("end") - 3_600_000;
    let range = format!("from={}&to={}", iso(end - 3_600_000), iso(end));
    let png = |q: &str| {
        let url = app.url(&format!(
            "/data/dashboards/{id}/widgets/{index}/png?{range}&width=400&height=200{q}"
        ));
        let viewer = &viewer;
        async move {
            let res = viewer.get(url).send().await.expect("png");
            assert_eq!(res.status(), StatusCode::OK);
            res.bytes().await.expect("bytes")
        }
    };
    assert_eq!(png("").await, png("&var-service=web").await);
    assert_ne!(png("").await, png("&var-service=api").await);
}
