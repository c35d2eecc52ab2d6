//! The ways MCP messages reach the handler: Streamable HTTP, the legacy SSE transport, stdio.

pub mod dispatch;
pub mod guard;
pub mod session;
pub mod sse;
pub mod stdio;
pub mod streamable_http;
