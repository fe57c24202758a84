//! Which data connection the pages read from (`?conn=`; the demo when absent).

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use super::shell_state::ShellState;
use crate::api::connections::list_connections;
use crate::url::shell_href;

#[component]
pub fn ConnectionPicker() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let connections = Resource::new(|| (), |_| list_connections());
    let shell = ShellState::expect();
    let navigate = use_navigate();
    let on_change = move |ev: leptos::ev::Event| {
        let conn = event_target_value(&ev);
        let href = shell_href(
            &location.pathname.get_untracked(),
            &query.read_untracked(),
            &[("conn", Some(&conn))],
        );
        navigate(&href, Default::default());
    };

    view! {
        <Form method="GET" action=move || location.pathname.get()>
            <label class="connection-picker">
                <span class="visually-hidden">"Connection"</span>
                <Transition fallback=|| view! { <span class="muted">"…"</span> }>
                    {
                        let on_change = on_change.clone();
                        move || {
                            let on_change = on_change.clone();
                            Suspend::new(async move {
                                let list = connections.await.unwrap_or_default();
                                let current = shell.connection;
                                let known = current.with(|c| c.as_ref().is_ok_and(|c| list.iter().any(|k| k.id == *c)));
                                let unknown = query.read_untracked().get("conn").unwrap_or_default();
                                view! {
                                    <select name="conn" data-testid="connection" on:change=on_change>
                                        {list
                                            .into_iter()
                                            .map(|c| {
                                                let is = current.with(|cur| cur.as_ref().is_ok_and(|cur| *cur == c.id));
                                                view! { <option value=c.id.to_string() selected=is>{c.name}</option> }
                                            })
                                            .collect_view()}
                                    </select>
                                    {(!known).then(|| view! {
                                        <span class="alert error inline" role="alert">
                                            {format!("Unknown connection `{unknown}`")}
                                        </span>
                                    })}
                                }
                            })
                        }
                    }
                </Transition>
            </label>
            {move || {
                let q = query.read();
                ["from", "to", "tz"]
                    .into_iter()
                    .filter_map(|k| q.get(k).map(|v| view! { <input type="hidden" name=k value=v /> }))
                    .collect_view()
            }}
            <noscript>
                <button type="submit">"Switch"</button>
            </noscript>
        </Form>
    }
    .into_any()
}
