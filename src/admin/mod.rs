//! The admin API, on the same listener as MCP (same Host/Origin guard and body limit):
//! integrated accounts and their MCP servers, for holders of an admin API token.
//!
//! ```text
//! POST|GET            /integrated-account
//! GET|PATCH|DELETE    /integrated-account/{id}
//! POST|GET            /integrated-account/{id}/mcp
//! GET|PATCH|DELETE    /integrated-account/{id}/mcp/{mcp_id}
//! ```

mod accounts;
mod auth;
mod body;
pub mod errors;
mod mcp_servers;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

pub use accounts::account_json;
pub use errors::AdminError;
pub use mcp_servers::server_json;

use crate::access::Gate;

/// The admin routes.
pub fn routes(state: Arc<Gate>) -> Router {
    Router::new()
        .route(
            "/integrated-account",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/integrated-account/{id}",
            get(accounts::get)
                .patch(accounts::update)
                .delete(accounts::delete),
        )
        .route(
            "/integrated-account/{id}/mcp",
            get(mcp_servers::list).post(mcp_servers::create),
        )
        .route(
            "/integrated-account/{id}/mcp/{mcp_id}",
            get(mcp_servers::get)
                .patch(mcp_servers::update)
                .delete(mcp_servers::delete),
        )
        .with_state(state)
}
