//! The OAuth front door, end to end on a real listener and sandbox (MCP authorization
//! 2025-11-25): discovery from a 401, registration, sign-in and consent, code exchange with
//! PKCE, tool calls with the access token (audited with the person), refresh rotation.

mod common;
mod oauth_support;

use common::backends::Backend;
use common::{Harness, Options};
use oauth_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn an_unauthenticated_request_is_pointed_at_this_servers_resource_metadata() {
    let h = Harness::start().await;
    let server = oauth_server(&h, "crm", &[]).await;
    let (status, body) = h.mcp_at(&server.url, None, "ping", json!({})).await;
    assert_eq!(status, 401, "{body}");
    let response = h
        .http
        .post(&server.url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    let metadata_url = h.url(&format!(
        "/.well-known/oauth-protected-resource/mcp/o/{}",
        server.id
    ));
    assert!(
        challenge.starts_with(&format!("Bearer resource_metadata=\"{metadata_url}\"")),
        "{challenge}"
    );
    let metadata: Value = h
        .http
        .get(&metadata_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], server.url);
    assert_eq!(metadata["authorization_servers"], json!([h.url("")]));
    let issuer: Value = h
        .http
        .get(h.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(issuer["issuer"], h.url(""));
    assert_eq!(issuer["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        issuer["authorization_response_iss_parameter_supported"],
        true
    );
    assert_eq!(issuer["registration_endpoint"], h.url("/oauth/register"));
}

#[tokio::test]
async fn url_token_servers_keep_their_plain_401_and_have_no_resource_metadata() {
    let h = Harness::start().await;
    let (status, _) = h
        .mcp_at(&h.url("/mcp/bmsm_nope"), None, "ping", json!({}))
        .await;
    assert_eq!(status, 401);
    let response = h.http.post(h.url("/mcp/bmsm_nope")).send().await.unwrap();
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(!challenge.contains("resource_metadata"), "{challenge}");
    // The harness's own server is a URL-token server: no metadata, no OAuth URL.
    let servers = h.store.mcp_servers(None).await.unwrap();
    let id = &servers[0].id;
    let metadata = h
        .http
        .get(h.url(&format!("/.well-known/oauth-protected-resource/mcp/o/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(metadata.status(), 404);
    let (status, _) = h
        .mcp_at(&h.url(&format!("/mcp/o/{id}")), None, "ping", json!({}))
        .await;
    assert_eq!(
        status, 404,
        "a URL-token server is never reached without its secret URL"
    );
    let listed = h.rpc("tools/list", json!({})).await;
    assert!(
        listed["result"]["tools"].is_array(),
        "its secret URL still works"
    );
}

async fn a_signed_in_person_lists_and_calls_tools_and_the_audit_log_names_them(backend: Backend) {
    let h = Harness::with(Options {
        backend,
        ..Options::default()
    })
    .await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let tokens = sign_in_fully(&h, &server).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();
    assert!(access.starts_with("bmso_"));
    let (status, listed) = h
        .mcp_at(&server.url, Some(access), "tools/list", json!({}))
        .await;
    assert_eq!(status, 200, "{listed}");
    assert!(!listed["result"]["tools"].as_array().unwrap().is_empty());
    let (status, called) = h
        .mcp_at(
            &server.url,
            Some(access),
            "tools/call",
            json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": {}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(called["result"]["isError"], false, "{called}");
    h.call_log.flush().await;
    let calls = h.store.tool_calls(10).await.unwrap();
    let call = calls
        .iter()
        .find(|c| c.mcp_server_id == server.id)
        .expect("logged");
    assert_eq!(call.subject.as_deref(), Some(USER));
    assert_eq!(call.tool, "list_all_kaseya_bms_queues_lookup");
}

#[tokio::test]
async fn the_consent_page_names_the_account_and_the_scope_granted() {
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "CRM for Claude", &["crm"]).await;
    let client_id = register(&h, REDIRECT).await;
    let http = browser();
    let SignInForm {
        cookie,
        pending,
        csp,
    } = open_sign_in(&h, &http, &client_id, &Pkce::new(), &server.url).await;
    assert!(cookie.starts_with("bms_mcp_oauth="));
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let consent = http
        .post(h.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form_pairs(&[
            ("pending", pending.as_str()),
            ("action", "sign_in"),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let csp = consent.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:9"),
        "{csp}"
    );
    let html = consent.text().await.unwrap();
    assert!(
        html.contains("sandbox"),
        "names the integrated account: {html}"
    );
    assert!(html.contains("CRM for Claude"), "names the MCP server");
    assert!(html.contains("Tags: crm"), "names the tags");
    assert!(html.contains("Methods: all"), "names the methods");
    assert!(html.contains("Test client"), "names the client");
}

async fn a_refresh_gives_a_new_pair_and_the_new_access_token_works(backend: Backend) {
    let h = Harness::with(Options {
        backend,
        ..Options::default()
    })
    .await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let tokens = sign_in_fully(&h, &server).await;
    let client_id = tokens["client_id"].as_str().unwrap();
    let (status, fresh) = token(
        &h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", client_id),
            ("resource", &server.url),
        ],
    )
    .await;
    assert_eq!(status, 200, "{fresh}");
    assert_ne!(fresh["refresh_token"], tokens["refresh_token"], "rotated");
    let (status, _) = h
        .mcp_at(
            &server.url,
            fresh["access_token"].as_str(),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
}

on_both_backends!(
    a_signed_in_person_lists_and_calls_tools_and_the_audit_log_names_them,
    a_refresh_gives_a_new_pair_and_the_new_access_token_works,
);

#[tokio::test]
async fn a_client_that_names_itself_in_a_basic_header_gets_its_tokens() {
    use base64::Engine;
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    let pkce = Pkce::new();
    let code = authorize(&h, &client_id, &pkce, &server.url).await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:"));
    let response = browser()
        .post(h.url("/oauth/token"))
        .header("authorization", format!("Basic {basic}"))
        .form_pairs(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &pkce.verifier),
            ("resource", &server.url),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("bmso_")
    );
    assert_eq!(response_cache_control_is_no_store(&h).await, "no-store");
}

/// The token endpoint's answers are never cached (RFC 6749 §5.1).
async fn response_cache_control_is_no_store(h: &Harness) -> String {
    let response = browser()
        .post(h.url("/oauth/token"))
        .form_pairs(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    cache
}
