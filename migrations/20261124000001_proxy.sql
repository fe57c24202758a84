-- The proxy: token buckets shared by every replica (one row per AWS account, Region and API), and
-- the day's usage counters behind the admin Usage page and cost estimates.

CREATE TABLE rate_buckets (
    -- `account/region/api` (or `connection:<slug>/api` when the account cannot be known).
    bucket      text PRIMARY KEY,
    -- May go negative: a caller that takes more than is there has reserved the time it waits.
    tokens      double precision NOT NULL,
    refilled_at timestamptz NOT NULL
);

CREATE TABLE usage_daily (
    day            date NOT NULL,
    connection_id  text NOT NULL,
    api            text NOT NULL,
    -- `user:<email>`, `token:<id>`, `link:<id>`, `system`, or '' when nobody caused it.
    principal      text NOT NULL DEFAULT '',
    dashboard      text NOT NULL DEFAULT '',
    calls          bigint NOT NULL DEFAULT 0,
    metrics        bigint NOT NULL DEFAULT 0,
    bytes_scanned  double precision NOT NULL DEFAULT 0,
    cache_hits     bigint NOT NULL DEFAULT 0,
    cache_misses   bigint NOT NULL DEFAULT 0,
    throttles      bigint NOT NULL DEFAULT 0,
    queue_wait_ms  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, connection_id, api, principal, dashboard)
);

CREATE INDEX usage_daily_principal ON usage_daily (principal, day);
