//! Widget data through the proxy, for pages (under the session layer, `/data/…`) and for
//! scripts (under the token layer, `/api/v1/connections/{conn}/widgets` and `…/runs/{run}`).
//! Identity comes from whichever layer the route sits behind; the handlers only translate HTTP.
//!
//! - `POST …/{conn}/metrics` (`/widgets` on the API): a [`MetricsRequest`] → `{"widgets": [...]}`,
//!   the proxy's pre-serialised bytes, gzipped when the client accepts it;
//! - `POST …/{conn}/insights`: a Logs Insights `StartQuery` input → the caller's run;
//! - `GET …/runs/{run}?seen=N`: the run, waiting (up to 25 s) for a version after `N`;
//! - `DELETE …/runs/{run}`: detaches the caller from the run.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::{header, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use app::backend::{AppState, Caller};
use app::domain::{ConnectionId, Role};
use app::error::{AppError, AppResult};
use proxy::metrics::MetricsRequest;

/// Every data route behind the session layer: (method, path). The router is built from this
/// list, and the access tests ask each one anonymously.
pub const SESSION_ROUTES: &[(&str, &str)] = &[
    ("POST", "/data/{conn}/metrics"),
    ("POST", "/data/{conn}/insights"),
    ("GET", "/data/runs/{run}"),
    ("DELETE", "/data/runs/{run}"),
    ("GET", "/data/{conn}/demo/query-runs"),
    ("GET", "/data/dashboards/{id}/widgets/{index}/png"),
];

/// The same routes behind the token layer (relative to `/api/v1`).
pub const TOKEN_ROUTES: &[(&str, &str)] = &[
    ("POST", "/connections/{conn}/widgets"),
    ("POST", "/connections/{conn}/runs"),
    ("GET", "/runs/{run}"),
    ("DELETE", "/runs/{run}"),
    ("GET", "/connections/{conn}/demo/query-runs"),
    ("GET", "/dashboards/{id}/widgets/{index}/png"),
];

/// The data routes at `paths` (one of the lists above, in that order).
pub fn routes(paths: &[(&str, &str)]) -> axum::Router<AppState> {
    use axum::routing::{delete, get, post};
    let at = |i: usize| paths.get(i).map_or("/", |p| p.1);
    axum::Router::new()
        .route(at(0), post(metrics))
        .route(at(1), post(insights_submit))
        .route(at(2), get(insights_run).merge(delete(insights_cancel)))
        .route(at(4), get(demo_query_runs))
        .route(at(5), get(widget_png))
}

/// The largest request body a data route reads.
const MAX_BODY: usize = 1 << 20;

