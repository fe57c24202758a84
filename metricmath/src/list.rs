//! ListMetrics, built to <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html>:
//! `Namespace` and `MetricName` match exactly; each `Dimensions` filter (at most 10) needs the metric to have
//! that dimension, with that value when one is given; `RecentlyActive` accepts only `PT3H` (metrics with
//! data in the past three hours); up to 500 metrics a page with `NextToken`; with `IncludeLinkedAccounts`
//! the answer has `OwningAccounts` parallel to `Metrics` (one account here: every entry is the account id),
//! and `OwningAccount` keeps only that account's metrics. Metrics without data in the past two weeks are
//! not listed when the backend can tell ([`crate::Backend::last_datapoint`]).

use cloudwatch::metrics::{ListMetricsInput, ListMetricsOutput, Metric};
use cloudwatch::SourceError;
use time::OffsetDateTime;

use crate::paging::{self, Position};
use crate::stat::Statistic;
use crate::validate::{align_down, validation_error};
use crate::{Backend, Options};

/// Metrics per ListMetrics page.
pub const PAGE_SIZE: usize = 500;
/// Most `Dimensions` filters.
pub const MAX_DIMENSION_FILTERS: usize = 10;
/// How long a metric without new data keeps being listed and found by SEARCH.
pub const LISTED_FOR_SECONDS: i64 = 14 * 86_400;

const TOKEN_KIND: &str = "lm1";

/// Whether `metric` has had data since `since` (seconds): asked of the backend, or probed with a
/// `SampleCount` series at one minute when the backend cannot tell and `probe` is set.
pub fn active_since(backend: &dyn Backend, metric: &Metric, since: i64, now: i64, probe: bool) -> Result<bool, SourceError> {
    if let Some(last) = backend.last_datapoint(metric) {
        return Ok(last.unix_timestamp() >= since);
    }
    if !probe {
        return Ok(true);
    }
    let (Ok(start), Ok(end)) = (
        OffsetDateTime::from_unix_timestamp(align_down(since, 60)),
        OffsetDateTime::from_unix_timestamp(now),
    ) else {
        return Ok(true);
    };
    Ok(!backend.series(metric, &Statistic::SampleCount, 60, None, start, end)?.is_empty())
}

pub fn list_metrics(
    input: &ListMetricsInput,
    backend: &dyn Backend,
    now: OffsetDateTime,
    options: &Options,
) -> Result<ListMetricsOutput, SourceError> {
    if let Some(ra) = &input.recently_active {
        if ra != "PT3H" {
            return Err(validation_error(format!(
                "1 validation error detected: Value '{ra}' at 'recentlyActive' failed to satisfy constraint: Member must satisfy enum value set: [PT3H]"
            )));
        }
    }
    if input.dimensions.len() > MAX_DIMENSION_FILTERS {
        return Err(validation_error(format!(
            "1 validation error detected: Value at 'dimensions' failed to satisfy constraint: Member must have length less than or equal to {MAX_DIMENSION_FILTERS}"
        )));
    }
    let request = {
        let mut canonical = input.clone();
        canonical.next_token = None;
        paging::fingerprint(serde_json::to_string(&canonical).unwrap_or_default().as_bytes())
    };
    let offset = match &input.next_token {
        Some(t) => usize::try_from(paging::decode(TOKEN_KIND, t, request)?.offset).map_err(|_| paging::invalid_token())?,
        None => 0,
    };
    let now_s = now.unix_timestamp();
    let linked = input.include_linked_accounts == Some(true);
    let wrong_account = input.owning_account.as_deref().is_some_and(|a| a != options.account_id);

    let mut matched = Vec::new();
    if !wrong_account {
        for m in backend.catalogue() {
            if !filters_match(input, m) {
                continue;
            }
            if !active_since(backend, m, now_s - LISTED_FOR_SECONDS, now_s, false)? {
                continue;
            }
            if input.recently_active.is_some() && !active_since(backend, m, now_s - 3 * 3600, now_s, true)? {
                continue;
            }
            matched.push(m);
        }
    }
    if offset > matched.len() {
        return Err(paging::invalid_token());
    }
    let end = (offset + PAGE_SIZE).min(matched.len());
    let metrics: Vec<Metric> = matched[offset..end].iter().map(|m| (*m).clone()).collect();
    let owning_accounts = if linked {
        vec![options.account_id.clone(); metrics.len()]
    } else {
        Vec::new()
    };
    let next_token = (end < matched.len()).then(|| {
        paging::encode(
            TOKEN_KIND,
            Position {
                offset: end as u64,
                now: 0,
            },
            request,
        )
    });
    Ok(ListMetricsOutput {
        metrics,
        owning_accounts,
        next_token,
    })
}

fn filters_match(input: &ListMetricsInput, m: &Metric) -> bool {
    if input.namespace.as_ref().is_some_and(|ns| m.namespace.as_ref() != Some(ns)) {
        return false;
    }
    if input.metric_name.as_ref().is_some_and(|n| m.metric_name.as_ref() != Some(n)) {
        return false;
    }
    input.dimensions.iter().all(|f| match m.dimension(&f.name) {
        None => false,
        Some(v) => f.value.as_deref().is_none_or(|want| want == v),
    })
}
