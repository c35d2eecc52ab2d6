//! The requests the bench sends: each tool workload as the direct BMS request the tool makes,
//! as an MCP `tools/call` to bms-mcp (snake_case arguments) and to FastMCP (the spec's wire
//! names), and the `tools/list` variants.

use serde_json::{Value, json};

use super::load::LoadRequest;

/// The ticket every workload reads or writes (seeded by the sandbox's demo tenant).
pub const TICKET_ID: u64 = 50001;
/// A fixed note date, so every call sends the same bytes.
const NOTE_DATE: &str = "2026-11-26T12:00:00Z";
/// The revision the MCP requests speak, in stateless Streamable HTTP (no session id).
const PROTOCOL_VERSION: &str = "2025-06-18";

/// One tool call measured on every target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `list_all_kaseya_bms_servicedesk_tickets` with a status filter (one page of 25).
    ListTickets,
    /// `get_single_kaseya_bms_servicedesk_ticket_by_id`.
    GetTicket,
    /// `create_a_kaseya_bms_servicedesk_ticket_note`.
    CreateNote,
    /// The second page of `list_all_kaseya_bms_servicedesk_tickets` (10 a page), reached the
    /// way an agent pages: bms-mcp is sent the `next_cursor` of a first page asked for with
    /// `fields`, so the call checks the cursor, decodes the paging and fields it carries, and
    /// projects every item. The other targets are asked for page 2 directly.
    PageTickets,
}

/// `fields` of the paging workload's first page, which its cursor carries on.
pub const PAGE_FIELDS: [&str; 5] = ["id", "ticketNumber", "title", "statusName", "priorityName"];
/// Page size of the paging workload.
const PAGE_SIZE: u64 = 10;

impl Workload {
    pub const ALL: [Workload; 4] = [
        Workload::ListTickets,
        Workload::GetTicket,
        Workload::CreateNote,
        Workload::PageTickets,
    ];

    /// Short name for tables.
    pub fn label(self) -> &'static str {
        match self {
            Workload::ListTickets => "list tickets",
            Workload::GetTicket => "get ticket",
            Workload::CreateNote => "create note",
            Workload::PageTickets => "page tickets",
        }
    }

    /// The tool's name in bms-mcp (FastMCP is given the same names through `mcp_names`).
    pub fn tool(self) -> &'static str {
        match self {
            Workload::ListTickets => "list_all_kaseya_bms_servicedesk_tickets",
            Workload::GetTicket => "get_single_kaseya_bms_servicedesk_ticket_by_id",
            Workload::CreateNote => "create_a_kaseya_bms_servicedesk_ticket_note",
            Workload::PageTickets => "list_all_kaseya_bms_servicedesk_tickets",
        }
    }

    /// bms-mcp's arguments: snake_case, paging added by the runtime. The paging workload's
    /// are those of its first page; its measured call sends that page's cursor instead.
    pub fn bms_mcp_arguments(self) -> Value {
        match self {
            Workload::PageTickets => json!({"page_size": PAGE_SIZE, "fields": PAGE_FIELDS}),
            Workload::ListTickets => json!({"filter_status_names": "New"}),
            Workload::GetTicket => json!({"ticket_id": TICKET_ID}),
            Workload::CreateNote => json!({
                "ticket_id": TICKET_ID,
                "details": "Benchmark note: customer called back, issue persists.",
                "is_internal": true,
                "type_id": 601,
                "note_date": NOTE_DATE,
            }),
        }
    }

    /// The floor's arguments: bms-mcp's names, and for the paging workload the page asked for
    /// plainly (the floor has no cursors and no `fields`).
    fn floor_arguments(self) -> Value {
        match self {
            Workload::PageTickets => json!({"page_size": PAGE_SIZE, "page_number": 2}),
            other => other.bms_mcp_arguments(),
        }
    }

    /// FastMCP's arguments: the spec's parameter and property names, with the paging bms-mcp
    /// adds, so both send the sandbox the same request.
    fn spec_arguments(self) -> Value {
        match self {
            Workload::PageTickets => json!({"PageSize": PAGE_SIZE, "PageNumber": 2}),
            Workload::ListTickets => {
                json!({"Filter.StatusNames": "New", "PageSize": 25, "PageNumber": 1})
            }
            Workload::GetTicket => json!({"ticketId": TICKET_ID}),
            Workload::CreateNote => json!({
                "ticketId": TICKET_ID,
                "Details": "Benchmark note: customer called back, issue persists.",
                "IsInternal": true,
                "TypeId": 601,
                "NoteDate": NOTE_DATE,
            }),
        }
    }

    /// The request the tool sends to BMS, sent straight to the sandbox.
    pub fn direct(self, sandbox_url: &str, bms_token: &str) -> LoadRequest {
        let auth = ("Authorization".to_owned(), format!("Bearer {bms_token}"));
        let accept = ("Accept".to_owned(), "application/json".to_owned());
        let base = sandbox_url.trim_end_matches('/');
        match self {
            Workload::ListTickets => LoadRequest {
                url: format!(
                    "{base}/v2/servicedesk/tickets?Filter.StatusNames=New&PageSize=25&PageNumber=1"
                ),
                method: "GET",
                headers: vec![auth, accept],
                body: Vec::new(),
            },
            Workload::PageTickets => LoadRequest {
                url: format!("{base}/v2/servicedesk/tickets?PageSize={PAGE_SIZE}&PageNumber=2"),
                method: "GET",
                headers: vec![auth, accept],
                body: Vec::new(),
            },
            Workload::GetTicket => LoadRequest {
                url: format!("{base}/v2/servicedesk/tickets/{TICKET_ID}"),
                method: "GET",
                headers: vec![auth, accept],
                body: Vec::new(),
            },
            Workload::CreateNote => LoadRequest {
                url: format!("{base}/v2/servicedesk/tickets/{TICKET_ID}/notes"),
                method: "POST",
                headers: vec![
                    auth,
                    accept,
                    ("Content-Type".to_owned(), "application/json".to_owned()),
                ],
                body: json!({
                    "Details": "Benchmark note: customer called back, issue persists.",
                    "IsInternal": true,
                    "TypeId": 601,
                    "NoteDate": NOTE_DATE,
                })
                .to_string()
                .into_bytes(),
            },
        }
    }
}

