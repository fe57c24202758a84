//! The global time-range picker. Its state is the URL (`from`, `to`, `tz`): quick ranges are
//! links and the custom range is a GET form, so it works before hydration and without JavaScript,
//! every choice is shareable, and the back button undoes it. A change of range stays on the page
//! with its view keys (auto-refresh, kiosk, dashboard variables).

use leptos::html::Details;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_location, use_query_map};

use super::shell_state::ShellState;
use crate::domain::time_range::{describe_duration, TimePoint, Zone, QUICK_RANGES};
use crate::url::{kept_pairs, view_href};

#[component]
pub fn TimePicker() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let details = NodeRef::<Details>::new();
    let shell = ShellState::expect();
    super::time_keys::install();
    let parsed = shell.range;
    let range = move || shell.range_or_default();
    let raw = move |key: &str| query.read().get(key);
    let close = move |_| {
        if let Some(d) = details.get() {
            d.set_open(false);
        }
    };
    let zone_label = move || match range().zone() {
        Zone::Utc => "UTC",
        Zone::Local => "Local",
    };

    view! {
        <details class="menu time-picker" node_ref=details>
            <summary data-testid="time-range">
                <span class="visually-hidden">"Time range: "</span>
                <span class="time-label">{move || range().label()}</span>
                <span class="badge">{zone_label}</span>
            </summary>
            <div class="menu-body time-body">
                <div class="quick-ranges">
                    <h3>"Quick ranges"</h3>
                    <ul>
                        {QUICK_RANGES
                            .into_iter()
                            .map(|from| {
                                let secs = match TimePoint::parse("from", from) {
                                    Ok(TimePoint::Relative(s)) => s,
                                    _ => 0,
                                };
                                let href = move || view_href(&location.pathname.get(), &query.read(), &[("from", &[from]), ("to", &["now"])]);
                                view! {
                                    <li>
                                        <A href=href on:click=close attr:data-range=from>
                                            {format!("Last {}", describe_duration(secs))}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
                <div class="custom-range">
                    <h3>"Custom range"</h3>
                    <Form method="GET" action=move || location.pathname.get()>
                        <label>
                            "From"
                            <input
                                name="from"
                                data-testid="range-from"
                                placeholder="now-6h or 2026-11-21T09:00"
                                prop:value=move || raw("from").unwrap_or_else(|| range().from().to_param())
                            />
                        </label>
                        <label>
                            "To"
                            <input
                                name="to"
                                data-testid="range-to"
                                placeholder="now or 2026-11-21T12:00"
                                prop:value=move || raw("to").unwrap_or_else(|| range().to().to_param())
                            />
                        </label>
                        <label>
                            "Time zone"
                            <select name="tz" prop:value=move || range().zone().as_param()>
                                <option value="utc" selected=move || range().zone() == Zone::Utc>"UTC"</option>
                                <option value="local" selected=move || range().zone() == Zone::Local>"Local (browser)"</option>
                            </select>
                        </label>
                        {move || {
                            kept_pairs(&query.read(), &|k| matches!(k, "from" | "to" | "tz"))
                                .into_iter()
                                .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                                .collect_view()
                        }}
                        <button type="submit" data-testid="range-apply">"Apply"</button>
                    </Form>
                    <p class="hint">"Times without an offset are read in the chosen zone."</p>
                </div>
            </div>
        </details>
        {move || parsed.get().err().map(|e| view! {
            <span class="alert error inline" role="alert" data-testid="range-error">
                {format!("Time range not understood — {e}. Showing the last hour.")}
            </span>
        })}
    }
    .into_any()
}
