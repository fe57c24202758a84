//! The crate's one integration test binary (CI builds one per crate): each area is a module
//! under `tests/insights/` (named by `#[path]`: a crate root's own modules would be looked up
//! next to it), sharing the helpers in `tests/common`.

#[path = "common/mod.rs"]
mod common;

#[path = "insights/api.rs"]
mod api;
#[path = "insights/cli.rs"]
mod cli;
#[path = "insights/errors.rs"]
mod errors;
#[path = "insights/eval_golden.rs"]
mod eval_golden;
#[path = "insights/filter.rs"]
mod filter;
#[path = "insights/functions_2026.rs"]
mod functions_2026;
#[path = "insights/parse_modes.rs"]
mod parse_modes;
#[path = "insights/pattern_eval.rs"]
mod pattern_eval;
#[path = "insights/pattern_props.rs"]
mod pattern_props;
#[path = "insights/pattern_syntax.rs"]
mod pattern_syntax;
#[path = "insights/pool.rs"]
mod pool;
#[path = "insights/properties.rs"]
mod properties;
