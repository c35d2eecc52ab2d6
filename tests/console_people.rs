//! The console's People page: each user's live grants (client, MCP server, integrated
//! account), and revoking one ends its tokens at once; the revocation is audited.

mod common;
mod console_support;
mod oauth_support;

use common::Harness;
use console_support::Visitor;
use oauth_support::*;
use serde_json::json;

#[tokio::test]
async fn a_grant_listed_under_its_person_is_revoked_from_the_console_and_its_token_stops() {
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "CRM for Claude", &[]).await;
    let tokens = sign_in_fully(&h, &server).await;
    let access = tokens["access_token"].as_str();
    assert_eq!(
        h.mcp_at(&server.url, access, "tools/list", json!({}))
            .await
            .0,
        200
    );

    let admin = h.admin_token().await;
    let mut visitor = Visitor::new(&h);
    visitor.sign_in(&admin).await;
    let page = visitor.get("/admin/people").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(USER), "{}", page.body);
    assert!(page.body.contains("Test client") && page.body.contains("CRM for Claude"));
    let marker = "action=\"/admin/people/grants/";
    let start = page.body.find(marker).expect("a revoke form") + marker.len();
    let grant = page.body[start..].split('/').next().unwrap().to_owned();

    let unconfirmed = visitor
        .post(&format!("/admin/people/grants/{grant}/revoke"), &[])
        .await;
    assert_eq!(unconfirmed.status, 200, "asks first");
    assert_eq!(
        h.mcp_at(&server.url, access, "tools/list", json!({}))
            .await
            .0,
        200
    );
    let without_csrf = visitor
        .post_raw(
            &format!("/admin/people/grants/{grant}/revoke"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(without_csrf.status, 403);
    let revoked = visitor
        .post(
            &format!("/admin/people/grants/{grant}/revoke"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(
        h.mcp_at(&server.url, access, "tools/list", json!({}))
            .await
            .0,
        401,
        "the token stops at once"
    );
    let page = visitor.get("/admin/people").await;
    assert!(page.body.contains("No grants."), "{}", page.body);
    let actions = h.store.admin_actions(10).await.unwrap();
    assert!(
        actions.iter().any(
            |a| a.action == "oauth_grant.revoke" && a.target.as_deref() == Some(grant.as_str())
        )
    );
}

#[tokio::test]
async fn an_oauth_server_created_in_the_console_shows_its_url_without_a_secret() {
    let h = Harness::start().await;
    let admin = h.admin_token().await;
    let mut visitor = Visitor::new(&h);
    visitor.sign_in(&admin).await;
    let form = visitor
        .get(&format!("/admin/accounts/{}/servers/new", h.account_id))
        .await;
    assert!(
        form.body.contains("name=\"auth\" value=\"oauth\""),
        "the form offers OAuth sign-in"
    );
    let created = visitor
        .post(
            &format!("/admin/accounts/{}/servers", h.account_id),
            &[
                ("name", "For Claude.ai"),
                ("tool_exposure", "all"),
                ("auth", "oauth"),
                ("expires_at", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains(&h.url("/mcp/o/")), "{}", created.body);
    assert!(!created.body.contains("bmsm_"), "no URL token on the page");
    assert!(
        created.body.contains("Add custom connector"),
        "set-ups for OAuth clients"
    );
    assert!(
        !created.body.contains("No authentication"),
        "not the secret-URL set-up"
    );
    let servers = h.store.mcp_servers(Some(&h.account_id)).await.unwrap();
    let server = servers.iter().find(|s| s.name == "For Claude.ai").unwrap();
    assert_eq!(server.config.auth, bms_mcp::store::McpAuth::OAuth);
}
