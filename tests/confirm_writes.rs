//! `confirm_writes`: calls that change or notify wait for the user's yes through MCP
//! elicitation (MCP 2025-06-18, client/elicitation: `elicitation/create`, actions accept,
//! decline, cancel) on Streamable HTTP, and fail closed whenever no yes can come.

mod common;

use common::{Harness, PROMPT};
use serde_json::{Value, json};

use bms_mcp::store::McpServerConfig;

const NOTE: &str = "create_a_kaseya_bms_servicedesk_ticket_note";
const NOTES_PATH: &str = "/v2/servicedesk/tickets/50001/notes";

fn note(is_internal: bool) -> Value {
    json!({"ticket_id": 50001, "details": "We are on it.", "is_internal": is_internal,
        "type_id": 601, "note_date": "2026-11-26T10:00:00Z"})
}

/// A gateway whose MCP server confirms writes (or not); its MCP URL.
async fn gateway(confirm_writes: bool) -> (Harness, String) {
    let h = Harness::start().await;
    let token = h
        .register_with(
            McpServerConfig {
                confirm_writes,
                ..McpServerConfig::default()
            },
            None,
        )
        .await;
    let url = h.url(&format!("/mcp/{token}"));
    (h, url)
}

/// Initializes a session, declaring elicitation or not; its id.
async fn session(h: &Harness, url: &str, elicitation: bool) -> String {
    let capabilities = if elicitation {
        json!({"elicitation": {}})
    } else {
        json!({})
    };
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": capabilities,
        "clientInfo": {"name": "confirm-test", "version": "1"}}});
    let response = post(h, url, None, &body).await;
    response
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("a session id")
        .to_owned()
}

async fn post(h: &Harness, url: &str, session: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = h
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .body(body.to_string());
    if let Some(id) = session {
        request = request.header("mcp-session-id", id);
    }
    tokio::time::timeout(PROMPT, request.send())
        .await
        .expect("answered in time")
        .expect("sent")
}

fn call(tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}})
}

/// The JSON-RPC messages of an event-stream answer, read as they arrive.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data: String = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue;
                }
                return serde_json::from_str(&data).expect("event data is JSON");
            }
            let chunk = tokio::time::timeout(PROMPT, self.response.chunk())
                .await
                .expect("the stream goes on in time")
                .expect("stream readable")
                .expect("the stream did not end");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn notes_sent(h: &Harness) -> usize {
    h.upstream_requests()
        .await
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == NOTES_PATH)
        .count()
}

/// Calls `tool` in a session that declared elicitation, answers its question with `answer`;
/// the question and the call's result.
async fn answered(
    h: &Harness,
    url: &str,
    tool: &str,
    args: Value,
    answer: Value,
) -> (Value, Value) {
    let id = session(h, url, true).await;
    let response = post(h, url, Some(&id), &call(tool, args)).await;
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream",
        "a call that asks answers as an event stream"
    );
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    let question = events.next().await;
    assert_eq!(question["method"], "elicitation/create", "{question}");
    let reply = json!({"jsonrpc": "2.0", "id": question["id"], "result": answer});
    let ack = post(h, url, Some(&id), &reply).await;
    assert_eq!(ack.status(), 202);
    let result = events.next().await;
    assert_eq!(result["id"], 7, "{result}");
    (question, result["result"].clone())
}

#[tokio::test]
async fn an_accepted_confirmation_sends_the_call() {
    let (h, url) = gateway(true).await;
    h.clear_upstream_requests().await;
    let (question, result) = answered(
        &h,
        &url,
        NOTE,
        note(false),
        json!({"action": "accept", "content": {"confirm": true}}),
    )
    .await;
    let message = question["params"]["message"].as_str().expect("a message");
    assert!(
        message.contains(NOTE) && message.contains("customer can see"),
        "{message}"
    );
    assert_eq!(
        question["params"]["requestedSchema"]["properties"]["confirm"]["type"],
        "boolean"
    );
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(notes_sent(&h).await, 1);
}

