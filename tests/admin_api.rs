//! The admin API: integrated accounts and MCP servers in Truto's shape, behind admin tokens,
//! with validation that names the field and never answers 500.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{Value, json};

use bms_mcp::access::directory::CACHE_TTL;
use bms_mcp::store::rfc3339;
use common::backends::Backend;
use common::{Harness, Options};

const READ_CRM_TOOL: &str = "list_all_kaseya_bms_crm_accounts";
const WRITE_CRM_TOOL: &str = "create_a_kaseya_bms_crm_account";

async fn harness(backend: Backend) -> Harness {
    Harness::with(Options {
        backend,
        ..Options::default()
    })
    .await
}

/// The sandbox as an integrated account, created through the API; its id.
async fn create_sandbox_account(h: &Harness, admin: &str) -> String {
    let c = h.sandbox.credentials();
    let (status, _, body) = h
        .admin(
            Method::POST,
            "/integrated-account",
            Some(admin),
            Some(json!({
                "name": "Acme",
                "base_url": h.sandbox.base_url(),
                "username": c.username,
                "password": c.password,
                "tenant": c.tenant,
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

/// A server on the harness's account that also requires an admin token beside its URL.
async fn locked_server(h: &Harness, admin: &str) -> Value {
    let body = json!({"name": "locked", "config": {"require_api_token_auth": true}});
    create_server(h, admin, &h.account_id, body).await
}

async fn create_server(h: &Harness, admin: &str, account: &str, body: Value) -> Value {
    let (status, _, answer) = h
        .admin(
            Method::POST,
            &format!("/integrated-account/{account}/mcp"),
            Some(admin),
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    answer
}

fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("a tool list: {list}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn the_seed_flow_creates_an_account_and_a_read_only_crm_server_then_revokes_it(
    backend: Backend,
) {
    let h = harness(backend).await;
    let admin = h.admin_token().await;
    let account = create_sandbox_account(&h, &admin).await;
    let created = create_server(
        &h,
        &admin,
        &account,
        json!({"name": "ChatGPT CRM reader", "config": {"methods": ["read"], "tags": ["crm"]}}),
    )
    .await;
    let token = created["token"].as_str().expect("token shown once");
    let url = created["url"].as_str().expect("url shown once");
    assert!(token.starts_with("bmsm_"));
    assert_eq!(url, h.url(&format!("/mcp/{token}")));
    assert_eq!(created["config"]["methods"], json!(["read"]));
    assert_eq!(created["config"]["require_api_token_auth"], false);
    assert_eq!(created["config"]["tool_exposure"], "all");
    assert_eq!(created["expires_at"], Value::Null);
    let id = created["id"].as_str().expect("id").to_owned();

    let (status, _, listed) = h
        .admin(
            Method::GET,
            &format!("/integrated-account/{account}/mcp"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["result"][0]["id"], id.as_str());
    assert!(
        !listed.to_string().contains(token),
        "the token is never shown again"
    );
    assert!(listed["result"][0].get("url").is_none());

    let (status, init) = h
        .mcp_at(url, None, "initialize", json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "curl", "version": "1"}}))
        .await;
    assert_eq!(status, 200, "{init}");
    let (_, list) = h.mcp_at(url, None, "tools/list", json!({})).await;
    let names = tool_names(&list);
    assert!(names.contains(&READ_CRM_TOOL.to_owned()), "{names:?}");
    for tool in list["result"]["tools"].as_array().unwrap() {
        assert_eq!(
            tool["annotations"]["readOnlyHint"], true,
            "{}",
            tool["name"]
        );
    }
    assert!(!names.contains(&WRITE_CRM_TOOL.to_owned()));
    let (_, called) = h
        .mcp_at(
            url,
            None,
            "tools/call",
            json!({"name": READ_CRM_TOOL, "arguments": {}}),
        )
        .await;
    assert_eq!(called["result"]["isError"], false, "{called}");
    let (_, refused) = h
        .mcp_at(
            url,
            None,
            "tools/call",
            json!({"name": WRITE_CRM_TOOL, "arguments": {}}),
        )
        .await;
    assert!(refused.get("error").is_some(), "out of scope: {refused}");

    let (status, _, _) = h
        .admin(
            Method::DELETE,
            &format!("/integrated-account/{account}/mcp/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = h.mcp_at(url, None, "tools/list", json!({})).await;
    assert_eq!(
        status, 401,
        "revoked at once on the replica that revoked it"
    );

    h.call_log.flush().await;
    let calls = h.store.tool_calls(10).await.unwrap();
    assert!(
        calls.iter().any(|c| c.mcp_server_id == id
            && c.tool == READ_CRM_TOOL
            && c.upstream_status == Some(200)),
        "{calls:?}"
    );
    let actions: Vec<String> = h
        .store
        .admin_actions(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a.actor_name,
                a.action,
                a.target.unwrap_or_default()
            )
        })
        .collect();
    assert!(
        actions.contains(&format!("test mcp_server.create {id}")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&format!("test mcp_server.delete {id}")),
        "{actions:?}"
    );
    assert!(actions.contains(&format!("test integrated_account.create {account}")));
}

async fn require_api_token_auth_needs_an_admin_token_beside_the_url(backend: Backend) {
    let h = harness(backend).await;
    let admin = h.admin_token().await;
    let created = locked_server(&h, &admin).await;
    let url = created["url"].as_str().unwrap();
    let token = created["token"].as_str().unwrap();
    let forged = format!("bmsa_{}", "A".repeat(43));
    for bearer in [None, Some(forged.as_str()), Some(token), Some("garbage")] {
        let response = h
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string());
        let response = match bearer {
            Some(b) => response.bearer_auth(b),
            None => response,
        };
        let response = response.send().await.unwrap();
        assert_eq!(response.status(), 401, "bearer {bearer:?}");
        let challenge = response.headers().get("www-authenticate").unwrap();
        assert!(challenge.to_str().unwrap().starts_with("Bearer "));
    }
    let (status, reply) = h.mcp_at(url, Some(&admin), "ping", json!({})).await;
    assert_eq!(status, 200, "{reply}");

    // A revoked admin token stops opening the URL within the cache's lifetime: it may be
    // served until the entry cached before the revocation goes stale, never after.
    let id = h.store.admin_tokens().await.unwrap()[0].id.clone();
    h.store.revoke_admin_token(&id).await.unwrap();
    let revoked = Instant::now();
    loop {
        let sent = revoked.elapsed();
        let (status, reply) = h.mcp_at(url, Some(&admin), "ping", json!({})).await;
        if status == 401 {
            break;
        }
        assert_eq!(status, 200, "{reply}");
        assert!(
            sent < CACHE_TTL,
            "the revoked admin token still opened the URL {sent:?} after its revocation"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An event stream opened with the admin token a server requires lives only as long as that
/// token: revoking it ends the stream, as revoking the URL would.
async fn a_stream_opened_with_a_required_admin_token_ends_when_the_token_is_revoked(
    backend: Backend,
) {
    let h = harness(backend).await;
    let admin = h.admin_token().await;
    let created = locked_server(&h, &admin).await;
    let url = created["url"].as_str().unwrap();
    let mut stream = h
        .http
        .get(url)
        .header("accept", "text/event-stream")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let id = h.store.admin_tokens().await.unwrap()[0].id.clone();
    h.store.revoke_admin_token(&id).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        // Keep-alive comments may come first; the stream then ends.
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream outlived the admin token it was opened with"
    );
}

/// Sleeps until just after the next whole second; that second. A sleep is right here: the
/// store keeps expiry to the second, and the tests need a whole second ahead of them.
async fn next_second() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let left = Duration::from_secs(1) - Duration::from_nanos(u64::from(since.subsec_nanos()));
    tokio::time::sleep(left + Duration::from_millis(20)).await;
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Sleeps until a wall-clock instant. A sleep is right here: the tests using it check what
/// happens on either side of an expiry instant, and only time passing gets there.
async fn sleep_until(unix_ms: u128) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    if unix_ms > now {
        tokio::time::sleep(Duration::from_millis((unix_ms - now) as u64)).await;
    }
}

async fn a_server_is_refused_from_the_second_it_expires_whatever_the_cache_holds(backend: Backend) {
    let h = harness(backend).await;
    let admin = h.admin_token().await;
    let start = next_second().await;
    let expiry = start + 2;
    let created = create_server(
        &h,
        &admin,
        &h.account_id,
        json!({"name": "short-lived", "expires_at": rfc3339(expiry as i64)}),
    )
    .await;
    assert_eq!(created["expires_at"], rfc3339(expiry as i64));
    let url = created["url"].as_str().unwrap();
    assert_eq!(h.mcp_at(url, None, "ping", json!({})).await.0, 200);
    // 150 ms before: still served, and the cache is now warm.
    sleep_until(u128::from(expiry) * 1000 - 150).await;
    assert_eq!(h.mcp_at(url, None, "ping", json!({})).await.0, 200);
    // Within the cache's 500 ms after the expiry instant: refused all the same.
    sleep_until(u128::from(expiry) * 1000 + 10).await;
    let (status, body) = h.mcp_at(url, None, "ping", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.to_string().contains("expired"), "{body}");
}

async fn patching_a_server_changes_its_scope_at_once(backend: Backend) {
    let h = harness(backend).await;
    let admin = h.admin_token().await;
    let created = create_server(&h, &admin, &h.account_id, json!({"name": "all"})).await;
    let url = created["url"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let everything = tool_names(&h.mcp_at(url, None, "tools/list", json!({})).await.1).len();
    let (status, _, patched) = h
        .admin(
            Method::PATCH,
            &format!("/integrated-account/{}/mcp/{id}", h.account_id),
            Some(&admin),
            Some(json!({"name": "crm only", "config": {"tags": ["crm"], "methods": ["read"]}})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["name"], "crm only");
    assert_eq!(patched["config"]["tags"], json!(["crm"]));
    let narrowed = tool_names(&h.mcp_at(url, None, "tools/list", json!({})).await.1);
    assert!(
        narrowed.len() < everything,
        "{} < {everything}",
        narrowed.len()
    );
    assert!(narrowed.contains(&READ_CRM_TOOL.to_owned()));
    let (_, _, fetched) = h
        .admin(
            Method::GET,
            &format!("/integrated-account/{}/mcp/{id}", h.account_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(fetched["config"], patched["config"]);
}

async fn accounts_never_show_their_secrets_and_deleting_one_revokes_its_servers(backend: Backend) {
    let h = harness(backend).await;
    let admin = h.admin_token().await;
    let account = create_sandbox_account(&h, &admin).await;
    let password = "Zq9-a-password-seen-nowhere";
    let created = create_server(&h, &admin, &account, json!({"name": "x"})).await;
    let url = created["url"].as_str().unwrap();
    assert_eq!(h.mcp_at(url, None, "ping", json!({})).await.0, 200);
    let path = format!("/integrated-account/{account}");
    let (status, _, patched) = h
        .admin(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"name": "Acme Ltd", "password": password, "totp_secret": null})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["name"], "Acme Ltd");
    for answer in [
        patched,
        h.admin(Method::GET, &path, Some(&admin), None).await.2,
        h.admin(Method::GET, "/integrated-account", Some(&admin), None)
            .await
            .2,
    ] {
        assert!(!answer.to_string().contains(password), "{answer}");
        assert!(!answer.to_string().contains("\"password\""), "{answer}");
        assert!(answer.to_string().contains("Acme"), "{answer}");
    }
    let (status, _, _) = h.admin(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, 204);
    assert_eq!(h.mcp_at(url, None, "ping", json!({})).await.0, 401);
    assert_eq!(h.admin(Method::GET, &path, Some(&admin), None).await.0, 404);
}

on_both_backends!(
    the_seed_flow_creates_an_account_and_a_read_only_crm_server_then_revokes_it,
    require_api_token_auth_needs_an_admin_token_beside_the_url,
    a_stream_opened_with_a_required_admin_token_ends_when_the_token_is_revoked,
    a_server_is_refused_from_the_second_it_expires_whatever_the_cache_holds,
    patching_a_server_changes_its_scope_at_once,
    accounts_never_show_their_secrets_and_deleting_one_revokes_its_servers,
);

#[tokio::test]
async fn admin_routes_refuse_missing_wrong_and_non_admin_tokens() {
    let h = Harness::start().await;
    let forged = format!("bmsa_{}", "A".repeat(43));
    let account = h.account_id.clone();
    let routes = [
        (Method::GET, "/integrated-account".to_owned()),
        (Method::POST, "/integrated-account".to_owned()),
        (Method::GET, format!("/integrated-account/{account}")),
        (Method::PATCH, format!("/integrated-account/{account}")),
        (Method::DELETE, format!("/integrated-account/{account}")),
        (Method::GET, format!("/integrated-account/{account}/mcp")),
        (Method::POST, format!("/integrated-account/{account}/mcp")),
        (Method::GET, format!("/integrated-account/{account}/mcp/x")),
        (
            Method::PATCH,
            format!("/integrated-account/{account}/mcp/x"),
        ),
        (
            Method::DELETE,
            format!("/integrated-account/{account}/mcp/x"),
        ),
    ];
    for (method, path) in routes {
        for bearer in [None, Some(forged.as_str()), Some(h.token.as_str())] {
            let (status, challenge, body) = h
                .admin(method.clone(), &path, bearer, Some(json!({"name": "x"})))
                .await;
            assert_eq!(status, 401, "{method} {path} with {bearer:?}: {body}");
            assert!(
                challenge
                    .as_deref()
                    .is_some_and(|c| c.starts_with("Bearer ")),
                "{method} {path}"
            );
            assert_eq!(body["error"]["field"], "authorization");
        }
    }
    assert!(
        h.store.accounts().await.unwrap().len() == 1,
        "nothing was changed"
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_naming_the_field_never_with_a_500() {
    let h = Harness::start().await;
    let admin = h.admin_token().await;
    let account = h.account_id.clone();
    let mcp = format!("/integrated-account/{account}/mcp");
    let good_account =
        json!({"name": "a", "region": "us", "username": "u", "password": "p", "tenant": "t"});
    let with = |base: &Value, key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let cases: Vec<(Method, String, Value, u16, &str)> = vec![
        (
            Method::POST,
            "/integrated-account".into(),
            json!({}),
            400,
            "name",
        ),
        (
            Method::POST,
            "/integrated-account".into(),
            with(&good_account, "name", json!(" ")),
            400,
            "name",
        ),
        (
            Method::POST,
            "/integrated-account".into(),
            with(&good_account, "region", json!("mars")),
            400,
            "region",
        ),
        (
            Method::POST,
            "/integrated-account".into(),
            with(&good_account, "base_url", json!("https://x.example")),
            400,
            "base_url",
        ),
        (
            Method::POST,
            "/integrated-account".into(),
            with(&good_account, "password", json!("")),
            400,
            "password",
        ),
        (
            Method::POST,
            "/integrated-account".into(),
            with(&good_account, "totp_secret", json!("not base32")),
            400,
            "totp_secret",
        ),
        (
            Method::POST,
            "/integrated-account".into(),
            with(&good_account, "username", json!(42)),
            400,
            "username",
        ),
        (
            Method::POST,
            "/integrated-account".into(),
            with(&good_account, "pasword", json!("p")),
            400,
            "pasword",
        ),
        (
            Method::PATCH,
            "/integrated-account/nope".into(),
            json!({"name": "b"}),
            404,
            "integrated_account_id",
        ),
        (Method::POST, mcp.clone(), json!({}), 400, "name"),
        (Method::POST, mcp.clone(), json!({"name": ""}), 400, "name"),
        (
            Method::POST,
            mcp.clone(),
            json!({"name": "x", "config": {"methods": ["reed"]}}),
            400,
            "config.methods",
        ),
        (
            Method::POST,
            mcp.clone(),
            json!({"name": "x", "config": {"tags": ["crn"]}}),
            400,
            "config.tags",
        ),
        (
            Method::POST,
            mcp.clone(),
            json!({"name": "x", "config": {"methods": "read"}}),
            400,
            "config.methods",
        ),
        (
            Method::POST,
            mcp.clone(),
            json!({"name": "x", "config": {"tool_exposure": "some"}}),
            400,
            "config.tool_exposure",
        ),
        (
            Method::POST,
            mcp.clone(),
            json!({"name": "x", "expires_at": "2020-01-01T00:00:00Z"}),
            400,
            "expires_at",
        ),
        (
            Method::POST,
            mcp.clone(),
            json!({"name": "x", "expires_at": "tomorrow"}),
            400,
            "expires_at",
        ),
        (
            Method::POST,
            "/integrated-account/nope/mcp".into(),
            json!({"name": "x"}),
            404,
            "integrated_account_id",
        ),
        (
            Method::PATCH,
            format!("{mcp}/nope"),
            json!({"name": "x"}),
            404,
            "mcp_id",
        ),
        (
            Method::PATCH,
            "/integrated-account/nope/mcp/nope".into(),
            json!({"name": "x"}),
            404,
            "integrated_account_id",
        ),
    ];
    for (method, path, body, status, field) in cases {
        let (got, _, answer) = h
            .admin(method.clone(), &path, Some(&admin), Some(body.clone()))
            .await;
        assert_eq!(got, status, "{method} {path} {body}: {answer}");
        assert_eq!(
            answer["error"]["field"], field,
            "{method} {path} {body}: {answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    for (method, path) in [
        (Method::GET, "/integrated-account/nope".to_owned()),
        (Method::DELETE, "/integrated-account/nope".to_owned()),
        (Method::GET, "/integrated-account/nope/mcp".to_owned()),
        (Method::GET, format!("{mcp}/nope")),
        (Method::DELETE, format!("{mcp}/nope")),
    ] {
        let (got, _, answer) = h.admin(method.clone(), &path, Some(&admin), None).await;
        assert_eq!(got, 404, "{method} {path}: {answer}");
    }
    // Malformed JSON, and a body that is not JSON at all.
    for raw in ["{\"name\": ", "not json", "[1,2", ""] {
        let response = h
            .http
            .post(h.url(&mcp))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{raw:?}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"]["field"], "body", "{raw:?}");
    }
    let response = h
        .http
        .post(h.url(&mcp))
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("{\"name\": \"x\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let too_big = json!({"name": "x".repeat(h.body_limit + 1)}).to_string();
    let response = h
        .http
        .post(h.url(&mcp))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(too_big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        h.store.mcp_servers(None).await.unwrap().len(),
        1,
        "nothing was created"
    );
}

#[tokio::test]
async fn confirm_writes_is_set_and_cleared_through_config() {
    let h = Harness::start().await;
    let admin = h.admin_token().await;
    let created = create_server(
        &h,
        &admin,
        &h.account_id,
        json!({"name": "careful", "config": {"confirm_writes": true}}),
    )
    .await;
    assert_eq!(created["config"]["confirm_writes"], true, "{created}");
    let url = created["url"].as_str().expect("url");
    let id = created["id"].as_str().expect("id");
    let note = json!({"name": "create_a_kaseya_bms_servicedesk_ticket_note", "arguments": {
        "ticket_id": 50001, "details": "Hello.", "is_internal": false, "type_id": 601,
        "note_date": "2026-11-26T10:00:00Z"}});
    let (_, refused) = h.mcp_at(url, None, "tools/call", note.clone()).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    assert!(
        refused["result"]["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("was not called")),
        "{refused}"
    );
    let (status, _, patched) = h
        .admin(
            Method::PATCH,
            &format!("/integrated-account/{}/mcp/{id}", h.account_id),
            Some(&admin),
            Some(json!({"config": {"confirm_writes": false}})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["config"]["confirm_writes"], false);
    let (_, sent) = h.mcp_at(url, None, "tools/call", note).await;
    assert_eq!(sent["result"]["isError"], false, "{sent}");
}

#[tokio::test]
async fn an_oauth_server_gets_a_url_without_a_secret_and_keeps_its_auth() {
    let h = Harness::start().await;
    let admin = h.admin_token().await;
    let created = create_server(
        &h,
        &admin,
        &h.account_id,
        json!({"name": "for claude.ai", "config": {"auth": "oauth"}}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["url"], h.url(&format!("/mcp/o/{id}")));
    assert!(created.get("token").is_none(), "no URL token is handed out");
    assert_eq!(created["config"]["auth"], "oauth");
    let (status, _, body) = h
        .admin(
            Method::PATCH,
            &format!("/integrated-account/{}/mcp/{id}", h.account_id),
            Some(&admin),
            Some(json!({"config": {"auth": "url_token"}})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "config.auth");
    let (status, _, body) = h
        .admin(
            Method::POST,
            &format!("/integrated-account/{}/mcp", h.account_id),
            Some(&admin),
            Some(json!({"name": "both", "config": {"auth": "oauth", "require_api_token_auth": true}})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "config.require_api_token_auth");
    let plain = create_server(&h, &admin, &h.account_id, json!({"name": "plain"})).await;
    assert_eq!(
        plain["config"]["auth"], "url_token",
        "URL tokens stay the default"
    );
    assert!(plain["token"].is_string());
}
