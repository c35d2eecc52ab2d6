//! The MCP methods: one message in, at most one reply out. Transport-agnostic: Streamable
//! HTTP, legacy SSE and stdio all call `Handler::handle`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::confirm::{self, Reach};
use super::era::Era;
use super::jsonrpc::{self, Incoming, RpcError, code};
use super::notify::{self, SessionLogLevels};
use super::peer::{ClientLink, PendingRequests};
use super::{Reply, prompts, protocol, resources, shape};
use crate::bms::BmsClient;
use crate::call::{CallRecorder, CursorCodec, ServerCursors};
use crate::catalogue::{ClientProfile, McpScope};

/// Everything a message needs to be answered for one MCP server.
#[derive(Clone)]
pub struct McpEndpoint {
    /// The MCP server's id, for logs and metrics (never its token).
    pub server_id: Arc<str>,
    pub scope: Arc<McpScope>,
    pub client: Arc<BmsClient>,
    /// The person calling, for the audit log: an OAuth access token's subject (the
    /// user's name); `None` on a URL-token server, where nobody is identified.
    pub subject: Option<Arc<str>>,
}

/// What the transport knows of the client a message comes from.
#[derive(Debug, Clone)]
pub struct ClientContext {
    /// The profile the client's tools are presented in.
    pub profile: ClientProfile,
    /// Whether the client declared the `elicitation` capability in its `initialize`.
    pub elicitation: bool,
    /// The way back to the client's session, when the transport has one for this message.
    pub link: Option<ClientLink>,
    /// The message's own stream, when its transport can carry notifications on it before the
    /// reply (a Streamable HTTP POST that accepts an event stream, the legacy SSE stream,
    /// stdout): where its progress and log messages go.
    pub notify: Option<tokio::sync::mpsc::Sender<String>>,
}

impl ClientContext {
    /// Whether a question can reach this client for a message of this era.
    pub(super) fn reach(&self, modern: bool) -> Reach {
        match &self.link {
            _ if modern => Reach::Stateless,
            // Without a session nothing is known of the client, and no answer could be
            // matched to it.
            None => Reach::NoChannel,
            Some(_) if !self.elicitation => Reach::NotDeclared,
            Some(link) if link.outbound.is_some() => Reach::Elicit,
            Some(_) => Reach::NoChannel,
        }
    }
}

/// Answers MCP messages.
pub struct Handler {
    pub(super) cursors: ServerCursors,
    pub(super) list_page_size: usize,
    /// Where finished calls are counted and recorded (metrics, audit log).
    pub(super) recorder: Arc<dyn CallRecorder>,
    /// Confirmation requests sent to clients, waiting for their answers.
    pub(super) pending: PendingRequests,
    /// How long a confirmation waits for the user.
    pub(super) confirm_timeout: Duration,
    /// The log level each session set with `logging/setLevel`.
    log_levels: SessionLogLevels,
    /// Whether the conformance suite's fixtures are served (test infrastructure only).
    fixtures: bool,
}

impl Handler {
    pub fn new(
        cursors: CursorCodec,
        list_page_size: usize,
        recorder: Arc<dyn CallRecorder>,
    ) -> Handler {
        Handler {
            cursors: ServerCursors::new(cursors),
            list_page_size: list_page_size.max(1),
            recorder,
            pending: PendingRequests::default(),
            confirm_timeout: confirm::DEFAULT_CONFIRM_TIMEOUT,
            log_levels: SessionLogLevels::default(),
            fixtures: false,
        }
    }

    /// Also serves the official conformance suite's fixture tools, prompts and resources
    /// (`mcp::fixtures`). Test infrastructure: only `serve --conformance-fixtures` sets it.
    pub fn with_conformance_fixtures(mut self, fixtures: bool) -> Handler {
        self.fixtures = fixtures;
        self
    }

    /// The log levels sessions set (forgotten when a session ends).
    pub fn log_levels(&self) -> &SessionLogLevels {
        &self.log_levels
    }

    /// How long a confirmation waits for the user before the call is refused.
    pub fn with_confirm_timeout(mut self, timeout: Duration) -> Handler {
        self.confirm_timeout = timeout;
        self
    }

