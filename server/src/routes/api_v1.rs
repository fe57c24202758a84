//! `/api/v1`: the API for scripts and CI. Bearer tokens only — a session cookie is never looked
//! at here, so no other site can ride on a browser's session, and no cross-origin check is
//! needed. Every route, known or not, refuses a request without a valid token.
//!
//! Telemetry routes take and give JSON in the shapes of the CloudWatch APIs, with field names as
//! the AWS CLI's `--cli-input-json` takes them for that operation (PascalCase for CloudWatch,
//! camelCase for CloudWatch Logs) and times in each operation's own unit, so what a user already
//! has can be pasted. GET routes take the same fields as query parameters (lists by repeating the
//! parameter; dimensions in the CLI's shorthand, `Dimensions=Name=InstanceId,Value=i-123`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http::header;
use serde::de::DeserializeOwned;

use app::backend::identity::{self, Credential};
use app::backend::sources::Conn;
use app::backend::{AppState, Caller, ClientMeta};
use app::domain::connection::ConnectionSummary;
use app::domain::{ConnectionId, Role};
use app::error::{AppError, AppResult};

use super::data::{answer, parse as body};
use cloudwatch::logs::QueryIdInput;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/connections", get(connections))
        .route("/connections/{conn}/metric-data", post(metric_data))
        .route("/connections/{conn}/metrics", get(metrics))
        .route("/connections/{conn}/alarms", get(alarms))
        .route("/connections/{conn}/log-groups", get(log_groups))
        .route("/connections/{conn}/insights", post(start_query))
        .route("/connections/{conn}/insights/{id}", get(query_results).delete(stop_query))
        .route("/connections/{conn}/log-events", post(log_events))
        .merge(super::data::routes(super::data::TOKEN_ROUTES))
        .fallback(|| async { AppError::not_found("that API route").into_response() })
        .with_state(state.clone())
        .layer(from_fn_with_state(state, require_token))
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

async fn require_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(secret) = bearer(&req) else {
        return AppError::Unauthorized.into_response();
    };
    let signed_in = match identity::resolve_token(&state.db, secret).await {
        Ok(Some(s)) => s,
        Ok(None) => return AppError::Unauthorized.into_response(),
        Err(e) => return e.into_response(),
    };
    tracing::Span::current().record("user", signed_in.user.email.as_str());
    let client = req.extensions().get::<ClientMeta>().cloned().unwrap_or_default();
    req.extensions_mut().insert(Caller {
        client,
        signed_in: Some(signed_in),
    });
    next.run(req).await
}

/// `GET /api/v1/me`: who the token stands for, with its effective role.
async fn me(Extension(caller): Extension<Caller>) -> Response {
    match caller.signed_in {
        Some(s) => Json(serde_json::json!({
            "user": s.user,
            "via_token": matches!(s.credential, Credential::Token { .. }),
        }))
        .into_response(),
        None => AppError::Unauthorized.into_response(),
    }
}

/// `GET /api/v1/connections`: the connections (slug, name, kind) a token can read.
async fn connections(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    answer(
        async {
            caller.require(Role::Viewer)?;
            let list = app::backend::sources::connections::list(&state.db).await?;
            Ok(list.into_iter().map(ConnectionSummary::from).collect::<Vec<_>>())
        }
        .await,
    )
}

async fn conn(state: &AppState, caller: &Caller, raw: &str) -> AppResult<Conn> {
    let id: ConnectionId = raw.parse()?;
    state.telemetry.conn(caller, &id, Role::Viewer).await
}

/// Query parameters into an operation's input: `lists` repeat, `numbers` and `bools` are typed,
/// `Dimensions` use the CLI shorthand `Name=X,Value=Y`.
fn query<T: DeserializeOwned>(raw: Option<String>, lists: &[&str], numbers: &[&str], bools: &[&str]) -> AppResult<T> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).map_err(|e| AppError::Request {
        detail: format!("the query string is not understood: {e}"),
    })?;
    let mut obj = serde_json::Map::new();
    for (key, value) in pairs {
        let v = if numbers.contains(&key.as_str()) {
            serde_json::Value::from(value.trim().parse::<i64>().map_err(|_| {
                AppError::validation(
                    key.clone(),
                    format!("`{}` is not a whole number", value.chars().take(40).collect::<String>()),
                )
            })?)
        } else if bools.contains(&key.as_str()) {
            serde_json::Value::from(matches!(value.trim(), "true" | "1" | "yes"))
        } else if key == "Dimensions" {
            let mut dim = serde_json::Map::new();
            for part in value.split(',') {
                let (k, v) = part
                    .split_once('=')
                    .ok_or_else(|| AppError::validation("Dimensions", "write each as Name=InstanceId,Value=i-123 (Value optional)"))?;
                dim.insert(k.trim().to_string(), serde_json::Value::from(v.trim()));
            }
            serde_json::Value::Object(dim)
        } else {
            serde_json::Value::from(value)
        };
        if lists.contains(&key.as_str()) {
            if let serde_json::Value::Array(items) = obj.entry(key).or_insert_with(|| serde_json::Value::Array(vec![])) {
                items.push(v);
            }
        } else {
            obj.insert(key, v);
        }
    }
    serde_path_to_error::deserialize(serde_json::Value::Object(obj)).map_err(|e| AppError::Request {
        detail: format!("the query parameters do not fit this operation: {} at {}", e.inner(), e.path()),
    })
}

/// `POST …/metric-data`: GetMetricData.
async fn metric_data(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Response {
    answer(async { conn(&state, &caller, &raw).await?.get_metric_data(body(&bytes)?).await }.await)
}

/// `GET …/metrics`: ListMetrics.
async fn metrics(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    answer(
        async {
            let input = query(q, &["Dimensions"], &[], &["IncludeLinkedAccounts"])?;
            conn(&state, &caller, &raw).await?.list_metrics(input).await
        }
        .await,
    )
}

/// `GET …/alarms`: DescribeAlarms.
async fn alarms(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    answer(
        async {
            let input = query(q, &["AlarmNames", "AlarmTypes"], &["MaxRecords"], &[])?;
            conn(&state, &caller, &raw).await?.describe_alarms(input).await
        }
        .await,
    )
}

/// `GET …/log-groups`: DescribeLogGroups.
async fn log_groups(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    answer(
        async {
            let input = query(q, &[], &["limit"], &[])?;
            conn(&state, &caller, &raw).await?.describe_log_groups(input).await
        }
        .await,
    )
}

/// `POST …/insights`: StartQuery (times in epoch seconds) → `{"queryId"}`.
async fn start_query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Response {
    answer(async { conn(&state, &caller, &raw).await?.start_query(body(&bytes)?).await }.await)
}

/// `GET …/insights/{id}`: GetQueryResults (status, statistics, rows).
async fn query_results(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((raw, id)): Path<(String, String)>,
) -> Response {
    answer(
        async {
            conn(&state, &caller, &raw)
                .await?
                .get_query_results(QueryIdInput { query_id: id })
                .await
        }
        .await,
    )
}

/// `DELETE …/insights/{id}`: StopQuery.
async fn stop_query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((raw, id)): Path<(String, String)>,
) -> Response {
    answer(async { conn(&state, &caller, &raw).await?.stop_query(QueryIdInput { query_id: id }).await }.await)
}

/// `POST …/log-events`: FilterLogEvents (times in epoch milliseconds).
async fn log_events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Response {
    answer(async { conn(&state, &caller, &raw).await?.filter_log_events(body(&bytes)?).await }.await)
}
