//! Prompts: the service desk's recurring workflows as ready-made instructions a person picks
//! in their client (Claude's and VS Code's slash commands). Each names the tools it uses as
//! the client sees them (its profile's names; through `call_tool` in discovery mode), and is
//! offered only by an MCP server whose scope holds every one of those tools.

use serde_json::{Map, Value, json};

use super::jsonrpc::RpcError;
use crate::catalogue::{Catalogue, ClientProfile};
use crate::catalogue::{McpScope, ToolExposure};

/// One argument of a prompt.
pub struct PromptArgument {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    /// The lookup tool whose entries' names complete this argument (`completion/complete`).
    pub completed_from: Option<&'static str>,
}

/// One prompt: what it is for, its arguments, the tools it needs, and its text.
pub struct Prompt {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: &'static [PromptArgument],
    /// Every tool the text names; the prompt is offered only when all are in scope.
    pub tools: &'static [&'static str],
    /// The text, with `{argument}` for each argument and `{tool:NAME}` for each tool.
    pub template: &'static str,
}

const LIST_TICKETS: &str = "list_all_kaseya_bms_servicedesk_tickets";
const QUEUES: &str = "list_all_kaseya_bms_queues_lookup";
const ACCOUNTS: &str = "list_all_kaseya_bms_accounts_lookup";

/// Every prompt, in the order listed.
pub const PROMPTS: &[Prompt] = &[
    Prompt {
        name: "triage_queue",
        title: "Triage a service desk queue",
        description: "Work through the unassigned tickets of one queue: read each contact's IT Glue notes, move the tickets that belong to another team with an internal note saying why, and report what was changed and what was left.",
        arguments: &[
            PromptArgument {
                name: "queue",
                description: "The queue to triage, by name, e.g. Triage",
                required: true,
                completed_from: Some(QUEUES),
            },
            PromptArgument {
                name: "topic",
                description: "Words the tickets' titles should contain, e.g. password (optional)",
                required: false,
                completed_from: None,
            },
        ],
        tools: &[
            LIST_TICKETS,
            "get_single_kaseya_bms_itglue_contact_lookup_by_id",
            "list_all_kaseya_bms_itglue_contact_notes",
            "create_a_kaseya_bms_assignticket",
            "create_a_kaseya_bms_servicedesk_ticket_note",
        ],
        template: "Triage the unassigned tickets in the \"{queue}\" service desk queue{topic_clause}.\n\
1. List them with {tool:list_all_kaseya_bms_servicedesk_tickets} (filter_queue_names: \"{queue}\"{topic_filter}). When an answer has next_cursor, call again with only cursor set to it, until there is none. Keep the tickets whose assigneeId is null.\n\
2. For each ticket, read its contact's documentation: {tool:get_single_kaseya_bms_itglue_contact_lookup_by_id} with the ticket's contactId gives the IT Glue contact (a contact may have none), and {tool:list_all_kaseya_bms_itglue_contact_notes} with that IT Glue id gives its notes.\n\
3. Where the notes say the ticket needs another team, move it with {tool:create_a_kaseya_bms_assignticket}: queue by name, status_id from the ticket, is_internal true, and details saying why. To record a finding without moving the ticket, use {tool:create_a_kaseya_bms_servicedesk_ticket_note} with is_internal true. Leave note_type and note_date out: the tenant's default note type and the current time are used.\n\
4. Before changing anything, tell me which tickets you will move and why. Add no customer-visible notes.\n\
Finish with a short list: each ticket number, what you did, and why; and the tickets you left alone.",
    },
    Prompt {
        name: "prepare_account_review",
        title: "Prepare an account review",
        description: "Gather one customer account's open opportunities and its open high-priority tickets into a short review, and on request record the ticket summary as a note on the opportunity.",
        arguments: &[PromptArgument {
            name: "account",
            description: "The customer account, by name, e.g. Acme Corp",
            required: true,
            completed_from: Some(ACCOUNTS),
        }],
        tools: &[
            "list_all_kaseya_bms_crm_opportunities",
            LIST_TICKETS,
            "create_a_kaseya_bms_opportunity_note",
        ],
        template: "Prepare a review of the customer account \"{account}\".\n\
1. Find its opportunities with {tool:list_all_kaseya_bms_crm_opportunities} (filter_account: \"{account}\"), following next_cursor until there is none. Note each one's subject, status and value.\n\
2. Find its open urgent tickets with {tool:list_all_kaseya_bms_servicedesk_tickets} (filter_account: \"{account}\", filter_priority_names: \"High,Critical\", filter_exclude_completed: 1), following next_cursor until there is none.\n\
3. Write the review: the opportunities, then the urgent tickets as lines of ticket number, title, priority and status, then anything that puts the account's renewal or expansion at risk.\n\
4. If I confirm, record the ticket lines as a note on the opportunity I name with {tool:create_a_kaseya_bms_opportunity_note} (id is the opportunity's id). Change nothing else.",
    },
];