/// How a target names tool arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// bms-mcp: snake_case.
    BmsMcp,
    /// The floor: bms-mcp's names, plain paging.
    Floor,
    /// FastMCP.from_openapi: the spec's names.
    Spec,
}

/// `tools/call` for `workload` at an MCP URL.
pub fn tool_call(url: &str, workload: Workload, naming: Naming) -> LoadRequest {
    let arguments = match naming {
        Naming::BmsMcp => workload.bms_mcp_arguments(),
        Naming::Floor => workload.floor_arguments(),
        Naming::Spec => workload.spec_arguments(),
    };
    tool_call_with(url, workload, &arguments)
}

/// `tools/call` of `workload`'s tool with the given arguments.
pub fn tool_call_with(url: &str, workload: Workload, arguments: &Value) -> LoadRequest {
    mcp_post(
        url,
        &json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": workload.tool(), "arguments": arguments},
        }),
    )
}

/// `tools/list` (first page) at an MCP URL.
pub fn tools_list(url: &str) -> LoadRequest {
    mcp_post(
        url,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
}

/// A stateless Streamable HTTP POST: no session id, so no handshake is needed.
fn mcp_post(url: &str, message: &Value) -> LoadRequest {
    LoadRequest {
        url: url.to_owned(),
        method: "POST",
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            (
                "Accept".to_owned(),
                "application/json, text/event-stream".to_owned(),
            ),
            (
                "MCP-Protocol-Version".to_owned(),
                PROTOCOL_VERSION.to_owned(),
            ),
        ],
        body: message.to_string().into_bytes(),
    }
}

/// Whether an answer is a success of its kind: a JSON-RPC result that is no tool error, or a
/// BMS envelope with `success: true`.
pub fn answer_is_success(status: u16, body: &Value) -> bool {
    if status != 200 {
        return false;
    }
    if body.get("jsonrpc").is_some() {
        return body.get("error").is_none()
            && body.pointer("/result/isError").and_then(Value::as_bool) != Some(true);
    }
    body.get("success").and_then(Value::as_bool) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_errors_and_failed_envelopes_are_not_successes() {
        assert!(answer_is_success(
            200,
            &json!({"jsonrpc": "2.0", "id": 1, "result": {"content": []}})
        ));
        assert!(!answer_is_success(
            200,
            &json!({"jsonrpc": "2.0", "id": 1, "result": {"isError": true}})
        ));
        assert!(!answer_is_success(
            200,
            &json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602}})
        ));
        assert!(answer_is_success(200, &json!({"success": true})));
        assert!(!answer_is_success(500, &json!({"success": true})));
    }

    #[test]
    fn direct_list_request_carries_the_paging_bms_mcp_adds() {
        let request = Workload::ListTickets.direct("http://127.0.0.1:1", "t");
        assert!(request.url.ends_with("PageSize=25&PageNumber=1"));
    }
}
