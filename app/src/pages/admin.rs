//! Administration: people and roles, everyone's sessions, and the audit log.

use leptos::prelude::*;

use super::account::{outcome, when};
use crate::api::admin::{all_sessions, audit_log, list_users, CreateUser, ResetUserPassword, RevokeAnySession, SetUserActive, SetUserRole};
use crate::components::{ErrorView, Shell};
use crate::domain::Role;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Shell title="Admin">
            <UsersPanel />
            <SessionsPanel />
            <AuditPanel />
        </Shell>
    }
}

#[component]
fn UsersPanel() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let users = Resource::new(
        move || (create.version().get(), set_role.version().get(), set_active.version().get()),
        |_| list_users(),
    );
    view! {
        <section class="panel">
            <h2>"People"</h2>
            <ActionForm action=create attr:class="inline-form">
                <label>"Email" <input type="email" name="email" required /></label>
                <label>"Name" <input name="display_name" required /></label>
                <label>"Role"
                    <select name="role">
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Viewer>{r.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Password" <input type="password" name="password" autocomplete="new-password" placeholder="leave empty to generate" /></label>
                <button type="submit">"Add person"</button>
            </ActionForm>
            {outcome(create.value(), |generated| match generated {
                Some(p) => view! {
                    <div class="alert ok" role="status">
                        "Account created. Its password, shown once: " <code class="secret" data-testid="generated-password">{p}</code>
                    </div>
                }.into_any(),
                None => view! { <p class="alert ok" role="status">"Account created."</p> }.into_any(),
            })}
            {outcome(set_role.value(), |_| view! { <p class="alert ok" role="status">"Role changed."</p> }.into_any())}
            {outcome(set_active.value(), |_| view! { <p class="alert ok" role="status">"Account updated."</p> }.into_any())}
            {outcome(reset.value(), |p| view! {
                <div class="alert ok" role="status">"Password reset and sessions ended. New password, shown once: " <code class="secret">{p}</code></div>
            }.into_any())}
            <Transition fallback=|| view! { <p class="muted">"Loading people…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Err(e) => view! { <ErrorView error=e /> }.into_any(),
                        Ok(list) => view! {
                            <table class="data">
                                <thead><tr><th>"Email"</th><th>"Name"</th><th>"Role"</th><th>"Status"</th><th>"Last sign-in"</th><th>"Actions"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|u| {
                                        let (id1, id2, id3) = (u.id.to_string(), u.id.to_string(), u.id.to_string());
                                        view! {
                                            <tr class:inactive=!u.active>
                                                <td>{u.email.clone()}</td>
                                                <td>{u.display_name.clone()}</td>
                                                <td>
                                                    <ActionForm action=set_role attr:class="row-form">
                                                        <input type="hidden" name="user_id" value=id1 />
                                                        <select name="role" aria-label="Role">
                                                            {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == u.role>{r.as_str()}</option> }).collect_view()}
                                                        </select>
                                                        <button type="submit">"Set"</button>
                                                    </ActionForm>
                                                </td>
                                                <td>{if u.active { "active" } else { "deactivated" }}</td>
                                                <td>{u.last_sign_in_ms.map(when).unwrap_or_else(|| "never".into())}</td>
                                                <td class="actions">
                                                    <ActionForm action=reset attr:class="row-form">
                                                        <input type="hidden" name="user_id" value=id2 />
                                                        <button type="submit">"Reset password"</button>
                                                    </ActionForm>
                                                    <ActionForm action=set_active attr:class="row-form">
                                                        <input type="hidden" name="user_id" value=id3 />
                                                        <input type="hidden" name="active" value=(!u.active).to_string() />
                                                        <button type="submit" class:danger=u.active>{if u.active { "Deactivate" } else { "Reactivate" }}</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SessionsPanel() -> impl IntoView {
    let revoke = ServerAction::<RevokeAnySession>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| all_sessions());
    view! {
        <section class="panel">
            <h2>"Sessions"</h2>
            {outcome(revoke.value(), |_| view! { <p class="alert ok" role="status">"Session revoked."</p> }.into_any())}
            <Transition fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Err(e) => view! { <ErrorView error=e /> }.into_any(),
                        Ok(list) => view! {
                            <table class="data">
                                <thead><tr><th>"Person"</th><th>"Signed in"</th><th>"Last seen"</th><th>"Address"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| view! {
                                        <tr>
                                            <td>{s.user_email.clone()}</td>
                                            <td>{when(s.created_at_ms)}</td>
                                            <td>{when(s.last_seen_ms)}</td>
                                            <td>{s.ip.clone().unwrap_or_default()}</td>
                                            <td>
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="handle" value=s.handle.to_string() />
                                                    <button type="submit" class="danger">{if s.current { "Revoke (this session)" } else { "Revoke" }}</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditPanel() -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let before = RwSignal::new(None::<i64>);
    let entries = Resource::new(
        move || (filter.get(), before.get()),
        |(f, b)| audit_log(b, (!f.is_empty()).then_some(f)),
    );
    view! {
        <section class="panel">
            <h2>"Audit log"</h2>
            <label class="inline-form">
                "Action starts with"
                <input
                    placeholder="auth. / user. / token. / session."
                    prop:value=move || filter.get()
                    on:change=move |ev| { before.set(None); filter.set(event_target_value(&ev)); }
                />
            </label>
            <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Err(e) => view! { <ErrorView error=e /> }.into_any(),
                        Ok(list) => {
                            let last = list.last().map(|e| e.id);
                            let full = list.len() == 100;
                            view! {
                                <table class="data" data-testid="audit-log">
                                    <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Detail"</th><th>"Address"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|e| view! {
                                            <tr>
                                                <td>{when(e.at_ms)}</td>
                                                <td>{e.actor.unwrap_or_else(|| "—".into())}</td>
                                                <td><code>{e.action}</code></td>
                                                <td>{e.target.unwrap_or_default()}</td>
                                                <td class="ellipsis">{e.detail}</td>
                                                <td>{e.ip.unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {(full).then(|| view! { <button on:click=move |_| before.set(last)>"Older entries"</button> })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
