-- Identity, second pass.
-- 1. Roles become an ordered Postgres enum, so SQL compares them (`LEAST`, `>`) in the same
--    order as the Rust `Role` and no query keeps a CASE copy of that order.
-- 2. Sessions are Watchpost's own (no tower-sessions record): the row is the session, keyed by
--    the SHA-256 of the cookie's secret, always for a user.

CREATE TYPE user_role AS ENUM ('viewer', 'editor', 'admin');

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ALTER COLUMN role TYPE user_role USING role::user_role;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ALTER COLUMN role TYPE user_role USING role::user_role;

DELETE FROM sessions WHERE user_id IS NULL;
ALTER TABLE sessions ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE sessions DROP COLUMN data;

-- Sign-in throttling counts (account, address) pairs as well as accounts and addresses.
CREATE INDEX login_failures_email_ip_at ON login_failures (email, ip, at);
