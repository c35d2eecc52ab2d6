//! What a tool call returns: `structuredContent` shaped as the output schema says, the same
//! JSON as text in `content`, and errors the model can act on.

use serde_json::{Map, Value, json};

use crate::bms::{BmsAnswer, UpstreamError};
use crate::catalogue::{ResultShape, Tool};

use super::request::ArgProblem;

/// A finished tool call, ready to serialise as `CallToolResult`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    pub structured: Option<Value>,
    pub text: String,
    pub is_error: bool,
}

impl ToolOutcome {
    pub fn to_json(&self) -> Value {
        let mut result = Map::new();
        result.insert(
            "content".into(),
            json!([{"type": "text", "text": self.text}]),
        );
        if let Some(structured) = &self.structured {
            result.insert("structuredContent".into(), structured.clone());
        }
        result.insert("isError".into(), self.is_error.into());
        Value::Object(result)
    }

    /// A failure the model should read and act on.
    pub fn error(message: impl Into<String>) -> ToolOutcome {
        ToolOutcome {
            structured: None,
            text: message.into(),
            is_error: true,
        }
    }

    /// Arguments that failed validation: nothing was sent to BMS.
    pub fn invalid_arguments(tool: &str, problems: &[ArgProblem]) -> ToolOutcome {
        let lines: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
        ToolOutcome::error(format!(
            "Invalid arguments for {tool}; nothing was sent to BMS. Fix these and call again:\n{}",
            lines.join("\n")
        ))
    }

    pub fn upstream(error: &UpstreamError) -> ToolOutcome {
        let mut text = format!("BMS call failed (status {}): {error}", error.status());
        if let UpstreamError::RateLimited(limits) = error {
            text = format!(
                "BMS rate limit reached (HTTP 429) for this endpoint. Retry after {} seconds; the call was not retried. Limit {} per window, {} remaining.",
                limits.reset_secs, limits.limit, limits.remaining
            );
        }
        ToolOutcome::error(text)
    }
}

/// Turns a readable BMS answer into the tool result. `next_cursor` is given for list tools
/// when more pages exist.
pub fn from_answer(
    tool: &Tool,
    answer: BmsAnswer,
    next_cursor: Option<String>,
    fields: Option<&[String]>,
) -> ToolOutcome {
    let envelope = answer.envelope;
    if !envelope.success {
        let error = envelope.error.unwrap_or_default();
        let code = error
            .code
            .map_or_else(String::new, |c| format!(", BMS code {c}"));
        let text = format!(
            "BMS refused the call (HTTP {}{code}): {}",
            answer.status,
            error.summary()
        );
        return ToolOutcome::error(text);
    }
    let structured = match tool.def.result {
        ResultShape::Object => match envelope.result {
            Value::Object(object) => Value::Object(object),
            Value::Null => json!({}),
            other => json!({ "result": other }),
        },
        ResultShape::List => {
            let mut items = match envelope.result {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            if let Some(fields) = fields {
                super::fields::project(&mut items, fields);
            }
            let received = items.len();
            let kept = super::fields::fit(&mut items, super::fields::MAX_ANSWER_BYTES);
            let mut list = Map::new();
            if kept < received {
                list.insert("truncated".into(), true.into());
                list.insert(
                    "note".into(),
                    format!(
                        "Showing {kept} of the {received} items on this page: the rest would not fit a model's context. Ask again with `fields` (fewer properties) or a smaller page_size to see them."
                    )
                    .into(),
                );
            }
            list.insert("items".into(), Value::Array(items));
            if let Some(total) = envelope.total_records {
                list.insert("total_records".into(), total.into());
            }
            if let Some(cursor) = next_cursor {
                list.insert("next_cursor".into(), cursor.into());
            }
            Value::Object(list)
        }
        ResultShape::Scalar | ResultShape::Unknown => json!({ "result": envelope.result }),
    };
    let text = structured.to_string();
    ToolOutcome {
        structured: Some(structured),
        text,
        is_error: false,
    }
}
