//! What a call may send before its result on its own stream (MCP 2025-06-18
//! server/utilities/logging: `logging/setLevel`, `notifications/message`; basic/utilities/
//! progress: `notifications/progress` only for a request with `_meta.progressToken`), the
//! `tasks/*` answer of a server without the tasks extension (SEP-2663: -32021), and the
//! conformance fixtures' absence from a server not started with `--conformance-fixtures`.

mod common;

use common::{Harness, PROMPT};
use serde_json::{Value, json};

/// A list tool with a name argument resolved through a lookup (`filter_status`).
const OPPORTUNITIES: &str = "list_all_kaseya_bms_crm_opportunities";

async fn post(h: &Harness, session: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_string());
    if let Some(id) = session {
        request = request.header("mcp-session-id", id);
    }
    tokio::time::timeout(PROMPT, request.send())
        .await
        .expect("answered in time")
        .expect("sent")
}

async fn session(h: &Harness) -> String {
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "notifications-test", "version": "1"}}});
    let response = post(h, None, &body).await;
    response.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

fn rpc(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
}

/// The messages of an answer in order: the event stream's, or the one JSON reply.
async fn messages(response: reqwest::Response) -> (String, Vec<Value>) {
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body = tokio::time::timeout(PROMPT, response.text())
        .await
        .expect("ended in time")
        .expect("body");
    let messages = if content_type.starts_with("text/event-stream") {
        body.split("\n\n")
            .map(|event| {
                event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect::<String>()
            })
            .filter(|data| !data.is_empty())
            .map(|data| serde_json::from_str(&data).expect("event data is JSON"))
            .collect()
    } else {
        vec![serde_json::from_str(&body).expect("JSON reply")]
    };
    (content_type, messages)
}

fn resolving_call(meta: Value) -> Value {
    rpc(
        "tools/call",
        json!({"name": OPPORTUNITIES, "arguments": {"filter_status": "Prospecting"}, "_meta": meta}),
    )
}

#[tokio::test]
async fn logging_is_advertised_and_set_level_answers_empty_or_refuses_an_unknown_level() {
    let h = Harness::start().await;
    let init = h
        .rpc(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await;
    assert!(
        init["result"]["capabilities"]["logging"].is_object(),
        "{init}"
    );
    let id = session(&h).await;
    let (_, set) = messages(
        post(
            &h,
            Some(&id),
            &rpc("logging/setLevel", json!({"level": "info"})),
        )
        .await,
    )
    .await;
    assert_eq!(set[0]["result"], json!({}));
    let (_, bad) = messages(
        post(
            &h,
            Some(&id),
            &rpc("logging/setLevel", json!({"level": "loud"})),
        )
        .await,
    )
    .await;
    assert_eq!(bad[0]["error"]["code"], -32602, "{}", bad[0]);
}

#[tokio::test]
async fn a_session_at_info_hears_the_name_it_resolved_before_the_result() {
    let h = Harness::start().await;
    let id = session(&h).await;
    post(
        &h,
        Some(&id),
        &rpc("logging/setLevel", json!({"level": "info"})),
    )
    .await;
    let (content_type, sent) =
        messages(post(&h, Some(&id), &resolving_call(json!({}))).await).await;
    assert_eq!(content_type, "text/event-stream");
    let logs: Vec<&Value> = sent
        .iter()
        .filter(|m| m["method"] == "notifications/message")
        .collect();
    assert!(
        logs.iter().any(|m| m["params"]["level"] == "info"
            && m["params"]["logger"] == "bms-mcp"
            && m["params"]["data"]["filter_status_id"] == 1401),
        "{sent:?}"
    );
    assert!(
        logs.iter().all(|m| m["params"]["level"] != "debug"),
        "nothing below the level: {logs:?}"
    );
    let last = sent.last().expect("a result");
    assert_eq!(last["id"], 7, "the result comes last: {sent:?}");
    assert_eq!(last["result"]["isError"], false);
}

#[tokio::test]
async fn a_session_that_set_no_level_or_a_higher_one_gets_a_plain_json_result() {
    let h = Harness::start().await;
    let quiet = session(&h).await;
    let (content_type, sent) =
        messages(post(&h, Some(&quiet), &resolving_call(json!({}))).await).await;
    assert_eq!(content_type, "application/json", "{sent:?}");

    let strict = session(&h).await;
    post(
        &h,
        Some(&strict),
        &rpc("logging/setLevel", json!({"level": "error"})),
    )
    .await;
    let (content_type, sent) =
        messages(post(&h, Some(&strict), &resolving_call(json!({}))).await).await;
    assert_eq!(content_type, "application/json", "{sent:?}");
    // Another session's level is not this one's.
    assert_eq!(sent.len(), 1);
}

#[tokio::test]
async fn a_bms_error_is_logged_as_a_warning_with_its_status_only() {
    let h = Harness::start().await;
    let id = session(&h).await;
    post(
        &h,
        Some(&id),
        &rpc("logging/setLevel", json!({"level": "warning"})),
    )
    .await;
    let missing = rpc(
        "tools/call",
        json!({"name": "get_single_kaseya_bms_servicedesk_ticket_by_id", "arguments": {"ticket_id": 999_999}}),
    );
    let (_, sent) = messages(post(&h, Some(&id), &missing).await).await;
    let warning = sent
        .iter()
        .find(|m| m["method"] == "notifications/message")
        .unwrap_or_else(|| panic!("a log message: {sent:?}"));
    assert_eq!(warning["params"]["level"], "warning");
    assert_eq!(warning["params"]["data"]["status"], 404);
    assert_eq!(sent.last().expect("result")["result"]["isError"], true);
}

#[tokio::test]
async fn progress_with_a_token_comes_before_the_result_and_only_increases() {
    let h = Harness::start().await;
    // No session needed: progress goes back on the request's own stream.
    let (content_type, sent) =
        messages(post(&h, None, &resolving_call(json!({"progressToken": "p-1"}))).await).await;
    assert_eq!(content_type, "text/event-stream");
    let progress: Vec<&Value> = sent
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| &m["params"])
        .collect();
    assert!(progress.len() >= 2, "a lookup and the request: {sent:?}");
    assert!(progress.iter().all(|p| p["progressToken"] == "p-1"));
    let values: Vec<f64> = progress
        .iter()
        .map(|p| p["progress"].as_f64().expect("number"))
        .collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    assert!(
        progress
            .iter()
            .all(|p| p["total"].as_f64() >= p["progress"].as_f64())
    );
    assert!(
        progress[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("filter_status"))
    );
    assert_eq!(sent.last().expect("result")["id"], 7);
}

