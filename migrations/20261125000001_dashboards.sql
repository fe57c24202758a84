-- Dashboards: a CloudWatch dashboard body (the PutDashboard JSON, shorthand expanded) with
-- Watchpost's own title, folder, tags, owner and default connection. Every save is a version;
-- a save based on an older version than the current one is refused (optimistic concurrency).

CREATE TABLE dashboards (
    id            uuid PRIMARY KEY,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    tags          text[] NOT NULL DEFAULT '{}',
    -- A slash-separated path (`payments/checkout`), '' for the top level.
    folder        text NOT NULL DEFAULT '' CHECK (length(folder) <= 200),
    -- The connection widgets read from unless a widget names its own region/account. Not a
    -- foreign key: removing a connection must not remove the dashboards built on it (they say
    -- which connection is missing instead).
    connection_id text NOT NULL,
    body          jsonb NOT NULL,
    version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    owner_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Where it came from when it was imported from a connection (`<dashboard name>`), so the
    -- demo's prebuilt dashboards are imported once per connection.
    origin        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX dashboards_origin ON dashboards (connection_id, origin) WHERE origin IS NOT NULL;
CREATE INDEX dashboards_title ON dashboards (lower(title));

-- Every saved state, the current one included: view, diff and restore.
CREATE TABLE dashboard_versions (
    dashboard_id uuid NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    version      integer NOT NULL,
    title        text NOT NULL,
    body         jsonb NOT NULL,
    saved_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    saved_at     timestamptz NOT NULL DEFAULT now(),
    -- What the save was: create, import, save, restore.
    note         text NOT NULL DEFAULT '',
    PRIMARY KEY (dashboard_id, version)
);
