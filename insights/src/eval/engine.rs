//! The engine's public face: the options, results and errors shared by compilation
//! ([`compile`]) and execution ([`run`], [`run_chunks`]), and those entry points themselves,
//! re-exported so the `insights::eval::engine::*` paths stay what they were.
//!
//! The work lives in `plan` (the compiled form and per-record evaluation), `compile`
//! (query → plan), `sink` (mergeable stats/top-k state) and `run` (threads, merge, render).
//! This module holds only plain data types: it must never grow logic of its own, or the
//! split between compiling and running stops being the single place to look.

pub use super::compile::compile;
pub use super::plan::Plan;
pub use super::run::{run, run_chunks};

/// CloudWatch returns at most this many rows.
pub const MAX_ROWS: usize = 10_000;

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Inclusive start (epoch ms); events before it are not scanned.
    pub start: Option<i64>,
    /// Exclusive end (epoch ms).
    pub end: Option<i64>,
    /// The value of `now()`.
    pub now_ms: i64,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// The account the log groups belong to: `@log` reads `account-id:log-group-name`
    /// (CWL_AnalyzeLogData-discoverable-fields). Without it `@log` is the group name alone.
    pub account_id: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        RunOptions {
            start: None,
            end: None,
            now_ms,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()).min(8),
            account_id: None,
        }
    }
}

/// Statistics of a run, as CloudWatch reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueryStats {
    pub records_scanned: u64,
    pub records_matched: u64,
    pub bytes_scanned: u64,
}

/// The result: column names, and rows of (field, text) pairs in column order. A field missing
/// from a row is left out, as CloudWatch does.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<(String, String)>>,
    pub stats: QueryStats,
}

/// Why a query could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A command the local engine does not run.
    Unsupported(String),
    /// A regex that does not compile.
    Regex(String),
    /// An unsubstituted `{{name}}` parameter.
    Parameter(String),
    /// Every permit of a [`super::Pool`] is taken; nothing was started. Retry later (a server
    /// answers 503 with `Retry-After`).
    Busy,
    /// The query's thread panicked, or could not be started; the message says which.
    Internal(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Unsupported(c) => write!(f, "`{c}` is not supported by the local engine"),
            EvalError::Regex(m) => write!(f, "invalid regex: {m}"),
            EvalError::Parameter(p) => write!(f, "parameter `{{{{{p}}}}}` has no value; substitute parameters before running"),
            EvalError::Busy => f.write_str("too many queries are running; try again shortly"),
            EvalError::Internal(m) => write!(f, "internal error in the query engine: {m}"),
        }
    }
}

impl std::error::Error for EvalError {}
