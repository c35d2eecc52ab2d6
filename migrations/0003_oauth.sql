-- The OAuth 2.1 front door: people who sign in, the clients they sign in from, what they have
-- granted, and the codes and tokens of those grants. Codes and tokens are stored only as the
-- SHA-256 hex of their value, passwords only as Argon2id PHC strings. An MCP server's `auth`
-- lives in its JSON config, so that table does not change.

CREATE TABLE oauth_users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Registered clients (RFC 7591). `redirect_uris` is a JSON array, matched exactly.
CREATE TABLE oauth_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One person's consent for one client on one MCP server. Revoking it (`revoked_at`) ends
-- every code and token issued under it.
CREATE TABLE oauth_grants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES oauth_users (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    mcp_server_id TEXT NOT NULL REFERENCES mcp_servers (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

-- Authorization codes: single use (`used_at`), PKCE S256 challenge, the exact redirect URI.
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Access and refresh tokens. A refresh token is used once (`used_at`); presenting it again
-- revokes its grant.
CREATE TABLE oauth_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);

-- Who made each tool call: the OAuth subject; NULL for URL-token servers.
ALTER TABLE tool_calls ADD COLUMN subject TEXT;
