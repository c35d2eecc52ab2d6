//! The protected resource side: an OAuth MCP server's request opens its endpoint only with
//! an access token from `Authorization: Bearer` that was issued for this very server
//! (audience), has not expired (to the second) and whose grant is live. Without one the
//! answer is 401 with `WWW-Authenticate: Bearer resource_metadata="…"` (RFC 9728 §5.1).

use std::sync::Arc;
use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::SCOPE;
use super::metadata::resource_metadata_url;
use crate::mcp::McpEndpoint;
use crate::server::directory::AccessError;
use crate::server::{AppState, bearer_token};
use crate::store::servers::oauth_url;
use crate::store::unix_seconds;

impl AppState {
    /// The endpoint of OAuth server `server_id` for this request's access token, or the
    /// answer owed instead. `query` is the request's query string: a token there is refused
    /// outright (MCP authorization: "MUST NOT be included in the URI query string").
    pub async fn oauth_endpoint(
        &self,
        server_id: &str,
        query: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<McpEndpoint, Response> {
        if query.is_some_and(names_a_token) {
            return Err(token_in_query());
        }
        let now = SystemTime::now();
        let mut endpoint = match self.directory.resolve_oauth(server_id, now).await {
            Ok(endpoint) => endpoint,
            Err(AccessError::Unknown | AccessError::Expired) => {
                return Err(crate::transport::streamable_http::plain(
                    StatusCode::NOT_FOUND,
                    "no OAuth-protected MCP server at this address",
                ));
            }
            Err(AccessError::Unavailable) => return Err(unavailable()),
        };
        let resource = oauth_url(&self.public_url, server_id);
        let Some(token) = bearer_token(headers) else {
            return Err(challenge(&resource, None));
        };
        let grant = match self.directory.store().access_grant(token).await {
            Ok(Some(grant)) => grant,
            Ok(None) => {
                return Err(challenge(
                    &resource,
                    Some("the access token is unknown or revoked"),
                ));
            }
            Err(error) => {
                tracing::error!(%error, "the store did not answer an access token lookup");
                return Err(unavailable());
            }
        };
        if unix_seconds(now) >= grant.expires_at {
            return Err(challenge(&resource, Some("the access token has expired")));
        }
        if grant.grant.mcp_server_id != server_id {
            return Err(challenge(
                &resource,
                Some("the access token was issued for another MCP server"),
            ));
        }
        endpoint.subject = Some(Arc::from(grant.grant.username.as_str()));
        Ok(endpoint)
    }
}

/// Whether a query string carries something that looks like a token, under any name.
fn names_a_token(query: &str) -> bool {
    query.split('&').any(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        name.eq_ignore_ascii_case("access_token")
            || value.starts_with(crate::store::tokens::ACCESS_TOKEN_PREFIX)
    })
}

/// 401 pointing at the resource's metadata; `problem` set when a token was sent (RFC 6750
/// §3: `invalid_token`), absent when none was.
fn challenge(resource: &str, problem: Option<&str>) -> Response {
    let metadata = resource_metadata_url(resource);
    let mut value = format!("Bearer resource_metadata=\"{metadata}\", scope=\"{SCOPE}\"");
    if let Some(problem) = problem {
        value.push_str(&format!(
            ", error=\"invalid_token\", error_description=\"{problem}\""
        ));
    }
    let body = serde_json::json!({
        "error": if problem.is_some() { "invalid_token" } else { "unauthorized" },
        "error_description": problem.unwrap_or(
            "this MCP server needs you to sign in: connect with an OAuth-capable client, which will discover how from resource_metadata"
        ),
    });
    let mut response = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn token_in_query() -> Response {
    let body = serde_json::json!({
        "error": "invalid_request",
        "error_description": "access tokens are never accepted in the URL; send Authorization: Bearer <token>",
    });
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "bms-mcp cannot reach its store or this account's BMS settings right now; try again shortly",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_in_the_query_is_found_under_any_name() {
        assert!(names_a_token("access_token=x"));
        assert!(names_a_token("a=1&ACCESS_TOKEN=x"));
        assert!(names_a_token("t=bmso_abc"));
        assert!(!names_a_token("a=1&b=2"));
    }
}
