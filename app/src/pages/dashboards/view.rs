//! One dashboard: its widgets on CloudWatch's 24-column grid for the shell's time range, with
//! auto-refresh, a crosshair shared by every chart, drag-to-zoom (the URL's range changes, so Back
//! returns), the body as JSON to edit (saved with conflict detection), and its versions.
//!
//! Charts are drawn by [`chart::svg`], a pure function, on the server and again in the browser:
//! the SVG string goes into one wrapper (`inner_html`), so hydration never compares view nodes.
//! Hover and drag are a thin layer of absolutely placed elements over it.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

use crate::api::dashboards::{
    dashboard_diff, dashboard_versions, dashboard_widgets, export_dashboard, get_dashboard, PutDashboard, RestoreDashboard, SaveDashboard,
};
use crate::components::{loaded, outcome, PageHeader, Timestamp};
use crate::domain::dashboard::{DashboardDoc, DashboardVersion, DiffLine};
use crate::domain::widget::{summary, DashboardData, LogResult, MetricContent, MetricView, WidgetContent, WidgetView};
use crate::url::{variable_choices, view_href};

use super::variables::VariableBar;

pub struct DashboardRoute;

#[lazy_route]
impl LazyRoute for DashboardRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DashboardPage /> }.into_any()
    }
}

/// Pixels per grid column and row of the drawing (the SVG scales to the widget's width).
const COLUMN_PX: u32 = 60;
const ROW_PX: u32 = 40;
/// Refresh choices (seconds; 0 is off).
const REFRESH: [(u32, &str); 5] = [(0, "Off"), (10, "10 s"), (60, "1 m"), (300, "5 m"), (900, "15 m")];

/// The instant under the pointer, shared by every chart of the page.
#[derive(Clone, Copy)]
struct Crosshair(RwSignal<Option<i64>>);

/// Shares one crosshair among every chart of the page (call once per page, before the grid).
pub(crate) fn provide_crosshair() {
    provide_context(Crosshair(RwSignal::new(None)));
}

/// Present on a page whose range is not the viewer's to change (a public link): its charts do
/// not zoom by dragging.
#[derive(Clone, Copy)]
pub(crate) struct FixedRange;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let doc = Resource::new(move || id.get(), get_dashboard);
    let args = Memo::new(move |_| {
        let q = query.read();
        (
            id.get(),
            q.get("from").unwrap_or_default(),
            q.get("to").unwrap_or_default(),
            q.get("tz").unwrap_or_default(),
            variable_choices(&q).to_json(),
        )
    });
    let data = Resource::new(
        move || args.get(),
        |(id, from, to, tz, vars)| dashboard_widgets(id, from, to, tz, vars),
    );
    let refresh = Memo::new(move |_| query.read().get("refresh").and_then(|r| r.parse::<u32>().ok()).unwrap_or(0));
    provide_crosshair();
    auto_refresh(refresh, data);
    view! {
        {loaded(doc, "Loading dashboard…", move |d| view! { <Header doc=d refresh /> }.into_any())}
        {loaded(data, "Loading widgets…", |d| view! { <Grid data=d /> }.into_any())}
        {loaded(doc, "", |d| view! { <Editor doc=d /> }.into_any())}
        <super::share::Share id />
    }
}

