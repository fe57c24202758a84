//! The metrics explorer: browse a connection's metrics (namespace → dimension set → metric, from
//! ListMetrics, searchable), build a widget's queries (statistic, period, label with dynamic
//! labels, ids, math expressions, SEARCH, hidden helper series), see it drawn as it is built, edit
//! the same widget as CloudWatch's JSON, and put it on a dashboard.
//!
//! The widget lives in the URL (`w`: a metric widget's `properties`, as a dashboard body holds
//! them). The builder and the code view both write it and both read it, so they never disagree;
//! a link shows a teammate the same chart; Back undoes the last change.

use cloudwatch::body::{Axis, MetricRow, MetricView as CwView, MetricWidget as Spec, RenderOptions, YAxes, YAxisSide};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{lazy_route, LazyRoute, NavigateOptions};

use crate::api::dashboards::{get_dashboard, list_dashboards};
use crate::api::metrics::{browse_metrics, preview_metrics, AddToDashboard};
use crate::components::{loaded, outcome, PageHeader, ShellState};
use crate::domain::dashboard::DashboardSummary;
use crate::domain::explorer::{DimensionGroup, MetricBrowse, MetricEntry};
use crate::pages::dashboards::view::MetricWidget;
use crate::url::{kept_pairs, view_href};

pub struct MetricsRoute;

#[lazy_route]
impl LazyRoute for MetricsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <MetricsPage /> }.into_any()
    }
}

const PATH: &str = "/metrics-explorer";
/// Statistics offered (any other CloudWatch statistic, `p99.9`, `tm(10%:90%)`, ..., may be typed).
const STATS: [&str; 13] = [
    "Average",
    "Sum",
    "Minimum",
    "Maximum",
    "SampleCount",
    "p50",
    "p90",
    "p95",
    "p99",
    "p99.9",
    "tm90",
    "tm99",
    "IQM",
];
/// Periods offered (seconds; 0 is "auto": CloudWatch's choice from the range).
const PERIODS: [(i64, &str); 10] = [
    (0, "Auto"),
    (1, "1 s"),
    (10, "10 s"),
    (60, "1 min"),
    (300, "5 min"),
    (900, "15 min"),
    (3600, "1 h"),
    (21600, "6 h"),
    (86400, "1 day"),
    (604_800, "7 days"),
];
/// Views offered, as (key, label): `stacked` is a time series with `stacked: true`.
const VIEWS: [(&str, &str); 6] = [
    ("timeSeries", "Line"),
    ("stacked", "Stacked area"),
    ("bar", "Bar"),
    ("singleValue", "Number"),
    ("gauge", "Gauge"),
    ("table", "Table"),
];

