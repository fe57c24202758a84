-- Accounts, sessions, API tokens, sign-in throttling and the audit log.

CREATE TABLE users (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email <> ''),
    display_name  TEXT NOT NULL CHECK (display_name <> ''),
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sign_in_at TIMESTAMPTZ
);

-- tower-sessions records. The cookie carries the session id; only its SHA-256 is stored, so a
-- copy of this table cannot be used to sign in. `handle` is the public name used to list and
-- revoke a session.
CREATE TABLE sessions (
    id_hash             BYTEA PRIMARY KEY,
    handle              UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    user_id             UUID REFERENCES users (id) ON DELETE CASCADE,
    data                JSONB NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Absolute expiry: the record's expiry date, fixed at sign-in.
    expires_at          TIMESTAMPTZ NOT NULL,
    ip                  TEXT,
    user_agent          TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (name <> ''),
    token_hash   BYTEA NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

-- Failed sign-ins, counted per account and per client address over a sliding window.
CREATE TABLE login_failures (
    id     BIGSERIAL PRIMARY KEY,
    email  TEXT NOT NULL,
    ip     TEXT NOT NULL,
    at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_at ON login_failures (email, at);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id    UUID REFERENCES users (id) ON DELETE SET NULL,
    actor_email TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    detail      JSONB NOT NULL DEFAULT '{}'::jsonb,
    ip          TEXT
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
