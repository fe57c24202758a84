//! The admin Usage page's queries over `usage_daily` (the day's counters the proxy flushes):
//! per connection and day, the most expensive dashboards and principals, and the connections
//! the filter offers. Read-only; it never writes the counters (only the proxy does).
//!
//! Costs are estimates at the prices the caller passes (the running server's configured ones),
//! so the page and `/metrics` price the same work the same way.

use sqlx::PgPool;
use time::{Date, Duration};

use crate::domain::usage::{
    principal_label, UsageConnection, UsageCounts, UsageDay, UsageFilter, UsagePrices, UsageReport, UsageTop, TOP_N,
};
use crate::error::AppResult;

/// The days of `filter`'s window that end on `last_day` (UTC), oldest first.
pub fn window_days(filter: &UsageFilter, last_day: Date) -> Vec<Date> {
    let n = i64::from(filter.window.days());
    (0..n).rev().map(|back| last_day - Duration::days(back)).collect()
}

/// The report for `filter`'s window ending on `last_day` (today, UTC, in the page).
#[tracing::instrument(skip(db))]
pub async fn report(db: &PgPool, filter: &UsageFilter, last_day: Date, prices: UsagePrices) -> AppResult<UsageReport> {
    let days = window_days(filter, last_day);
    let first_day = days.first().copied().unwrap_or(last_day);
    let connection = filter.connection.as_ref().map(|c| c.as_str().to_string());

    let rows = sqlx::query!(
        r#"SELECT day AS "day!", connection_id AS "connection!",
                  sum(calls)::int8 AS "calls!", sum(metrics)::int8 AS "metrics!",
                  sum(bytes_scanned) AS "bytes_scanned!",
                  sum(cache_hits)::int8 AS "cache_hits!", sum(cache_misses)::int8 AS "cache_misses!",
                  sum(throttles)::int8 AS "throttles!", sum(queue_wait_ms)::int8 AS "queue_wait_ms!"
           FROM usage_daily
           WHERE day BETWEEN $1 AND $2 AND ($3::text IS NULL OR connection_id = $3)
           GROUP BY day, connection_id
           ORDER BY day DESC, connection_id"#,
        first_day,
        last_day,
        connection,
    )
    .fetch_all(db)
    .await?;
    let rows: Vec<UsageDay> = rows
        .into_iter()
        .map(|r| UsageDay {
            day: r.day.to_string(),
            connection: r.connection,
            counts: counts(
                &prices,
                [r.calls, r.metrics, r.cache_hits, r.cache_misses, r.throttles, r.queue_wait_ms],
                r.bytes_scanned,
            ),
        })
        .collect();

    // The top lists are ranked by cost in SQL (at the caller's prices) so that LIMIT keeps the
    // right ones; ties go to more calls, then to the key, so the order never flickers.
    let dashboards = sqlx::query!(
        r#"SELECT dashboard AS "key!",
                  sum(calls)::int8 AS "calls!", sum(metrics)::int8 AS "metrics!",
                  sum(bytes_scanned) AS "bytes_scanned!",
                  sum(cache_hits)::int8 AS "cache_hits!", sum(cache_misses)::int8 AS "cache_misses!",
                  sum(throttles)::int8 AS "throttles!", sum(queue_wait_ms)::int8 AS "queue_wait_ms!"
           FROM usage_daily
           WHERE day BETWEEN $1 AND $2 AND ($3::text IS NULL OR connection_id = $3) AND dashboard <> ''
           GROUP BY dashboard
           ORDER BY sum(metrics)::float8 / 1000 * $4 + sum(bytes_scanned) / 1e9 * $5 DESC, sum(calls) DESC, dashboard
           LIMIT $6"#,
        first_day,
        last_day,
        connection,
        prices.per_thousand_metrics,
        prices.per_gb_scanned,
        TOP_N,
    )
    .fetch_all(db)
    .await?;
    let top_dashboards = dashboards
        .into_iter()
        .map(|r| UsageTop {
            label: r.key.clone(),
            key: r.key,
            counts: counts(
                &prices,
                [r.calls, r.metrics, r.cache_hits, r.cache_misses, r.throttles, r.queue_wait_ms],
                r.bytes_scanned,
            ),
        })
        .collect();

    let principals = sqlx::query!(
        r#"SELECT u.principal AS "key!",
                  (SELECT t.name FROM api_tokens t WHERE 'token:' || t.id::text = u.principal) AS "token_name?",
                  sum(u.calls)::int8 AS "calls!", sum(u.metrics)::int8 AS "metrics!",
                  sum(u.bytes_scanned) AS "bytes_scanned!",
                  sum(u.cache_hits)::int8 AS "cache_hits!", sum(u.cache_misses)::int8 AS "cache_misses!",
                  sum(u.throttles)::int8 AS "throttles!", sum(u.queue_wait_ms)::int8 AS "queue_wait_ms!"
           FROM usage_daily u
           WHERE u.day BETWEEN $1 AND $2 AND ($3::text IS NULL OR u.connection_id = $3) AND u.principal <> ''
           GROUP BY u.principal
           ORDER BY sum(u.metrics)::float8 / 1000 * $4 + sum(u.bytes_scanned) / 1e9 * $5 DESC, sum(u.calls) DESC, u.principal
           LIMIT $6"#,
        first_day,
        last_day,
        connection,
        prices.per_thousand_metrics,
        prices.per_gb_scanned,
        TOP_N,
    )
    .fetch_all(db)
    .await?;
    let top_principals = principals
        .into_iter()
        .map(|r| UsageTop {
            label: principal_label(&r.key, r.token_name.as_deref()),
            key: r.key,
            counts: counts(
                &prices,
                [r.calls, r.metrics, r.cache_hits, r.cache_misses, r.throttles, r.queue_wait_ms],
                r.bytes_scanned,
            ),
        })
        .collect();

    // The filter offers every configured connection, and any removed one that still has usage
    // in the window (its counters outlive it).
    let connections = sqlx::query!(
        r#"SELECT k.id AS "id!", c.display_name AS "name?"
           FROM (SELECT id FROM connections
                 UNION
                 SELECT DISTINCT connection_id FROM usage_daily WHERE day BETWEEN $1 AND $2) k
           LEFT JOIN connections c ON c.id = k.id
           ORDER BY k.id"#,
        first_day,
        last_day,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| UsageConnection { id: r.id, name: r.name })
    .collect();

    let totals = UsageCounts::total(rows.iter().map(|r| &r.counts), &prices);
    Ok(UsageReport {
        filter: filter.clone(),
        days: days.iter().map(Date::to_string).collect(),
        prices,
        rows,
        totals,
        top_dashboards,
        top_principals,
        connections,
    })
}

