//! Load client for `cargo xtask load`: many concurrent MCP sessions against one `serve`, every
//! answer checked against the request that asked for it.
//!
//! Usage: `load_client MCP_URL SESSIONS CALLS_PER_SESSION`. Prints one JSON line of figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The demo tenant's ticket ids the calls cycle through; each answer must name the same ticket.
const TICKETS: &[i64] = &[50001, 50002, 50003, 50004, 50005, 50006, 50007, 50008];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, sessions, calls] = args.as_slice() else {
        anyhow::bail!("usage: load_client MCP_URL SESSIONS CALLS_PER_SESSION");
    };
    let sessions: usize = sessions.parse()?;
    let calls: usize = calls.parse()?;
    // reqwest is built without a default TLS provider (see `bms::http_client`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(sessions)
        .build()?;
    let mismatched = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));

    // Open every session first, so all are open at once.
    let mut ids = Vec::with_capacity(sessions);
    let opened =
        futures_util::future::join_all((0..sessions).map(|_| initialize(&http, url))).await;
    for session in opened {
        ids.push(session?);
    }
    let started = Instant::now();
    let tasks = ids.into_iter().enumerate().map(|(s, session)| {
        let (http, url, mismatched, failed) = (
            http.clone(),
            url.clone(),
            mismatched.clone(),
            failed.clone(),
        );
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(calls);
            for c in 0..calls {
                let ticket = TICKETS[(s + c) % TICKETS.len()];
                let id = (s * calls + c) as i64;
                let began = Instant::now();
                match call(&http, &url, &session, id, ticket).await {
                    Ok(true) => {}
                    Ok(false) => {
                        mismatched.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies.push(began.elapsed());
            }
            latencies
        })
    });
    let mut latencies: Vec<Duration> = Vec::with_capacity(sessions * calls);
    for task in futures_util::future::join_all(tasks).await {
        latencies.extend(task?);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p) as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let report = json!({
        "sessions": sessions,
        "calls": latencies.len(),
        "mismatched": mismatched.load(Ordering::Relaxed),
        "failed": failed.load(Ordering::Relaxed),
        "seconds": elapsed.as_secs_f64(),
        "calls_per_second": latencies.len() as f64 / elapsed.as_secs_f64(),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": pct(1.0),
    });
    println!("{report}");
    Ok(())
}

async fn initialize(http: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "load", "version": "1"}
    }});
    let response = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let session = response
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("no session id"))?
        .to_owned();
    Ok(session)
}

/// One tools/call; true when the answer carries our id and the ticket we asked for.
async fn call(
    http: &reqwest::Client,
    url: &str,
    session: &str,
    id: i64,
    ticket: i64,
) -> anyhow::Result<bool> {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "get_single_kaseya_bms_servicedesk_ticket_by_id", "arguments": {"ticket_id": ticket}
    }});
    let reply: Value = http
        .post(url)
        .header("content-type", "application/json")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_string())
        .send()
        .await?
        .json()
        .await?;
    let result = &reply["result"];
    if result["isError"] != false {
        anyhow::bail!("tool error: {reply}");
    }
    Ok(reply["id"] == id && result["structuredContent"]["id"] == ticket)
}
