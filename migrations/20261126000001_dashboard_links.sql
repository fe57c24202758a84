-- Public read-only links to one dashboard. The token is shown once when the link is made; only
-- its SHA-256 is stored, so a copy of the database does not open the links. Every link expires
-- (no "never"), and a revoked one stays listed (who made it, when it was revoked) until the
-- dashboard goes.

CREATE TABLE dashboard_links (
    id           uuid PRIMARY KEY,
    dashboard_id uuid NOT NULL REFERENCES dashboards (id) ON DELETE CASCADE,
    -- SHA-256 of the token (32 random bytes, base64url without padding).
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    label        text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL CHECK (expires_at > created_at),
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX dashboard_links_dashboard ON dashboard_links (dashboard_id, created_at DESC);
