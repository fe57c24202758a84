//! The signed-in person's own account: password, sessions and personal API tokens.

use leptos::prelude::*;

use crate::api::account::{my_sessions, my_tokens, ChangePassword, CreateToken, RevokeMySession, RevokeToken};
use crate::components::{ErrorView, Shell};
use crate::domain::time_range::format_display;
use crate::domain::Role;
use crate::error::AppError;

pub(crate) fn when(ms: i64) -> String {
    format!("{} UTC", format_display(ms))
}

/// What an action answered: a confirmation, or the error in words.
pub(crate) fn outcome<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    ok: impl Fn(T) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(v) => ok(v),
            Err(e) => view! { <ErrorView error=e /> }.into_any(),
        })
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let revoke_session = ServerAction::<RevokeMySession>::new();
    let create_token = ServerAction::<CreateToken>::new();
    let revoke_token = ServerAction::<RevokeToken>::new();
    let sessions = Resource::new(move || (revoke_session.version().get(), change.version().get()), |_| my_sessions());
    let tokens = Resource::new(
        move || (create_token.version().get(), revoke_token.version().get()),
        |_| my_tokens(),
    );

    view! {
        <Shell title="Account">
            <section class="panel">
                <h2>"Change password"</h2>
                <ActionForm action=change attr:class="stack">
                    <label>"Current password" <input type="password" name="current" autocomplete="current-password" required /></label>
                    <label>"New password (at least 10 characters)" <input type="password" name="new" autocomplete="new-password" minlength="10" required /></label>
                    <label>"Repeat new password" <input type="password" name="confirm" autocomplete="new-password" required /></label>
                    <button type="submit">"Change password"</button>
                </ActionForm>
                {outcome(change.value(), |_| view! { <p class="alert ok" role="status">"Password changed. Your other sessions have been signed out."</p> }.into_any())}
            </section>

            <section class="panel">
                <h2>"Your sessions"</h2>
                {outcome(revoke_session.value(), |_| view! { <p class="alert ok" role="status">"Session revoked."</p> }.into_any())}
                <Transition fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
                    {move || Suspend::new(async move {
                        match sessions.await {
                            Err(e) => view! { <ErrorView error=e /> }.into_any(),
                            Ok(list) => view! {
                                <table class="data">
                                    <thead><tr><th>"Signed in"</th><th>"Last seen"</th><th>"Address"</th><th>"Browser"</th><th></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|s| view! {
                                            <tr>
                                                <td>{when(s.created_at_ms)}</td>
                                                <td>{when(s.last_seen_ms)}</td>
                                                <td>{s.ip.clone().unwrap_or_default()}</td>
                                                <td class="ellipsis">{s.user_agent.clone().unwrap_or_default()}</td>
                                                <td>
                                                    {if s.current {
                                                        view! { <span class="badge">"this session"</span> }.into_any()
                                                    } else {
                                                        view! {
                                                            <ActionForm action=revoke_session>
                                                                <input type="hidden" name="handle" value=s.handle.to_string() />
                                                                <button type="submit" class="danger">"Revoke"</button>
                                                            </ActionForm>
                                                        }.into_any()
                                                    }}
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

            <section class="panel">
                <h2>"API tokens"</h2>
                <p class="muted">"For scripts and CI: send " <code>"Authorization: Bearer <token>"</code> " to " <code>"/api/v1/…"</code> "."</p>
                <ActionForm action=create_token attr:class="inline-form">
                    <label>"Name" <input name="name" placeholder="CI deploy markers" required /></label>
                    <label>"Role"
                        <select name="role">
                            {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Expires in days" <input name="expires_in_days" inputmode="numeric" placeholder="never" /></label>
                    <button type="submit">"Create token"</button>
                </ActionForm>
                {outcome(create_token.value(), |t| view! {
                    <div class="alert ok" role="status">
                        <p>"Token created. Copy it now — it will not be shown again:"</p>
                        <code class="secret" data-testid="new-token">{t.secret}</code>
                    </div>
                }.into_any())}
                {outcome(revoke_token.value(), |_| view! { <p class="alert ok" role="status">"Token revoked."</p> }.into_any())}
                <Transition fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
                    {move || Suspend::new(async move {
                        match tokens.await {
                            Err(e) => view! { <ErrorView error=e /> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                            Ok(list) => view! {
                                <table class="data">
                                    <thead><tr><th>"Name"</th><th>"Role"</th><th>"Created"</th><th>"Last used"</th><th>"Expires"</th><th></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|t| view! {
                                            <tr class:revoked=t.revoked>
                                                <td>{t.name.clone()}</td>
                                                <td>{t.role.as_str()}</td>
                                                <td>{when(t.created_at_ms)}</td>
                                                <td>{t.last_used_ms.map(when).unwrap_or_else(|| "never".into())}</td>
                                                <td>{t.expires_at_ms.map(when).unwrap_or_else(|| "never".into())}</td>
                                                <td>
                                                    {if t.revoked {
                                                        view! { <span class="badge">"revoked"</span> }.into_any()
                                                    } else {
                                                        view! {
                                                            <ActionForm action=revoke_token>
                                                                <input type="hidden" name="id" value=t.id.to_string() />
                                                                <button type="submit" class="danger">"Revoke"</button>
                                                            </ActionForm>
                                                        }.into_any()
                                                    }}
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
        </Shell>
    }
}
