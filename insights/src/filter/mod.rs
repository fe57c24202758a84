//! CloudWatch Logs **filter patterns**: the syntax of `FilterLogEvents`, metric filters,
//! subscription filters and Live Tail, as documented in
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>.
//!
//! Parsing needs no optional dependency (it runs in WASM for the editor); matching and metric
//! value extraction need the `eval` feature (`regex`, `serde_json`).
//!
//! | pattern | meaning |
//! | --- | --- |
//! | `` (empty) | every event |
//! | `ERROR ARGUMENTS` | events containing both terms (case-sensitive, anywhere in the message) |
//! | `"INTERNAL SERVER ERROR"` | the exact phrase; `" "` matches every event |
//! | `ERROR -ARGUMENTS` | ERROR but not ARGUMENTS |
//! | `?ERROR ?WARN` | either term; `?` terms are ignored when the pattern has other terms |
//! | `%AUTHORIZED%` | AWS's restricted regex, anywhere in the message; must be the whole pattern |
//! | `{ $.user.id = 1 && $.tags[0] != "x*" }` | conditions on a JSON event |
//! | `{ $.latency >= 500 }`, `{ $.x IS NULL }`, `{ $.y NOT EXISTS }` | numbers, `IS TRUE/FALSE/NULL`, absence |
//! | `[ip, user, ..., status_code = 4*, bytes > 1000]` | fields of a space-delimited event |
//!
//! Rules taken from the AWS documentation:
//! - unquoted terms may contain only letters, digits and `_`; other text goes in double quotes;
//! - in `=`/`!=` strings, `*` is a wildcard at the start and/or end only (`Ev*ent` only matches
//!   the string `Ev*ent`); `<`, `<=`, `>`, `>=` need a number;
//! - JSON selectors start with `$.`; `.name`, `[0]`, `['dotted.name']`, and one wildcard (`.*` or
//!   `[*]`) per selector, three per pattern; `&&` binds tighter than `||`, parentheses group;
//!   a selector that names an object or an array never matches; `IS NOT` and `EXISTS` are
//!   rejected as AWS does;
//! - regexes allow letters, digits, `:_#=@/;,-`, space, and `^ $ ? [ ] { } | \ * + .`, with
//!   `\d \D \s \S \w \W \xhh`; no `(`/`)`, no multi-byte characters; at most two per JSON or
//!   space-delimited pattern;
//! - in space-delimited events, text inside `[...]` or `"..."` is one field; the conditions of a
//!   pattern field (`status_code = 404 || status_code = 410`) must all test that field;
//! - a pattern is at most 1024 characters.
//!
//! Semantics where the documentation is silent (chosen here):
//! - a JSON comparison on a missing property, `null`, a boolean, an object or an array is false,
//!   for `!=` too; with a wildcard selector a condition holds if it holds for any selected node;
//! - a JSON string or a space-delimited field that reads as a number compares numerically with an
//!   unquoted number; one that does not satisfies only `!=`; a quoted value or a wildcard compares
//!   with a JSON number as written (`{ $.n = "12*" }` matches `{"n": 12.5}`);
//! - a JSON pattern matches only events whose whole message is a JSON object;
//! - without `...`, a space-delimited pattern's last field takes the rest of the line (the AWS
//!   example `[w1=ERROR, w2]` matches any event whose first word is ERROR); with `...`, events need
//!   at least as many fields as the pattern names;
//! - a trailing comma (`[a, b,]`) adds one unnamed field, as in an AWS example;
//! - `IS`, `NOT` and `EXISTS` are accepted in any letter case.
//!
//! ```
//! use insights::filter::FilterPattern;
//! let p: FilterPattern = "[ip, user, ..., status = 4*, bytes > 1000]".parse().unwrap();
//! # #[cfg(feature = "eval")] {
//! assert!(p.matches("127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /a HTTP/1.0\" 404 1534"));
//! assert_eq!(p.metric_value("127.0.0.1 - frank [x] \"GET /a\" 404 1534", "$bytes"), Some(1534.0));
//! # }
//! let e = FilterPattern::parse("{ $.latency > fast }").unwrap_err();
//! assert_eq!(e.position, 14);
//! assert!(e.to_string().starts_with("Invalid filter pattern: '>' compares numbers"));
//! ```

