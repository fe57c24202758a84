-- The Logs Insights scheduler (proxy::insights): a concurrency budget per connection held by
-- every replica through lease rows, a FIFO queue, and one upstream query (an *execution*) shared
-- by every identical request (a user's *run*). Finished results stay here after CloudWatch drops
-- them (7 days), so a run can be reopened by id and shared.

CREATE TYPE insights_state AS ENUM ('queued', 'running', 'complete', 'failed', 'cancelled', 'timeout');

-- Per connection: the queue's generation, bumped whenever an execution leaves the queue (so a
-- waiting run's position change is a new version of its view), taken with FOR UPDATE by whoever
-- bumps it.
CREATE TABLE insights_connections (
    connection_id text PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    queue_gen     bigint NOT NULL DEFAULT 0
);

-- One row per principal that ever submitted: locked FOR UPDATE while a submit counts the
-- principal's queued and running runs, so two replicas cannot both admit the sixth.
CREATE TABLE insights_principals (
    principal text PRIMARY KEY
);

-- One shared upstream query. `key` hashes what makes two requests identical (query string,
-- sorted log groups, range in whole minutes, limit, language); the partial unique index makes
-- concurrent submitters on different replicas converge on one row while it is not final.
CREATE TABLE insights_executions (
    id             uuid PRIMARY KEY,
    connection_id  text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    key            text NOT NULL,
    -- The StartQueryInput sent upstream (normalised: whole minutes, sorted groups).
    input          jsonb NOT NULL,
    -- Who caused it (the first submitter), as proxy::Principal JSON and its key, for the
    -- upstream's records and usage accounting.
    principal      jsonb NOT NULL,
    principal_key  text NOT NULL,
    state          insights_state NOT NULL DEFAULT 'queued',
    enqueued_at    timestamptz NOT NULL DEFAULT now(),
    -- Took a slot (the view's start); the first StartQuery answer is `query_started_at`.
    started_at     timestamptz,
    query_started_at timestamptz,
    finished_at    timestamptz,
    -- The upstream query id; NULL until StartQuery answers, and again when a restart is needed.
    query_id       text,
    -- StartQuery calls made after a crash or a lost upstream query.
    restarts       integer NOT NULL DEFAULT 0,
    -- The latest GetQueryResultsOutput (partial while running, final after), CloudWatch's shape.
    output         jsonb,
    -- A cloudwatch::SourceError ({kind, code, message}) when it failed.
    error          jsonb,
    -- Bumped on every change a viewer can see; see proxy::insights for the view's version.
    version        bigint NOT NULL DEFAULT 0,
    CHECK ((state IN ('queued', 'running')) = (finished_at IS NULL))
);
CREATE UNIQUE INDEX insights_executions_live_key
    ON insights_executions (connection_id, key) WHERE state IN ('queued', 'running');
-- The FIFO queue, and finished executions that may be reused.
CREATE INDEX insights_executions_queue
    ON insights_executions (connection_id, enqueued_at, id) WHERE state = 'queued';
CREATE INDEX insights_executions_recent
    ON insights_executions (connection_id, key, finished_at DESC) WHERE state = 'complete';

-- The budget: `budget` rows per connection, one per concurrent query allowed. A slot is used
-- while `execution_id` is set; its owner renews `lease_until`, and a slot whose lease ran out
-- (the owner crashed) is taken over with FOR UPDATE SKIP LOCKED by any replica.
CREATE TABLE insights_slots (
    connection_id text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    slot          integer NOT NULL CHECK (slot >= 0),
    execution_id  uuid REFERENCES insights_executions (id) ON DELETE SET NULL,
    owner_replica text,
    lease_until   timestamptz,
    PRIMARY KEY (connection_id, slot),
    CHECK ((execution_id IS NULL) = (owner_replica IS NULL))
);
CREATE UNIQUE INDEX insights_slots_execution ON insights_slots (execution_id) WHERE execution_id IS NOT NULL;
CREATE INDEX insights_slots_owner ON insights_slots (owner_replica) WHERE execution_id IS NOT NULL;

-- A user's request: who, with which parameters, when. Many runs share one execution; a run
-- detached by its user (cancelled_at) no longer keeps the execution alive.
CREATE TABLE insights_runs (
    id            uuid PRIMARY KEY,
    execution_id  uuid NOT NULL REFERENCES insights_executions (id) ON DELETE CASCADE,
    connection_id text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    principal     jsonb NOT NULL,
    principal_key text NOT NULL,
    -- The StartQueryInput as the user gave it.
    input         jsonb NOT NULL,
    dashboard     text,
    widget        text,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    cancelled_at  timestamptz,
    -- Bumped when the run itself changes (cancelled).
    version       bigint NOT NULL DEFAULT 0
);
CREATE INDEX insights_runs_execution ON insights_runs (execution_id) WHERE cancelled_at IS NULL;
CREATE INDEX insights_runs_principal ON insights_runs (principal_key, submitted_at DESC);
