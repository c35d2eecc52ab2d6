//! MCP servers: a URL token (stored as its hash) with a tool scope, an optional expiry and an
//! optional second factor, for one integrated account.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::tokens::{self, TokenHash, hash_hex};
use super::{Invalid, Store, StoreError, new_id, unix_now};
use crate::catalogue::ToolExposure;
use crate::catalogue::{Catalogue, ClientChoice, ToolFilter};

/// What an MCP server gives access to, in the admin API's shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpServerConfig {
    /// Method classes (read, write, custom) or verbs; empty means all.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Tags; empty means all.
    #[serde(default)]
    pub tags: Vec<String>,
    /// When true, requests must also carry an admin API token.
    #[serde(default)]
    pub require_api_token_auth: bool,
    #[serde(default)]
    pub tool_exposure: ToolExposure,
    /// How tools are presented: per client (`auto`) or one fixed profile.
    #[serde(default)]
    pub client: ClientChoice,
    /// When true, calls that change or notify (destructive tools, customer-visible notes)
    /// wait for the user's yes through MCP elicitation, and are refused when none comes.
    #[serde(default)]
    pub confirm_writes: bool,
    /// How clients reach the server: its secret URL, or OAuth sign-in of a person.
    #[serde(default)]
    pub auth: McpAuth,
}

/// How an MCP server is reached. Fixed when the server is created: a URL-token server never
/// opens with an OAuth access token, and an OAuth server never opens through its URL token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum McpAuth {
    /// `/mcp/{token}`: the URL is the credential.
    #[default]
    UrlToken,
    /// `/mcp/o/{server_id}`: a person signs in and the client sends an OAuth access token.
    #[serde(rename = "oauth")]
    OAuth,
}

impl McpAuth {
    /// The name the admin API, the CLI and the console use.
    pub fn as_str(self) -> &'static str {
        match self {
            McpAuth::UrlToken => "url_token",
            McpAuth::OAuth => "oauth",
        }
    }
}

impl McpServerConfig {
    /// The scope filter this config describes.
    pub fn filter(&self) -> ToolFilter {
        ToolFilter {
            methods: self.methods.clone(),
            tags: self.tags.clone(),
        }
    }

    /// Refuses methods and tags no tool has (see `check_filter`), and an admin token
    /// required on top of OAuth (both would be the request's one bearer).
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.auth == McpAuth::OAuth && self.require_api_token_auth {
            return Err(Invalid::new(
                "config.require_api_token_auth",
                "cannot be true for an OAuth server: its bearer is the person's access token; \
                 leave it false or use auth `url_token`",
            ));
        }
        check_filter(&self.filter())
    }
}

/// Refuses methods and tags no tool has, so a typo cannot silently empty a scope.
pub fn check_filter(filter: &ToolFilter) -> Result<(), Invalid> {
    let catalogue = Catalogue::global();
    let verbs = catalogue.verbs();
    for method in &filter.methods {
        let known = ["read", "write", "custom"].contains(&method.as_str())
            || verbs.contains(&method.as_str());
        if !known {
            return Err(Invalid::new(
                "config.methods",
                format!(
                    "unknown method `{method}`; use read, write, custom or a verb: {}",
                    verbs.join(", ")
                ),
            ));
        }
    }
    let tags = catalogue.tags();
    for tag in &filter.tags {
        if !tags.contains(&tag.as_str()) {
            return Err(Invalid::new(
                "config.tags",
                format!("unknown tag `{tag}`; tags: {}", tags.join(", ")),
            ));
        }
    }
    Ok(())
}

