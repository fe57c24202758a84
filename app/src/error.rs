//! The one error type shared by browser and server.
//!
//! Every server function and every JSON endpoint returns [`AppError`]. Its messages are written for
//! the person at the screen. Internal detail (database errors, cause chains) is logged on the
//! server and never serialised: the browser only ever sees an opaque reference to the log line.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::Bytes;
use serde::{Deserialize, Serialize};

use crate::domain::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("{what} was not found")]
    NotFound { what: String },
    #[error("Your session has ended — sign in again to continue")]
    Unauthorized,
    #[error("Wrong email or password")]
    InvalidCredentials,
    #[error("This needs the {needed} role; you are signed in as {have}")]
    Forbidden { needed: Role, have: Role },
    #[error("This account is deactivated. Ask an admin to reactivate it.")]
    Deactivated,
    #[error("This needs a signed-in browser session; an API token cannot do it")]
    SessionRequired,
    #[error("Request refused: it came from another site")]
    CrossOrigin,
    #[error("{field}: {problem}")]
    Validation { field: String, problem: String },
    #[error("{message}")]
    Conflict { message: String },
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    #[error("{message}")]
    Busy { message: String, retry_after_secs: u64 },
    /// CloudWatch (or the demo world, which answers as CloudWatch does) refused or failed; its own
    /// error code and (capped) message are kept for the person reading.
    #[error("CloudWatch said {code}: {detail}")]
    Upstream { code: String, detail: String, status: u16 },
    #[error("Something went wrong on the server (reference {reference})")]
    Internal { reference: String },
    #[error("The server could not be reached or did not understand the request: {detail}")]
    Request { detail: String },
}

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            problem: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            Self::NotFound { .. } => S::NOT_FOUND,
            Self::Unauthorized | Self::InvalidCredentials => S::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::Deactivated | Self::SessionRequired | Self::CrossOrigin => S::FORBIDDEN,
            Self::Validation { .. } => S::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } => S::CONFLICT,
            Self::TooManyRequests { .. } => S::TOO_MANY_REQUESTS,
            Self::Busy { .. } => S::SERVICE_UNAVAILABLE,
            Self::Upstream { status, .. } => S::from_u16(*status).unwrap_or(S::BAD_GATEWAY),
            Self::Internal { .. } => S::INTERNAL_SERVER_ERROR,
            Self::Request { .. } => S::BAD_REQUEST,
        }
    }

    /// Seconds to wait before trying again, for the `Retry-After` header.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_secs, .. } | Self::Busy { retry_after_secs, .. } => Some(*retry_after_secs),
            Self::Upstream { status: 429, .. } => Some(1),
            _ => None,
        }
    }

    /// The one JSON shape of every error Watchpost answers, from server functions and plain
    /// routes alike: the error's fields (`kind`, …) and its `message`, the whole sentence a
    /// person reads. (No variant has a field of that name, so nothing is overwritten.)
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({"kind": "internal"}));
        if let Some(obj) = value.as_object_mut() {
            obj.insert("message".into(), self.to_string().into());
        }
        value
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// The shared shape (see [`AppError::to_json`]); decoding ignores the extra `message`.
    fn ser(&self) -> Bytes {
        Bytes::from(self.to_json().to_string())
    }

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Server-side failures of the server-fn machinery itself are internal: their text can
            // name types and paths. Everything else is about the request and safe to show.
            ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::Registration(_) => Self::Internal {
                reference: "server-fn".into(),
            },
            other => Self::Request { detail: other.to_string() },
        }
    }
}

#[cfg(feature = "ssr")]
impl From<cloudwatch::SourceError> for AppError {
    fn from(e: cloudwatch::SourceError) -> Self {
        Self::Upstream {
            status: e.kind.http_status(),
            code: e.code,
            detail: e.message,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    /// Plain routes (`/auth/*`, `/api/v1/*`, `/hooks/*`) answer the same JSON as server functions,
    /// with the right status (and `Retry-After` when there is one).
    fn into_response(self) -> axum::response::Response {
        let mut res = (self.status(), axum::Json(self.to_json())).into_response();
        if let Some(secs) = self.retry_after_secs() {
            res.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one JSON shape every error is answered with, one of each kind. Clients (the browser
    /// bundle, scripts on `/api/v1`) parse this: a change here is a change of the API.
    #[test]
    fn every_error_has_one_json_shape() {
        let all = [
            AppError::not_found("that dashboard"),
            AppError::Unauthorized,
            AppError::InvalidCredentials,
            AppError::Forbidden {
                needed: Role::Admin,
                have: Role::Editor,
            },
            AppError::Deactivated,
            AppError::SessionRequired,
            AppError::CrossOrigin,
            AppError::validation("email", "needs an @"),
            AppError::conflict("an account for a@b.c already exists"),
            AppError::TooManyRequests {
                message: "Too many failed sign-ins.".into(),
                retry_after_secs: 60,
            },
            AppError::Busy {
                message: "busy".into(),
                retry_after_secs: 1,
            },
            AppError::from(cloudwatch::SourceError::throttled("Rate exceeded")),
            AppError::from(cloudwatch::SourceError::access_denied("logs:StartQuery")),
            AppError::Internal {
                reference: "0123456789ab".into(),
            },
            AppError::Request {
                detail: "missing field `role`".into(),
            },
        ];
        let shapes: Vec<serde_json::Value> = all
            .iter()
            .map(|e| serde_json::json!({"status": e.status().as_u16(), "body": e.to_json()}))
            .collect();
        // Keys sorted: whether serde_json keeps insertion order depends on features other crates
        // of the build switch on.
        insta::with_settings!({sort_maps => true}, {
            insta::assert_json_snapshot!(shapes);
        });
        for e in &all {
            let back: AppError = serde_json::from_value(e.to_json()).expect("the shape decodes back");
            assert_eq!(&back, e);
        }
    }
}
