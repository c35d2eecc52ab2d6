//! A replica's life as a load balancer and a service manager see it: `/readyz` separate from
//! `/healthz`, and SIGTERM that lets calls in flight finish, within a bounded drain, exit 0.

mod common;
mod process;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::Harness;
use process::{PATIENCE, Serve, bms_mcp};

async fn get(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.expect("answered");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn readyz_is_ready_when_the_store_answers_and_the_catalogue_is_loaded() {
    let h = Harness::start().await;
    let (status, body) = get(&h.http, &h.url("/readyz")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["store"], "ok");
    assert!(body["tools"].as_u64().unwrap() > 400, "{body}");
}

#[tokio::test]
async fn readyz_is_503_with_a_reason_when_the_store_is_gone_while_healthz_stays_200() {
    let h = Harness::start().await;
    h.store.close().await;
    let (status, body) = get(&h.http, &h.url("/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body,
        json!({"status": "not ready", "reason": "the store does not answer"})
    );
    let (status, body) = get(&h.http, &h.url("/healthz")).await;
    assert_eq!((status, body), (200, Value::String("ok".into())));
}

#[tokio::test]
async fn probes_by_ip_address_reach_healthz_and_readyz_but_nothing_else() {
    let h = Harness::start().await;
    let probe = |path: &str| {
        h.http
            .get(h.url(path))
            .header("host", "10.1.2.3:8080")
            .send()
    };
    assert_eq!(probe("/healthz").await.unwrap().status(), 200);
    assert_eq!(probe("/readyz").await.unwrap().status(), 200);
    assert_eq!(probe("/metrics").await.unwrap().status(), 403);
    assert_eq!(probe("/integrated-account").await.unwrap().status(), 403);
}

/// A `serve` process with the built-in sandbox on a fresh SQLite store; its first MCP URL
/// and the sandbox's address.
async fn serve_with_sandbox(
    dir: &tempfile::TempDir,
    grace_seconds: u32,
) -> (Serve, String, String) {
    let mut command = bms_mcp();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(["--shutdown-grace-seconds", &grace_seconds.to_string()])
        .args(["--tool-exposure", "all"]);
    let mut serve = Serve::start(command).await;
    let url = serve.value_after("MCP URL: ").await;
    let sandbox = serve.value_after("BMS: built-in sandbox at ").await;
    let sandbox = sandbox.split_whitespace().next().unwrap().to_owned();
    (serve, url, sandbox)
}

/// Polls the sandbox until it holds a BMS request unanswered, failing after `PATIENCE`.
async fn wait_until_bms_has_a_request_in_flight(http: &reqwest::Client, sandbox: &str) {
    let started = Instant::now();
    loop {
        let (_, counted) = get(http, &format!("{sandbox}/_sandbox/in-flight")).await;
        if counted["in_flight"].as_u64().is_some_and(|n| n > 0) {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "no request reached BMS within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn sigterm_lets_a_call_in_flight_finish_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (mut serve, url, sandbox) = serve_with_sandbox(&dir, 10).await;
    let slow = serve
        .http
        .post(format!("{sandbox}/_sandbox/faults"))
        .json(&json!({"latency_ms": 1500}))
        .send()
        .await
        .unwrap();
    assert!(slow.status().is_success());

    let http = serve.http.clone();
    let in_flight = tokio::spawn(async move {
        process::mcp(
            &http,
            &url,
            "tools/call",
            json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": {}}),
        )
        .await
    });
    wait_until_bms_has_a_request_in_flight(&serve.http, &sandbox).await;
    let stopping = Instant::now();
    serve.terminate();

    let (status, reply) = in_flight.await.unwrap();
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let status = serve.exit_status().await;
    assert_eq!(status.code(), Some(0), "{status}");
    let took = stopping.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(10),
        "stopped after {took:?}: it must wait for the call, not for the grace period"
    );
    let refused = serve
        .http
        .get(format!("{}/healthz", serve.base))
        .send()
        .await;
    assert!(refused.is_err(), "nothing listens after the stop");
}

#[tokio::test]
async fn sigterm_exits_0_after_the_grace_period_even_with_an_event_stream_open() {
    let dir = tempfile::tempdir().unwrap();
    let (mut serve, url, _) = serve_with_sandbox(&dir, 1).await;
    let stream = serve
        .http
        .get(format!("{url}/sse"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let stopping = Instant::now();
    serve.terminate();
    let status = serve.exit_status().await;
    let took = stopping.elapsed();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(8),
        "stopped after {took:?}, grace period 1 s"
    );
    drop(stream);
}
