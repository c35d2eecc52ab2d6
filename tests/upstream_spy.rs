//! A scripted fake BMS that records what it receives: what the gateway sends upstream, and how
//! it reacts to an expired token and a redirect.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use bms_mcp::bms::BmsClient;
use bms_mcp::call::{CursorCodec, call_tool};
use bms_mcp::catalogue::Catalogue;
use serde_json::json;

#[derive(Default)]
struct Spy {
    seen: Mutex<Vec<HeaderMap>>,
    sign_ins: Mutex<u32>,
    expire_next: Mutex<bool>,
}

async fn authenticate(State(spy): State<Arc<Spy>>) -> impl IntoResponse {
    let mut n = spy.sign_ins.lock().expect("lock");
    *n += 1;
    axum::Json(
        json!({"success": true, "result": {"accessToken": format!("upstream-token-{n}"), "refreshToken": "r", "accessTokenExpireOn": "2099-01-01T00:00:00Z"}}),
    )
}

async fn queues(State(spy): State<Arc<Spy>>, headers: HeaderMap) -> axum::response::Response {
    spy.seen.lock().expect("lock").push(headers);
    let mut expire = spy.expire_next.lock().expect("lock");
    if *expire {
        *expire = false;
        let body = json!({"success": false, "error": {"code": 978001, "message": "Token expired"}, "result": null});
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    axum::Json(json!({"success": true, "result": [{"id": 1, "name": "Triage", "isActive": true}]}))
        .into_response()
}

async fn redirect() -> impl IntoResponse {
    (
        StatusCode::FOUND,
        [("location", "http://127.0.0.1:1/elsewhere")],
    )
}

async fn start_spy() -> (Arc<Spy>, String) {
    let spy = Arc::new(Spy::default());
    let router = Router::new()
        .route("/v2/security/authenticate", post(authenticate))
        .route("/v2/security/refreshtoken", post(authenticate))
        .route("/v2/system/queues/lookup", get(queues))
        .route("/v2/system/priorities/lookup", get(redirect))
        .with_state(spy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (spy, url)
}

fn client(url: &str) -> Arc<BmsClient> {
    common::scripted_bms_client(url)
}

#[tokio::test]
async fn upstream_sees_only_the_accounts_own_bearer_token() {
    let (spy, url) = start_spy().await;
    let client = client(&url);
    let tool = Catalogue::global()
        .get("list_all_kaseya_bms_queues_lookup")
        .expect("tool");
    let report = call_tool(tool, None, &client, &CursorCodec::new([1; 32])).await;
    assert!(!report.outcome.is_error, "{}", report.outcome.text);
    let seen = spy.seen.lock().expect("lock");
    let headers = &seen[0];
    assert_eq!(headers["authorization"], "Bearer upstream-token-1");
    for absent in [
        "cookie",
        "mcp-session-id",
        "x-tenant-id",
        "proxy-authorization",
        "forwarded",
        "x-forwarded-for",
    ] {
        assert!(!headers.contains_key(absent), "{absent} reached upstream");
    }
    let all: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {}\n", v.to_str().unwrap_or_default()))
        .collect();
    assert!(!all.contains("bmsm_"), "no MCP token upstream: {all}");
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_the_call_sent_once_more() {
    let (spy, url) = start_spy().await;
    let client = client(&url);
    let tool = Catalogue::global()
        .get("list_all_kaseya_bms_queues_lookup")
        .expect("tool");
    let codec = CursorCodec::new([1; 32]);
    assert!(
        !call_tool(tool, None, &client, &codec)
            .await
            .outcome
            .is_error
    );
    *spy.expire_next.lock().expect("lock") = true;
    let report = call_tool(tool, None, &client, &codec).await;
    assert!(!report.outcome.is_error, "{}", report.outcome.text);
    let seen = spy.seen.lock().expect("lock");
    assert_eq!(seen.len(), 3, "first call, refused call, resent call");
    assert_eq!(seen[2]["authorization"], "Bearer upstream-token-2");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (_spy, url) = start_spy().await;
    let client = client(&url);
    let tool = Catalogue::global()
        .get("list_all_kaseya_bms_priorities_lookup")
        .expect("tool");
    let report = call_tool(tool, None, &client, &CursorCodec::new([1; 32])).await;
    assert!(report.outcome.is_error);
    assert!(
        report.outcome.text.contains("redirect"),
        "{}",
        report.outcome.text
    );
}
