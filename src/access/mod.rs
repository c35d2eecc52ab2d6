//! Who may reach which MCP endpoint. An MCP request is opened by one of two doors: the URL
//! token of `/mcp/{token}` (plus an admin API token when the server requires one), or, for an
//! OAuth server at `/mcp/o/{server_id}`, a person's access token in `Authorization: Bearer`.
//! [`Gate`] checks either and yields the [`McpEndpoint`] the request may use, or the
//! [`Refusal`] owed instead. Transport and the HTTP surfaces ask the gate; none of them reads
//! tokens from the store itself.

pub mod bearer;
pub mod directory;
mod refusal;
pub mod upstreams;

use std::sync::Arc;
use std::time::SystemTime;

pub use bearer::{SCOPE, bearer_token, resource_metadata_url};
pub use directory::{AccessError, Directory};
pub use refusal::Refusal;

use crate::mcp::McpEndpoint;
use crate::store::servers::oauth_url;
use crate::store::unix_seconds;

/// How a request came to its endpoint: what must stay valid for it to stay open.
#[derive(Debug, Clone)]
pub enum Door {
    /// `/mcp/{token}`: the URL token, and the admin API token sent with it (needed when the
    /// server requires one).
    UrlToken {
        token: String,
        bearer: Option<String>,
    },
    /// `/mcp/o/{server_id}`: the request's access token, for this server.
    OAuth {
        server_id: String,
        bearer: Option<String>,
    },
}

/// The token directory and the base URL MCP URLs are formed from, shared by every surface.
pub struct Gate {
    pub directory: Arc<Directory>,
    /// The base clients reach this server at, without a trailing slash; MCP URLs start with
    /// it. Also the OAuth issuer.
    pub public_url: Arc<str>,
}

impl Gate {
    pub fn new(directory: Arc<Directory>, public_url: &str) -> Gate {
        Gate {
            directory,
            public_url: public_url.into(),
        }
    }

    /// The endpoint a URL token opens. Unknown, revoked and expired tokens read the same
    /// apart from the reason, so a caller learns nothing by probing. A server with
    /// `require_api_token_auth` also needs an admin token as the bearer.
    pub async fn open_by_token(
        &self,
        token: &str,
        bearer: Option<&str>,
    ) -> Result<McpEndpoint, Refusal> {
        let access = match self.directory.resolve(token, SystemTime::now()).await {
            Ok(access) => access,
            Err(AccessError::Unknown) => return Err(Refusal::UnknownUrl),
            Err(AccessError::Expired) => return Err(Refusal::ExpiredUrl),
            Err(AccessError::Unavailable) => return Err(Refusal::Unavailable),
        };
        if access.require_api_token_auth {
            let Some(bearer) = bearer else {
                return Err(Refusal::AdminTokenRequired);
            };
            match self.directory.admin_token(bearer).await {
                Ok(Some(_)) => {}
                Ok(None) => return Err(Refusal::AdminTokenRequired),
                Err(error) => {
                    tracing::error!(%error, "the store did not answer an admin token lookup");
                    return Err(Refusal::Unavailable);
                }
            }
        }
        Ok(access.endpoint)
    }

    /// The endpoint of OAuth server `server_id` for the request's access token: one issued
    /// for this very server (audience), unexpired (to the second), whose grant is live.
    /// `query` is the request's query string: a token there is refused outright (MCP
    /// authorization: "MUST NOT be included in the URI query string").
    pub async fn open_by_oauth(
        &self,
        server_id: &str,
        query: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<McpEndpoint, Refusal> {
        if query.is_some_and(bearer::names_a_token) {
            return Err(Refusal::TokenInQuery);
        }
        let now = SystemTime::now();
        let mut endpoint = match self.directory.resolve_oauth(server_id, now).await {
            Ok(endpoint) => endpoint,
            Err(AccessError::Unknown | AccessError::Expired) => {
                return Err(Refusal::NoOAuthServer);
            }
            Err(AccessError::Unavailable) => return Err(Refusal::Unavailable),
        };
        let challenge = |problem| Refusal::SignIn {
            resource: oauth_url(&self.public_url, server_id),
            problem,
        };
        let Some(token) = access_token else {
            return Err(challenge(None));
        };
        let grant = match self.directory.store().access_grant(token).await {
            Ok(Some(grant)) => grant,
            Ok(None) => return Err(challenge(Some("the access token is unknown or revoked"))),
            Err(error) => {
                tracing::error!(%error, "the store did not answer an access token lookup");
                return Err(Refusal::Unavailable);
            }
        };
        if unix_seconds(now) >= grant.expires_at {
            return Err(challenge(Some("the access token has expired")));
        }
        if grant.grant.mcp_server_id != server_id {
            return Err(challenge(Some(
                "the access token was issued for another MCP server",
            )));
        }
        endpoint.subject = Some(Arc::from(grant.grant.username.as_str()));
        Ok(endpoint)
    }

    /// The endpoint behind `door`, as it stands now.
    pub async fn open(&self, door: &Door) -> Result<McpEndpoint, Refusal> {
        match door {
            Door::UrlToken { token, bearer } => self.open_by_token(token, bearer.as_deref()).await,
            Door::OAuth { server_id, bearer } => {
                self.open_by_oauth(server_id, None, bearer.as_deref()).await
            }
        }
    }

    /// Whether `door` no longer opens its endpoint: revoked, expired, its account removed,
    /// on this replica or another. A store that cannot be reached closes nothing.
    pub async fn is_closed(&self, door: &Door) -> bool {
        match self.open(door).await {
            Ok(_) => false,
            Err(refusal) => !matches!(refusal, Refusal::Unavailable),
        }
    }
}
