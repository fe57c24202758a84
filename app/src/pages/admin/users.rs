//! People: create accounts, change roles, reset passwords, deactivate.

use leptos::prelude::*;

use crate::api::admin::{list_users, CreateUser, ResetUserPassword, SetUserActive, SetUserRole};
use crate::components::{done, loaded, outcome, time_or_never};
use crate::domain::{DisplayName, NewPassword, Role};

#[component]
pub fn UsersPanel() -> impl IntoView {
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
                <label>"Name" <input name="display_name" maxlength=DisplayName::MAX_CHARS.to_string() required /></label>
                <label>"Role"
                    <select name="role">
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Viewer>{r.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Password"
                    <input type="password" name="password" autocomplete="new-password" minlength=NewPassword::MIN_CHARS.to_string() placeholder="leave empty to generate" />
                </label>
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
            {done(set_role.value(), "Role changed.")}
            {done(set_active.value(), "Account updated.")}
            {outcome(reset.value(), |p| view! {
                <div class="alert ok" role="status">"Password reset, sessions ended and API tokens revoked. New password, shown once: " <code class="secret">{p}</code></div>
            }.into_any())}
            {loaded(users, "Loading people…", move |list| view! {
                <table class="data">
                    <thead><tr><th>"Email"</th><th>"Name"</th><th>"Role"</th><th>"Status"</th><th>"Last sign-in"</th><th>"Actions"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|u| {
                            let (id1, id2, id3) = (u.id.to_string(), u.id.to_string(), u.id.to_string());
                            view! {
                                <tr class:inactive=!u.active>
                                    <td>{u.email.to_string()}</td>
                                    <td>{u.display_name.to_string()}</td>
                                    <td>
                                        <ActionForm action=set_role attr:class="row-form">
                                            <input type="hidden" name="user_id" value=id1 />
                                            <select name="role" aria-label=format!("Role of {}", u.email)>
                                                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == u.role>{r.as_str()}</option> }).collect_view()}
                                            </select>
                                            <button type="submit">"Set"</button>
                                        </ActionForm>
                                    </td>
                                    <td>{if u.active { "active" } else { "deactivated" }}</td>
                                    <td>{time_or_never(u.last_sign_in_ms)}</td>
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
            }.into_any())}
        </section>
    }
}
