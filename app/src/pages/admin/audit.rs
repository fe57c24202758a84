//! The audit log, newest first, filtered by area, paged backwards.

use leptos::prelude::*;

use crate::api::admin::{audit_log, AUDIT_PAGE};
use crate::components::{loaded, Timestamp};
use crate::domain::AuditAction;

#[component]
pub fn AuditPanel() -> impl IntoView {
    let area = RwSignal::new(String::new());
    let before = RwSignal::new(None::<i64>);
    let entries = Resource::new(
        move || (area.get(), before.get()),
        |(a, b)| audit_log(b, (!a.is_empty()).then_some(a)),
    );
    view! {
        <section class="panel">
            <h2>"Audit log"</h2>
            <label class="inline-form">
                "Area"
                <select on:change=move |ev| { before.set(None); area.set(event_target_value(&ev)); }>
                    <option value="">"everything"</option>
                    {AuditAction::areas().into_iter().map(|a| view! { <option value=a>{a}</option> }).collect_view()}
                </select>
            </label>
            {loaded(entries, "Loading the audit log…", move |list| {
                let last = list.last().map(|e| e.id);
                let full = list.len() == AUDIT_PAGE;
                view! {
                    <table class="data" data-testid="audit-log">
                        <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Detail"</th><th>"Address"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|e| view! {
                                <tr>
                                    <td><Timestamp ms=e.at_ms /></td>
                                    <td>{e.actor.unwrap_or_else(|| "—".into())}</td>
                                    <td><code>{e.action}</code></td>
                                    <td>{e.target.unwrap_or_default()}</td>
                                    <td class="ellipsis">{e.detail}</td>
                                    <td>{e.ip.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {full.then(|| view! { <button on:click=move |_| before.set(last)>"Older entries"</button> })}
                }.into_any()
            })}
        </section>
    }
}
