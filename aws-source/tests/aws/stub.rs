//! A recording HTTP stub on 127.0.0.1 that speaks just enough of each protocol: CloudWatch's
//! Smithy RPC v2 CBOR (empty answers), CloudWatch Logs' JSON 1.1, and STS's query/XML AssumeRole.
//! Tests check what the SDK sent (SigV4, session names, assumed credentials) and how answers map.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_source::{test_connection, AwsSource, AwsSourceConfig, Credentials, Timeouts};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use cloudwatch::alarms::DescribeAlarmsInput;
use cloudwatch::logs::{DescribeLogGroupsInput, StartQueryInput};
use cloudwatch::metrics::ListMetricsInput;
use cloudwatch::{CallContext, ErrorKind, Source};
use time::OffsetDateTime;

use crate::common::{cx, source_at, static_credentials, Must, REGION};

/// One request as the stub saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub service: Service,
    /// `ListMetrics`, `StartQuery`, `AssumeRole`.
    pub operation: String,
    pub headers: BTreeMap<String, String>,
    pub body: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    CloudWatch,
    Logs,
    Sts,
    Unknown,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// `Credential=<key>/<date>/<region>/<service>/aws4_request` from the Authorization header.
    fn credential_scope(&self) -> Option<Vec<String>> {
        let auth = self.header("authorization")?;
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256 Credential=")?;
        Some(rest.split(',').next()?.split('/').map(str::to_string).collect())
    }

    /// The form fields of a query-protocol (STS) request.
    fn form(&self) -> BTreeMap<String, String> {
        String::from_utf8_lossy(&self.body)
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (url_decode(k), url_decode(v)))
            .collect()
    }
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Overrides the default answer for some requests (`None`: answer as usual).
pub type Responder = dyn Fn(&Recorded) -> Option<Response<Body>> + Send + Sync;

pub struct Stub {
    pub url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

struct StubState {
    recorded: Arc<Mutex<Vec<Recorded>>>,
    responder: Box<Responder>,
    sts_expires_in: time::Duration,
    /// Answer this operation only after this long.
    slow: Option<(String, Duration)>,
}

impl Stub {
    pub async fn start(responder: impl Fn(&Recorded) -> Option<Response<Body>> + Send + Sync + 'static) -> Self {
        Self::start_with(responder, time::Duration::hours(1), None).await
    }