/// Reads the URL's widget; empty is a widget with nothing on it yet.
pub fn parse_spec(raw: &str) -> Result<Spec, String> {
    if raw.trim().is_empty() {
        return Ok(Spec::default());
    }
    let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    Spec::from_properties(&value, "properties").map_err(|errs| {
        errs.iter()
            .take(5)
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// The first free id with `prefix` (`m1`, `m2`, ... or `e1`, ...).
pub fn next_id(spec: &Spec, prefix: &str) -> String {
    (1..=10_000)
        .map(|n| format!("{prefix}{n}"))
        .find(|id| !spec.metrics.iter().any(|r| r.options().id.as_deref() == Some(id.as_str())))
        .unwrap_or_else(|| prefix.to_string())
}

/// A SEARCH expression for every metric named like `m` with the same dimension names.
pub fn search_like(m: &MetricEntry, stat: &str, period: i64) -> String {
    let mut schema = vec![quote_search(&m.namespace)];
    schema.extend(m.dimensions.iter().map(|(k, _)| quote_search(k)));
    format!(
        "SEARCH('{{{}}} MetricName=\"{}\"', '{}', {})",
        schema.join(","),
        m.name.replace('\\', "\\\\").replace('"', "\\\"").replace('\'', "\\'"),
        stat.replace('\'', ""),
        period
    )
}

/// A schema element of a SEARCH: quoted when it holds anything but letters, digits, `/`, `_`,
/// `-` and `.` (CloudWatch's search syntax).
fn quote_search(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/_-.:".contains(c)) {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\'', "\\'"))
    }
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn view_key(s: &Spec) -> &'static str {
    match s.view() {
        CwView::TimeSeries if s.is_stacked() => "stacked",
        CwView::TimeSeries => "timeSeries",
        CwView::Bar | CwView::Pie => "bar",
        CwView::SingleValue => "singleValue",
        CwView::Gauge => "gauge",
        CwView::Table => "table",
        CwView::Other(_) => "timeSeries",
    }
}

/// Sets the view; a gauge needs a range, so one without gets 0–100 (as the console does).
pub fn set_view(s: &mut Spec, key: &str) {
    s.stacked = None;
    s.view = Some(match key {
        "stacked" => {
            s.stacked = Some(true);
            CwView::TimeSeries
        }
        "bar" => CwView::Bar,
        "singleValue" => CwView::SingleValue,
        "gauge" => {
            let axes = s.y_axis.get_or_insert_with(YAxes::default);
            let left = axes.left.get_or_insert_with(YAxisSide::default);
            left.min.get_or_insert(0.0);
            left.max.get_or_insert(100.0);
            CwView::Gauge
        }
        "table" => CwView::Table,
        _ => CwView::TimeSeries,
    });
}

#[component]
pub fn MetricsPage() -> impl IntoView {
    let query = use_query_map();
    let shell = ShellState::expect();
    let navigate = StoredValue::new_local(use_navigate());
    let raw = Memo::new(move |_| query.read().get("w").unwrap_or_default());
    let spec = Memo::new(move |_| parse_spec(&raw.get()));
    // Every change is a new URL (pushed: Back undoes it).
    let apply = Callback::new(move |s: Spec| {
        let json = s.to_properties().to_string();
        let href = view_href(PATH, &query.read_untracked(), &[("w", &[&json])]);
        navigate.with_value(|n| {
            n(
                &href,
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            )
        });
    });
    let preview = Resource::new(
        move || {
            let q = query.read();
            (
                raw.get(),
                shell.connection_or_demo().to_string(),
                q.get("from").unwrap_or_default(),
                q.get("to").unwrap_or_default(),
                q.get("tz").unwrap_or_default(),
            )
        },
        |(w, conn, from, to, tz)| async move {
            match parse_spec(&w) {
                Ok(s) if !s.metrics.is_empty() => preview_metrics(w, conn, from, to, tz).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    let editing = Memo::new(move |_| {
        let q = query.read();
        (
            q.get("dashboard").unwrap_or_default(),
            q.get("widget").and_then(|w| w.parse::<u32>().ok()),
        )
    });
    load_edited_widget(editing, raw);
    view! {
        <PageHeader title="Metrics" />
        <div class="explorer">
            <aside class="explorer-browse" aria-label="Browse metrics">
                <Browse spec apply />
            </aside>
            <div class="explorer-main">
                <section class="panel explorer-chart" aria-label="Chart" data-testid="explorer-chart">
                    {move || match spec.get() {
                        Err(e) => Some(view! { <p class="alert error" role="alert">{format!("The widget in the URL does not read: {e}")}</p> }),
                        Ok(_) => None,
                    }}
                    {loaded(preview, "Drawing…", |m| match m {
                        Some(m) => view! { <MetricWidget m width=1200 height=320 /> }.into_any(),
                        None => view! {
                            <p class="muted empty-state" data-testid="explorer-empty">
                                "Pick a metric on the left (or add a math expression below) to draw it."
                            </p>
                        }
                        .into_any(),
                    })}
                </section>
                <Builder spec apply />
                <CodeView raw spec apply />
                <AddToDashboardForm raw editing />
            </div>
        </div>
    }
}

/// Opened from a dashboard's widget (`dashboard` and `widget` without `w`): the widget's
/// properties are put in the URL once the dashboard has loaded (in the browser).
fn load_edited_widget(editing: Memo<(String, Option<u32>)>, raw: Memo<String>) {
    let query = use_query_map();
    let navigate = StoredValue::new_local(use_navigate());
    // Made on both sides (resources are matched to the server's data by the order they are
    // made in: one made only in the browser would hand every later resource another's data).
    let doc = Resource::new(
        move || (editing.get(), raw.get().is_empty()),
        |((id, widget), wanted)| async move {
            match widget {
                Some(_) if wanted && !id.is_empty() => get_dashboard(id).await.ok(),
                _ => None,
            }
        },
    );
    // Effects run in the browser only.
    Effect::new(move |_| {
        let Some(Some(d)) = doc.get() else { return };
        let Some(i) = editing.get_untracked().1 else { return };
        if !raw.get_untracked().is_empty() {
            return;
        }
        let props = d
            .body
            .get("widgets")
            .and_then(|w| w.get(i as usize))
            .and_then(|w| w.get("properties"));
        if let Some(p) = props {
            let href = view_href(PATH, &query.read_untracked(), &[("w", &[&p.to_string()])]);
            let replace = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate.with_value(|n| n(&href, replace));
        }
    });
}

#[component]
fn Browse(spec: Memo<Result<Spec, String>>, apply: Callback<Spec>) -> impl IntoView {
    let query = use_query_map();
    let shell = ShellState::expect();
    let ns = Memo::new(move |_| query.read().get("ns").unwrap_or_default());
    let search = Memo::new(move |_| query.read().get("search").unwrap_or_default());
    let recent = Memo::new(move |_| query.read().get("recent").is_some_and(|r| r == "1"));
    let list = Resource::new(
        move || (shell.connection_or_demo().to_string(), ns.get(), search.get(), recent.get()),
        |(c, n, s, r)| browse_metrics(c, n, s, r),
    );
    view! {
        <h2>"Browse"</h2>
        <Form method="GET" action="" attr:class="stacked-form" attr:role="search">
            <label>
                "Search metrics"
                <input type="search" name="search" value=move || search.get() placeholder="e.g. cpu checkout" data-testid="metric-search" />
            </label>
            <label class="check">
                <input type="checkbox" name="recent" value="1" checked=move || recent.get() />
                " Only metrics with data in the past 3 hours"
            </label>
            {move || {
                kept_pairs(&query.read(), &|k| matches!(k, "search" | "recent"))
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()
            }}
            <button type="submit">"Search"</button>
        </Form>
        {loaded(list, "Listing metrics…", move |b| view! { <BrowseResult b spec apply /> }.into_any())}
    }
}

#[component]
fn BrowseResult(b: MetricBrowse, spec: Memo<Result<Spec, String>>, apply: Callback<Spec>) -> impl IntoView {
    let query = use_query_map();
    let ns = query.read_untracked().get("ns").unwrap_or_default();
    let namespaces = b
        .namespaces
        .iter()
        .map(|n| {
            let href = view_href(PATH, &query.read_untracked(), &[("ns", &[&n.name])]);
            let current = (n.name == ns).then_some("true");
            view! {
                <li>
                    <a href=href aria-current=current data-testid="namespace">{n.name.clone()}</a>
                    " "
                    <span class="muted">{format!("({})", n.metrics)}</span>
                </li>
            }
        })
        .collect_view();
    let empty = b.namespaces.is_empty();
    let notes = view! {
        {empty.then(|| view! { <p class="muted">"No metrics match. Clear the search, or untick “past 3 hours”."</p> })}
        {b.partial.then(|| view! { <p class="muted">"This connection has more metrics than one listing reads: search to narrow them."</p> })}
        {(b.hidden > 0).then(|| view! { <p class="muted">{format!("{} more metrics match: search to narrow them.", b.hidden)}</p> })}
    };
    let groups = (!ns.is_empty()).then(|| {
        view! {
            <h3>{ns.clone()}</h3>
            {b.groups.into_iter().map(|g| view! { <Group g spec apply /> }).collect_view()}
        }
    });
    view! {
        <nav aria-label="Namespaces">
            <ul class="plain-list namespaces">{namespaces}</ul>
        </nav>
        {notes}
        {groups}
    }
}

#[component]
fn Group(g: DimensionGroup, spec: Memo<Result<Spec, String>>, apply: Callback<Spec>) -> impl IntoView {
    let heading = if g.keys.is_empty() {
        "Metrics with no dimensions".to_string()
    } else {
        g.keys.join(", ")
    };
    let keys = g.keys.clone();
    let add = move |row: MetricRow| {
        let mut s = spec.get_untracked().unwrap_or_default();
        let mut row = row;
        let prefix = if matches!(row, MetricRow::Expression { .. }) { "e" } else { "m" };
        row.options_mut().id = Some(next_id(&s, prefix));
        s.metrics.push(row);
        apply.run(s);
    };
    let rows = g
        .metrics
        .into_iter()
        .map(|m| {
            let label = format!("{} {}", m.name, m.dimensions.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(" "));
            let one = MetricRow::Metric {
                namespace: m.namespace.clone(),
                metric_name: m.name.clone(),
                dimensions: m.dimensions.clone(),
                options: RenderOptions::default(),
            };
            let like = m.clone();
            view! {
                <tr data-testid="metric-row">
                    <td>{m.name.clone()}</td>
                    {m.dimensions.iter().map(|(_, v)| view! { <td>{v.clone()}</td> }).collect_view()}
                    <td class="actions">
                        <button type="button" on:click=move |_| add(one.clone()) aria-label=format!("Add {label}")>"Add"</button>
                        " "
                        <button
                            type="button"
                            class="secondary"
                            title="Every metric of this name with these dimensions, as a SEARCH expression"
                            aria-label=format!("All like this: every {} by {}", like.name, like.dimensions.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", "))
                            on:click=move |_| {
                                let s = spec.get_untracked().unwrap_or_default();
                                let stat = s.stat.clone().unwrap_or_else(|| "Average".into());
                                let period = s.period.unwrap_or(300);
                                add(MetricRow::Expression {
                                    options: RenderOptions {
                                        expression: Some(search_like(&like, &stat, period)),
                                        ..RenderOptions::default()
                                    },
                                });
                            }
                        >
                            "All like this"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data metric-table">
            <caption>{heading}</caption>
            <thead>
                <tr>
                    <th scope="col">"Metric"</th>
                    {keys.into_iter().map(|k| view! { <th scope="col">{k}</th> }).collect_view()}
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The widget's rows as a form: one line per metric or expression, and the widget's own options.
#[component]
fn Builder(spec: Memo<Result<Spec, String>>, apply: Callback<Spec>) -> impl IntoView {
    // Changes one row and writes the widget.
    let edit = move |i: usize, f: Box<dyn FnOnce(&mut MetricRow)>| {
        if let Ok(mut s) = spec.get_untracked() {
            if let Some(r) = s.metrics.get_mut(i) {
                f(r);
                apply.run(s);
            }
        }
    };
    let edit_widget = move |f: Box<dyn FnOnce(&mut Spec)>| {
        if let Ok(mut s) = spec.get_untracked() {
            f(&mut s);
            apply.run(s);
        }
    };
    let new_expression = RwSignal::new(String::new());
    let rows = move || {
        let s = spec.get().unwrap_or_default();
        s.metrics
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let o = r.options().clone();
                let n = i + 1;
                let what = match r {
                    MetricRow::Metric {
                        namespace,
                        metric_name,
                        dimensions,
                        ..
                    } => view! {
                        <span class="metric-name">{format!("{namespace} · {metric_name}")}</span>
                        <span class="muted">
                            {dimensions.iter().map(|(k, v)| format!(" {k}={v}")).collect::<String>()}
                        </span>
                    }
                    .into_any(),
                    MetricRow::Expression { .. } => view! {
                        <input
                            class="code"
                            aria-label=format!("Expression of row {n}")
                            value=o.expression.clone().unwrap_or_default()
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(i, Box::new(move |r| r.options_mut().expression = Some(v.trim().to_string())));
                            }
                        />
                    }
                    .into_any(),
                };
                let is_metric = matches!(r, MetricRow::Metric { .. });
                let period = o.period.unwrap_or(0);
                view! {
                    <tr data-testid="query-row">
                        <td>
                            <input
                                class="id-input"
                                aria-label=format!("Id of row {n}")
                                value=o.id.clone().unwrap_or_default()
                                pattern="[a-z][a-zA-Z0-9_]*"
                                on:change=move |ev| {
                                    let v = non_empty(event_target_value(&ev));
                                    edit(i, Box::new(move |r| r.options_mut().id = v));
                                }
                            />
                        </td>
                        <td>{what}</td>
                        <td>
                            {is_metric.then(|| view! {
                                <input
                                    list="explorer-stats"
                                    class="stat-input"
                                    aria-label=format!("Statistic of row {n}")
                                    placeholder="widget's"
                                    value=o.stat.clone().unwrap_or_default()
                                    on:change=move |ev| {
                                        let v = non_empty(event_target_value(&ev));
                                        edit(i, Box::new(move |r| r.options_mut().stat = v));
                                    }
                                />
                            })}
                        </td>
                        <td>
                            {is_metric.then(|| view! {
                                <select
                                    aria-label=format!("Period of row {n}")
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev).parse::<i64>().ok().filter(|p| *p > 0);
                                        edit(i, Box::new(move |r| r.options_mut().period = v));
                                    }
                                >
                                    {PERIODS
                                        .iter()
                                        .map(|(p, l)| {
                                            let label = if *p == 0 { "widget's" } else { l };
                                            view! { <option value=p.to_string() selected=*p == period>{label}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            })}
                        </td>
                        <td>
                            <input
                                aria-label=format!("Label of row {n}")
                                value=o.label.clone().unwrap_or_default()
                                placeholder="${PROP('Dim.ServiceName')} ${MAX}"
                                on:change=move |ev| {
                                    let v = non_empty(event_target_value(&ev));
                                    edit(i, Box::new(move |r| r.options_mut().label = v));
                                }
                            />
                        </td>
                        <td>
                            <select
                                aria-label=format!("Y axis of row {n}")
                                on:change=move |ev| {
                                    let right = event_target_value(&ev) == "right";
                                    edit(i, Box::new(move |r| r.options_mut().y_axis = right.then_some(Axis::Right)));
                                }
                            >
                                <option value="left" selected=o.y_axis != Some(Axis::Right)>"Left"</option>
                                <option value="right" selected=o.y_axis == Some(Axis::Right)>"Right"</option>
                            </select>
                        </td>
                        <td>
                            <input
                                type="checkbox"
                                aria-label=format!("Show row {n}")
                                checked=o.visible != Some(false)
                                on:change=move |ev| {
                                    let shown = event_target_checked(&ev);
                                    edit(i, Box::new(move |r| r.options_mut().visible = (!shown).then_some(false)));
                                }
                            />
                        </td>
                        <td>
                            <button
                                type="button"
                                class="secondary"
                                aria-label=format!("Remove row {n}")
                                on:click=move |_| {
                                    if let Ok(mut s) = spec.get_untracked() {
                                        if i < s.metrics.len() {
                                            s.metrics.remove(i);
                                            apply.run(s);
                                        }
                                    }
                                }
                            >
                                "Remove"
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    let widget_options = move || {
        let s = spec.get().unwrap_or_default();
        let key = view_key(&s);
        let period = s.period.unwrap_or(0);
        view! {
            <div class="inline-form widget-options">
                <label>
                    "Title"
                    <input
                        value=s.title.clone().unwrap_or_default()
                        data-testid="widget-title"
                        on:change=move |ev| {
                            let v = non_empty(event_target_value(&ev));
                            edit_widget(Box::new(move |s| s.title = v));
                        }
                    />
                </label>
                <label>
                    "View"
                    <select on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit_widget(Box::new(move |s| set_view(s, &v)));
                    }>
                        {VIEWS.iter().map(|(k, l)| view! { <option value=*k selected=*k == key>{*l}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Statistic"
                    <input
                        list="explorer-stats"
                        class="stat-input"
                        value=s.stat.clone().unwrap_or_default()
                        placeholder="Average"
                        on:change=move |ev| {
                            let v = non_empty(event_target_value(&ev));
                            edit_widget(Box::new(move |s| s.stat = v));
                        }
                    />
                </label>
                <label>
                    "Period"
                    <select on:change=move |ev| {
                        let v = event_target_value(&ev).parse::<i64>().ok().filter(|p| *p > 0);
                        edit_widget(Box::new(move |s| s.period = v));
                    }>
                        {PERIODS.iter().map(|(p, l)| view! { <option value=p.to_string() selected=*p == period>{*l}</option> }).collect_view()}
                    </select>
                </label>
            </div>
        }
    };
    view! {
        <section class="panel" aria-labelledby="builder-heading">
            <h2 id="builder-heading">"Queries"</h2>
            <datalist id="explorer-stats">{STATS.iter().map(|s| view! { <option value=*s></option> }).collect_view()}</datalist>
            {widget_options}
            <table class="data query-table" data-testid="query-table">
                <thead>
                    <tr>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Metric or expression"</th>
                        <th scope="col">"Statistic"</th>
                        <th scope="col">"Period"</th>
                        <th scope="col">"Label"</th>
                        <th scope="col">"Axis"</th>
                        <th scope="col">"Shown"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <form
                class="inline-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let e = new_expression.get_untracked();
                    let Some(e) = non_empty(e) else { return };
                    let mut s = spec.get_untracked().unwrap_or_default();
                    let id = next_id(&s, "e");
                    s.metrics.push(MetricRow::Expression {
                        options: RenderOptions {
                            id: Some(id),
                            expression: Some(e),
                            ..RenderOptions::default()
                        },
                    });
                    new_expression.set(String::new());
                    apply.run(s);
                }
            >
                <label>
                    "Math or SEARCH expression"
                    <input
                        class="code"
                        data-testid="new-expression"
                        placeholder="(m1 / m2) * 100   or   SEARCH('{AWS/ECS,ServiceName} CPUUtilization', 'Average')"
                        prop:value=move || new_expression.get()
                        on:input=move |ev| new_expression.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit">"Add expression"</button>
            </form>
            <p class="muted">
                "Labels may use dynamic labels: " <code>"${PROP('Dim.ServiceName')}"</code> ", " <code>"${LABEL}"</code> ", "
                <code>"${MAX}"</code> ", " <code>"${AVG}"</code> ", " <code>"${LAST}"</code>
                ". Untick “Shown” to keep a helper series for expressions without drawing it."
            </p>
        </section>
    }
}

/// The widget as CloudWatch's JSON (a dashboard body's `properties`), editable; applying it
/// replaces the widget the builder shows. A text that does not read stays where it is, with why.
#[component]
fn CodeView(raw: Memo<String>, spec: Memo<Result<Spec, String>>, apply: Callback<Spec>) -> impl IntoView {
    let pretty = move || match spec.get() {
        Ok(s) => serde_json::to_string_pretty(&s.to_properties()).unwrap_or_default(),
        Err(_) => raw.get(),
    };
    let text = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // When the widget changes (the builder, Back), the code shows it again.
    Effect::new(move |_| {
        raw.track();
        text.set(None);
        error.set(None);
    });
    let on_apply = move |_| {
        let Some(t) = text.get_untracked() else { return };
        match parse_spec(&t) {
            Ok(s) => apply.run(s),
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="panel" aria-labelledby="code-heading">
            <h2 id="code-heading">"Source"</h2>
            <label for="explorer-code" class="muted">
                "The widget's properties as a CloudWatch dashboard body holds them (the "
                <code>"metrics"</code>
                " array with ids, stat, period, label, visible, yAxis). Edit and apply; the builder follows."
            </label>
            <textarea
                id="explorer-code"
                class="code"
                rows="14"
                spellcheck="false"
                data-testid="code-view"
                prop:value=move || text.get().unwrap_or_else(pretty)
                on:input=move |ev| text.set(Some(event_target_value(&ev)))
            >
                {untrack(pretty)}
            </textarea>
            <p>
                <button type="button" data-testid="apply-code" on:click=on_apply disabled=move || text.get().is_none()>
                    "Apply"
                </button>
                " "
                <button type="button" class="secondary" on:click=move |_| { text.set(None); error.set(None); } disabled=move || text.get().is_none()>
                    "Discard changes"
                </button>
            </p>
            {move || error.get().map(|e| view! { <p class="alert error" role="alert" data-testid="code-error">{e}</p> })}
        </section>
    }
}

/// Puts the widget on a dashboard of this connection (or a new one) and opens it; opened from a
/// dashboard's widget, saves it back in place.
#[component]
fn AddToDashboardForm(raw: Memo<String>, editing: Memo<(String, Option<u32>)>) -> impl IntoView {
    let shell = ShellState::expect();
    let action = ServerAction::<AddToDashboard>::new();
    crate::pages::dashboards::open_when_done(action.value(), |id: &String| id.clone());
    let dashboards = Resource::new(|| (), |_| list_dashboards(String::new()));
    let form = move |rows: Vec<DashboardSummary>| {
        let conn = shell.connection_or_demo().to_string();
        let rows: Vec<DashboardSummary> = rows.into_iter().filter(|d| d.connection == conn).collect();
        let (target, replace) = editing.get_untracked();
        let chosen = RwSignal::new(target.clone());
        let base_of = {
            let rows = rows.clone();
            move |id: &str| rows.iter().find(|d| d.id.to_string() == id).map(|d| d.version).unwrap_or(0)
        };
        let editing_title = rows.iter().find(|d| d.id.to_string() == target).map(|d| d.title.clone());
        let options = rows
            .iter()
            .map(|d| {
                let id = d.id.to_string();
                let selected = id == target;
                let label = if d.folder.is_empty() {
                    d.title.clone()
                } else {
                    format!("{} — {}", d.title, d.folder)
                };
                view! { <option value=id selected=selected>{label}</option> }
            })
            .collect_view();
        let base = move || base_of(&chosen.get()).to_string();
        let new_selected = target.is_empty();
        let replacing = {
            let target = target.clone();
            Memo::new(move |_| replace.filter(|_| chosen.get() == target))
        };
        view! {
            <ActionForm action attr:class="stacked-form" attr:data-testid="add-to-dashboard">
                <input type="hidden" name="properties" value=move || raw.get() />
                <input type="hidden" name="connection" value=conn.clone() />
                <input type="hidden" name="base" value=base />
                {move || replacing.get().map(|r| view! { <input type="hidden" name="replace" value=r.to_string() /> })}
                <label>
                    "Dashboard"
                    <select name="dashboard" data-testid="target-dashboard" on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="" selected=new_selected>"A new dashboard"</option>
                        {options}
                    </select>
                </label>
                {move || chosen.get().is_empty().then(|| view! {
                    <label>"Title of the new dashboard" <input name="title" required maxlength="200" data-testid="new-dashboard-title" /></label>
                })}
                <button type="submit" disabled=move || raw.get().is_empty()>
                    {move || match (replacing.get(), editing_title.clone()) {
                        (Some(r), Some(t)) => format!("Save widget {} of “{t}”", r + 1),
                        _ => "Add to dashboard".to_string(),
                    }}
                </button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add to dashboard"</h2>
            {loaded(dashboards, "Listing dashboards…", form)}
            {outcome(action.value(), |_| view! { <p class="alert ok" role="status">"Saved. Opening the dashboard…"</p> }.into_any())}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_widget_reads_or_says_where_it_is_wrong() {
        assert_eq!(parse_spec("").expect("read"), Spec::default());
        let s = parse_spec(r#"{"metrics":[["AWS/ECS","CPUUtilization","ServiceName","checkout",{"id":"m1"}]]}"#).expect("read");
        assert_eq!(next_id(&s, "m"), "m2");
        assert_eq!(next_id(&s, "e"), "e1");
        let e = parse_spec(r#"{"metrics":[["AWS/ECS"]]}"#).expect_err("refused");
        assert!(e.starts_with("properties.metrics[0]"), "{e}");
    }

    #[test]
    fn search_expressions_quote_what_the_syntax_needs() {
        let m = MetricEntry {
            namespace: "AWS/ECS".into(),
            name: "CPUUtilization".into(),
            dimensions: vec![("ClusterName".into(), "shop-prod".into()), ("Service Name".into(), "x".into())],
        };
        assert_eq!(
            search_like(&m, "p99", 60),
            r#"SEARCH('{AWS/ECS,ClusterName,"Service Name"} MetricName="CPUUtilization"', 'p99', 60)"#
        );
    }

    #[test]
    fn views_map_to_cloudwatch_properties() {
        let mut s = Spec::default();
        set_view(&mut s, "stacked");
        assert_eq!((s.view.clone(), s.stacked), (Some(CwView::TimeSeries), Some(true)));
        assert_eq!(view_key(&s), "stacked");
        set_view(&mut s, "gauge");
        assert_eq!(s.stacked, None);
        let left = s.y_axis.as_ref().and_then(|y| y.left.as_ref()).expect("read");
        assert_eq!((left.min, left.max), (Some(0.0), Some(100.0)));
        assert_eq!(view_key(&s), "gauge");
    }
}
