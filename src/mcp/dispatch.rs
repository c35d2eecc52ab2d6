//! One body of JSON-RPC, as any transport receives it: a message or (older revisions) a batch.

use serde_json::Value;

use super::era::{self, CLIENT_INFO_KEY, Era, MirroredHeaders};
use super::jsonrpc::{self, RpcError, code};
use super::peer::ClientLink;
use super::{ClientContext, Handler, McpEndpoint, Reply};
use crate::catalogue::{ClientChoice, ClientProfile};

/// What a session remembers of its client from `initialize` (later messages of a legacy
/// client do not say who sent them or what it can do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionClient {
    pub profile: ClientProfile,
    /// Whether it declared the `elicitation` capability.
    pub elicitation: bool,
}

/// The session a body arrived in, as its transport knows it.
#[derive(Debug, Clone, Default)]
pub struct ClientSession {
    /// What the session's `initialize` settled on.
    pub remembered: Option<SessionClient>,
    /// The way back to the client, when the transport has a session for this body.
    pub link: Option<ClientLink>,
    /// The body's own stream, when it can carry notifications before the reply.
    pub notify: Option<tokio::sync::mpsc::Sender<String>>,
}

/// Parses and answers one body. `allow_batch` is true for revisions before 2025-06-18;
/// `headers` are the HTTP headers mirroring a modern request (`None` without HTTP);
/// `session` is what the transport knows of the session the body came in.
pub async fn dispatch(
    handler: &Handler,
    endpoint: &McpEndpoint,
    body: &[u8],
    allow_batch: bool,
    headers: Option<&MirroredHeaders>,
    session: &ClientSession,
) -> Reply {
    let value = match jsonrpc::parse(body) {
        Ok(value) => value,
        Err(error) => {
            return refused(&Value::Null, &error);
        }
    };
    match value {
        Value::Array(items) if allow_batch && !items.is_empty() => {
            let mut out = Reply::default();
            let mut replies = Vec::new();
            for item in items {
                let one = dispatch_one(handler, endpoint, item, headers, session).await;
                out.had_request |= one.had_request;
                out.client = one.client.or(out.client);
                out.rate_limit = one.rate_limit.or(out.rate_limit);
                replies.extend(one.message);
            }
            if !replies.is_empty() {
                out.message = Some(format!("[{}]", replies.join(",")));
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
        single => dispatch_one(handler, endpoint, single, headers, session).await,
    }
}

async fn dispatch_one(
    handler: &Handler,
    endpoint: &McpEndpoint,
    value: Value,
    headers: Option<&MirroredHeaders>,
    session: &ClientSession,
) -> Reply {
    let era = era::classify(&value, headers);
    let initialize = value.get("method").and_then(Value::as_str) == Some("initialize");
    let remembered = session.remembered;
    let profile = client_profile(endpoint.scope.client, &value, remembered.map(|r| r.profile));
    let elicitation = if initialize {
        declares_elicitation(&value)
    } else {
        remembered.is_some_and(|r| r.elicitation)
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let incoming = match (jsonrpc::classify(value), era) {
        (Err((id, error)), _) => return refused(&id, &error),
        (Ok(_), Err(error)) => return refused(&id, &error),
        (Ok(incoming), Ok(era)) => (incoming, era),
    };
    let (incoming, era) = incoming;
    let had_request = matches!(incoming, jsonrpc::Incoming::Request { .. });
    let client = ClientContext {
        profile,
        elicitation,
        // A modern request belongs to no session: nothing may come back through one.
        link: session.link.clone().filter(|_| matches!(era, Era::Legacy)),
        notify: session.notify.clone(),
    };
    let mut reply = handler.handle(endpoint, incoming, era, client).await;
    reply.had_request = had_request;
    reply.era = Some(era);
    if initialize && reply.negotiated.is_some() {
        reply.client = Some(SessionClient {
            profile,
            elicitation,
        });
    }
    reply
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

/// Whether an `initialize` declares the `elicitation` client capability in form mode, the
/// mode we ask in: 2025-11-25 reads an empty object as form mode only, and a client may name
/// `form` and/or `url`.
fn declares_elicitation(initialize: &Value) -> bool {
    let declared = initialize
        .get("params")
        .and_then(|p| p.get("capabilities"))
        .and_then(|c| c.get("elicitation"))
        .and_then(Value::as_object);
    declared.is_some_and(|modes| modes.is_empty() || modes.contains_key("form"))
}

fn refused(id: &Value, error: &RpcError) -> Reply {
    Reply {
        message: Some(jsonrpc::error_reply(id, error)),
        had_request: true,
        http_status: error.http_status,
        ..Reply::default()
    }
}
