//! The page for a path that does not exist (answered with HTTP 404).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    let location = use_location();
    view! {
        <Title text="Not found" />
        <main class="centered" id="main">
            <h1>"Page not found"</h1>
            <p>"There is nothing at " <code>{move || location.pathname.get()}</code> "."</p>
            <p><a href="/dashboards">"Go to dashboards"</a></p>
        </main>
    }
}
