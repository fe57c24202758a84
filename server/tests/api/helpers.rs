//! The test app: spawn, sign in, call server functions by their own types (so a renamed
//! endpoint breaks the build, not the test run).

use app::backend::audit::Actor;
use app::backend::identity::{users, IdentitySettings, PasswordHasher, ThrottleSettings};
use leptos::config::LeptosOptions;
use leptos::server_fn::ServerFn;
use reqwest::{redirect, Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

use server::routes::RouterParts;
use server::startup;

pub const ADMIN: (&str, &str) = ("admin@example.com", "admin password 1");
pub const VIEWER: (&str, &str) = ("viewer@example.com", "viewer password 1");
pub const EDITOR: (&str, &str) = ("editor@example.com", "editor password 1");

/// The key secrets are stored with in tests.
pub const TEST_SECRET_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub struct TestApp {
    pub addr: String,
    pub db: PgPool,
}

/// Settings for tests: defaults, with a small throttle so the tests stay short.
pub fn test_settings() -> IdentitySettings {
    IdentitySettings {
        throttle: ThrottleSettings {
            window: Duration::from_secs(900),
            max_per_account_address: 3,
            max_per_account: 5,
            max_per_address: 6,
        },
        ..IdentitySettings::default()
    }
}

/// How the test server meets the network: directly (no trusted proxy) unless a test says so.
pub fn direct() -> RouterParts {
    RouterParts {
        public_url: None,
        trusted_proxies: 0,
    }
}

impl TestApp {
    pub async fn spawn(db: PgPool) -> Self {
        Self::spawn_with(db, test_settings(), direct()).await
    }

    pub async fn spawn_with(db: PgPool, settings: IdentitySettings, parts: RouterParts) -> Self {
        server::telemetry::init_for_tests();
        let options = LeptosOptions::builder().output_name("watchpost").site_root("target/site").build();
        let sources = server::config::SourcesSettings {
            policy: app::backend::sources::SourcePolicy {
                allow_loopback_endpoints: true,
                ..Default::default()
            },
            secret_key: Some(TEST_SECRET_KEY.to_string().into()),
            proxy: {
                // Open ranges stay fresh for the day (freshness ends on clock windows of the TTL),
                // so tests that count upstream calls are not timed against a loaded machine or a
                // minute boundary.
                let mut p = app::backend::sources::ProxySettings::default();
                p.metrics.min_ttl = std::time::Duration::from_secs(86_400);
                p.metrics.max_ttl = p.metrics.min_ttl;
                p
            },
        };
        let telemetry = startup::telemetry(&db, &sources).await.expect("telemetry");
        let app = startup::router(startup::state(options, db.clone(), settings, telemetry), parts);
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
        let email: app::domain::Email = email.parse().expect("email");
        users::create(
            &self.db,
            &PasswordHasher::new(2),
            &Actor::system(),
            users::NewUser {
                display_name: app::domain::DisplayName::from_email(&email),
                email,
                role: role.parse().expect("role"),
                password: password.parse().expect("password"),
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

    /// Signs in with JSON from our own origin, as the login page's script would.
    pub async fn login_json(&self, client: &Client, email: &str, password: &str) -> Response {
        client
            .post(self.url("/auth/login"))
            .header("origin", &self.addr)
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

    /// Calls server function `F` with form arguments, as the browser does: the status and the
    /// JSON body.
    pub async fn call<F: ServerFn>(&self, client: &Client, args: &[(&str, &str)]) -> (StatusCode, Value) {
        self.post_form(client, F::PATH, args).await
    }

    /// Posts form arguments to any path from our own origin.
    pub async fn post_form(&self, client: &Client, path: &str, args: &[(&str, &str)]) -> (StatusCode, Value) {
        let body = serde_urlencoded::to_string(args).expect("form");
        let res = client
            .post(self.url(path))
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

    /// The id of the account with this email.
    pub async fn id_of(&self, email: &str) -> String {
        let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.db)
            .await
            .expect("id");
        id.to_string()
    }
}
