//! OAuth state: registered clients, grants (one person's consent for one client on one MCP
//! server) and what is issued under a grant: authorization codes, access tokens and refresh
//! tokens. Codes and tokens are stored only as SHA-256 hex. A code and a refresh token are
//! each good once; presenting either a second time revokes the whole grant (RFC 6749 §4.1.2,
//! OAuth 2.1 §4.3.1: a replay means one of the two holders is an attacker).

use super::tokens::{self, hash_hex, token_hash};
use super::{Store, StoreError, new_id, unix_now};

/// A registered client (RFC 7591). Public: it proves nothing but PKCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub id: String,
    pub name: String,
    /// Compared exactly with the `redirect_uri` of each request.
    pub redirect_uris: Vec<String>,
    pub created_at: i64,
}

/// A live grant: who consented, from which client, to which MCP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub mcp_server_id: String,
    /// The person's user name: the audit log's subject.
    pub username: String,
}

/// A code redeemed for the first time, with what it was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedeemedCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: i64,
}

/// What presenting a code or refresh token came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption<T> {
    /// First use; the value is now spent.
    Fresh(T),
    /// Used before: the grant is revoked now.
    Replayed,
    /// Never issued, issued under a revoked grant, or its person or server is gone.
    Unknown,
}

/// A live grant as the console lists it: who, from which client, to which MCP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantListing {
    pub id: String,
    pub username: String,
    pub client_name: String,
    pub server_name: String,
    pub account_name: String,
    pub created_at: i64,
}

/// A new access token and refresh token, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: i64,
}

/// What an access token opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    pub grant: Grant,
    /// Unix second from which the token is refused.
    pub expires_at: i64,
}

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// The grant columns, joined so that a grant whose person or server is gone opens nothing
/// whether or not the database enforces foreign keys.
const LIVE_GRANT: &str = "JOIN oauth_grants g ON g.id = x.grant_id \
     JOIN oauth_users u ON u.id = g.user_id \
     JOIN mcp_servers s ON s.id = g.mcp_server_id";

type GrantRow = (String, String, String, String, Option<i64>);

fn grant_from(row: &GrantRow) -> Option<Grant> {
    let (id, client_id, mcp_server_id, username, revoked_at) = row;
    revoked_at.is_none().then(|| Grant {
        id: id.clone(),
        client_id: client_id.clone(),
        mcp_server_id: mcp_server_id.clone(),
        username: username.clone(),
    })
}

impl Store {
    /// Registers a client; its id is new and random.
    pub async fn create_oauth_client(
        &self,
        name: &str,
        redirect_uris: Vec<String>,
    ) -> Result<OAuthClient, StoreError> {
        let client = OAuthClient {
            id: new_id(),
            name: name.to_owned(),
            redirect_uris,
            created_at: unix_now(),
        };
        let uris = serde_json::to_string(&client.redirect_uris)
            .unwrap_or_else(|_| unreachable!("strings always serialise"));
        sqlx::query(
            "INSERT INTO oauth_clients (id, name, redirect_uris, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&client.id)
        .bind(&client.name)
        .bind(uris)
        .bind(client.created_at)
        .execute(self.pool())
        .await?;
        Ok(client)
    }

    /// Records (or refreshes) a client known by its metadata document: its id is the
    /// document's URL. Grants refer to it like to a registered client.
    pub async fn record_metadata_client(
        &self,
        url: &str,
        name: &str,
        redirect_uris: Vec<String>,
    ) -> Result<OAuthClient, StoreError> {
        let client = OAuthClient {
            id: url.to_owned(),
            name: name.to_owned(),
            redirect_uris,
            created_at: unix_now(),
        };
        let uris = serde_json::to_string(&client.redirect_uris)
            .unwrap_or_else(|_| unreachable!("strings always serialise"));
        sqlx::query(
            "INSERT INTO oauth_clients (id, name, redirect_uris, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris",
        )
        .bind(&client.id)
        .bind(&client.name)
        .bind(uris)
        .bind(client.created_at)
        .execute(self.pool())
        .await?;
        Ok(client)
    }

    /// A registered client by id.
    pub async fn oauth_client(&self, id: &str) -> Result<Option<OAuthClient>, StoreError> {
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, name, redirect_uris, created_at FROM oauth_clients WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(id, name, uris, created_at)| {
            let redirect_uris = serde_json::from_str(&uris).map_err(|e| StoreError::Corrupt {
                what: "OAuth client redirect URIs",
                detail: e.to_string(),
            })?;
            Ok(OAuthClient {
                id,
                name,
                redirect_uris,
                created_at,
            })
        })
        .transpose()
    }