/// The prompts an MCP server with `scope` offers.
pub fn offered(scope: &McpScope) -> impl Iterator<Item = &'static Prompt> + '_ {
    PROMPTS
        .iter()
        .filter(move |prompt| prompt.tools.iter().all(|tool| scope.find(tool).is_some()))
}

/// The `prompts/list` result.
pub fn list(scope: &McpScope) -> Value {
    let prompts: Vec<Value> = offered(scope)
        .map(|prompt| {
            let arguments: Vec<Value> = prompt
                .arguments
                .iter()
                .map(|a| json!({"name": a.name, "description": a.description, "required": a.required}))
                .collect();
            json!({
                "name": prompt.name,
                "title": prompt.title,
                "description": prompt.description,
                "arguments": arguments,
            })
        })
        .collect();
    json!({ "prompts": prompts })
}

/// The `prompts/get` result: the prompt's text with its arguments and the client's tool
/// names filled in.
pub fn get(
    scope: &McpScope,
    profile: ClientProfile,
    params: Option<&Value>,
) -> Result<Value, RpcError> {
    let name = params
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("prompts/get needs a string `name`"))?;
    let prompt = offered(scope).find(|p| p.name == name).ok_or_else(|| {
        let known: Vec<&str> = offered(scope).map(|p| p.name).collect();
        RpcError::invalid_params(format!(
            "Unknown prompt: {name}; this server offers: {}",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))
    })?;
    let empty = Map::new();
    let given = params
        .and_then(|p| p.get("arguments"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut text = prompt.template.to_owned();
    for argument in prompt.arguments {
        let value = given
            .get(argument.name)
            .and_then(Value::as_str)
            .map(str::trim);
        match value {
            Some(value) if !value.is_empty() => {
                text = text.replace(&format!("{{{}}}", argument.name), value);
            }
            _ if argument.required => {
                return Err(RpcError::invalid_params(format!(
                    "prompt {name} needs the argument `{}`: {}",
                    argument.name, argument.description
                )));
            }
            _ => {}
        }
    }
    let topic = given
        .get("topic")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty());
    text = text
        .replace(
            "{topic_clause}",
            &topic.map_or(String::new(), |t| format!(" about \"{t}\"")),
        )
        .replace(
            "{topic_filter}",
            &topic.map_or(String::new(), |t| format!(", filter_title: \"{t}\"")),
        );
    for tool in prompt.tools {
        text = text.replace(
            &format!("{{tool:{tool}}}"),
            &shown_name(scope, profile, tool),
        );
    }
    Ok(json!({
        "description": prompt.description,
        "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
    }))
}

/// A tool as this client calls it: its profile's name, through `call_tool` in discovery mode.
fn shown_name(scope: &McpScope, profile: ClientProfile, tool: &str) -> String {
    let name = Catalogue::global()
        .get(tool)
        .map_or_else(|| tool.to_owned(), |t| profile.tool_name(t.def).to_string());
    match scope.exposure {
        ToolExposure::Discovery => format!("{name} (through call_tool)"),
        ToolExposure::All => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ToolFilter;

    #[test]
    fn every_prompt_names_only_real_tools_and_fills_every_placeholder() {
        let scope = McpScope::new(ToolFilter::default(), ToolExposure::All);
        for prompt in PROMPTS {
            for tool in prompt.tools {
                assert!(Catalogue::global().get(tool).is_some(), "{tool}");
                assert!(
                    prompt.template.contains(&format!("{{tool:{tool}}}")),
                    "{tool} unused in {}",
                    prompt.name
                );
            }
            let arguments: Map<String, Value> = prompt
                .arguments
                .iter()
                .map(|a| (a.name.to_owned(), Value::from("Triage")))
                .collect();
            let got = get(
                &scope,
                ClientProfile::Standard,
                Some(&json!({"name": prompt.name, "arguments": arguments})),
            )
            .expect("prompt");
            let text = got["messages"][0]["content"]["text"]
                .as_str()
                .expect("text");
            assert!(!text.contains('{') && !text.contains('}'), "{text}");
        }
    }

    #[test]
    fn a_scope_without_a_prompts_tools_does_not_offer_it() {
        let read_only = McpScope::new(
            ToolFilter {
                methods: vec!["read".into()],
                tags: Vec::new(),
            },
            ToolExposure::All,
        );
        assert_eq!(offered(&read_only).count(), 0);
        let error = get(
            &read_only,
            ClientProfile::Standard,
            Some(&json!({"name": "triage_queue"})),
        )
        .expect_err("not offered");
        assert!(error.message.contains("offers: none"), "{}", error.message);
    }

    #[test]
    fn a_missing_required_argument_is_named() {
        let scope = McpScope::new(ToolFilter::default(), ToolExposure::All);
        let error = get(
            &scope,
            ClientProfile::Standard,
            Some(&json!({"name": "triage_queue", "arguments": {}})),
        )
        .expect_err("refused");
        assert!(error.message.contains("`queue`"), "{}", error.message);
    }
}
