//! The workflows as prompts, the reference data as resources, and completions for prompt
//! arguments, against the sandbox through a real gateway.

mod common;

use bms_mcp::catalogue::ToolFilter;
use common::{Harness, Options};
use serde_json::{Value, json};

#[tokio::test]
async fn the_triage_prompt_names_the_tools_and_the_queue_given() {
    let h = Harness::start().await;
    let listed = h.rpc("prompts/list", json!({})).await;
    let names: Vec<&str> = listed["result"]["prompts"]
        .as_array()
        .expect("prompts")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["triage_queue", "prepare_account_review"]);

    let got = h
        .rpc(
            "prompts/get",
            json!({"name": "triage_queue", "arguments": {"queue": "Triage", "topic": "password"}}),
        )
        .await;
    let text = got["result"]["messages"][0]["content"]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("\"Triage\" service desk queue about \"password\""),
        "{text}"
    );
    assert!(text.contains("filter_title: \"password\""), "{text}");
    assert!(
        text.contains("list_all_kaseya_bms_servicedesk_tickets"),
        "{text}"
    );
    assert!(text.contains("create_a_kaseya_bms_assignticket"), "{text}");

    let missing = h
        .rpc(
            "prompts/get",
            json!({"name": "triage_queue", "arguments": {}}),
        )
        .await;
    assert_eq!(missing["error"]["code"], -32602, "{missing}");
}

#[tokio::test]
async fn the_queues_resource_is_read_live_from_bms() {
    let h = Harness::start().await;
    let listed = h.rpc("resources/list", json!({})).await;
    let uris: Vec<&str> = listed["result"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"bms://lookups/queues") && uris.contains(&"bms://lookups/note-types"),
        "{uris:?}"
    );

    h.clear_upstream_requests().await;
    let read = h
        .rpc("resources/read", json!({"uri": "bms://lookups/queues"}))
        .await;
    let content = &read["result"]["contents"][0];
    assert_eq!(content["mimeType"], "application/json");
    let queues: Value =
        serde_json::from_str(content["text"].as_str().expect("text")).expect("JSON");
    assert!(
        queues["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|q| q["name"] == "Triage"),
        "{queues}"
    );
    let sent = h.upstream_requests().await;
    assert_eq!(sent.len(), 1, "one lookup, nothing stored: {sent:?}");
    assert_eq!(sent[0]["path"], "/v2/system/queues/lookup");

    let unknown = h
        .rpc("resources/read", json!({"uri": "bms://lookups/passwords"}))
        .await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    assert_eq!(unknown["error"]["data"]["uri"], "bms://lookups/passwords");
}

#[tokio::test]
async fn a_prompts_queue_argument_completes_from_the_tenants_queues() {
    let h = Harness::start().await;
    let completed = h
        .rpc(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "triage_queue"}, "argument": {"name": "queue", "value": "se"}}),
        )
        .await;
    let values = completed["result"]["completion"]["values"]
        .as_array()
        .expect("values");
    assert!(values.contains(&json!("Security")), "{completed}");
    assert!(
        values.iter().all(|v| v
            .as_str()
            .is_some_and(|v| v.to_lowercase().starts_with("se"))),
        "{completed}"
    );
    let free_text = h
        .rpc(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "triage_queue"}, "argument": {"name": "topic", "value": "pa"}}),
        )
        .await;
    assert_eq!(free_text["result"]["completion"]["values"], json!([]));
}

#[tokio::test]
async fn a_read_only_scope_offers_no_workflow_that_writes() {
    let h = Harness::with(Options {
        filter: ToolFilter {
            methods: vec!["read".into()],
            tags: Vec::new(),
        },
        ..Options::default()
    })
    .await;
    let listed = h.rpc("prompts/list", json!({})).await;
    assert_eq!(listed["result"]["prompts"], json!([]));
    let resources = h.rpc("resources/list", json!({})).await;
    assert_eq!(
        resources["result"]["resources"].as_array().map(Vec::len),
        Some(5)
    );
}
