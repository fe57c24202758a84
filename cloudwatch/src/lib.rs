//! The shapes of the CloudWatch and CloudWatch Logs APIs Watchpost uses, defined once.
//!
//! Field names serialise exactly as the AWS CLI's `--cli-input-json` takes them for the operation:
//! PascalCase for CloudWatch (`MetricDataQueries`), camelCase for CloudWatch Logs (`logGroupNames`,
//! `queryString`). Times are in each operation's own unit: CloudWatch timestamps are ISO 8601 (epoch
//! seconds are accepted on input), Logs Insights `startTime`/`endTime` are epoch seconds, and log
//! events are epoch milliseconds. So a user can paste what they already have into the token API.
//!
//! Every source (the demo world, the AWS SDKs) implements [`Source`] (feature `source`) and answers
//! with these types or a [`SourceError`] that keeps CloudWatch's error code and message.

pub mod alarms;
pub mod body;
pub mod dashboards;
pub mod error;
pub mod logs;
pub mod metrics;
pub mod timestamp;

#[cfg(feature = "source")]
pub mod probe;
#[cfg(feature = "source")]
pub mod source;

pub use error::{ErrorKind, SourceError};
#[cfg(feature = "source")]
pub use source::{AccountRegion, CallContext, LiveTailStream, Source};
