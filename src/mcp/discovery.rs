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

/// Ranks `tools` against a free-text query: every query word found in the name counts most,
/// then tags and title, then the description. Ties keep catalogue order.
pub fn search<'a>(tools: &[&'a Tool], query: &str, limit: usize) -> Vec<&'a Tool> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(u32, usize, &Tool)> = tools
        .iter()
        .enumerate()
        .filter_map(|(i, tool)| {
            let score = score(tool, &words);
            (score > 0).then_some((score, i, *tool))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(limit).map(|(_, _, t)| t).collect()
}

/// Words people use for each CRUD verb, so "add a note" prefers `create` over `list`.
const VERB_WORDS: &[(&str, &[&str])] = &[
    (
        "create",
        &["add", "create", "new", "open", "log", "post", "write"],
    ),
    ("list", &["list", "show", "find", "all", "which", "browse"]),
    (
        "get",
        &["get", "read", "detail", "details", "one", "single"],
    ),
    (
        "update",
        &["update", "change", "edit", "set", "modify", "rename"],
    ),
    ("delete", &["delete", "remove", "drop"]),
];

fn score(tool: &Tool, words: &[String]) -> u32 {
    let def = tool.def;
    let verb_bonus: u32 = words
        .iter()
        .filter(|w| {
            VERB_WORDS
                .iter()
                .any(|(verb, synonyms)| *verb == def.verb && synonyms.contains(&w.as_str()))
        })
        .map(|_| 4)
        .sum();
    let name = def.name.replace('_', " ");
    let title = def.title.to_lowercase();
    let description = def.description.to_lowercase();
    words
        .iter()
        .map(|w| {
            let stem = w.trim_end_matches('s');
            let mut s = 0;
            if name.contains(stem) {
                s += 6;
            }
            if def.tags.iter().any(|t| t.contains(stem)) {
                s += 3;
            }
            if title.contains(stem) {
                s += 3;
            }
            if description.contains(stem) {
                s += 1;
            }
            s
        })
        .sum::<u32>()
        + verb_bonus
}

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