/// A stored MCP server (its token is not stored, only the token's hash).
#[derive(Debug, Clone)]
pub struct McpServer {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub config: McpServerConfig,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl McpServer {
    /// The URL clients connect to: the secret URL for a URL-token server (`token` is known
    /// only when the server is created), the stable `/mcp/o/{id}` for an OAuth server.
    pub fn url(&self, public_url: &str, token: &str) -> String {
        let base = public_url.trim_end_matches('/');
        match self.config.auth {
            McpAuth::UrlToken => format!("{base}/mcp/{token}"),
            McpAuth::OAuth => oauth_url(base, &self.id),
        }
    }
}

/// An OAuth server's URL, which is also its RFC 8707 resource identifier and the audience of
/// its access tokens.
pub fn oauth_url(public_url: &str, server_id: &str) -> String {
    format!("{}/mcp/o/{server_id}", public_url.trim_end_matches('/'))
}

/// A server to create.
pub struct NewMcpServer {
    pub account_id: String,
    pub name: String,
    pub config: McpServerConfig,
    pub expires_at: Option<i64>,
}

/// A partial update; `expires_at: Some(None)` removes the expiry.
#[derive(Default)]
pub struct McpServerChanges {
    pub name: Option<String>,
    pub config: Option<McpServerConfig>,
    pub expires_at: Option<Option<i64>>,
}

/// Checks a name and an expiry; `now` in unix seconds.
pub fn check_name_and_expiry(
    name: Option<&str>,
    expires_at: Option<i64>,
    now: i64,
) -> Result<(), Invalid> {
    if let Some(name) = name {
        super::check_line("name", name, 200)?;
    }
    if let Some(at) = expires_at
        && at <= now
    {
        return Err(Invalid::new(
            "expires_at",
            "is not in the future; give an RFC 3339 time such as 2026-12-31T23:59:59Z",
        ));
    }
    Ok(())
}

const COLUMNS: &str = "id, account_id, name, config, expires_at, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<McpServer, StoreError> {
    let config: String = row.try_get("config")?;
    let config = serde_json::from_str(&config).map_err(|e| StoreError::Corrupt {
        what: "MCP server config",
        detail: e.to_string(),
    })?;
    Ok(McpServer {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        config,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn config_json(config: &McpServerConfig) -> String {
    serde_json::to_string(config).unwrap_or_else(|_| unreachable!("a config always serialises"))
}

impl Store {
    /// Stores a new server (validate it first) and returns it with its token, which exists
    /// only in this answer. `None` when the account does not exist.
    pub async fn create_mcp_server(
        &self,
        new: NewMcpServer,
    ) -> Result<Option<(McpServer, String)>, StoreError> {
        let token = tokens::new_token();
        let id = new_id();
        let now = unix_now();
        let done = sqlx::query(
            "INSERT INTO mcp_servers (id, account_id, name, token_hash, config, expires_at, created_at, updated_at) \
             SELECT $1, id, $3, $4, $5, $6, $7, $7 FROM integrated_accounts WHERE id = $2",
        )
        .bind(&id)
        .bind(&new.account_id)
        .bind(new.name.trim())
        .bind(hash_hex(&tokens::token_hash(&token)))
        .bind(config_json(&new.config))
        .bind(new.expires_at)
        .bind(now)
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let server = McpServer {
            id,
            account_id: new.account_id,
            name: new.name.trim().to_owned(),
            config: new.config,
            expires_at: new.expires_at,
            created_at: now,
            updated_at: now,
        };
        Ok(Some((server, token)))
    }

    /// Servers, of one account or all, oldest first.
    pub async fn mcp_servers(
        &self,
        account_id: Option<&str>,
    ) -> Result<Vec<McpServer>, StoreError> {
        let rows = match account_id {
            Some(account) => sqlx::query(&format!(
                "SELECT {COLUMNS} FROM mcp_servers WHERE account_id = $1 ORDER BY created_at, id"
            ))
            .bind(account)
            .fetch_all(self.pool())
            .await?,
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM mcp_servers ORDER BY created_at, id"
                ))
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// One server of one account.
    pub async fn mcp_server(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<Option<McpServer>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM mcp_servers WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// One server by id, whatever its account, with its account's revision (OAuth servers
    /// are addressed by id).
    pub async fn mcp_server_by_id(&self, id: &str) -> Result<Option<(McpServer, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.account_id, s.name, s.config, s.expires_at, s.created_at, s.updated_at, \
             a.revision FROM mcp_servers s JOIN integrated_accounts a ON a.id = s.account_id \
             WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((from_row(&row)?, row.try_get("revision")?)))
            .transpose()
    }

    /// The server a token opens, with its account's revision.
    pub async fn mcp_server_by_token(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<(McpServer, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.account_id, s.name, s.config, s.expires_at, s.created_at, s.updated_at, \
             a.revision FROM mcp_servers s JOIN integrated_accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1",
        )
        .bind(hash_hex(hash))
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((from_row(&row)?, row.try_get("revision")?)))
            .transpose()
    }

    /// Applies a partial update; `None` when there is no such server on that account.
    pub async fn update_mcp_server(
        &self,
        account_id: &str,
        id: &str,
        changes: McpServerChanges,
    ) -> Result<Option<McpServer>, StoreError> {
        let Some(current) = self.mcp_server(account_id, id).await? else {
            return Ok(None);
        };
        let name = changes.name.map_or(current.name, |n| n.trim().to_owned());
        let config = changes.config.unwrap_or(current.config);
        let expires_at = changes.expires_at.unwrap_or(current.expires_at);
        sqlx::query(
            "UPDATE mcp_servers SET name = $3, config = $4, expires_at = $5, updated_at = $6 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id)
        .bind(id)
        .bind(&name)
        .bind(config_json(&config))
        .bind(expires_at)
        .bind(unix_now())
        .execute(self.pool())
        .await?;
        self.mcp_server(account_id, id).await
    }

    /// Deletes a server (of that account, when given); false when there was none.
    pub async fn delete_mcp_server(
        &self,
        account_id: Option<&str>,
        id: &str,
    ) -> Result<bool, StoreError> {
        let done = match account_id {
            Some(account) => {
                sqlx::query("DELETE FROM mcp_servers WHERE account_id = $1 AND id = $2")
                    .bind(account)
                    .bind(id)
                    .execute(self.pool())
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM mcp_servers WHERE id = $1")
                    .bind(id)
                    .execute(self.pool())
                    .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// The earliest expiry of any server, in unix seconds.
    pub async fn next_expiry(&self) -> Result<Option<i64>, StoreError> {
        let row: (Option<i64>,) =
            sqlx::query_as("SELECT MIN(expires_at) FROM mcp_servers WHERE expires_at IS NOT NULL")
                .fetch_one(self.pool())
                .await?;
        Ok(row.0)
    }

    /// Deletes every server whose expiry is at or before `now`; their ids.
    pub async fn delete_expired_mcp_servers(&self, now: i64) -> Result<Vec<String>, StoreError> {
        let expired: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM mcp_servers WHERE expires_at IS NOT NULL AND expires_at <= $1",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        let mut deleted = Vec::new();
        for (id,) in expired {
            // Re-checked per row: another replica may have extended or deleted it meanwhile.
            let done = sqlx::query(
                "DELETE FROM mcp_servers WHERE id = $1 AND expires_at IS NOT NULL AND expires_at <= $2",
            )
            .bind(&id)
            .bind(now)
            .execute(self.pool())
            .await?;
            if done.rows_affected() == 1 {
                deleted.push(id);
            }
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_and_tags_name_their_field() {
        let config = |methods: &[&str], tags: &[&str]| McpServerConfig {
            methods: methods.iter().map(|s| s.to_string()).collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            ..McpServerConfig::default()
        };
        assert!(config(&["read", "list"], &["crm"]).validate().is_ok());
        assert_eq!(
            config(&["reed"], &[]).validate().unwrap_err().field,
            "config.methods"
        );
        assert_eq!(
            config(&[], &["crn"]).validate().unwrap_err().field,
            "config.tags"
        );
    }

    #[test]
    fn names_must_be_given_and_expiry_in_the_future() {
        assert!(check_name_and_expiry(Some("x"), Some(11), 10).is_ok());
        assert_eq!(
            check_name_and_expiry(Some(" "), None, 10)
                .unwrap_err()
                .field,
            "name"
        );
        assert_eq!(
            check_name_and_expiry(None, Some(10), 10).unwrap_err().field,
            "expires_at"
        );
    }

    #[test]
    fn oauth_servers_cannot_also_require_an_admin_token() {
        let config = McpServerConfig {
            auth: McpAuth::OAuth,
            require_api_token_auth: true,
            ..McpServerConfig::default()
        };
        assert_eq!(
            config.validate().unwrap_err().field,
            "config.require_api_token_auth"
        );
        let parsed: McpServerConfig = serde_json::from_str(r#"{"auth": "oauth"}"#).unwrap();
        assert_eq!(parsed.auth, McpAuth::OAuth);
        assert_eq!(McpServerConfig::default().auth, McpAuth::UrlToken);
    }

    #[test]
    fn configs_default_to_everything_listed() {
        let config: McpServerConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, McpServerConfig::default());
        assert!(config.filter().methods.is_empty());
    }
}
