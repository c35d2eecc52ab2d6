//! The well-known OAuth paths of URL-token MCP servers answer JSON saying what is wrong with
//! the URL, so an OAuth-aware client reports "unknown or revoked" instead of an empty 404 it
//! misreads as a broken authorization server.

mod common;

use common::Harness;
use serde_json::Value;

async fn well_known(h: &Harness, path: &str) -> (u16, Value) {
    let response = h.http.get(h.url(path)).send().await.expect("answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{path}: {content_type}"
    );
    (status, response.json().await.expect("JSON"))
}

fn paths(token: &str) -> Vec<String> {
    vec![
        format!("/.well-known/oauth-protected-resource/mcp/{token}"),
        format!("/.well-known/oauth-authorization-server/mcp/{token}"),
        format!("/.well-known/openid-configuration/mcp/{token}"),
        format!("/mcp/{token}/.well-known/oauth-protected-resource"),
        format!("/mcp/{token}/.well-known/oauth-authorization-server"),
    ]
}

#[tokio::test]
async fn a_revoked_url_is_named_unknown_or_revoked_on_every_well_known_path() {
    let h = Harness::start().await;
    let servers = h.store.mcp_servers(None).await.expect("servers");
    assert!(
        h.store
            .delete_mcp_server(None, &servers[0].id)
            .await
            .expect("store")
    );
    // As the admin API does on revocation.
    h.directory.forget_server(&servers[0].id);
    for path in paths(&h.token) {
        let (status, body) = well_known(&h, &path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "not_found");
        let text = body["error_description"].as_str().unwrap_or_default();
        assert!(
            text.contains("unknown, revoked or expired"),
            "{path}: {text}"
        );
    }
    let (_, unknown) = well_known(
        &h,
        &format!(
            "/.well-known/oauth-protected-resource/mcp/bmsm_{}",
            "A".repeat(43)
        ),
    )
    .await;
    assert!(
        unknown["error_description"]
            .as_str()
            .unwrap_or_default()
            .contains("unknown, revoked")
    );
}

#[tokio::test]
async fn a_live_url_says_it_needs_no_sign_in() {
    let h = Harness::start().await;
    let (status, body) = well_known(
        &h,
        &format!("/.well-known/oauth-protected-resource/mcp/{}", h.token),
    )
    .await;
    assert_eq!(status, 404);
    let text = body["error_description"].as_str().unwrap_or_default();
    assert!(text.contains("takes no OAuth sign-in"), "{text}");
}
