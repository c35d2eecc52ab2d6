//! The ways MCP messages reach the handler: Streamable HTTP, the legacy SSE transport, stdio.

pub mod guard;
pub mod session;
pub mod sse;
pub mod stdio;
pub mod streamable_http;

use std::time::{Duration, SystemTime};

use crate::server::AppState;
use crate::server::directory::AccessError;

/// How often an open event stream checks that its URL still opens its MCP server.
pub const REVOCATION_CHECK: Duration = Duration::from_secs(2);

/// Resolves once `token` no longer opens its MCP server: revoked, expired, or its account
/// removed, on this replica or another. Open event streams end with it, so a revoked URL
/// keeps no stream (and no session) alive. While the store cannot be reached, streams stay.
pub async fn revoked(state: AppState, token: String) {
    loop {
        tokio::time::sleep(REVOCATION_CHECK).await;
        match state.directory.resolve(&token, SystemTime::now()).await {
            Err(AccessError::Unknown | AccessError::Expired) => return,
            Ok(_) | Err(AccessError::Unavailable) => {}
        }
    }
}
