//! One body of JSON-RPC, as any transport receives it: a message or (older revisions) a batch.

use serde_json::Value;

use crate::bms::RateLimitHeaders;
use crate::mcp::jsonrpc::{self, RpcError, code};
use crate::mcp::{Handler, McpEndpoint};

/// What came of one body.
#[derive(Debug, Default)]
pub struct Dispatched {
    /// The serialised reply (one message, or a JSON array for a batch); `None` when the body
    /// held only notifications or responses.
    pub reply: Option<String>,
    pub rate_limit: Option<RateLimitHeaders>,
    /// Set when the body was a successful `initialize`.
    pub negotiated: Option<&'static str>,
    /// Whether the body contained at least one request.
    pub had_request: bool,
}

/// Parses and answers one body. `allow_batch` is true for revisions before 2025-06-18.
pub async fn dispatch(
    handler: &Handler,
    endpoint: &McpEndpoint,
    body: &[u8],
    allow_batch: bool,
) -> Dispatched {
    let value = match jsonrpc::parse(body) {
        Ok(value) => value,
        Err(error) => {
            return Dispatched {
                reply: Some(jsonrpc::error_reply(&Value::Null, &error)),
                had_request: true,
                ..Dispatched::default()
            };
        }
    };
    match value {
        Value::Array(items) if allow_batch && !items.is_empty() => {
            let mut out = Dispatched::default();
            let mut replies = Vec::new();
            for item in items {
                let one = dispatch_one(handler, endpoint, item).await;
                out.had_request |= one.had_request;
                out.rate_limit = one.rate_limit.or(out.rate_limit);
                replies.extend(one.reply);
            }
            if !replies.is_empty() {
                out.reply = Some(format!("[{}]", replies.join(",")));
            }
            out
        }
        Value::Array(_) => {
            let error = RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: batches are not supported in this protocol revision; send one message per request",
            );
            Dispatched {
                reply: Some(jsonrpc::error_reply(&Value::Null, &error)),
                had_request: true,
                ..Dispatched::default()
            }
        }
        single => dispatch_one(handler, endpoint, single).await,
    }
}

async fn dispatch_one(handler: &Handler, endpoint: &McpEndpoint, value: Value) -> Dispatched {
    match jsonrpc::classify(value) {
        Ok(incoming) => {
            let had_request = matches!(incoming, jsonrpc::Incoming::Request { .. });
            let reply = handler.handle(endpoint, incoming).await;
            Dispatched {
                reply: reply.message,
                rate_limit: reply.rate_limit,
                negotiated: reply.negotiated,
                had_request,
            }
        }
        Err((id, error)) => Dispatched {
            reply: Some(jsonrpc::error_reply(&id, &error)),
            had_request: true,
            ..Dispatched::default()
        },
    }
}
