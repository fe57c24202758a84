//! The metrics explorer against the demo: browsing ListMetrics by namespace and search (custom
//! namespaces discovered), drawing a widget as it is built (math over hidden helper series,
//! dynamic labels, CloudWatch's error on a bad expression), and putting it on a dashboard: a new
//! one, appended to an existing one, or saved back in place, with the version check.

use app::api::dashboards::{DashboardWidgets, GetDashboard, ImportDashboard};
use app::api::metrics::{AddToDashboard, BrowseMetrics, PreviewMetrics};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{TestApp, EDITOR, VIEWER};

const CPU: &str = r#"["AWS/ECS","CPUUtilization","ClusterName","shop-prod","ServiceName","checkout",{"id":"m1"}]"#;
const MEMORY: &str = r#"["AWS/ECS","MemoryUtilization","ClusterName","shop-prod","ServiceName","checkout",{"id":"m2"}]"#;

fn series(widget: &Value) -> Vec<(String, Vec<(i64, f64)>)> {
    widget["chart"]["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|s| {
            let points = s["points"]
                .as_array()
                .expect("points")
                .iter()
                .map(|p| (p["t"].as_i64().expect("t"), p["v"].as_f64().expect("v")))
                .collect();
            (s["label"].as_str().unwrap_or_default().to_string(), points)
        })
        .collect()
}

