//! `cargo xtask load`: many MCP sessions at once against one `serve`, every answer checked
//! against the request that asked for it (`examples/load_client.rs`), with the server's memory
//! before and after, and what became of the audit log's rows (written or dropped, from
//! `/metrics`). A harness, not a test: it reports figures and fails only on a lost or
//! mismatched answer.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use super::http;
use super::processes::Sandbox;
use super::procfs;
use crate::served::{Profile, build_binary, build_example};

const USAGE: &str = "usage: cargo xtask load [SESSIONS [CALLS_PER_SESSION]] (default 1000 20)";

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    if args.len() > 2 {
        bail!("{USAGE}");
    }
    let number = |i: usize, default: usize| -> anyhow::Result<usize> {
        args.get(i).map_or(Ok(default), |v| {
            v.parse()
                .with_context(|| format!("{v:?} is not a number; {USAGE}"))
        })
    };
    let (sessions, calls) = (number(0, 1000)?, number(1, 20)?);
    let binary = build_binary(root, Profile::Release)?;
    let client = build_example(root, "load_client")?;
    let sandbox = Sandbox::start(&binary)?;
    let server = sandbox.serve(&binary)?;
    let idle_kib = procfs::rss_kib(server.pid())?;
    println!(
        "== {sessions} sessions × {calls} calls against {} ==",
        server.mcp_url
    );
    // Each session holds a connection: raise the open-file limit for the client.
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 65536 2>/dev/null || ulimit -n 8192; exec \"$0\" \"$@\"")
        .arg(&client)
        .args([
            server.mcp_url.as_str(),
            &sessions.to_string(),
            &calls.to_string(),
        ])
        .output()
        .context("running the load client")?;
    if !output.status.success() {
        bail!(
            "the load client failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let figures: Value =
        serde_json::from_slice(&output.stdout).context("reading the load client's figures")?;
    let loaded_kib = procfs::rss_kib(server.pid())?;
    let calls_made = figures["calls"].as_u64().unwrap_or(0);
    let audit = audit_rows(server.base_url(), calls_made)?;
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "calls {}  lost {}  mismatched {}  p50 {:.1} ms  p99 {:.1} ms  {:.0} calls/s  serve RSS {:.1} MiB idle → {:.1} MiB loaded",
        figures["calls"],
        figures["failed"],
        figures["mismatched"],
        figures["p50_ms"].as_f64().unwrap_or(0.0),
        figures["p99_ms"].as_f64().unwrap_or(0.0),
        figures["calls_per_second"].as_f64().unwrap_or(0.0),
        mib(idle_kib),
        mib(loaded_kib),
    );
    println!(
        "audit log: {} rows written, {} dropped (of {calls_made} calls)",
        audit.written, audit.dropped
    );
    if figures["failed"] != 0 || figures["mismatched"] != 0 {
        bail!("answers were lost or mismatched");
    }
    Ok(())
}

/// The audit log's row counts from `/metrics`.
struct AuditRows {
    written: u64,
    dropped: u64,
}

/// Waits (up to 30 s) until the audit writer has accounted for `calls` rows: it writes in
/// batches after the answers went out, so the counts lag the load by its backlog.
fn audit_rows(base_url: &str, calls: u64) -> anyhow::Result<AuditRows> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = http::send("GET", &format!("{base_url}/metrics"), &[], b"")?;
        let text = String::from_utf8_lossy(&reply.body);
        let counter = |name: &str| -> anyhow::Result<u64> {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .with_context(|| format!("/metrics has no `{name}`"))
        };
        let rows = AuditRows {
            written: counter("bms_mcp_audit_rows_written_total")?,
            dropped: counter("bms_mcp_audit_rows_dropped_total")?,
        };
        if rows.written + rows.dropped >= calls || Instant::now() > deadline {
            return Ok(rows);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
