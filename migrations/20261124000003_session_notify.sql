-- Replicas keep resolved sessions in memory for at most a second; these triggers tell every
-- replica (LISTEN watchpost_sessions) to forget them at once when a session ends or a user's
-- role or status changes, so a revocation never waits for the second to pass.

CREATE FUNCTION watchpost_sessions_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('watchpost_sessions', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_ended AFTER DELETE OR UPDATE OF expires_at ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION watchpost_sessions_changed();

CREATE TRIGGER users_access_changed AFTER UPDATE OF role, active ON users
    FOR EACH STATEMENT EXECUTE FUNCTION watchpost_sessions_changed();
