//! The MCP protocol: JSON-RPC framing, version negotiation, and the methods we serve.

mod confirm;
mod discovery;
pub mod era;
mod fixtures;
mod handler;
pub mod jsonrpc;
pub mod notify;
pub mod peer;
mod prompts;
pub mod protocol;
mod resources;
mod search;

pub use handler::{ClientContext, DEFAULT_LIST_PAGE_SIZE, Handler, McpEndpoint, Reply};
