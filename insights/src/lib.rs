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
//! - a query may chain up to 10 `stats` (AWS's announcement of 2026-06-17; the Stats page text
//!   at hand still says two, and no per-log-class limit is applied locally); each later one may
//!   read only the fields that exist after the one before (its outputs and fields defined
//!   after it), may `bin` only when the one before grouped by `bin` or has an output named
//!   `@timestamp` (it then bins those times), and `sort`/`limit` belong after the last;
//! - `pct` is nearest-rank without interpolation, exact up to 10,000 values per group, then a
//!   log-bucket sketch (~1%); `stddev` is the sample standard deviation (n − 1);
//! - without `fields`/`display`/`stats` the result shows `@timestamp`, `@message` and parsed fields;
//!   several `fields` commands add up; `display` takes field names only (the Display page
//!   shows no expressions or aliases there): `display a + 1` or `display a as b` is an error
//!   that points at it and suggests the `fields` form;
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
//!   field `@@x`; of a JSON message only the first 200 fields (leaves, in the message's order)
//!   are discovered, and a container read whole (as JSON text) counts from where it starts;
//! - structures: `jsonParse` of text that is not a JSON object or array returns the value
//!   itself; `m.key` reads into `m` only when the query defined `m` (otherwise `m.key` is the
//!   auto-discovered dotted field); `l[i]` needs the `[` right after `l` (no space); a missing
//!   key or an index out of range is missing; structures show as compact JSON; `unnest` of text
//!   holding a JSON array (a container auto-discovery left as text) yields its elements, and of
//!   a missing value yields no records;
//! - `stats ... by bin(p) offset d` labels each bin `d` later and scans the window `d` earlier
//!   (`RunOptions::start`/`end` minus `d`), so a caller that pre-filters events by time must
//!   hand over the shifted window; a month counts 30 days, a quarter 90, a year 365;
//! - the count of a period in `bin`, `datefloor` and `dateceil` is capped per unit as the
//!   functions page states (`ms` 1000, `s` and `m` 60, `h` 24: `bin(300s)` runs as 60-second
//!   bins), and the column keeps the name as written (`bin(300s)`); days, weeks, months,
//!   quarters and years are not capped (the page names no cap for them), nor is `offset`;
//! - `md5`/`sha256` hash the value's text (UTF-8) and return lowercase hex.
//! - the functions of AWS's 2026-06-17 announcement whose pages were not at hand follow the
//!   announcement's words: `if(condition, then, else)` takes `then` when the condition is
//!   true as a `filter` reads it (a missing condition is false, so `else`); `split(str,
//!   delimiter)` returns a list of strings (empty parts kept; an empty delimiter splits into
//!   characters; a missing string gives a missing list), read with `l[i]` or `unnest`;
//!   `strcontains(str, search, ignoreCase)` takes an optional third argument, `true` (or any
//!   true value) making the search case-insensitive (Unicode lowercase on both sides);
//! - conversions: `toNumber` and `toDouble` read numbers, booleans (1/0), timestamps (epoch
//!   ms) and text that reads as a decimal number (spaces around it allowed; no hex, no
//!   `NaN`); anything else, a structure included, is missing ("invalid → null"); `toInt`
//!   and `toLong` cut fractions toward zero (`toInt("3.9")` is 3) and are missing outside
//!   32 or 64 bits; all four are numbers, shown alike (`toDouble("3")` shows `3`), and a
//!   long beyond 2^53 keeps only double precision;
//! - IP classes: `isPrivateIP` is RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique
//!   local fc00::/7; `isReservedIP` is the rest of the IANA special-purpose blocks that are
//!   not globally routed (0/8, 100.64/10, 127/8, 169.254/16, 192.0.0/24, the three
//!   documentation nets, 192.88.99/24, 198.18/15, 224/4, 240/4 with 255.255.255.255; `::`,
//!   `::1`, IPv4-mapped `::ffff:0:0/96`, 100::/64, 2001::/23, 2001:db8::/32, fe80::/10,
//!   ff00::/8); `isPublicIP` is every other valid address, so the three never overlap; like
//!   `isValidIp` they are 1/0, and 0 for text that is not an address or a missing value;
//!   `ipv4ToNumber` is the address's unsigned 32-bit value, missing for anything but a
//!   dotted-quad IPv4 address;
//! - `rate(field, interval)` (CWL_QuerySyntax-timeseries-functions, "the per-interval rate of
//!   change") is the change from the group's earliest to its latest numeric value, divided
//!   by the time between them and multiplied by `interval` (a group whose values all share
//!   one time is missing); `histogram(field, buckets)` parses and is checked (a whole number
//!   of buckets) but the local engine does not run it: the page names its result a map
//!   without saying how its ranges are keyed;
//! - `addtotals` (CWL_QuerySyntax-Addtotals) totals the query's final rows, so locally it must
//!   end the query (elsewhere it parses but does not run); a row total sums the row's values
//!   that read as numbers (of the listed fields, or of every shown field but the total's own)
//!   and is missing when there are none; with `col=true` the summary row at the bottom has
//!   the sum of each such column and of the row totals, and nothing in the other columns (the
//!   page shows no label); a `fieldname=` that names a shown field replaces its value.
//! - `parse` (CWL_QuerySyntax-Parse, four modes and JSON field extraction): a regex with
//!   `as a, b` names its capturing groups in order (named or not; the counts must match); with
//!   `multi` each match is a record of its own and an event without a match stays once, without
//!   the fields; `logfmt as m` makes a map of strings (bare or double-quoted values with `\"`
//!   escapes, a key without `=` has the empty value, a repeated key keeps the last value, a line
//!   with no `key=value` pair or an unclosed quote leaves `m` missing), read as `m.key`; `csv`
//!   reads RFC 4180 quoting (`""` inside quotes), trims spaces around unquoted values, leaves
//!   names without a value missing and ignores extra values, and leaves every name missing on an
//!   unclosed quote; `json field=f "a.b" as x` reads the path in `f`'s structure (a map the query
//!   made, or JSON text such as a regex capture or a container auto-discovery left as text) and
//!   is missing when any step is; `parse logfmt as m` / `parse csv as a` without a field read
//!   `@message` (a field called `logfmt` or `csv` is then written first, or in backquotes);
//!   the page's regex example wrapped over two lines is read as one line (a regex literal ends
//!   at the line's end).
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