#[tokio::test]
async fn a_declined_or_cancelled_confirmation_sends_nothing() {
    let (h, url) = gateway(true).await;
    h.clear_upstream_requests().await;
    for (answer, said) in [
        (json!({"action": "decline"}), "the user declined"),
        (json!({"action": "cancel"}), "the user cancelled"),
        (
            json!({"action": "accept", "content": {"confirm": false}}),
            "the user declined",
        ),
    ] {
        let (_, result) = answered(&h, &url, NOTE, note(false), answer).await;
        assert_eq!(result["isError"], true, "{result}");
        let text = Harness::text(&result);
        assert!(
            text.contains("was not called") && text.contains(said),
            "{text}"
        );
    }
    assert_eq!(notes_sent(&h).await, 0, "nothing reached BMS");
}

#[tokio::test]
async fn an_internal_note_and_a_read_are_not_asked_about() {
    let (h, url) = gateway(true).await;
    let id = session(&h, &url, true).await;
    h.clear_upstream_requests().await;
    for (tool, args) in [
        (NOTE, note(true)),
        ("list_all_kaseya_bms_queues_lookup", json!({})),
    ] {
        let response = post(&h, &url, Some(&id), &call(tool, args)).await;
        assert_eq!(response.headers()["content-type"], "application/json");
        let reply: Value = response.json().await.expect("JSON");
        assert_eq!(reply["result"]["isError"], false, "{reply}");
    }
    assert_eq!(notes_sent(&h).await, 1);
}

#[tokio::test]
async fn a_client_that_cannot_be_asked_is_refused_with_the_reason() {
    let (h, url) = gateway(true).await;
    let plain = session(&h, &url, false).await;
    h.clear_upstream_requests().await;
    let cases = [
        (
            Some(plain.as_str()),
            "did not declare the `elicitation` capability",
        ),
        (None, "Mcp-Session-Id"),
    ];
    for (session, said) in cases {
        let reply: Value = post(&h, &url, session, &call(NOTE, note(false)))
            .await
            .json()
            .await
            .expect("JSON");
        let result = &reply["result"];
        assert_eq!(result["isError"], true, "{reply}");
        assert!(Harness::text(result).contains(said), "{result}");
    }
    assert_eq!(notes_sent(&h).await, 0, "nothing reached BMS");
}

#[tokio::test]
async fn without_confirm_writes_nothing_is_asked() {
    let (h, url) = gateway(false).await;
    let id = session(&h, &url, true).await;
    h.clear_upstream_requests().await;
    let reply: Value = post(&h, &url, Some(&id), &call(NOTE, note(false)))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    assert_eq!(notes_sent(&h).await, 1);
}

#[tokio::test]
async fn an_answer_from_another_session_is_ignored() {
    let (h, url) = gateway(true).await;
    let id = session(&h, &url, true).await;
    let other = session(&h, &url, true).await;
    h.clear_upstream_requests().await;
    let response = post(&h, &url, Some(&id), &call(NOTE, note(false))).await;
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    let question = events.next().await;
    let accept =
        |q: &Value| json!({"jsonrpc": "2.0", "id": q["id"], "result": {"action": "accept"}});
    post(&h, &url, Some(&other), &accept(&question)).await;
    assert_eq!(notes_sent(&h).await, 0, "another session cannot say yes");
    post(
        &h,
        &url,
        Some(&id),
        &json!({"jsonrpc": "2.0", "id": question["id"],
        "result": {"action": "decline"}}),
    )
    .await;
    let result = events.next().await;
    assert_eq!(result["result"]["isError"], true, "{result}");
    assert_eq!(notes_sent(&h).await, 0);
}

#[tokio::test]
async fn a_stateless_2026_request_is_refused_because_it_cannot_be_asked() {
    let (h, url) = gateway(true).await;
    h.clear_upstream_requests().await;
    let v = "2026-07-28";
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {
    "name": NOTE, "arguments": note(false),
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": v,
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"}
    }}});
    let response = h
        .http
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", v)
        .header("mcp-method", "tools/call")
        .header("mcp-name", NOTE)
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    let reply: Value = response.json().await.expect("JSON");
    let result = &reply["result"];
    assert_eq!(result["isError"], true, "{reply}");
    assert!(
        Harness::text(result).contains("2026-07-28 requests are stateless"),
        "{result}"
    );
    assert_eq!(notes_sent(&h).await, 0, "nothing reached BMS");
}
