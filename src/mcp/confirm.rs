//! Confirmation of writes (`confirm_writes`): which calls need the user's yes, asking for it
//! through MCP elicitation, and failing closed whenever no clear yes comes back.

use std::time::Duration;

use serde_json::{Value, json};

use super::peer::{ClientLink, PeerError, PendingRequests};
use crate::call::ToolOutcome;
use crate::catalogue::{ArgLocation, Tool};

/// How long a confirmation may wait for the user before the call is refused.
pub const DEFAULT_CONFIRM_TIMEOUT: Duration = Duration::from_secs(120);

/// The argument that makes a ticket note internal (staff only) when true.
const INTERNAL_NOTE_ARG: &str = "is_internal";

/// Longest rendering of the arguments shown in the question.
const MAX_SHOWN_ARGS: usize = 600;

/// Why a call needs confirmation, or `None` when it does not. Read from the catalogue: the
/// tool's `destructiveHint`, and for tools that write a ticket note, whether the note is
/// customer-visible (BMS may email those to the ticket's contact).
pub fn reason(tool: &Tool, arguments: Option<&Value>) -> Option<&'static str> {
    if tool.def.annotations.destructive {
        return Some("change or remove existing BMS data");
    }
    let writes_note = tool
        .def
        .args
        .iter()
        .any(|a| a.name == INTERNAL_NOTE_ARG && a.location == ArgLocation::Body);
    let internal = arguments
        .and_then(|a| a.get(INTERNAL_NOTE_ARG))
        .and_then(Value::as_bool)
        == Some(true);
    (writes_note && !internal).then_some(
        "write a note the customer can see (is_internal is not true), which BMS may email to the ticket's contact",
    )
}

/// What the client of one message allows for asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The client declared `elicitation` and the transport can carry the request.
    Elicit,
    /// The client did not declare the `elicitation` capability.
    NotDeclared,
    /// A 2026-07-28 request: stateless, with no channel back to the client.
    Stateless,
    /// The transport cannot carry a server request for this message.
    NoChannel,
}

/// Why a call that needed confirmation was not made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotConfirmed {
    #[error("the user declined")]
    Declined,
    #[error("the user cancelled the confirmation")]
    Cancelled,
    #[error(
        "this client did not declare the `elicitation` capability in `initialize`, so it cannot be asked; use a client that supports elicitation, or ask an administrator to turn confirm_writes off for this MCP server"
    )]
    NotDeclared,
    #[error(
        "2026-07-28 requests are stateless and this server cannot ask their client anything; connect with a session (protocol 2025-06-18 or 2025-11-25) from a client that supports elicitation"
    )]
    Stateless,
    #[error(
        "this request cannot carry a question to the client: send it with the Mcp-Session-Id of an initialized session and `Accept: text/event-stream`"
    )]
    NoChannel,
    #[error("no answer came: {0}")]
    NoAnswer(PeerError),
    #[error("the client's answer was not an elicitation result ({0})")]
    Unreadable(String),
}

impl NotConfirmed {
    /// The tool result saying why nothing was sent.
    pub fn outcome(&self, tool: &Tool, reason: &str) -> ToolOutcome {
        ToolOutcome::error(format!(
            "{} was not called, and nothing was sent to BMS: this MCP server asks the user to confirm calls that {reason}, and {self}. Do not retry without the user's go-ahead.",
            tool.name()
        ))
    }
}

/// Asks the user, through the client behind `link`, whether `tool` may run with `arguments`.
pub async fn ask(
    pending: &PendingRequests,
    link: &ClientLink,
    tool: &Tool,
    arguments: Option<&Value>,
    reason: &str,
    timeout: Duration,
) -> Result<(), NotConfirmed> {
    let params = question(tool, arguments, reason);
    let answer = pending
        .request(link, "elicitation/create", params, timeout)
        .await
        .map_err(NotConfirmed::NoAnswer)?;
    read_answer(&answer)
}

