//! Evaluator (feature `eval`, server side only): runs parsed queries over log events with
//! CloudWatch semantics. Kept out of the WASM build together with `regex`.

pub mod agg;
mod compile;
mod discover;
pub mod engine;
pub mod event;
pub mod flatten;
mod formats;
pub mod funcs;
pub mod pattern;
mod plan;
pub mod pool;
mod run;
mod sink;
pub mod time;
pub mod value;

pub use engine::{compile, run, run_chunks, EvalError, Plan, QueryResult, QueryStats, RunOptions, MAX_ROWS};
pub use event::{EventRef, LogEvent};
pub use pattern::diff_range;
pub use pool::{Permit, Pool, QueryFuture};
pub use value::Value;
