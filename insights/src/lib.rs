//! CloudWatch Logs Insights language engine.
//!
//! No CloudWatch emulator runs Logs Insights, so Watchpost carries its own: this crate lexes,
//! parses, checks, formats, highlights and analyzes queries (all of which compile to WASM for the
//! editor), substitutes saved-query parameters safely, and — with the `eval` feature, server side
//! only — runs queries over log events and provides the `watchpost insights` command line.
//!
//! Semantics where the AWS documentation is silent (chosen here, revisit against real
//! CloudWatch when possible):
//! - a comparison with a missing field is false (also `!=`); arithmetic with a non-number is missing;
//! - strings that read as numbers compare numerically with numbers (and with each other);
//! - `sort` without `asc`/`desc` is ascending; missing values sort last either way;
//! - `stats` output columns are named by the alias or the canonical text of the expression
//!   (`count(*)`, `bin(5m)`); rows come ordered by the group keys (bins ascending);
//!   `stats` over no matching records returns no rows; records missing a group-by field form a
//!   group with that field empty;
//! - `pct` is nearest-rank, exact up to 10,000 values per group, then a log-bucket sketch (~1%);
//!   `stddev` is the sample standard deviation;
//! - without `fields`/`display`/`stats` the result shows `@timestamp`, `@message` and parsed fields;
//!   several `fields` commands add up;
//! - `like "text"` is a case-sensitive substring test; a glob `parse` matches anywhere in the
//!   field, each `*` lazily, and trims captures; a failed parse leaves the fields missing;
//! - `dedup` before any sort keeps the newest event per key;
//! - `pattern` and `diff` (see `eval::pattern` for the algorithm and its bounds) return the
//!   patterns most frequent first; dynamic tokens are typed `<Time-n>`, `<IP-n>`, `<ID-n>`,
//!   `<Number-n>` or `<Token-n>`; `@ratio` has four decimals; `@severityLabel` is `Error`,
//!   `Warning`, `Info`, `Debug` or `Unknown`; records where the clustered field is missing are not
//!   counted; `diff` also returns `@previousSampleCount`, `@previousRatio`,
//!   `@changeInSampleCount` and `@changeType`, and needs the run's start and end (the caller
//!   supplies the earlier period's events too: `eval::diff_range`).
//!
//! ```
//! let q = insights::parse("filter level = 'error' | stats count(*) by route").unwrap();
//! assert_eq!(insights::format(&q), "filter level = \"error\"\n| stats count(*) by route");
//! assert!(insights::analyze(&q).aggregates);
//! ```
//!
//! # Filter patterns
//!
//! [`filter`] implements the other CloudWatch Logs search syntax: the **filter patterns** of
//! `FilterLogEvents`, metric filters, subscription filters and Live Tail — unstructured terms
//! (`ERROR -ARGUMENTS`, `?ERROR ?WARN`, `"exact phrase"`), standalone regexes (`%AUTHORIZED%`),
//! JSON conditions (`{ $.latency > 500 && $.user.id = 1 }`) and space-delimited fields
//! (`[ip, user, ..., status_code = 4*, bytes > 1000]`), following AWS's documentation including
//! its limits (1024 characters, two regexes, three wildcard selectors). [`FilterPattern::parse`]
//! works everywhere (errors carry a byte position and convert to a [`Diagnostic`]);
//! [`FilterPattern::matches`] and [`FilterPattern::metric_value`] (the value a metric filter's
//! `metricValue` such as `$.latency` or `$bytes` publishes) need the `eval` feature. The module
//! docs list the choices made where AWS's documentation is silent.
//!
//! ```
//! let p: insights::FilterPattern = "{ $.level = \"error\" || $.status >= 500 }".parse().unwrap();
//! assert_eq!(p.kind(), insights::filter::FilterKind::Json);
//! # #[cfg(feature = "eval")]
//! assert!(p.matches(r#"{"level":"info","status":503}"#));
//! ```

pub mod analyze;
pub mod ast;
pub mod error;
pub mod filter;
pub mod format;
pub mod functions;
pub mod highlight;
pub mod lexer;
pub mod params;
pub mod parser;

#[cfg(feature = "eval")]
pub mod cli;
#[cfg(feature = "eval")]
pub mod eval;
#[cfg(feature = "eval")]
pub mod input;

pub use analyze::{analyze, Analysis, Combine, Merge};
pub use ast::Query;
pub use error::{Diagnostic, Span};
pub use filter::{FilterPattern, FilterPatternError};
pub use format::format;
pub use highlight::{highlight, Token, TokenKind};
pub use parser::{check, parse, parse_with_diagnostics};
