//! The application shell, mounted once as the parent route of every signed-in page:
//! navigation, the global time range, the connection, the theme switch and the user menu, with
//! the page in its `Outlet`.
//!
//! It owns two things every page relies on: the [`ShellState`] (parsed from the URL here and
//! nowhere else) and the rule that these pages need a signed-in user — an anonymous request is
//! sent to sign-in with a `next` back to where it was going.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use super::connection_picker::ConnectionPicker;
use super::shell_state::{here, shell_link, ShellState};
use super::time_picker::TimePicker;
use super::ErrorView;
use crate::api::account::who_am_i;
use crate::error::AppError;
use crate::url::{encode, safe_next};
use crate::UserResource;

const SECTIONS: [(&str, &str); 7] = [
    ("/dashboards", "Dashboards"),
    ("/explore", "Explore"),
    ("/metrics-explorer", "Metrics"),
    ("/alarms", "Alarms"),
    ("/incidents", "Incidents"),
    ("/runbooks", "Runbooks"),
    ("/queries", "Query library"),
];

#[component]
pub fn ShellLayout() -> impl IntoView {
    ShellState::provide();
    let me: UserResource = Resource::new(|| (), |_| who_am_i());
    provide_context(me);
    let here = here();

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Transition fallback=|| ()>
            {
                let here = here.clone();
                move || {
                    let here = here.clone();
                    Suspend::new(async move {
                        if let Err(AppError::Unauthorized) = me.await {
                            send_to_sign_in(&here());
                        }
                    })
                }
            }
        </Transition>
        <header class="topbar">
            <A href=shell_link("/dashboards") attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                "Watchpost"
            </A>
            <div class="topbar-controls">
                <ConnectionPicker />
                <TimePicker />
            </div>
            <div class="topbar-user">
                <ThemeMenu />
                <UserMenu />
            </div>
        </header>
        <div class="layout">
            <nav class="sidebar" aria-label="Main">
                <ul>
                    {SECTIONS
                        .into_iter()
                        .map(|(path, name)| view! { <li><A href=shell_link(path)>{name}</A></li> })
                        .collect_view()}
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            me.await
                                .ok()
                                .filter(|u| u.is_admin())
                                .map(|_| view! { <li><A href=shell_link("/admin")>"Admin"</A></li> })
                        })}
                    </Transition>
                </ul>
            </nav>
            <main id="main" tabindex="-1">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.err().filter(|e| *e != AppError::Unauthorized).map(|e| view! { <ErrorView error=e /> })
                    })}
                </Transition>
                <Outlet />
            </main>
        </div>
    }
    .into_any()
}

#[component]
fn ThemeMenu() -> impl IntoView {
    let here = here();
    view! {
        <details class="menu theme-menu">
            <summary aria-label="Theme">"Theme"</summary>
            <div class="menu-body">
                {["system", "light", "dark"]
                    .into_iter()
                    .map(|t| {
                        let here = here.clone();
                        view! {
                            <a rel="external" href=move || format!("/prefs/theme?set={t}&next={}", encode(&here()))>
                                {t}
                            </a>
                        }
                    })
                    .collect_view()}
            </div>
        </details>
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let me = expect_context::<UserResource>();
    view! {
        <Transition fallback=|| view! { <span class="muted">"…"</span> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(user) => view! {
                        <details class="menu user-menu">
                            <summary data-testid="user-menu">{user.display_name.to_string()}</summary>
                            <div class="menu-body">
                                <span class="muted">{format!("{} · {}", user.email, user.role)}</span>
                                <A href=shell_link("/account")>"Account and tokens"</A>
                                <form method="post" action="/auth/logout">
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </form>
                            </div>
                        </details>
                    }
                    .into_any(),
                    Err(_) => view! { <a href="/login" rel="external">"Sign in"</a> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `/login`, with `next` back to `target` when it is somewhere worth returning to.
pub fn sign_in_href(target: &str) -> String {
    match safe_next(Some(target)).as_str() {
        "/" => "/login".to_string(),
        next => format!("/login?next={}", encode(next)),
    }
}

/// Sends an anonymous visitor to sign-in: a 303 from the server (before any of the page is
/// sent), a full navigation in the browser.
fn send_to_sign_in(target: &str) {
    let href = sign_in_href(target);
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::SEE_OTHER);
        if let Ok(v) = http::HeaderValue::from_str(&href) {
            res.insert_header(http::header::LOCATION, v);
        }
    }
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(&href);
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let _ = href;
}
