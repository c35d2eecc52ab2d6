//! Prometheus metrics, kept by hand: a few counters and one histogram do not need a registry.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::call::CallReport;
use crate::store::ToolCallLog;

/// Upper bounds (seconds) of the upstream latency histogram buckets.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Process-wide metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (tool, status label) → calls.
    calls: Mutex<BTreeMap<(&'static str, String), u64>>,
    latency_counts: [AtomicU64; 13],
    latency_sum_micros: AtomicU64,
    latency_total: AtomicU64,
    rate_limited: AtomicU64,
    /// Name lookups sent to BMS before calls' own requests.
    lookups: AtomicU64,
    in_flight: AtomicU64,
}

impl Metrics {
    /// Counts a tool call in flight until `call_ended`.
    pub fn call_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub fn call_ended(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn record_call(&self, tool: &'static str, report: &CallReport) {
        let status = match report.upstream_status {
            Some(status) => status.to_string(),
            None => "not_sent".to_owned(),
        };
        if report.lookups > 0 {
            self.lookups
                .fetch_add(u64::from(report.lookups), Ordering::Relaxed);
        }
        if report.upstream_status == Some(429) {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        {
            let mut calls = self
                .calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *calls.entry((tool, status)).or_default() += 1;
        }
        if let Some(latency) = report.upstream_latency {
            let seconds = latency.as_secs_f64();
            let bucket = LATENCY_BUCKETS
                .iter()
                .position(|b| seconds <= *b)
                .unwrap_or(LATENCY_BUCKETS.len());
            self.latency_counts[bucket].fetch_add(1, Ordering::Relaxed);
            self.latency_sum_micros
                .fetch_add(latency.as_micros() as u64, Ordering::Relaxed);
            self.latency_total.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The Prometheus text exposition, with the audit log's row counts when calls are logged.
    pub fn render(&self, call_log: Option<&ToolCallLog>) -> String {
        let mut out = String::new();
        out.push_str("# HELP bms_mcp_tool_calls_total Tool calls by tool and upstream status (not_sent: refused before BMS).\n# TYPE bms_mcp_tool_calls_total counter\n");
        for ((tool, status), n) in self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "bms_mcp_tool_calls_total{{tool=\"{tool}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP bms_mcp_upstream_latency_seconds BMS request latency.\n# TYPE bms_mcp_upstream_latency_seconds histogram\n");
        let mut cumulative = 0;
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += self.latency_counts[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "bms_mcp_upstream_latency_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.latency_counts[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "bms_mcp_upstream_latency_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "bms_mcp_upstream_latency_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "bms_mcp_upstream_latency_seconds_count {}",
            self.latency_total.load(Ordering::Relaxed)
        );
        let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
        series(
            &mut out,
            "bms_mcp_rate_limited_total",
            "counter",
            "Calls BMS answered with HTTP 429.",
            load(&self.rate_limited),
        );
        series(
            &mut out,
            "bms_mcp_name_lookups_total",
            "counter",
            "Lookup requests sent to BMS to turn names into IDs before calls' own requests.",
            load(&self.lookups),
        );
        series(
            &mut out,
            "bms_mcp_auth_renewals_total",
            "counter",
            "BMS sign-ins and token refreshes.",
            load(&crate::bms::AUTH_RENEWALS),
        );
        series(
            &mut out,
            "bms_mcp_tool_calls_in_flight",
            "gauge",
            "Tool calls started and not yet answered or abandoned.",
            load(&self.in_flight),
        );
        if let Some(log) = call_log {
            series(
                &mut out,
                "bms_mcp_audit_rows_written_total",
                "counter",
                "Tool-call rows written to the audit log.",
                log.written(),
            );
            // Non-zero means calls went unaudited: the queue was full (the store too slow for
            // the call rate); calls themselves are never slowed to wait for it.
            series(
                &mut out,
                "bms_mcp_audit_rows_dropped_total",
                "counter",
                "Tool-call rows dropped because the audit queue was full.",
                log.dropped(),
            );
        }
        out
    }
}

/// One unlabelled series: its `HELP` and `TYPE` lines, then its value.
fn series(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}
