//! `bms-mcp serve` on an empty store: the sandbox account, one admin token and one MCP server
//! are created and shown once; a restart shows neither again, and both still work.

mod common;
mod process;

use reqwest::Method;
use serde_json::{Value, json};

use common::backends::TestDatabase;
use process::{Serve, client};

async fn rpc(url: &str, bearer: Option<&str>, method: &str, params: Value) -> (u16, Value) {
    let mut request = client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string());
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn first_run_then_restart(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = Serve::serve(dir.path(), database_url).await;
    let sandbox = serve.value_after("BMS: built-in sandbox at ").await;
    assert!(sandbox.starts_with("http://127.0.0.1:"), "{sandbox}");
    let mcp_url = serve.value_after("MCP URL: ").await;
    let admin = serve.value_after("Admin token: ").await;
    assert!(admin.starts_with("bmsa_"));
    serve
        .line_containing("New MCP server: bms-mcp mcp create --account ")
        .await;
    let base = serve.base.clone();
    assert!(
        mcp_url.starts_with(&format!("{base}/mcp/bmsm_")),
        "{mcp_url}"
    );
    let (status, _) = rpc(&mcp_url, None, "initialize", json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})).await;
    assert_eq!(status, 200);
    // The first run's server is in discovery mode: three meta-tools a model can hold, and
    // every tool behind them.
    let (_, listed) = rpc(&mcp_url, None, "tools/list", json!({})).await;
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["search_tools", "get_tool_schema", "call_tool"],
        "{listed}"
    );
    let (_, called) = rpc(
        &mcp_url,
        None,
        "tools/call",
        json!({"name": "call_tool", "arguments": {"name": "list_all_kaseya_bms_crm_accounts", "arguments": {}}}),
    )
    .await;
    assert_eq!(called["result"]["isError"], false, "{called}");
    let accounts: Value = client()
        .request(Method::GET, format!("{base}/integrated-account"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accounts["result"][0]["region"], "sandbox", "{accounts}");
    assert!(
        dir.path().join("data.key").exists(),
        "the data key file is created on first run"
    );
    if database_url.is_none() {
        assert!(dir.path().join("bms-mcp.db").exists());
    }
    serve.stop().await;

    let mut again = Serve::serve(dir.path(), database_url).await;
    again.line_containing("MCP servers: 1.").await;
    let printed = again.printed();
    assert!(!printed.contains("MCP URL: "), "{printed}");
    assert!(!printed.contains("Admin token: "), "{printed}");
    assert!(printed.contains("cannot be shown again"), "{printed}");
    assert!(printed.contains("BMS: built-in sandbox at "), "{printed}");
    // The same token and admin token still work on the restarted server (new port, new
    // sandbox port): only their hashes were kept, and that is enough.
    let token = mcp_url.rsplit('/').next().unwrap();
    let restarted = format!("{}/mcp/{token}", again.base);
    let (_, called) = rpc(
        &restarted,
        None,
        "tools/call",
        json!({"name": "call_tool", "arguments": {"name": "list_all_kaseya_bms_crm_accounts", "arguments": {}}}),
    )
    .await;
    assert_eq!(called["result"]["isError"], false, "{called}");
    again.stop().await;
}

#[tokio::test]
async fn first_run_on_sqlite_prints_the_url_and_admin_token_once() {
    first_run_then_restart(None).await;
}

#[tokio::test]
async fn first_run_on_postgres_prints_the_url_and_admin_token_once() {
    let Some(database) = TestDatabase::create_or_skip().await else {
        return;
    };
    first_run_then_restart(Some(&database.url)).await;
}
