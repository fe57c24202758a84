use app::api::account::{MyTokens, WhoAmI};
use app::api::admin::{CreateUser, ListUsers, SetUserRole};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, ADMIN, EDITOR, VIEWER};

/// Every server function refuses an anonymous caller, whatever it is — but for the public-link
/// ones, which exist to be called signed out: those are exactly the listed few under
/// `/fn/public/`, and each refuses a token that opens nothing. New server functions are covered
/// automatically: the list comes from the registry the router itself uses.
#[sqlx::test(migrations = "../migrations")]
async fn every_server_function_needs_a_signed_in_user(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.client();
    let paths: Vec<(String, http::Method)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, m)| (p.to_string(), m))
        .collect();
    assert!(paths.len() >= 15, "server functions found: {paths:?}");
    for (path, _) in &paths {
        assert!(
            path.starts_with(&format!("{}/", app::api::PREFIX)),
            "{path} is outside the server-function prefix (and /api/ is the token API's)"
        );
    }
    // Every argument any server function takes, with a well-formed value, so that each one gets
    // past argument parsing (unknown fields are ignored) and must refuse on authentication.
    let nil = uuid::Uuid::nil().to_string();
    let args: Vec<(&str, &str)> = vec![
        ("user_id", &nil),
        ("handle", &nil),
        ("id", &nil),
        ("role", "viewer"),
        ("active", "true"),
        ("name", "x"),
        ("expires_in_days", ""),
        ("email", "x@example.com"),
        ("display_name", "X"),
        ("password", ""),
        ("current", "x"),
        ("new", "xxxxxxxxxxxx"),
        ("confirm", "xxxxxxxxxxxx"),
        ("before", "1"),
        ("area", "auth"),
        ("kind", "demo"),
        ("connection", "demo"),
        ("drill", &nil),
        ("service", "checkout"),
        ("minutes", "5"),
        ("base", "1"),
        ("version", "1"),
        ("title", "x"),
        ("body", "{}"),
        ("link", &nil),
        ("label", "x"),
        ("expires", "7d"),
        ("token", "x"),
        ("range", "1h"),
        ("from", "1"),
        ("to", "1"),
        ("properties", "{}"),
    ];
    let body = args
        .iter()
        .map(|(k, v)| format!("{k}={}", app::url::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let public_prefix = format!("{}/public/", app::api::PREFIX);
    let mut public: Vec<&str> = paths
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| p.starts_with(&public_prefix))
        .collect();
    public.sort_unstable();
    assert_eq!(
        public,
        app::api::links::PUBLIC_FUNCTIONS,
        "a server function under {public_prefix} is reachable signed out: list it, and test what it lets out"
    );
    for (path, method) in paths {
        let signed_out_ok = app::api::links::PUBLIC_FUNCTIONS.contains(&path.as_str());
        let res = c
            .request(method.clone(), app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &app.addr)
            .body(body.clone())
            .send()
            .await
            .expect("req");
        let (expected, kind) = if signed_out_ok {
            (StatusCode::NOT_FOUND, "not_found")
        } else {
            (StatusCode::UNAUTHORIZED, "unauthorized")
        };
        assert_eq!(res.status(), expected, "{method} {path} did not refuse an anonymous caller");
        let body: serde_json::Value = res.json().await.expect("json error");
        assert_eq!(body["kind"], kind, "{path}");
    }
}