    /// `sts_expires_in`: how long the credentials AssumeRole hands out are valid.
    pub async fn start_with(
        responder: impl Fn(&Recorded) -> Option<Response<Body>> + Send + Sync + 'static,
        sts_expires_in: time::Duration,
        slow: Option<(String, Duration)>,
    ) -> Self {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(StubState {
            recorded: recorded.clone(),
            responder: Box::new(responder),
            sts_expires_in,
            slow,
        });
        let app = axum::Router::new().fallback(handle).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.must("bind the stub");
        let url = format!("http://{}", listener.local_addr().must("stub address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, recorded }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn requests_for(&self, service: Service, operation: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.service == service && r.operation == operation)
            .collect()
    }
}

async fn handle(State(state): State<Arc<StubState>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response<Body> {
    let headers: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let (service, operation) = if let Some(target) = headers.get("x-amz-target") {
        (Service::Logs, target.rsplit('.').next().unwrap_or_default().to_string())
    } else if let Some(op) = uri.path().strip_prefix("/service/GraniteServiceVersion20100801/operation/") {
        (Service::CloudWatch, op.to_string())
    } else if method == Method::POST && String::from_utf8_lossy(&body).contains("Action=AssumeRole") {
        (Service::Sts, "AssumeRole".to_string())
    } else {
        (Service::Unknown, uri.path().to_string())
    };
    let request = Recorded {
        service,
        operation,
        headers,
        body,
    };
    if let Ok(mut recorded) = state.recorded.lock() {
        recorded.push(request.clone());
    }
    if let Some((operation, delay)) = &state.slow {
        if *operation == request.operation {
            tokio::time::sleep(*delay).await;
        }
    }
    if let Some(response) = (state.responder)(&request) {
        return response;
    }
    match request.service {
        Service::Logs => logs_json(200, default_logs_answer(&request.operation)),
        Service::CloudWatch => cbor(200, vec![0xa0]),
        Service::Sts => assume_role_answer(&request, state.sts_expires_in),
        Service::Unknown => respond(404, "text/plain", "unknown request".into()),
    }
}

fn respond(status: u16, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        response.headers_mut().insert("content-type", v);
    }
    response
}

pub fn logs_json(status: u16, body: String) -> Response<Body> {
    respond(status, "application/x-amz-json-1.1", body.into_bytes())
}

pub fn cbor(status: u16, body: Vec<u8>) -> Response<Body> {
    let mut response = respond(status, "application/cbor", body);
    response
        .headers_mut()
        .insert("smithy-protocol", axum::http::HeaderValue::from_static("rpc-v2-cbor"));
    response
}

/// A CBOR map of text to text (all the CloudWatch error shape needs).
pub fn cbor_text_map(entries: &[(&str, &str)]) -> Vec<u8> {
    fn head(out: &mut Vec<u8>, major: u8, len: usize) {
        match len {
            0..=23 => out.push((major << 5) | len as u8),
            24..=255 => out.extend([(major << 5) | 24, len as u8]),
            _ => {
                out.push((major << 5) | 25);
                out.extend((len as u16).to_be_bytes());
            }
        }
    }
    let mut out = Vec::new();
    head(&mut out, 5, entries.len());
    for (k, v) in entries {
        for s in [k, v] {
            head(&mut out, 3, s.len());
            out.extend(s.as_bytes());
        }
    }
    out
}

fn default_logs_answer(operation: &str) -> String {
    match operation {
        "DescribeLogGroups" => r#"{"logGroups":[{"logGroupName":"/stub/app","arn":"arn:aws:logs:us-east-1:123456789012:log-group:/stub/app:*","creationTime":1700000000000}]}"#.into(),
        "StartQuery" => r#"{"queryId":"q-1"}"#.into(),
        "StopQuery" => r#"{"success":true}"#.into(),
        _ => "{}".into(),
    }
}

pub const ASSUMED_KEY: &str = "ASIAASSUMEDKEY";
pub const ASSUMED_TOKEN: &str = "assumed-session-token";

fn assume_role_answer(request: &Recorded, expires_in: time::Duration) -> Response<Body> {
    let expiration = (OffsetDateTime::now_utc() + expires_in)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let session = request.form().get("RoleSessionName").cloned().unwrap_or_default();
    let body = format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/watchpost/{session}</Arn>
      <AssumedRoleId>AROAEXAMPLE:{session}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{ASSUMED_KEY}</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>{ASSUMED_TOKEN}</SessionToken>
      <Expiration>{expiration}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#
    );
    respond(200, "text/xml", body.into_bytes())
}

fn today() -> String {
    let d = OffsetDateTime::now_utc().date();
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn assert_scope(r: &Recorded, key: &str, service: &str) {
    let scope = r.credential_scope().unwrap_or_else(|| panic!("no SigV4 Authorization on {r:?}"));
    // The date may have rolled over midnight between the request and now; accept either day.
    let date_ok = scope
        .get(1)
        .is_some_and(|d| d.len() == 8 && (d == &today() || r.header("x-amz-date").is_some_and(|x| x.starts_with(d.as_str()))));
    assert!(date_ok, "{scope:?}");
    assert_eq!(
        (scope[0].as_str(), scope[2].as_str(), scope[3].as_str(), scope[4].as_str()),
        (key, REGION, service, "aws4_request"),
        "{:?}",
        r.header("authorization")
    );
    let auth = r.header("authorization").unwrap_or_default();
    assert!(auth.contains("SignedHeaders=") && auth.contains("Signature="), "{auth}");
    assert!(auth.contains("host") && auth.contains("x-amz-date"), "{auth}");
}

#[tokio::test]
async fn requests_are_sigv4_signed_for_monitoring_and_logs() {
    let stub = Stub::start(|_| None).await;
    let source = source_at(&stub.url, static_credentials("AKIDSTUBSIGN"), Timeouts::default()).await;
    source.list_metrics(&cx(), ListMetricsInput::default()).await.must("ListMetrics");
    source
        .describe_log_groups(&cx(), DescribeLogGroupsInput::default())
        .await
        .must("DescribeLogGroups");

    let cw = stub.requests_for(Service::CloudWatch, "ListMetrics");
    let logs = stub.requests_for(Service::Logs, "DescribeLogGroups");
    assert_eq!((cw.len(), logs.len()), (1, 1), "{:?}", stub.requests());
    assert_scope(&cw[0], "AKIDSTUBSIGN", "monitoring");
    assert_scope(&logs[0], "AKIDSTUBSIGN", "logs");
    // CloudWatch speaks Smithy RPC v2 CBOR.
    assert_eq!(cw[0].header("smithy-protocol"), Some("rpc-v2-cbor"));
    // Static keys without a session token send none.
    assert_eq!(cw[0].header("x-amz-security-token"), None);

    let with_token = source_at(
        &stub.url,
        Credentials::Static {
            access_key_id: "ASIASTATIC".into(),
            secret_access_key: "s".into(),
            session_token: Some("static-token".into()),
        },
        Timeouts::default(),
    )
    .await;
    with_token
        .describe_log_groups(&cx(), DescribeLogGroupsInput::default())
        .await
        .must("DescribeLogGroups");
    let last = stub.requests_for(Service::Logs, "DescribeLogGroups").pop().must("a second request");
    assert_scope(&last, "ASIASTATIC", "logs");
    assert_eq!(last.header("x-amz-security-token"), Some("static-token"));
}

async fn assume_role_source(stub: &Stub, external_id: Option<&str>) -> AwsSource {
    let config = AwsSourceConfig {
        connection: "assumed".into(),
        region: REGION.into(),
        endpoint_url: Some(stub.url.clone()),
        credentials: Credentials::AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/watchpost".into(),
            external_id: external_id.map(str::to_string),
            base: Box::new(static_credentials("AKIDBASEKEY")),
        },
        timeouts: Timeouts::default(),
    };
    AwsSource::with_sts_endpoint(config, Some(stub.url.clone())).await.must("AwsSource")
}

#[tokio::test]
async fn assume_role_names_the_session_after_the_principal() {
    let stub = Stub::start(|_| None).await;
    let source = assume_role_source(&stub, Some("ext-123")).await;
    let ana = CallContext::new("Ana María@example.com");
    source
        .describe_alarms(&ana, DescribeAlarmsInput::default())
        .await
        .must("DescribeAlarms as Ana");
    source
        .list_metrics(&ana, ListMetricsInput::default())
        .await
        .must("ListMetrics as Ana");

    let sts = stub.requests_for(Service::Sts, "AssumeRole");
    assert_eq!(sts.len(), 1, "one AssumeRole, then the cached credentials: {sts:?}");
    let form = sts[0].form();
    assert_eq!(
        form.get("RoleSessionName").map(String::as_str),
        Some("watchpost-Ana_Mar_a@example.com")
    );
    assert_eq!(form.get("ExternalId").map(String::as_str), Some("ext-123"));
    assert_eq!(
        form.get("RoleArn").map(String::as_str),
        Some("arn:aws:iam::123456789012:role/watchpost")
    );
    // STS itself is called with the base credentials.
    assert_scope(&sts[0], "AKIDBASEKEY", "sts");

    // CloudWatch is called with the assumed ones.
    for op in ["DescribeAlarms", "ListMetrics"] {
        let calls = stub.requests_for(Service::CloudWatch, op);
        assert_eq!(calls.len(), 1, "{op}");
        assert_scope(&calls[0], ASSUMED_KEY, "monitoring");
        assert_eq!(calls[0].header("x-amz-security-token"), Some(ASSUMED_TOKEN), "{op}");
    }

    // Another principal gets their own session.
    source
        .describe_alarms(&CallContext::new("bob"), DescribeAlarmsInput::default())
        .await
        .must("as bob");
    let sessions: Vec<String> = stub
        .requests_for(Service::Sts, "AssumeRole")
        .iter()
        .filter_map(|r| r.form().get("RoleSessionName").cloned())
        .collect();
    assert_eq!(sessions, ["watchpost-Ana_Mar_a@example.com", "watchpost-bob"]);
}

#[tokio::test]
async fn assume_role_without_external_id_sends_none() {
    let stub = Stub::start(|_| None).await;
    let source = assume_role_source(&stub, None).await;
    source
        .list_metrics(&CallContext::system(), ListMetricsInput::default())
        .await
        .must("ListMetrics");
    let sts = stub.requests_for(Service::Sts, "AssumeRole");
    assert_eq!(sts.len(), 1);
    assert_eq!(sts[0].form().get("ExternalId"), None);
    assert_eq!(
        sts[0].form().get("RoleSessionName").map(String::as_str),
        Some("watchpost-watchpost")
    );
}

#[tokio::test]
async fn assumed_credentials_are_refreshed_before_they_expire() {
    // Credentials valid for 5 more seconds are inside the identity cache's refresh window
    // (10 s before expiry, less up to 5 s jitter): the next call assumes the role again even
    // though they have not expired yet.
    let stub = Stub::start_with(|_| None, time::Duration::seconds(5), None).await;
    let source = assume_role_source(&stub, None).await;
    source.list_metrics(&cx(), ListMetricsInput::default()).await.must("first call");
    source.list_metrics(&cx(), ListMetricsInput::default()).await.must("second call");
    assert_eq!(stub.requests_for(Service::Sts, "AssumeRole").len(), 2);
}

#[tokio::test]
async fn a_refused_assume_role_is_a_credentials_error() {
    let stub = Stub::start(|r| {
        (r.service == Service::Sts).then(|| {
            respond(
                403,
                "text/xml",
                br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/base is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/watchpost</Message></Error><RequestId>r</RequestId></ErrorResponse>"#.to_vec(),
            )
        })
    })
    .await;
    let source = assume_role_source(&stub, None).await;
    let err = source.list_metrics(&cx(), ListMetricsInput::default()).await.err().must("refused");
    assert_eq!(err.kind, ErrorKind::Credentials, "{err:?}");
    assert_eq!(err.code, "AccessDenied");
    assert!(err.message.contains("sts:AssumeRole"), "{}", err.message);
    assert!(
        stub.requests_for(Service::CloudWatch, "ListMetrics").is_empty(),
        "no unsigned call went out"
    );
}

#[tokio::test]
async fn rejected_keys_are_a_credentials_error() {
    let stub = Stub::start(|r| {
        (r.service == Service::Logs).then(|| {
            logs_json(
                400,
                r#"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#.into(),
            )
        })
    })
    .await;
    let source = source_at(&stub.url, static_credentials("AKIDREVOKED"), Timeouts::default()).await;
    let err = source
        .describe_log_groups(&cx(), DescribeLogGroupsInput::default())
        .await
        .err()
        .must("rejected");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Credentials, "UnrecognizedClientException"),
        "{err:?}"
    );
    assert!(err.message.contains("security token"), "{}", err.message);
}

