//! `/public/d/{token}/…`: what a public dashboard link opens besides its page (which is a Leptos
//! route, served with the app). The token in the path is the only credential: no session cookie
//! or Bearer header is looked at, so a link behaves the same for anyone who has it (a Slack
//! unfurl, a wall display, a signed-in colleague).
//!
//! - `GET /public/d/{token}/widgets/{index}/png?range=3h[&width=…&height=…&theme=dark]`: one
//!   metric widget of the link's dashboard as a PNG, for a preset range only (anything else in the
//!   query is refused), under the link's rate limit and budget.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use app::backend::dashboards::public;
use app::backend::AppState;
use app::error::AppError;

use super::data::{draw_png, png_answer};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/public/d/{token}/widgets/{index}/png", get(widget_png))
        .with_state(state)
}

/// The query of a public widget image: a preset range and the drawing's size. Nothing else (a
/// `from` or `to` is refused, not ignored, so a link never seems to show what it does not).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicImageQuery {
    #[serde(default)]
    range: String,
    width: Option<u32>,
    height: Option<u32>,
    theme: Option<String>,
}

async fn widget_png(State(state): State<AppState>, Path((token, index)): Path<(String, String)>, RawQuery(q): RawQuery) -> Response {
    let result = async {
        let index: usize = index.parse().map_err(|_| AppError::not_found("that widget"))?;
        let q: PublicImageQuery = serde_urlencoded::from_str(q.as_deref().unwrap_or("")).map_err(|e| AppError::Request {
            detail: format!("the query string is not understood: {e}"),
        })?;
        let content = public::widget_chart(&state.db, &state.telemetry, &state.public_links, &token, &q.range, index).await?;
        draw_png(&content.chart, q.width, q.height, q.theme.as_deref())
    }
    .await;
    png_answer(result).into_response()
}