    /// Records a person's consent; the grant's id.
    pub async fn create_grant(
        &self,
        user_id: &str,
        client_id: &str,
        mcp_server_id: &str,
    ) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO oauth_grants (id, user_id, client_id, mcp_server_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(client_id)
        .bind(mcp_server_id)
        .bind(unix_now())
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Every live grant, by person then newest first.
    pub async fn live_grants(&self) -> Result<Vec<GrantListing>, StoreError> {
        type Row = (String, String, String, String, String, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT g.id, u.username, c.name, s.name, a.name, g.created_at FROM oauth_grants g \
             JOIN oauth_users u ON u.id = g.user_id JOIN oauth_clients c ON c.id = g.client_id \
             JOIN mcp_servers s ON s.id = g.mcp_server_id \
             JOIN integrated_accounts a ON a.id = s.account_id \
             WHERE g.revoked_at IS NULL ORDER BY u.username, g.created_at DESC, g.id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, username, client_name, server_name, account_name, created_at)| GrantListing {
                    id,
                    username,
                    client_name,
                    server_name,
                    account_name,
                    created_at,
                },
            )
            .collect())
    }

    /// Revokes a grant: its codes and tokens open nothing from now on.
    pub async fn revoke_grant(&self, grant_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE oauth_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(grant_id)
            .bind(unix_now())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A new authorization code under a grant; the code, shown once.
    pub async fn issue_code(
        &self,
        grant_id: &str,
        redirect_uri: &str,
        code_challenge: &str,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let code = tokens::random_token(tokens::CODE_PREFIX);
        sqlx::query(
            "INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash_hex(&token_hash(&code)))
        .bind(grant_id)
        .bind(redirect_uri)
        .bind(code_challenge)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(code)
    }

    /// Spends a code. Whatever the caller then finds wrong with it (expiry, PKCE, redirect
    /// URI), it can never be used again.
    pub async fn redeem_code(&self, code: &str) -> Result<Redemption<RedeemedCode>, StoreError> {
        if !tokens::has_shape(code, tokens::CODE_PREFIX) {
            return Ok(Redemption::Unknown);
        }
        let hash = hash_hex(&token_hash(code));
        type Row = (
            String,
            String,
            String,
            String,
            Option<i64>,
            String,
            String,
            i64,
        );
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT g.id, g.client_id, g.mcp_server_id, u.username, g.revoked_at, \
             x.redirect_uri, x.code_challenge, x.expires_at FROM oauth_codes x {LIVE_GRANT} \
             WHERE x.code_hash = $1"
        ))
        .bind(&hash)
        .fetch_optional(self.pool())
        .await?;
        let Some((id, client, server, user, revoked, redirect_uri, challenge, expires_at)) = row
        else {
            return Ok(Redemption::Unknown);
        };
        // The conditional update decides first use, so two concurrent redemptions cannot
        // both win.
        let spent = sqlx::query(
            "UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
        )
        .bind(&hash)
        .bind(unix_now())
        .execute(self.pool())
        .await?;
        if spent.rows_affected() == 0 {
            self.revoke_grant(&id).await?;
            return Ok(Redemption::Replayed);
        }
        let Some(grant) = grant_from(&(id, client, server, user, revoked)) else {
            return Ok(Redemption::Unknown);
        };
        Ok(Redemption::Fresh(RedeemedCode {
            grant,
            redirect_uri,
            code_challenge: challenge,
            expires_at,
        }))
    }

    /// A new access token and refresh token under a grant.
    pub async fn issue_tokens(
        &self,
        grant_id: &str,
        access_expires_at: i64,
        refresh_expires_at: i64,
    ) -> Result<TokenPair, StoreError> {
        let pair = TokenPair {
            access_token: tokens::random_token(tokens::ACCESS_TOKEN_PREFIX),
            refresh_token: tokens::random_token(tokens::REFRESH_TOKEN_PREFIX),
            access_expires_at,
        };
        let now = unix_now();
        let mut tx = self.pool().begin().await?;
        for (token, kind, expires_at) in [
            (&pair.access_token, ACCESS, access_expires_at),
            (&pair.refresh_token, REFRESH, refresh_expires_at),
        ] {
            sqlx::query(
                "INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(hash_hex(&token_hash(token)))
            .bind(grant_id)
            .bind(kind)
            .bind(expires_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(pair)
    }

    /// Spends a refresh token that has not expired at `now`; its grant. An expired one is
    /// `Unknown` (and stays unspent: it can never be used anyway).
    pub async fn redeem_refresh_token(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Redemption<Grant>, StoreError> {
        if !tokens::has_shape(token, tokens::REFRESH_TOKEN_PREFIX) {
            return Ok(Redemption::Unknown);
        }
        let hash = hash_hex(&token_hash(token));
        type Row = (String, String, String, String, Option<i64>, i64);
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT g.id, g.client_id, g.mcp_server_id, u.username, g.revoked_at, x.expires_at \
             FROM oauth_tokens x {LIVE_GRANT} WHERE x.token_hash = $1 AND x.kind = '{REFRESH}'"
        ))
        .bind(&hash)
        .fetch_optional(self.pool())
        .await?;
        let Some((id, client, server, user, revoked, expires_at)) = row else {
            return Ok(Redemption::Unknown);
        };
        if now >= expires_at {
            return Ok(Redemption::Unknown);
        }
        let spent = sqlx::query(
            "UPDATE oauth_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
        )
        .bind(&hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        if spent.rows_affected() == 0 {
            self.revoke_grant(&id).await?;
            return Ok(Redemption::Replayed);
        }
        Ok(grant_from(&(id, client, server, user, revoked))
            .map_or(Redemption::Unknown, Redemption::Fresh))
    }

    /// What an access token opens, with its expiry for the caller to check; `None` for a
    /// token never issued or whose grant is revoked or gone.
    pub async fn access_grant(&self, token: &str) -> Result<Option<AccessGrant>, StoreError> {
        if !tokens::has_shape(token, tokens::ACCESS_TOKEN_PREFIX) {
            return Ok(None);
        }
        type Row = (String, String, String, String, Option<i64>, i64);
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT g.id, g.client_id, g.mcp_server_id, u.username, g.revoked_at, x.expires_at \
             FROM oauth_tokens x {LIVE_GRANT} WHERE x.token_hash = $1 AND x.kind = '{ACCESS}'"
        ))
        .bind(hash_hex(&token_hash(token)))
        .fetch_optional(self.pool())
        .await?;
        Ok(
            row.and_then(|(id, client, server, user, revoked, expires_at)| {
                grant_from(&(id, client, server, user, revoked))
                    .map(|grant| AccessGrant { grant, expires_at })
            }),
        )
    }

    /// Deletes codes and tokens that expired before `now` (they open nothing already).
    pub async fn prune_oauth(&self, now: i64) -> Result<u64, StoreError> {
        let codes = sqlx::query("DELETE FROM oauth_codes WHERE expires_at < $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        let tokens = sqlx::query("DELETE FROM oauth_tokens WHERE expires_at < $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(codes.rows_affected() + tokens.rows_affected())
    }
}
