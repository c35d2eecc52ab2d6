//! What reaches BMS for a tool call: arguments split correctly, hostile values contained,
//! invalid input never sent.

mod common;

use common::Harness;
use serde_json::json;

#[tokio::test]
async fn flat_arguments_become_path_query_and_body() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(
            "list_all_kaseya_bms_servicedesk_tickets",
            json!({"filter_queue_names": "Triage,Security", "page_size": 5}),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    let note = h
        .call(
            "create_a_kaseya_bms_opportunity_note",
            json!({"id": 80001, "note": "Called the customer."}),
        )
        .await;
    assert_eq!(note["isError"], false, "{note}");
    let sent = h.upstream_requests().await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["path"], "/v2/servicedesk/tickets");
    let query = sent[0]["query"].as_str().expect("query");
    assert!(
        query.contains("Filter.QueueNames=Triage%2CSecurity")
            && query.contains("PageSize=5")
            && query.contains("PageNumber=1"),
        "{query}"
    );
    assert_eq!(sent[1]["method"], "POST");
    assert_eq!(sent[1]["path"], "/v2/crm/opportunities/80001/notes");
    assert_eq!(sent[1]["body"], json!({"Note": "Called the customer."}));
}

#[tokio::test]
async fn hostile_path_values_stay_one_segment_or_are_refused() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    for (value, expect_sent) in [
        ("../admin", true),
        ("a/b", true),
        ("%2e%2e%2f", true),
        ("x?y=1", true),
        ("x#f", true),
        ("http://169.254.169.254/", true),
        ("@evil.com", true),
        ("..", false),
        (".", false),
        ("", false),
    ] {
        let result = h
            .call(
                "list_all_kaseya_bms_system_table_lookup",
                json!({"table_name": value}),
            )
            .await;
        if !expect_sent {
            assert_eq!(result["isError"], true, "{value:?} is refused");
            assert!(Harness::text(&result).contains("table_name"), "{result}");
        }
    }
    let sent = h.upstream_requests().await;
    assert_eq!(
        sent.len(),
        7,
        "only the seven acceptable values were sent: {sent:#?}"
    );
    for request in &sent {
        let path = request["path"].as_str().expect("path");
        let rest = path
            .strip_prefix("/v2/system/lookup/")
            .unwrap_or_else(|| panic!("stayed on the lookup route: {path}"));
        assert!(
            !rest.is_empty() && !rest.contains('/') && !rest.contains('?') && !rest.contains('#'),
            "one segment: {path}"
        );
    }
}

#[tokio::test]
async fn every_violation_is_listed_and_nothing_is_sent() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(
            "create_a_kaseya_bms_assignticket",
            json!({"ticket_id": "ACME-1", "details": 5, "is_internal": true, "unknown": 1}),
        )
        .await;
    assert_eq!(result["isError"], true);
    let text = Harness::text(&result);
    // type_id and note_date have defaults (the tenant's default note type, now), so they are
    // not violations.
    for mention in ["ticket_id", "details", "status_id", "unknown"] {
        assert!(text.contains(mention), "{mention} missing from: {text}");
    }
    assert!(text.contains("nothing was sent to BMS"));
    assert!(h.upstream_requests().await.is_empty());
}

#[tokio::test]
async fn non_object_arguments_unicode_and_nul_are_handled() {
    let h = Harness::start().await;
    let reply = h
        .rpc(
            "tools/call",
            json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": [1, 2]}),
        )
        .await;
    assert_eq!(reply["result"]["isError"], true);
    let weird = h
        .call(
            "list_all_kaseya_bms_servicedesk_tickets",
            json!({"filter_title": "Ünïcødé \u{0000} 🔑"}),
        )
        .await;
    assert_eq!(weird["isError"], false, "{weird}");
}

#[tokio::test]
async fn bms_errors_come_back_readable_with_their_code() {
    let h = Harness::start().await;
    let result = h
        .call(
            "get_single_kaseya_bms_servicedesk_ticket_by_id",
            json!({"ticket_id": 999_999}),
        )
        .await;
    assert_eq!(result["isError"], true);
    let text = Harness::text(&result);
    assert!(text.starts_with("BMS refused the call (HTTP 404"), "{text}");
}

