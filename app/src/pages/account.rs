//! The signed-in person's own account: password, sessions and personal API tokens.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::api::account::{my_sessions, my_tokens, ChangePassword, CreateToken, RevokeMySession, RevokeToken};
use crate::components::{done, loaded, outcome, time_or_never, PageHeader, Timestamp};
use crate::domain::{NewPassword, Role, TokenName};

/// The account page as a lazily loaded route (a separate WASM chunk).
pub struct AccountRoute;

#[lazy_route]
impl LazyRoute for AccountRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AccountPage /> }.into_any()
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <PageHeader title="Account" />
        <PasswordPanel />
        <MySessionsPanel />
        <TokensPanel />
    }
}

#[component]
fn PasswordPanel() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let min = NewPassword::MIN_CHARS.to_string();
    view! {
        <section class="panel">
            <h2>"Change password"</h2>
            <ActionForm action=change attr:class="stack">
                <label>"Current password" <input type="password" name="current" autocomplete="current-password" required /></label>
                <label>{format!("New password (at least {min} characters)")} <input type="password" name="new" autocomplete="new-password" minlength=min.clone() required /></label>
                <label>"Repeat new password" <input type="password" name="confirm" autocomplete="new-password" required /></label>
                <button type="submit">"Change password"</button>
            </ActionForm>
            {done(change.value(), "Password changed. Your other sessions have been signed out and your API tokens revoked.")}
        </section>
    }
}

#[component]
fn MySessionsPanel() -> impl IntoView {
    let revoke = ServerAction::<RevokeMySession>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| my_sessions());
    view! {
        <section class="panel">
            <h2>"Your sessions"</h2>
            {done(revoke.value(), "Session revoked.")}
            {loaded(sessions, "Loading sessions…", move |list| view! {
                <table class="data">
                    <thead><tr><th>"Signed in"</th><th>"Last seen"</th><th>"Address"</th><th>"Browser"</th><th>"Action"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| view! {
                            <tr>
                                <td><Timestamp ms=s.created_at_ms /></td>
                                <td><Timestamp ms=s.last_seen_ms /></td>
                                <td>{s.ip.clone().unwrap_or_default()}</td>
                                <td class="ellipsis">{s.user_agent.clone().unwrap_or_default()}</td>
                                <td>
                                    {if s.current {
                                        view! { <span class="badge">"this session"</span> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=revoke>
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
            }.into_any())}
        </section>
    }
}

#[component]
fn TokensPanel() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| my_tokens());
    view! {
        <section class="panel">
            <h2>"API tokens"</h2>
            <p class="muted">"For scripts and CI: send " <code>"Authorization: Bearer <token>"</code> " to " <code>"/api/v1/…"</code> "."</p>
            <ActionForm action=create attr:class="inline-form">
                <label>"Name" <input name="name" placeholder="CI deploy markers" maxlength=TokenName::MAX_CHARS.to_string() required /></label>
                <label>"Role"
                    <select name="role">
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Expires in days" <input name="expires_in_days" inputmode="numeric" placeholder="never" /></label>
                <button type="submit">"Create token"</button>
            </ActionForm>
            {outcome(create.value(), |t| view! {
                <div class="alert ok" role="status">
                    <p>"Token created. Copy it now — it will not be shown again:"</p>
                    <code class="secret" data-testid="new-token">{t.secret}</code>
                </div>
            }.into_any())}
            {done(revoke.value(), "Token revoked.")}
            {loaded(tokens, "Loading tokens…", move |list| {
                if list.is_empty() {
                    return view! { <p class="muted">"No tokens yet."</p> }.into_any();
                }
                view! {
                    <table class="data">
                        <thead><tr><th>"Name"</th><th>"Role"</th><th>"Created"</th><th>"Last used"</th><th>"Expires"</th><th>"Action"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|t| view! {
                                <tr class:revoked=t.revoked>
                                    <td>{t.name.to_string()}</td>
                                    <td>{t.role.as_str()}</td>
                                    <td><Timestamp ms=t.created_at_ms /></td>
                                    <td>{time_or_never(t.last_used_ms)}</td>
                                    <td>{time_or_never(t.expires_at_ms)}</td>
                                    <td>
                                        {if t.revoked {
                                            view! { <span class="badge">"revoked"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=revoke>
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
                }.into_any()
            })}
        </section>
    }
}
