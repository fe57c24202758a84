//! Admin → Usage: upstream calls, metrics, bytes scanned, cache, throttles, queue waits and the
//! estimated cost, per connection and day, with the most expensive dashboards and people and a
//! chart of cost per day. The filter (`?connection=&days=`) lives in the URL, so a view can be
//! shared.
//!
//! The chart is a small inline SVG drawn by [`chart_layout`], a pure function of the report
//! (basic arithmetic only, no text measuring), so the server's HTML and the hydrated page are the
//! same. Its numbers are also in a table for screen readers.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use leptos_router::{lazy_route, LazyRoute};

use crate::api::usage::admin_usage;
use crate::components::{loaded, PageHeader};
use crate::domain::usage::{
    format_bytes, format_count, format_duration_ms, format_ratio, format_usd, UsageCounts, UsageReport, UsageTop, UsageWindow,
};
use crate::url::SHELL_KEYS;

/// Its own chunk, fetched when an admin opens it.
pub struct UsageRoute;

#[lazy_route]
impl LazyRoute for UsageRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <UsagePage /> }.into_any()
    }
}

#[component]
pub fn UsagePage() -> impl IntoView {
    let query = use_query_map();
    let args = Memo::new(move |_| {
        let q = query.read();
        (q.get("connection").unwrap_or_default(), q.get("days").unwrap_or_default())
    });
    let report = Resource::new(move || args.get(), |(connection, days)| admin_usage(connection, days));
    view! {
        <PageHeader title="Usage" />
        <p><a href="/admin">"← Admin"</a></p>
        {loaded(report, "Loading usage…", |r| view! { <UsageView r /> }.into_any())}
    }
}

#[component]
fn UsageView(r: UsageReport) -> impl IntoView {
    let period = format!("{} – {} (UTC)", r.first_day(), r.last_day());
    let body = if r.is_empty() {
        view! {
            <div class="empty-state" data-testid="usage-empty">
                <h2>"No upstream calls recorded in this range"</h2>
                <p class="muted">
                    "Usage appears here once pages, queries or tokens read from a connection: every call through the proxy is counted, cache hits included."
                </p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <Totals r=r.clone() />
            <CostChart r=r.clone() />
            <PerDay r=r.clone() />
            <div class="usage-tops">
                <TopTable
                    title="Top dashboards by cost"
                    what="Dashboard"
                    empty="No dashboard read from a connection in this range."
                    testid="usage-top-dashboards"
                    rows=r.top_dashboards.clone()
                />
                <TopTable
                    title="Top users by cost"
                    what="User or token"
                    empty="Nobody was recorded as the cause of this range's calls."
                    testid="usage-top-principals"
                    rows=r.top_principals.clone()
                />
            </div>
        }
        .into_any()
    };
    view! {
        <Filters r=r.clone() />
        <p class="muted" data-testid="usage-period">{period}</p>
        {body}
    }
}