/// A JSON body into a typed input: size-capped, and serde's message (which names the field) on
/// failure. The token API's operation bodies use it too.
pub(super) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    if bytes.len() > MAX_BODY {
        return Err(AppError::Request {
            detail: format!("the body is larger than {MAX_BODY} bytes"),
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| AppError::Request {
        detail: format!("the JSON body does not fit: {} at {}", e.inner(), e.path()),
    })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim().replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// `POST …/{conn}/metrics`: every widget of a page, through the proxy.
pub async fn metrics(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let result = async {
        caller.require(Role::Viewer)?;
        let id: ConnectionId = raw.parse()?;
        let request: MetricsRequest = parse(&bytes)?;
        state.telemetry.widget_metrics(&caller, &id, &request).await
    }
    .await;
    let prepared = match result {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let gzip = accepts_gzip(&headers) && !prepared.gzip.is_empty();
    let mut res = Response::new(Body::from(if gzip { prepared.gzip.clone() } else { prepared.json.clone() }));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    res
}

/// A Logs Insights query as pages submit it: `StartQuery`'s input (camelCase, epoch seconds) and
/// the dashboard it serves.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsightsSubmit {
    #[serde(flatten)]
    pub input: cloudwatch::logs::StartQueryInput,
    #[serde(default)]
    pub dashboard: Option<String>,
}

/// `POST …/{conn}/insights`: a run of the query for the caller.
pub async fn insights_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Response {
    answer(
        async {
            caller.require(Role::Viewer)?;
            let id: ConnectionId = raw.parse()?;
            let submit: InsightsSubmit = parse(&bytes)?;
            state.telemetry.insights_submit(&caller, &id, submit.input, submit.dashboard).await
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct Seen {
    pub seen: Option<i64>,
}

fn run_id(raw: &str) -> AppResult<uuid::Uuid> {
    raw.parse().map_err(|_| AppError::not_found("that query run"))
}

/// `GET …/runs/{run}?seen=N`.
pub async fn insights_run(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    answer(
        async {
            caller.require(Role::Viewer)?;
            let q: Seen = serde_urlencoded::from_str(q.as_deref().unwrap_or("")).map_err(|e| AppError::Request {
                detail: format!("the query string is not understood: {e}"),
            })?;
            state
                .telemetry
                .insights_run(&caller, run_id(&raw)?, q.seen, Duration::from_secs(25))
                .await
        }
        .await,
    )
}

/// `DELETE …/runs/{run}`.
pub async fn insights_cancel(State(state): State<AppState>, Extension(caller): Extension<Caller>, Path(raw): Path<String>) -> Response {
    answer(
        async {
            caller.require(Role::Viewer)?;
            let detached = state.telemetry.insights_cancel(&caller, run_id(&raw)?).await?;
            Ok(serde_json::json!({ "detached": detached }))
        }
        .await,
    )
}

/// `GET …/{conn}/demo/query-runs` (admins): the demo world's record of the queries it ran here.
pub async fn demo_query_runs(State(state): State<AppState>, Extension(caller): Extension<Caller>, Path(raw): Path<String>) -> Response {
    answer(
        async {
            caller.require(Role::Admin)?;
            let id: ConnectionId = raw.parse()?;
            state.telemetry.demo_query_runs(&caller, &id).await
        }
        .await,
    )
}

/// The query of a widget image: the range as the page's URL has it, and the drawing's size (and
/// the page's `var-<id>` keys, read apart: they are repeatable and open-ended).
#[derive(Debug, Default, Deserialize)]
pub struct ImageQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub tz: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub theme: Option<String>,
}

/// `GET …/dashboards/{id}/widgets/{index}/png`: one metric widget drawn as a PNG on the server
/// (the same drawing as the page's SVG, text in the bundled font), for Slack and post-mortems.
pub async fn widget_png(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, index)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let result = async {
        caller.require(Role::Viewer)?;
        let id: app::domain::DashboardId = id.parse()?;
        let index: usize = index.parse().map_err(|_| AppError::not_found("that widget"))?;
        let q_text = q.as_deref().unwrap_or("");
        let q: ImageQuery = serde_urlencoded::from_str(q_text).map_err(|e| AppError::Request {
            detail: format!("the query string is not understood: {e}"),
        })?;
        let range = app::domain::TimeRange::from_params(q.from.as_deref(), q.to.as_deref(), q.tz.as_deref())?;
        // The page's `var-<id>` keys (repeatable), as the widgets have them on the page.
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q_text).unwrap_or_default();
        let choices = app::domain::variables::VariableChoices::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let doc = app::backend::dashboards::get(&state.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("that dashboard"))?;
        let content = app::backend::dashboards::render::widget_chart(&state.telemetry, &caller, &doc, &range, index, &choices).await?;
        draw_png(&content.chart, q.width, q.height, q.theme.as_deref())
    }
    .await;
    png_answer(result)
}

/// A widget's chart as PNG at the asked size (clamped) and theme. Public links draw theirs here too.
pub(super) fn draw_png(chart: &chart::Chart, width: Option<u32>, height: Option<u32>, theme: Option<&str>) -> AppResult<Vec<u8>> {
    let style = chart::Style {
        width: width.unwrap_or(800).clamp(200, 2400),
        height: height.unwrap_or(300).clamp(120, 1600),
        theme: if theme == Some("dark") {
            chart::Theme::Dark
        } else {
            chart::Theme::Light
        },
        utc_offset_minutes: 0,
    };
    chart::png(chart, &style).map_err(|e| {
        tracing::error!(error = %e, "a widget did not draw as PNG");
        AppError::Internal { reference: "png".into() }
    })
}

/// The image, or the shared error shape.
pub(super) fn png_answer(result: AppResult<Vec<u8>>) -> Response {
    match result {
        Ok(bytes) => {
            let mut res = Response::new(Body::from(bytes));
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=30"));
            res
        }
        Err(e) => e.into_response(),
    }
}

/// `Ok` as JSON, `Err` as the shared error shape (for every JSON route).
pub(super) fn answer<T: serde::Serialize>(result: AppResult<T>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_used_only_when_accepted() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, gzip;q=0.8")));
        assert!(!accepts_gzip(&h("br")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
