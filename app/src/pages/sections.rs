//! The product's sections. Each is filled by a later issue; until then it says what it will hold
//! and shows the shell state it will read (time range and connection).

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::components::{PageHeader, ShellState};
use crate::url::shell_href;

#[component]
fn Placeholder(title: &'static str, what: &'static str) -> impl IntoView {
    let shell = ShellState::expect();
    view! {
        <PageHeader title=title />
        <section class="empty-state">
            <p>{what}</p>
            <p class="muted" data-testid="shell-state">
                {move || format!("{} · connection {}", shell.range_or_default().label(), shell.connection_or_demo())}
            </p>
        </section>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    view! { <Redirect path=shell_href("/dashboards", &query.read_untracked(), &[]) /> }
}

#[component]
pub fn ExplorePage() -> impl IntoView {
    view! { <Placeholder title="Explore" what="Run Logs Insights queries against the selected connection." /> }
}

#[component]
pub fn AlarmsPage() -> impl IntoView {
    view! { <Placeholder title="Alarms" what="CloudWatch alarms and their history." /> }
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    view! { <Placeholder title="Incidents" what="Incidents opened by alarms or by hand, with their timelines." /> }
}

#[component]
pub fn RunbooksPage() -> impl IntoView {
    view! { <Placeholder title="Runbooks" what="Step-by-step runbooks that run queries." /> }
}

#[component]
pub fn QueryLibraryPage() -> impl IntoView {
    view! { <Placeholder title="Query library" what="Saved and shared Logs Insights queries." /> }
}