    /// Confirmation requests waiting for an answer.
    pub fn pending(&self) -> &PendingRequests {
        &self.pending
    }

    /// Answers one message. `era` says how: legacy requests follow the `initialize`
    /// handshake's revision; modern (2026-07-28) ones are self-contained and their results
    /// carry `resultType`, caching hints and our identity.
    pub async fn handle(
        &self,
        endpoint: &McpEndpoint,
        incoming: Incoming,
        era: Era,
        client: ClientContext,
    ) -> Reply {
        let (id, method, params) = match incoming {
            Incoming::Request { id, method, params } => (id, method, params),
            Incoming::Response { id, answer } => {
                // An answer to one of our questions; from another session it is ignored, as
                // is a stray one.
                if let Some(link) = &client.link {
                    self.pending.deliver(&link.owner, &id, answer);
                }
                return Reply::default();
            }
            // Notifications (initialized, cancelled) need no answer.
            Incoming::Notification { .. } => return Reply::default(),
        };
        let modern = matches!(era, Era::Modern(_));
        let mut reply = Reply::default();
        // Test infrastructure only (`serve --conformance-fixtures`); off, it costs one branch.
        if self.fixtures
            && let Some(answer) = self
                .fixture_answer(endpoint, &method, params.as_ref(), &client, modern)
                .await
        {
            return shape::finish(reply, &id, answer, modern);
        }
        let result: Result<Value, RpcError> = match method.as_str() {
            "initialize" => {
                let requested = params
                    .as_ref()
                    .and_then(|p| p.get("protocolVersion"))
                    .and_then(Value::as_str);
                match requested {
                    Some(requested) => {
                        let version = protocol::negotiate(Some(requested));
                        reply.negotiated = Some(version);
                        Ok(protocol::initialize_result(version))
                    }
                    None => Err(RpcError::invalid_params(
                        "initialize needs params.protocolVersion: the latest protocol version the client supports, e.g. \"2025-11-25\"",
                    )),
                }
            }
            // 2026-07-28 removed ping; discovery replaced the handshake.
            "ping" if !modern => Ok(json!({})),
            "server/discover" if modern => Ok(protocol::discover_result()),
            // 2026-07-28 has no setLevel: the level travels in each request's `_meta`.
            "logging/setLevel" if !modern => self.set_log_level(params.as_ref(), &client),
            // tasks/list and tasks/result are gone from SEP-2663: "Method not found" below.
            "tasks/get" | "tasks/update" | "tasks/cancel" => {
                Err(notify::tasks_not_negotiated(&method, modern))
            }
            "prompts/list" => Ok(shape::cacheable(prompts::list(&endpoint.scope), modern)),
            "prompts/get" => prompts::get(&endpoint.scope, client.profile, params.as_ref()),
            "resources/list" => Ok(shape::cacheable(resources::list(&endpoint.scope), modern)),
            "resources/templates/list" => Ok(shape::cacheable(resources::templates(), modern)),
            "resources/read" => self
                .read_resource(endpoint, params.as_ref(), &client, modern)
                .await
                .map(|read| shape::cacheable(read, modern)),
            "completion/complete" => {
                self.complete(endpoint, params.as_ref(), &client, modern)
                    .await
            }
            "tools/list" => {
                // Served from the listings serialised at start-up, joined as text.
                match self.list_tools(endpoint, params.as_ref(), modern, client.profile) {
                    Ok(result) => reply.message = Some(jsonrpc::reply_text(&id, &result)),
                    Err(error) => {
                        reply.http_status = error.http_status;
                        reply.message = Some(jsonrpc::error_reply(&id, &error));
                    }
                }
                return reply;
            }
            "tools/call" => {
                return self
                    .tools_call(endpoint, &id, params, &client, modern)
                    .await;
            }
            other => {
                let error =
                    RpcError::new(code::METHOD_NOT_FOUND, format!("Method not found: {other}"));
                // The modern HTTP binding answers an unknown method with 404.
                Err(if modern {
                    error.with_status(404)
                } else {
                    error
                })
            }
        };
        shape::finish(reply, &id, result, modern)
    }
}
