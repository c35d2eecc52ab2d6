//! The bench's floor for `cargo xtask bench`: the least an MCP `tools/call` proxy written with
//! axum, reqwest and serde_json does for the bench's four workloads. It takes the JSON-RPC
//! POST, maps the tool to its one BMS request with a fixed bearer token, and answers with BMS's
//! JSON as structured content and as text. Nothing else: no validation, no scopes, no paging
//! cursors, no audit log, no rate-limit budget, no logging. BMS's answer is only checked to be
//! JSON (`RawValue`) and passed through: parsing it into a `Value` and serialising it again is
//! a cost a proxy can avoid, so it is not part of the floor. bms-mcp's cost over this is what
//! its features cost; this one's cost over a direct call is what any such proxy costs.
//!
//! Usage: `bench-floor BMS_URL BMS_TOKEN`. Listens on a free loopback port and prints
//! `bench floor listening on http://127.0.0.1:PORT/mcp`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// What every request shares.
struct Floor {
    http: reqwest::Client,
    bms_url: String,
    bearer: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bms_url, token] = args.as_slice() else {
        anyhow::bail!("usage: bench-floor BMS_URL BMS_TOKEN");
    };
    // reqwest is built without a default TLS provider (as in bms-mcp's client); a real BMS
    // is HTTPS, so the floor pays for the same client set-up.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let floor = Arc::new(Floor {
        http: reqwest::Client::builder().tcp_nodelay(true).build()?,
        bms_url: bms_url.trim_end_matches('/').to_owned(),
        bearer: format!("Bearer {token}"),
    });
    let app = axum::Router::new()
        .route("/mcp", post(tools_call))
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!(
        "bench floor listening on http://{}/mcp",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}

/// One `tools/call`: the tool's BMS request, BMS's answer as the result.
async fn tools_call(State(floor): State<Arc<Floor>>, Json(message): Json<Value>) -> Response {
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    let name = message.pointer("/params/name").and_then(Value::as_str);
    let args = message
        .pointer("/params/arguments")
        .cloned()
        .unwrap_or(Value::Null);
    let Some(request) = name.and_then(|name| bms_request(&floor, name, &args)) else {
        return rpc_error(&id, -32602, "unknown tool or missing arguments".into());
    };
    let sent = request
        .header("Authorization", &floor.bearer)
        .header("Accept", "application/json")
        .send()
        .await;
    let body = match sent {
        Ok(response) => response.bytes().await,
        Err(error) => Err(error),
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => return rpc_error(&id, -32603, format!("BMS: {error}")),
    };
    let Ok(answer) = serde_json::from_slice::<&RawValue>(&body) else {
        return rpc_error(
            &id,
            -32603,
            "BMS answered with something other than JSON".into(),
        );
    };
    // The text content is the same JSON as a string literal.
    let Ok(text) = serde_json::to_string(answer.get()) else {
        return rpc_error(
            &id,
            -32603,
            "the answer could not be written as text".into(),
        );
    };
    let mut reply = String::with_capacity(text.len() + answer.get().len() + 128);
    reply.push_str("{\"jsonrpc\":\"2.0\",\"id\":");
    reply.push_str(&id.to_string());
    reply.push_str(",\"result\":{\"content\":[{\"type\":\"text\",\"text\":");
    reply.push_str(&text);
    reply.push_str("}],\"structuredContent\":");
    reply.push_str(answer.get());
    reply.push_str(",\"isError\":false}}");
    ([(CONTENT_TYPE, "application/json")], reply).into_response()
}

fn rpc_error(id: &Value, code: i64, message: String) -> Response {
    let error = json!({"code": code, "message": message});
    Json(json!({"jsonrpc": "2.0", "id": id, "error": error})).into_response()
}

/// The BMS request for one of the bench's tools, with its snake_case arguments (the names
/// bms-mcp gives them, so the bench sends both the same body).
fn bms_request(floor: &Floor, tool: &str, args: &Value) -> Option<reqwest::RequestBuilder> {
    let base = &floor.bms_url;
    let ticket = || args.get("ticket_id").and_then(Value::as_u64);
    match tool {
        "list_all_kaseya_bms_servicedesk_tickets" => {
            // The status filter is optional; paging is plain arguments (no cursors here).
            let number = |name: &str, default: u64| {
                args.get(name)
                    .and_then(Value::as_u64)
                    .unwrap_or(default)
                    .to_string()
            };
            let mut query = Vec::with_capacity(3);
            if let Some(status) = args.get("filter_status_names").and_then(Value::as_str) {
                query.push(("Filter.StatusNames", status.to_owned()));
            }
            query.push(("PageSize", number("page_size", 25)));
            query.push(("PageNumber", number("page_number", 1)));
            Some(
                floor
                    .http
                    .get(format!("{base}/v2/servicedesk/tickets"))
                    .query(&query),
            )
        }
        "get_single_kaseya_bms_servicedesk_ticket_by_id" => Some(
            floor
                .http
                .get(format!("{base}/v2/servicedesk/tickets/{}", ticket()?)),
        ),
        "create_a_kaseya_bms_servicedesk_ticket_note" => {
            let body = json!({
                "Details": args.get("details")?,
                "IsInternal": args.get("is_internal")?,
                "TypeId": args.get("type_id")?,
                "NoteDate": args.get("note_date")?,
            });
            Some(
                floor
                    .http
                    .post(format!("{base}/v2/servicedesk/tickets/{}/notes", ticket()?))
                    .json(&body),
            )
        }
        _ => None,
    }
}