/// Counters from a row's sums (`[calls, metrics, cache_hits, cache_misses, throttles,
/// queue_wait_ms]`), priced.
fn counts(
    prices: &UsagePrices,
    [calls, metrics, cache_hits, cache_misses, throttles, queue_wait_ms]: [i64; 6],
    bytes_scanned: f64,
) -> UsageCounts {
    UsageCounts {
        calls,
        metrics,
        bytes_scanned,
        cache_hits,
        cache_misses,
        throttles,
        queue_wait_ms,
        cost_usd: prices.cost(metrics, bytes_scanned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::usage::UsageWindow;

    #[test]
    fn windows_end_today_and_count_today() {
        let today = Date::from_calendar_date(2026, time::Month::November, 24).unwrap_or(Date::MIN);
        let week = window_days(&UsageFilter::default(), today);
        assert_eq!(week.len(), 7);
        assert_eq!(week.first().map(Date::to_string).as_deref(), Some("2026-11-18"));
        assert_eq!(week.last(), Some(&today));
        let month = window_days(
            &UsageFilter {
                window: UsageWindow::Month,
                connection: None,
            },
            today,
        );
        assert_eq!(month.len(), 30);
        assert_eq!(month.first().map(Date::to_string).as_deref(), Some("2026-10-26"));
    }
}
