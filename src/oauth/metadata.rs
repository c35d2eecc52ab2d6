//! The two discovery documents: RFC 8414 authorization server metadata at the issuer's
//! well-known URL, and RFC 9728 protected resource metadata for each OAuth MCP server at its
//! path-inserted well-known URL. URL-token servers have none, so clients that connect with
//! a secret URL or static headers are never pointed at OAuth.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::OAuthState;
use super::SCOPE;
use crate::store::servers::oauth_url;
use crate::store::{McpAuth, unix_now};

/// The issuer's endpoints, all under `public_url`.
pub struct Endpoints {
    pub issuer: String,
    pub authorize: String,
    pub token: String,
    pub register: String,
}

impl Endpoints {
    /// The endpoints for a public URL.
    pub fn of(public_url: &str) -> Endpoints {
        let issuer = public_url.trim_end_matches('/').to_owned();
        Endpoints {
            authorize: format!("{issuer}/oauth/authorize"),
            token: format!("{issuer}/oauth/token"),
            register: format!("{issuer}/oauth/register"),
            issuer,
        }
    }
}

/// `GET /.well-known/oauth-authorization-server`.
pub async fn authorization_server(State(state): State<OAuthState>) -> Json<Value> {
    let endpoints = Endpoints::of(&state.gate.public_url);
    Json(json!({
        "issuer": endpoints.issuer,
        "authorization_endpoint": endpoints.authorize,
        "token_endpoint": endpoints.token,
        "registration_endpoint": endpoints.register,
        "scopes_supported": [SCOPE],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": true,
    }))
}

/// `GET /.well-known/oauth-protected-resource/mcp/o/{server_id}`: 404 unless that server
/// exists, has not expired and is an OAuth server.
pub async fn protected_resource(
    State(state): State<OAuthState>,
    Path(server_id): Path<String>,
) -> Response {
    let found = state
        .gate
        .directory
        .store()
        .mcp_server_by_id(&server_id)
        .await;
    let server = match found {
        Ok(Some((server, _))) => server,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "the store did not answer a resource metadata lookup");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let live = server.expires_at.is_none_or(|at| unix_now() < at);
    if server.config.auth != McpAuth::OAuth || !live {
        return not_found();
    }
    let endpoints = Endpoints::of(&state.gate.public_url);
    Json(json!({
        "resource": oauth_url(&state.gate.public_url, &server.id),
        "authorization_servers": [endpoints.issuer],
        "scopes_supported": [SCOPE],
        "bearer_methods_supported": ["header"],
    }))
    .into_response()
}

/// The well-known OAuth paths of a URL-token MCP server
/// (`/.well-known/oauth-protected-resource/mcp/{token}`, the authorization server and OpenID
/// forms of the same, and those paths appended to the URL). Such a server takes no OAuth, and
/// an OAuth-aware client that finds nothing here reports an empty 404 as "Invalid OAuth error
/// response" or a failed registration. So it is told, in JSON, what is wrong with the URL it
/// holds: unknown, revoked or expired, or a live secret URL that needs no sign-in. (The MCP
/// endpoint itself already says which by answering 401 or not; nothing new is revealed.)
pub async fn url_token_paths(
    State(state): State<OAuthState>,
    Path(token): Path<String>,
) -> Response {
    let description = match state
        .gate
        .directory
        .resolve(&token, std::time::SystemTime::now())
        .await
    {
        Ok(_) => {
            "This MCP URL is a live secret URL: the token in its path is the credential, and it takes no OAuth sign-in. Configure the client to connect without authentication (no OAuth)."
        }
        Err(crate::access::directory::AccessError::Unavailable) => {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Err(_) => {
            "This MCP URL is unknown, revoked or expired: it opens no MCP server, so there is nothing to sign in to. Ask the administrator for a new MCP URL."
        }
    };
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "not_found", "error_description": description})),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "no OAuth-protected MCP server at this address",
    )
        .into_response()
}