/// Connection and range, submitted as a GET to this page (so it works without JavaScript and
/// the URL is the view). The shell's own keys (time range, current connection) ride along.
#[component]
fn Filters(r: UsageReport) -> impl IntoView {
    let query = use_query_map();
    let current = r.filter.connection.as_ref().map(|c| c.to_string()).unwrap_or_default();
    let window = r.filter.window;
    let keep = move || {
        let q = query.read();
        SHELL_KEYS
            .into_iter()
            .filter_map(|k| q.get(k).map(|v| view! { <input type="hidden" name=k value=v /> }))
            .collect_view()
    };
    view! {
        <div class="panel usage-filters">
            <Form method="GET" action="/admin/usage" noscroll=true>
                <div class="inline-form">
                    <label>
                        "Connection"
                        <select name="connection" data-testid="usage-connection">
                            <option value="" selected=current.is_empty()>"All connections"</option>
                            {r.connections
                                .iter()
                                .map(|c| {
                                    let selected = c.id == current;
                                    view! { <option value=c.id.clone() selected=selected>{c.label()}</option> }
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <label>
                        "Range"
                        <select name="days" data-testid="usage-days-filter">
                            {UsageWindow::ALL
                                .into_iter()
                                .map(|w| view! { <option value=w.param() selected=w == window>{w.label()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    {keep}
                    <button type="submit">"Show usage"</button>
                </div>
            </Form>
        </div>
    }
}

#[component]
fn Totals(r: UsageReport) -> impl IntoView {
    let t = r.totals;
    let items = [
        ("Estimated cost", format_usd(t.cost_usd)),
        ("Upstream calls", format_count(t.calls)),
        ("Metrics requested", format_count(t.metrics)),
        ("Bytes scanned", format_bytes(t.bytes_scanned)),
        ("Cache hit ratio", format_ratio(t.cache_hit_ratio())),
        ("Throttles", format_count(t.throttles)),
        ("Queue wait", format_duration_ms(t.queue_wait_ms)),
    ];
    let prices = format!(
        "Estimated at {} per 1,000 metrics and {} per GB scanned (this server's configured prices).",
        format_usd(r.prices.per_thousand_metrics),
        format_usd(r.prices.per_gb_scanned)
    );
    view! {
        <section class="panel">
            <h2>"Totals for the range"</h2>
            <dl class="usage-totals" data-testid="usage-totals">
                {items.into_iter().map(|(name, value)| view! { <div><dt>{name}</dt><dd>{value}</dd></div> }).collect_view()}
            </dl>
            <p class="hint">{prices}</p>
        </section>
    }
}

/// The cells every usage table shares after its first columns.
fn count_cells(c: &UsageCounts) -> impl IntoView {
    view! {
        <td class="num">{format_count(c.calls)}</td>
        <td class="num">{format_count(c.metrics)}</td>
        <td class="num">{format_bytes(c.bytes_scanned)}</td>
        <td class="num">{format_ratio(c.cache_hit_ratio())}</td>
        <td class="num">{format_count(c.throttles)}</td>
        <td class="num">{format_duration_ms(c.queue_wait_ms)}</td>
        <td class="num">{format_usd(c.cost_usd)}</td>
    }
}

fn count_headers() -> impl IntoView {
    view! {
        <th scope="col" class="num">"Calls"</th>
        <th scope="col" class="num">"Metrics"</th>
        <th scope="col" class="num">"Bytes scanned"</th>
        <th scope="col" class="num">"Cache hit ratio"</th>
        <th scope="col" class="num">"Throttles"</th>
        <th scope="col" class="num">"Queue wait"</th>
        <th scope="col" class="num">"Est. cost"</th>
    }
}

#[component]
fn PerDay(r: UsageReport) -> impl IntoView {
    view! {
        <section class="panel">
            <h2 id="usage-per-day">"Per connection and day"</h2>
            <div class="table-scroll" role="region" aria-labelledby="usage-per-day" tabindex="0">
                <table class="data usage-table" data-testid="usage-rows">
                    <thead>
                        <tr><th scope="col">"Day"</th><th scope="col">"Connection"</th>{count_headers()}</tr>
                    </thead>
                    <tbody>
                        {r.rows
                            .iter()
                            .map(|row| view! {
                                <tr>
                                    <td><time datetime=row.day.clone()>{row.day.clone()}</time></td>
                                    <td>{r.connection_label(&row.connection)}</td>
                                    {count_cells(&row.counts)}
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                    <tfoot>
                        <tr><th scope="row" colspan="2">"Total"</th>{count_cells(&r.totals)}</tr>
                    </tfoot>
                </table>
            </div>
        </section>
    }
}

#[component]
fn TopTable(title: &'static str, what: &'static str, empty: &'static str, testid: &'static str, rows: Vec<UsageTop>) -> impl IntoView {
    let id = format!("{testid}-heading");
    let table = if rows.is_empty() {
        view! { <p class="muted">{empty}</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" role="region" aria-labelledby=id.clone() tabindex="0">
                <table class="data usage-table" data-testid=testid>
                    <thead>
                        <tr>
                            <th scope="col" class="num">"#"</th>
                            <th scope="col">{what}</th>
                            <th scope="col" class="num">"Calls"</th>
                            <th scope="col" class="num">"Metrics"</th>
                            <th scope="col" class="num">"Bytes scanned"</th>
                            <th scope="col" class="num">"Est. cost"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .enumerate()
                            .map(|(i, t)| view! {
                                <tr>
                                    <td class="num">{i + 1}</td>
                                    <td title=t.key.clone()>{t.label}</td>
                                    <td class="num">{format_count(t.counts.calls)}</td>
                                    <td class="num">{format_count(t.counts.metrics)}</td>
                                    <td class="num">{format_bytes(t.counts.bytes_scanned)}</td>
                                    <td class="num">{format_usd(t.counts.cost_usd)}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="panel">
            <h2 id=id>{title}</h2>
            {table}
        </section>
    }
}

// The chart's frame, in SVG user units (the SVG scales to its container's width).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;
/// Series colours (CSS classes `usage-s0`…, one colour per theme each); more connections than
/// this reuse them, and the legend and table still tell them apart.
const PALETTE: usize = 6;

/// One segment of a day's stacked bar.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    x: String,
    y: String,
    width: String,
    height: String,
    series: usize,
    title: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Layout {
    segments: Vec<Segment>,
    /// Horizontal grid lines with their labels: (y, label).
    ticks: Vec<(String, String)>,
    /// Day labels under the bars: (x of the bar's centre, `MM-DD`).
    days: Vec<(String, String)>,
}

/// A "nice" step (1, 2, 2.5 or 5 times a power of ten) at least `raw`, by multiplication and
/// division only (no logarithms: their last bits may differ between the server and WASM).
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 0.0025;
    }
    let mut magnitude = 1.0;
    while magnitude * 10.0 <= raw {
        magnitude *= 10.0;
    }
    while magnitude > raw {
        magnitude /= 10.0;
    }
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn coordinate(v: f64) -> String {
    format!("{v:.1}")
}

/// Where every bar, grid line and label goes: a pure function of the costs per day and series.
fn chart_layout(by_day: &[(String, Vec<f64>)], series: &[String]) -> Layout {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = by_day.iter().map(|(_, c)| c.iter().sum::<f64>()).fold(0.0, f64::max);
    let step = nice_step(max / 4.0);
    let steps = if max > 0.0 { (max / step).ceil().max(1.0) } else { 4.0 };
    let top = step * steps;
    let y_of = |v: f64| TOP + plot_h - v / top * plot_h;
    let ticks = (0..=steps as u32)
        .map(|i| {
            let v = step * f64::from(i);
            (coordinate(y_of(v)), format_usd(v))
        })
        .collect();
    let n = by_day.len().max(1);
    let slot = plot_w / n as f64;
    let every = n.div_ceil(10);
    let mut segments = Vec::new();
    let mut days = Vec::new();
    for (i, (day, costs)) in by_day.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let mut base = 0.0;
        for (s, cost) in costs.iter().enumerate() {
            if *cost <= 0.0 {
                continue;
            }
            let (y0, y1) = (y_of(base), y_of(base + cost));
            base += cost;
            segments.push(Segment {
                x: coordinate(x),
                y: coordinate(y1),
                width: coordinate(slot * 0.7),
                height: coordinate((y0 - y1).max(0.5)),
                series: s % PALETTE,
                title: format!("{day} · {}: {}", series.get(s).map_or("", String::as_str), format_usd(*cost)),
            });
        }
        if (n - 1 - i).is_multiple_of(every) {
            let label = day.get(5..).unwrap_or(day).to_string();
            days.push((coordinate(x + slot * 0.35), label));
        }
    }
    Layout { segments, ticks, days }
}

#[component]
fn CostChart(r: UsageReport) -> impl IntoView {
    let series = r.series();
    let by_day = r.cost_by_day(&series);
    let layout = chart_layout(&by_day, &series);
    let (peak_day, peak) = by_day
        .iter()
        .map(|(d, c)| (d.clone(), c.iter().sum::<f64>()))
        .fold((String::new(), 0.0), |best, (d, v)| if v > best.1 { (d, v) } else { best });
    let description = format!(
        "Estimated cost per day from {} to {}, stacked by connection: {} in all{}.",
        r.first_day(),
        r.last_day(),
        format_usd(r.totals.cost_usd),
        if peak > 0.0 {
            format!("; the most on {peak_day} ({})", format_usd(peak))
        } else {
            String::new()
        }
    );
    let names: Vec<String> = series.iter().map(|s| r.connection_label(s)).collect();
    let baseline = coordinate(HEIGHT - BOTTOM);
    view! {
        <section class="panel">
            <h2>"Estimated cost per day"</h2>
            <figure class="usage-chart">
                <svg
                    viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                    role="img"
                    aria-labelledby="usage-chart-title usage-chart-desc"
                    data-testid="usage-chart"
                >
                    <title id="usage-chart-title">"Estimated cost per day, by connection"</title>
                    <desc id="usage-chart-desc">{description}</desc>
                    {layout
                        .ticks
                        .into_iter()
                        .map(|(y, label)| view! {
                            <g class="usage-axis">
                                <line x1=LEFT.to_string() x2=(WIDTH - RIGHT).to_string() y1=y.clone() y2=y.clone() />
                                <text x=(LEFT - 6.0).to_string() y=y dy="4" text-anchor="end">{label}</text>
                            </g>
                        })
                        .collect_view()}
                    {layout
                        .segments
                        .into_iter()
                        .map(|s| view! {
                            <rect class=format!("usage-bar usage-s{}", s.series) x=s.x y=s.y width=s.width height=s.height>
                                <title>{s.title}</title>
                            </rect>
                        })
                        .collect_view()}
                    <g class="usage-axis">
                        <line class="usage-baseline" x1=LEFT.to_string() x2=(WIDTH - RIGHT).to_string() y1=baseline.clone() y2=baseline />
                        {layout
                            .days
                            .into_iter()
                            .map(|(x, label)| view! { <text x=x y=(HEIGHT - 8.0).to_string() text-anchor="middle">{label}</text> })
                            .collect_view()}
                    </g>
                </svg>
                <figcaption>
                    <ul class="usage-legend" aria-label="Connections">
                        {names
                            .iter()
                            .enumerate()
                            .map(|(i, name)| view! {
                                <li><span class=format!("usage-swatch usage-s{}", i % PALETTE) aria-hidden="true"></span>{name.clone()}</li>
                            })
                            .collect_view()}
                    </ul>
                </figcaption>
            </figure>
            <table class="visually-hidden" data-testid="usage-chart-table">
                <caption>"Estimated cost per day and connection (the chart's numbers)"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Day"</th>
                        {names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view()}
                        <th scope="col">"Total"</th>
                    </tr>
                </thead>
                <tbody>
                    {by_day
                        .into_iter()
                        .map(|(day, costs)| {
                            let total: f64 = costs.iter().sum();
                            view! {
                                <tr>
                                    <th scope="row">{day}</th>
                                    {costs.into_iter().map(|c| view! { <td>{format_usd(c)}</td> }).collect_view()}
                                    <td>{format_usd(total)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(0.0), 0.0025);
        assert_eq!(nice_step(0.03), 0.05);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.2), 2.0);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(120.0), 200.0);
    }

    #[test]
    fn bars_stack_within_the_frame_and_days_are_labelled_back_from_today() {
        let series = vec!["demo".to_string(), "prod".to_string()];
        let by_day: Vec<(String, Vec<f64>)> = (1..=30)
            .map(|d| {
                (
                    format!("2026-11-{d:02}"),
                    vec![0.01 * f64::from(d), if d % 2 == 0 { 0.05 } else { 0.0 }],
                )
            })
            .collect();
        let l = chart_layout(&by_day, &series);
        assert_eq!(l.segments.len(), 30 + 15, "no segment for a zero cost");
        for s in &l.segments {
            let y: f64 = s.y.parse().unwrap_or(-1.0);
            let h: f64 = s.height.parse().unwrap_or(-1.0);
            assert!(y >= TOP - 0.05 && y + h <= HEIGHT - BOTTOM + 0.1, "{s:?}");
        }
        assert_eq!(l.days.last().map(|d| d.1.as_str()), Some("11-30"), "today is labelled");
        assert_eq!(l.days.len(), 10);
        assert_eq!(l.ticks.first().map(|t| t.1.as_str()), Some("$0"));
        // The highest day is 0.30 + 0.05: the axis ends on a round number above it.
        assert_eq!(l.ticks.last().map(|t| t.1.as_str()), Some("$0.40"));
        assert_eq!(l, chart_layout(&by_day, &series), "a pure function");
    }
}
