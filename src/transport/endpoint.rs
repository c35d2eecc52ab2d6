//! The `McpEndpoint` extractor: every MCP HTTP handler takes [`Opened`], so none runs for a
//! request the access gate refuses, and none reads a token itself.

use axum::extract::{FromRequestParts, MatchedPath, Path, RawQuery};
use axum::http::request::Parts;

use super::McpState;
use crate::access::{Door, Refusal, bearer_token};
use crate::mcp::McpEndpoint;

/// The route of OAuth-protected servers; every other MCP route is keyed by a URL token.
pub const OAUTH_ROUTE: &str = "/mcp/o/{server_id}";

/// The endpoint a request opened, and the door it came through (what must stay valid for
/// a stream opened by it to stay open).
pub struct Opened {
    pub endpoint: McpEndpoint,
    pub door: Door,
}

impl FromRequestParts<McpState> for Opened {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &McpState) -> Result<Opened, Refusal> {
        let oauth = parts
            .extensions
            .get::<MatchedPath>()
            .is_some_and(|path| path.as_str() == OAUTH_ROUTE);
        let bearer = bearer_token(&parts.headers).map(str::to_owned);
        // The one path parameter: the URL token, or the OAuth server's id. A path that does
        // not decode names no server.
        let id = Path::<String>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|Path(id)| id);
        if oauth {
            let server_id = id.ok_or(Refusal::NoOAuthServer)?;
            let Ok(RawQuery(query)) = RawQuery::from_request_parts(parts, state).await;
            let endpoint = state
                .gate
                .open_by_oauth(&server_id, query.as_deref(), bearer.as_deref())
                .await?;
            Ok(Opened {
                endpoint,
                door: Door::OAuth { server_id, bearer },
            })
        } else {
            let token = id.ok_or(Refusal::UnknownUrl)?;
            let endpoint = state.gate.open_by_token(&token, bearer.as_deref()).await?;
            Ok(Opened {
                endpoint,
                door: Door::UrlToken { token, bearer },
            })
        }
    }
}
