//! Dashboards: the list (search, folders, import of a CloudWatch dashboard body) and one
//! dashboard's page ([`view`]). Both are chunks of their own: the chart code loads only here.

pub mod public;
pub mod share;
mod variables;
pub mod view;

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

use crate::api::dashboards::{connection_dashboards, list_dashboards, ImportDashboard, ImportFromConnection};
use crate::components::{loaded, outcome, PageHeader, ShellState, Timestamp};
use crate::domain::dashboard::DashboardSummary;
use crate::error::AppError;
use crate::url::shell_href;

pub use public::PublicDashboardRoute;
pub use view::DashboardRoute;

pub struct DashboardsRoute;

#[lazy_route]
impl LazyRoute for DashboardsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DashboardsPage /> }.into_any()
    }
}

#[component]
pub fn DashboardsPage() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let list = Resource::new(move || search.get(), list_dashboards);
    view! {
        <PageHeader title="Dashboards" />
        <Form method="GET" action="" attr:class="inline-form" attr:role="search">
            <label>"Search" <input type="search" name="q" value=move || search.get() placeholder="title, folder or tag" /></label>
            {move || {
                let q = query.read();
                ["from", "to", "tz", "conn"]
                    .into_iter()
                    .filter_map(|k| q.get(k).map(|v| view! { <input type="hidden" name=k value=v /> }))
                    .collect_view()
            }}
            <button type="submit">"Search"</button>
        </Form>
        {loaded(list, "Loading dashboards…", |rows| view! { <DashboardList rows /> }.into_any())}
        <ImportForm />
        <ImportFromConnectionForm />
    }
}

#[component]
fn DashboardList(rows: Vec<DashboardSummary>) -> impl IntoView {
    let query = use_query_map();
    if rows.is_empty() {
        return view! {
            <div class="empty-state" data-testid="dashboards-empty">
                <p>"No dashboard matches. Import a CloudWatch dashboard below, or clear the search."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <table class="data" data-testid="dashboards">
            <thead>
                <tr>
                    <th scope="col">"Dashboard"</th>
                    <th scope="col">"Folder"</th>
                    <th scope="col">"Tags"</th>
                    <th scope="col">"Widgets"</th>
                    <th scope="col">"Connection"</th>
                    <th scope="col">"Updated"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|d| {
                        let path = format!("/dashboards/{}", d.id);
                        let href = move || shell_href(&path, &query.read(), &[("q", None)]);
                        view! {
                            <tr>
                                <td>
                                    <a href=href>{d.title.clone()}</a>
                                    <div class="muted">{d.description.clone()}</div>
                                </td>
                                <td>{d.folder.clone()}</td>
                                <td>{d.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> " " }).collect_view()}</td>
                                <td>{d.widgets}</td>
                                <td>{d.connection.clone()}</td>
                                <td><Timestamp ms=d.updated_at_ms /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Paste a CloudWatch dashboard body (the JSON of `aws cloudwatch get-dashboard`'s
/// `DashboardBody`, or PutDashboard's); the new dashboard opens when it is imported.
/// Opens the dashboard an action answered with, once it succeeded, keeping the shell's state:
/// after an import, or a widget put on a dashboard from the metrics explorer.
pub(crate) fn open_when_done<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    id: impl Fn(&T) -> String + Send + Sync + 'static,
) {
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(v)) = value.get() {
            navigate(
                &shell_href(&format!("/dashboards/{}", id(&v)), &query.read_untracked(), &[]),
                Default::default(),
            );
        }
    });
}

#[component]
fn ImportForm() -> impl IntoView {
    let shell = ShellState::expect();
    let import = ServerAction::<ImportDashboard>::new();
    open_when_done(import.value(), |d: &DashboardSummary| d.id.to_string());
    view! {
        <details class="panel">
            <summary>"Import a CloudWatch dashboard"</summary>
            <ActionForm action=import attr:class="stacked-form" attr:data-testid="import-form">
                <label>"Title" <input name="title" required maxlength="200" /></label>
                <label>"Connection" <input name="connection" value=move || shell.connection_or_demo().to_string() /></label>
                <label>"Folder" <input name="folder" placeholder="payments/checkout" /></label>
                <label>"Tags" <input name="tags" placeholder="prod, checkout" /></label>
                <label>
                    "Dashboard body (JSON)"
                    <textarea name="body" rows="12" required spellcheck="false" class="code"></textarea>
                </label>
                <button type="submit">"Import"</button>
            </ActionForm>
            {outcome(import.value(), |d: DashboardSummary| {
                view! { <p class="alert ok" role="status">{format!("Imported “{}”.", d.title)}</p> }.into_any()
            })}
        </details>
    }
}

/// The selected connection's CloudWatch dashboards (ListDashboards), each importable as a copy.
#[component]
fn ImportFromConnectionForm() -> impl IntoView {
    let shell = ShellState::expect();
    let import = ServerAction::<ImportFromConnection>::new();
    let open = RwSignal::new(false);
    let names = Resource::new(
        move || (open.get(), shell.connection_or_demo().to_string()),
        |(open, conn)| async move {
            if open {
                connection_dashboards(conn).await
            } else {
                Ok(Vec::new())
            }
        },
    );
    open_when_done(import.value(), |d: &DashboardSummary| d.id.to_string());
    view! {
        <details class="panel" on:toggle=move |_| open.set(true)>
            <summary>{move || format!("Import from connection {}", shell.connection_or_demo())}</summary>
            {loaded(names, "Listing the connection's dashboards…", move |names: Vec<String>| {
                view! {
                    <ul class="plain-list" data-testid="connection-dashboards">
                        {names
                            .into_iter()
                            .map(|n| {
                                let conn = shell.connection_or_demo().to_string();
                                view! {
                                    <li>
                                        <ActionForm action=import attr:class="row-form">
                                            <input type="hidden" name="connection" value=conn />
                                            <input type="hidden" name="name" value=n.clone() />
                                            <code>{n.clone()}</code>
                                            " "
                                            <button type="submit" aria-label=format!("Import {n}")>"Import"</button>
                                        </ActionForm>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            })}
            {outcome(import.value(), |d: DashboardSummary| view! { <p class="alert ok" role="status">{format!("Imported “{}”.", d.title)}</p> }.into_any())}
        </details>
    }
}
