//! Watchpost: the Leptos application (pages, components, server functions) shared by the server
//! (SSR) and the browser (hydration). Server-only code lives in `backend`, compiled with `ssr`.

#![recursion_limit = "512"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
pub mod url;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use crate::components::ShellLayout;
use crate::domain::CurrentUser;
use crate::error::AppError;
use crate::pages::admin::usage::UsageRoute;
use crate::pages::dashboards::{DashboardRoute, DashboardsRoute, PublicDashboardRoute};
use crate::pages::metrics::MetricsRoute;
use crate::pages::{
    account::AccountRoute, admin::connections::ConnectionsRoute, admin::AdminRoute, login::LoginPage, not_found::NotFound, sections::*,
};

/// The whole HTML document, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=initial_theme()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The theme chosen with the theme switch (a cookie), so the first paint is already right.
fn initial_theme() -> &'static str {
    #[cfg(feature = "ssr")]
    {
        let cookie = use_context::<http::request::Parts>()
            .and_then(|p| p.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(str::to_owned))
            .unwrap_or_default();
        for part in cookie.split(';') {
            match part.trim() {
                "theme=dark" => return "dark",
                "theme=light" => return "light",
                _ => {}
            }
        }
    }
    "system"
}

/// The page's Content-Security-Policy: scripts only from here or with this response's nonce
/// (the hydration script and resource data carry it), WebAssembly allowed to compile, nothing
/// framed. Style sheets only from here; inline `style` *attributes* are allowed
/// (`style-src-attr`), because a dashboard places each widget on its grid and the chart's
/// crosshair by attribute, and markdown never carries one (the sanitiser drops them). In `cargo leptos watch`, the live-reload socket is allowed too.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let Some(res) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce().map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    let reload = use_context::<LeptosOptions>()
        .filter(|_| std::env::var_os("LEPTOS_WATCH").is_some())
        .map(|o| format!(" ws://{}:{}", o.site_addr.ip(), o.reload_port))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'{reload}; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(v) = http::HeaderValue::from_str(&policy) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The signed-in user, fetched once by the shell and shared with its pages.
pub type UserResource = Resource<Result<CurrentUser, AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // A marker for end-to-end tests (and curious people): effects run once hydration is done.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/watchpost.css" />
        <Title formatter=|t: String| if t.is_empty() { "Watchpost".to_string() } else { format!("{t} · Watchpost") } />
        // Async SSR: the whole page, resources resolved, in one response, so it reads right
        // without JavaScript (out-of-order streaming needs a script to place late fragments).
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                // A public dashboard link: signed out, outside the shell, a chunk of its own.
                <Route path=path!("/public/d/:token") view={Lazy::<PublicDashboardRoute>::new()} ssr=SsrMode::Async />
                // Every other page is signed-in and lives inside the shell, mounted once.
                <ParentRoute path=path!("") view=ShellLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("dashboards") view={Lazy::<DashboardsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("dashboards/:id") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("explore") view=ExplorePage ssr=SsrMode::Async />
                    <Route path=path!("metrics-explorer") view={Lazy::<MetricsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("alarms") view=AlarmsPage ssr=SsrMode::Async />
                    <Route path=path!("incidents") view=IncidentsPage ssr=SsrMode::Async />
                    <Route path=path!("runbooks") view=RunbooksPage ssr=SsrMode::Async />
                    <Route path=path!("queries") view=QueryLibraryPage ssr=SsrMode::Async />
                    // Heavy pages are split into chunks of their own (cargo leptos --split).
                    <Route path=path!("account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/connections") view={Lazy::<ConnectionsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/usage") view={Lazy::<UsageRoute>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
