//! CloudWatch Logs Insights language engine.
//!
//! No CloudWatch emulator runs Logs Insights, so Watchpost carries its own: this crate lexes,
//! parses, checks, formats, highlights and analyzes queries (all of which compile to WASM for the
//! editor), substitutes saved-query parameters safely, and — with the `eval` feature, server side
//! only — runs queries over log events and provides the `watchpost insights` command line.
//!
//! It follows the CloudWatch Logs user guide's query pages (CWL_QuerySyntax-*, cited where each
//! rule is implemented): the Sort page's order, the Dedup and multi-`stats` ordering rules, the
//! Limit page's range and `limit any`, the units of `bin`, 1/0 results of predicates, and the
//! fields discovered for Lambda, VPC flow and Route 53 logs (CWL_AnalyzeLogData-discoverable-fields).
//!
//! Semantics where the AWS documentation is silent or open (chosen here, revisit against real
//! CloudWatch when possible):
//! - a comparison with a missing field is false (also `!=`); arithmetic with a non-number is
//!   missing; a sum, average or extreme of no numbers is missing;
//! - strings that read as numbers compare numerically with numbers (and with each other);
//! - `x in [...]` holds when `x` equals an item under those same rules (case-sensitive text,
//!   `"5"` equals `5`); a missing `x` makes both `in` and `not in` false;
//! - `sort` without `asc`/`desc` is ascending; missing values sort last either way; a "number
//!   value" of the Sort page is one that reads as a decimal number (sign, point and exponent
//!   allowed), and equal numbers written differently keep text order (`01` before `1`);
//!   `sortsFirst`/`sortsLast` and the order of `stats` rows use the same order;
//! - `stats` output columns are named by the alias or the canonical text of the expression
//!   (`count(*)`, `bin(5m)`); rows come ordered by the group keys (bins ascending);
//!   `stats` over no matching records returns no rows; records missing a group-by field form a
//!   group with that field empty; an aggregate may use the names of the aggregates before it
//!   in the same `stats` (as AWS's Lambda sample query does);
//! - of two `stats`, the second may read only the fields that exist after the first (its
//!   outputs and fields defined after it), may `bin` only when the first grouped by `bin` (it
//!   then bins the first one's time bins), and `sort`/`limit` belong after the second;
//! - `pct` is nearest-rank without interpolation, exact up to 10,000 values per group, then a
//!   log-bucket sketch (~1%); `stddev` is the sample standard deviation (n − 1);
//! - without `fields`/`display`/`stats` the result shows `@timestamp`, `@message` and parsed fields;
//!   several `fields` commands add up;
//! - `like "text"` is a case-sensitive substring test; a glob `parse` matches anywhere in the
//!   field, each `*` lazily, and trims captures; a failed parse leaves the fields missing;
//! - `dedup` before any sort keeps the newest event per key; an event with a missing dedup
//!   field is always kept; `limit any n` returns the newest n matches (any n are allowed);
//! - without `limit` a query returns at most 10,000 rows; `limit n` may ask for up to 100,000;
//! - predicates (`isempty`, `ispresent`, comparisons in `fields`, ...) show as `1`/`0`; `now()`
//!   is whole epoch seconds;
//! - a plain-text line gets the discovered fields of a log type when it has that type's exact
//!   shape (a local file has no log group type); `@memorySize` and `@maxMemoryUsed` are bytes
//!   (MB × 1,000,000, as AWS's sample divides by 1000 twice); `@log` reads
//!   `account-id:log-group` when `RunOptions::account_id` is set; a JSON key `@x` is the
//!   field `@@x`;
//! - structures: `jsonParse` of text that is not a JSON object or array returns the value
//!   itself; `m.key` reads into `m` only when the query defined `m` (otherwise `m.key` is the
//!   auto-discovered dotted field); `l[i]` needs the `[` right after `l` (no space); a missing
//!   key or an index out of range is missing; structures show as compact JSON; `unnest` of text
//!   holding a JSON array (a container auto-discovery left as text) yields its elements, and of
//!   a missing value yields no records;
//! - `stats ... by bin(p) offset d` labels each bin `d` later and scans the window `d` earlier
//!   (`RunOptions::start`/`end` minus `d`), so a caller that pre-filters events by time must
//!   hand over the shifted window; a month counts 30 days, a quarter 90, a year 365;
//! - `md5`/`sha256` hash the value's text (UTF-8) and return lowercase hex.
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
