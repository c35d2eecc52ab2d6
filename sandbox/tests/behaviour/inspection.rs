//! The control plane a test uses to prove what was sent upstream: the request log, the state
//! snapshot, reset; and the router for tests without a socket.

use bms_mcp_sandbox::SandboxConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tower::ServiceExt;

use crate::common::Harness;

#[tokio::test]
async fn the_request_log_records_requests_but_never_the_token() {
    let h = Harness::demo().await;
    h.get("/v2/servicedesk/tickets?Filter.QueueNames=Triage")
        .await;
    let a = h.control(Method::GET, "/_sandbox/requests", None).await;
    let entries = a.json.as_array().expect("a list");
    let last = entries.last().expect("an entry");
    assert_eq!(last["method"], json!("GET"));
    assert_eq!(last["path"], json!("/v2/servicedesk/tickets"));
    assert_eq!(last["query"], json!("Filter.QueueNames=Triage"));
    assert_eq!(last["status"], json!(200));
    assert_eq!(last["operation"], json!("GET /v2/servicedesk/tickets"));
    assert!(last["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(
        entries[0]["body"].is_null(),
        "the login's form is not recorded"
    );
    assert!(!a.text.contains(&h.token));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn clearing_the_request_log_empties_it() {
    let h = Harness::demo().await;
    h.get("/v2/system/queues/lookup").await;
    let cleared = h.control(Method::DELETE, "/_sandbox/requests", None).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.control(Method::GET, "/_sandbox/requests", None)
            .await
            .json,
        json!([])
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn reset_returns_to_the_seed_and_keeps_the_login() {
    let h = Harness::demo().await;
    h.post(
        "/v2/servicedesk/tickets/50003/resolve",
        json!({"Comment": "done"}),
    )
    .await;
    let reset = h.control(Method::POST, "/_sandbox/reset", None).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    let ticket = h.get("/v2/servicedesk/tickets/50003").await;
    assert_eq!(ticket.status, StatusCode::OK);
    assert_eq!(ticket.json["result"]["statusName"], json!("New"));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn state_shows_tickets_notes_itglue_notes_opportunities_and_merges() {
    let h = Harness::demo().await;
    let state = h.control(Method::GET, "/_sandbox/state", None).await.json;
    for key in [
        "tickets",
        "ticket_notes",
        "itglue_contacts",
        "opportunities",
        "opportunity_notes",
        "merges",
    ] {
        assert!(state[key].is_array(), "{key}");
    }
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_router_serves_without_a_socket() {
    let router = bms_mcp_sandbox::router(SandboxConfig::default());
    let request = axum::http::Request::builder()
        .uri("/v2/system/priorities/lookup")
        .body(axum::body::Body::empty())
        .expect("valid request");
    let response = router.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), axum::http::StatusCode::UNAUTHORIZED);
}
