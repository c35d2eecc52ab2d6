//! One body of JSON-RPC, as any transport receives it: a message or (older revisions) a batch.

use serde_json::Value;

use crate::bms::RateLimitHeaders;
use crate::catalogue::{ClientChoice, ClientProfile};
use crate::mcp::era::{self, CLIENT_INFO_KEY, Era, MirroredHeaders};
use crate::mcp::jsonrpc::{self, RpcError, code};
use crate::mcp::{ClientContext, Handler, McpEndpoint};

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
    /// The HTTP status owed for the reply, when not 200.
    pub http_status: Option<u16>,
    /// The era of the (single) message; batches are legacy.
    pub era: Option<Era>,
    /// Set by `initialize`: the client's profile, for the transport to remember with the
    /// session (later messages of a legacy client do not say who sent them).
    pub client: Option<ClientProfile>,
}

/// Parses and answers one body. `allow_batch` is true for revisions before 2025-06-18;
/// `headers` are the HTTP headers mirroring a modern request (`None` without HTTP);
/// `remembered` is the client profile the session's `initialize` settled on.
pub async fn dispatch(
    handler: &Handler,
    endpoint: &McpEndpoint,
    body: &[u8],
    allow_batch: bool,
    headers: Option<&MirroredHeaders>,
    remembered: Option<ClientProfile>,
) -> Dispatched {
    let value = match jsonrpc::parse(body) {
        Ok(value) => value,
        Err(error) => {
            return refused(&Value::Null, &error);
        }
    };
    match value {
        Value::Array(items) if allow_batch && !items.is_empty() => {
            let mut out = Dispatched::default();
            let mut replies = Vec::new();
            for item in items {
                let one = dispatch_one(handler, endpoint, item, headers, remembered).await;
                out.had_request |= one.had_request;
                out.client = one.client.or(out.client);
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
            refused(&Value::Null, &error)
        }
        single => dispatch_one(handler, endpoint, single, headers, remembered).await,
    }
}

async fn dispatch_one(
    handler: &Handler,
    endpoint: &McpEndpoint,
    value: Value,
    headers: Option<&MirroredHeaders>,
    remembered: Option<ClientProfile>,
) -> Dispatched {
    let era = era::classify(&value, headers);
    let initialize = value.get("method").and_then(Value::as_str) == Some("initialize");
    let profile = client_profile(endpoint.scope.client, &value, remembered);
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let incoming = match (jsonrpc::classify(value), era) {
        (Err((id, error)), _) => return refused(&id, &error),
        (Ok(_), Err(error)) => return refused(&id, &error),
        (Ok(incoming), Ok(era)) => (incoming, era),
    };
    let (incoming, era) = incoming;
    let had_request = matches!(incoming, jsonrpc::Incoming::Request { .. });
    let reply = handler
        .handle(endpoint, incoming, era, ClientContext { profile })
        .await;
    Dispatched {
        reply: reply.message,
        rate_limit: reply.rate_limit,
        client: (initialize && reply.negotiated.is_some()).then_some(profile),
        negotiated: reply.negotiated,
        had_request,
        http_status: reply.http_status,
        era: Some(era),
    }
}

/// The profile one message is answered in: the server's fixed one; else the one for the
/// client the message names (`initialize`'s `clientInfo`, or a modern request's `_meta`);
/// else the one its session remembers; else the standard one.
fn client_profile(
    choice: ClientChoice,
    message: &Value,
    remembered: Option<ClientProfile>,
) -> ClientProfile {
    let params = message.get("params");
    let named = params
        .and_then(|p| p.get("clientInfo"))
        .or_else(|| params?.get("_meta")?.get(CLIENT_INFO_KEY))
        .and_then(|info| info.get("name"))
        .and_then(Value::as_str);
    match (choice, named, remembered) {
        (ClientChoice::Auto, None, Some(profile)) => profile,
        _ => choice.resolve(named),
    }
}

fn refused(id: &Value, error: &RpcError) -> Dispatched {
    Dispatched {
        reply: Some(jsonrpc::error_reply(id, error)),
        had_request: true,
        http_status: error.http_status,
        ..Dispatched::default()
    }
}
