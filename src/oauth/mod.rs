//! The OAuth 2.1 front door of OAuth-protected MCP servers (`auth: "oauth"`), as the MCP
//! authorization specification (2025-11-25) describes it: the MCP server is the protected
//! resource (RFC 9728 metadata, 401 with `resource_metadata`), and a built-in authorization
//! server (RFC 8414 metadata, authorization code with PKCE S256, refresh-token rotation,
//! RFC 8707 resource indicators, RFC 9207 `iss`, RFC 7591 registration) signs in local users.
//!
//! The issuer is `public_url`. Every token is opaque, random, stored as its SHA-256 and bound
//! to one MCP server (its audience); none is ever accepted from a query string or sent to BMS.

pub mod authorize;
pub mod client_metadata;
pub mod errors;
pub mod metadata;
pub mod oidc;
pub mod pages;
pub mod pending;
pub mod register;
pub mod throttle;
pub mod token;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::access::Gate;
/// The one scope this server grants. Requested scopes never widen or narrow it.
pub use crate::access::SCOPE;

/// What the authorization server's handlers share: the gate (directory, public URL) and
/// the authorization server's own settings.
#[derive(Clone)]
pub struct OAuthState {
    pub gate: Arc<Gate>,
    pub oauth: Arc<AuthServer>,
}

/// How long what the authorization server issues stays good, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// Access tokens: short, so a leaked one is soon worthless; clients refresh.
    pub access: i64,
    /// Refresh tokens (each used once; its successor gets a full lifetime again).
    pub refresh: i64,
    /// Authorization codes: only the hop from the browser back to the client.
    pub code: i64,
    /// A sign-in or consent page, from opening to submitting.
    pub page: i64,
}

impl Default for Lifetimes {
    fn default() -> Lifetimes {
        Lifetimes {
            access: 15 * 60,
            refresh: 30 * 86_400,
            code: 60,
            page: 10 * 60,
        }
    }
}

/// The authorization server's settings: the key that signs its pages' hidden state and
/// the lifetimes of what it issues.
pub struct AuthServer {
    key: [u8; 32],
    /// Lifetimes of tokens, codes and pages.
    pub lifetimes: Lifetimes,
    /// Client metadata documents may be fetched over plain http from loopback. For tests
    /// only: `serve` never sets it.
    pub loopback_client_metadata: bool,
    /// Failed sign-ins per user name.
    pub throttle: throttle::SignInThrottle,
    /// The OpenID Connect provider people may also sign in with, if one is configured.
    pub oidc: Option<oidc::Provider>,
}

impl AuthServer {
    /// `key` must be the same on every replica (derived from `secret_key`), so a page
    /// served by one is accepted by another.
    pub fn new(key: [u8; 32], lifetimes: Lifetimes) -> AuthServer {
        AuthServer {
            key,
            lifetimes,
            loopback_client_metadata: false,
            throttle: throttle::SignInThrottle::default(),
            oidc: None,
        }
    }

    /// The same, with people also signing in at an OpenID Connect provider.
    pub fn with_oidc(mut self, provider: oidc::Provider) -> AuthServer {
        self.oidc = Some(provider);
        self
    }

    /// The same, fetching client metadata documents from loopback over http (tests).
    pub fn with_loopback_client_metadata(mut self) -> AuthServer {
        self.loopback_client_metadata = true;
        self
    }

    pub(crate) fn key(&self) -> &[u8; 32] {
        &self.key
    }
}

/// The authorization server's routes and the protected resource metadata, merged into
/// `app()` inside the Host/Origin guard and the body limit.
pub fn routes(state: OAuthState) -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::authorization_server),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp/o/{server_id}",
            get(metadata::protected_resource),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp/{token}",
            get(metadata::url_token_paths),
        )
        .route(
            "/.well-known/oauth-authorization-server/mcp/{token}",
            get(metadata::url_token_paths),
        )
        .route(
            "/.well-known/openid-configuration/mcp/{token}",
            get(metadata::url_token_paths),
        )
        .route(
            "/mcp/{token}/.well-known/oauth-protected-resource",
            get(metadata::url_token_paths),
        )
        .route(
            "/mcp/{token}/.well-known/oauth-authorization-server",
            get(metadata::url_token_paths),
        )
        .route(
            "/mcp/{token}/.well-known/openid-configuration",
            get(metadata::url_token_paths),
        )
        .route(
            "/oauth/authorize",
            get(authorize::start).post(authorize::submit),
        )
        .route(oidc::CALLBACK_PATH, get(oidc::flow::callback))
        .route("/oauth/token", post(token::exchange))
        .route("/oauth/register", post(register::register))
        .with_state(state)
}
