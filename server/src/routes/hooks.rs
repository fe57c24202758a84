//! Hooks: endpoints other systems call (SNS notifications of CloudWatch alarms, from the
//! incidents issue). Their own check is the message's signature and the endpoint's token —
//! never a session or a Bearer token — so they live apart. None are defined yet: everything
//! under `/hooks` answers 404 in the shared JSON error shape.

use axum::response::IntoResponse;
use axum::Router;

use app::error::AppError;

pub fn router() -> Router {
    Router::new().fallback(|| async { AppError::not_found("that hook").into_response() })
}
