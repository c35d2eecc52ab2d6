//! The admin console's flows as plain HTTP form posts: add an account, create an MCP server
//! and use its URL, revoke it; and no secret in any page but the one URL shown once.

mod common;
mod console_support;

use common::Harness;
use console_support::Visitor;
use serde_json::{Value, json};

const PASSWORD: &str = "pa55-Wörd+secret&more";
const TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

async fn signed_in(harness: &Harness) -> (Visitor, String) {
    let admin = harness.admin_token().await;
    let mut visitor = Visitor::new(harness);
    visitor.sign_in(&admin).await;
    (visitor, admin)
}

/// The MCP URL on a "created" page.
fn mcp_url_in(html: &str) -> String {
    let marker = "id=\"mcp-url\" type=\"text\" readonly value=\"";
    let start = html.find(marker).expect("the page shows the URL") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Creates a read-only crm server through the form; the created page.
async fn create_crm_server(harness: &Harness, visitor: &Visitor) -> String {
    let path = format!("/admin/accounts/{}/servers", harness.account_id);
    let answer = visitor
        .post(
            &path,
            &[
                ("name", "CRM read-only"),
                ("methods", "read"),
                ("tags", "crm"),
                ("tool_exposure", "all"),
                ("expires_at", ""),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

async fn tool_names(harness: &Harness, url: &str) -> (u16, Vec<String>) {
    let (status, reply) = harness.mcp_at(url, None, "tools/list", json!({})).await;
    let names = reply["result"]["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (status, names)
}

#[tokio::test]
async fn a_server_created_in_the_console_works_until_it_is_revoked() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let created = create_crm_server(&harness, &visitor).await;
    let url = mcp_url_in(&created);
    assert!(
        url.starts_with(&format!("http://{}/mcp/bmsm_", harness.addr)),
        "{url}"
    );
    for client in [
        "ChatGPT",
        "Claude Desktop",
        "mcp-remote",
        "from mcp import Client",
    ] {
        assert!(created.contains(client), "no {client} snippet");
    }

    let (status, names) = tool_names(&harness, &url).await;
    assert_eq!(status, 200);
    let catalogue = bms_mcp::catalogue::Catalogue::global();
    assert!(!names.is_empty());
    for name in &names {
        let def = catalogue.get(name).expect("a catalogue tool").def;
        assert_eq!(def.class.as_str(), "read", "{name}");
        assert!(def.tags.contains(&"crm"), "{name}");
    }

    // The list shows it, with its scope and tool count, but never its URL again.
    let page = visitor
        .get(&format!("/admin/accounts/{}", harness.account_id))
        .await;
    assert!(page.body.contains("CRM read-only"));
    assert!(
        page.body.contains(&format!(">{}<", names.len())),
        "tool count"
    );
    let token = url.rsplit('/').next().unwrap_or_default();
    assert!(!page.body.contains(token), "the token is shown only once");

    let server = harness
        .store
        .mcp_servers(Some(&harness.account_id))
        .await
        .expect("servers")
        .into_iter()
        .find(|s| s.name == "CRM read-only")
        .expect("stored");
    let revoke = format!(
        "/admin/accounts/{}/servers/{}/revoke",
        harness.account_id, server.id
    );
    // Without confirmation: a page that asks, and the URL still works.
    let ask = visitor.post(&revoke, &[("confirmed", "")]).await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("Revoke the MCP server “CRM read-only”?"));
    assert_eq!(tool_names(&harness, &url).await.0, 200);

    let done = visitor.post(&revoke, &[("confirmed", "yes")]).await;
    assert_eq!(done.status, 303);
    assert_eq!(tool_names(&harness, &url).await.0, 401);
    let actions = harness.store.admin_actions(10).await.expect("audit");
    assert!(actions.iter().any(|a| a.action == "mcp_server.delete"));
}

#[tokio::test]
async fn an_account_added_in_the_console_keeps_its_secrets_out_of_every_page() {
    let harness = Harness::start().await;
    let (visitor, admin) = signed_in(&harness).await;
    let answer = visitor
        .post(
            "/admin/accounts",
            &[
                ("name", "Contoso"),
                ("region", "us"),
                ("base_url", &harness.sandbox.base_url()),
                ("username", "api@contoso.example"),
                ("password", PASSWORD),
                ("tenant", "Contoso MSP"),
                ("totp_secret", TOTP),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let account_page = answer.location.expect("to the account");
    assert!(account_page.ends_with("?notice=account-added"));
    let account = harness
        .store
        .accounts()
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.name == "Contoso")
        .expect("stored");
    assert!(account.has_totp);

    let created = visitor
        .post(
            &format!("/admin/accounts/{}/servers", account.id),
            &[("name", "all of it")],
        )
        .await;
    let tested = visitor
        .post(&format!("/admin/accounts/{}/test", account.id), &[])
        .await;
    let mut pages = vec![created.body, tested.body];
    for path in [
        "/admin/accounts".to_owned(),
        account_page,
        format!("/admin/accounts/{}/servers/new", account.id),
        "/admin/tools?q=ticket".to_owned(),
    ] {
        let page = visitor.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        pages.push(page.body);
    }
    for page in &pages {
        assert!(!page.contains(PASSWORD), "password in a page");
        assert!(!page.contains("pa55"), "password in a page");
        assert!(!page.contains(TOTP), "TOTP secret in a page");
        assert!(!page.contains(&admin), "admin token in a page");
    }
}

#[tokio::test]
async fn an_invalid_account_is_refused_with_the_apis_message_and_secrets_are_not_refilled() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let answer = visitor
        .post(
            "/admin/accounts",
            &[
                ("name", "Broken"),
                ("region", "mars"),
                ("username", "u"),
                ("password", PASSWORD),
                ("tenant", "t"),
            ],
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body.contains("region: unknown region `mars`"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains("value=\"Broken\""),
        "non-secret fields are kept"
    );
    assert!(!answer.body.contains(PASSWORD));
    let bad_totp = visitor
        .post(
            "/admin/accounts",
            &[
                ("name", "x"),
                ("region", "us"),
                ("username", "u"),
                ("password", "p"),
                ("tenant", "t"),
                ("totp_secret", "not base32!"),
            ],
        )
        .await;
    assert_eq!(bad_totp.status, 400);
    assert!(
        bad_totp
            .body
            .contains("totp_secret: must be the base32 secret")
    );
    assert!(!bad_totp.body.contains("not base32!"));
}

#[tokio::test]
async fn an_invalid_server_form_names_the_field_and_stores_nothing() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let path = format!("/admin/accounts/{}/servers", harness.account_id);
    let before = harness
        .store
        .mcp_servers(None)
        .await
        .expect("servers")
        .len();
    for (fields, message) in [
        (vec![("name", "")], "Name: must not be empty"),
        (
            vec![("name", "x"), ("tags", "nope")],
            "Tags: unknown tag `nope`",
        ),
        (
            vec![("name", "x"), ("expires_at", "2001-01-01T00:00")],
            "Expires: is not in the future",
        ),
    ] {
        let answer = visitor.post(&path, &fields).await;
        assert_eq!(answer.status, 400);
        assert!(answer.body.contains(message), "{message}");
    }
    assert_eq!(
        harness
            .store
            .mcp_servers(None)
            .await
            .expect("servers")
            .len(),
        before
    );
}

#[tokio::test]
async fn removing_an_account_asks_first_then_revokes_its_servers() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let url = mcp_url_in(&create_crm_server(&harness, &visitor).await);
    let remove = format!("/admin/accounts/{}/remove", harness.account_id);
    let ask = visitor.post(&remove, &[]).await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("Remove account"));
    assert_eq!(harness.store.accounts().await.expect("accounts").len(), 1);
    let done = visitor.post(&remove, &[("confirmed", "yes")]).await;
    assert_eq!(
        done.location.as_deref(),
        Some("/admin/accounts?notice=account-removed")
    );
    assert!(harness.store.accounts().await.expect("accounts").is_empty());
    assert_eq!(tool_names(&harness, &url).await.0, 401);
}

#[tokio::test]
async fn test_connection_signs_in_to_bms_or_says_why_not() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let ok = visitor
        .post(&format!("/admin/accounts/{}/test", harness.account_id), &[])
        .await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.body.contains("Connected: signed in to BMS at"),
        "{}",
        ok.body
    );

    let wrong = harness
        .store
        .create_account(bms_mcp::store::NewAccount {
            name: "wrong password".into(),
            location: bms_mcp::store::BmsLocation::BaseUrl(harness.sandbox.base_url()),
            username: "sandbox@example.com".into(),
            password: "not-it".into(),
            tenant: "Sandbox MSP".into(),
            totp_secret: None,
        })
        .await
        .expect("stored");
    let refused = visitor
        .post(&format!("/admin/accounts/{}/test", wrong.id), &[])
        .await;
    assert!(
        refused
            .body
            .contains("The connection failed: BMS refused the integrated account"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("not-it"));
}

