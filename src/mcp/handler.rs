//! The MCP methods: one message in, at most one reply out. Transport-agnostic: Streamable
//! HTTP, legacy SSE and stdio all call `Handler::handle`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tracing::Instrument;

use super::confirm::{self, NotConfirmed, Reach};
use super::discovery;
use super::era::{Era, SERVER_INFO_KEY};
use super::jsonrpc::{self, Incoming, RpcError, code};
use super::notify::{self, CallNotices, LogLevel, SessionLogLevels, ToolCallSteps};
use super::peer::{ClientLink, PendingRequests};
use super::protocol;
use super::{prompts, resources};
use crate::bms::{BmsClient, RateLimitHeaders};
use crate::call::{self, CallReport, CursorCodec, ServerCursors, ToolOutcome};
use crate::catalogue::{ClientProfile, McpScope, Tool, ToolExposure};
use crate::server::metrics::Metrics;
use crate::store::ToolCallLog;
use crate::store::audit::ToolCall;

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

/// A reply and what the transport should know about it.
#[derive(Debug, Default)]
pub struct Reply {
    /// The serialised JSON-RPC reply; `None` for notifications.
    pub message: Option<String>,
    /// Rate-limit figures to send as HTTP headers.
    pub rate_limit: Option<RateLimitHeaders>,
    /// Set when this message was a successful `initialize`.
    pub negotiated: Option<&'static str>,
    /// The HTTP status for this reply, when not 200 (modern-era errors).
    pub http_status: Option<u16>,
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
    fn reach(&self, modern: bool) -> Reach {
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
    cursors: ServerCursors,
    list_page_size: usize,
    metrics: Arc<Metrics>,
    /// The audit log's tool-call queue, when calls are audited.
    call_log: Option<ToolCallLog>,
    /// Confirmation requests sent to clients, waiting for their answers.
    pending: PendingRequests,
    /// How long a confirmation waits for the user.
    confirm_timeout: Duration,
    /// The log level each session set with `logging/setLevel`.
    log_levels: SessionLogLevels,
    /// Whether the conformance suite's fixtures are served (test infrastructure only).
    fixtures: bool,
}

/// How many tools one `tools/list` page holds by default: more than the whole catalogue, so
/// a scope is one page unless `MAX_LIST_PAGE_BYTES` cuts it. Clients of the 1.x SDKs that open
/// a session per call (LangChain's adapters) read only the first page, and could then neither
/// find nor check a tool beyond it.
pub const DEFAULT_LIST_PAGE_SIZE: usize = 1000;

/// The most listing bytes one `tools/list` page holds. The Python SDK refuses a server-sent
/// event over 1 MiB, which is how the answer travels on the legacy SSE transport and to
/// clients that accept only event streams; the whole catalogue (about 1.2 MB) takes two pages.
pub const MAX_LIST_PAGE_BYTES: usize = 900 * 1024;

impl Handler {
    pub fn new(cursors: CursorCodec, list_page_size: usize, metrics: Arc<Metrics>) -> Handler {
        Handler {
            cursors: ServerCursors::new(cursors),
            list_page_size: list_page_size.max(1),
            metrics,
            call_log: None,
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

    /// Records every tool call in the audit log (time, server, tool, status, latency).
    pub fn with_call_log(mut self, call_log: ToolCallLog) -> Handler {
        self.call_log = Some(call_log);
        self
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The tool-call audit log, when calls are logged (its row counts go to `/metrics`).
    pub fn call_log(&self) -> Option<&ToolCallLog> {
        self.call_log.as_ref()
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
            return finish(reply, &id, answer, modern);
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
            "prompts/list" => Ok(cacheable(prompts::list(&endpoint.scope), modern)),
            "prompts/get" => prompts::get(&endpoint.scope, client.profile, params.as_ref()),
            "resources/list" => Ok(cacheable(resources::list(&endpoint.scope), modern)),
            "resources/templates/list" => Ok(cacheable(resources::templates(), modern)),
            "resources/read" => self
                .read_resource(endpoint, params.as_ref(), &client, modern)
                .await
                .map(|read| cacheable(read, modern)),
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
                let notices = self.notices_for(params.as_ref(), &client, modern);
                let (result, rate_limit) = self
                    .call_tool(endpoint, params, &client, modern, &notices)
                    .await;
                reply.rate_limit = rate_limit;
                // Written as text: the structured content is serialised once, not once into
                // the text content and again with the whole result.
                reply.message = Some(match result {
                    Ok(outcome) => {
                        let extra = modern.then(modern_members);
                        jsonrpc::reply_writing(&id, outcome.result_json_capacity(), |out| {
                            outcome.write_result_json(out, extra.as_ref());
                        })
                    }
                    Err(error) => {
                        reply.http_status = error.http_status;
                        jsonrpc::error_reply(&id, &error)
                    }
                });
                return reply;
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
        finish(reply, &id, result, modern)
    }

    /// The `tools/list` result as JSON text: the page's pre-serialised listings joined, plus
    /// the cursor and, for modern requests, the caching hints and decorations.
    pub(super) fn list_tools(
        &self,
        endpoint: &McpEndpoint,
        params: Option<&Value>,
        modern: bool,
        profile: ClientProfile,
    ) -> Result<String, RpcError> {
        let scope = &endpoint.scope;
        if scope.exposure == ToolExposure::Discovery {
            let mut list = json!({"tools": discovery::meta_tool_listings()});
            if modern {
                list["ttlMs"] = protocol::LIST_TTL_MS.into();
                list["cacheScope"] = "private".into();
                list = modern_result(list);
            }
            return Ok(list.to_string());
        }
        let start = match params.and_then(|p| p.get("cursor")) {
            None | Some(Value::Null) => 0,
            Some(Value::String(cursor)) => decode_list_cursor(cursor)
                .filter(|&offset| offset <= scope.tools().len())
                .ok_or_else(|| RpcError::invalid_params("Invalid cursor: pass back the nextCursor of the previous tools/list answer unchanged"))?,
            Some(_) => return Err(RpcError::invalid_params("Invalid cursor: it must be a string")),
        };
        // As many tools as fit both the page size and the byte budget, at least one.
        let mut page = Vec::new();
        let mut bytes = 0;
        for tool in scope.tools()[start..].iter().take(self.list_page_size) {
            let listing = tool.listing_for(profile);
            if !page.is_empty() && bytes + listing.len() + 1 > MAX_LIST_PAGE_BYTES {
                break;
            }
            bytes += listing.len() + 1;
            page.push(listing);
        }
        let end = start + page.len();
        let mut out = String::with_capacity(page.iter().map(|l| l.len() + 1).sum::<usize>() + 256);
        out.push_str("{\"tools\":[");
        for (i, listing) in page.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(listing);
        }
        out.push(']');
        if end < scope.tools().len() {
            out.push_str(",\"nextCursor\":");
            out.push_str(&Value::from(URL_SAFE_NO_PAD.encode(end.to_string())).to_string());
        }
        if modern {
            let mut extras = serde_json::Map::new();
            extras.insert("ttlMs".into(), protocol::LIST_TTL_MS.into());
            extras.insert("cacheScope".into(), "private".into());
            extras.extend(modern_members());
            for (key, value) in &extras {
                out.push(',');
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                out.push_str(&value.to_string());
            }
        }
        out.push('}');
        Ok(out)
    }

    async fn call_tool(
        &self,
        endpoint: &McpEndpoint,
        params: Option<Value>,
        client: &ClientContext,
        modern: bool,
        notices: &CallNotices,
    ) -> (Result<ToolOutcome, RpcError>, Option<RateLimitHeaders>) {
        let Some(Value::Object(mut params)) = params else {
            return (
                Err(RpcError::invalid_params(
                    "tools/call needs params with a `name`",
                )),
                None,
            );
        };
        let Some(Value::String(name)) = params.remove("name") else {
            return (
                Err(RpcError::invalid_params("tools/call needs a string `name`")),
                None,
            );
        };
        let arguments = params.remove("arguments");
        let scope = &endpoint.scope;
        if scope.exposure == ToolExposure::Discovery {
            return self
                .call_meta_tool(endpoint, &name, arguments, client, modern, notices)
                .await;
        }
        match scope.find(&name) {
            Some(tool) => {
                let report = self
                    .run_notifying(endpoint, tool, arguments, client, modern, notices)
                    .await;
                (Ok(report.outcome), report.rate_limit)
            }
            None => (Err(unknown_tool(&name)), None),
        }
    }

    async fn call_meta_tool(
        &self,
        endpoint: &McpEndpoint,
        name: &str,
        arguments: Option<Value>,
        client: &ClientContext,
        modern: bool,
        notices: &CallNotices,
    ) -> (Result<ToolOutcome, RpcError>, Option<RateLimitHeaders>) {
        let profile = client.profile;
        let scope = &endpoint.scope;
        let args = arguments.unwrap_or_else(|| json!({}));
        let text_arg = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_owned);
        let outcome = match name {
            discovery::SEARCH_TOOLS => {
                let Some(query) = text_arg("query") else {
                    return (
                        Ok(ToolOutcome::error("search_tools needs a `query` string")),
                        None,
                    );
                };
                let limit = args
                    .get("limit")
                    .and_then(Value::as_u64)
                    .unwrap_or(10)
                    .clamp(1, 50) as usize;
                let hits: Vec<Value> = discovery::search(scope.tools(), &query, limit)
                    .into_iter()
                    .map(|tool| discovery::hit_json(tool, profile))
                    .collect();
                ToolOutcome::structured(&json!({"tools": hits}))
            }
            discovery::GET_TOOL_SCHEMA => match text_arg("name").and_then(|n| scope.find(&n)) {
                Some(tool) => ToolOutcome::structured(&json!({
                    "name": profile.tool_name(tool.def),
                    "description": profile.text(tool.def.description),
                    "inputSchema": profile.adapt_schema(&tool.input_schema()),
                    // In discovery the model sees no listing: the hints say what a call does.
                    "annotations": crate::catalogue::annotations(tool.def),
                })),
                None => ToolOutcome::error(
                    "No tool by that name in this server's scope; find names with search_tools",
                ),
            },
            discovery::CALL_TOOL => match text_arg("name").and_then(|n| scope.find(&n)) {
                Some(tool) => {
                    let report = self
                        .run_notifying(
                            endpoint,
                            tool,
                            args.get("arguments").cloned(),
                            client,
                            modern,
                            notices,
                        )
                        .await;
                    return (Ok(report.outcome), report.rate_limit);
                }
                None => ToolOutcome::error(
                    "No tool by that name in this server's scope; find names with search_tools",
                ),
            },
            other => return (Err(unknown_tool(other)), None),
        };
        (Ok(outcome), None)
    }

    /// Runs a call nobody watches (lookups behind resources and completions).
    pub(super) async fn run(
        &self,
        endpoint: &McpEndpoint,
        tool: &'static Tool,
        arguments: Option<Value>,
        client: &ClientContext,
        modern: bool,
    ) -> CallReport {
        let notices = CallNotices::default();
        self.run_notifying(endpoint, tool, arguments, client, modern, &notices)
            .await
    }

    /// Runs a call, telling the client of its steps through `notices` when it asked.
    async fn run_notifying(
        &self,
        endpoint: &McpEndpoint,
        tool: &'static Tool,
        arguments: Option<Value>,
        client: &ClientContext,
        modern: bool,
        notices: &CallNotices,
    ) -> CallReport {
        // One span per call: what was called for which MCP server, and how BMS answered.
        // Never arguments, results or secrets.
        let span = tracing::info_span!(
            "tool_call",
            server = %endpoint.server_id,
            tool = tool.name(),
            upstream_status = tracing::field::Empty,
            upstream_ms = tracing::field::Empty,
            is_error = tracing::field::Empty,
        );
        let started = Instant::now();
        let _in_flight = self.metrics.call_started();
        if notices.wants_progress() {
            // Steps: each name lookup, BMS's answer, and the user's confirmation when asked.
            let confirm = endpoint.scope.confirm_writes
                && confirm::reason(tool, arguments.as_ref()).is_some();
            let steps = tool.def.resolvers.len() + 1 + usize::from(confirm);
            notices.set_total(steps as f64);
        }
        let report = match self
            .confirmed(endpoint, tool, arguments.as_ref(), client, modern, notices)
            .await
        {
            Ok(()) => {
                // Only paged tools read or write cursors, with their server's key.
                let per_server;
                let cursors = if tool.def.paging.is_some() {
                    per_server = self.cursors.for_server(&endpoint.server_id);
                    &per_server
                } else {
                    self.cursors.master()
                };
                let steps = ToolCallSteps {
                    notices,
                    tool: tool.name(),
                };
                let call =
                    call::call_tool_observed(tool, arguments, &endpoint.client, cursors, &steps)
                        .instrument(span.clone());
                if notices.wants_progress() {
                    notify::while_slow(call, notices).await
                } else {
                    call.await
                }
            }
            Err(refused) => CallReport::not_sent(refused),
        };
        self.metrics.record_call(tool.name(), &report);
        if let Some(status) = report.upstream_status {
            span.record("upstream_status", status);
        }
        if let Some(latency) = report.upstream_latency {
            span.record("upstream_ms", latency.as_secs_f64() * 1000.0);
        }
        span.record("is_error", report.outcome.is_error);
        notify::log_report(notices, tool.name(), &report);
        tracing::info!(parent: &span, total_ms = started.elapsed().as_secs_f64() * 1000.0, "tool call");
        if let Some(log) = &self.call_log {
            log.record(ToolCall {
                at: crate::store::unix_now(),
                mcp_server_id: endpoint.server_id.to_string(),
                subject: endpoint.subject.as_deref().map(str::to_owned),
                tool: tool.name().to_owned(),
                upstream_status: report.upstream_status,
                latency_ms: report
                    .upstream_latency
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            });
        }
        report
    }
}

impl Handler {
    /// Asks the user to confirm the call when the scope wants it and the call changes or
    /// notifies; the refusal result when no clear yes came back. Invalid arguments are not
    /// asked about: the call refuses them without sending anything anyway.
    async fn confirmed(
        &self,
        endpoint: &McpEndpoint,
        tool: &'static Tool,
        arguments: Option<&Value>,
        client: &ClientContext,
        modern: bool,
        notices: &CallNotices,
    ) -> Result<(), ToolOutcome> {
        if !endpoint.scope.confirm_writes || !call::arguments_valid(tool, arguments) {
            return Ok(());
        }
        let Some(reason) = confirm::reason(tool, arguments) else {
            return Ok(());
        };
        let answer = match (client.reach(modern), &client.link) {
            (Reach::Elicit, Some(link)) => {
                notices.progress(
                    notices.last_progress().floor() + 1.0,
                    "waiting for the user to confirm",
                );
                confirm::ask(
                    &self.pending,
                    link,
                    tool,
                    arguments,
                    reason,
                    self.confirm_timeout,
                )
                .await
            }
            (Reach::Stateless, _) => Err(NotConfirmed::Stateless),
            (Reach::NotDeclared, _) => Err(NotConfirmed::NotDeclared),
            (Reach::Elicit | Reach::NoChannel, _) => Err(NotConfirmed::NoChannel),
        };
        if answer.is_ok() {
            notices.log(LogLevel::Notice, || {
                json!({"message": format!("the user confirmed {}", tool.name()), "tool": tool.name()})
            });
        }
        answer.map_err(|refused| {
            tracing::info!(tool = tool.name(), %refused, "call not confirmed");
            refused.outcome(tool, reason)
        })
    }
}

/// Writes a method's result (or error) into `reply`, decorated for modern requests.
fn finish(mut reply: Reply, id: &Value, result: Result<Value, RpcError>, modern: bool) -> Reply {
    let result = result.map(|value| if modern { modern_result(value) } else { value });
    let message = match result {
        // A serialised `Value` is valid JSON: no need to parse it again.
        Ok(value) => jsonrpc::reply_text(id, &value.to_string()),
        Err(error) => {
            reply.http_status = error.http_status;
            jsonrpc::error_reply(id, &error)
        }
    };
    reply.message = Some(message);
    reply
}

/// The members a modern tool result adds: `resultType` and our identity in `_meta`.
fn modern_members() -> serde_json::Map<String, Value> {
    let mut members = serde_json::Map::new();
    members.insert("resultType".into(), "complete".into());
    members.insert(
        "_meta".into(),
        json!({ SERVER_INFO_KEY: protocol::server_info() }),
    );
    members
}

/// A list or read result with the caching hints a modern client may use (the answer depends
/// on the URL, so `private`).
pub(super) fn cacheable(mut value: Value, modern: bool) -> Value {
    if modern && let Some(object) = value.as_object_mut() {
        object.insert("ttlMs".into(), protocol::LIST_TTL_MS.into());
        object.insert("cacheScope".into(), "private".into());
    }
    value
}

/// A modern result: `resultType` and our identity in `_meta` (no result carries a `_meta`
/// of its own).
fn modern_result(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.extend(modern_members());
    }
    value
}

fn unknown_tool(name: &str) -> RpcError {
    RpcError::invalid_params(format!("Unknown tool: {name}")).with_data(json!({"tool": name}))
}

fn decode_list_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}