const DENY_START_QUERY: &str = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/test is not authorized to perform: logs:StartQuery on resource: arn:aws:logs:us-east-1:123456789012:log-group:/stub/app:* because no identity-based policy allows the logs:StartQuery action"}"#;

#[tokio::test]
async fn test_connection_names_the_one_denied_action() {
    // The issue's acceptance line: "Test connection against a stub that denies only
    // logs:StartQuery names logs:StartQuery."
    let stub = Stub::start(|r| {
        (r.service == Service::Logs && r.header("x-amz-target") == Some("Logs_20140328.StartQuery"))
            .then(|| logs_json(400, DENY_START_QUERY.into()))
    })
    .await;
    let source = source_at(&stub.url, static_credentials("AKIDPROBE"), Timeouts::default()).await;
    let checks = test_connection(&source, &cx()).await;

    let actions: Vec<&str> = checks.iter().map(|c| c.action).collect();
    assert_eq!(
        actions,
        [
            "cloudwatch:ListMetrics",
            "cloudwatch:GetMetricData",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:DescribeAlarmHistory",
            "cloudwatch:ListDashboards",
            "logs:DescribeLogGroups",
            "logs:GetLogGroupFields",
            "logs:StartQuery",
            "logs:FilterLogEvents",
            "logs:DescribeQueryDefinitions",
        ]
    );
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok()).collect();
    assert_eq!(failed.len(), 1, "{checks:#?}");
    assert_eq!(failed[0].action, "logs:StartQuery");
    let err = failed[0].outcome.clone().err().must("the StartQuery error");
    assert_eq!(err.kind, ErrorKind::AccessDenied);
    assert_eq!(err.code, "AccessDeniedException");
    assert!(err.message.contains("logs:StartQuery"), "{}", err.message);

    // Every check really reached the endpoint, with the first log group and minimal input.
    for (service, op) in [
        (Service::CloudWatch, "ListMetrics"),
        (Service::CloudWatch, "GetMetricData"),
        (Service::CloudWatch, "DescribeAlarms"),
        (Service::CloudWatch, "DescribeAlarmHistory"),
        (Service::CloudWatch, "ListDashboards"),
        (Service::Logs, "DescribeLogGroups"),
        (Service::Logs, "GetLogGroupFields"),
        (Service::Logs, "StartQuery"),
        (Service::Logs, "FilterLogEvents"),
        (Service::Logs, "DescribeQueryDefinitions"),
    ] {
        assert_eq!(stub.requests_for(service, op).len(), 1, "{op}");
    }
    let start = String::from_utf8_lossy(&stub.requests_for(Service::Logs, "StartQuery")[0].body).into_owned();
    assert!(start.contains("/stub/app") && start.contains("limit 1"), "{start}");
    assert!(stub.requests_for(Service::Logs, "StopQuery").is_empty(), "no query to stop");
    let groups = String::from_utf8_lossy(&stub.requests_for(Service::Logs, "DescribeLogGroups")[0].body).into_owned();
    assert!(groups.contains(r#""limit":1"#), "{groups}");
}

#[tokio::test]
async fn test_connection_stops_the_query_it_started() {
    let stub = Stub::start(|_| None).await;
    let source = source_at(&stub.url, static_credentials("AKIDPROBE"), Timeouts::default()).await;
    let checks = test_connection(&source, &cx()).await;
    assert!(checks.iter().all(|c| c.ok()), "{checks:#?}");
    assert!(checks.iter().any(|c| c.action == "logs:StopQuery"));
    let stop = stub.requests_for(Service::Logs, "StopQuery");
    assert_eq!(stop.len(), 1);
    assert!(String::from_utf8_lossy(&stop[0].body).contains("q-1"));
}

#[tokio::test]
async fn access_denied_without_the_action_gets_it_added() {
    let stub = Stub::start(|r| {
        (r.service == Service::CloudWatch && r.operation == "DescribeAlarms")
            .then(|| cbor(400, cbor_text_map(&[("__type", "AccessDenied"), ("message", "Access denied")])))
    })
    .await;
    let source = source_at(&stub.url, static_credentials("AKIDDENIED"), Timeouts::default()).await;
    let err = source
        .describe_alarms(&cx(), DescribeAlarmsInput::default())
        .await
        .err()
        .must("denied");
    assert_eq!(err.kind, ErrorKind::AccessDenied, "{err:?}");
    assert_eq!(err.code, "AccessDenied");
    assert_eq!(err.message, "Access denied (needs cloudwatch:DescribeAlarms)");
}

#[tokio::test]
async fn throttling_is_retried_three_times_then_reported() {
    let stub = Stub::start(|r| {
        (r.operation == "DescribeLogGroups").then(|| logs_json(400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into()))
    })
    .await;
    let source = source_at(&stub.url, static_credentials("AKIDTHROTTLED"), Timeouts::default()).await;
    let err = source
        .describe_log_groups(&cx(), DescribeLogGroupsInput::default())
        .await
        .err()
        .must("throttled");
    assert_eq!(
        (err.kind, err.code.as_str(), err.message.as_str()),
        (ErrorKind::Throttled, "ThrottlingException", "Rate exceeded")
    );
    // Standard retry mode, at most 3 attempts.
    assert_eq!(stub.requests_for(Service::Logs, "DescribeLogGroups").len(), 3);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable_and_named() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").must("bind");
    let url = format!("http://{}", listener.local_addr().must("addr"));
    drop(listener);
    let source = source_at(&url, static_credentials("AKIDNOWHERE"), Timeouts::default()).await;
    let err = source
        .list_metrics(&cx(), ListMetricsInput::default())
        .await
        .err()
        .must("unreachable");
    assert_eq!(err.kind, ErrorKind::Unavailable, "{err:?}");
    assert!(err.message.contains(&url), "{}", err.message);
    assert!(err.message.chars().count() < 500, "short: {}", err.message);
}

#[tokio::test]
async fn a_slow_endpoint_times_out_as_configured() {
    let stub = Stub::start_with(
        |_| None,
        time::Duration::hours(1),
        Some(("DescribeLogGroups".into(), Duration::from_millis(1500))),
    )
    .await;
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_millis(200),
        operation: Duration::from_millis(700),
    };
    let source = source_at(&stub.url, static_credentials("AKIDSLOW"), timeouts).await;
    let started = Instant::now();
    let err = source
        .describe_log_groups(&cx(), DescribeLogGroupsInput::default())
        .await
        .err()
        .must("timed out");
    assert!(started.elapsed() < Duration::from_millis(1400), "{:?}", started.elapsed());
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Unavailable, "RequestTimeout"), "{err:?}");
    assert!(err.message.contains(&stub.url), "{}", err.message);
}