#[tokio::test]
async fn discovery_mode_offers_three_meta_tools_within_the_scope() {
    use bms_mcp::catalogue::ToolExposure;
    use bms_mcp::catalogue::ToolFilter;
    let h = Harness::with(common::Options {
        filter: ToolFilter {
            methods: vec![],
            tags: vec!["crm".into()],
        },
        exposure: ToolExposure::Discovery,
        ..Default::default()
    })
    .await;
    let listed = h.rpc("tools/list", json!({})).await;
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["search_tools", "get_tool_schema", "call_tool"]);
    let found = h
        .call(
            "search_tools",
            json!({"query": "add a note to an opportunity"}),
        )
        .await;
    let hits = found["structuredContent"]["tools"]
        .as_array()
        .expect("hits");
    assert_eq!(
        hits[0]["name"], "create_a_kaseya_bms_opportunity_note",
        "{hits:#?}"
    );
    let schema = h
        .call(
            "get_tool_schema",
            json!({"name": "create_a_kaseya_bms_opportunity_note"}),
        )
        .await;
    assert_eq!(
        schema["structuredContent"]["inputSchema"]["required"],
        json!(["id", "note"])
    );
    assert_eq!(
        schema["structuredContent"]["annotations"]["readOnlyHint"], false,
        "the hints travel with the schema in discovery: {schema}"
    );
    assert_eq!(
        schema["structuredContent"]["annotations"]["openWorldHint"],
        true
    );
    let called = h.call("call_tool", json!({"name": "create_a_kaseya_bms_opportunity_note", "arguments": {"id": 80001, "note": "x"}})).await;
    assert_eq!(called["isError"], false, "{called}");
    let outside = h
        .call(
            "call_tool",
            json!({"name": "list_all_kaseya_bms_servicedesk_tickets", "arguments": {}}),
        )
        .await;
    assert_eq!(
        outside["isError"], true,
        "servicedesk is outside a crm scope"
    );
}

#[tokio::test]
async fn nulls_sent_for_optional_arguments_are_dropped_not_refused() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(
            "create_a_kaseya_bms_assignticket",
            json!({
                "ticket_id": 50001, "details": "Moving to Security.", "is_internal": true, "type_id": 601,
                "status_id": 302, "note_date": "2026-11-26T10:00:00Z", "queue_id": 103,
                "assignee_id": null, "secondary_assignees": null, "email_notification": null
            }),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    let sent = h.upstream_requests().await;
    let body = sent[0]["body"].as_object().expect("object body");
    assert!(
        !body.contains_key("AssigneeId") && !body.contains_key("SecondaryAssignees"),
        "{body:?}"
    );
}

#[tokio::test]
async fn a_malformed_page_size_is_refused_not_replaced_by_the_default() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(
            "list_all_kaseya_bms_servicedesk_tickets",
            json!({"page_size": "all"}),
        )
        .await;
    assert_eq!(result["isError"], true, "{result}");
    assert!(Harness::text(&result).contains("page_size"), "{result}");
    assert!(h.upstream_requests().await.is_empty());
}

#[tokio::test]
async fn fields_keep_only_the_named_properties_on_every_page_a_cursor_reaches() {
    let h = Harness::start().await;
    let tool = "list_all_kaseya_bms_servicedesk_tickets";
    let whole = h.call(tool, json!({"page_size": 100})).await;
    let every: Vec<serde_json::Value> = whole["structuredContent"]["items"]
        .as_array()
        .expect("items")
        .clone();
    assert!(every.len() > 4, "the demo tenant has tickets: {whole}");
    let fields = ["id", "title", "statusName"];
    let mut seen = Vec::new();
    let mut result = h
        .call(tool, json!({"page_size": 4, "fields": fields}))
        .await;
    loop {
        assert_eq!(result["isError"], false, "{result}");
        let page = &result["structuredContent"];
        for item in page["items"].as_array().expect("items") {
            let keys: Vec<&str> = item
                .as_object()
                .expect("an object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, fields, "only the fields, in BMS's order: {item}");
            seen.push(item.clone());
        }
        // The text content is the structured content, as text.
        let text = result["content"][0]["text"].as_str().expect("text");
        assert_eq!(
            &serde_json::from_str::<serde_json::Value>(text).expect("JSON"),
            page
        );
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        result = h.call(tool, json!({"cursor": cursor})).await;
    }
    let expected: Vec<serde_json::Value> = every
        .iter()
        .map(|item| json!({"id": item["id"], "title": item["title"], "statusName": item["statusName"]}))
        .collect();
    assert_eq!(seen, expected, "every ticket once, projected");
}
