//! What the server keeps of the calls it serves: Prometheus metrics and the audit log's
//! tool-call rows, both fed by one `CallRecorder`, so the protocol layer knows neither.

pub mod metrics;

use crate::call::{CallRecorder, FinishedCall};
use crate::store::ToolCallLog;
use crate::store::audit::ToolCall;
pub use metrics::Metrics;

/// The server's recorder: every finished call goes to the metrics and, when calls are
/// audited, to the audit log's queue (never waited for).
#[derive(Default)]
pub struct Recorder {
    metrics: Metrics,
    call_log: Option<ToolCallLog>,
}

impl Recorder {
    /// Metrics only: calls are counted, not audited.
    pub fn metrics_only() -> Recorder {
        Recorder::default()
    }

    /// Metrics and an audit row per call.
    pub fn with_call_log(call_log: ToolCallLog) -> Recorder {
        Recorder {
            metrics: Metrics::default(),
            call_log: Some(call_log),
        }
    }

    /// The Prometheus text exposition for `/metrics`, with the audit log's row counts.
    pub fn render(&self) -> String {
        self.metrics.render(self.call_log.as_ref())
    }
}

impl CallRecorder for Recorder {
    fn call_started(&self) {
        self.metrics.call_started();
    }

    fn call_ended(&self) {
        self.metrics.call_ended();
    }

    fn record(&self, call: &FinishedCall<'_>) {
        self.metrics.record_call(call.tool, call.report);
        if let Some(log) = &self.call_log {
            let report = call.report;
            log.record(ToolCall {
                at: crate::store::unix_now(),
                mcp_server_id: call.server_id.to_owned(),
                subject: call.subject.map(str::to_owned),
                tool: call.tool.to_owned(),
                upstream_status: report.upstream_status,
                latency_ms: report
                    .upstream_latency
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            });
        }
    }
}
