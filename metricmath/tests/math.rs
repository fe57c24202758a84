//! The metricmath test suite (one binary): GetMetricData, metric math, SEARCH, labels, paging,
//! statistics and ListMetrics against an in-memory backend whose series can be checked by hand.
//! Tests taken from AWS's documentation cite the page they come from.

#![allow(clippy::unwrap_used)]

#[path = "math/backend.rs"]
mod backend;
#[path = "math/documented_math.rs"]
mod documented_math;
#[path = "math/documented_search.rs"]
mod documented_search;
#[path = "math/labels.rs"]
mod labels;
#[path = "math/list.rs"]
mod list;
#[path = "math/paging.rs"]
mod paging;
#[path = "math/robustness.rs"]
mod robustness;
#[path = "math/stats.rs"]
mod stats;
#[path = "math/validation.rs"]
mod validation;
