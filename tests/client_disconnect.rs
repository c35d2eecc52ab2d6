//! An MCP client that hangs up mid-call cancels the BMS request: the gateway stops waiting for
//! BMS and closes the upstream connection, rather than letting the request run on for nobody.

mod common;

use std::time::Duration;

use common::{Harness, PROMPT};
use serde_json::{Value, json};

const TOOL_PATH: &str = "/v2/system/priorities/lookup";

/// Polls until `done` holds, every 20 ms, failing after `PROMPT`.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    tokio::time::timeout(PROMPT, async {
        while !done().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} did not happen within {PROMPT:?}"));
}

async fn tool_requests(h: &Harness) -> Vec<Value> {
    h.upstream_requests()
        .await
        .into_iter()
        .filter(|r| r["path"] == TOOL_PATH)
        .collect()
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_call_cancels_the_upstream_request() {
    let h = Harness::start().await;
    let warm = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
    assert_eq!(warm["isError"], false, "{warm}");
    // BMS takes far longer than the test waits, so only a cancelled request can end early.
    h.sandbox_post("/_sandbox/faults", json!({"latency_ms": 60_000}))
        .await;
    h.clear_upstream_requests().await;

    let request = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "list_all_kaseya_bms_priorities_lookup", "arguments": {}}})
            .to_string(),
        );
    let client = tokio::spawn(request.send());
    eventually("the call reaching BMS", || async {
        h.sandbox_get("/_sandbox/in-flight").await["in_flight"] == 1
    })
    .await;
    assert_eq!(h.metric("bms_mcp_tool_calls_in_flight").await, Some(1));
    // The MCP client gives up: its connection closes with the request unanswered.
    client.abort();

    eventually("the upstream request being abandoned", || async {
        tool_requests(&h)
            .await
            .iter()
            .any(|r| r["fault"] == "abandoned")
    })
    .await;
    assert_eq!(h.sandbox_get("/_sandbox/in-flight").await["in_flight"], 0);
    eventually("the gateway's call ending", || async {
        h.metric("bms_mcp_tool_calls_in_flight").await == Some(0)
    })
    .await;
    let sent = tool_requests(&h).await;
    assert_eq!(
        sent.len(),
        1,
        "one request, abandoned, none answered: {sent:#?}"
    );
    assert_eq!(sent[0]["status"], 0, "{sent:#?}");

    // The gateway carries on: the next call is answered.
    h.sandbox_post("/_sandbox/faults", json!({"latency_ms": 0}))
        .await;
    let next = h
        .call("list_all_kaseya_bms_priorities_lookup", json!({}))
        .await;
    assert_eq!(next["isError"], false, "{next}");
}
