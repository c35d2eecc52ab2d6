//! The ways MCP messages reach the handler: Streamable HTTP, the legacy SSE transport, stdio.
//! The HTTP transports share [`McpState`] and mount their routes with [`routes`]; each request
//! is opened by the [`endpoint::Opened`] extractor, which asks the access gate.

pub mod endpoint;
pub mod guard;
pub mod session;
pub mod sse;
pub mod stdio;
pub mod streamable_http;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::access::{Door, Gate};
use crate::mcp::Handler;
use session::Sessions;
use sse::SseHub;

/// How often an open event stream checks that its URL still opens its MCP server.
pub const REVOCATION_CHECK: Duration = Duration::from_secs(2);

/// What the HTTP transports share.
#[derive(Clone)]
pub struct McpState {
    pub handler: Arc<Handler>,
    pub gate: Arc<Gate>,
    pub sessions: Arc<Sessions>,
    pub sse: Arc<SseHub>,
}

/// The MCP routes: Streamable HTTP at `/mcp/{token}` and `/mcp/o/{server_id}`, the legacy
/// SSE transport under `/mcp/{token}`.
pub fn routes(state: McpState) -> Router {
    Router::new()
        .route(
            "/mcp/{token}",
            get(streamable_http::get)
                .post(streamable_http::post)
                .delete(streamable_http::delete),
        )
        .route("/mcp/{token}/sse", get(sse::open))
        .route("/mcp/{token}/messages", post(sse::message))
        .route(
            endpoint::OAUTH_ROUTE,
            get(streamable_http::oauth_get)
                .post(streamable_http::post)
                .delete(streamable_http::delete),
        )
        .with_state(state)
}

/// Resolves once `door` no longer opens its MCP server: revoked, expired, or its account
/// removed, on this replica or another. Open event streams end with it, so a revoked URL or
/// access token keeps no stream (and no session) alive. While the store cannot be reached,
/// streams stay.
pub async fn revoked(gate: Arc<Gate>, door: Door) {
    loop {
        tokio::time::sleep(REVOCATION_CHECK).await;
        if gate.is_closed(&door).await {
            return;
        }
    }
}
