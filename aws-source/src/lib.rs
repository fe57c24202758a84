//! The AWS source: [`cloudwatch::Source`] over the real CloudWatch (Smithy RPC v2 CBOR) and
//! CloudWatch Logs SDKs.
//!
//! - One HTTPS client (hyper + rustls with the **ring** provider; no aws-lc) per connection, shared
//!   by every SDK client of that connection.
//! - Timeouts from [`Timeouts`] (connect, per attempt, whole operation), the SDK's **standard**
//!   retry mode with at most 3 attempts.
//! - [`Credentials::AssumeRole`]: one credentials provider and client pair per principal (at most
//!   [`MAX_PRINCIPALS`], least recently used dropped), the role session named
//!   `watchpost-<principal>` (see [`role_session_name`]) so CloudTrail shows who asked. Each
//!   client's lazy identity cache hands out the assumed credentials until 5–10 s before they
//!   expire, then assumes the role again.
//! - Every SDK error becomes a [`cloudwatch::SourceError`] that keeps AWS's code and message; an
//!   AccessDenied message always names the IAM action.
//!
//! [`test_connection`] (from `cloudwatch::probe`) calls every API once and reports each IAM action's outcome.

mod config;
mod convert;
mod errors;
pub mod session;
mod source;

pub use cloudwatch::probe::{test_connection, ApiCheck};
pub use config::{AwsSourceConfig, Credentials, Timeouts};
pub use errors::kind_for_code;
pub use session::{role_session_name, MAX_SESSION_NAME};
pub use source::{AwsSource, MAX_PRINCIPALS};