#[tokio::test]
async fn live_counts_match_the_scope_the_server_gets() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let counts: Value = serde_json::from_str(
        &visitor
            .get("/admin/tool-count?methods=read&tags=crm")
            .await
            .body,
    )
    .expect("JSON");
    let url = mcp_url_in(&create_crm_server(&harness, &visitor).await);
    let (_, names) = tool_names(&harness, &url).await;
    assert_eq!(counts["total"], names.len());
    assert_eq!(counts["tags"]["crm"], names.len());
}

#[tokio::test]
async fn the_tool_browser_finds_tools_and_shows_their_arguments() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let page = visitor
        .get("/admin/tools?q=ticket+note&methods=create")
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("create_a_kaseya_bms"), "{}", page.body);
    assert!(page.body.contains("<caption>Arguments</caption>"));
    assert!(page.body.contains("Input schema (JSON Schema)"));
}

#[tokio::test]
async fn the_last_tool_call_shows_as_last_used() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let before = visitor
        .get(&format!("/admin/accounts/{}", harness.account_id))
        .await;
    assert!(before.body.contains("never"));
    harness
        .call("list_all_kaseya_bms_servicedesk_tickets", json!({}))
        .await;
    harness.call_log.flush().await;
    let ids = vec![
        harness.store.mcp_servers(None).await.expect("servers")[0]
            .id
            .clone(),
    ];
    let last = harness
        .store
        .last_tool_call_at(&ids)
        .await
        .expect("last used");
    assert_eq!(last.len(), 1);
    let after = visitor
        .get(&format!("/admin/accounts/{}", harness.account_id))
        .await;
    assert!(
        after.body.contains(
            &bms_mcp::store::rfc3339(last[&ids[0]])
                .replace('T', " ")
                .replace('Z', " UTC")
        )
    );
}

