//! Administration: people and roles, everyone's sessions, and the audit log. One panel a file;
//! later admin pages (connections, SNS endpoints) join this folder.

mod audit;
mod sessions;
mod users;

use leptos::prelude::*;

use crate::components::PageHeader;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <PageHeader title="Admin" />
        <users::UsersPanel />
        <sessions::SessionsPanel />
        <audit::AuditPanel />
    }
}
