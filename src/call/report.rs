//! What a call tells the outside: its report when it ends, its steps while it runs, and the
//! recorder that keeps the figures (metrics and the audit log, behind one trait, so the
//! protocol layer knows neither).

use std::time::Duration;

use serde_json::Value;

use super::ToolOutcome;
use crate::bms::RateLimitHeaders;

/// The result of a call, with what the transport and metrics need to know about it.
#[derive(Debug, Clone)]
pub struct CallReport {
    pub outcome: ToolOutcome,
    /// Rate-limit figures for the HTTP response, when known.
    pub rate_limit: Option<RateLimitHeaders>,
    /// BMS's HTTP status, or the status class of the failure; `None` when nothing was sent.
    pub upstream_status: Option<u16>,
    pub upstream_latency: Option<Duration>,
    /// Lookup requests sent to BMS to turn names into IDs before the call's own request
    /// (answers from the account's reference cache are not counted).
    pub lookups: u32,
}

impl CallReport {
    /// A call answered without a BMS request.
    pub fn not_sent(outcome: ToolOutcome) -> CallReport {
        CallReport {
            outcome,
            rate_limit: None,
            upstream_status: None,
            upstream_latency: None,
            lookups: 0,
        }
    }

    /// The same report, for a call that had sent `lookups` name lookups first.
    pub fn after_lookups(mut self, lookups: u32) -> CallReport {
        self.lookups = lookups;
        self
    }
}

/// What a call reports while it runs, for the client's progress and log notifications. Every
/// method defaults to nothing, and the handler's observer does nothing unless the client asked
/// (a progress token, a log level), so an unobserved call pays one virtual call per step.
pub trait CallObserver: Sync {
    /// A name argument is about to be looked up through its lookup tool.
    fn resolving(&self, _name_arg: &'static str) {}
    /// A name argument was resolved to `id`, now in `id_arg`.
    fn resolved(&self, _name_arg: &'static str, _id_arg: &'static str, _id: &Value) {}
    /// The request is about to be sent to BMS.
    fn sending(&self) {}
}

/// The observer of a call nobody watches.
pub struct Unobserved;

impl CallObserver for Unobserved {}

/// One finished call, as the recorder is told of it.
pub struct FinishedCall<'a> {
    /// The MCP server's id (never its token).
    pub server_id: &'a str,
    /// The person calling, on an OAuth server; `None` on a URL-token server.
    pub subject: Option<&'a str>,
    pub tool: &'static str,
    pub report: &'a CallReport,
}

/// Where calls are counted and recorded. The server's recorder keeps metrics and the audit
/// log (`crate::observe`); `NotRecorded` keeps nothing.
pub trait CallRecorder: Send + Sync {
    /// A call began; it is in flight until `call_ended`, which the handler's guard calls even
    /// when the client hangs up and the call's future is dropped.
    fn call_started(&self) {}
    fn call_ended(&self) {}
    /// A call finished with `call.report`.
    fn record(&self, _call: &FinishedCall<'_>) {}
}

/// The recorder of a process that keeps no figures.
pub struct NotRecorded;

impl CallRecorder for NotRecorded {}

/// A call counted in flight until dropped.
pub struct InFlight<'a>(&'a dyn CallRecorder);

impl<'a> InFlight<'a> {
    pub fn start(recorder: &'a dyn CallRecorder) -> InFlight<'a> {
        recorder.call_started();
        InFlight(recorder)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.call_ended();
    }
}
