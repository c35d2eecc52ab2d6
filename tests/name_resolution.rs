//! Names for IDs: `"queue": "Security"` where BMS wants `queue_id`, resolved by the server
//! through the lookup tool the record names.

mod common;

use common::Harness;
use serde_json::{Value, json};

fn assign(extra: Value) -> Value {
    let mut args = json!({
        "ticket_id": 50001, "details": "Escalating.", "is_internal": true, "type_id": 601,
        "note_date": "2026-11-26T10:00:00Z", "status_id": 302
    });
    for (k, v) in extra.as_object().expect("object") {
        args[k] = v.clone();
    }
    args
}

async fn queue_of_ticket(h: &Harness, id: i64) -> i64 {
    let state = h.sandbox_get("/_sandbox/state").await;
    state["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .find(|t| t["id"] == id)
        .expect("ticket")["queue_id"]
        .as_i64()
        .expect("queue id")
}

#[tokio::test]
async fn a_name_is_resolved_ignoring_case_and_spacing() {
    let h = Harness::start().await;
    let result = h
        .call(
            "create_a_kaseya_bms_assignticket",
            assign(json!({"queue": "  SECURITY "})),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(queue_of_ticket(&h, 50001).await, 103);
}

#[tokio::test]
async fn an_unknown_name_lists_the_closest_ones_and_sends_nothing_else() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(
            "create_a_kaseya_bms_assignticket",
            assign(json!({"queue": "Securty"})),
        )
        .await;
    assert_eq!(result["isError"], true);
    let text = Harness::text(&result);
    assert!(
        text.contains("no queue is named \"Securty\"; did you mean \"Security\" (id 103)?"),
        "{text}"
    );
    let sent: Vec<String> = h
        .upstream_requests()
        .await
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        sent,
        ["/v2/system/queues/lookup"],
        "only the lookup went out"
    );
}

#[tokio::test]
async fn ids_still_work_and_both_forms_together_are_refused() {
    let h = Harness::start().await;
    let by_id = h
        .call(
            "create_a_kaseya_bms_assignticket",
            assign(json!({"queue_id": 103})),
        )
        .await;
    assert_eq!(by_id["isError"], false, "{by_id}");
    let both = h
        .call(
            "create_a_kaseya_bms_assignticket",
            assign(json!({"queue_id": 103, "queue": "Security"})),
        )
        .await;
    assert_eq!(both["isError"], true);
    assert!(
        Harness::text(&both).contains("queue_id: give `queue_id` or `queue`, not both"),
        "{both}"
    );
}

#[tokio::test]
async fn a_required_id_may_come_as_a_name_but_one_form_is_needed() {
    let h = Harness::start().await;
    let mut args = assign(json!({"status": "in progress"}));
    args.as_object_mut().expect("object").remove("status_id");
    let named = h
        .call("create_a_kaseya_bms_assignticket", args.clone())
        .await;
    assert_eq!(named["isError"], false, "{named}");
    args.as_object_mut().expect("object").remove("status");
    let neither = h.call("create_a_kaseya_bms_assignticket", args).await;
    assert_eq!(neither["isError"], true);
    assert!(
        Harness::text(&neither)
            .contains("status_id: is required: give the ID, or its name as `status`"),
        "{neither}"
    );
}

#[tokio::test]
async fn lookups_are_reused_within_their_lifetime() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    for _ in 0..3 {
        let result = h
            .call(
                "create_a_kaseya_bms_assignticket",
                assign(json!({"queue": "Security"})),
            )
            .await;
        assert_eq!(result["isError"], false, "{result}");
    }
    let lookups = h
        .upstream_requests()
        .await
        .iter()
        .filter(|r| r["path"] == "/v2/system/queues/lookup")
        .count();
    assert_eq!(lookups, 1);
    // The report counts lookups sent, not answers from the cache.
    assert_eq!(h.metric("bms_mcp_name_lookups_total").await, Some(1));
}

#[tokio::test]
async fn an_invalid_fields_argument_sends_no_lookup() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(
            "list_all_kaseya_bms_crm_opportunities",
            json!({"filter_account": "Contoso", "fields": ["no_such_property"]}),
        )
        .await;
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        h.upstream_requests().await.is_empty(),
        "a lookup was sent for an invalid call"
    );
    assert_eq!(h.metric("bms_mcp_name_lookups_total").await, Some(0));
}

#[tokio::test]
async fn a_failing_lookup_is_reported() {
    let h = Harness::start().await;
    h.sandbox_post("/_sandbox/faults", json!({"error_rate": 1.0}))
        .await;
    let result = h
        .call(
            "create_a_kaseya_bms_resolve",
            json!({"ticket_id": 50002, "comment": "Done.", "status": "Resolved"}),
        )
        .await;
    assert_eq!(result["isError"], true);
    assert!(
        Harness::text(&result)
            .contains("could not look up `status` with list_all_kaseya_bms_statuses_lookup"),
        "{result}"
    );
}

#[tokio::test]
async fn the_input_schema_shows_both_forms() {
    let h = Harness::start().await;
    let tool = bms_mcp::catalogue::Catalogue::global()
        .get("create_a_kaseya_bms_assignticket")
        .expect("tool");
    let schema = tool.input_schema();
    let props = &schema["properties"];
    assert_eq!(props["queue"]["type"], "string");
    assert_eq!(props["queue_id"]["type"], "integer");
    let required = schema["required"].as_array().expect("required");
    assert!(
        !required.contains(&json!("status_id")),
        "either form may be given"
    );
    drop(h);
}

#[tokio::test]
async fn fields_keep_only_the_named_properties_across_pages() {
    let h = Harness::start().await;
    let first = h
        .call(
            "list_all_kaseya_bms_servicedesk_tickets",
            json!({"fields": ["id", "title"], "page_size": 2}),
        )
        .await;
    assert_eq!(first["isError"], false, "{first}");
    let items = first["structuredContent"]["items"]
        .as_array()
        .expect("items");
    assert!(items.iter().all(|i| {
        i.as_object()
            .is_some_and(|o| o.len() == 2 && o.contains_key("title"))
    }));
    let cursor = first["structuredContent"]["next_cursor"]
        .as_str()
        .expect("more pages");
    let second = h
        .call(
            "list_all_kaseya_bms_servicedesk_tickets",
            json!({"cursor": cursor}),
        )
        .await;
    let items = second["structuredContent"]["items"]
        .as_array()
        .expect("items");
    assert!(
        items
            .iter()
            .all(|i| i.as_object().is_some_and(|o| o.len() == 2)),
        "the cursor keeps the projection"
    );
    let unknown = h
        .call(
            "list_all_kaseya_bms_servicedesk_tickets",
            json!({"fields": ["nope"]}),
        )
        .await;
    assert_eq!(unknown["isError"], true);
    assert!(
        Harness::text(&unknown).contains("unknown item properties"),
        "{unknown}"
    );
}
