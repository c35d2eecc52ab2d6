//! Who may reach an MCP server: URL tokens, expiry, scope, Host/Origin, body size.

mod common;

use std::time::{Duration, SystemTime};

use bms_mcp::catalogue::ToolFilter;
use common::Harness;
use serde_json::{Value, json};

async fn status_for(h: &Harness, url: String) -> (u16, Option<String>, String) {
    let response = h
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    (status, challenge, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn unknown_malformed_and_tampered_tokens_get_the_same_401() {
    let h = Harness::start().await;
    let base = format!("http://{}/mcp/", h.addr);
    let mut tampered = h.token.clone();
    tampered.pop();
    tampered.push(if h.token.ends_with('A') { 'B' } else { 'A' });
    let mut bodies = Vec::new();
    for token in [
        "nothing",
        "bmsm_short",
        &tampered,
        &h.token[..h.token.len() - 1],
        "bmsa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let (status, challenge, body) = status_for(&h, format!("{base}{token}")).await;
        assert_eq!(status, 401, "{token}");
        assert!(
            challenge.is_some_and(|c| c.starts_with("Bearer")),
            "{token}"
        );
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every refusal reads the same"
    );
    assert!(!bodies[0].contains(&h.token), "the token is never echoed");
}

#[tokio::test]
async fn an_expired_server_is_refused_from_its_expiry_instant() {
    let h = Harness::start().await;
    // The store keeps expiry to the second: expire at the start of the next whole second
    // but one, and ask again just after it.
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let soon = SystemTime::UNIX_EPOCH + Duration::from_secs(now.as_secs() + 2);
    let token = h.register(ToolFilter::default(), Some(soon)).await;
    let url = format!("http://{}/mcp/{token}", h.addr);
    assert_eq!(status_for(&h, url.clone()).await.0, 200);
    let left = soon.duration_since(SystemTime::now()).unwrap_or_default();
    // A sleep is right here: what is under test is the expiry instant passing, nothing to poll.
    tokio::time::sleep(left + Duration::from_millis(20)).await;
    let (status, _, body) = status_for(&h, url).await;
    assert_eq!(status, 401);
    assert!(body.contains("expired"), "{body}");
}

#[tokio::test]
async fn a_scoped_server_lists_and_calls_only_its_tools() {
    let h = Harness::start().await;
    let filter = ToolFilter {
        methods: vec!["read".into()],
        tags: vec!["crm".into()],
    };
    let token = h.register(filter, None).await;
    let url = format!("http://{}/mcp/{token}", h.addr);
    let post = |body: Value| {
        h.http
            .post(url.clone())
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let listed: Value = post(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let tools = listed["result"]["tools"].as_array().expect("tools");
    assert!(!tools.is_empty());
    for tool in tools {
        assert_eq!(
            tool["annotations"]["readOnlyHint"], true,
            "{}",
            tool["name"]
        );
    }
    let refused: Value = post(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "create_a_kaseya_bms_opportunity_note", "arguments": {"id": 80001, "note": "x"}
        }}),
    )
    .await
    .expect("sent")
    .json()
    .await
    .expect("json");
    assert_eq!(
        refused["error"]["code"], -32602,
        "a tool outside the scope is unknown: {refused}"
    );
}

#[tokio::test]
async fn rebinding_hosts_and_foreign_origins_are_403_and_no_cors_is_granted() {
    let h = Harness::start().await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let evil_host = h
        .http
        .post(h.mcp_url())
        .header("host", "evil.example")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(evil_host.status(), 403);
    let evil_origin = h
        .http
        .post(h.mcp_url())
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(evil_origin.status(), 403);
    assert!(
        evil_origin
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let local_origin = h
        .http
        .post(h.mcp_url())
        .header("origin", "http://localhost:6274")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(local_origin.status(), 200);
}

#[tokio::test]
async fn a_body_at_the_limit_passes_and_one_byte_more_is_413() {
    let h = Harness::start().await;
    let envelope = |pad: usize| {
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"_meta":{{"pad":"{}"}}}}}}"#,
            "x".repeat(pad)
        )
    };
    let overhead = envelope(0).len();
    let at_limit = envelope(h.body_limit - overhead);
    assert_eq!(at_limit.len(), h.body_limit);
    assert_eq!(h.post_raw(at_limit).await.status(), 200);
    let over = envelope(h.body_limit - overhead + 1);
    assert_eq!(h.post_raw(over).await.status(), 413);
    let huge = "x".repeat(10 * 1024 * 1024);
    assert_eq!(h.post_raw(huge).await.status(), 413);
}
