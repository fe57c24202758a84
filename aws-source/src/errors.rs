//! SDK errors → [`SourceError`], keeping AWS's error code and message.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use cloudwatch::{ErrorKind, SourceError};

/// Which IAM action a call needs, and which endpoint it goes to (for messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    /// `cloudwatch:GetMetricData`, `logs:StartQuery`.
    pub action: &'static str,
    pub endpoint: &'a str,
}

/// The kind for an AWS error code (`ValidationError`, `AccessDeniedException`, ...).
pub fn kind_for_code(code: &str) -> ErrorKind {
    match code {
        "ValidationError"
        | "ValidationException"
        | "InvalidParameterValue"
        | "InvalidParameterValueException"
        | "InvalidParameterCombination"
        | "InvalidParameterCombinationException"
        | "MissingParameter"
        | "MissingRequiredParameterException"
        | "InvalidNextToken"
        | "InvalidParameterException"
        | "InvalidParameterInput"
        | "DashboardInvalidInputError"
        | "InvalidFormat"
        | "InvalidFormatFault"
        | "InvalidOperationException"
        | "InvalidSequenceTokenException"
        | "DataAlreadyAcceptedException"
        | "SerializationException"
        | "InvalidQueryException" => ErrorKind::Validation,
        "MalformedQueryException" => ErrorKind::MalformedQuery,
        "ResourceNotFound" | "ResourceNotFoundException" | "DashboardNotFoundError" => ErrorKind::NotFound,
        "Throttling" | "ThrottlingException" | "ThrottledException" | "TooManyRequestsException" | "RequestLimitExceeded" => {
            ErrorKind::Throttled
        }
        "LimitExceeded" | "LimitExceededException" | "LimitExceededFault" | "ServiceQuotaExceededException" => ErrorKind::LimitExceeded,
        "AccessDenied" | "AccessDeniedException" => ErrorKind::AccessDenied,
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidAccessKeyId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "IncompleteSignatureException"
        | "MissingAuthenticationToken"
        | "MissingAuthenticationTokenException"
        | "AuthFailure"
        | "RequestExpired" => ErrorKind::Credentials,
        "UnsupportedOperation" | "UnsupportedOperationException" => ErrorKind::Unsupported,
        _ => ErrorKind::Internal,
    }
}

/// `com.amazonaws.cloudwatch#ResourceNotFound:http://...` → `ResourceNotFound`.
fn bare_code(code: &str) -> &str {
    let code = code.rsplit('#').next().unwrap_or(code);
    code.split(':').next().unwrap_or(code).trim()
}

/// A service's own error: its code (from the wire, or the modeled error's name) and message.
pub(crate) fn service_error<E>(err: &E, call: Call<'_>) -> SourceError
where
    E: ProvideErrorMetadata + StdError,
{
    let shown = err.to_string();
    let code = match err.code() {
        Some(code) => bare_code(code).to_string(),
        // A modeled error built without metadata still displays as `TypeName: message`.
        None => {
            let head = shown.split(':').next().unwrap_or("").trim();
            if !head.is_empty() && head.chars().all(|c| c.is_ascii_alphanumeric()) && head != "unhandled" {
                head.to_string()
            } else {
                // No code at all (e.g. an answer that could not be decoded): say what went wrong.
                return SourceError::internal(format!(
                    "{} gave an answer that could not be read ({}): {}",
                    call.endpoint,
                    call.action,
                    short(&DisplayErrorContext(err).to_string())
                ));
            }
        }
    };
    let message = err.message().map(str::to_string).unwrap_or_else(|| {
        let prefix = format!("{code}: ");
        shown.strip_prefix(&prefix).unwrap_or(&shown).to_string()
    });
    from_code(&code, message, call)
}

/// An error code and message, classified, with the IAM action named on access denials.
pub(crate) fn from_code(code: &str, message: String, call: Call<'_>) -> SourceError {
    let kind = kind_for_code(code);
    let message = if kind == ErrorKind::AccessDenied {
        name_the_action(message, call.action)
    } else {
        message
    };
    SourceError::new(kind, code, message)
}

/// AWS's AccessDenied text usually says `not authorized to perform: logs:StartQuery`; when it does
/// not, say which action is needed.
pub(crate) fn name_the_action(message: String, action: &str) -> String {
    if message.to_ascii_lowercase().contains(&action.to_ascii_lowercase()) {
        message
    } else if message.trim().is_empty() {
        format!("access denied (needs {action})")
    } else {
        format!("{} (needs {action})", message.trim_end())
    }
}

/// Every SDK failure: service errors keep their code; credential failures, unreachable endpoints,
/// timeouts and unreadable answers are classified here. Never panics.
pub(crate) fn map_sdk_error<E, R>(err: SdkError<E, R>, call: Call<'_>) -> SourceError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    if let Some(creds) = credentials_failure(&err) {
        return creds;
    }
    match &err {
        SdkError::ServiceError(ctx) => service_error(ctx.err(), call),
        SdkError::TimeoutError(_) => SourceError::new(
            ErrorKind::Unavailable,
            "RequestTimeout",
            format!("{} did not answer in time ({})", call.endpoint, call.action),
        ),
        SdkError::DispatchFailure(failure) => {
            let (code, what) = if failure.is_timeout() {
                ("RequestTimeout", "did not answer in time")
            } else if failure.is_io() {
                ("ConnectionError", "could not be reached")
            } else {
                ("DispatchFailure", "could not be called")
            };
            SourceError::new(
                ErrorKind::Unavailable,
                code,
                match failure.as_connector_error() {
                    Some(e) => format!("{} {what}: {}", call.endpoint, short(&DisplayErrorContext(e).to_string())),
                    None => format!("{} {what}", call.endpoint),
                },
            )
        }
        SdkError::ConstructionFailure(_) => {
            let text = DisplayErrorContext(&err).to_string();
            if chain(&err).any(|e| e.is::<aws_smithy_types::error::operation::BuildError>()) {
                SourceError::new(ErrorKind::Validation, "MissingParameter", short(&text))
            } else {
                SourceError::internal(format!("could not build the {} request: {}", call.action, short(&text)))
            }
        }
        SdkError::ResponseError(_) => SourceError::internal(format!(
            "{} gave an answer that could not be read ({}): {}",
            call.endpoint,
            call.action,
            short(&DisplayErrorContext(&err).to_string())
        )),
        _ => SourceError::internal(short(&DisplayErrorContext(&err).to_string())),
    }
}

