//! The application shell around every signed-in page: navigation, the global time range,
//! the connection, the theme switch and the user menu.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_query_map};

use super::connection_picker::ConnectionPicker;
use super::time_picker::TimePicker;
use super::ErrorView;
use crate::url::{encode, shell_href};
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
pub fn Shell(#[prop(into)] title: String, children: Children) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let me = expect_context::<UserResource>();
    let link = move |path: &'static str| move || shell_href(path, &query.read(), &[]);
    let here = move || format!("{}{}", location.pathname.get(), location.search.get());

    view! {
        <Title text=title.clone() />
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href=link("/dashboards") attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                "Watchpost"
            </A>
            <div class="topbar-controls">
                <ConnectionPicker />
                <TimePicker />
            </div>
            <div class="topbar-user">
                <details class="menu theme-menu">
                    <summary aria-label="Theme">"Theme"</summary>
                    <div class="menu-body">
                        {["system", "light", "dark"]
                            .into_iter()
                            .map(|t| {
                                view! {
                                    <a
                                        rel="external"
                                        href=move || format!("/prefs/theme?set={t}&next={}", encode(&here()))
                                    >
                                        {t}
                                    </a>
                                }
                            })
                            .collect_view()}
                    </div>
                </details>
                <Transition fallback=|| view! { <span class="muted">"…"</span> }>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(user) => {
                                view! {
                                    <details class="menu user-menu">
                                        <summary data-testid="user-menu">{user.display_name.clone()}</summary>
                                        <div class="menu-body">
                                            <span class="muted">{format!("{} · {}", user.email, user.role)}</span>
                                            <A href=link("/account")>"Account and tokens"</A>
                                            <form method="post" action="/auth/logout">
                                                <button type="submit" class="link-button">"Sign out"</button>
                                            </form>
                                        </div>
                                    </details>
                                }
                                    .into_any()
                            }
                            Err(_) => view! { <a href="/login" rel="external">"Sign in"</a> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </header>
        <div class="layout">
            <nav class="sidebar" aria-label="Main">
                <ul>
                    {SECTIONS
                        .into_iter()
                        .map(|(path, name)| view! { <li><A href=link(path)>{name}</A></li> })
                        .collect_view()}
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            me.await
                                .ok()
                                .filter(|u| u.is_admin())
                                .map(|_| view! { <li><A href=link("/admin")>"Admin"</A></li> })
                        })}
                    </Transition>
                </ul>
            </nav>
            <main id="main" tabindex="-1">
                <h1>{title}</h1>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.err().map(|e| view! { <ErrorView error=e /> })
                    })}
                </Transition>
                {children()}
            </main>
        </div>
    }
    .into_any()
}
