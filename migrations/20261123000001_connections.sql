-- Telemetry sources: named connections (AWS accounts, the demo world), demo drills, and the
-- alarm actions Watchpost has taken (one row per transition, whichever replica saw it first).

CREATE TYPE connection_kind AS ENUM ('aws', 'demo');

CREATE TABLE connections (
    -- The immutable slug used in URLs, cache keys and stored widgets.
    id           text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,39}$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
    kind         connection_kind NOT NULL,
    -- Kind-specific settings (region, credential mode, endpoint; or the demo's seed, anchor,
    -- world version, quotas and faults). Never a secret.
    settings     jsonb NOT NULL,
    -- A long-lived secret access key, encrypted (XChaCha20-Poly1305, nonce || ciphertext) with
    -- the key from WATCHPOST_SECRET_KEY; NULL for every other credential mode.
    secret       bytea,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Game days on a demo connection: append-only apart from ending one early.
CREATE TABLE demo_drills (
    id            uuid PRIMARY KEY,
    connection_id text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind          text NOT NULL,
    service       text NOT NULL,
    started_at    timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    ended_at      timestamptz,
    started_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    CHECK (ends_at > started_at),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX demo_drills_connection ON demo_drills (connection_id, started_at DESC);

-- One row per alarm transition acted on; the key makes three replicas act once.
CREATE TABLE alarm_actions (
    connection_id text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    alarm_name    text NOT NULL,
    transition_at timestamptz NOT NULL,
    old_state     text NOT NULL,
    new_state     text NOT NULL,
    reason        text NOT NULL,
    drill_id      text,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, alarm_name, transition_at)
);