/// Refetches every `secs` seconds while the tab is visible (browser only).
fn auto_refresh(secs: Memo<u32>, data: Resource<Result<DashboardData, crate::error::AppError>>) {
    #[cfg(feature = "hydrate")]
    {
        use std::time::Duration;
        let handle: StoredValue<Option<leptos::leptos_dom::helpers::IntervalHandle>, LocalStorage> = StoredValue::new_local(None);
        Effect::new(move |_| {
            if let Some(h) = handle.get_value() {
                h.clear();
            }
            let s = secs.get();
            if s == 0 {
                handle.set_value(None);
                return;
            }
            let h = set_interval_with_handle(
                move || {
                    if !document().hidden() {
                        data.refetch();
                    }
                },
                Duration::from_secs(u64::from(s)),
            )
            .ok();
            handle.set_value(h);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (secs, data);
}

#[component]
fn Header(doc: DashboardDoc, refresh: Memo<u32>) -> impl IntoView {
    let query = use_query_map();
    // A dashboard opens at its own range (its `start`): put it in the URL, so the time picker,
    // a shared link and Back all agree with what the charts show.
    let redirect = {
        let q = query.read_untracked();
        match (q.get("from"), crate::domain::dashboard::default_from(&doc.body)) {
            (None, Some(from)) => Some(view_href(&format!("/dashboards/{}", doc.summary.id), &q, &[("from", &[&from])])),
            _ => None,
        }
    };
    let has_variables = doc.body.get("variables").and_then(|v| v.as_array()).is_some_and(|v| !v.is_empty());
    let s = doc.summary;
    let refresh_links = move || {
        REFRESH
            .iter()
            .map(|(secs, label)| {
                let v = secs.to_string();
                let value: &[&str] = if *secs == 0 { &[] } else { &[v.as_str()] };
                let href = view_href("", &query.read(), &[("refresh", value)]);
                let current = move || (refresh.get() == *secs).then_some("true");
                view! { <a href=href aria-current=current class="chip">{*label}</a> }
            })
            .collect_view()
    };
    view! {
        {redirect.map(|path| {
            // Replaced, not pushed: Back goes where the person came from, not to the bare URL.
            let options = leptos_router::NavigateOptions {
                replace: true,
                ..Default::default()
            };
            view! { <Redirect path options /> }
        })}
        <PageHeader title=s.title.clone() />
        <p class="muted dashboard-meta">
            {(!s.folder.is_empty()).then(|| format!("{} · ", s.folder))}
            {format!("version {} · connection {} · updated ", s.version, s.connection)}
            <Timestamp ms=s.updated_at_ms />
        </p>
        <nav class="toolbar" aria-label="Refresh">
            <span>"Auto-refresh:"</span>
            {refresh_links}
            <a class="button" href=explorer_href(&[]) data-testid="add-metric-widget">"Add a metric widget"</a>
        </nav>
        {has_variables.then(|| view! { <VariableBar id=s.id.to_string() /> })}
    }
}

/// Every widget on CloudWatch's 24-column grid (the signed-in page and a public link's page).
#[component]
pub(crate) fn Grid(data: DashboardData) -> impl IntoView {
    view! {
        <div class="dashboard-grid" data-testid="dashboard-grid" data-start=data.start data-end=data.end>
            {data.widgets.into_iter().map(|w| view! { <Widget w /> }).collect_view()}
        </div>
    }
}

#[component]
fn Widget(w: WidgetView) -> impl IntoView {
    let style = format!(
        "grid-column: {} / span {}; grid-row: {} / span {};",
        w.x + 1,
        w.width.clamp(1, 24),
        w.y + 1,
        w.height.max(1)
    );
    let title = w.title.clone();
    let label = if title.is_empty() {
        format!("Widget {}", w.index + 1)
    } else {
        title.clone()
    };
    let (width, height) = (
        w.width.clamp(1, 24) * COLUMN_PX,
        (w.height.max(2) * ROW_PX).saturating_sub(70).max(60),
    );
    // A metric widget opens in the metrics explorer, to be changed and saved back in place.
    // (Not on a public link's page: its viewer edits nothing.)
    let public = use_context::<FixedRange>().is_some();
    let edit = (matches!(w.content, WidgetContent::Metric(_)) && !public).then(|| {
        let href = explorer_href(&[("widget", w.index.to_string())]);
        view! { <a class="widget-edit" href=href aria-label=format!("Edit {label} in the metrics explorer")>"Edit"</a> }
    });
    let content = match w.content {
        WidgetContent::Metric(m) => view! { <MetricWidget m=*m width height /> }.into_any(),
        WidgetContent::Text { html } => view! { <div class="markdown" inner_html=html></div> }.into_any(),
        WidgetContent::Alarms { rows, error } => view! {
            <ul class="alarm-list">
                {rows
                    .into_iter()
                    .map(|r| {
                        let class = format!("state state-{}", r.state.to_ascii_lowercase());
                        view! {
                            <li title=r.reason.clone()>
                                <span class=class>{r.state.clone()}</span>
                                " "
                                {r.name.clone()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {error.map(|e| view! { <p class="alert error">{e}</p> })}
        }
        .into_any(),
        WidgetContent::Logs { query, result, .. } => view! { <LogWidget query result=*result width height /> }.into_any(),
        WidgetContent::Unsupported { type_name } => view! {
            <p class="muted">{format!("A CloudWatch “{type_name}” widget: Watchpost does not draw this type; it is kept unchanged in the dashboard.")}</p>
        }
        .into_any(),
    };
    view! {
        <section class="widget" style=style data-testid="widget" data-index=w.index aria-label=label>
            <div class="widget-head">
                <h2 class="widget-title">{title}</h2>
                {edit}
            </div>
            {content}
        </section>
    }
}

/// The metrics explorer for this dashboard (`dashboard` = the page's id), keeping the shell's
/// state, with `extra` parameters.
fn explorer_href(extra: &[(&str, String)]) -> String {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let q = use_query_map().read_untracked().clone();
    let mut pairs = vec![("dashboard".to_string(), id)];
    pairs.extend(extra.iter().map(|(k, v)| ((*k).to_string(), v.clone())));
    pairs.extend(
        crate::url::SHELL_KEYS
            .iter()
            .filter_map(|k| q.get(k).map(|v| ((*k).to_string(), v))),
    );
    crate::url::with_query("/metrics-explorer", &pairs)
}

/// A log widget: its query's rows as a table, or `stats … by bin()` as a chart; how much it
/// scanned; CloudWatch's error when it failed.
#[component]
fn LogWidget(query: String, result: LogResult, width: u32, height: u32) -> impl IntoView {
    let scanned = format!(
        "{} · {} records, {} scanned",
        result.status,
        result.records_scanned,
        chart::format_value(result.bytes_scanned, chart::Unit::Bytes)
    );
    let cut = (result.total as usize > result.rows.len()).then(|| format!("showing {} of {} rows", result.rows.len(), result.total));
    let body = match (result.chart, result.error) {
        (_, Some(e)) => view! {
            <p class="alert error" role="alert">{e}</p>
            <pre class="code">{query}</pre>
        }
        .into_any(),
        (Some(m), None) => view! { <MetricWidget m=*m width height /> }.into_any(),
        (None, None) if result.rows.is_empty() => view! {
            <div class="no-data" data-testid="no-data">
                <p>{if result.status == "Complete" { "No log events matched in this range." } else { "The query is still running: refresh to see its rows." }}</p>
                <pre class="code">{query}</pre>
            </div>
        }
        .into_any(),
        (None, None) => view! {
            // Focusable, so a keyboard can scroll the rows (WCAG: scrollable regions).
            <div class="table-scroll" tabindex="0" role="region" aria-label="Log rows">
                <table class="data log-table" data-testid="log-table">
                    <thead>
                        <tr>{result.columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>
                        {result
                            .rows
                            .into_iter()
                            .map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    };
    view! {
        {body}
        <p class="muted note" data-testid="log-status">{scanned} {cut.map(|c| format!(" · {c}"))}</p>
    }
}

fn style(width: u32, height: u32) -> chart::Style {
    chart::Style {
        width,
        height,
        theme: chart::Theme::Light,
        utc_offset_minutes: 0,
    }
}

#[component]
pub(crate) fn MetricWidget(m: MetricContent, width: u32, height: u32) -> impl IntoView {
    let badges = view! {
        {m.stale.then(|| {
            let age = m.fetched_at.map(|f| format!("data from {} s before the page", ((m.chart.end - f) / 1000).max(0)));
            view! { <span class="badge stale" title=age.clone().unwrap_or_default()>"stale"</span> }
        })}
        {m.notes.iter().map(|n| view! { <p class="muted note">{n.clone()}</p> }).collect_view()}
        {m.errors.iter().map(|e| view! { <p class="alert error" role="alert">{e.clone()}</p> }).collect_view()}
    };
    let empty = m.chart.series.iter().all(|s| s.points.is_empty());
    let body = if empty && m.errors.is_empty() {
        view! {
            <div class="no-data" data-testid="no-data">
                <p>"No data for this range."</p>
                <ul class="muted">{m.queries.iter().map(|q| view! { <li><code>{q.clone()}</code></li> }).collect_view()}</ul>
            </div>
        }
        .into_any()
    } else {
        match m.view {
            MetricView::SingleValue | MetricView::Gauge => view! { <SingleValue m=m.clone() /> }.into_any(),
            MetricView::Table => view! { <Legend m=m.clone() hidden=RwSignal::new(Vec::new()) /> }.into_any(),
            MetricView::TimeSeries | MetricView::Bar => view! { <ChartBox m=m.clone() width height /> }.into_any(),
        }
    };
    view! {
        {badges}
        {body}
    }
}

/// The big number of a single-value widget: each series' last value and its change over the range.
#[component]
fn SingleValue(m: MetricContent) -> impl IntoView {
    let unit = m.chart.left.unit;
    m.chart
        .series
        .iter()
        .map(|s| {
            let last = summary(&s.points).map(|(l, _, _)| chart::format_value(l, unit)).unwrap_or_else(|| "–".into());
            let change = match (s.points.first(), s.points.last()) {
                (Some(a), Some(b)) if a.v != 0.0 => Some(format!("{:+.1} % over the range", (b.v - a.v) / a.v.abs() * 100.0)),
                _ => None,
            };
            let gauge = m.gauge.and_then(|(lo, hi)| {
                let l = s.points.last()?.v;
                (hi > lo).then(|| format!("{:.0}", ((l - lo) / (hi - lo) * 100.0).clamp(0.0, 100.0)))
            });
            view! {
                <div class="single-value">
                    <div class="big-number" data-testid="single-value">{last}</div>
                    <div class="muted">{s.label.clone()}</div>
                    {change.map(|c| view! { <div class="muted">{c}</div> })}
                    {gauge.map(|g| view! { <meter min="0" max="100" value=g.clone() aria-label=format!("{} of the gauge range", g)></meter> })}
                </div>
            }
        })
        .collect_view()
}

#[component]
fn ChartBox(m: MetricContent, width: u32, height: u32) -> impl IntoView {
    let hidden: RwSignal<Vec<usize>> = RwSignal::new(Vec::new());
    let crosshair = use_context::<Crosshair>().map(|c| c.0).unwrap_or_else(|| RwSignal::new(None));
    let chart_all = StoredValue::new(m.chart.clone());
    let shown = move || {
        let mut c = chart_all.get_value();
        let h = hidden.get();
        c.series = c
            .series
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !h.contains(i))
            .map(|(_, s)| s)
            .collect();
        c
    };
    let svg = move || chart::svg(&shown(), &style(width, height));
    let area = chart::layout(&m.chart, &style(width, height));
    let (t0, t1) = (m.chart.start, m.chart.end);
    let period_ms = (m.period.max(1) * 1000) as f64;
    let drag: RwSignal<Option<(f64, f64)>> = RwSignal::new(None);
    let query = use_query_map();
    let navigate = use_navigate();
    // Pointer x in the wrapper → instant, through the plot area the drawing used.
    let to_time = move |offset_x: f64, client_width: f64| -> Option<i64> {
        if client_width <= 0.0 {
            return None;
        }
        let x = offset_x * f64::from(width) / client_width;
        let f = (x - area.left) / area.width;
        (0.0..=1.0).contains(&f).then(|| t0 + (f * (t1 - t0) as f64) as i64)
    };
    let wrapper = NodeRef::<leptos::html::Div>::new();
    let width_of = move || wrapper.get().map(|w| f64::from(w.client_width())).unwrap_or(f64::from(width));
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let x = f64::from(ev.offset_x());
        crosshair.set(to_time(x, width_of()));
        drag.update(|d| {
            if let Some(d) = d {
                d.1 = x;
            }
        });
    };
    let zoomable = use_context::<FixedRange>().is_none();
    let on_down = move |ev: leptos::ev::PointerEvent| {
        if zoomable {
            drag.set(Some((f64::from(ev.offset_x()), f64::from(ev.offset_x()))));
        }
    };
    let on_up = move |_ev: leptos::ev::PointerEvent| {
        let Some((a, b)) = drag.get_untracked() else { return };
        drag.set(None);
        if (a - b).abs() < 8.0 {
            return;
        }
        let w = width_of();
        let (Some(ta), Some(tb)) = (to_time(a.min(b), w), to_time(a.max(b), w)) else {
            return;
        };
        if let Some((from, to)) = crate::components::time_keys::params(ta, tb) {
            navigate(
                &view_href("", &query.read_untracked(), &[("from", &[&from]), ("to", &[&to])]),
                Default::default(),
            );
        }
    };
    // The crosshair line and the tooltip: every shown series' value at the nearest period.
    let series_for_tip = StoredValue::new(m.chart.series.clone());
    let unit = m.chart.left.unit;
    let tip = move || {
        let t = crosshair.get()?;
        let h = hidden.get();
        let mut rows = Vec::new();
        let mut at = None;
        for (i, s) in series_for_tip.get_value().iter().enumerate() {
            if h.contains(&i) {
                continue;
            }
            let near = s
                .points
                .iter()
                .min_by_key(|p| (p.t - t).abs())
                .filter(|p| ((p.t - t).abs() as f64) <= period_ms / 2.0 + 1.0);
            if let Some(p) = near {
                at.get_or_insert(p.t);
                rows.push((s.label.clone(), chart::format_value(p.v, unit), p.v));
            }
        }
        let at = at?;
        let left_pct = (area.left + (at - t0) as f64 / (t1 - t0).max(1) as f64 * area.width) / f64::from(width) * 100.0;
        Some(view! {
            <div class="crosshair" style=format!("left: {left_pct:.3}%;") aria-hidden="true"></div>
            <div class="chart-tooltip" role="status" data-testid="tooltip" data-t=at style=format!("left: {:.3}%;", left_pct.min(70.0))>
                <div class="muted">{crate::domain::time_range::format_display(at)}</div>
                {rows
                    .into_iter()
                    .map(|(l, v, raw)| view! { <div data-value=raw.to_string()><span>{l}</span>": "<strong>{v}</strong></div> })
                    .collect_view()}
            </div>
        })
    };
    let selection = move || {
        drag.get().filter(|(a, b)| (a - b).abs() >= 8.0).map(|(a, b)| {
            view! { <div class="drag-selection" style=format!("left: {}px; width: {}px;", a.min(b), (a - b).abs())></div> }
        })
    };
    // The CSV is built when the link is about to be used (pointer down or focus), so the page
    // does not carry every widget's data twice.
    let csv_wanted = RwSignal::new(false);
    let csv = move || {
        if csv_wanted.get() {
            csv_href(&chart_all.get_value())
        } else {
            "#csv".to_string()
        }
    };
    view! {
        <div
            class="chart"
            node_ref=wrapper
            data-testid="chart"
            on:pointermove=on_move
            on:pointerleave=move |_| {
                crosshair.set(None);
                drag.set(None);
            }
            on:pointerdown=on_down
            on:pointerup=on_up
        >
            <div class="chart-svg" inner_html=svg></div>
            {tip}
            {selection}
        </div>
        <Legend m=m.clone() hidden />
        <p class="widget-actions">
            <a
                download="widget.csv"
                href=csv
                data-testid="csv"
                on:pointerdown=move |_| csv_wanted.set(true)
                on:focus=move |_| csv_wanted.set(true)
            >
                "Data as CSV"
            </a>
        </p>
    }
}

/// A `data:` link with the drawn series as CSV: one row per (series, timestamp).
fn csv_href(c: &chart::Chart) -> String {
    let mut out = String::from("series,timestamp,value\n");
    for s in &c.series {
        let label = s.label.replace('"', "\"\"");
        for p in &s.points {
            out.push_str(&format!("\"{label}\",{},{}\n", p.t, p.v));
        }
    }
    format!("data:text/csv;charset=utf-8,{}", crate::url::encode(&out))
}

/// Each series with its last, average and maximum; a click hides or shows it.
#[component]
fn Legend(m: MetricContent, hidden: RwSignal<Vec<usize>>) -> impl IntoView {
    let unit = m.chart.left.unit;
    let palette = chart::palette(chart::Theme::Light);
    view! {
        <table class="legend">
            <thead>
                <tr><th scope="col">"Series"</th><th scope="col">"Last"</th><th scope="col">"Avg"</th><th scope="col">"Max"</th></tr>
            </thead>
            <tbody>
                {m.chart
                    .series
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let (last, avg, max) = summary(&s.points)
                            .map(|(l, a, x)| (chart::format_value(l, unit), chart::format_value(a, unit), chart::format_value(x, unit)))
                            .unwrap_or_else(|| ("–".into(), "–".into(), "–".into()));
                        let color = s.color.clone().unwrap_or_else(|| palette[i % palette.len()].to_string());
                        let pressed = move || (!hidden.get().contains(&i)).to_string();
                        let toggle = move |_| hidden.update(|h| if let Some(p) = h.iter().position(|x| *x == i) { h.remove(p); } else { h.push(i); });
                        view! {
                            <tr>
                                <td>
                                    <button type="button" class="legend-key" aria-pressed=pressed on:click=toggle>
                                        <span class="swatch" style=format!("background: {color};")></span>
                                        {s.label.clone()}
                                    </button>
                                </td>
                                <td>{last}</td>
                                <td>{avg}</td>
                                <td>{max}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// The body as JSON, saved with the version it was read at (a stale one is refused), and the
/// versions with restore. Editors only (the server refuses others).
#[component]
fn Editor(doc: DashboardDoc) -> impl IntoView {
    let save = ServerAction::<SaveDashboard>::new();
    let restore = ServerAction::<RestoreDashboard>::new();
    let s = doc.summary.clone();
    let id = s.id.to_string();
    let body = serde_json::to_string_pretty(&doc.body).unwrap_or_default();
    let id_for_versions = id.clone();
    let versions = Resource::new(
        move || (save.version().get(), restore.version().get()),
        move |_| dashboard_versions(id_for_versions.clone()),
    );
    let id2 = id.clone();
    let id_export = id.clone();
    let base = s.version;
    // The version whose changes up to the current one are shown.
    let diff_from: RwSignal<Option<i32>> = RwSignal::new(None);
    let id_diff = id.clone();
    let diff = Resource::new(
        move || diff_from.get(),
        move |from| {
            let id = id_diff.clone();
            async move {
                match from {
                    Some(v) => dashboard_diff(id, v, base).await.map(Some),
                    None => Ok(None),
                }
            }
        },
    );
    view! {
        <details class="panel">
            <summary>"Edit as JSON (CloudWatch dashboard body)"</summary>
            <ActionForm action=save attr:class="stacked-form" attr:data-testid="edit-form">
                <input type="hidden" name="id" value=id.clone() />
                <input type="hidden" name="base" value=base />
                <label>"Title" <input name="title" value=s.title.clone() required /></label>
                <label>"Description" <input name="description" value=s.description.clone() /></label>
                <label>"Folder" <input name="folder" value=s.folder.clone() /></label>
                <label>"Tags" <input name="tags" value=s.tags.join(", ") /></label>
                <label>"Body" <textarea name="body" rows="16" spellcheck="false" class="code">{body}</textarea></label>
                <button type="submit">"Save"</button>
            </ActionForm>
            {outcome(save.value(), |v: i32| view! { <p class="alert ok" role="status">{format!("Saved as version {v}. Reload to see it.")}</p> }.into_any())}
        </details>
        <Export id=id_export />
        <details class="panel">
            <summary>"Versions"</summary>
            {loaded(versions, "Loading versions…", move |rows: Vec<DashboardVersion>| {
                let id = id2.clone();
                view! {
                    <table class="data">
                        <thead><tr><th scope="col">"Version"</th><th scope="col">"Saved"</th><th scope="col">"By"</th><th scope="col">"What"</th><th scope="col"><span class="sr-only">"Restore"</span></th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|v| {
                                let id = id.clone();
                                view! {
                                    <tr>
                                        <td>{v.version}</td>
                                        <td><Timestamp ms=v.saved_at_ms /></td>
                                        <td>{v.saved_by.clone().unwrap_or_else(|| "Watchpost".into())}</td>
                                        <td>{v.note.clone()}</td>
                                        <td>
                                            <button
                                                type="button"
                                                class="secondary"
                                                disabled=v.version == base
                                                aria-label=format!("Changes from version {} to version {base}", v.version)
                                                on:click=move |_| diff_from.set(Some(v.version))
                                            >
                                                "Diff"
                                            </button>
                                            " "
                                            <ActionForm action=restore attr:class="inline">
                                                <input type="hidden" name="id" value=id />
                                                <input type="hidden" name="version" value=v.version />
                                                <input type="hidden" name="base" value=base />
                                                <button type="submit" disabled=v.version == base>"Restore"</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
            {outcome(restore.value(), |v: i32| view! { <p class="alert ok" role="status">{format!("Restored as version {v}. Reload to see it.")}</p> }.into_any())}
            {loaded(diff, "Comparing…", move |lines: Option<Vec<DiffLine>>| {
                let Some(lines) = lines else { return ().into_any() };
                let from = diff_from.get_untracked().unwrap_or_default();
                view! {
                    <h3>{format!("Changes from version {from} to version {base}")}</h3>
                    {lines.is_empty().then(|| view! { <p class="muted">"No changes."</p> })}
                    <pre class="code diff" data-testid="version-diff">
                        {lines
                            .into_iter()
                            .map(|l| {
                                let class = match l.kind {
                                    '+' => "diff-add",
                                    '-' => "diff-del",
                                    '@' => "diff-hunk",
                                    _ => "diff-same",
                                };
                                let mark = if l.kind == '@' { String::new() } else { l.kind.to_string() };
                                view! { <span class=class>{mark}{l.text}</span> }
                            })
                            .collect_view()}
                    </pre>
                }
                .into_any()
            })}
        </details>
    }
}

/// The body as CloudWatch's dashboard JSON (to copy, or `watchpost dashboards export`), and
/// PutDashboard to the dashboard's connection.
#[component]
fn Export(id: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let id_for_json = id.clone();
    let json = Resource::new(
        move || open.get(),
        move |open| {
            let id = id_for_json.clone();
            async move {
                if open {
                    export_dashboard(id).await
                } else {
                    Ok(String::new())
                }
            }
        },
    );
    let put = ServerAction::<PutDashboard>::new();
    view! {
        <details class="panel" on:toggle=move |_| open.set(true)>
            <summary>"Export (CloudWatch dashboard JSON)"</summary>
            {loaded(json, "Exporting…", |text: String| view! {
                <label>"Dashboard body" <textarea readonly rows="12" class="code" data-testid="export-json">{text}</textarea></label>
            }.into_any())}
            <ActionForm action=put attr:class="inline-form">
                <input type="hidden" name="id" value=id />
                <label>"CloudWatch dashboard name" <input name="name" required pattern="[A-Za-z0-9_-]{1,255}" /></label>
                <button type="submit">"Save to CloudWatch"</button>
            </ActionForm>
            {outcome(put.value(), |messages: Vec<String>| {
                if messages.is_empty() {
                    view! { <p class="alert ok" role="status">"Saved to CloudWatch."</p> }.into_any()
                } else {
                    view! {
                        <div class="alert" role="status">
                            <p>"Saved; CloudWatch said:"</p>
                            <ul>{messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                        </div>
                    }
                    .into_any()
                }
            })}
        </details>
    }
}
