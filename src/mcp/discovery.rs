//! `tool_exposure: discovery`: instead of the whole tool list, three meta-tools let the model
//! search the scope, read one tool's schema, and call it. For clients that cap tool counts
//! (Cursor reads 40, VS Code refuses over 128) and for small context windows.

use serde_json::{Value, json};

use crate::catalogue::{ClientProfile, Tool};

pub const SEARCH_TOOLS: &str = "search_tools";
pub const GET_TOOL_SCHEMA: &str = "get_tool_schema";
pub const CALL_TOOL: &str = "call_tool";

/// The three meta-tools as `tools/list` shows them.
pub fn meta_tool_listings() -> Vec<Value> {
    vec![
        json!({
            "name": SEARCH_TOOLS,
            "title": "Search Kaseya BMS tools",
            "description": "Finds the Kaseya BMS tools that fit a task, best match first. Search with the words of the task (e.g. \"assign ticket queue\", \"opportunity note\", \"it glue contact notes\"). Then read a tool's arguments with get_tool_schema and run it with call_tool.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Words describing the task."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "How many tools to return (default 10)."}
                },
                "required": ["query"],
                "additionalProperties": false
            },
            "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false}
        }),
        json!({
            "name": GET_TOOL_SCHEMA,
            "title": "Read a Kaseya BMS tool's arguments",
            "description": "Returns one tool's full description and the JSON Schema of its arguments. Call it before call_tool for a tool found with search_tools.",
            "inputSchema": {
                "type": "object",
                "properties": {"name": {"type": "string", "description": "The tool name from search_tools."}},
                "required": ["name"],
                "additionalProperties": false
            },
            "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false}
        }),
        json!({
            "name": CALL_TOOL,
            "title": "Run a Kaseya BMS tool",
            "description": "Runs one Kaseya BMS tool with its arguments, exactly as if it were called directly. Read its schema with get_tool_schema first. Some tools change the live service desk.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The tool name."},
                    "arguments": {"type": "object", "description": "The tool's arguments, as its schema says."}
                },
                "required": ["name"],
                "additionalProperties": false
            },
            "annotations": {"readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": true}
        }),
    ]
}

pub use super::search::search;

/// One search hit as the model sees it.
pub fn hit_json(tool: &Tool, profile: ClientProfile) -> Value {
    let description = profile.text(tool.def.description);
    let first_sentence = description.split(". ").next().unwrap_or_default();
    json!({
        "name": profile.tool_name(tool.def),
        "title": tool.def.title,
        "summary": first_sentence,
        "method_class": tool.def.class.as_str(),
        "tags": tool.def.tags,
    })
}
