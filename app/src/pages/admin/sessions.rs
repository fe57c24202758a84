//! Everyone's live sessions, revocable.

use leptos::prelude::*;

use crate::api::admin::{all_sessions, RevokeAnySession};
use crate::components::{done, loaded, Timestamp};

#[component]
pub fn SessionsPanel() -> impl IntoView {
    let revoke = ServerAction::<RevokeAnySession>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| all_sessions());
    view! {
        <section class="panel">
            <h2>"Sessions"</h2>
            {done(revoke.value(), "Session revoked.")}
            {loaded(sessions, "Loading sessions…", move |list| view! {
                <table class="data">
                    <thead><tr><th>"Person"</th><th>"Signed in"</th><th>"Last seen"</th><th>"Address"</th><th>"Action"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| view! {
                            <tr>
                                <td>{s.user_email.to_string()}</td>
                                <td><Timestamp ms=s.created_at_ms /></td>
                                <td><Timestamp ms=s.last_seen_ms /></td>
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
            }.into_any())}
        </section>
    }
}