#[tokio::test]
async fn the_create_form_starts_in_discovery_and_stores_confirm_writes() {
    let harness = Harness::start().await;
    let (visitor, _) = signed_in(&harness).await;
    let form = visitor
        .get(&format!(
            "/admin/accounts/{}/servers/new",
            harness.account_id
        ))
        .await;
    assert_eq!(form.status, 200);
    let discovery = form
        .body
        .split("<input")
        .find(|input| input.contains("id=\"tool_exposure-discovery\""))
        .expect("a discovery radio");
    assert!(discovery.contains("checked"), "{discovery}");
    assert!(form.body.contains("name=\"confirm_writes\""));

    let path = format!("/admin/accounts/{}/servers", harness.account_id);
    let created = visitor
        .post(
            &path,
            &[
                ("name", "careful"),
                ("tool_exposure", "discovery"),
                ("confirm_writes", "true"),
                ("expires_at", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let (_, listed) = harness
        .mcp_at(&mcp_url_in(&created.body), None, "tools/list", json!({}))
        .await;
    assert_eq!(listed["result"]["tools"].as_array().map(Vec::len), Some(3));
    let servers = harness
        .store
        .mcp_servers(Some(&harness.account_id))
        .await
        .expect("store answers");
    let careful = servers
        .iter()
        .find(|s| s.name == "careful")
        .expect("stored");
    assert!(careful.config.confirm_writes);
}
