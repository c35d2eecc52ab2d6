//! MCP 2026-07-28 ("modern") requests beside the legacy handshake on the same endpoint:
//! basic/versioning, server/discover, and the Streamable HTTP binding's header rules.

mod common;

use common::Harness;
use serde_json::{Value, json};

const V: &str = "2026-07-28";

fn modern_body(method: &str, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"}
    });
    json!({"jsonrpc": "2.0", "id": 9, "method": method, "params": params})
}

async fn send(
    h: &Harness,
    body: &Value,
    headers: &[(&str, &str)],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.body(body.to_string()).send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

async fn modern(
    h: &Harness,
    method: &str,
    params: Value,
    name: Option<&str>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut headers = vec![("mcp-protocol-version", V), ("mcp-method", method)];
    if let Some(name) = name {
        headers.push(("mcp-name", name));
    }
    send(h, &modern_body(method, params), &headers).await
}

#[tokio::test]
async fn server_discover_names_every_version_and_our_capabilities() {
    let h = Harness::start().await;
    let (status, reply, headers) = modern(&h, "server/discover", json!({}), None).await;
    assert_eq!(status, 200);
    let result = &reply["result"];
    assert_eq!(result["resultType"], "complete");
    let versions = result["supportedVersions"].as_array().expect("versions");
    assert_eq!(versions[0], V);
    assert!(versions.contains(&json!("2025-11-25")) && versions.contains(&json!("2024-11-05")));
    assert!(result["capabilities"]["tools"].is_object());
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "bms-mcp"
    );
    assert!(result["ttlMs"].as_u64().is_some() && result["cacheScope"] == "private");
    assert!(
        !headers.contains_key("mcp-session-id"),
        "no sessions in the modern era"
    );
}

#[tokio::test]
async fn modern_tools_list_and_call_need_no_handshake() {
    let h = Harness::start().await;
    let (status, list, _) = modern(&h, "tools/list", json!({}), None).await;
    assert_eq!(status, 200);
    assert_eq!(list["result"]["resultType"], "complete");
    assert_eq!(list["result"]["cacheScope"], "private");
    assert!(
        list["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    let params = json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": {}});
    let (status, call, headers) = modern(
        &h,
        "tools/call",
        params,
        Some("list_all_kaseya_bms_queues_lookup"),
    )
    .await;
    assert_eq!(status, 200, "{call}");
    assert_eq!(call["result"]["isError"], false);
    assert_eq!(call["result"]["resultType"], "complete");
    assert!(
        headers.contains_key("ratelimit-remaining"),
        "same rate-limit headers in both eras"
    );
}

#[tokio::test]
async fn an_unsupported_version_is_400_with_the_supported_list() {
    let h = Harness::start().await;
    let mut body = modern_body("tools/list", json!({}));
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let (status, reply, _) = send(
        &h,
        &body,
        &[
            ("mcp-protocol-version", "2099-01-01"),
            ("mcp-method", "tools/list"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(reply["error"]["code"], -32022);
    assert_eq!(reply["error"]["data"]["requested"], "2099-01-01");
    assert_eq!(reply["id"], 9);
    assert!(
        reply["error"]["data"]["supported"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(V)))
    );
}

#[tokio::test]
async fn headers_that_disagree_with_the_body_are_refused() {
    let h = Harness::start().await;
    let params = json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": {}});
    let body = modern_body("tools/call", params);
    for headers in [
        vec![
            ("mcp-protocol-version", V),
            ("mcp-method", "tools/list"),
            ("mcp-name", "list_all_kaseya_bms_queues_lookup"),
        ],
        vec![
            ("mcp-protocol-version", V),
            ("mcp-method", "tools/call"),
            ("mcp-name", "delete_everything"),
        ],
        vec![("mcp-protocol-version", V), ("mcp-method", "tools/call")],
        vec![
            ("mcp-protocol-version", "2025-11-25"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "list_all_kaseya_bms_queues_lookup"),
        ],
    ] {
        let (status, reply, _) = send(&h, &body, &headers).await;
        assert_eq!(status, 400, "{headers:?}");
        assert_eq!(reply["error"]["code"], -32020, "{headers:?}: {reply}");
    }
}

#[tokio::test]
async fn a_request_missing_its_capabilities_is_invalid() {
    let h = Harness::start().await;
    let mut body = modern_body("tools/list", json!({}));
    body["params"]["_meta"]
        .as_object_mut()
        .expect("meta")
        .remove("io.modelcontextprotocol/clientCapabilities");
    let (status, reply, _) = send(
        &h,
        &body,
        &[("mcp-protocol-version", V), ("mcp-method", "tools/list")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(reply["error"]["code"], -32602);
}

#[tokio::test]
async fn unknown_and_removed_methods_are_404_in_the_modern_era_only() {
    let h = Harness::start().await;
    let (status, reply, _) = modern(&h, "ping", json!({}), None).await;
    assert_eq!(status, 404);
    assert_eq!(reply["error"]["code"], -32601);
    let legacy_ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let (status, reply, _) = send(&h, &legacy_ping, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(reply["result"], json!({}));
}

#[tokio::test]
async fn a_modern_request_ignores_a_session_header() {
    let h = Harness::start().await;
    let body = modern_body("tools/list", json!({}));
    let (status, _, _) = send(
        &h,
        &body,
        &[
            ("mcp-protocol-version", V),
            ("mcp-method", "tools/list"),
            ("mcp-session-id", "stale.session"),
        ],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_modern_request_gets_log_messages_only_at_the_level_its_meta_names() {
    let h = Harness::start().await;
    let call = |level: Option<&str>| {
        let mut body = modern_body(
            "tools/call",
            json!({"name": "list_all_kaseya_bms_crm_opportunities",
                "arguments": {"filter_status": "Prospecting"}}),
        );
        if let Some(level) = level {
            body["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!(level);
        }
        body
    };
    let post = |body: Value| {
        h.http
            .post(h.mcp_url())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", V)
            .header("mcp-method", "tools/call")
            .header("mcp-name", "list_all_kaseya_bms_crm_opportunities")
            .body(body.to_string())
            .send()
    };
    let quiet = post(call(None)).await.expect("sent");
    assert_eq!(quiet.headers()["content-type"], "application/json");
    let told = post(call(Some("info"))).await.expect("sent");
    assert_eq!(told.headers()["content-type"], "text/event-stream");
    let text = told.text().await.expect("body");
    let first = text
        .lines()
        .find_map(|l| l.strip_prefix("data:"))
        .map(|d| serde_json::from_str::<Value>(d.trim()).expect("JSON"))
        .expect("an event");
    assert_eq!(first["method"], "notifications/message", "{text}");
    assert_eq!(first["params"]["level"], "info");
    assert!(
        text.contains("\"resultType\":\"complete\""),
        "the result follows: {text}"
    );
}