/// The `elicitation/create` params: what will be called, why it is asked, and one yes/no
/// field (preset to yes, so accepting the form is the yes and an explicit "no" a decline).
fn question(tool: &Tool, arguments: Option<&Value>, reason: &str) -> Value {
    let mut shown = arguments.map_or_else(|| "{}".to_owned(), Value::to_string);
    if shown.len() > MAX_SHOWN_ARGS {
        let cut = (0..=MAX_SHOWN_ARGS)
            .rev()
            .find(|&i| shown.is_char_boundary(i))
            .unwrap_or(0);
        shown.truncate(cut);
        shown.push('…');
    }
    json!({
        "message": format!(
            "The assistant wants to run \"{}\" ({}) in Kaseya BMS. It would {reason}. Arguments: {shown}. Allow it?",
            tool.def.title,
            tool.name()
        ),
        "requestedSchema": {
            "type": "object",
            "properties": {
                "confirm": {
                    "type": "boolean",
                    "title": "Run this call",
                    "description": "Leave on to let the assistant make this change in BMS.",
                    "default": true
                }
            },
            "required": ["confirm"]
        }
    })
}

/// Reads an `ElicitResult`: only `accept` without `confirm: false` is a yes.
fn read_answer(answer: &Value) -> Result<(), NotConfirmed> {
    match answer.get("action").and_then(Value::as_str) {
        Some("accept") => {
            let refused = answer
                .get("content")
                .and_then(|c| c.get("confirm"))
                .and_then(Value::as_bool)
                == Some(false);
            if refused {
                Err(NotConfirmed::Declined)
            } else {
                Ok(())
            }
        }
        Some("decline") => Err(NotConfirmed::Declined),
        Some("cancel") => Err(NotConfirmed::Cancelled),
        Some(other) => Err(NotConfirmed::Unreadable(format!("action `{other}`"))),
        None => Err(NotConfirmed::Unreadable("no `action`".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn tool(name: &str) -> &'static Tool {
        Catalogue::global().get(name).expect("tool exists")
    }

    #[test]
    fn destructive_tools_and_customer_visible_notes_need_confirmation() {
        let note = tool("create_a_kaseya_bms_servicedesk_ticket_note");
        assert!(reason(note, Some(&json!({"is_internal": false}))).is_some());
        assert!(
            reason(note, Some(&json!({}))).is_some(),
            "absent is visible"
        );
        assert!(reason(note, None).is_some());
        assert_eq!(reason(note, Some(&json!({"is_internal": true}))), None);
        let resolve = tool("create_a_kaseya_bms_resolve");
        assert!(reason(resolve, Some(&json!({"is_internal": true}))).is_some());
        assert!(reason(tool("delete_a_kaseya_bms_servicedesk_ticket_by_id"), None).is_some());
        assert!(reason(tool("merge_kaseya_bms_servicedesk_tickets"), None).is_some());
        assert_eq!(
            reason(tool("list_all_kaseya_bms_servicedesk_tickets"), None),
            None
        );
        assert_eq!(
            reason(tool("create_a_kaseya_bms_servicedesk_ticket"), None),
            None
        );
    }

    #[test]
    fn only_an_accept_that_does_not_say_no_confirms() {
        assert_eq!(read_answer(&json!({"action": "accept"})), Ok(()));
        assert_eq!(
            read_answer(&json!({"action": "accept", "content": {"confirm": true}})),
            Ok(())
        );
        assert_eq!(
            read_answer(&json!({"action": "accept", "content": {"confirm": false}})),
            Err(NotConfirmed::Declined)
        );
        assert_eq!(
            read_answer(&json!({"action": "decline"})),
            Err(NotConfirmed::Declined)
        );
        assert_eq!(
            read_answer(&json!({"action": "cancel"})),
            Err(NotConfirmed::Cancelled)
        );
        assert!(matches!(
            read_answer(&json!({"action": "maybe"})),
            Err(NotConfirmed::Unreadable(_))
        ));
        assert!(matches!(
            read_answer(&json!({})),
            Err(NotConfirmed::Unreadable(_))
        ));
    }

    #[test]
    fn the_question_names_the_tool_the_reason_and_the_arguments_within_a_bound() {
        let note = tool("create_a_kaseya_bms_servicedesk_ticket_note");
        let long = "x".repeat(5_000);
        let params = question(note, Some(&json!({"details": long})), "writes a note");
        let message = params["message"].as_str().expect("message");
        assert!(message.contains("create_a_kaseya_bms_servicedesk_ticket_note"));
        assert!(message.contains("writes a note"));
        assert!(message.len() < MAX_SHOWN_ARGS + 400, "{}", message.len());
        assert_eq!(params["requestedSchema"]["required"], json!(["confirm"]));
    }
}