mod ast;
mod aws_regex;
#[cfg(feature = "eval")]
mod matcher;
mod parse;

pub use parse::{MAX_PATTERN_LEN, MAX_REGEXES, MAX_WILDCARDS};

use crate::error::{Diagnostic, Span};
use ast::{DField, Pattern};

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    source: String,
    pattern: Pattern,
}

/// Which of the filter pattern syntaxes a pattern uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// The empty pattern: every event matches.
    All,
    /// Unstructured terms and phrases.
    Terms,
    /// A standalone `%regex%`.
    Regex,
    /// `{ ... }` on JSON events.
    Json,
    /// `[ ... ]` on space-delimited events.
    SpaceDelimited,
}

impl FilterPattern {
    /// Parses a filter pattern. Never panics; errors carry the byte position of the problem.
    pub fn parse(src: &str) -> Result<Self, FilterPatternError> {
        Ok(FilterPattern {
            source: src.to_string(),
            pattern: parse::parse(src)?,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    #[must_use]
    pub fn kind(&self) -> FilterKind {
        match &self.pattern {
            Pattern::All => FilterKind::All,
            Pattern::Terms(_) => FilterKind::Terms,
            Pattern::Regex(_) => FilterKind::Regex,
            Pattern::Json(_) => FilterKind::Json,
            Pattern::Delimited(_) => FilterKind::SpaceDelimited,
        }
    }

    /// The named fields of a space-delimited pattern, in order (what `$name` metric values and
    /// dimensions can refer to); empty for other kinds.
    #[must_use]
    pub fn field_names(&self) -> Vec<&str> {
        match &self.pattern {
            Pattern::Delimited(fields) => fields
                .iter()
                .filter_map(|f| match f {
                    DField::Field { name: Some(n), .. } => Some(n.as_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether a log event message matches. The empty pattern matches everything.
    #[cfg(feature = "eval")]
    #[must_use]
    pub fn matches(&self, message: &str) -> bool {
        matcher::matches(&self.pattern, message)
    }

    /// For metric filters: the value a metric filter's `metricValue` names for this event —
    /// `$.latency` or `$.a.b[0]` (JSON patterns), `$fieldName` or `$3` (the third field;
    /// space-delimited patterns), or a literal number such as `1`. `None` when the event does
    /// not match, or the selector names nothing numeric (a missing field, text, a wildcard
    /// selector, or a selector of the other syntax).
    #[cfg(feature = "eval")]
    #[must_use]
    pub fn metric_value(&self, message: &str, selector: &str) -> Option<f64> {
        matcher::metric_value(&self.pattern, message, selector)
    }
}

impl std::str::FromStr for FilterPattern {
    type Err = FilterPatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FilterPattern::parse(s)
    }
}

impl std::fmt::Display for FilterPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// Why a filter pattern is invalid, and where: `position` is a byte offset into the pattern
/// (always on a character boundary, at most its length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPatternError {
    pub message: String,
    pub position: usize,
}

impl FilterPatternError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        FilterPatternError {
            message: message.into(),
            position,
        }
    }

    /// The error as an editor diagnostic (line, column and a one-character span) for `src`, the
    /// pattern it came from.
    #[must_use]
    pub fn diagnostic(&self, src: &str) -> Diagnostic {
        let pos = self.position.min(src.len());
        let before = src.get(..pos).unwrap_or("");
        let line = 1 + before.matches('\n').count();
        let column = 1 + before.rsplit('\n').next().unwrap_or("").chars().count();
        let width = src.get(pos..).and_then(|s| s.chars().next()).map_or(0, char::len_utf8);
        let span = Span {
            start: pos,
            end: pos + width,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        };
        Diagnostic::new(format!("Invalid filter pattern: {}", self.message), span)
    }
}

impl std::fmt::Display for FilterPatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Invalid filter pattern: {} (at byte {})", self.message, self.position)
    }
}

impl std::error::Error for FilterPatternError {}
