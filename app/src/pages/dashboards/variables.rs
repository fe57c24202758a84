//! The dashboard's variable pickers, in its header: one labelled control per visible variable
//! (a drop-down for `select`, radio buttons for `radio`, checkboxes for a multi-value variable,
//! a text field for `input`). Their state is the URL (`var-<id>`): a change navigates, so every
//! widget refetches, Back undoes it and a link shows the same view. Without JavaScript they are
//! a GET form with an Apply button.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use crate::api::dashboards::dashboard_variables;
use crate::components::ErrorView;
use crate::domain::variables::{VariableInput, VariableView, VAR_PREFIX};
use crate::url::{kept_pairs, variable_choices, view_href};

#[component]
pub fn VariableBar(id: String) -> impl IntoView {
    let query = use_query_map();
    let vars = Memo::new(move |_| variable_choices(&query.read()).to_json());
    let views = Resource::new(move || (id.clone(), vars.get()), |(id, vars)| dashboard_variables(id, vars));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match views.await {
                    Ok(list) if list.iter().any(|v| v.visible) => Some(view! { <Pickers list /> }.into_any()),
                    Ok(_) => None,
                    Err(e) => Some(view! { <ErrorView error=e /> }.into_any()),
                }
            })}
        </Transition>
    }
}

/// The dashboard's variable keys (`var-<id>`), so a URL key naming no variable (a stale link)
/// is dropped by the next choice instead of refusing every one after it.
#[derive(Clone)]
struct Known(Vec<String>);

impl Known {
    fn has(&self, key: &str) -> bool {
        !key.starts_with(VAR_PREFIX) || self.0.iter().any(|k| k == key)
    }
}

/// A function that navigates to the same page with variable `id` set to the values it is given
/// (none: the variable's default).
fn chooser(id: &str, known: Known) -> impl Fn(Vec<String>) + Clone + 'static {
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let key = format!("{VAR_PREFIX}{id}");
    move |values: Vec<String>| {
        let q = query.read_untracked();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let mut overrides: Vec<(&str, &[&str])> = vec![(key.as_str(), &refs)];
        overrides.extend(
            (&*q)
                .into_iter()
                .filter(|(k, _)| !known.has(k))
                .map(|(k, _)| (k.as_ref(), &[] as &[&str])),
        );
        navigate(&view_href(&location.pathname.get_untracked(), &q, &overrides), Default::default());
    }
}

#[component]
fn Pickers(list: Vec<VariableView>) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let shown: Vec<String> = list.iter().filter(|v| v.visible).map(|v| format!("{VAR_PREFIX}{}", v.id)).collect();
    let known = Known(list.iter().map(|v| format!("{VAR_PREFIX}{}", v.id)).collect());
    provide_context(known.clone());
    // Everything else the URL holds goes along with the form, so Apply changes only the variables.
    let hidden = move || {
        kept_pairs(&query.read(), &|k| shown.iter().any(|s| s == k) || !known.has(k))
            .into_iter()
            .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
            .collect_view()
    };
    let pickers = list
        .into_iter()
        .filter(|v| v.visible)
        .map(|v| view! { <Picker v /> })
        .collect_view();
    view! {
        <Form method="GET" action=move || location.pathname.get() attr:class="variables" attr:aria-label="Dashboard variables" attr:data-testid="variables">
            {hidden}
            {pickers}
            <button type="submit">"Apply"</button>
        </Form>
    }
}

#[component]
fn Picker(v: VariableView) -> impl IntoView {
    let name = format!("{VAR_PREFIX}{}", v.id);
    let note = v
        .note
        .clone()
        .map(|n| view! { <span class="hint variable-note" role="status">{n}</span> });
    let choose = chooser(&v.id, expect_context::<Known>());
    let selected = StoredValue::new(v.selected.clone());
    let control = match (v.input, v.multi) {
        (VariableInput::Input, _) => {
            let value = v.selected.first().cloned().unwrap_or_default();
            view! {
                <label class="variable">
                    <span>{v.label.clone()}</span>
                    <input name=name.clone() value=value data-testid=name.clone() autocomplete="off" />
                </label>
            }
            .into_any()
        }
        (VariableInput::Select, false) => {
            // Nothing chosen and no default: the widgets show the dashboard as saved.
            let as_saved = v
                .selected
                .is_empty()
                .then(|| view! { <option value="" selected=true>"(as saved)"</option> });
            let options = v
                .options
                .iter()
                .map(|o| {
                    let is = v.selected.contains(&o.value);
                    view! { <option value=o.value.clone() selected=is>{o.label.clone()}</option> }
                })
                .collect_view();
            let on_change = move |ev: leptos::ev::Event| {
                let value = event_target_value(&ev);
                choose([value].into_iter().filter(|s| !s.is_empty()).collect());
            };
            view! {
                <label class="variable">
                    <span>{v.label.clone()}</span>
                    <select name=name.clone() data-testid=name.clone() on:change=on_change>
                        {as_saved}
                        {options}
                    </select>
                </label>
            }
            .into_any()
        }
        (_, multi) => {
            // Radio buttons, or checkboxes for a multi-value variable.
            let kind = if multi { "checkbox" } else { "radio" };
            let options = v
                .options
                .iter()
                .map(|o| {
                    let value = o.value.clone();
                    let is = v.selected.contains(&o.value);
                    let all: Vec<String> = v.options.iter().map(|x| x.value.clone()).collect();
                    let choose = choose.clone();
                    let on_change = move |ev: leptos::ev::Event| {
                        let next: Vec<String> = if multi {
                            let on = event_target_checked(&ev);
                            let current = selected.get_value();
                            all.iter()
                                .filter(|x| if **x == value { on } else { current.contains(x) })
                                .cloned()
                                .collect()
                        } else {
                            vec![value.clone()]
                        };
                        choose(next);
                    };
                    view! {
                        <label class="variable-option">
                            <input type=kind name=name.clone() value=o.value.clone() checked=is on:change=on_change />
                            {o.label.clone()}
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="variable" data-testid=name.clone()>
                    <legend>{v.label.clone()}</legend>
                    {options}
                </fieldset>
            }
            .into_any()
        }
    };
    view! {
        <div class="variable-picker">
            {control}
            {note}
        </div>
    }
}
