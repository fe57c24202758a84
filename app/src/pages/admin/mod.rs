//! Administration: people and roles, everyone's sessions, and the audit log. One panel a file;
//! later admin pages (connections, SNS endpoints) join this folder.

mod audit;
pub mod connections;
mod sessions;
pub mod usage;
mod users;

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::components::PageHeader;

/// The admin page as a lazily loaded route: its code is a separate WASM chunk, fetched when an
/// admin first opens it (and rendered on the server as usual).
pub struct AdminRoute;

#[lazy_route]
impl LazyRoute for AdminRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AdminPage /> }.into_any()
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <PageHeader title="Admin" />
        <nav aria-label="Admin sections">
            <a href="/admin/connections">"Connections and drills →"</a>
            " · "
            <a href="/admin/usage">"Usage and cost →"</a>
        </nav>
        <users::UsersPanel />
        <sessions::SessionsPanel />
        <audit::AuditPanel />
    }
}
