//! Client profiles: an MCP server presents its tools the way the client in front of it
//! accepts them. Fixed per server, or chosen from the client's name (`auto`): from
//! `initialize` for the whole session, or from a modern request's `_meta`.

mod common;

use bms_mcp::catalogue::{ClientChoice, ClientProfile};
use bms_mcp::store::McpServerConfig;
use common::{Harness, PROMPT};
use reqwest::Method;
use serde_json::{Value, json};

/// One POST to an MCP URL with extra headers: the JSON reply and the session id, if any.
async fn post(
    h: &Harness,
    token: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (Value, Option<String>) {
    let mut request = h
        .http
        .post(h.url(&format!("/mcp/{token}")))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = tokio::time::timeout(PROMPT, request.send())
        .await
        .expect("answered in time")
        .expect("sent");
    let session = response
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("body");
    (serde_json::from_str(&text).expect("JSON reply"), session)
}

fn request(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
}

fn initialize(client_name: &str) -> Value {
    request(
        "initialize",
        json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": client_name, "version": "1.0"}
        }),
    )
}

/// The names on the first `tools/list` page.
fn names(reply: &Value) -> Vec<String> {
    reply["result"]["tools"]
        .as_array()
        .expect("a tool list")
        .iter()
        .map(|t| t["name"].as_str().expect("a name").to_owned())
        .collect()
}

async fn server_with(h: &Harness, client: ClientChoice) -> String {
    h.register_with(
        McpServerConfig {
            client,
            ..McpServerConfig::default()
        },
        None,
    )
    .await
}

#[tokio::test]
async fn auto_gives_the_client_named_in_initialize_short_names_for_its_whole_session() {
    let h = Harness::start().await;
    let token = server_with(&h, ClientChoice::Auto).await;
    let (_, session) = post(&h, &token, initialize("cursor-vscode"), &[]).await;
    let session = session.expect("initialize issues a session id");
    let in_session = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-06-18"),
    ];

    let (listed, _) = post(&h, &token, request("tools/list", json!({})), &in_session).await;
    let short = names(&listed);
    assert!(!short.is_empty());
    for name in &short {
        assert!(name.len() <= 45 && !name.contains("kaseya_bms"), "{name}");
    }
    assert!(
        !listed.to_string().contains("kaseya_bms_"),
        "descriptions name other tools by their short names too"
    );

    let (called, _) = post(
        &h,
        &token,
        request(
            "tools/call",
            json!({"name": "list_all_servicedesk_tickets", "arguments": {"page_size": 1}}),
        ),
        &in_session,
    )
    .await;
    assert_eq!(called["result"]["isError"], false, "{called}");

    // The same URL without the session: nothing names the client, so the standard names.
    let (standard, _) = post(&h, &token, request("tools/list", json!({})), &[]).await;
    assert!(names(&standard).iter().all(|n| n.contains("_kaseya_bms_")));
}

#[tokio::test]
async fn auto_gives_chatgpt_strict_schemas_and_a_free_form_object_as_json_text() {
    let h = Harness::start().await;
    let token = server_with(&h, ClientChoice::Auto).await;
    let (_, session) = post(&h, &token, initialize("openai-mcp"), &[]).await;
    let session = session.expect("initialize issues a session id");
    let in_session = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-06-18"),
    ];
    let (listed, _) = post(&h, &token, request("tools/list", json!({})), &in_session).await;
    for tool in listed["result"]["tools"].as_array().expect("tools") {
        let schema = &tool["inputSchema"];
        let listed_properties = schema["properties"].as_object().map_or(0, |p| p.len());
        assert_eq!(
            schema["required"].as_array().map_or(0, Vec::len),
            listed_properties,
            "strict: every property required in {}",
            tool["name"]
        );
        assert!(!schema.to_string().contains("int32"), "{}", tool["name"]);
    }
    // The settings object is shown as JSON text, and the call reads it back as the object.
    let (called, _) = post(
        &h,
        &token,
        request(
            "tools/call",
            json!({"name": "set_kaseya_bms_company_settings", "arguments": {
                "module_id": 3,
                "settings": "{\"DefaultTimeZone\": \"UTC\"}"
            }}),
        ),
        &in_session,
    )
    .await;
    assert_eq!(called["result"]["isError"], false, "{called}");
}

#[tokio::test]
async fn a_client_that_caps_nothing_keeps_the_generated_names() {
    let h = Harness::start().await;
    let token = server_with(&h, ClientChoice::Auto).await;
    let (_, session) = post(&h, &token, initialize("claude-ai"), &[]).await;
    let session = session.expect("session id");
    let (listed, _) = post(
        &h,
        &token,
        request("tools/list", json!({})),
        &[
            ("mcp-session-id", &session),
            ("mcp-protocol-version", "2025-06-18"),
        ],
    )
    .await;
    assert!(names(&listed).iter().all(|n| n.contains("_kaseya_bms_")));
}

#[tokio::test]
async fn a_modern_request_names_its_client_in_meta() {
    let h = Harness::start().await;
    let token = server_with(&h, ClientChoice::Auto).await;
    let body = request(
        "tools/list",
        json!({"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "claude-code", "version": "2.0"}
        }}),
    );
    let (listed, _) = post(
        &h,
        &token,
        body,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/list"),
        ],
    )
    .await;
    assert!(
        names(&listed).iter().all(|n| !n.contains("kaseya_bms")),
        "{listed}"
    );
}