/// The error and its sources, outermost first.
fn chain<'a>(err: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e| (*e).source())
}

/// A credentials provider failed (no credentials, AssumeRole refused, expired SSO token, ...).
fn credentials_failure(err: &(dyn StdError + 'static)) -> Option<SourceError> {
    let creds = chain(err).find_map(|e| e.downcast_ref::<CredentialsError>())?;
    let code = match creds {
        CredentialsError::CredentialsNotLoaded(_) => "NoCredentials".to_string(),
        CredentialsError::ProviderTimedOut(_) => "CredentialsTimeout".to_string(),
        CredentialsError::InvalidConfiguration(_) => "InvalidCredentialsConfiguration".to_string(),
        // STS's own code when it refused (AccessDenied on sts:AssumeRole, ExpiredToken, ...).
        _ => chain(creds)
            .find_map(|e| e.downcast_ref::<aws_sdk_sts::operation::assume_role::AssumeRoleError>())
            .and_then(|e| e.code().map(|c| bare_code(c).to_string()))
            .unwrap_or_else(|| "CredentialsError".to_string()),
    };
    Some(SourceError::new(
        ErrorKind::Credentials,
        code,
        short(&DisplayErrorContext(creds).to_string()),
    ))
}

/// Error chains can be long; the first 300 characters say what happened.
fn short(text: &str) -> String {
    const MAX: usize = 300;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        text.chars().take(MAX).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: Call<'static> = Call {
        action: "logs:StartQuery",
        endpoint: "https://logs.us-east-1.amazonaws.com",
    };

    #[test]
    fn codes_classify_as_documented() {
        for (code, kind) in [
            ("ValidationError", ErrorKind::Validation),
            ("InvalidParameterValue", ErrorKind::Validation),
            ("InvalidParameterCombination", ErrorKind::Validation),
            ("MissingParameter", ErrorKind::Validation),
            ("InvalidNextToken", ErrorKind::Validation),
            ("InvalidParameterException", ErrorKind::Validation),
            ("MalformedQueryException", ErrorKind::MalformedQuery),
            ("ResourceNotFound", ErrorKind::NotFound),
            ("ResourceNotFoundException", ErrorKind::NotFound),
            ("Throttling", ErrorKind::Throttled),
            ("ThrottlingException", ErrorKind::Throttled),
            ("LimitExceeded", ErrorKind::LimitExceeded),
            ("LimitExceededException", ErrorKind::LimitExceeded),
            ("AccessDenied", ErrorKind::AccessDenied),
            ("AccessDeniedException", ErrorKind::AccessDenied),
            ("InvalidClientTokenId", ErrorKind::Credentials),
            ("UnrecognizedClientException", ErrorKind::Credentials),
            ("ExpiredToken", ErrorKind::Credentials),
            ("ExpiredTokenException", ErrorKind::Credentials),
            ("InternalServiceError", ErrorKind::Internal),
            ("ServiceUnavailable", ErrorKind::Internal),
            ("SomethingNew", ErrorKind::Internal),
        ] {
            assert_eq!(kind_for_code(code), kind, "{code}");
        }
    }

    #[test]
    fn access_denied_names_the_action() {
        let e = from_code(
            "AccessDeniedException",
            "User: x is not authorized to perform: logs:StartQuery".into(),
            CALL,
        );
        assert_eq!(e.message, "User: x is not authorized to perform: logs:StartQuery");
        let e = from_code("AccessDeniedException", "Access denied".into(), CALL);
        assert_eq!(e.message, "Access denied (needs logs:StartQuery)");
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert_eq!(e.code, "AccessDeniedException");
        assert_eq!(
            from_code("AccessDenied", String::new(), CALL).message,
            "access denied (needs logs:StartQuery)"
        );
    }

    #[test]
    fn shape_ids_are_reduced_to_the_code() {
        assert_eq!(bare_code("com.amazonaws.cloudwatch#ResourceNotFound"), "ResourceNotFound");
        assert_eq!(bare_code("ThrottlingException:http://internal.amazon.com/"), "ThrottlingException");
        assert_eq!(bare_code("AccessDenied"), "AccessDenied");
    }
}