async fn preview(app: &TestApp, c: &reqwest::Client, properties: &str) -> (StatusCode, Value) {
    app.call::<PreviewMetrics>(c, &[("properties", properties), ("from", "now-3h"), ("to", "now")])
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn the_explorer_browses_the_demo_by_namespace_and_search(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anonymous = reqwest::Client::new();
    let (status, _) = app.call::<BrowseMetrics>(&anonymous, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let viewer = app.signed_in(VIEWER).await;
    let (status, all) = app.call::<BrowseMetrics>(&viewer, &[]).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let names: Vec<&str> = all["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    // AWS's namespaces and the shop's own, discovered from ListMetrics (never configured).
    for ns in ["AWS/ECS", "AWS/ApplicationELB", "Shop/Orders"] {
        assert!(names.contains(&ns), "{ns} in {names:?}");
    }
    assert_eq!(all["groups"], json!([]), "no namespace chosen: no metrics listed");

    let (status, ecs) = app
        .call::<BrowseMetrics>(&viewer, &[("namespace", "AWS/ECS"), ("search", "cpu CHECKOUT")])
        .await;
    assert_eq!(status, StatusCode::OK, "{ecs}");
    let groups = ecs["groups"].as_array().expect("groups");
    assert!(!groups.is_empty(), "{ecs}");
    let mut seen = 0;
    for g in groups {
        for m in g["metrics"].as_array().expect("metrics") {
            seen += 1;
            let text = m.to_string().to_lowercase();
            assert!(text.contains("cpu") && text.contains("checkout"), "every term matches: {m}");
            assert_eq!(m["namespace"], "AWS/ECS");
        }
    }
    assert!(
        groups.iter().any(|g| g["keys"] == json!(["ClusterName", "ServiceName"])),
        "grouped by dimension set: {ecs}"
    );
    assert_eq!(ecs["matched"].as_u64(), Some(seen));
    // The search narrows the namespace counts too.
    let counted: Vec<&str> = ecs["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert!(!counted.contains(&"Shop/Orders"), "{counted:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_widget_draws_as_it_is_built_with_math_hidden_helpers_and_dynamic_labels(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let shown =
        format!(r#"{{"metrics":[{CPU},{MEMORY},[{{"expression":"(m1+m2)/2","id":"e1","label":"mean"}}]],"period":60,"stat":"Average"}}"#);
    let (status, w) = preview(&app, &viewer, &shown).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["errors"], json!([]), "{w}");
    let s = series(&w);
    assert_eq!(s.len(), 3, "{s:?}");
    let (cpu, mem, mean) = (&s[0].1, &s[1].1, &s[2].1);
    assert!(cpu.len() > 100, "3 h at 1 minute: {}", cpu.len());
    for (t, v) in mean {
        let a = cpu.iter().find(|p| p.0 == *t).expect("cpu at t").1;
        let b = mem.iter().find(|p| p.0 == *t).expect("mem at t").1;
        assert!((v - (a + b) / 2.0).abs() < 1e-6, "at {t}: {v} vs ({a}+{b})/2");
    }

    // m1 and m2 hidden: they still feed the expression, only it is drawn.
    let hidden = shown
        .replace(r#"{"id":"m1"}"#, r#"{"id":"m1","visible":false}"#)
        .replace(r#"{"id":"m2"}"#, r#"{"id":"m2","visible":false}"#);
    let (_, w) = preview(&app, &viewer, &hidden).await;
    let s = series(&w);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].1, *mean);

    // A dynamic label is filled in by the source.
    let labelled = r#"{"metrics":[["AWS/ECS","CPUUtilization","ClusterName","shop-prod","ServiceName","checkout",{"label":"${PROP('Dim.ServiceName')} max ${MAX}"}]]}"#;
    let (_, w) = preview(&app, &viewer, labelled).await;
    let label = &series(&w)[0].0;
    assert!(label.starts_with("checkout max "), "{label}");
    assert!(!label.contains("${"), "{label}");

    // A bad expression: CloudWatch's message on the widget, not a failed page.
    let (status, w) = preview(
        &app,
        &viewer,
        &format!(r#"{{"metrics":[{CPU},[{{"expression":"FOO(m1)","id":"e1"}}]]}}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert!(w["errors"].as_array().is_some_and(|e| !e.is_empty()), "{w}");

    // A malformed widget: the path of the bad element.
    let (status, e) = preview(&app, &viewer, r#"{"metrics":[["AWS/ECS","CPUUtilization"],["AWS/ECS"]]}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("properties.metrics[1]"), "{e}");
    let (status, e) = preview(&app, &viewer, r#"{"metrics":[]}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_built_widget_goes_on_a_new_or_existing_dashboard_with_the_version_check(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let viewer = app.signed_in(VIEWER).await;
    let editor = app.signed_in(EDITOR).await;
    let widget = format!(r#"{{"metrics":[{CPU}],"title":"Checkout CPU","view":"timeSeries"}}"#);

    // Viewers draw but do not change dashboards.
    let (status, _) = app
        .call::<AddToDashboard>(&viewer, &[("properties", &widget), ("title", "Mine")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A new dashboard holding the widget, which renders.
    let (status, id) = app
        .call::<AddToDashboard>(&editor, &[("properties", &widget), ("title", "From the explorer")])
        .await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let id = id.as_str().expect("id").to_string();
    let (_, doc) = app.call::<GetDashboard>(&editor, &[("id", &id)]).await;
    assert_eq!(doc["summary"]["title"], "From the explorer");
    assert_eq!(doc["body"]["widgets"][0]["properties"]["title"], "Checkout CPU");
    assert_eq!(doc["body"]["widgets"][0]["properties"]["metrics"][0][5], "checkout", "{doc}");
    let (_, data) = app.call::<DashboardWidgets>(&editor, &[("id", &id), ("from", "now-3h")]).await;
    assert!(!series(&data["widgets"][0]["content"]["Metric"]).is_empty(), "{data}");

    // An existing dashboard: appended below its widgets, as a new version.
    let (_, d) = app
        .call::<ImportDashboard>(
            &editor,
            &[
                ("title", "Existing"),
                (
                    "body",
                    r#"{"widgets":[{"type":"text","x":0,"y":0,"width":24,"height":3,"properties":{"markdown":"hi"}}]}"#,
                ),
            ],
        )
        .await;
    let existing = d["id"].as_str().expect("id").to_string();
    let add = |base: &'static str, replace: Option<&'static str>, props: String| {
        let (app, editor, existing) = (&app, &editor, existing.clone());
        async move {
            let mut args = vec![("properties", props.as_str()), ("dashboard", existing.as_str()), ("base", base)];
            if let Some(r) = replace {
                args.push(("replace", r));
            }
            app.call::<AddToDashboard>(editor, &args).await
        }
    };
    let (status, v) = add("1", None, widget.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, doc) = app.call::<GetDashboard>(&editor, &[("id", &existing)]).await;
    assert_eq!(doc["summary"]["version"], 2);
    let widgets = doc["body"]["widgets"].as_array().expect("widgets");
    assert_eq!(widgets.len(), 2);
    assert_eq!(widgets[1]["y"], 3, "below the text widget: {doc}");

    // Someone else's save since version 1: refused, nothing overwritten.
    let (status, e) = add("1", None, widget.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");

    // Saved back in place: the widget at 1 changes, its place stays.
    let memory = format!(r#"{{"metrics":[{MEMORY}],"title":"Checkout memory"}}"#);
    let (status, v) = add("2", Some("1"), memory.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, doc) = app.call::<GetDashboard>(&editor, &[("id", &existing)]).await;
    let widgets = doc["body"]["widgets"].as_array().expect("widgets");
    assert_eq!(widgets.len(), 2);
    assert_eq!(widgets[1]["properties"]["title"], "Checkout memory");
    assert_eq!((widgets[1]["y"].clone(), widgets[1]["width"].clone()), (json!(3), json!(12)));
    // The text widget is not a metric widget: nothing to replace there.
    let (status, _) = add("3", Some("0"), memory).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
