//! The MCP protocol: JSON-RPC framing, version negotiation, and the methods we serve.

mod confirm;
mod discovery;
pub mod dispatch;
pub mod era;
mod fixtures;
mod handler;
pub mod jsonrpc;
mod list;
pub mod notify;
pub mod peer;
mod prompts;
pub mod protocol;
mod reply;
mod resources;
mod search;
mod shape;
mod tools;

pub use handler::{ClientContext, Handler, McpEndpoint};
pub use list::{DEFAULT_LIST_PAGE_SIZE, MAX_LIST_PAGE_BYTES};
pub use reply::Reply;
