//! The one error every source answers with. It keeps CloudWatch's own error code and message so a
//! user reads what AWS said, and classifies it so the app can pick an HTTP status and the proxy can
//! decide to retry.

use serde::{Deserialize, Serialize};

/// Longest message kept from upstream (AWS error text can echo whole requests).
pub const MAX_MESSAGE_CHARS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request is wrong (`ValidationError`, `InvalidParameterValue`,
    /// `InvalidParameterCombination`, `MissingParameter`, `InvalidNextToken`).
    Validation,
    /// A Logs Insights query does not parse (`MalformedQueryException`).
    MalformedQuery,
    /// A named thing does not exist (`ResourceNotFound`, `ResourceNotFoundException`).
    NotFound,
    /// Too many requests per second (`ThrottlingException`, `Throttling`).
    Throttled,
    /// A quota other than rate (`LimitExceededException`: concurrent queries, data points).
    LimitExceeded,
    /// The credentials lack a permission (`AccessDenied`, `AccessDeniedException`).
    AccessDenied,
    /// No usable credentials (expired, revoked, cannot assume the role).
    Credentials,
    /// The endpoint could not be reached or did not answer in time.
    Unavailable,
    /// Not supported by this source or by Watchpost (e.g. a `SQL` query language).
    Unsupported,
    /// Upstream failed on its side (`InternalServiceError`, `ServiceUnavailable`).
    Internal,
}

impl ErrorKind {
    /// The HTTP status the token API answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Validation | ErrorKind::MalformedQuery | ErrorKind::Unsupported => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::AccessDenied => 403,
            ErrorKind::Throttled | ErrorKind::LimitExceeded => 429,
            ErrorKind::Credentials | ErrorKind::Unavailable | ErrorKind::Internal => 502,
        }
    }

    /// Worth retrying after a pause.
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorKind::Throttled | ErrorKind::Unavailable | ErrorKind::Internal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SourceError {
    pub kind: ErrorKind,
    /// CloudWatch's error code (`InvalidParameterValue`, `MalformedQueryException`, ...).
    pub code: String,
    /// CloudWatch's message, capped at [`MAX_MESSAGE_CHARS`].
    pub message: String,
}

impl SourceError {
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.chars().count() > MAX_MESSAGE_CHARS {
            message = message.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…";
        }
        Self {
            kind,
            code: code.into(),
            message,
        }
    }

    /// CloudWatch's `InvalidParameterValue`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, "InvalidParameterValue", message)
    }

    /// CloudWatch's `InvalidParameterCombination`.
    pub fn invalid_combination(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, "InvalidParameterCombination", message)
    }

    /// CloudWatch's `MissingParameter`.
    pub fn missing_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, "MissingParameter", message)
    }

    /// CloudWatch Logs' `InvalidParameterException`.
    pub fn logs_invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, "InvalidParameterException", message)
    }

    /// CloudWatch's `ResourceNotFound` (alarms, dashboards) or Logs' `ResourceNotFoundException`.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn malformed_query(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::MalformedQuery, "MalformedQueryException", message)
    }

    pub fn throttled(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Throttled, "ThrottlingException", message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceeded, "LimitExceededException", message)
    }

    /// `AccessDenied` naming the IAM action that was missing (`logs:StartQuery`).
    pub fn access_denied(action: &str) -> Self {
        Self::new(
            ErrorKind::AccessDenied,
            "AccessDeniedException",
            format!("not authorized to perform: {action}"),
        )
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, "UnsupportedOperation", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, "InternalServiceError", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_upstream_text_is_capped() {
        let e = SourceError::internal("x".repeat(5_000));
        assert_eq!(e.message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(e.kind.http_status(), 502);
    }
}
