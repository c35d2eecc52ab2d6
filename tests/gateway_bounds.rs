//! Bounds the gateway keeps on what a client may ask, found by a hostile-input run: paging
//! cursors stay with the MCP server that issued them, page sizes stay within BMS's, an
//! over-long request is refused before it is sent, names cannot carry control characters, and
//! a revoked URL keeps no event stream open.

mod common;

use std::time::Duration;

use common::Harness;
use reqwest::Method;
use serde_json::{Value, json};

const TICKETS: &str = "list_all_kaseya_bms_servicedesk_tickets";

async fn call_at(h: &Harness, url: &str, tool: &str, arguments: Value) -> Value {
    let (status, reply) = h
        .mcp_at(
            url,
            None,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    reply["result"].clone()
}

#[tokio::test]
async fn a_cursor_from_one_tenants_mcp_server_is_refused_by_anothers() {
    let h = Harness::start().await;
    let first = h.call(TICKETS, json!({"page_size": 2})).await;
    let cursor = first["structuredContent"]["next_cursor"]
        .as_str()
        .expect("the demo tenant has more than two tickets")
        .to_owned();
    // The same cursor goes on working where it was issued...
    let next = h.call(TICKETS, json!({"cursor": cursor})).await;
    assert_eq!(next["isError"], false, "{next}");

    // ...but another tenant's MCP server, on the same gateway and tool, refuses it.
    let other = h.another_account(&h.sandbox, "Other MSP client").await;
    h.clear_upstream_requests().await;
    let foreign = call_at(&h, &other, TICKETS, json!({"cursor": cursor})).await;
    assert_eq!(foreign["isError"], true, "{foreign}");
    assert!(
        Harness::text(&foreign).contains("not one this server issued"),
        "{foreign}"
    );
    assert!(h.upstream_requests().await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn page_sizes_outside_1_to_100_are_refused_before_anything_is_sent() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    for size in [0_i64, -1, 101, 2_147_483_647] {
        let result = h.call(TICKETS, json!({"page_size": size})).await;
        assert_eq!(result["isError"], true, "page_size {size}: {result}");
        assert!(Harness::text(&result).contains("page_size"), "{result}");
    }
    assert!(h.upstream_requests().await.is_empty());
    // The bounds are in the schema the model reads, on every page of tools/list.
    let mut cursor = None;
    let tickets = loop {
        let params = cursor.map_or_else(|| json!({}), |c: String| json!({"cursor": c}));
        let listed = h.rpc("tools/list", params).await;
        let tools = listed["result"]["tools"].as_array().expect("tools").clone();
        if let Some(tool) = tools.into_iter().find(|t| t["name"] == TICKETS) {
            break tool;
        }
        cursor = Some(
            listed["result"]["nextCursor"]
                .as_str()
                .expect("more pages")
                .to_owned(),
        );
    };
    let size = &tickets["inputSchema"]["properties"]["page_size"];
    assert_eq!(
        (size["minimum"].as_i64(), size["maximum"].as_i64()),
        (Some(1), Some(100))
    );
}

#[tokio::test]
async fn paging_stops_at_an_empty_page() {
    let h = Harness::start().await;
    let result = h
        .call(
            TICKETS,
            json!({"filter_title": "no ticket has this title", "page_size": 5}),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(result["structuredContent"]["items"], json!([]));
    assert!(
        result["structuredContent"].get("next_cursor").is_none(),
        "{result}"
    );
}

#[tokio::test]
async fn an_argument_too_long_for_a_request_line_is_refused_before_sending() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(TICKETS, json!({"filter_title": "x".repeat(20_000)}))
        .await;
    assert_eq!(result["isError"], true);
    let text = Harness::text(&result);
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(text.contains("filter_title: is too long"), "{text}");
    assert!(!text.contains("may or may not have taken effect"), "{text}");
    assert!(h.upstream_requests().await.is_empty());
}

#[tokio::test]
async fn names_with_control_characters_are_refused_with_the_field_named() {
    let h = Harness::start().await;
    let admin = h.admin_token().await;
    let c = h.sandbox.credentials();
    for name in [
        "Acme\u{1b}[2J",
        "Acme\r\nFAKE row",
        "Acme\u{0}",
        "Acme\u{202e}",
    ] {
        let (status, _, body) = h
            .admin(
                Method::POST,
                "/integrated-account",
                Some(&admin),
                Some(json!({
                    "name": name,
                    "base_url": h.sandbox.base_url(),
                    "username": c.username,
                    "password": c.password,
                    "tenant": c.tenant,
                })),
            )
            .await;
        assert_eq!(status, 400, "{name:?}: {body}");
        assert_eq!(body["error"]["field"], "name", "{body}");
        let (status, _, body) = h
            .admin(
                Method::POST,
                &format!("/integrated-account/{}/mcp", h.account_id),
                Some(&admin),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, 400, "{name:?}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("control character"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_legacy_event_stream_closes_once_its_server_is_revoked() {
    let h = Harness::start().await;
    let servers = h.store.mcp_servers(None).await.expect("servers");
    let mut response = h
        .http
        .get(format!("{}/sse", h.mcp_url()))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("stream opens");
    assert_eq!(response.status(), 200);
    let first = response
        .chunk()
        .await
        .expect("bytes")
        .expect("endpoint event");
    assert!(String::from_utf8_lossy(&first).contains("event: endpoint"));

    assert!(
        h.store
            .delete_mcp_server(None, &servers[0].id)
            .await
            .expect("store")
    );
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        // Keep-alive comments may come first; the stream then ends.
        while let Ok(Some(_)) = response.chunk().await {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream stayed open after its server was revoked"
    );
}