#[tokio::test]
async fn no_progress_is_sent_without_a_token() {
    let h = Harness::start().await;
    let (content_type, sent) = messages(post(&h, None, &resolving_call(json!({}))).await).await;
    assert_eq!(content_type, "application/json");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["result"]["isError"], false);
}

#[tokio::test]
async fn tasks_methods_answer_missing_required_client_capability_and_removed_ones_are_unknown() {
    let h = Harness::start().await;
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let reply = h.rpc(method, json!({"taskId": "t-1"})).await;
        assert_eq!(reply["error"]["code"], -32021, "{method}: {reply}");
        assert!(
            reply["error"]["data"]["requiredCapabilities"]["extensions"]
                ["io.modelcontextprotocol/tasks"]
                .is_object(),
            "{reply}"
        );
    }
    // SEP-2663 removed these; a server without tasks does not know them either.
    for removed in ["tasks/list", "tasks/result"] {
        let reply = h.rpc(removed, json!({})).await;
        assert_eq!(reply["error"]["code"], -32601, "{removed}: {reply}");
    }
}

#[tokio::test]
async fn conformance_fixtures_are_absent_without_the_flag() {
    let h = Harness::start().await;
    let list = h.rpc("tools/list", json!({})).await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(!names.is_empty());
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with("test_") && *n != "json_schema_2020_12_tool"),
        "{names:?}"
    );
    let call = h
        .rpc("tools/call", json!({"name": "test_simple_text"}))
        .await;
    assert_eq!(call["error"]["code"], -32602, "{call}");
    let prompt = h
        .rpc("prompts/get", json!({"name": "test_simple_prompt"}))
        .await;
    assert!(prompt["error"].is_object(), "{prompt}");
    let read = h
        .rpc("resources/read", json!({"uri": "test://static-text"}))
        .await;
    assert!(read["error"].is_object(), "{read}");
    let resources = h.rpc("resources/list", json!({})).await;
    assert!(!resources.to_string().contains("test://"), "{resources}");
    let prompts = h.rpc("prompts/list", json!({})).await;
    assert!(!prompts.to_string().contains("test_"), "{prompts}");
}

#[tokio::test]
async fn a_spent_rate_limit_budget_and_the_429_after_it_are_warnings() {
    let h = Harness::start().await;
    // Sign in first, so the budget is the tool's, not the sign-in's.
    h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
    h.sandbox_post(
        "/_sandbox/faults",
        json!({"rate_limit": "1/hour", "rate_limit_headers": "x-ratelimit"}),
    )
    .await;
    let id = session(&h).await;
    post(
        &h,
        Some(&id),
        &rpc("logging/setLevel", json!({"level": "warning"})),
    )
    .await;
    let statuses = rpc(
        "tools/call",
        json!({"name": "list_all_kaseya_bms_statuses_lookup", "arguments": {}}),
    );
    let warnings = |sent: &[Value]| -> Vec<Value> {
        sent.iter()
            .filter(|m| m["method"] == "notifications/message")
            .map(|m| m["params"].clone())
            .collect()
    };
    let (_, first) = messages(post(&h, Some(&id), &statuses).await).await;
    let low = warnings(&first);
    assert_eq!(
        first.last().expect("result")["result"]["isError"],
        false,
        "{first:?}"
    );
    assert!(
        low.iter().any(|w| w["level"] == "warning"
            && w["data"]["remaining"] == 0
            && w["data"]["limit"] == 1),
        "{first:?}"
    );
    let (_, second) = messages(post(&h, Some(&id), &statuses).await).await;
    let refused = warnings(&second);
    assert!(
        refused.iter().any(|w| w["data"]["status"] == 429
            && w["data"]["retry_after_seconds"]
                .as_u64()
                .is_some_and(|s| s > 0)),
        "{second:?}"
    );
    assert_eq!(second.last().expect("result")["result"]["isError"], true);
}
