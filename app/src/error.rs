//! The one error type shared by browser and server.
//!
//! Every server function and every JSON endpoint returns [`AppError`]. Its messages are written for
//! the person at the screen. Internal detail (database errors, cause chains) is logged on the
//! server and never serialised: the browser only ever sees an opaque reference to the log line.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

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
    Forbidden { needed: String, have: String },
    #[error("Request refused: it came from another site")]
    CrossOrigin,
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("{message}")]
    Conflict { message: String },
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    #[error("CloudWatch said: {message}")]
    Upstream { message: String },
    #[error("Something went wrong on the server (reference {reference})")]
    Internal { reference: String },
    #[error("The server could not be reached or did not understand the request: {message}")]
    Request { message: String },
}

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
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
            Self::Forbidden { .. } | Self::CrossOrigin => S::FORBIDDEN,
            Self::Validation { .. } => S::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } => S::CONFLICT,
            Self::TooManyRequests { .. } => S::TOO_MANY_REQUESTS,
            Self::Upstream { .. } => S::BAD_GATEWAY,
            Self::Internal { .. } => S::INTERNAL_SERVER_ERROR,
            Self::Request { .. } => S::BAD_REQUEST,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Server-side failures of the server-fn machinery itself are internal: their text can
            // name types and paths. Everything else is about the request and safe to show.
            ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::Registration(_) => Self::Internal {
                reference: "server-fn".into(),
            },
            other => Self::Request {
                message: other.to_string(),
            },
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    /// JSON endpoints (`/auth/*`, `/api/v1/*`) answer `{"error": {...}}` with the right status.
    fn into_response(self) -> axum::response::Response {
        let status = self.status();
        let mut res = (
            status,
            axum::Json(serde_json::json!({ "error": self, "message": self.to_string() })),
        )
            .into_response();
        if let Self::TooManyRequests { retry_after_secs, .. } = &self {
            if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(http::header::RETRY_AFTER, v);
            }
        }
        res
    }
}