#[tokio::test]
async fn a_refused_query_language_never_reaches_aws() {
    let stub = Stub::start(|_| None).await;
    let source = source_at(&stub.url, static_credentials("AKIDSQL"), Timeouts::default()).await;
    let input = StartQueryInput {
        log_group_names: vec!["/stub/app".into()],
        start_time: 0,
        end_time: 60,
        query_string: "SELECT * FROM `/stub/app`".into(),
        query_language: Some("SQL".into()),
        ..Default::default()
    };
    let err = source.start_query(&cx(), input).await.err().must("refused");
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert!(err.message.contains("SQL") && err.message.contains("CWLI"), "{}", err.message);
    assert!(stub.requests().is_empty(), "{:?}", stub.requests());
}

#[tokio::test]
async fn per_principal_clients_are_bounded_least_recently_used_first() {
    let stub = Stub::start(|_| None).await;
    let source = assume_role_source(&stub, None).await;
    let call = |who: String| {
        let source = &source;
        async move {
            source
                .list_metrics(&CallContext::new(who), ListMetricsInput::default())
                .await
                .must("ListMetrics")
        }
    };
    let sessions = |who: &str| {
        let name = format!("watchpost-{who}");
        stub.requests_for(Service::Sts, "AssumeRole")
            .iter()
            .filter(|r| r.form().get("RoleSessionName") == Some(&name))
            .count()
    };
    call("first".into()).await;
    call("keep".into()).await;
    for i in 0..aws_source::MAX_PRINCIPALS - 1 {
        call(format!("p{i}")).await;
        if i == 100 {
            call("keep".into()).await; // recently used: survives
        }
    }
    // "first" was the least recently used when the map was full: it was dropped, "keep" was not.
    call("keep".into()).await;
    assert_eq!(sessions("keep"), 1);
    call("first".into()).await;
    assert_eq!(sessions("first"), 2);
    assert_eq!(stub.requests_for(Service::Sts, "AssumeRole").len(), aws_source::MAX_PRINCIPALS + 2);
}
