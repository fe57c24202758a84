//! The dashboard page's "Share" panel (editors): make a read-only public link (a label and how
//! long it lives), see its address once, and list and revoke the dashboard's links.

use leptos::prelude::*;

use crate::api::links::{dashboard_links, CreateDashboardLink, RevokeDashboardLink};
use crate::components::{loaded, outcome, time_or_never, Timestamp};
use crate::domain::link::{LinkExpiry, LinkInfo, LinkStatus, NewLink};
use crate::domain::Role;
use crate::error::AppError;
use crate::UserResource;

/// Shown to editors only (the server functions refuse everyone else anyway).
///
/// The actions and the links' resource are made here, on both sides and in the same order every
/// time (not inside the role check's `Suspend`): resources are matched to the server's data by
/// the order they are made in.
#[component]
pub fn Share(id: Memo<String>) -> impl IntoView {
    let me = use_context::<UserResource>();
    let create = ServerAction::<CreateDashboardLink>::new();
    let revoke = ServerAction::<RevokeDashboardLink>::new();
    // `None` for anyone but an editor: nothing to list, no panel.
    let links = Resource::new(
        move || (id.get(), create.version().get(), revoke.version().get()),
        move |(id, _, _)| async move {
            let editor = match me {
                Some(me) => me.await.is_ok_and(|u| u.role >= Role::Editor),
                None => false,
            };
            if editor {
                dashboard_links(id).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let editor = matches!(links.await, Ok(Some(_)));
                editor.then(|| view! { <SharePanel id create revoke links /> })
            })}
        </Transition>
    }
}

#[component]
fn SharePanel(
    id: Memo<String>,
    create: ServerAction<CreateDashboardLink>,
    revoke: ServerAction<RevokeDashboardLink>,
    links: Resource<Result<Option<Vec<LinkInfo>>, AppError>>,
) -> impl IntoView {
    view! {
        <details class="panel" data-testid="share">
            <summary>"Share a read-only link"</summary>
            <p class="muted">
                "Anyone with the link sees this dashboard's widgets without signing in, for a range of up to 7 days. "
                "They cannot run other queries, see the dashboard's JSON or its connection; account ids and ARNs are hidden. "
                "Every link expires, and you can revoke it here at any time."
            </p>
            <ActionForm action=create attr:class="inline-form" attr:data-testid="share-form">
                <input type="hidden" name="id" value=move || id.get() />
                <label>"Label" <input name="label" maxlength="200" placeholder="status wall, #incident-42" /></label>
                <label>
                    "Expires after"
                    <select name="expires">
                        {LinkExpiry::ALL
                            .into_iter()
                            .map(|e| view! { <option value=e.as_param() selected=e == LinkExpiry::Week>{e.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit">"Create link"</button>
            </ActionForm>
            {outcome(create.value(), |link: NewLink| view! { <Created link /> }.into_any())}
            {outcome(revoke.value(), |_| view! { <p class="alert ok" role="status">"Revoked: the link no longer opens."</p> }.into_any())}
            {loaded(links, "Loading links…", move |rows: Option<Vec<LinkInfo>>| view! { <LinkList rows=rows.unwrap_or_default() id revoke /> }.into_any())}
        </details>
    }
}

/// The new link's address, shown once (its token is not stored).
#[component]
fn Created(link: NewLink) -> impl IntoView {
    let path = link.path();
    // The page's own origin makes it absolute (what a person pastes elsewhere).
    let url = RwSignal::new(path.clone());
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(origin) = window().location().origin() {
            url.set(format!("{origin}{path}"));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &path;
    });
    view! {
        <div class="alert ok" role="status">
            <p>"Link created. Copy it now: it is shown only this once."</p>
            <label>
                "Read-only link"
                <input readonly class="code share-url" data-testid="share-url" prop:value=move || url.get() value=link.path() />
            </label>
            <p>"It expires " <Timestamp ms=link.info.expires_at_ms /> "."</p>
        </div>
    }
}

#[component]
fn LinkList(rows: Vec<LinkInfo>, id: Memo<String>, revoke: ServerAction<RevokeDashboardLink>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted" data-testid="share-links-empty">"No links to this dashboard yet."</p> }.into_any();
    }
    view! {
        <table class="data" data-testid="share-links">
            <thead>
                <tr>
                    <th scope="col">"Label"</th>
                    <th scope="col">"Made by"</th>
                    <th scope="col">"Made"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last opened"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="sr-only">"Revoke"</span></th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|l| {
                        let label = if l.label.is_empty() { "(no label)".to_string() } else { l.label.clone() };
                        view! {
                            <tr data-status=l.status.label()>
                                <td>{label.clone()}</td>
                                <td>{l.created_by.clone().unwrap_or_else(|| "—".into())}</td>
                                <td><Timestamp ms=l.created_at_ms /></td>
                                <td><Timestamp ms=l.expires_at_ms /></td>
                                <td>{time_or_never(l.last_used_ms)}</td>
                                <td>{l.status.label()}</td>
                                <td>
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="id" value=move || id.get() />
                                        <input type="hidden" name="link" value=l.id.to_string() />
                                        <button type="submit" disabled=l.status != LinkStatus::Live aria-label=format!("Revoke {label}")>
                                            "Revoke"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