/// Every admin function refuses viewers and editors with 403 (not 401: they are signed in, and
/// the role check is what refuses them). The list comes from the registry, so new admin
/// functions are covered without touching this test.
#[sqlx::test(migrations = "../migrations")]
async fn every_admin_function_refuses_non_admins(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin_paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .filter(|p| p.starts_with(&format!("{}/admin/", app::api::PREFIX)))
        .collect();
    assert!(admin_paths.len() >= 8, "{admin_paths:?}");
    let nil = uuid::Uuid::nil().to_string();
    let args = [
        ("user_id", nil.as_str()),
        ("handle", nil.as_str()),
        ("role", "admin"),
        ("active", "false"),
        ("email", "x@example.com"),
        ("display_name", "X"),
        ("password", ""),
        ("id", "demo"),
        ("kind", "demo"),
        ("connection", "demo"),
        ("drill", nil.as_str()),
        ("service", "checkout"),
        ("minutes", "5"),
    ];
    for who in [VIEWER, EDITOR] {
        let c = app.signed_in(who).await;
        for path in &admin_paths {
            let (status, body) = app.post_form(&c, path, &args).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{} on {path}: {body}", who.0);
            assert_eq!(body["kind"], "forbidden", "{path}");
        }
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(users, 3, "nothing was created along the way");
}

#[sqlx::test(migrations = "../migrations")]
async fn admin_functions_need_the_admin_role(db: PgPool) {
    let app = TestApp::spawn(db).await;
    for who in [VIEWER, EDITOR] {
        let c = app.signed_in(who).await;
        let (status, body) = app.call::<ListUsers>(&c, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", who.0);
        assert_eq!(body["kind"], "forbidden");
        let (status, _) = app
            .call::<CreateUser>(
                &c,
                &[
                    ("email", "x@example.com"),
                    ("display_name", "X"),
                    ("role", "admin"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let admin = app.signed_in(ADMIN).await;
    let (status, users) = app.call::<ListUsers>(&admin, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users.as_array().map(Vec::len), Some(3));
}

#[sqlx::test(migrations = "../migrations")]
async fn cross_origin_writes_are_refused(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.signed_in(VIEWER).await;
    for (header, value) in [
        ("origin", "http://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
        ("referer", "http://evil.example/x"),
    ] {
        let res = c
            .post(app.url(WhoAmI::PATH))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(header, value)
            .send()
            .await
            .expect("req");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{header}: {value}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["kind"], "cross_origin");
    }
    // Sign-out from another site is refused too (it would be a nuisance attack).
    let res = c
        .post(app.url("/auth/logout"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (status, _) = app.call::<WhoAmI>(&c, &[]).await;
    assert_eq!(status, StatusCode::OK, "same-origin calls still work");
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_send_strangers_to_sign_in_and_render_for_users(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let anon = app.client();
    let res = anon.get(app.url("/explore?from=now-5m")).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?next=%2Fexplore%3Ffrom%3Dnow-5m");
    let res = anon.get(app.url("/login")).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(html.contains(r#"action="/auth/login""#), "{html}");

    let c = app.signed_in(VIEWER).await;
    let res = c.get(app.url("/dashboards?from=now-3h&tz=utc")).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    for expected in ["Dashboards", "Explore", "Query library", "Last 3 hours", "viewer"] {
        assert!(html.contains(expected), "missing {expected:?}");
    }
    assert!(!html.contains(">Admin<"), "viewers do not see the admin link");
    let res = c.get(app.url("/no/such/page")).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.expect("html").contains("Page not found"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bad_time_range_is_explained_not_fatal(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.signed_in(VIEWER).await;
    let res = c.get(app.url("/explore?from=yesterday")).send().await.expect("req");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(html.contains("Time range not understood"), "{html}");
    assert!(html.contains("Last 1 hour"));
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_server_function_input_is_a_clear_400_or_422(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, body) = app
        .call::<SetUserRole>(&admin, &[("user_id", "not-a-uuid"), ("role", "viewer")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .call::<SetUserRole>(&admin, &[("user_id", &uuid::Uuid::nil().to_string()), ("role", "root")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app.call::<SetUserRole>(&admin, &[("role", "viewer")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a missing argument");
}

#[sqlx::test(migrations = "../migrations")]
async fn database_loss_mid_flight_is_a_clear_error_and_the_server_stays_up(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let c = app.signed_in(VIEWER).await;
    // A query inside a server function fails (the session lookup before it still works): the
    // answer is an opaque reference, never the database's words.
    sqlx::query("ALTER TABLE api_tokens RENAME TO api_tokens_gone")
        .execute(&app.db)
        .await
        .expect("break one table");
    let (status, body) = app.call::<MyTokens>(&c, &[]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["kind"], "internal");
    assert!(body["reference"].as_str().is_some_and(|r| r.len() == 12), "{body}");
    let text = body.to_string().to_lowercase();
    for internal in ["api_tokens", "relation", "sqlx", "select"] {
        assert!(!text.contains(internal), "{internal} leaked: {text}");
    }
    // Then the whole database goes away.
    app.db.close().await;
    let (status, body) = app.call::<WhoAmI>(&c, &[]).await;
    assert!(status.is_server_error(), "{status}: {body}");
    let text = body.to_string();
    assert!(!text.to_lowercase().contains("pool"), "no internals leak: {text}");
    let res = c.get(app.url("/healthz")).send().await.expect("still serving");
    assert_eq!(res.status(), StatusCode::OK);
    let res = c.get(app.url("/readyz")).send().await.expect("still serving");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}
