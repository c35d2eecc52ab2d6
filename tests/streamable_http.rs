//! Streamable HTTP transport behaviour (MCP 2025-11-25, basic/transports).

mod common;

use common::Harness;
use serde_json::{Value, json};

fn init_body(version: &str) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}
    }})
    .to_string()
}

#[tokio::test]
async fn initialize_answers_json_and_issues_a_session_id() {
    let h = Harness::start().await;
    let response = h.post_raw(init_body("2025-06-18")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("mcp-session-id"));
    let reply: Value = response.json().await.expect("json");
    assert_eq!(reply["result"]["protocolVersion"], "2025-06-18");
}

#[tokio::test]
async fn an_unknown_version_is_answered_with_ours() {
    let h = Harness::start().await;
    let reply: Value = h
        .post_raw(init_body("2099-01-01"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(reply["result"]["protocolVersion"], "2025-11-25");
}

#[tokio::test]
async fn a_client_that_accepts_only_event_streams_gets_one() {
    let h = Harness::start().await;
    let response = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.expect("body");
    assert!(
        text.contains("event: message") && text.contains("\"protocolVersion\""),
        "{text}"
    );
}

#[tokio::test]
async fn notifications_are_accepted_with_202_and_no_body() {
    let h = Harness::start().await;
    let response = h
        .post_raw(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string())
        .await;
    assert_eq!(response.status(), 202);
    assert!(response.text().await.expect("body").is_empty());
}

#[tokio::test]
async fn sessions_are_optional_but_a_bad_or_ended_one_is_404() {
    let h = Harness::start().await;
    let response = h.post_raw(init_body("2025-11-25")).await;
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}).to_string();
    let with = |id: &str| {
        h.http
            .post(h.mcp_url())
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("mcp-session-id", id.to_owned())
            .body(ping.clone())
            .send()
    };
    assert_eq!(with(&session).await.expect("sent").status(), 200);
    assert_eq!(with("forged.session").await.expect("sent").status(), 404);
    let ended = h
        .http
        .delete(h.mcp_url())
        .header("mcp-session-id", session.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(ended.status(), 204);
    assert_eq!(
        with(&session).await.expect("sent").status(),
        404,
        "an ended session is gone"
    );
    assert_eq!(
        h.post_raw(ping.clone()).await.status(),
        200,
        "no session id: served statelessly"
    );
    let no_id = h.http.delete(h.mcp_url()).send().await.expect("sent");
    assert_eq!(no_id.status(), 400);
}

#[tokio::test]
async fn wrong_media_types_are_refused() {
    let h = Harness::start().await;
    let text_body = h
        .http
        .post(h.mcp_url())
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(text_body.status(), 415);
    let html_only = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "text/html")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .expect("sent");
    assert_eq!(html_only.status(), 406);
}

#[tokio::test]
async fn an_unsupported_protocol_version_header_is_400() {
    let h = Harness::start().await;
    let response = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "1999-01-01")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn get_opens_an_event_stream() {
    let h = Harness::start().await;
    let response = h
        .http
        .get(h.mcp_url())
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let refused = h
        .http
        .get(h.mcp_url())
        .header("accept", "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 406);
}

#[tokio::test]
async fn invalid_json_is_a_parse_error_and_garbage_messages_are_invalid_requests() {
    let h = Harness::start().await;
    let reply: Value = h.post_raw("{not json").await.json().await.expect("json");
    assert_eq!(reply["error"]["code"], -32700);
    assert_eq!(reply["id"], Value::Null);
    let reply: Value = h
        .post_raw(r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(reply["error"]["code"], -32600);
    assert_eq!(reply["id"], 7);
    let reply: Value = h
        .post_raw(r#"{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage"}"#)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(reply["error"]["code"], -32601);
}

#[tokio::test]
async fn batches_are_answered_on_old_revisions_and_refused_on_new_ones() {
    let h = Harness::start().await;
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    ])
    .to_string();
    let reply: Value = h.post_raw(batch.clone()).await.json().await.expect("json");
    assert_eq!(reply.as_array().map(Vec::len), Some(2), "{reply}");
    let response = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .body(batch)
        .send()
        .await
        .expect("sent");
    let reply: Value = response.json().await.expect("json");
    assert_eq!(reply["error"]["code"], -32600);
}

#[tokio::test]
async fn tools_list_pages_and_refuses_a_forged_cursor() {
    let h = Harness::start().await;
    let first = h.rpc("tools/list", json!({})).await;
    let tools = first["result"]["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), 100);
    let cursor = first["result"]["nextCursor"].as_str().expect("more pages");
    let second = h.rpc("tools/list", json!({"cursor": cursor})).await;
    assert!(
        second["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    let forged = h
        .rpc("tools/list", json!({"cursor": "bm90IGEgbnVtYmVy"}))
        .await;
    assert_eq!(forged["error"]["code"], -32602);
}
