-- Admin console sessions, so signing out ends a session on the server: a cookie copied before
-- sign-out opens, but names a session that is gone. Only the SHA-256 of the session id is kept.
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    admin_token_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
