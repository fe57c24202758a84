//! Shared helpers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_source::{AwsSource, AwsSourceConfig, Credentials, Timeouts};
use cloudwatch::CallContext;

pub const REGION: &str = "us-east-1";

/// A name no other test (or earlier run against the same emulator) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn cx() -> CallContext {
    CallContext::new("tester@example.com")
}

/// `MINISTACK_URL`, or `None` when `WATCHPOST_SKIP_MINISTACK=1` asks to skip. Otherwise a missing
/// URL fails the test: CI must never skip these silently.
pub fn ministack_url() -> Option<String> {
    match std::env::var("MINISTACK_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().trim_end_matches('/').to_string()),
        _ if std::env::var("WATCHPOST_SKIP_MINISTACK").as_deref() == Ok("1") => {
            eprintln!("skipped: WATCHPOST_SKIP_MINISTACK=1 and no MINISTACK_URL");
            None
        }
        _ => panic!(
            "MINISTACK_URL is not set. Start the emulator first: `export \"$(scripts/ministack start)\"` \
             (and `scripts/ministack stop` afterwards), or set WATCHPOST_SKIP_MINISTACK=1 to skip the emulator tests."
        ),
    }
}

/// The emulator's URL, or return from the test when skipping was asked for.
macro_rules! ministack_or_skip {
    () => {
        match crate::common::ministack_url() {
            Some(url) => url,
            None => return,
        }
    };
}
pub(crate) use ministack_or_skip;

pub fn static_credentials(key: &str) -> Credentials {
    Credentials::Static {
        access_key_id: key.into(),
        secret_access_key: "test-secret".into(),
        session_token: None,
    }
}

/// An AWS source pointed at `endpoint` with static credentials.
pub async fn source_at(endpoint: &str, credentials: Credentials, timeouts: Timeouts) -> AwsSource {
    let config = AwsSourceConfig {
        connection: "test".into(),
        region: REGION.into(),
        endpoint_url: Some(endpoint.to_string()),
        credentials,
        timeouts,
    };
    match AwsSource::new(config).await {
        Ok(source) => source,
        Err(e) => panic!("AwsSource::new failed: {e}"),
    }
}

fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

fn sdk_credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("test", "test", None, None, "tests")
}

/// A plain CloudWatch SDK client for setting the emulator up (PutMetricData, PutMetricAlarm, ...).
pub fn raw_cloudwatch(url: &str) -> aws_sdk_cloudwatch::Client {
    let conf = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatch::config::Region::new(REGION))
        .endpoint_url(url)
        .credentials_provider(sdk_credentials())
        .http_client(http_client())
        .build();
    aws_sdk_cloudwatch::Client::from_conf(conf)
}

/// A plain CloudWatch Logs SDK client for setting the emulator up.
pub fn raw_logs(url: &str) -> aws_sdk_cloudwatchlogs::Client {
    let conf = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatchlogs::config::Region::new(REGION))
        .endpoint_url(url)
        .credentials_provider(sdk_credentials())
        .http_client(http_client())
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(conf)
}

/// Unwraps a result, showing the error (clippy's unwrap_used is on in this workspace).
pub trait Must<T> {
    fn must(self, what: &str) -> T;
}

impl<T, E: std::error::Error> Must<T> for Result<T, E> {
    #[track_caller]
    fn must(self, what: &str) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{what}: {}", aws_smithy_types::error::display::DisplayErrorContext(&e)),
        }
    }
}

impl<T> Must<T> for Option<T> {
    #[track_caller]
    fn must(self, what: &str) -> T {
        match self {
            Some(v) => v,
            None => panic!("{what}: None"),
        }
    }
}
