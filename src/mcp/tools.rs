//! `tools/call`: a tool in scope (or a discovery meta-tool) run through the call layer, with
//! the user's confirmation when the scope wants it, progress and log notices when the client
//! asked, and the finished call reported to the recorder (metrics, audit).

use std::time::Instant;

use serde_json::{Value, json};
use tracing::Instrument;

use super::confirm::{self, NotConfirmed, Reach};
use super::jsonrpc::{self, RpcError};
use super::notify::{self, CallNotices, LogLevel, ToolCallSteps};
use super::{ClientContext, Handler, McpEndpoint, Reply, discovery, shape};
use crate::bms::RateLimitHeaders;
use crate::call::{self, CallReport, FinishedCall, InFlight, ToolOutcome};
use crate::catalogue::{Tool, ToolExposure};

impl Handler {
    /// Answers a `tools/call` request. The result is written as text: the structured content
    /// is serialised once, not once into the text content and again with the whole result.
    pub(super) async fn tools_call(
        &self,
        endpoint: &McpEndpoint,
        id: &Value,
        params: Option<Value>,
        client: &ClientContext,
        modern: bool,
    ) -> Reply {
        let notices = self.notices_for(params.as_ref(), client, modern);
        let (result, rate_limit) = self
            .call_tool(endpoint, params, client, modern, &notices)
            .await;
        let mut reply = Reply {
            rate_limit,
            ..Reply::default()
        };
        reply.message = Some(match result {
            Ok(outcome) => {
                let extra = modern.then(shape::result_members);
                jsonrpc::reply_writing(id, outcome.result_json_capacity(), |out| {
                    outcome.write_result_json(out, extra.as_ref());
                })
            }
            Err(error) => {
                reply.http_status = error.http_status;
                jsonrpc::error_reply(id, &error)
            }
        });
        reply
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
        let _in_flight = InFlight::start(self.recorder.as_ref());
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
        if let Some(status) = report.upstream_status {
            span.record("upstream_status", status);
        }
        if let Some(latency) = report.upstream_latency {
            span.record("upstream_ms", latency.as_secs_f64() * 1000.0);
        }
        span.record("is_error", report.outcome.is_error);
        notify::log_report(notices, tool.name(), &report);
        tracing::info!(parent: &span, total_ms = started.elapsed().as_secs_f64() * 1000.0, "tool call");
        self.recorder.record(&FinishedCall {
            server_id: &endpoint.server_id,
            subject: endpoint.subject.as_deref(),
            tool: tool.name(),
            report: &report,
        });
        report
    }

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

fn unknown_tool(name: &str) -> RpcError {
    RpcError::invalid_params(format!("Unknown tool: {name}")).with_data(json!({"tool": name}))
}