#[tokio::test]
async fn an_openai_strict_server_lists_strict_schemas_and_reads_null_as_not_given() {
    let h = Harness::start().await;
    let token = server_with(&h, ClientChoice::Fixed(ClientProfile::OpenAiStrict)).await;
    // A fixed profile wins over the client's name.
    let (_, session) = post(&h, &token, initialize("cursor-vscode"), &[]).await;
    let session = session.expect("session id");
    let in_session = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-06-18"),
    ];
    let mut cursor = Value::Null;
    let note_tool = loop {
        let (page, _) = post(
            &h,
            &token,
            request("tools/list", json!({"cursor": cursor})),
            &in_session,
        )
        .await;
        let found = page["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .find(|t| t["name"] == "create_a_kaseya_bms_servicedesk_ticket_note")
            .cloned();
        if let Some(tool) = found {
            break tool;
        }
        cursor = page["result"]["nextCursor"].clone();
        assert!(cursor.is_string(), "the note tool is listed");
    };
    let schema = &note_tool["inputSchema"];
    let properties = schema["properties"].as_object().expect("properties");
    let required = schema["required"].as_array().expect("required");
    assert_eq!(
        required.len(),
        properties.len(),
        "every property is required: {schema}"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["ticket_id"]["type"], "integer");
    assert_eq!(
        schema["properties"]["is_internal"]["type"], "boolean",
        "required stays required"
    );
    assert_eq!(
        schema["properties"]["status_id"]["anyOf"][1],
        json!({"type": "null"}),
        "optional becomes nullable: {schema}"
    );
    assert_eq!(
        schema["properties"]["status_id"]["anyOf"][0]["type"],
        "integer"
    );
    assert!(
        schema["properties"]["ticket_id"].get("format").is_none(),
        "int32 is not a strict format"
    );

    let (tickets, _) = post(
        &h,
        &token,
        request("tools/call", json!({"name": "list_all_kaseya_bms_servicedesk_tickets", "arguments": {"page_size": 1}})),
        &in_session,
    )
    .await;
    let ticket_id = tickets["result"]["structuredContent"]["items"][0]["id"].clone();
    assert!(ticket_id.is_i64(), "{tickets}");

    // What a strict client sends: every property, null where it has nothing to say.
    let mut arguments = serde_json::Map::new();
    for name in properties.keys() {
        arguments.insert(name.clone(), Value::Null);
    }
    arguments.insert("ticket_id".into(), ticket_id.clone());
    arguments.insert("details".into(), "Checked the firewall logs.".into());
    arguments.insert("is_internal".into(), true.into());
    arguments.insert("type_id".into(), 601.into());
    arguments.insert("note_date".into(), "2026-11-26T10:00:00Z".into());
    h.clear_upstream_requests().await;
    let (created, _) = post(
        &h,
        &token,
        request(
            "tools/call",
            json!({"name": "create_a_kaseya_bms_servicedesk_ticket_note", "arguments": arguments}),
        ),
        &in_session,
    )
    .await;
    assert_eq!(created["result"]["isError"], false, "{created}");
    let sent = h.upstream_requests().await;
    assert_eq!(sent.len(), 1);
    let body = sent[0]["body"].as_object().expect("a JSON body");
    assert_eq!(body["Details"], "Checked the firewall logs.");
    assert!(
        body.values().all(|v| !v.is_null()),
        "nulls never reach BMS: {body:?}"
    );
    assert!(!body.contains_key("StatusId") && !body.contains_key("Attachments"));
}

#[tokio::test]
async fn a_gemini_server_lists_schemas_without_keywords_gemini_refuses() {
    let h = Harness::start().await;
    let token = server_with(&h, ClientChoice::Fixed(ClientProfile::Gemini)).await;
    let (listed, _) = post(&h, &token, request("tools/list", json!({})), &[]).await;
    let text = listed.to_string();
    assert!(
        !text.contains("additionalProperties") && !text.contains("uniqueItems"),
        "{text}"
    );
    assert!(!text.contains("\"format\":\"int32\",\"enum\""));
}

#[tokio::test]
async fn the_admin_api_sets_shows_and_refuses_client_profiles() {
    let h = Harness::start().await;
    let admin = h.admin_token().await;
    let path = format!("/integrated-account/{}/mcp", h.account_id);
    let (status, _, created) = h
        .admin(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"name": "Cursor", "config": {"client": "short-names"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["config"]["client"], "short-names");
    let url = created["url"].as_str().expect("url");
    let (_, listed) = h.mcp_at(url, None, "tools/list", json!({})).await;
    assert!(names(&listed).iter().all(|n| !n.contains("kaseya_bms")));

    let (status, _, defaulted) = h
        .admin(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"name": "Default"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(defaulted["config"]["client"], "auto");

    let (status, _, refused) = h
        .admin(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"name": "Typo", "config": {"client": "cursor"}})),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    let text = refused.to_string();
    assert!(
        text.contains("config.client") && text.contains("short-names"),
        "{text}"
    );
}
