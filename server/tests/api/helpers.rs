//! The test app: spawn, sign in, call server functions.

use app::backend::Settings;
use leptos::config::LeptosOptions;
use reqwest::{redirect, Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

use server::startup::{self, RouterParts};

pub const ADMIN: (&str, &str) = ("admin@example.com", "admin password 1");
pub const VIEWER: (&str, &str) = ("viewer@example.com", "viewer password 1");
pub const EDITOR: (&str, &str) = ("editor@example.com", "editor password 1");

pub struct TestApp {
    pub addr: String,
    pub db: PgPool,
}

/// Settings for tests: defaults, with a small throttle so the tests stay short.
pub fn test_settings() -> Settings {
    Settings {
        max_failures_per_account: 3,
        max_failures_per_ip: 6,
        throttle_window: Duration::from_secs(900),
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn(db: PgPool) -> Self {
        Self::spawn_with(db, test_settings()).await
    }

    pub async fn spawn_with(db: PgPool, settings: Settings) -> Self {
        server::telemetry::init_for_tests();
        let options = LeptosOptions::builder().output_name("watchpost").site_root("target/site").build();
        let app = startup::router(
            db.clone(),
            RouterParts {
                leptos_options: options,
                settings,
                cookie_secure: false,
                public_url: None,
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let addr = format!("http://{}", listener.local_addr().expect("local addr"));
        tokio::spawn(async move {
            let _ = startup::serve(listener, app).await;
        });
        let app = TestApp { addr, db };
        for (email, password, role) in [
            (ADMIN.0, ADMIN.1, "admin"),
            (VIEWER.0, VIEWER.1, "viewer"),
            (EDITOR.0, EDITOR.1, "editor"),
        ] {
            app.create_user(email, password, role).await;
        }
        app
    }

    pub async fn create_user(&self, email: &str, password: &str, role: &str) {
        use app::backend::{audit::Actor, users};
        users::create(
            &self.db,
            &Actor::system(),
            users::NewUser {
                email: email.parse().expect("email"),
                display_name: email.split('@').next().unwrap_or("x").to_string(),
                role: role.parse().expect("role"),
                password: password.to_string(),
            },
        )
        .await
        .expect("create user");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn login_json(&self, client: &Client, email: &str, password: &str) -> Response {
        client
            .post(self.url("/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// A signed-in client.
    pub async fn signed_in(&self, (email, password): (&str, &str)) -> Client {
        let c = self.client();
        let res = self.login_json(&c, email, password).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "sign-in of {email} failed: {}",
            res.text().await.unwrap_or_default()
        );
        c
    }

    /// `GET /api/v1/me` with a bearer token: the status and the JSON body.
    pub async fn api_me(&self, secret: &str) -> (StatusCode, Value) {
        let res = self
            .client()
            .get(self.url("/api/v1/me"))
            .bearer_auth(secret)
            .send()
            .await
            .expect("api request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Calls a server function (`/api/<endpoint>`) with form arguments, as the browser does.
    pub async fn call(&self, client: &Client, endpoint: &str, args: &[(&str, &str)]) -> (StatusCode, Value) {
        let body: String = args
            .iter()
            .map(|(k, v)| format!("{}={}", app::url::encode(k), app::url::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let res = client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &self.addr)
            .body(body)
            .send()
            .await
            .expect("server fn request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}
